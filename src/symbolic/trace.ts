/**
 * The symbolic trace of a run. It listens to every op the tape records and
 * keeps, independently of the tape's gradients:
 * - the value of every storage element as a mathjs expression of the leaves
 *   (leaf elements are symbols such as `x[0,1]`), updated by in-place ops
 *   and `.data` mutations, so cuts are transparent to it. A leaf's element
 *   gets a new symbol (generations.ts) whenever it holds values autograd
 *   did not compute: from the moment the tensor requires grad
 *   (`w.uniform_(); w.requires_grad_()`) and after each write behind
 *   autograd's back (`with torch.no_grad(): w -= lr * w.grad`);
 * - the autograd history of every element (ElemNode), built from the
 *   registry's symbolic specs; a value that does not require grad has none.
 * Expected gradients (expected.ts) walk this history.
 */
import type { MathNode } from 'mathjs';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { LimitError } from '../tensor/errors.js';
import type { Tensor } from '../autograd/tensor.js';
import type { FunctionListener, TapeListener } from '../autograd/record.js';
import type { FunctionNode } from '../autograd/function-node.js';
import { isFloating } from '../tensor/dtype.js';
import type { OpEntry } from '../ops/registry.js';
import { NDArray, type Buffer } from '../tensor/ndarray.js';
import { broadcastIndex, productPairs, reductionGroups, scatterSources, type ScatterAttrs } from './element-maps.js';
import { compileNode } from './compile.js';
import { LeafGenerations, type DisplayView } from './generations.js';
import { SymbolBuilder } from './nodes.js';
import { traceGroup, traceLinear, type StructuralOp } from './structural.js';

export { locationOf } from './element-maps.js';

/** Where an element lives: its storage buffer and offset. */
export interface Location {
  buffer: Buffer;
  offset: number;
}

/**
 * A value an op's local partial reads: its value at op time, or (`live`)
 * what backward will read. An input is saved as the tensor itself, so
 * backward reads element `index` of whatever storage it has then (also after
 * `x.data = t`); a result is saved as its storage (`tensor` absent).
 */
export interface ValueRef {
  loc: Location;
  atOp: MathNode;
  live: boolean;
  tensor?: Tensor;
  index?: number;
  /** The operand did not require grad: to autograd its value is a constant. */
  cut?: boolean;
}


export interface SavedRef {
  tensor: Tensor;
  array: NDArray;
  version: number;
}

export interface OpRecord {
  id: number;
  entry: OpEntry<unknown>;
  attrs: unknown;
  line: number;
  inPlace: boolean;
  gradMode: boolean;
  output: Tensor;
  inputs: readonly Tensor[];
  saved: SavedRef[];
  /** Saved tensors were freed by a backward without retain_graph. */
  freed: boolean;
  /** An in-place op's self as it read it (its values before). */
  before?: NDArray;
  /** Run inside a custom Function's forward (autograd recorded nothing). */
  inFunction?: boolean;
}

export type Term =
  | { kind: 'elementwise'; input: ElemNode; slot: number; operands: ValueRef[]; result: ValueRef }
  | { kind: 'constant'; input: ElemNode; value: number }
  | { kind: 'factor'; input: ElemNode; factor: ValueRef }
  /**
   * A gradient returned with create_graph: its own formula, differentiated
   * symbolically; `reread` are the values in it a backward op saved by
   * reference, read when the derivative is taken (SymbolicTrace.currentOf).
   */
  | { kind: 'formula'; input: ElemNode; partial: MathNode; reread: ReadonlyMap<string, MathNode> }
  /** A member (`m<slot>`) of a group op's form (structural.ts): its partial, derived by mathjs. */
  | {
      kind: 'group';
      input: ElemNode;
      form: string;
      slot: number;
      operands: ValueRef[];
      viaResult?: string;
      /** The partial as the backward computes it under create_graph, when that differs (cumprod). */
      viaResultUnderGraph?: string;
      results: ValueRef[];
      /** Every element of input 0, for `zeros` in viaResult (shared by the op's terms). */
      wholeInput?: ValueRef[];
    };

let nextElemId = 0;

/** A leaf that requires grad, holding this storage now. */
function isLeafOf(t: Tensor | undefined, buffer: Buffer): t is Tensor {
  return !!t && !t.base && t.isLeaf && t.requiresGrad && t.array.buffer === buffer;
}

/** How many tensor elements the ops of one checked script may touch in all (a 100-step training loop touches 735,000). */
export const MAX_TRACED_ELEMENTS = 1_000_000;
/** How many one op may touch (its output and inputs): one larger op is refused at once, not after seconds and gigabytes. */
export const MAX_OP_ELEMENTS = 200_000;

/** One element in the autograd history: a leaf element, or an op's output element and its inputs. */
export class ElemNode {
  readonly id = nextElemId++;
  constructor(
    readonly record: OpRecord | null,
    readonly terms: readonly Term[],
    readonly leaf: { tensor: Tensor; symbol: string } | null,
    /** For a gradient returned with create_graph: the forward ops its own graph runs back through. */
    readonly via: readonly OpRecord[] = [],
  ) {}
}

/**
 * A value autograd did not compute: an element of a tensor with autograd
 * history written behind autograd's back (`x.data *= 2`, an in-place op
 * under no_grad, `y.data = t` of a non-leaf). Backward formulas read the new
 * value, but autograd differentiates them through the element's history,
 * never through the change. So the new value is a variable of its own (a
 * symbol bound to it) whose derivative is its history's: `-r` written into
 * a leaf r is, to a second derivative, r itself.
 */
export interface ChangedValue {
  /** The element's history, which derivatives of formulas that read the value run back through. */
  node: ElemNode;
  /** The new value in autograd's view (`-r`, `x + 100`): what formulas show. */
  shown: MathNode;
  /** The new value seen through cuts: the program as a function of its leaves (finite differences). */
  through: MathNode;
}

/** `x.data = t`: x adopted t's storage (ops with id >= `at` ran after). */
export interface DataAssignment {
  line: number;
  tensor: Tensor;
  buffer: Buffer;
  at: number;
}

/** A `.data`-style change of storage that autograd cannot see, or a cut: for the explanations. */
export interface TraceEvent {
  kind: 'mutation' | 'cut';
  line: number;
  record: OpRecord;
  /** The tensor written (mutation) or read without history (cut). */
  tensor: Tensor;
  buffer: Buffer;
}


/** A custom Function's forward in progress: its inputs' histories, and the values it makes. */
interface FunctionFrame {
  node: FunctionNode;
  inputs: readonly Tensor[];
  inputNodes: (ElemNode | null)[][];
  line: number;
  made: Tensor[];
  /** The records made inside forward (also inside Functions it applies). */
  records: OpRecord[];
}

/** One `Function.apply`: where its inputs and outputs are in the history, and what its backward returned each time it ran. */
export interface FunctionApplication {
  node: FunctionNode;
  inputs: readonly Tensor[];
  inputNodes: (ElemNode | null)[][];
  outputs: readonly Tensor[];
  outputNodes: (ElemNode | null)[][];
  line: number;
  /** Each run of its backward: the line it returned from, what it received, returned, and the formulas of what it returned. */
  backwards: { line: number; gradOutputs: (number[] | null)[]; gradInputs: (number[] | null)[]; formulas: (MathNode[] | null)[] }[];
}

export class SymbolicTrace implements TapeListener, FunctionListener {
  /**
   * Ops recorded so far (each record's id). The records themselves are not
   * kept: each op's history holds its own, for as long as a tensor it made
   * lives (a training loop's earlier steps are freed with their graphs).
   */
  private recordCount = 0;
  /** Per storage, the ops that made a tensor on it (not in place): for the explanations of cuts. */
  private readonly producers = new WeakMap<Buffer, OpRecord[]>();
  readonly events: TraceEvent[] = [];
  readonly assignments: DataAssignment[] = [];
  readonly names = new WeakMap<Tensor, string>();
  /** Symbol name to its numeric value (leaf elements and named constants). */
  readonly bindings = new Map<string, number>();
  /** Leaf element symbols, every generation (generations.ts). */
  private readonly leaves = new LeafGenerations();
  /** Storages known to hold a leaf that requires grad (also when read as `x.data` or `x.detach()`). */
  private readonly leafStorage = new WeakMap<Buffer, Tensor>();
  /** Symbols of values autograd did not compute (ChangedValue). */
  private readonly changed = new Map<string, ChangedValue>();
  /** The history of each value an op gave an element (autograd's view): what it is differentiated through. */
  private readonly elementValues = new WeakMap<MathNode, ElemNode>();
  /** Where each value with a history lives: what a backward that saved it by reference reads later. */
  private readonly valueHomes = new WeakMap<MathNode, Location>();
  /** Each storage element's value, seen through cuts: the program as a function of its leaves. */
  private readonly values = new WeakMap<Buffer, Map<number, MathNode>>();
  /** The same as autograd sees it: values read through a cut are named constants. */
  private readonly agValues = new WeakMap<Buffer, Map<number, MathNode>>();
  private readonly owners = new WeakMap<Buffer, Tensor>();
  private readonly history = new WeakMap<Tensor, Map<number, ElemNode>>();
  /** Whether a value depends on a leaf that requires grad (memo over the DAG). */
  private readonly symbolic = new WeakMap<MathNode, boolean>();
  /** Cut values as named constants, by value. */
  private readonly frozen = new Map<MathNode, MathNode>();
  private unnamed = 0;
  private currentLine = 0;
  /** The line before the current one: after a call returns, the line the callee returned from. */
  private priorLine = 0;

  /** The line of the statement running (set by whoever runs the script). */
  get line(): number {
    return this.currentLine;
  }

  set line(line: number) {
    this.priorLine = this.currentLine;
    this.currentLine = line;
  }
  /** Element-ops traced so far (the symbolic side follows every element: bounded). */
  private work = 0;
  /** Ops run by the engine inside a backward pass are not the script's. */
  paused = false;

  /** Custom Functions whose forward is running (innermost last), and every one applied so far. */
  private readonly frames: FunctionFrame[] = [];
  readonly functions: FunctionApplication[] = [];

  /** The trace of a Function's backward while it runs (see functionBackwardStarted). */
  private scratch: { node: FunctionNode; trace: SymbolicTrace } | null = null;

  /** `parent`: a scratch trace reads the values its parent knows, and names tensors as it does. */
  constructor(
    readonly b: SymbolBuilder,
    private readonly parent: SymbolicTrace | null = null,
  ) {}

  /**
   * Whether `t` carries gradient: it requires grad, or it was computed
   * inside a custom Function's forward from values that do (autograd
   * records nothing there; the trace differentiates it all the same).
   */
  carries(t: Tensor): boolean {
    return t.requiresGrad || this.frames.some((f) => f.made.includes(t) || (t.base !== null && f.made.includes(t.base)));
  }

  functionStarted(node: FunctionNode, inputs: readonly Tensor[]): void {
    if (this.paused) return;
    const inputNodes = inputs.map((t) => Array.from(t.array.offsets(), (o) => this.nodeAt(t, o)));
    this.frames.push({ node, inputs, inputNodes, line: this.line, made: [], records: [] });
  }

  functionEnded(node: FunctionNode, _inputs: readonly Tensor[], outputs: readonly Tensor[] | null): void {
    const frame = this.frames.at(-1);
    if (!frame || frame.node !== node) return;
    this.frames.pop();
    if (!outputs) return;
    // Outputs autograd left without history (non-differentiable, or nothing required grad) have none here either.
    for (const out of outputs) {
      if (!out.requiresGrad) for (const o of out.array.offsets()) this.setHistory(out, o, null);
    }
    // Autograd saved nothing inside forward; what ctx.save_for_backward kept belongs to the op that made
    // the first output (so the version check and a second backward are predicted as for any op).
    const inside = frame.records;
    for (const r of inside) r.saved = [];
    const owner = inside.find((r) => outputs.includes(r.output)) ?? inside.at(-1);
    if (owner) {
      for (const s of node.inspectSaved()) {
        if (!s) continue;
        const kept = s.inspect();
        owner.saved.push({ tensor: kept.tensor ?? outputs.find((o) => o.array.buffer === kept.array.buffer) ?? owner.output, array: kept.array, version: kept.savedVersion });
      }
    }
    const outputNodes = outputs.map((t) => Array.from(t.array.offsets(), (o) => this.nodeAt(t, o)));
    this.functions.push({ node, inputs: frame.inputs, inputNodes: frame.inputNodes, outputs, outputNodes, line: frame.line, backwards: [] });
  }

  /** Tensor hooks by id: the tensor, the line that registered it, and every change it made to a gradient. */
  readonly hooks = new Map<number, { tensor: Tensor; line: number; changes: { grad: number[]; result: number[] }[] }>();

  hookRegistered(tensor: Tensor, id: number): void {
    this.hooks.set(id, { tensor, line: this.line, changes: [] });
  }

  hookRan(_tensor: Tensor, id: number, grad: Tensor, result: Tensor): void {
    const hook = this.hooks.get(id);
    const before = Array.from(grad.array.values());
    const after = Array.from(result.array.values());
    if (hook && before.some((v, k) => !Object.is(v, after[k]))) hook.changes.push({ grad: before, result: after });
  }

  /**
   * A Function's backward is about to run inside a backward pass: its ops
   * are traced apart (a scratch trace that reads this one's values), so that
   * what it returns is known as a formula of the leaves.
   */
  functionBackwardStarted(node: FunctionNode): void {
    this.scratch = { node, trace: new SymbolicTrace(this.b, this) };
  }

  /** A Function's backward ran: what it received and returned (values and formulas), for the explanations. */
  functionBackward(node: FunctionNode, gradOutputs: readonly (Tensor | null)[], gradInputs: readonly (Tensor | null)[] | null): void {
    const scratch = this.scratch?.node === node ? this.scratch.trace : null;
    this.scratch = null;
    const app = this.functions.find((f) => f.node === node);
    if (!app || !gradInputs) return;
    const values = (t: Tensor | null) => (t ? Array.from(t.array.values()) : null);
    const formulas = (t: Tensor | null) => (t && scratch ? Array.from(t.array.offsets(), (offset) => scratch.agValueAt({ buffer: t.array.buffer, offset })) : null);
    // The backward has returned, and the interpreter has gone back to the caller's line: the one before is its return.
    app.backwards.push({ line: this.priorLine, gradOutputs: gradOutputs.map(values), gradInputs: gradInputs.map(values), formulas: gradInputs.map(formulas) });
  }

  /** The script bound `name` to `t`: the first name a storage gets names its symbols. */
  named(name: string, t: Tensor): void {
    if (!this.names.has(t)) this.names.set(t, name);
    if (!this.owners.has(t.array.buffer)) this.owners.set(t.array.buffer, t);
  }

  nameOf(t: Tensor): string {
    if (this.parent) return this.parent.nameOf(t);
    let n = this.names.get(t) ?? this.names.get(t.base ?? t);
    if (!n) this.names.set(t, (n = `t${++this.unnamed}`));
    return n;
  }

  /** The last op before record `id` that made a tensor on this storage (not in place). */
  producerBefore(buffer: Buffer, id: number): OpRecord | undefined {
    const made = this.producers.get(buffer) ?? [];
    for (let k = made.length - 1; k >= 0; k--) if (made[k]!.id < id) return made[k];
    return undefined;
  }

  /** The name of the tensor that owns a storage (`x` for the storage of `x.data`). */
  storageName(buffer: Buffer): string | null {
    const owner = this.owners.get(buffer);
    return owner ? this.nameOf(owner) : null;
  }

  isSymbolic(root: MathNode): boolean {
    const known = this.symbolic.get(root);
    if (known !== undefined) return known;
    // Iterative post-order: values can be deep chains.
    const stack: [MathNode, boolean][] = [[root, false]];
    while (stack.length) {
      const [n, expanded] = stack.pop()!;
      if (this.symbolic.has(n)) continue;
      if (!expanded) {
        stack.push([n, true]);
        n.forEach((c) => {
          if (!this.symbolic.has(c)) stack.push([c, false]);
        });
        continue;
      }
      let any = false;
      n.forEach((c) => {
        if (this.symbolic.get(c)) any = true;
      });
      this.symbolic.set(n, any);
    }
    return this.symbolic.get(root)!;
  }

  /**
   * A value read through a cut (an operand that does not require grad but
   * depends on the leaves) as a named constant, `y2` or `y2[0,1]`, bound to
   * its value: derivatives (create_graph) treat it as the constant autograd
   * sees, and formulas show the name.
   */
  frozenValue(value: MathNode, tensor: Tensor, index: number): MathNode {
    const known = this.frozen.get(value);
    if (known) return known;
    const base = tensor.shape.length === 0 ? this.nameOf(tensor) : `${this.nameOf(tensor)}[${this.unravel(tensor.shape, index).join(',')}]`;
    let name = base;
    while (this.bindings.has(name)) name += "'";
    const node = this.b.symbol(name);
    const names = [...this.bindings.keys()];
    this.bindings.set(name, compileNode(value, names)(names.map((n) => this.bindings.get(n)!)));
    this.symbolic.set(node, false);
    this.frozen.set(value, node);
    return node;
  }

  private unravel(shape: readonly number[], index: number): number[] {
    const idx: number[] = [];
    let rest = index;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx.unshift(rest % shape[d]!);
      rest = Math.floor(rest / shape[d]!);
    }
    return idx;
  }

  private symbolFor(owner: Tensor, offset: number): string {
    const name = this.nameOf(owner);
    if (owner.shape.length === 0) return name;
    const idx: number[] = [];
    let rest = offset - owner.array.offset;
    for (const st of owner.array.strides) {
      idx.push(st === 0 ? 0 : Math.floor(rest / st));
      rest = st === 0 ? rest : rest % st;
    }
    return `${name}[${idx.join(',')}]`;
  }

  /**
   * The current value of a storage element as an expression: a leaf's
   * symbol (leafValue), else what the ops made of it, else (first read) a
   * constant of `numeric` (the storage's value unless an in-place op
   * already overwrote it). `holder`: the tensor it is read through.
   */
  valueAt(loc: Location, numeric: number = loc.buffer[loc.offset]!, holder?: Tensor): MathNode {
    this.leafValue(loc, numeric, holder);
    let map = this.values.get(loc.buffer);
    if (!map) this.values.set(loc.buffer, (map = new Map()));
    const known = map.get(loc.offset);
    if (known) return known;
    if (this.parent) {
      const inherited = this.parent.agValueAt(loc, numeric, holder);
      map.set(loc.offset, inherited);
      return inherited;
    }
    const node = this.b.constant(numeric);
    map.set(loc.offset, node);
    return node;
  }

  /** The leaf that requires grad whose storage holds `loc`, if any (read through `holder`, `x.data` or `x.detach()`). */
  private leafAt(loc: Location, holder?: Tensor): Tensor | null {
    const root = holder?.base ?? holder;
    if (isLeafOf(root, loc.buffer)) return root;
    const known = this.leafStorage.get(loc.buffer);
    if (isLeafOf(known, loc.buffer)) return known;
    const owner = this.owners.get(loc.buffer);
    return isLeafOf(owner, loc.buffer) ? owner : null;
  }

  /**
   * A leaf element that requires grad holds one of its own symbols: when it
   * holds anything else (values written before it required grad, or behind
   * autograd's back since), those values start a new generation.
   */
  private leafValue(loc: Location, numeric: number, holder?: Tensor): void {
    // A scratch trace reads its parent's values: generations are the parent's.
    if (this.parent) return;
    const leaf = this.leafAt(loc, holder);
    if (!leaf) return;
    this.leafStorage.set(loc.buffer, leaf);
    const value = this.values.get(loc.buffer)?.get(loc.offset);
    const ag = this.agValues.get(loc.buffer)?.get(loc.offset) ?? value;
    if (value && ag === value && this.leaves.holds(value, leaf, loc.buffer, loc.offset)) return;
    this.newGeneration(leaf, loc, numeric, ag ?? null);
  }

  private newGeneration(leaf: Tensor, loc: Location, numeric: number, replaced: MathNode | null): void {
    const element = this.symbolFor(leaf, loc.offset);
    // Generation k is named with at least k primes (names before it are all taken): a loop's step 100 is not 100 tries.
    let name = element + "'".repeat(this.leaves.of(leaf, loc.offset).length);
    while (this.bindings.has(name)) name += "'";
    const symbol = this.b.symbol(name);
    this.symbolic.set(symbol, true);
    this.bindings.set(name, numeric);
    this.leaves.add(name, { tensor: leaf, buffer: loc.buffer, offset: loc.offset, element, replaced: replaced ?? this.b.constant(numeric) });
    this.setValue(loc, symbol);
    this.setValue(loc, symbol, this.agValues);
    // The element keeps its node (its AccumulateGrad), now named by the new symbol.
    const node = this.history.get(leaf)?.get(loc.offset);
    if (node?.leaf) node.leaf.symbol = name;
  }

  /** Every symbol element `offset` of leaf `t` has had, oldest first. */
  generationsOf(t: Tensor, offset: number): readonly string[] {
    return this.leaves.of(t, offset);
  }

  /**
   * Formulas as a call's report shows them (`used`: the symbols its
   * forward pass read): each changed value written out as autograd's view
   * of it, leaf symbols as LeafGenerations.displayNames says.
   */
  displayView(used: ReadonlySet<string>): DisplayView {
    const { replacing, names } = this.leaves.displayNames(used);
    const renamed = new Map([...names].map(([from, to]) => [from, this.b.symbol(to)]));
    // One rewrite for all the call's formulas: they share their forward pass.
    const expand = this.expander('shown', replacing);
    const rename = renamed.size ? this.b.replacer((n) => (n.type === 'SymbolNode' ? renamed.get((n as MathNode & { name: string }).name) : undefined)) : (n: MathNode) => n;
    return {
      form: (formula) => rename(expand(formula)),
      symbol: (name) => names.get(name) ?? name,
    };
  }

  /** A formula with each changed value written out as autograd's view of it (`2 * (x + 100)`), for notes. */
  shownForm(node: MathNode): MathNode {
    return this.expand(node, 'shown');
  }

  /**
   * The history a value read by a backward formula is differentiated
   * through (create_graph): an op's output element's, a leaf element's or a
   * changed value's; null when it is no such value.
   */
  historyOfValue(value: MathNode): ElemNode | null {
    const known = this.elementValues.get(value);
    if (known) return known;
    return value.type === 'SymbolNode' ? this.historyOf((value as MathNode & { name: string }).name) : null;
  }

  /**
   * What a backward that saved `value` by reference (a saved input) reads
   * now: the value now in its place, such as a leaf element's current
   * generation after an optimiser's step.
   */
  currentOf(value: MathNode): MathNode {
    const leaf = value.type === 'SymbolNode' ? this.leaves.get((value as MathNode & { name: string }).name) : undefined;
    if (leaf) return this.agValueAt({ buffer: leaf.tensor.array.buffer, offset: leaf.offset }, undefined, leaf.tensor);
    const home = this.valueHomes.get(value);
    return home ? this.agValueAt(home) : value;
  }

  /** The history a formula's symbol is differentiated through: a leaf element's, or a changed value's; null for a constant. */
  historyOf(name: string): ElemNode | null {
    const changed = this.changed.get(name);
    if (changed) return changed.node;
    const leaf = this.leaves.get(name);
    return leaf ? this.nodeAt(leaf.tensor, leaf.offset) : null;
  }

  private expand(node: MathNode, view: 'shown' | 'through', replacing: ReadonlySet<string> = new Set()): MathNode {
    return this.expander(view, replacing)(node);
  }

  /** `expand` as a function for several formulas, which shares its work on their common parts. */
  private expander(view: 'shown' | 'through', replacing: ReadonlySet<string>): (node: MathNode) => MathNode {
    if (this.changed.size === 0 && replacing.size === 0) return (node) => node;
    const memo = new Map<string, MathNode>();
    const lookup = (name: string): MathNode | undefined => {
      const changed = this.changed.get(name);
      const form = changed ? changed[view] : replacing.has(name) ? this.leaves.get(name)?.replaced : null;
      if (!form) return undefined;
      let out = memo.get(name);
      if (!out) memo.set(name, (out = this.b.substitute(form, lookup)));
      return out;
    };
    return this.b.replacer((n) => (n.type === 'SymbolNode' ? lookup((n as MathNode & { name: string }).name) : undefined));
  }

  /**
   * After a change autograd cannot see, the value at `loc` in autograd's
   * view becomes a variable with the element's history (ChangedValue); a
   * leaf's element gets a new generation; an element without history
   * stays a plain value.
   */
  private changeValue(loc: Location, holder: Tensor): void {
    const root = holder.base ?? holder;
    const ofNonLeaf = root.requiresGrad && !root.isLeaf;
    if (!ofNonLeaf && this.leafAt(loc, holder)) return this.leafValue(loc, loc.buffer[loc.offset]!, holder);
    const owner = [root, this.owners.get(loc.buffer)].find((t) => t && t.requiresGrad && !t.discardsGrad);
    const node = owner ? this.nodeAt(owner, loc.offset) : null;
    if (!owner || !node) return;
    let name = `${this.symbolFor(owner.base ?? owner, loc.offset)}#${this.changed.size + 1}`;
    while (this.bindings.has(name)) name += "'";
    const symbol = this.b.symbol(name);
    this.symbolic.set(symbol, true);
    this.bindings.set(name, loc.buffer[loc.offset]!);
    this.changed.set(name, { node, shown: this.agValueAt(loc), through: this.valueAt(loc) });
    this.valueHomes.set(symbol, loc);
    this.setValue(loc, symbol, this.agValues);
  }

  /**
   * `t.data = source`: t now holds source's storage, and autograd cannot
   * see it. A leaf's new values are a new generation (new inputs of the
   * program, differentiated as the leaf); a non-leaf's are changed values
   * (ChangedValue) of its history.
   */
  dataAssigned(t: Tensor): void {
    if (this.paused) return;
    const buffer = t.array.buffer;
    this.assignments.push({ line: this.line, tensor: t, buffer, at: this.recordCount });
    if (!t.requiresGrad || t.discardsGrad || t.base) return;
    for (const loc of this.locations(t)) this.changeValue(loc, t);
  }

  /** The engine wrote this storage behind the trace's back (gradient accumulation): read it afresh. */
  forget(buffer: Buffer): void {
    this.values.delete(buffer);
    this.agValues.delete(buffer);
  }

  /**
   * An in-place op's saved self: a copy of self's values, as autograd and
   * the script see them, with self's history (what a derivative taken with
   * create_graph reaches through it).
   */
  savedOriginal(copy: Tensor, self: Tensor): void {
    this.locations(self).forEach((loc, k) => {
      const home = { buffer: copy.array.buffer, offset: k };
      this.setValue(home, this.valueAt(loc, undefined, self));
      this.setValue(home, this.agValueAt(loc, undefined, self), this.agValues);
      this.setHistory(copy, k, this.nodeAt(self, loc.offset));
    });
  }

  /** Give an element a value and a history (gradients returned with create_graph). */
  define(t: Tensor, offset: number, value: MathNode, node: ElemNode | null): void {
    this.setValue({ buffer: t.array.buffer, offset }, this.expand(value, 'through'));
    this.setValue({ buffer: t.array.buffer, offset }, value, this.agValues);
    this.setHistory(t, offset, node);
  }

  private setValue(loc: Location, node: MathNode, which = this.values): void {
    let map = which.get(loc.buffer);
    if (!map) which.set(loc.buffer, (map = new Map()));
    map.set(loc.offset, node);
  }

  /** The value of a storage element as autograd sees it (what backward formulas read). */
  agValueAt(loc: Location, numeric: number = loc.buffer[loc.offset]!, holder?: Tensor): MathNode {
    this.leafValue(loc, numeric, holder);
    return this.agValues.get(loc.buffer)?.get(loc.offset) ?? this.valueAt(loc, numeric, holder);
  }

  private locations(t: Tensor): Location[] {
    const offsets = t.array.offsets();
    return Array.from(offsets, (offset) => ({ buffer: t.array.buffer, offset }));
  }

  /** The history node of element `offset` of `t`, or null when it carries no gradient. */
  nodeAt(t: Tensor, offset: number): ElemNode | null {
    if (!this.carries(t) || t.discardsGrad) return null;
    const root = t.base ?? t;
    let map = this.history.get(root);
    if (!map) this.history.set(root, (map = new Map()));
    const known = map.get(offset);
    if (known) return known;
    if (!(root.isLeaf && root.requiresGrad)) return null;
    this.owners.set(root.array.buffer, this.owners.get(root.array.buffer) ?? root);
    const value = this.valueAt({ buffer: root.array.buffer, offset }, undefined, root);
    const leaf = new ElemNode(null, [], { tensor: root, symbol: value.type === 'SymbolNode' ? (value as MathNode & { name: string }).name : this.symbolFor(root, offset) });
    map.set(offset, leaf);
    return leaf;
  }

  private setHistory(t: Tensor, offset: number, node: ElemNode | null): void {
    const root = t.base ?? t;
    if (node) {
      const home = { buffer: t.array.buffer, offset };
      const value = this.agValueAt(home);
      this.elementValues.set(value, node);
      this.valueHomes.set(value, home);
    }
    let map = this.history.get(root);
    if (!map) this.history.set(root, (map = new Map()));
    if (node) map.set(offset, node);
    else map.delete(offset);
  }

  op(entry: OpEntry<unknown>, inputs: readonly Tensor[], output: Tensor, attrs: unknown, inPlace: boolean, before?: Float64Array): void {
    if (this.paused) {
      this.scratch?.trace.op(entry, inputs, output, attrs, inPlace, before);
      return;
    }
    this.charge(output.numel + inputs.reduce((n, t) => n + t.numel, 0));
    for (const t of inputs) if (!this.owners.has(t.array.buffer)) this.owners.set(t.array.buffer, t);
    const record: OpRecord = {
      id: this.recordCount++,
      entry,
      attrs,
      line: this.line,
      inPlace,
      // A custom Function's forward runs under no_grad, but its derivative is what its backward must give.
      gradMode: isGradEnabled() || this.frames.length > 0,
      output,
      inputs,
      saved: [],
      freed: false,
      before: inPlace && before ? NDArray.fromValues(before, output.shape, output.dtype) : undefined,
      ...(this.frames.length ? { inFunction: true } : {}),
    };
    for (const frame of this.frames) frame.records.push(record);
    if (!inPlace) {
      const made = this.producers.get(output.array.buffer);
      if (made) made.push(record);
      else this.producers.set(output.array.buffer, [record]);
    }
    const inLocs = inputs.map((t) => this.locations(t));
    // An in-place op has already written self: what it read is `before`.
    const numeric = (i: number, k: number) => (i === 0 && before ? before[k] : undefined);
    const inValues = inLocs.map((locs, i) => locs.map((l, k) => this.valueAt(l, numeric(i, k), inputs[i])));
    const inAg = inLocs.map((locs, i) =>
      locs.map((l, k) => {
        const v = this.agValueAt(l, numeric(i, k), inputs[i]);
        // An operand without autograd history is a constant to autograd (not self of a mutation).
        const cut = !this.carries(inputs[i]!) && !(inPlace && i === 0);
        return cut && this.isSymbolic(v) ? this.frozenValue(v, inputs[i]!, k) : v;
      }),
    );
    const inNodes = inputs.map((t, i) => inLocs[i]!.map((l) => this.nodeAt(t, l.offset)));
    this.noteEvents(record, inValues);
    for (const rule of entry.saves) {
      const t = rule.input === undefined ? output : inputs[rule.input]!;
      if (rule.onlyIfGradFor !== undefined && !this.carries(inputs[rule.onlyIfGradFor]!)) continue;
      // An in-place op saves a copy of self's old value: nothing can change it.
      if (inPlace && rule.input === 0) continue;
      record.saved.push({ tensor: t, array: t.array, version: t.array.version.value });
    }
    const outLocs = this.locations(output);
    if (this.frames.length && entry.differentiable && isFloating(output.dtype) && inputs.some((t) => this.carries(t))) this.frames.at(-1)!.made.push(output);
    const differentiable = this.carries(output) && record.gradMode;
    // An in-place op under no_grad changes values only: a leaf stays the same leaf.
    const keepsHistory = inPlace && !record.gradMode;
    // Pass 1 builds autograd's values and the history; pass 2 the values seen through cuts.
    this.build(record, inLocs, inAg, inNodes, outLocs, (k, value, node) => {
      this.setValue(outLocs[k]!, value, this.agValues);
      if (!keepsHistory) this.setHistory(output, outLocs[k]!.offset, differentiable ? node : null);
    });
    this.build(record, inLocs, inValues, inNodes, outLocs, (k, value) => this.setValue(outLocs[k]!, value));
    if (inPlace && !differentiable) for (const loc of outLocs) this.changeValue(loc, output);
  }

  /** Output values (and history nodes) of one op from its operands' values. */
  private build(
    record: OpRecord,
    inLocs: Location[][],
    inValues: MathNode[][],
    inNodes: (ElemNode | null)[][],
    outLocs: Location[],
    set: (k: number, value: MathNode, node: ElemNode | null) => void,
  ): void {
    const { inputs, output } = record;
    const spec = record.entry.symbolic;
    switch (spec.kind) {
      case 'view':
        return; // same storage, same history
      case 'none':
        outLocs.forEach((l, k) => set(k, this.b.constant(l.buffer[l.offset]!), null));
        return;
      case 'copy':
        outLocs.forEach((_, k) => set(k, inValues[0]![k]!, inNodes[0]![k]!));
        return;
      case 'overwrite': {
        // The old value no longer matters, but PyTorch's graph keeps the edge (a zero gradient flows
        // through it, so the ops behind still run their backward and its checks).
        const old = (k: number) => inNodes[0]![k] ?? null;
        const zeroTo = (k: number): Term[] => (old(k) ? [{ kind: 'constant', input: old(k)!, value: 0 }] : []);
        if (inputs.length > 1) {
          const map = broadcastIndex(output.shape, inputs[1]!.shape);
          outLocs.forEach((_, k) => {
            const src = inNodes[1]![map(k)];
            const terms: Term[] = [...zeroTo(k), ...(src ? [{ kind: 'constant' as const, input: src, value: 1 }] : [])];
            set(k, inValues[1]![map(k)]!, terms.length ? new ElemNode(record, terms, null) : null);
          });
        } else {
          outLocs.forEach((l, k) => set(k, this.b.constant(l.buffer[l.offset]!), zeroTo(k).length ? new ElemNode(record, zeroTo(k), null) : null));
        }
        return;
      }
      case 'random': {
        // Data, not a function of the inputs: PyTorch's node sends each input a zero gradient.
        const maps = inputs.map((t) => broadcastIndex(output.shape, t.shape));
        outLocs.forEach((l, k) => {
          const terms: Term[] = [];
          inputs.forEach((_, i) => {
            const input = inNodes[i]![maps[i]!(k)];
            if (input) terms.push({ kind: 'constant', input, value: 0 });
          });
          set(k, this.b.constant(l.buffer[l.offset]!), terms.length ? new ElemNode(record, terms, null) : null);
        });
        return;
      }
      case 'where': {
        // The unchosen branch gets an exact zero, as where(c, g, 0) gives it.
        const maps = inputs.map((t) => broadcastIndex(output.shape, t.shape));
        const cond = inputs[0]!.array.values();
        outLocs.forEach((_, k) => {
          const chosen = cond[maps[0]!(k)] !== 0 ? 1 : 2;
          const terms: Term[] = [];
          for (const branch of [1, 2]) {
            const input = inNodes[branch]![maps[branch]!(k)];
            if (input) terms.push({ kind: 'constant', input, value: branch === chosen ? 1 : 0 });
          }
          set(k, inValues[chosen]![maps[chosen]!(k)]!, terms.length ? new ElemNode(record, terms, null) : null);
        });
        return;
      }
      case 'scatter':
        return this.scatter(record, inValues[0]!, inNodes[0]!, outLocs, set);
      case 'sum':
      case 'mean':
        return this.reduce(spec.kind, record, inValues[0]!, inNodes[0]!, set);
      case 'matmul':
        return this.matmul(record, inLocs, inValues, inNodes, set);
      case 'elementwise':
        return this.elementwise(record, spec.form, inLocs, inValues, inNodes, outLocs, set);
      case 'linear':
      case 'group': {
        const op: StructuralOp = {
          ...record,
          arrays: this.arraysRead(record),
          inLocs,
          inValues,
          inNodes,
          outLocs,
          liveSlots: this.liveSlots(record),
          charge: (n) => this.charge(n),
        };
        const emit = (k: number, value: MathNode, terms: Term[]) => set(k, value, terms.length ? new ElemNode(record, terms, null) : null);
        return spec.kind === 'linear' ? traceLinear(op, this.b, emit) : traceGroup(op, this.b, emit);
      }
    }
  }

  /** The input arrays as the op read them: an in-place op has already written self. */
  private arraysRead(record: OpRecord): NDArray[] {
    const arrays = record.inputs.map((t) => t.array);
    if (record.inPlace) arrays[0] = record.before!;
    return arrays;
  }

  /** Inputs the op saves by reference (an in-place op's self is a copy of its old value). */
  private liveSlots(record: OpRecord): Set<number> {
    return new Set(record.entry.saves.filter((r) => r.input !== undefined && !(record.inPlace && r.input === 0)).map((r) => r.input!));
  }

  /** Count element-terms traced (an op's elements, or a structural op's terms) against the bound. */
  private charge(n: number): void {
    this.work += n;
    if (n > MAX_OP_ELEMENTS) {
      throw new LimitError(
        `dzdx check follows every tensor element symbolically, and this op touches more than ${MAX_OP_ELEMENTS} elements: check a smaller version of it (dzdx run has no such bound)`,
      );
    }
    if (this.work > MAX_TRACED_ELEMENTS) {
      throw new LimitError(
        `dzdx check follows every tensor element symbolically, and this script's ops touch more than ${MAX_TRACED_ELEMENTS} elements: check a smaller version of it (dzdx run has no such bound)`,
      );
    }
  }

  /** Cuts (a value with leaves in it read without history) and mutations autograd cannot see. */
  private noteEvents(record: OpRecord, inValues: MathNode[][]): void {
    const { inputs, output } = record;
    if (record.inPlace && (!this.carries(output) || !record.gradMode)) {
      this.events.push({ kind: 'mutation', line: record.line, record, tensor: output, buffer: output.array.buffer });
    }
    inputs.forEach((t, i) => {
      const viaHistory = this.carries(t) && record.gradMode;
      if (!viaHistory && inValues[i]!.some((v) => this.isSymbolic(v)) && !(record.inPlace && i === 0)) {
        this.events.push({ kind: 'cut', line: record.line, record, tensor: t, buffer: t.array.buffer });
      }
    });
  }

  private elementwise(
    record: OpRecord,
    form: string,
    inLocs: Location[][],
    inValues: MathNode[][],
    inNodes: (ElemNode | null)[][],
    outLocs: Location[],
    set: (k: number, value: MathNode, node: ElemNode | null) => void,
  ): void {
    const { inputs, output, entry } = record;
    const maps = inputs.map((t) => broadcastIndex(output.shape, t.shape));
    const liveSlots = new Set(entry.saves.filter((r) => r.input !== undefined && !(record.inPlace && r.input === 0)).map((r) => r.input!));
    const attrs = (record.attrs ?? {}) as Record<string, unknown>;
    outLocs.forEach((loc, k) => {
      const operands: ValueRef[] = inputs.map((_, i) => {
        const j = maps[i]!(k);
        return { loc: inLocs[i]![j]!, atOp: inValues[i]![j]!, live: liveSlots.has(i), tensor: inputs[i], index: j, cut: !this.carries(inputs[i]!) };
      });
      const value = this.b.instantiate(form, operands.map((o) => o.atOp), attrs);
      const terms: Term[] = [];
      const result: ValueRef = { loc, atOp: value, live: true };
      inputs.forEach((_, i) => {
        const input = inNodes[i]![maps[i]!(k)];
        if (input) terms.push({ kind: 'elementwise', input, slot: i, operands, result });
      });
      set(k, value, terms.length ? new ElemNode(record, terms, null) : null);
    });
  }

  private reduce(
    kind: 'sum' | 'mean',
    record: OpRecord,
    inValues: MathNode[],
    inNodes: (ElemNode | null)[],
    set: (k: number, value: MathNode, node: ElemNode | null) => void,
  ): void {
    const { dims, shape } = record.attrs as { dims: number[]; shape: readonly number[] };
    reductionGroups(shape, dims).forEach((members, k) => {
      const n = members.length;
      let value = this.b.sum(members.map((i) => inValues[i]!));
      if (kind === 'mean') value = this.b.divide(value, this.b.constant(n));
      const terms: Term[] = [];
      for (const i of members) {
        const input = inNodes[i];
        if (input) terms.push({ kind: 'constant', input, value: kind === 'mean' ? 1 / n : 1 });
      }
      set(k, value, terms.length ? new ElemNode(record, terms, null) : null);
    });
  }

  private matmul(
    record: OpRecord,
    inLocs: Location[][],
    inValues: MathNode[][],
    inNodes: (ElemNode | null)[][],
    set: (k: number, value: MathNode, node: ElemNode | null) => void,
  ): void {
    const [a, b] = record.inputs as [Tensor, Tensor];
    productPairs(a.shape, b.shape).forEach((pairs, k) => {
      const terms: Term[] = [];
      for (const [ia, ib] of pairs) {
        // A factor is kept for backward whenever the other side needs a gradient: read it live.
        const na = inNodes[0]![ia];
        const nb = inNodes[1]![ib];
        if (na) terms.push({ kind: 'factor', input: na, factor: { loc: inLocs[1]![ib]!, atOp: inValues[1]![ib]!, live: true, tensor: b, index: ib, cut: !this.carries(b) } });
        if (nb) terms.push({ kind: 'factor', input: nb, factor: { loc: inLocs[0]![ia]!, atOp: inValues[0]![ia]!, live: true, tensor: a, index: ia, cut: !this.carries(a) } });
      }
      const value = this.b.sum(pairs.map(([ia, ib]) => this.b.multiply(inValues[0]![ia]!, inValues[1]![ib]!)));
      set(k, value, terms.length ? new ElemNode(record, terms, null) : null);
    });
  }

  private scatter(
    record: OpRecord,
    inValues: MathNode[],
    inNodes: (ElemNode | null)[],
    outLocs: Location[],
    set: (k: number, value: MathNode, node: ElemNode | null) => void,
  ): void {
    const target = scatterSources(record.attrs as ScatterAttrs);
    outLocs.forEach((_, k) => {
      const r = target.get(k);
      if (r === undefined) set(k, this.b.constant(0), null);
      else set(k, inValues[r]!, inNodes[r]!);
    });
  }
}
