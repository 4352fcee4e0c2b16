/**
 * The autograd tensor: an NDArray plus PyTorch's autograd metadata
 * (requires_grad, grad_fn, grad, retain_grad). Op methods (`x.pow(2)`) are
 * installed by src/ops from the op registry.
 */
import type { DType } from '../tensor/dtype.js';
import { isFloating } from '../tensor/dtype.js';
import { PyError, runtimeError } from '../tensor/errors.js';
import { formatTensor } from '../tensor/format.js';
import { allocate, castValue, NDArray } from '../tensor/ndarray.js';
import { engineMath } from './engine-math.js';
import { isInferenceMode } from './grad-mode.js';
import { unborn } from '../tensor/pool.js';
import { AccumulateGrad, Node, viewHistory, type Edge, type EdgeSlot } from './node.js';

/** A tensor hook: a new gradient, or null to keep it. */
export type TensorHook = (grad: Tensor) => Tensor | null;

let nextHookId = 0;

export class Tensor {
  /** The values. Replaced (not mutated) by `x.data = t`. */
  array: NDArray;
  private ownRequiresGrad = false;
  private ownGradFn: Node | null = null;
  /**
   * For a view: the version of the storage when its history was last set
   * (PyTorch's attr_version). When an in-place op on its base or another
   * view changes the storage, the view's history is made anew on next use.
   */
  private viewVersion = 0;
  /** Which output of `gradFn` this tensor is. */
  outputNr = 0;
  grad: Tensor | null = null;
  retainsGrad = false;
  /** `register_hook` functions by handle id, in registration order (PyTorch's `_backward_hooks`). */
  private hooks: Map<number, TensorHook> | null = null;
  /** For a view: the tensor it views (PyTorch's `_base`); set by makeViewOf. */
  base: Tensor | null = null;
  /**
   * A view made under no_grad of a tensor that requires grad: PyTorch marks
   * it requires_grad=True and a leaf, yet backward through it fills no
   * `.grad`, neither its own nor its base's.
   */
  discardsGrad = false;
  /**
   * A view made by an op with several outputs (split, unbind), or a view of
   * one: PyTorch refuses to modify it in place while it carries history.
   */
  multiOutputView = false;
  private accumulator: AccumulateGrad | null = null;

  /** Made under inference mode (`is_inference()`). */
  readonly inference = isInferenceMode();

  constructor(array: NDArray) {
    this.array = array;
  }

  get requiresGrad(): boolean {
    if (this.base !== null && this.array.version.value !== this.viewVersion) this.refreshView(false);
    return this.ownRequiresGrad;
  }

  set requiresGrad(flag: boolean) {
    this.ownRequiresGrad = flag;
  }

  /** The history (observers read it too: a view PyTorch would refuse keeps its old one here; see `checkedGradFn`). */
  get gradFn(): Node | null {
    if (this.base !== null && this.array.version.value !== this.viewVersion) this.refreshView(false);
    return this.ownGradFn;
  }

  set gradFn(node: Node | null) {
    this.ownGradFn = node;
    if (this.base !== null) this.viewVersion = this.array.version.value;
  }

  /** `grad_fn` as the script reads it, and as an op takes its input: with PyTorch's refusals of stale views. */
  checkedGradFn(): Node | null {
    if (this.base !== null && this.array.version.value !== this.viewVersion) this.refreshView(true);
    return this.ownGradFn;
  }

  /** Make this tensor a view of `base` (a tensor that is no view), as of now. */
  makeViewOf(base: Tensor): void {
    this.base = base;
    this.viewVersion = this.array.version.value;
  }

  /**
   * The storage changed under this view since its history was set: PyTorch
   * then gives it `AsStridedBackward0` into its base's current history (so
   * gradients flow through the in-place op), or refuses a view made under
   * no_grad or by an op with several outputs (when its grad_fn is asked).
   */
  private refreshView(raise: boolean): void {
    const base = this.base!;
    const baseEdge = base.gradientEdge();
    if (baseEdge === null) {
      this.viewVersion = this.array.version.value;
      return;
    }
    if (this.discardsGrad || (this.multiOutputView && this.ownGradFn !== null)) {
      if (raise) throw this.rebaseError();
      return;
    }
    this.viewVersion = this.array.version.value;
    this.ownGradFn = viewHistory(this, base, baseEdge);
    this.outputNr = 0;
    this.ownRequiresGrad = true;
  }

  private rebaseError(): Error {
    if (this.discardsGrad) {
      return runtimeError(
        "A view was created in no_grad mode and its base or another view of its base has been modified inplace with grad mode enabled. Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the inplace either both inside the no_grad block (if you don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked).",
      );
    }
    return runtimeError(
      `Output ${this.outputNr} of ${this.ownGradFn!.name} is a view and its base or another view of its base has been modified inplace. This view is the output of a function that returns multiple views. Such functions do not allow the output views to be modified inplace. You should replace the inplace operation by an out-of-place one.`,
    );
  }

  get shape(): readonly number[] {
    return this.array.shape;
  }

  get dtype(): DType {
    return this.array.dtype;
  }

  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  get numel(): number {
    return this.array.numel;
  }

  get version(): number {
    return this.array.version.value;
  }

  /** The node gradients flow into for this tensor, or null when it needs none. */
  gradientEdge(): Edge | null {
    const slot = this.gradientSlot();
    return slot === null || !(slot instanceof Node) ? slot : { node: slot, inputNr: 0 };
  }

  /** gradientEdge as a node keeps it (an edge to a node's input 0 is the node itself). */
  gradientSlot(): EdgeSlot {
    const gradFn = this.checkedGradFn();
    if (gradFn) return this.outputNr === 0 ? gradFn : { node: gradFn, inputNr: this.outputNr };
    if (!this.requiresGrad) return null;
    // One AccumulateGrad per leaf, so `next_functions` shows the same object twice.
    return (this.accumulator ??= new AccumulateGrad(this));
  }

  /** `requires_grad_()` / `requires_grad = b`, with PyTorch's checks. */
  setRequiresGrad(flag: boolean, viaMethod: boolean): void {
    if (!this.isLeaf && !flag) {
      throw runtimeError(
        "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().",
      );
    }
    if (flag && !isFloating(this.dtype)) {
      throw runtimeError(
        viaMethod
          ? 'only Tensors of floating point dtype can require gradients'
          : 'only Tensors of floating point and complex dtype can require gradients',
      );
    }
    if (flag && this.inference && !isInferenceMode()) {
      throw runtimeError('Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.');
    }
    // Stryker disable next-line ConditionalExpression: a non-leaf already requires grad, and flag is true here (false threw above)
    if (this.isLeaf) this.requiresGrad = flag;
  }

  /** `x.data`: same storage, no autograd history, and a version counter of its own. */
  dataView(): Tensor {
    return new Tensor(this.array.withOwnVersion());
  }

  /** `x.data = t`: adopt t's storage and geometry, keep our version counter. */
  setData(source: Tensor): void {
    const a = source.array;
    this.array = new NDArray(a.buffer, a.dtype, a.shape, a.strides, a.offset, this.array.version);
  }

  /** `detach()`: same storage and version counter, no history. */
  detach(): Tensor {
    const t = new Tensor(this.array);
    return t;
  }

  /** `detach_()`: this tensor loses its history (a view cannot). */
  detachInPlace(): void {
    if (this.base) {
      throw runtimeError(
        "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP buckets, and hence detach_() cannot be called on these gradients. To fix this error, please refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.",
      );
    }
    this.gradFn = null;
    this.outputNr = 0;
    this.requiresGrad = false;
  }

  retainGrad(): void {
    if (!this.requiresGrad) throw runtimeError("can't retain_grad on Tensor that has requires_grad=False");
    if (this.isLeaf || this.retainsGrad) return;
    this.retainsGrad = true;
    // PyTorch's retain_grad hook: `grad.clone()` first (with history under create_graph), then `grad + g`.
    this.gradFn!.addPreHook({
      outputNr: this.outputNr,
      run: (g) => {
        this.grad = this.grad ? engineMath().add(this.grad, g) : engineMath().clone(g);
        return g;
      },
    });
  }

  /**
   * `register_hook(fn)`: `fn` sees the gradient flowing into this tensor
   * before it is used (a leaf's before it is accumulated) and may replace
   * it. Returns the id that removes it. All of a tensor's hooks run as one
   * pre-hook of its node, placed when the first one is registered.
   */
  registerHook(hook: TensorHook): number {
    if (!this.requiresGrad) throw runtimeError("cannot register a hook on a tensor that doesn't require gradient");
    if (!this.hooks) {
      const hooks = (this.hooks = new Map());
      const edge = this.gradientEdge()!;
      edge.node.addPreHook({
        outputNr: edge.inputNr,
        run: (g) => {
          let out = g;
          for (const h of [...hooks.values()]) out = h(out) ?? out;
          return out;
        },
      });
    }
    const id = nextHookId++;
    this.hooks.set(id, hook);
    return id;
  }

  removeHook(id: number): void {
    this.hooks?.delete(id);
  }

  /** `x.grad = g`, with PyTorch's checks. */
  setGrad(g: Tensor | null): void {
    if (g !== null) {
      if (g.dtype !== this.dtype) throw runtimeError('assigned grad has data of a different type');
      if (g.shape.join() !== this.shape.join()) throw runtimeError('assigned grad has data of a different size');
    }
    this.grad = g;
  }

  /** The value of a one-element tensor (`.item()`, `float(t)`). */
  item(): number {
    if (this.numel !== 1) throw new PyError('ValueError', 'only one element tensors can be converted to Python scalars');
    return this.array.values()[0]!;
  }

  /** PyTorch's repr: `tensor([1., 2.], requires_grad=True)`. */
  toString(): string {
    return formatTensor(this.array.values(), this.shape, this.dtype, {
      gradFn: this.checkedGradFn()?.name,
      requiresGrad: this.requiresGrad,
    });
  }
}

/** The shape and strides of every wrapped number (0-d: nothing to keep per number). */
const NO_DIMS: readonly number[] = Object.freeze([]);

/** A number as a 0-d array of `dtype`. */
export function numberArray(value: number, dtype: DType): NDArray {
  const buffer = allocate(dtype, 1);
  buffer[0] = castValue(dtype, value);
  return new NDArray(buffer, dtype, NO_DIMS, NO_DIMS, 0, null);
}

/**
 * A Python number an op wrapped as a 0-d tensor of its compute dtype (what
 * PyTorch calls a wrapped number): nothing but the op refers to it, so a
 * saved one is kept as its value (src/autograd/node.ts). Once unpacked it
 * is an ordinary tensor the script may hold.
 */
export class WrappedNumber extends Tensor {
  static of(value: number, dtype: DType): WrappedNumber {
    return new WrappedNumber(numberArray(value, dtype));
  }

  /**
   * `of`, the same tensor each time for a value and dtype: a script loop's
   * `y * 0.9999` made a tensor, array and buffer per op. For callers whose
   * wrapped numbers nothing but the op's kernel sees (no tape listener,
   * which keeps inputs): no op writes into an input, keeps it (a saved
   * wrapped number is kept as its value) or returns it as its result.
   */
  static shared(value: number, dtype: DType): WrappedNumber {
    // Not under inference mode (an inference tensor cannot be saved), not -0 (a Map key equal to 0).
    if (isInferenceMode() || Object.is(value, -0)) return WrappedNumber.of(value, dtype);
    const known = SHARED_NUMBERS[dtype];
    let t = known.get(value);
    if (t === undefined) {
      if (known.size >= SHARED_NUMBERS_MAX) known.clear();
      t = WrappedNumber.of(value, dtype);
      // Made during a backward pass, it outlives it: not the pass's to recycle.
      unborn(t.array.buffer);
      known.set(value, t);
    }
    return t;
  }
}

/** Shared wrapped numbers by dtype and value (a script's few constants; cleared when it has many). */
const SHARED_NUMBERS: Record<DType, Map<number, WrappedNumber>> = {
  float32: new Map(),
  float64: new Map(),
  int64: new Map(),
  uint8: new Map(),
  bool: new Map(),
};
const SHARED_NUMBERS_MAX = 256;
