/**
 * Indexing numpy arrays: basic indices (ints, slices, None, `...`) give
 * views sharing the array's memory; a boolean mask of the array's shape
 * and an integer list or array along the first axis give copies.
 * Assignment writes through the same selections, broadcasting the value.
 */
import { PyError } from '../tensor/errors.js';
import { NDArray } from '../tensor/ndarray.js';
import { UnsupportedError } from '../program/errors.js';
import { sliceIndices } from '../program/subscript.js';
import { Ellipsis, PyTuple, SliceValue, typeOf, type PyValue } from '../program/values.js';
import { castTo } from './dtypes.js';
import { broadcastView, makeArray } from './kernels.js';
import { arrayOf, isArray, npType, operandOf } from './ndarray.js';
import { fromData } from './convert.js';

/** The view `a[key]` for a basic key, or null when the key needs advanced indexing. */
function basicView(a: NDArray, key: PyValue): NDArray | null {
  const items = key instanceof PyTuple ? key.items : [key];
  if (!items.every((k) => typeof k === 'bigint' || k instanceof SliceValue || k === null || k === Ellipsis)) return null;
  const consumed = items.filter((k) => k !== null && k !== Ellipsis).length;
  if (items.filter((k) => k === Ellipsis).length > 1) throw new PyError('IndexError', "an index can only have a single ellipsis ('...')");
  if (consumed > a.ndim) throw new PyError('IndexError', `too many indices for array: array is ${a.ndim}-dimensional, but ${consumed} were indexed`);
  const shape: number[] = [];
  const strides: number[] = [];
  let offset = a.offset;
  let axis = 0;
  for (const k of items) {
    if (k === null) {
      shape.push(1);
      strides.push(0);
    } else if (k === Ellipsis) {
      for (let n = a.ndim - consumed; n > 0; n--, axis++) {
        shape.push(a.shape[axis]!);
        strides.push(a.strides[axis]!);
      }
    } else if (typeof k === 'bigint') {
      const size = a.shape[axis]!;
      let i = Number(k);
      if (i < -size || i >= size) throw new PyError('IndexError', `index ${k} is out of bounds for axis ${axis} with size ${size}`);
      if (i < 0) i += size;
      offset += i * a.strides[axis]!;
      axis++;
    } else {
      const s = sliceIndices(k as SliceValue, a.shape[axis]!);
      if (s.count > 0) offset += s.start * a.strides[axis]!;
      shape.push(s.count);
      strides.push(a.strides[axis]! * s.step);
      axis++;
    }
  }
  for (; axis < a.ndim; axis++) {
    shape.push(a.shape[axis]!);
    strides.push(a.strides[axis]!);
  }
  return a.view(shape, strides, offset);
}

/** Row-major positions selected by an advanced key: a boolean mask of a's shape, or ints along axis 0. */
function advanced(a: NDArray, key: PyValue): { rows: number[] | null; mask: boolean[] | null } {
  const k = isArray(key) ? arrayOf(key) : Array.isArray(key) ? fromData(key, undefined) : null;
  if (!k) throw new UnsupportedError(`numpy indexing with ${typeOf(key).name} is not supported`);
  const values = k.values();
  if (npType(k) === 'bool') {
    if (k.shape.join() !== a.shape.join()) throw new UnsupportedError('numpy boolean indexing with a mask of another shape is not supported');
    return { rows: null, mask: Array.from(values, (v) => v !== 0) };
  }
  if (npType(k) !== 'int64' || k.ndim !== 1 || a.ndim === 0) throw new PyError('IndexError', 'arrays used as indices must be of integer (or boolean) type');
  const size = a.shape[0]!;
  return {
    rows: Array.from(values, (v) => {
      if (v < -size || v >= size) throw new PyError('IndexError', `index ${v} is out of bounds for axis 0 with size ${size}`);
      return v < 0 ? v + size : v;
    }),
    mask: null,
  };
}

/** `a[key]`: a view for basic keys, a copy for advanced ones. */
export function getIndex(a: NDArray, key: PyValue): NDArray {
  const view = basicView(a, key);
  if (view) return view;
  const { rows, mask } = advanced(a, key);
  const dtype = npType(a);
  const values = a.values();
  if (mask) return makeArray(values.filter((_, i) => mask[i]), [mask.filter(Boolean).length], dtype);
  const rowSize = a.ndim === 0 ? 1 : values.length / a.shape[0]!;
  const out: number[] = [];
  for (const r of rows!) for (let j = 0; j < rowSize; j++) out.push(values[r * rowSize + j]!);
  return makeArray(out, [rows!.length, ...a.shape.slice(1)], dtype);
}

/** `a[key] = value`, the value broadcast to the selection and cast to a's dtype. */
export function setIndex(a: NDArray, key: PyValue, value: PyValue): void {
  const v = operandOf(value);
  if (!v) throw new PyError('TypeError', `float() argument must be a string or a real number, not '${typeOf(value).name}'`);
  const view = basicView(a, key);
  if (view) {
    view.assign(broadcastTo(v.array, view.shape));
    return;
  }
  const { rows, mask } = advanced(a, key);
  const offsets = a.offsets();
  let targets: number[];
  if (mask) targets = Array.from(offsets).filter((_, i) => mask[i]);
  else {
    const rowSize = offsets.length / a.shape[0]!;
    targets = rows!.flatMap((r) => Array.from(offsets.slice(r * rowSize, (r + 1) * rowSize)));
  }
  const shape = mask ? [targets.length] : [rows!.length, ...a.shape.slice(1)];
  const values = broadcastTo(v.array, shape);
  const target = a.view([targets.length], [1], 0);
  const dtype = npType(a);
  targets.forEach((off, i) => (target.buffer[off] = castTo(dtype, values[i]!)));
}

function broadcastTo(v: NDArray, shape: readonly number[]): Float64Array {
  if (v.ndim > shape.length || v.shape.some((d, i) => d !== 1 && d !== shape[shape.length - v.ndim + i])) {
    throw new PyError('ValueError', `could not broadcast input array from shape (${v.shape.join(',')}${v.ndim === 1 ? ',' : ''}) into shape (${shape.join(',')}${shape.length === 1 ? ',' : ''})`);
  }
  return broadcastView(v, shape).values();
}
