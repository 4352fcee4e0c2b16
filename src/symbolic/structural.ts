/**
 * The trace of the registry's `linear` and `group` ops (src/ops/registry.ts):
 * each output element is a weighted sum of input elements (picks, copies,
 * cumulative sums, scatters), or a function of a group of input elements
 * (prod, norm, softmax, the losses). The weights and groups come from the
 * op's own index arithmetic in the registry; the partials of a group's
 * form are derived by mathjs (expected.ts), never read off the tape.
 */
import type { MathNode } from 'mathjs';
import type { Tensor } from '../autograd/tensor.js';
import type { OpEntry } from '../ops/registry.js';
import type { NDArray } from '../tensor/ndarray.js';
import type { SymbolBuilder } from './nodes.js';
import type { ElemNode, Location, Term, ValueRef } from './trace.js';

/** What the trace hands over for one op: its operands element by element (row-major). */
export interface StructuralOp {
  entry: OpEntry<unknown>;
  attrs: unknown;
  inputs: readonly Tensor[];
  output: Tensor;
  /** The input arrays as the op read them (an in-place op's self: its values before). */
  arrays: readonly NDArray[];
  inLocs: readonly (readonly Location[])[];
  inValues: readonly (readonly MathNode[])[];
  inNodes: readonly (readonly (ElemNode | null)[])[];
  outLocs: readonly Location[];
  /** Inputs the op saves by reference: backward reads their values as they are then. */
  liveSlots: ReadonlySet<number>;
  /** Counts terms against the trace's bound (cumsum and softmax have n² of them). */
  charge(n: number): void;
}

type Set_ = (k: number, value: MathNode, terms: Term[]) => void;

/** `linear`: value Σ w·x + c, and one constant partial w per term (zero weights keep the edge). */
export function traceLinear(op: StructuralOp, b: SymbolBuilder, set: Set_): void {
  const spec = op.entry.symbolic;
  if (spec.kind !== 'linear') throw new Error('internal: not a linear op');
  const map = spec.linear(op.arrays, op.attrs, op.output.array);
  op.charge(map.terms.reduce((n, t) => n + t.length, 0));
  map.terms.forEach((terms, k) => {
    const parts: MathNode[] = [];
    const out: Term[] = [];
    for (const [i, j, w] of terms) {
      if (w !== 0) parts.push(w === 1 ? op.inValues[i]![j]! : b.multiply(b.constant(w), op.inValues[i]![j]!));
      const input = op.inNodes[i]![j];
      if (input) out.push({ kind: 'constant', input, value: w });
    }
    for (const [i, j, w] of map.gradientOnly?.[k] ?? []) {
      const input = op.inNodes[i]![j];
      if (input) out.push({ kind: 'constant', input, value: w });
    }
    const c = map.constants?.[k] ?? 0;
    if (c !== 0 || parts.length === 0) parts.push(b.constant(c));
    set(k, b.sum(parts), out);
  });
}

/** `group`: value form(members), and one `group` term per member with a history. */
export function traceGroup(op: StructuralOp, b: SymbolBuilder, set: Set_): void {
  const spec = op.entry.symbolic;
  if (spec.kind !== 'group') throw new Error('internal: not a group op');
  const attrs = {};
  const groups = spec.groups(op.arrays, op.attrs, op.output.array);
  op.charge(groups.reduce((n, g) => n + g.members.length, 0));
  groups.forEach((group, k) => {
    const operands: ValueRef[] = group.members.map(([i, j]) => ({
      loc: op.inLocs[i]![j]!,
      atOp: op.inValues[i]![j]!,
      live: op.liveSlots.has(i),
      tensor: op.inputs[i],
      index: j,
      cut: !op.inputs[i]!.requiresGrad,
    }));
    const form = spec.form(group.key);
    const value = b.instantiate(form, [], attrs, memberMap(operands.map((o) => o.atOp)));
    // The saved result is read from its storage when backward runs.
    const results: ValueRef[] = (group.results ?? [k]).map((r) => ({ loc: op.outLocs[r]!, atOp: b.constant(0), live: true }));
    const terms: Term[] = [];
    group.members.forEach(([i, j], slot) => {
      const input = op.inNodes[i]![j];
      const viaResult = spec.viaResult?.(group.key, slot);
      if (input) terms.push({ kind: 'group', input, form, slot, operands, viaResult, results });
    });
    set(k, value, terms);
  });
}

/** `m0`, `m1`, … bound to the members' expressions (and `r0`, `r1`, … to the results'). */
export function memberMap(values: readonly MathNode[], results: readonly MathNode[] = []): Map<string, MathNode> {
  return new Map([...values.map((v, i) => [`m${i}`, v] as const), ...results.map((v, i) => [`r${i}`, v] as const)]);
}
