/**
 * The autograd tensor: an NDArray plus PyTorch's autograd metadata
 * (requires_grad, grad_fn, grad, retain_grad). Op methods (`x.pow(2)`) are
 * installed by src/ops from the op registry.
 */
import type { DType } from '../tensor/dtype.js';
import { isFloating } from '../tensor/dtype.js';
import { PyError, runtimeError } from '../tensor/errors.js';
import { formatTensor } from '../tensor/format.js';
import { NDArray } from '../tensor/ndarray.js';
import { AccumulateGrad, type Edge, type Node } from './node.js';

export class Tensor {
  /** The values. Replaced (not mutated) by `x.data = t`. */
  array: NDArray;
  requiresGrad = false;
  gradFn: Node | null = null;
  /** Which output of `gradFn` this tensor is. */
  outputNr = 0;
  grad: Tensor | null = null;
  retainsGrad = false;
  /** For a view: the tensor it views (PyTorch's `_base`). */
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

  constructor(array: NDArray) {
    this.array = array;
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
    if (this.gradFn) return { node: this.gradFn, inputNr: this.outputNr };
    if (!this.requiresGrad) return null;
    // One AccumulateGrad per leaf, so `next_functions` shows the same object twice.
    this.accumulator ??= new AccumulateGrad(this);
    return { node: this.accumulator, inputNr: 0 };
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

  retainGrad(): void {
    if (!this.requiresGrad) throw runtimeError("can't retain_grad on Tensor that has requires_grad=False");
    if (this.isLeaf || this.retainsGrad) return;
    this.retainsGrad = true;
    this.gradFn!.retainedOutputs.set(this.outputNr, this);
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
      gradFn: this.gradFn?.name,
      requiresGrad: this.requiresGrad,
    });
  }
}
