/**
 * Expected gradients of one backward()/autograd.grad() call, derived from
 * the symbolic trace alone: the chain rule over the recorded history, each
 * local partial derived by mathjs from the op's registry form and evaluated
 * at the values its backward will read (so `.data` mutations of saved
 * tensors count and cut values are constants). Also predicts the errors
 * PyTorch raises (version counter, backward twice, implicit gradient).
 */
import type { MathNode } from 'mathjs';
import type { BackwardCall } from '../autograd/engine.js';
import type { Tensor } from '../autograd/tensor.js';
import { deriveNode } from './derive.js';
import type { SymbolBuilder } from './nodes.js';
import { memberMap } from './structural.js';
import { ElemNode, locationOf, type OpRecord, type SymbolicTrace, type Term, type ValueRef } from './trace.js';

export type PredictedError = 'no-grad' | 'implicit-scalar' | 'shape' | 'unused' | 'not-requiring-grad' | 'version' | 'backward-twice';

export interface ExpectedTarget {
  tensor: Tensor;
  name: string;
  /** Per element (row-major): dz/d(element), in terms of the leaves' symbols. */
  formulas: MathNode[];
  /** The element symbols, for leaves. */
  symbols: (string | null)[];
  /** The target received no gradient at all (autograd.grad would call it unused). */
  unused: boolean;
}

export interface ExpectedCall {
  call: BackwardCall;
  line: number;
  errors: PredictedError[];
  targets: ExpectedTarget[];
  /** The ops the backward pass runs through. */
  reached: OpRecord[];
  /** Σ gradient · output, as an expression of the leaves: what finite differences differentiate. */
  objective: MathNode | null;
  /**
   * The same as autograd sees it: values read through a cut are named
   * constants. Its derivative is the call's gradient unless a `.data` change
   * reached a saved tensor (src/grade derives slips of it).
   */
  autogradObjective: MathNode | null;
}

export class ExpectedGradients {
  private readonly partials = new Map<string, MathNode>();

  constructor(
    private readonly trace: SymbolicTrace,
    private readonly b: SymbolBuilder,
  ) {}

  /** d(form)/d(slot), derived once per form and slot. */
  private partialTemplate(form: string, slot: number): MathNode {
    const key = `${slot}:${form}`;
    let p = this.partials.get(key);
    if (!p) {
      p = deriveNode(this.b.template(form), 'abc'[slot]!);
      this.partials.set(key, p);
    }
    return p;
  }

  /** What a backward formula reads: autograd's value, now (saved by reference) or at op time. */
  private read(ref: ValueRef): MathNode {
    if (!ref.live) return ref.atOp;
    const v = this.trace.agValueAt(ref.tensor ? locationOf(ref.tensor, ref.index!) : ref.loc);
    if (!ref.cut || !ref.tensor || !this.trace.isSymbolic(v)) return v;
    return this.trace.frozenValue(v, ref.tensor, ref.index!);
  }

  private partial(node: ElemNode, term: Term): MathNode {
    switch (term.kind) {
      case 'constant':
        return this.b.constant(term.value);
      case 'factor':
        return this.read(term.factor);
      case 'formula':
        return term.partial;
      case 'group': {
        const members = term.operands.map((o) => this.read(o));
        // An op whose backward reads its saved result: its own partial, over the result as it is now.
        if (term.viaResult) return this.b.instantiate(term.viaResult, [], {}, memberMap(members, term.results.map((r) => this.read(r))));
        const key = `m${term.slot}:${term.form}`;
        let p = this.partials.get(key);
        if (!p) this.partials.set(key, (p = deriveNode(this.b.template(term.form), `m${term.slot}`)));
        return this.b.instantiate(p, [], {}, memberMap(members));
      }
      case 'elementwise': {
        const spec = node.record!.entry.symbolic;
        if (spec.kind !== 'elementwise') throw new Error('internal: elementwise term of a structural op');
        const operands = term.operands.map((o) => this.read(o));
        const attrs = (node.record!.attrs ?? {}) as Record<string, unknown>;
        // An op whose backward reads its saved result: the partial in terms of the result as it is now.
        const viaResult = spec.viaResult?.[term.slot === 0 ? 'a' : 'b'];
        if (viaResult) return this.b.instantiate(viaResult, operands, attrs, new Map([['result', this.trace.agValueAt(term.result.loc)]]));
        return this.b.instantiate(this.partialTemplate(spec.form, term.slot), operands, attrs);
      }
    }
  }

  /** Everything reachable from the roots, latest first (a valid reverse topological order). */
  private reachable(roots: readonly ElemNode[]): ElemNode[] {
    const seen = new Set<ElemNode>();
    const stack = [...roots];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const t of n.terms) stack.push(t.input);
    }
    return [...seen].sort((x, y) => y.id - x.id);
  }

  compute(call: BackwardCall, line: number): ExpectedCall {
    const result: ExpectedCall = { call, line, errors: [], targets: [], reached: [], objective: null, autogradObjective: null };
    const root = call.outputs[0]!;
    const given = call.grads[0] ?? null;
    if (given && given.shape.join() !== root.shape.join()) result.errors.push('shape');
    if (!given && root.requiresGrad && root.numel !== 1) result.errors.push('implicit-scalar');
    if (!root.requiresGrad) result.errors.push('no-grad');
    if (call.inputs.some((t) => !t.requiresGrad)) result.errors.push('not-requiring-grad');
    if (result.errors.length) return result;

    const rootOffsets = Array.from(root.array.offsets());
    const seeds = rootOffsets.map((_, k) =>
      given ? this.read({ loc: locationOf(given, k), atOp: this.b.constant(0), live: true, tensor: given, index: k, cut: true }) : this.b.constant(1),
    );
    result.objective = this.b.sum(
      rootOffsets.map((offset, k) => this.b.multiply(seeds[k]!, this.trace.valueAt({ buffer: root.array.buffer, offset }))),
    );
    result.autogradObjective = this.b.sum(
      rootOffsets.map((offset, k) => this.b.multiply(seeds[k]!, this.trace.agValueAt({ buffer: root.array.buffer, offset }))),
    );
    const contributions = new Map<ElemNode, MathNode[]>();
    const give = (n: ElemNode, v: MathNode) => {
      const list = contributions.get(n);
      if (list) list.push(v);
      else contributions.set(n, [v]);
    };
    const rootNodes: ElemNode[] = [];
    rootOffsets.forEach((offset, k) => {
      const n = this.trace.nodeAt(root, offset);
      if (n) {
        give(n, seeds[k]!);
        rootNodes.push(n);
      }
    });
    const order = this.reachable(rootNodes);
    const adjoint = new Map<ElemNode, MathNode>();
    const records = new Set<OpRecord>();
    for (const n of order) {
      const adj = this.b.sum(contributions.get(n) ?? []);
      adjoint.set(n, adj);
      if (n.record) records.add(n.record);
      for (const r of n.via) records.add(r);
      for (const t of n.terms) {
        // A zero partial passes an exact zero (PyTorch's zeros_like), not adj * 0.
        const p = this.partial(n, t);
        give(t.input, this.b.constantValue(p) === 0 ? p : this.b.multiply(adj, p));
      }
    }
    result.reached = [...records].sort((x, y) => x.id - y.id);
    for (const r of result.reached) {
      if (r.freed && r.saved.length) result.errors.push('backward-twice');
      if (r.saved.some((s) => s.array.version.value !== s.version)) result.errors.push('version');
    }
    result.errors = [...new Set(result.errors)];

    const targets = call.kind === 'grad' ? call.inputs : this.reachedLeaves(order);
    for (const t of targets) {
      const offsets = Array.from(t.array.offsets());
      const nodes = offsets.map((o) => this.trace.nodeAt(t, o));
      const formulas = nodes.map((n) => (n && adjoint.has(n) ? adjoint.get(n)! : this.b.constant(0)));
      result.targets.push({
        tensor: t,
        name: this.trace.nameOf(t),
        formulas,
        symbols: nodes.map((n) => n?.leaf?.symbol ?? null),
        unused: !nodes.some((n) => n && adjoint.has(n)),
      });
      if (call.kind === 'grad' && result.targets.at(-1)!.unused) result.errors.push('unused');
    }
    return result;
  }

  private reachedLeaves(order: readonly ElemNode[]): Tensor[] {
    const leaves: Tensor[] = [];
    for (const n of [...order].reverse()) if (n.leaf && !leaves.includes(n.leaf.tensor)) leaves.push(n.leaf.tensor);
    return leaves;
  }

  /**
   * create_graph: the returned gradients are differentiable. As autograd
   * does, a gradient's formula is differentiated with respect to the values
   * its backward read (saved inputs and results, leaf elements), each then
   * through that value's own recorded history, never through the expression
   * that computed it: once a `.data` write changed what an op saved, that
   * expression no longer says what backward computes (expected stays
   * independent of the tape's backward ops all the same).
   */
  attachHistory(grads: readonly Tensor[], formulas: readonly (readonly MathNode[])[], via: readonly OpRecord[]): void {
    grads.forEach((g, i) => {
      const offsets = Array.from(g.array.offsets());
      offsets.forEach((offset, k) => {
        const formula = formulas[i]![k]!;
        const terms = this.historyTerms(formula);
        this.trace.define(g, offset, formula, terms.length ? new ElemNode(null, terms, null, via) : null);
      });
    });
  }

  /** d(formula)/d(value) for each value with a history it reads whole, as terms of that history. */
  private historyTerms(formula: MathNode): Term[] {
    const variables: { name: string; value: MathNode; node: ElemNode }[] = [];
    const byName = new Map<string, MathNode>();
    // (replace visits each distinct node once.)
    const shape = this.b.replace(formula, (n) => {
      const node = this.trace.historyOfValue(n);
      if (!node) return undefined;
      const name = `#v${variables.length}`;
      variables.push({ name, value: n, node });
      byName.set(name, n);
      return this.b.symbol(name);
    });
    return variables.map(({ name, node }) => ({ kind: 'formula', input: node, partial: this.b.substitute(deriveNode(shape, name), byName) }));
  }
  /** After a successful pass without retain_graph, its ops' saved tensors are gone. */
  freeReached(expected: ExpectedCall): void {
    for (const r of expected.reached) r.freed = true;
  }
}

