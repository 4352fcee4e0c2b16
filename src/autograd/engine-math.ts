/**
 * The few tensor ops the engine itself performs on gradients (summing,
 * reducing a broadcast gradient, casting, copying). They must be the
 * registry's differentiable ops so that create_graph records them, so
 * src/ops installs them here at load time: the engine depends on this
 * interface, not on the registry.
 */
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from './tensor.js';

export interface EngineMath {
  add(a: Tensor, b: Tensor): Tensor;
  /** Sum a broadcast gradient down to `shape`. */
  sumTo(g: Tensor, shape: readonly number[]): Tensor;
  cast(g: Tensor, dtype: DType): Tensor;
  /** A contiguous copy that keeps autograd history (PyTorch's `CopyBackwards`). */
  copyWithHistory(g: Tensor): Tensor;
  /** `g.clone()`, recorded (CloneBackward0) when grad mode is on: a retained grad under create_graph. */
  clone(g: Tensor): Tensor;
  onesLike(t: Tensor): Tensor;
  /** The elements of `g` at row-major `positions`, shaped `shape` (recorded: CopySlices under create_graph). */
  gather(g: Tensor, positions: Int32Array, shape: readonly number[]): Tensor;
  /** `g` with `values` written at row-major `positions`, out of place (recorded). */
  scatter(g: Tensor, positions: Int32Array, values: Tensor): Tensor;
}

let installed: EngineMath | null = null;

export function installEngineMath(math: EngineMath): void {
  installed = math;
}

export function engineMath(): EngineMath {
  if (!installed) throw new Error('internal: src/ops was not loaded before autograd ran');
  return installed;
}
