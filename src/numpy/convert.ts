/** `np.array(data)`: nested lists, tuples, scalars, arrays and tensors to an array, with numpy's dtype inference. */
import { Tensor } from '../autograd/tensor.js';
import { PyError } from '../tensor/errors.js';
import { NDArray } from '../tensor/ndarray.js';
import { UnsupportedError } from '../program/errors.js';
import { PyTuple, typeOf, type PyValue } from '../program/values.js';
import { promote, type NpDType } from './dtypes.js';
import { castArray, makeArray } from './kernels.js';
import { arrayOf, hooksConvert, isArray, npType } from './ndarray.js';
import { float32Value, isFloat32Scalar } from './scalars.js';

const MAX_DEPTH = 32;


/** The array `np.array(data, dtype)` makes (always a copy). */
export function fromData(data: PyValue, dtype: NpDType | undefined): NDArray {
  if (isArray(data)) return castArray(arrayOf(data), dtype ?? npType(arrayOf(data)));
  if (data instanceof Tensor) return castArray(tensorArray(data), dtype ?? npType(data.array));
  const shape: number[] = [];
  for (let v: PyValue = data; shape.length <= MAX_DEPTH; ) {
    const items = itemsOf(v);
    if (items) {
      shape.push(items.length);
      if (items.length === 0) break;
      v = items[0]!;
    } else {
      const nested = nestedArray(v);
      if (nested) shape.push(...nested.shape);
      break;
    }
  }
  const values: number[] = [];
  let inferred: NpDType | null = null;
  const leaf = (t: NpDType, x: number) => {
    inferred = inferred === null ? t : promote(inferred, t);
    values.push(x);
  };
  const walk = (v: PyValue, depth: number): void => {
    const items = itemsOf(v);
    const nested = items ? null : nestedArray(v);
    if (depth === shape.length) {
      if (items || nested) throw inhomogeneous(depth, shape);
    } else if (items) {
      if (items.length !== shape[depth]) throw inhomogeneous(depth, shape);
      for (const item of items) walk(item, depth + 1);
      return;
    } else if (!nested || nested.shape.join() !== shape.slice(depth).join()) {
      throw inhomogeneous(depth, shape);
    }
    if (nested) {
      const t = npType(nested);
      for (const x of nested.values()) leaf(t, x);
    } else if (typeof v === 'number') leaf('float64', v);
    else if (typeof v === 'bigint') {
      // int64 storage is a double: exact to 2^53
      if (v > 2n ** 53n || v < -(2n ** 53n)) throw new UnsupportedError('numpy integers beyond 2**53 are not supported');
      leaf('int64', Number(v));
    }
    else if (typeof v === 'boolean') leaf('bool', v ? 1 : 0);
    else if (isFloat32Scalar(v)) leaf('float32', float32Value(v));
    else throw new UnsupportedError(`numpy arrays of ${typeOf(v).name} objects are not supported`);
  };
  walk(data, 0);
  return makeArray(values, shape, dtype ?? inferred ?? 'float64');
}

function itemsOf(v: PyValue): readonly PyValue[] | null {
  return Array.isArray(v) ? v : v instanceof PyTuple ? v.items : null;
}

function nestedArray(v: PyValue): NDArray | null {
  return isArray(v) ? arrayOf(v) : v instanceof Tensor ? tensorArray(v) : null;
}

function inhomogeneous(depth: number, shape: readonly number[]): PyError {
  const detected = shape.slice(0, depth);
  return new PyError(
    'ValueError',
    `setting an array element with a sequence. The requested array has an inhomogeneous shape after ${depth} dimensions. The detected shape was (${detected.join(', ')}${detected.length === 1 ? ',' : ''}) + inhomogeneous part.`,
  );
}

/** A tensor's values as numpy reads them (`__array__`): refused when it requires grad, as PyTorch refuses. */
export function tensorArray(t: Tensor): NDArray {
  if (t.requiresGrad) throw new PyError('RuntimeError', "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.");
  return t.array;
}

hooksConvert.fromData = fromData;
