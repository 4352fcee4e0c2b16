/**
 * Recording an op on the tape: wrap its result, and when grad mode is on
 * and an input requires grad, attach a node with its edges and saved tensors.
 */
import { isFloating, type DType } from '../tensor/dtype.js';
import { runtimeError } from '../tensor/errors.js';
import { sameShape, type NDArray } from '../tensor/ndarray.js';
import { rebaseHistory } from './copy-slices.js';
import { backwardObserver, inBackward, setBackwardObserver } from './engine.js';
import type { FunctionNode } from './function-node.js';
import { isGradEnabled, isInferenceMode } from './grad-mode.js';
import { OpNode, type BackwardSpec, type EdgeSlot, type InputMeta } from './node.js';
import { Tensor } from './tensor.js';

/**
 * A tensor the op keeps for backward: an input by position, or the result.
 * `onlyIfGradFor`: keep it only when that input needs a gradient
 * (PyTorch's `x * w` keeps x only if w requires grad).
 */
export interface SaveRule {
  name: string;
  input?: number;
  onlyIfGradFor?: number;
}

export interface RecordableOp<A> extends BackwardSpec<A> {
  readonly saves: readonly SaveRule[];
  /** Ops such as comparisons have no derivative and never record. */
  readonly differentiable: boolean;
}

/** Listens to every op the tape records (the symbolic side builds its trace from this). */
export interface TapeListener {
  /** `before`: for an in-place op, self's values before it wrote them. */
  op(entry: RecordableOp<unknown>, inputs: readonly Tensor[], output: Tensor, attrs: unknown, inPlace: boolean, before?: Float64Array): void;
  /** `t.data = source` gave t another storage (autograd does not see it). */
  dataAssigned?(t: Tensor): void;
  /** An in-place op is about to write self: `copy` holds self's values and history, saved for backward. */
  savedOriginal?(copy: Tensor, self: Tensor): void;
}

/**
 * A custom Function's forward runs with grad mode off, so its ops reach the
 * listener as cut ones; `functionStarted` and `functionEnded` bracket them
 * (`outputs` null when forward raised). `functionBackward` tells what its
 * backward received and returned.
 */
export interface FunctionListener {
  functionStarted(node: FunctionNode, inputs: readonly Tensor[]): void;
  functionEnded(node: FunctionNode, inputs: readonly Tensor[], outputs: readonly Tensor[] | null): void;
  functionBackwardStarted(node: FunctionNode): void;
  /** A tensor hook was registered (`id` names it) and, later, ran on a gradient. */
  hookRegistered(tensor: Tensor, id: number): void;
  hookRan(tensor: Tensor, id: number, grad: Tensor, result: Tensor): void;
  /** `gradInputs` null: the backward raised. */
  functionBackward(node: FunctionNode, gradOutputs: readonly (Tensor | null)[], gradInputs: readonly (Tensor | null)[] | null): void;
}

let listener: (TapeListener & Partial<FunctionListener>) | null = null;

/** A custom Function's forward is about to run (called by whoever runs it). */
export function functionStarted(node: FunctionNode, inputs: readonly Tensor[]): void {
  listener?.functionStarted?.(node, inputs);
}

/** A custom Function's forward returned `outputs`, now the node's (null: it raised). */
export function functionEnded(node: FunctionNode, inputs: readonly Tensor[], outputs: readonly Tensor[] | null): void {
  listener?.functionEnded?.(node, inputs, outputs);
}

/** `tensor.register_hook` made hook `id`. */
export function hookRegistered(tensor: Tensor, id: number): void {
  listener?.hookRegistered?.(tensor, id);
}

/** Hook `id` of `tensor` turned `grad` into `result`. */
export function hookRan(tensor: Tensor, id: number, grad: Tensor, result: Tensor): void {
  listener?.hookRan?.(tensor, id, grad, result);
}

/** A custom Function's backward is about to run. */
export function functionBackwardStarted(node: FunctionNode): void {
  listener?.functionBackwardStarted?.(node);
}

/** A custom Function's backward returned `gradInputs` for `gradOutputs` (null: it raised). */
export function functionBackward(node: FunctionNode, gradOutputs: readonly (Tensor | null)[], gradInputs: readonly (Tensor | null)[] | null): void {
  listener?.functionBackward?.(node, gradOutputs, gradInputs);
}

let opsRun = 0;

/**
 * How many ops a script has run in this process (not counting a backward
 * pass's own, whose work follows the graph the script built): lets a caller
 * bound the work an untrusted script does.
 */
export function opsRunSoFar(): number {
  return opsRun;
}

/**
 * Run `body` unseen by the tape's listener and the backward observer: work
 * a library does on the side (gradcheck's finite differences move inputs in
 * place and run the function again), not part of the script's own program.
 */
export function unobserved<T>(body: () => T): T {
  const savedListener = listener;
  const savedObserver = backwardObserver();
  listener = null;
  setBackwardObserver(null);
  try {
    return body();
  } finally {
    listener = savedListener;
    setBackwardObserver(savedObserver);
  }
}

/** Something hears the tape's ops (dzdx check's trace, the graph). */
export function tapeListened(): boolean {
  return listener !== null;
}

export function setTapeListener(l: (TapeListener & Partial<FunctionListener>) | null): void {
  listener = l;
}

function needsGrad(op: RecordableOp<unknown>, inputs: readonly Tensor[], dtype: DType): boolean {
  if (!op.differentiable || !isGradEnabled() || !isFloating(dtype)) return false;
  for (let i = 0; i < inputs.length; i++) if (inputs[i]!.requiresGrad) return true;
  return false;
}

/**
 * Make `out` the output of a new node for `op`. Edges and input metadata
 * are taken before an in-place op changes its input.
 */
function attachNode<A>(
  op: RecordableOp<A>,
  attrs: A,
  out: Tensor,
  edges: readonly EdgeSlot[],
  inputs: readonly InputMeta[],
  savedInput: (i: number) => Tensor,
): OpNode<A> {
  const node = new OpNode<A>(op, attrs, edges, inputs);
  out.requiresGrad = true;
  out.gradFn = node;
  out.outputNr = 0;
  for (let r = 0; r < op.saves.length; r++) {
    const rule = op.saves[r]!;
    // Stryker disable next-line ConditionalExpression: without onlyIfGradFor, edges[undefined] is undefined, never null
    if (rule.onlyIfGradFor !== undefined && edges[rule.onlyIfGradFor] === null) continue;
    if (rule.input !== undefined && savedInput(rule.input).inference) {
      throw runtimeError('Inference tensors cannot be saved for backward. To work around you can make a clone to get a normal tensor and use it in autograd.');
    }
    if (rule.input === undefined) node.saveOutput(r, out);
    else node.save(r, savedInput(rule.input));
  }
  return node;
}

/**
 * The last input description made: a loop over tensors of one shape and
 * dtype shares it instead of keeping one per node until backward (and a
 * wrapped Python number shares one per dtype).
 */
let lastMeta: InputMeta = { shape: [], dtype: 'float32' };
const NUMBER_META = new Map<DType, InputMeta>();

let lastMetas: readonly InputMeta[] = [];

/** The descriptions of an op's inputs: the previous op's list when they are the same (no new list). */
function metaOf(inputs: readonly Tensor[]): readonly InputMeta[] {
  let same = inputs.length === lastMetas.length;
  for (let i = 0; i < inputs.length && same; i++) same = describe(inputs[i]!) === lastMetas[i];
  if (!same) lastMetas = inputs.map(describe);
  return lastMetas;
}

function describe(input: Tensor): InputMeta {
  const { shape, dtype } = input.array;
  if (shape.length === 0) {
    let meta = NUMBER_META.get(dtype);
    if (!meta) NUMBER_META.set(dtype, (meta = { shape: [], dtype }));
    return meta;
  }
  if (lastMeta.dtype !== dtype || !sameShape(lastMeta.shape, shape)) lastMeta = { shape, dtype };
  return lastMeta;
}

function edgesOf(inputs: readonly Tensor[]): EdgeSlot[] {
  const out = new Array<EdgeSlot>(inputs.length);
  for (let i = 0; i < inputs.length; i++) out[i] = inputs[i]!.gradientSlot();
  return out;
}

/** Record an out-of-place op whose forward produced `result`. */
export function recordOp<A>(op: RecordableOp<A>, inputs: readonly Tensor[], result: NDArray, attrs: A, isView = false): Tensor {
  if (!inBackward()) opsRun++;
  const out = new Tensor(result);
  if (isView) {
    out.makeViewOf(inputs[0]!.base ?? inputs[0]!);
    out.multiOutputView = inputs[0]!.multiOutputView;
    if (!isGradEnabled() && inputs[0]!.requiresGrad) {
      out.requiresGrad = true;
      out.discardsGrad = true;
    }
  }
  if (needsGrad(op as RecordableOp<unknown>, inputs, result.dtype)) {
    attachNode(op, attrs, out, edgesOf(inputs), metaOf(inputs), (i) => inputs[i]!);
  }
  listener?.op(op as RecordableOp<unknown>, inputs, out, attrs, false);
  return out;
}

/** `t.data = source`: t adopts source's storage, unseen by autograd (the listener hears of it). */
export function assignData(t: Tensor, source: Tensor): void {
  const before = t.array;
  t.setData(source);
  // `x.data += 1` assigns x's own storage back: nothing changed hands.
  const a = t.array;
  const same = a.buffer === before.buffer && a.offset === before.offset && a.shape.join() === before.shape.join() && a.strides.join() === before.strides.join();
  if (!same) listener?.dataAssigned?.(t);
}

/**
 * Record an op with several outputs (split, unbind, chunk): one node, and
 * output i is the node's output i (its gradient arrives as the node's i-th).
 * Such ops save no result.
 */
export function recordMultiOp<A>(op: RecordableOp<A>, inputs: readonly Tensor[], results: readonly NDArray[], attrs: A, isView = false): Tensor[] {
  if (!inBackward()) opsRun++;
  const outs = results.map((r) => {
    const out = new Tensor(r);
    if (isView) {
      out.makeViewOf(inputs[0]!.base ?? inputs[0]!);
      if (!isGradEnabled() && inputs[0]!.requiresGrad) {
        out.requiresGrad = true;
        out.discardsGrad = true;
      }
    }
    return out;
  });
  if (outs.length && needsGrad(op as RecordableOp<unknown>, inputs, results[0]!.dtype)) {
    const node = attachNode(op, attrs, outs[0]!, edgesOf(inputs), metaOf(inputs), (i) => inputs[i]!);
    outs.forEach((out, i) => {
      out.requiresGrad = true;
      out.gradFn = node;
      out.outputNr = i;
      out.multiOutputView = isView;
    });
  }
  for (const out of outs) listener?.op(op as RecordableOp<unknown>, inputs, out, attrs, false);
  return outs;
}

/** PyTorch's checks before an in-place op changes `self`. */
export function checkInPlace(self: Tensor): void {
  if (!isGradEnabled()) return;
  if (self.requiresGrad && self.isLeaf) {
    throw runtimeError('a leaf Variable that requires grad is being used in an in-place operation.');
  }
  if (self.base && self.base.requiresGrad && self.base.isLeaf) {
    throw runtimeError('a view of a leaf Variable that requires grad is being used in an in-place operation.');
  }
  if (self.multiOutputView && self.gradFn) {
    throw runtimeError(
      `Output ${self.outputNr} of ${self.gradFn.name} is a view and is being modified inplace. This view is the output of a function that returns multiple views. Such functions do not allow the output views to be modified inplace. You should replace the inplace operation by an out-of-place one.`,
    );
  }
}

/**
 * What an in-place op saves as `self`: PyTorch's `self.clone()` before the
 * write, a copy of the values that keeps self's history, so that a
 * derivative taken with create_graph still reaches what self came from.
 * (Self is never a leaf that requires grad here: checkInPlace refused it.)
 */
function originalSelf(self: Tensor): Tensor {
  const copy = new Tensor(self.array.copy());
  copy.requiresGrad = self.requiresGrad;
  copy.gradFn = self.gradFn;
  copy.outputNr = self.outputNr;
  return copy;
}

/**
 * Record an in-place op: write `result` into self's storage, bump its
 * version, and make the op's node self's new grad_fn. A saved `self` is
 * a copy of self's old value, as PyTorch saves `self.clone()`.
 */
export function recordInPlace<A>(op: RecordableOp<A>, self: Tensor, others: readonly Tensor[], result: NDArray, attrs: A): Tensor {
  checkInPlace(self);
  // (cumprod's create_graph backward copies into slices of its gradient: the engine's work, not the script's.)
  if (!inBackward()) opsRun++;
  const inputs = [self, ...others];
  const grad = needsGrad(op as RecordableOp<unknown>, inputs, self.dtype);
  const edges = edgesOf(inputs);
  const metas = metaOf(inputs);
  const oldSelf = grad ? originalSelf(self) : self;
  if (grad) listener?.savedOriginal?.(oldSelf, self);
  const baseEdge = self.base?.gradientEdge() ?? null;
  const before = listener ? self.array.values() : undefined;
  self.array.assign(result.elements());
  self.array.version.bump();
  // PyTorch writes first, then refuses (the values stay changed).
  if (self.inference && !isInferenceMode()) {
    throw runtimeError(
      'Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to get a normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for more details.',
    );
  }
  if (grad) {
    const node = attachNode(op, attrs, self, edges, metas, (i) => (i === 0 ? oldSelf : others[i - 1]!));
    if (self.base) rebaseHistory(self, self.base, node as OpNode<unknown>, baseEdge);
  }
  listener?.op(op as RecordableOp<unknown>, inputs, self, attrs, true, before);
  return self;
}
