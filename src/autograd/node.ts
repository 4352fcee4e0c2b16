/**
 * The graph autograd records: grad_fn nodes, the edges between them,
 * AccumulateGrad for leaves, and saved tensors with their version checks.
 */
import { legacyTypeName } from '../tensor/dtype.js';
import { runtimeError } from '../tensor/errors.js';
import type { DType } from '../tensor/dtype.js';
import { addInto, NDArray, type Buffer } from '../tensor/ndarray.js';
import { keep, letGo, unborn } from '../tensor/pool.js';
import { engineMath } from './engine-math.js';
import { isGradEnabled } from './grad-mode.js';
import { numberArray, Tensor, WrappedNumber } from './tensor.js';

/** A function of one output's gradient, run before its node (tensor hooks, retain_grad). */
export interface PreHook {
  readonly outputNr: number;
  run(grad: Tensor): Tensor;
}

const NO_GRADS: readonly (Tensor | null)[] = Object.freeze([]);

export interface Edge {
  node: Node;
  inputNr: number;
}

/**
 * One next edge as a node keeps it: the node itself for its input 0 (the
 * common case, no object), an Edge for another input, null for an input
 * that needs no gradient.
 */
export type EdgeSlot = Node | Edge | null;

const slotOf = (e: EdgeSlot): EdgeSlot => (e !== null && !(e instanceof Node) && e.inputNr === 0 ? e.node : e);

let nextSequenceNr = 0;
/** Fake addresses for `<MulBackward0 object at 0x…>`: distinct and stable, derived from the sequence number (no number kept per node). */
const ADDRESS_BASE = 0x7f3a2c000060;
const ADDRESS_STEP = 0x60;

export const BACKWARD_TWICE =
  'Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.';

/** Nodes of torch/csrc/autograd/functions (not generated from derivatives.yaml). */
const HAND_WRITTEN = new Set(['AccumulateGrad', 'CopySlices', 'CopyBackwards']);

export abstract class Node {
  /** Later nodes run first when several are ready, as in PyTorch's ready queue. */
  readonly sequenceNr: number = nextSequenceNr++;

  /** A stable fake address for `<MulBackward0 object at 0x…>`. */
  get address(): number {
    return ADDRESS_BASE + this.sequenceNr * ADDRESS_STEP;
  }
  /**
   * Hooks run on the gradient of one output before this node runs, in the
   * order they were added: a tensor's own hooks (`register_hook`, added as
   * one entry when its first hook is registered) and `retain_grad()`,
   * which is such a hook in PyTorch 1.13 (rarely any: made on demand).
   */
  private preHooks: PreHook[] | null = null;

  addPreHook(hook: PreHook): void {
    (this.preHooks ??= []).push(hook);
  }

  get hasPreHooks(): boolean {
    return this.preHooks !== null;
  }

  /** Run the pre-hooks on the gradients the node received (in place). */
  runPreHooks(grads: (Tensor | null)[]): void {
    if (this.preHooks === null) return;
    for (const hook of this.preHooks) {
      const g = grads[hook.outputNr];
      if (g) grads[hook.outputNr] = hook.run(g);
    }
  }

  // The engine's bookkeeping during a backward pass (src/autograd/engine.ts), on the node
  // rather than in maps: the pass that reached it, how many of its consumers have not run
  // yet, and the gradients it has received.
  passMark = 0;
  pendingConsumers = 0;
  receivedGrads: (Tensor | null)[] | null = null;

  /** How many next edges (one per input of the op): where the gradients this node returns flow. */
  readonly edgeCount: number;
  // The first two next edges in fields of their own, the rest in an array: a script loop keeps
  // hundreds of thousands of nodes alive until backward, and most ops have one or two inputs.
  private readonly edge0: EdgeSlot;
  private readonly edge1: EdgeSlot;
  private readonly moreEdges: readonly EdgeSlot[] | null;

  /** The node's class in PyTorch (`MulBackward0`, `AccumulateGrad`), what `grad_fn` prints. */
  abstract get name(): string;

  constructor(nextEdges: readonly EdgeSlot[]) {
    const n = nextEdges.length;
    this.edgeCount = n;
    this.edge0 = n > 0 ? slotOf(nextEdges[0]!) : null;
    this.edge1 = n > 1 ? slotOf(nextEdges[1]!) : null;
    this.moreEdges = n > 2 ? nextEdges.slice(2).map(slotOf) : null;
  }

  protected edgeSlot(i: number): EdgeSlot {
    return i === 0 ? this.edge0 : i === 1 ? this.edge1 : (this.moreEdges?.[i - 2] ?? null);
  }

  /** The node next edge `i` leads to (null: that input needs no gradient). */
  nextNode(i: number): Node | null {
    const e = this.edgeSlot(i);
    return e === null || e instanceof Node ? e : e.node;
  }

  /** Which input of `nextNode(i)` next edge `i` leads to. */
  nextInputNr(i: number): number {
    const e = this.edgeSlot(i);
    return e === null || e instanceof Node ? 0 : e.inputNr;
  }

  /** The next edges as Edge objects, made on demand (`next_functions`, drawing the graph). */
  get nextEdges(): (Edge | null)[] {
    const out = new Array<Edge | null>(this.edgeCount);
    for (let i = 0; i < this.edgeCount; i++) {
      const node = this.nextNode(i);
      out[i] = node === null ? null : { node, inputNr: this.nextInputNr(i) };
    }
    return out;
  }

  /** Gradients for the inputs (one per next edge), given the gradients of the outputs. */
  abstract apply(grads: readonly (Tensor | null)[]): (Tensor | null)[];

  /**
   * PyTorch's C++ `name()` (what `grad_fn.name()` and the version error
   * print): the nodes written by hand in torch::autograd carry their
   * namespace, the generated `*Backward0` ones do not.
   */
  get qualifiedName(): string {
    return HAND_WRITTEN.has(this.name) ? `torch::autograd::${this.name}` : this.name;
  }

  /** Free saved tensors after a backward without retain_graph. */
  releaseSaved(): void {}

  /** Execution priority: AccumulateGrad runs as soon as it is ready. */
  get priority(): number {
    return this.sequenceNr;
  }
}

/** The sink of a leaf that requires grad: adds incoming gradients into `.grad`. */
export class AccumulateGrad extends Node {
  constructor(readonly variable: Tensor) {
    super([]);
  }

  get name(): string {
    return 'AccumulateGrad';
  }

  // Stryker disable next-line BlockStatement: when an AccumulateGrad runs is unobservable: it only writes its own leaf's .grad, which no node reads during the pass
  override get priority(): number {
    return Number.POSITIVE_INFINITY;
  }

  /** `owned`: the engine holds the only reference to g's whole buffer, which may become `.grad` without a copy (PyTorch steals it then). */
  apply(grads: readonly (Tensor | null)[], owned = false): (Tensor | null)[] {
    const g = grads[0];
    const v = this.variable;
    // Stryker disable next-line ArrayDeclaration: AccumulateGrad has no next edges, so the engine never reads its outputs
    if (!g || v.discardsGrad) return [];
    if (v.grad === null) {
      // With create_graph the copy stays differentiable (PyTorch prints CopyBackwards).
      if (isGradEnabled()) v.grad = engineMath().copyWithHistory(g);
      else v.grad = new Tensor(owned ? g.array : g.array.copy());
    } else if (isGradEnabled()) {
      v.grad = engineMath().add(v.grad, g);
    } else {
      // In place, as PyTorch does: an earlier `g = x.grad` sees the sum too.
      const a = v.grad.array;
      if (a.isContiguous() && g.array.buffer !== a.buffer) addInto(a, g.array);
      else {
        const sum = a.values();
        const add = g.array.values();
        // Stryker disable next-line EqualityOperator: a typed-array write one past the end is ignored
        for (let i = 0; i < sum.length; i++) sum[i] += add[i]!;
        a.assign(sum);
      }
    }
    // Stryker disable next-line ArrayDeclaration: AccumulateGrad has no next edges, so the engine never reads its outputs
    return [];
  }
}

/**
 * A tensor kept for backward. Inputs are kept by reference to the tensor
 * itself (so `.data` changes and `x.data = t` reach backward); outputs by
 * their storage at save time, as PyTorch's SavedVariable does.
 */
export class SavedTensor {
  private readonly savedVersion: number;
  private readonly keptBuffer: Buffer;
  private freed = false;

  private constructor(
    private readonly tensor: Tensor | null,
    private readonly outputArray: NDArray | null,
    private readonly outputOf: { node: Node; outputNr: number; requiresGrad: boolean } | null,
  ) {
    const array = tensor?.array ?? outputArray!;
    this.savedVersion = array.version.value;
    // The storage it holds now (`x.data = t` may change an input's later): the interpreter must
    // not recycle it as a dead temporary until release.
    this.keptBuffer = array.buffer;
    keep(this.keptBuffer);
  }

  static ofInput(t: Tensor): SavedTensor {
    return new SavedTensor(t, null, null);
  }

  static ofOutput(t: Tensor, node: Node): SavedTensor {
    return new SavedTensor(null, t.array, { node, outputNr: t.outputNr, requiresGrad: t.requiresGrad });
  }

  release(): void {
    if (this.freed) return;
    this.freed = true;
    letGo(this.keptBuffer);
  }

  /** What is kept, without unpacking (no version check): for drawing the graph (src/graph). */
  inspect(): { tensor: Tensor | null; array: NDArray; savedVersion: number; freed: boolean } {
    return { tensor: this.tensor, array: this.tensor?.array ?? this.outputArray!, savedVersion: this.savedVersion, freed: this.freed };
  }

  unpack(): Tensor {
    if (this.freed) throw runtimeError(BACKWARD_TWICE);
    const array = this.tensor?.array ?? this.outputArray!;
    if (array.version.value !== this.savedVersion) throw this.versionError(this.tensor, array);
    if (this.tensor) return this.tensor;
    const out = new Tensor(this.outputArray!);
    out.requiresGrad = this.outputOf!.requiresGrad;
    out.gradFn = this.outputOf!.node;
    out.outputNr = this.outputOf!.outputNr;
    return out;
  }

  private versionError(tensor: Tensor | null, array: NDArray): Error {
    const owner = tensor ? tensor.gradFn : this.outputOf!.node;
    const outputNr = tensor ? tensor.outputNr : this.outputOf!.outputNr;
    const which = owner ? `, which is output ${outputNr} of ${owner.qualifiedName},` : '';
    return runtimeError(
      `one of the variables needed for gradient computation has been modified by an inplace operation: [${legacyTypeName(array.dtype)} [${array.shape.join(', ')}]]${which} is at version ${array.version.value}; expected version ${this.savedVersion} instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).`,
    );
  }
}

/** Shape and dtype of an input, which its gradient must take. */
export interface InputMeta {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export interface BackwardContext<A> {
  readonly attrs: A;
  /** A saved tensor by its registry name (`self`, `other`, `result`, …). */
  saved(name: string): Tensor;
  needsInputGrad(i: number): boolean;
  readonly inputs: readonly InputMeta[];
  /** The gradient of every output (null where none arrived): for ops with several outputs (split, unbind). */
  readonly outputGrads: readonly (Tensor | null)[];
}

/** What the op registry tells autograd about one differentiable op. */
export interface BackwardSpec<A> {
  readonly gradFn: string;
  backward(grad: Tensor, ctx: BackwardContext<A>): (Tensor | null)[];
}

/**
 * The gradients of every output of the node whose backward is running
 * (ops with several outputs read them): set only during `apply`, so that
 * no node keeps gradients alive.
 */
let runningOutputGrads: readonly (Tensor | null)[] = NO_GRADS;

type Saves = (SavedTensor | number | null)[];

/**
 * The saves of the last node that kept nothing but Python numbers: a loop's
 * `y * 0.9999` nodes share one list. Frozen: a node copies it before
 * writing into it.
 */
let sharedNumberSaves: Saves = Object.freeze([]) as unknown as Saves;

/** The node of one recorded op: its registry entry, attributes and saved tensors. */
export class OpNode<A> extends Node implements BackwardContext<A> {
  /**
   * What the op saved, by the position of its save rule (null: that rule
   * kept nothing; a number: a Python number the op wrapped, its value,
   * made into its tensor when first unpacked); null when it saved nothing.
   * Kept small: a script loop keeps hundreds of thousands of nodes alive
   * until backward.
   */
  private saves: Saves | null = null;
  /** releaseSaved ran: a kept Python number is freed too (its value stays, for drawing the graph). */
  private released = false;

  constructor(
    readonly spec: BackwardSpec<A> & { readonly saves: readonly { name: string; input?: number }[] },
    readonly attrs: A,
    edges: readonly EdgeSlot[],
    readonly inputs: readonly InputMeta[],
  ) {
    super(edges);
  }

  get name(): string {
    return this.spec.gradFn;
  }

  get outputGrads(): readonly (Tensor | null)[] {
    return runningOutputGrads;
  }

  /** Keep `saved` under the op's save rule `rule` (its position in `spec.saves`); a wrapped number is kept as its value. */
  save(rule: number, saved: Tensor): void {
    if (!(saved instanceof WrappedNumber)) {
      this.writableSaves()[rule] = SavedTensor.ofInput(saved);
      return;
    }
    const value = saved.array.item();
    if (this.saves === null && this.isSharedWith(rule, value)) this.saves = sharedNumberSaves;
    else {
      this.writableSaves()[rule] = value;
      this.shareNumbers();
    }
  }

  /** The shared list is what this node's saves would be with only `value` under `rule`. */
  private isSharedWith(rule: number, value: number): boolean {
    const shared = sharedNumberSaves;
    if (shared.length !== this.spec.saves.length) return false;
    for (let i = 0; i < shared.length; i++) if (i === rule ? !Object.is(shared[i], value) : shared[i] !== null) return false;
    return true;
  }

  /** Keep the op's result under save rule `rule`. */
  saveOutput(rule: number, out: Tensor): void {
    this.writableSaves()[rule] = SavedTensor.ofOutput(out, this);
  }

  private writableSaves(): Saves {
    if (this.saves === null) this.saves = new Array<SavedTensor | number | null>(this.spec.saves.length).fill(null);
    else if (Object.isFrozen(this.saves)) this.saves = [...this.saves];
    return this.saves;
  }

  /** Saves that are all Python numbers (or nothing) become the shared list when they equal it, else the new shared list. */
  private shareNumbers(): void {
    const saves = this.saves!;
    let same = saves.length === sharedNumberSaves.length;
    for (let i = 0; i < saves.length; i++) {
      const s = saves[i];
      if (s !== null && typeof s !== 'number') return;
      // Object.is: -0 and 0 are different values to keep.
      same &&= Object.is(s, sharedNumberSaves[i]);
    }
    if (same) this.saves = sharedNumberSaves;
    else sharedNumberSaves = Object.freeze(saves) as Saves;
  }

  /** What save rule `rule` kept (a wrapped number becomes its tensor now, the same one from then on). */
  private savedAt(rule: number): SavedTensor | null {
    const s = this.saves?.[rule] ?? null;
    if (typeof s !== 'number') return s;
    const kept = SavedTensor.ofInput(this.numberTensor(rule, s));
    if (this.released) kept.release();
    this.writableSaves()[rule] = kept;
    return kept;
  }

  /** A kept Python number as the 0-d tensor the op wrapped it in. */
  private numberTensor(rule: number, value: number): Tensor {
    const array = numberArray(value, this.inputs[this.spec.saves[rule]!.input!]!.dtype);
    // It may stay with the node for later passes (retain_graph): not the running pass's to recycle.
    unborn(array.buffer);
    return new Tensor(array);
  }

  /** The saved tensors by their registry names (`self`, `other`, `result`, …), in the order of the op's save rules. */
  get savedTensors(): ReadonlyMap<string, SavedTensor> {
    const out = new Map<string, SavedTensor>();
    this.spec.saves.forEach((rule, i) => {
      const s = this.savedAt(i);
      if (s) out.set(rule.name, s);
    });
    return out;
  }

  saved(name: string): Tensor {
    const rules = this.spec.saves;
    for (let i = 0; i < rules.length; i++) {
      if (rules[i]!.name !== name) continue;
      const s = this.saves?.[i] ?? null;
      // A backward that records nothing (no create_graph) uses a kept number's tensor and drops it:
      // made into a tensor kept on the node, it would stay alive with the graph.
      if (typeof s === 'number' && !isGradEnabled()) return this.numberTensor(i, s);
      const kept = this.savedAt(i);
      if (kept) return kept.unpack();
    }
    throw new Error(`internal: ${this.name} did not save '${name}'`);
  }

  needsInputGrad(i: number): boolean {
    // (Past the last edge: true, as an absent edge was never null.)
    return i >= this.edgeCount || this.edgeSlot(i) !== null;
  }

  apply(grads: readonly (Tensor | null)[]): (Tensor | null)[] {
    // PyTorch's generated backward unpacks every saved tensor first: a changed or freed one
    // fails the pass even when this backward would not read it.
    if (this.saves) {
      for (let i = 0; i < this.saves.length; i++) {
        const s = this.saves[i];
        // A kept number cannot change, but it is freed with the rest.
        if (typeof s === 'number') {
          if (this.released) throw runtimeError(BACKWARD_TWICE);
        } else s?.unpack();
      }
    }
    const outer = runningOutputGrads;
    // (An output no gradient reached may be a hole: readers take `?? zeros`.)
    runningOutputGrads = grads;
    try {
      return this.spec.backward(grads[0]!, this);
    } finally {
      runningOutputGrads = outer;
    }
  }

  override releaseSaved(): void {
    this.released = true;
    if (!this.saves) return;
    for (let i = 0; i < this.saves.length; i++) {
      const s = this.saves[i];
      if (s instanceof SavedTensor) s.release();
    }
  }
}

// Views whose storage changed under them (see copy-slices.ts and Tensor.refreshView): they live
// here, with Node, because Tensor needs them and node.ts is loaded before the modules built on it.

/** Where a view sits inside its (contiguous) base, in element offsets. */
export interface Region {
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

export function regionOf(view: Tensor, base: Tensor): Region {
  return { shape: view.shape, strides: view.array.strides, offset: view.array.offset - base.array.offset };
}

export function viewInto(a: NDArray, r: Region): NDArray {
  return a.view(r.shape, r.strides, a.offset + r.offset);
}

export class AsStridedBackward extends Node {
  constructor(
    baseEdge: Edge,
    private readonly region: Region,
    private readonly baseShape: readonly number[],
  ) {
    super([baseEdge]);
  }

  get name(): string {
    return 'AsStridedBackward0';
  }

  apply(grads: readonly (Tensor | null)[]): (Tensor | null)[] {
    const g = grads[0]!;
    const out = NDArray.full(this.baseShape, 0, g.dtype);
    viewInto(out, this.region).assign(g.array.values());
    return [new Tensor(out)];
  }
}

/** A view's history made anew after its storage changed: `AsStridedBackward0` into its base's. */
export function viewHistory(view: Tensor, base: Tensor, baseEdge: Edge): Node {
  return new AsStridedBackward(baseEdge, regionOf(view, base), base.shape);
}
