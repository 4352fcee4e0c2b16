/**
 * dzdx as a library: a torch-like tensor API over the tape autograd, and
 * the script runner.
 *
 *   import { tensor, noGrad } from 'dzdx';
 *   const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 *   const z = x.pow(2).add(noGrad(() => x.pow(3)));
 *   z.backward(onesLike(z));
 *   console.log(String(x.grad));   // tensor([[2., 4.], [6., 8.]])
 */
import './ops/index.js';
import './ops/methods.js';
import './all-libraries.js';
import { grad as autogradGrad, type GradOptions } from './autograd/engine.js';
import { enableGrad, isGradEnabled, noGrad, setGradEnabled } from './autograd/grad-mode.js';
import { Tensor } from './autograd/tensor.js';
import * as C from './ops/creation.js';
import type { DType } from './tensor/dtype.js';

export { Tensor, noGrad, enableGrad, isGradEnabled, setGradEnabled };
export type { DType };
export { PyError } from './tensor/errors.js';
export { ops } from './ops/index.js';
export { registry } from './ops/registry.js';
export { runScript, type RunOptions, type RunResult } from './program/run.js';
export * from './check/index.js';
export * from './grade/index.js';
export * from './graph/index.js';

export type NestedNumbers = number | boolean | NestedNumbers[];

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

function nested(data: NestedNumbers): C.Nested {
  if (Array.isArray(data)) return data.map(nested);
  return typeof data === 'boolean' ? { value: data ? 1 : 0, kind: 'bool' } : { value: data, kind: 'float' };
}

/** `torch.tensor(data)`: JS numbers are floats, so the default dtype is float32 unless `dtype` says otherwise. */
export const tensor = (data: NestedNumbers, options: TensorOptions = {}): Tensor => C.tensor(nested(data), options);
export const ones = (shape: number[], options: TensorOptions = {}) => C.ones(shape, options);
export const zeros = (shape: number[], options: TensorOptions = {}) => C.zeros(shape, options);
export const full = (shape: number[], value: number, options: TensorOptions = {}) => C.full(shape, value, options);
export const onesLike = (t: Tensor, options: TensorOptions = {}) => C.fullLike(t, 1, options);
export const zerosLike = (t: Tensor, options: TensorOptions = {}) => C.fullLike(t, 0, options);
export const eye = (n: number, m = n, options: TensorOptions = {}) => C.eye(n, m, options);
export const linspace = (start: number, end: number, steps: number, options: TensorOptions = {}) =>
  C.linspace(start, end, steps, options);

export const autograd = {
  /** `torch.autograd.grad(outputs, inputs, gradOutputs, options)`. */
  grad: (outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], gradOutputs: (Tensor | null)[] = [], options: GradOptions = {}) =>
    autogradGrad([outputs].flat(), [inputs].flat(), gradOutputs, options),
};
