/**
 * Recording an op on the tape: wrap its result, and when grad mode is on
 * and an input requires grad, attach a node with its edges and saved tensors.
 */
import { isFloating, type DType } from '../tensor/dtype.js';
import { runtimeError } from '../tensor/errors.js';
import type { NDArray } from '../tensor/ndarray.js';
import { rebaseHistory } from './copy-slices.js';
import { inBackward } from './engine.js';
import { isGradEnabled } from './grad-mode.js';
import { OpNode, SavedTensor, type BackwardSpec, type InputMeta } from './node.js';
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
}

let listener: TapeListener | null = null;
let opsRun = 0;

/**
 * How many ops a script has run in this process (not counting a backward
 * pass's own, whose work follows the graph the script built): lets a caller
 * bound the work an untrusted script does.
 */
export function opsRunSoFar(): number {
  return opsRun;
}

export function setTapeListener(l: TapeListener | null): void {
  listener = l;
}

function needsGrad(op: RecordableOp<unknown>, inputs: readonly Tensor[], dtype: DType): boolean {
  return op.differentiable && isGradEnabled() && isFloating(dtype) && inputs.some((t) => t.requiresGrad);
}

/**
 * Make `out` the output of a new node for `op`. Edges and input metadata
 * are taken before an in-place op changes its input.
 */
function attachNode<A>(
  op: RecordableOp<A>,
  attrs: A,
  out: Tensor,
  edges: ReturnType<Tensor['gradientEdge']>[],
  inputs: readonly InputMeta[],
  savedInput: (i: number) => Tensor,
): OpNode<A> {
  const node = new OpNode<A>(op, attrs, edges, inputs);
  out.requiresGrad = true;
  out.gradFn = node;
  out.outputNr = 0;
  for (const rule of op.saves) {
    // Stryker disable next-line ConditionalExpression: without onlyIfGradFor, edges[undefined] is undefined, never null
    if (rule.onlyIfGradFor !== undefined && edges[rule.onlyIfGradFor] === null) continue;
    const saved = rule.input === undefined ? SavedTensor.ofOutput(out, node) : SavedTensor.ofInput(savedInput(rule.input));
    node.savedTensors.set(rule.name, saved);
  }
  return node;
}

function metaOf(inputs: readonly Tensor[]): InputMeta[] {
  return inputs.map((t) => ({ shape: t.shape, dtype: t.dtype }));
}

/** Record an out-of-place op whose forward produced `result`. */
export function recordOp<A>(op: RecordableOp<A>, inputs: readonly Tensor[], result: NDArray, attrs: A, isView = false): Tensor {
  if (!inBackward()) opsRun++;
  const out = new Tensor(result);
  if (isView) {
    out.base = inputs[0]!.base ?? inputs[0]!;
    out.multiOutputView = inputs[0]!.multiOutputView;
    if (!isGradEnabled() && inputs[0]!.requiresGrad) {
      out.requiresGrad = true;
      out.discardsGrad = true;
    }
  }
  if (needsGrad(op as RecordableOp<unknown>, inputs, result.dtype)) {
    attachNode(op, attrs, out, inputs.map((t) => t.gradientEdge()), metaOf(inputs), (i) => inputs[i]!);
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
      out.base = inputs[0]!.base ?? inputs[0]!;
      if (!isGradEnabled() && inputs[0]!.requiresGrad) {
        out.requiresGrad = true;
        out.discardsGrad = true;
      }
    }
    return out;
  });
  if (outs.length && needsGrad(op as RecordableOp<unknown>, inputs, results[0]!.dtype)) {
    const node = attachNode(op, attrs, outs[0]!, inputs.map((t) => t.gradientEdge()), metaOf(inputs), (i) => inputs[i]!);
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
 * Record an in-place op: write `result` into self's storage, bump its
 * version, and make the op's node self's new grad_fn. A saved `self` is
 * a copy of self's old value, as PyTorch saves `self.clone()`.
 */
export function recordInPlace<A>(op: RecordableOp<A>, self: Tensor, others: readonly Tensor[], result: NDArray, attrs: A): Tensor {
  checkInPlace(self);
  // Stryker disable next-line ConditionalExpression: no backward formula runs an in-place op, so inBackward() is false here
  if (!inBackward()) opsRun++;
  const inputs = [self, ...others];
  const grad = needsGrad(op as RecordableOp<unknown>, inputs, self.dtype);
  const edges = inputs.map((t) => t.gradientEdge());
  const metas = metaOf(inputs);
  const oldSelf = grad ? new Tensor(self.array.copy()) : self;
  const baseEdge = self.base?.gradientEdge() ?? null;
  const before = listener ? self.array.values() : undefined;
  self.array.assign(result.values());
  self.array.version.bump();
  if (grad) {
    const node = attachNode(op, attrs, self, edges, metas, (i) => (i === 0 ? oldSelf : others[i - 1]!));
    if (self.base) rebaseHistory(self, self.base, node as OpNode<unknown>, baseEdge);
  }
  listener?.op(op as RecordableOp<unknown>, inputs, self, attrs, true, before);
  return self;
}
