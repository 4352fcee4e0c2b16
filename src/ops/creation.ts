/** Factory functions: `torch.tensor`, `ones`, `arange`, … (never recorded on the tape). */
import { Tensor } from '../autograd/tensor.js';
import { DEFAULT_FLOAT, type DType } from '../tensor/dtype.js';
import { PyError, runtimeError } from '../tensor/errors.js';
import { checkElements, NDArray, numelOf } from '../tensor/ndarray.js';
import { arangeValues, linspaceValues } from '../tensor/numerics/ranges.js';
import type { Scalar } from './registry.js';

export type Nested = Scalar | readonly Nested[];

export interface FactoryOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

function finish(array: NDArray, requiresGrad: boolean | undefined, viaFactory = true): Tensor {
  const t = new Tensor(array);
  if (requiresGrad) {
    if (array.dtype !== 'float32' && array.dtype !== 'float64') {
      throw runtimeError(
        viaFactory
          ? 'Only Tensors of floating point and complex dtype can require gradients'
          : 'only Tensors of floating point dtype can require gradients',
      );
    }
    t.requiresGrad = true;
  }
  return t;
}

/** Shape, row-major values and inferred dtype of nested lists, with PyTorch's ragged-list error. */
function flatten(data: Nested): { shape: number[]; values: number[]; dtype: DType } {
  const shape: number[] = [];
  for (let d: Nested = data; Array.isArray(d); d = (d as readonly Nested[])[0]!) {
    shape.push((d as readonly Nested[]).length);
    // Stryker disable next-line ConditionalExpression: past an empty list d[0] is undefined, which ends the loop anyway
    if ((d as readonly Nested[]).length === 0) break;
  }
  const values: number[] = [];
  // PyTorch infers the dtype from every element first (its error for a misplaced list names it).
  const rank = { bool: 0, int: 1, float: 2 };
  const kindOf = (d: Nested): Scalar['kind'] =>
    Array.isArray(d)
      // Stryker disable next-line EqualityOperator: at equal rank x and k are the same kind
      ? (d as readonly Nested[]).map(kindOf).reduce((k, x) => (rank[x] > rank[k] ? x : k), 'bool' as Scalar['kind'])
      : (d as Scalar).kind;
  const kind = kindOf(data);
  const walk = (d: Nested, dim: number) => {
    if (!Array.isArray(d)) {
      if (dim !== shape.length) throw new PyError('TypeError', 'not a sequence');
      values.push((d as Scalar).value);
      return;
    }
    const list = d as readonly Nested[];
    if (dim >= shape.length) {
      throw new PyError('TypeError', kind === 'float' ? 'must be real number, not list' : "'list' object cannot be interpreted as an integer");
    }
    if (list.length !== shape[dim]) {
      throw new PyError('ValueError', `expected sequence of length ${shape[dim]} at dim ${dim} (got ${list.length})`);
    }
    for (const item of list) walk(item, dim + 1);
  };
  walk(data, 0);
  const dtype: DType = values.length === 0 ? DEFAULT_FLOAT : kind === 'float' ? DEFAULT_FLOAT : kind === 'int' ? 'int64' : 'bool';
  return { shape, values, dtype };
}

export function tensor(data: Nested, options: FactoryOptions = {}): Tensor {
  const { shape, values, dtype } = flatten(data);
  return finish(NDArray.fromValues(values, shape, options.dtype ?? dtype), options.requiresGrad);
}

export function full(shape: readonly number[], value: number, options: FactoryOptions & { valueKind?: Scalar['kind'] } = {}): Tensor {
  for (const d of shape) {
    if (d < 0) throw runtimeError(`Trying to create tensor with negative dimension ${d}: [${shape.join(', ')}]`);
  }
  const inferred: DType = options.valueKind === 'int' ? 'int64' : options.valueKind === 'bool' ? 'bool' : DEFAULT_FLOAT;
  return finish(NDArray.full(shape, value, options.dtype ?? inferred), options.requiresGrad);
}

export const zeros = (shape: readonly number[], options: FactoryOptions = {}) => full(shape, 0, options);
export const ones = (shape: readonly number[], options: FactoryOptions = {}) => full(shape, 1, options);

export function eye(n: number, m = n, options: FactoryOptions = {}): Tensor {
  const t = full([n, m], 0, options);
  const values = t.array.values();
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  t.array.assign(values);
  return t;
}

/** `arange(start, end, step)`: int64 when all three are ints, else the default float. */
export function arange(start: Scalar, end: Scalar, step: Scalar, options: FactoryOptions = {}): Tensor {
  if (step.value === 0) throw runtimeError('step must be nonzero');
  const count = Math.ceil((end.value - start.value) / step.value);
  // Stryker disable next-line ArithmeticOperator: the step is nonzero here, so (end - start) * step has the sign of (end - start) / step
  if ((end.value - start.value) / step.value < 0) {
    throw runtimeError('upper bound and larger bound inconsistent with step sign');
  }
  const allInt = [start, end, step].every((s) => s.kind !== 'float');
  const n = Math.max(0, count);
  const dtype = options.dtype ?? (allInt ? 'int64' : DEFAULT_FLOAT);
  const length = Math.min(n, 1e8);
  const values =
    dtype === 'float32' || dtype === 'float64'
      ? arangeValues(start.value, step.value, length, dtype)
      : Array.from({ length }, (_, i) => start.value + i * step.value);
  return finish(NDArray.fromValues(values, [n], dtype), options.requiresGrad);
}

export function linspace(start: number, end: number, steps: number, options: FactoryOptions = {}): Tensor {
  if (steps < 0) throw runtimeError('number of steps must be non-negative');
  const dtype = options.dtype ?? DEFAULT_FLOAT;
  // PyTorch fills the first half from start and the second half from end, for symmetry (numerics/ranges.ts).
  if (dtype === 'float32' || dtype === 'float64') {
    checkElements(steps);
    return finish(NDArray.adopt(linspaceValues(start, end, steps, dtype), [steps], dtype), options.requiresGrad);
  }
  const values = Array.from({ length: steps }, (_, i) => (steps === 1 ? start : start + ((end - start) / (steps - 1)) * i));
  return finish(NDArray.fromValues(values, [steps], dtype), options.requiresGrad);
}

/** `zeros_like`, `ones_like`, `full_like`. */
export function fullLike(like: Tensor, value: number, options: FactoryOptions = {}): Tensor {
  return finish(NDArray.full(like.shape, value, options.dtype ?? like.dtype), options.requiresGrad);
}

export { numelOf };
