/** `obj[index]`, `obj[index] = value` and `del obj[index]` for sequences, dicts, tensors and script classes. */
import { Tensor } from '../autograd/tensor.js';
import { LimitError, PyError } from '../tensor/errors.js';
import * as F from '../ops/functional.js';
import * as C from '../ops/creation.js';
import { isFloating } from '../tensor/dtype.js';
import { seq, toInt, toScalar } from './args.js';
import { PyDict } from './dict.js';
import { UnsupportedError } from './errors.js';
import { exceptionClassNamed, newException, RaisedError } from './exceptions.js';
import { iterate } from './iteration.js';
import { callBound, callValue, lookupSpecial } from './objects.js';
import { MAX_SEQUENCE } from './operators.js';
import { repr } from './repr.js';
import { Ellipsis, isNumber, PyClass, PyInstance, PyRange, PyTuple, SliceValue, TorchSize, typeOf, type PyValue } from './values.js';

const typeError = (message: string) => new PyError('TypeError', message);

/** An int index (bool and objects with `__index__` too), as Python's sequences take it. */
export function indexValue(v: PyValue, what: string): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof PyInstance) {
    const f = lookupSpecial(v, '__index__');
    if (f !== undefined) {
      const r = callBound(f, v, []);
      if (typeof r === 'bigint') return Number(r);
    }
  }
  if (v instanceof Tensor && v.numel === 1 && (v.dtype === 'int64' || v.dtype === 'bool')) return v.item();
  throw typeError(`${what} must be integers or slices, not ${typeOf(v).name}`);
}

function sliceBound(v: PyValue): number | null {
  if (v === null) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Tensor && v.numel === 1 && (v.dtype === 'int64' || v.dtype === 'bool')) return v.item();
  if (v instanceof PyInstance && lookupSpecial(v, '__index__') !== undefined) return indexValue(v, 'slice indices');
  throw typeError('slice indices must be integers or None or have an __index__ method');
}

/** `slice.indices(length)`: start, stop and step clamped as CPython's PySlice_AdjustIndices does. */
export function sliceIndices(s: SliceValue, length: number): { start: number; stop: number; step: number; count: number } {
  const stepValue = sliceBound(s.step);
  const step = stepValue ?? 1;
  if (step === 0) throw new PyError('ValueError', 'slice step cannot be zero');
  let start = sliceBound(s.start);
  let stop = sliceBound(s.stop);
  if (start === null) start = step < 0 ? length - 1 : 0;
  else {
    if (start < 0) start += length;
    if (start < 0) start = step < 0 ? -1 : 0;
    else if (start >= length) start = step < 0 ? length - 1 : length;
  }
  if (stop === null) stop = step < 0 ? -1 : length;
  else {
    if (stop < 0) stop += length;
    if (stop < 0) stop = step < 0 ? -1 : 0;
    else if (stop >= length) stop = step < 0 ? length - 1 : length;
  }
  let count = 0;
  if (step < 0) count = stop < start ? Math.floor((start - stop - 1) / -step) + 1 : 0;
  else count = start < stop ? Math.floor((stop - start - 1) / step) + 1 : 0;
  return { start, stop, step, count };
}

function sliceItems<T>(items: readonly T[], s: SliceValue): T[] {
  const { start, step, count } = sliceIndices(s, items.length);
  const out: T[] = new Array(count);
  for (let k = 0, i = start; k < count; k++, i += step) out[k] = items[i]!;
  return out;
}

function sequenceIndex(length: number, index: PyValue, what: string): number {
  const i = indexValue(index, `${what} indices`);
  const j = i < 0 ? i + length : i;
  if (j < 0 || j >= length) throw new PyError('IndexError', `${what} index out of range`);
  return j;
}

function keyError(key: PyValue): Error {
  return new RaisedError(newException(exceptionClassNamed('KeyError'), [key]), repr(key));
}

const optionalInt = (v: PyValue, what: string): number | null => (v === null ? null : toInt(v, what));

function sliceOf(s: SliceValue): { start: number | null; stop: number | null; step: number } {
  const step = s.step === null ? 1 : toInt(s.step, 'slice step');
  if (step === 0) throw new PyError('ValueError', 'slice step cannot be zero');
  return { start: optionalInt(s.start, 'slice index'), stop: optionalInt(s.stop, 'slice index'), step };
}

/** A Python list used as an index: an index tensor (int64, or bool when all are bools). */
function listIndex(items: readonly PyValue[]): Tensor {
  const flat = (v: PyValue): PyValue[] => (Array.isArray(v) || v instanceof PyTuple ? seq(v).flatMap(flat) : [v]);
  const values = flat(items as PyValue[]);
  if (!values.every((v) => isNumber(v) || v instanceof Tensor)) {
    throw new PyError('IndexError', 'only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices');
  }
  const allBool = values.length > 0 && values.every((v) => typeof v === 'boolean');
  const nested = (v: PyValue): C.Nested => (Array.isArray(v) || v instanceof PyTuple ? seq(v).map(nested) : toScalar(v as boolean | bigint | number));
  if (values.some((v) => typeof v === 'number')) {
    throw new PyError('IndexError', 'tensors used as indices must be long, byte or bool tensors');
  }
  return C.tensor(nested(items as PyValue[]), { dtype: allBool ? 'bool' : 'int64' });
}

/** numpy's legacy rule PyTorch keeps: a short list holding a sequence, slice, None or `...` is a tuple of indices. */
function treatAsTuple(index: PyValue): boolean {
  if (!Array.isArray(index) || index.length >= 32) return false;
  return index.some((v) => Array.isArray(v) || v instanceof PyTuple || v instanceof Tensor || v instanceof SliceValue || v === null || v === Ellipsis);
}

/** How many dims an index item consumes (PyTorch's count_specified_dimensions). */
function specifiedDims(parts: readonly PyValue[]): number {
  let n = 0;
  for (const p of parts) {
    if (p instanceof Tensor) n += p.dtype === 'bool' ? Math.max(p.shape.length, 0) : 1;
    else if (p !== null && !(p === Ellipsis) && typeof p !== 'boolean') n++;
  }
  return n;
}

interface Indexed {
  /** The basic-indexing result: a view of the tensor. */
  view: Tensor;
  /** Index tensors by dim of `view` (null: the whole dim), or null when there are none. */
  indices: (Tensor | null)[] | null;
}

/**
 * `t[i, a:b, None, ..., idx]`, as PyTorch 1.13's applySlicing: ints select,
 * slices narrow, None unsqueezes, `...` skips dims, and index tensors (and
 * lists, and bools) are recorded by dim for advanced indexing afterwards.
 * Inside a tuple a slice that names the whole dim explicitly (`0:n`) is
 * skipped, while `:` (no stop) and a lone slice index are always recorded.
 */
function applyIndex(t: Tensor, index: PyValue): Indexed {
  // A lone index: PyTorch's fast paths.
  if (!(index instanceof PyTuple) && !treatAsTuple(index)) {
    if (index === null) return { view: F.unsqueeze(t, 0), indices: null };
    if (index === Ellipsis) return { view: F.alias(t), indices: null };
  }
  const inTuple = index instanceof PyTuple || treatAsTuple(index);
  const parts = index instanceof PyTuple ? index.items : treatAsTuple(index) ? (index as PyValue[]) : [index];
  const specified = specifiedDims(parts);
  if (specified > t.shape.length) throw new PyError('IndexError', `too many indices for tensor of dimension ${t.shape.length}`);
  let out = t;
  let dim = 0;
  const indices: (Tensor | null)[] = [];
  const record = (ix: Tensor) => {
    while (indices.length < dim) indices.push(null);
    indices[dim] = ix;
    dim++;
  };
  for (const p of parts) {
    if (p instanceof SliceValue) {
      const s = sliceOf(p);
      if (s.step < 0) throw new PyError('ValueError', 'step must be greater than zero');
      const skipped = inTuple && (s.start ?? 0) === 0 && s.stop === out.shape[dim] && s.step === 1;
      if (!skipped) out = F.slice(out, { dim, ...s });
      dim++;
    } else if (p === null) {
      out = F.unsqueeze(out, dim);
      dim++;
    } else if (p === Ellipsis) {
      dim += t.shape.length - specified;
    } else if (typeof p === 'boolean') {
      out = F.unsqueeze(out, dim);
      record(C.tensor(p ? [{ value: 0, kind: 'int' }] : [], { dtype: 'int64' }));
    } else if (isNumber(p)) {
      out = F.select(out, dim, toInt(p, 'index'));
    } else if (p instanceof Tensor && p.shape.length === 0 && (p.dtype === 'int64' || p.dtype === 'bool')) {
      if (p.dtype === 'int64') out = F.select(out, dim, p.item());
      else {
        out = F.unsqueeze(out, dim);
        record(C.tensor(p.item() ? [{ value: 0, kind: 'int' }] : [], { dtype: 'int64' }));
      }
    } else if (p instanceof Tensor) {
      if (!isFloating(p.dtype)) record(p);
      else throw new PyError('IndexError', 'tensors used as indices must be long, byte or bool tensors');
    } else if (Array.isArray(p) || p instanceof PyTuple) {
      record(listIndex(seq(p)));
    } else {
      throw new PyError('IndexError', `only integers, slices (\`:\`), ellipsis (\`...\`), None and long or byte Variables are valid indices (got ${typeOf(p).name})`);
    }
  }
  return { view: out, indices: indices.length ? indices : null };
}

function tensorIndex(t: Tensor, index: PyValue): Tensor {
  const { view, indices } = applyIndex(t, index);
  return indices ? F.index(view, indices) : view;
}

export function getItem(obj: PyValue, index: PyValue): PyValue {
  if (Array.isArray(obj)) {
    if (index instanceof SliceValue) return sliceItems(obj, index);
    return obj[sequenceIndex(obj.length, index, 'list')]!;
  }
  if (obj instanceof Tensor) return tensorIndex(obj, index);
  if (obj instanceof PyDict) {
    const v = obj.get(index);
    if (v !== undefined) return v;
    if (!typeOf(obj).builtin) {
      const missing = lookupSpecial(obj, '__missing__');
      if (missing !== undefined) return callBound(missing, obj, [index]);
    }
    throw keyError(index);
  }
  if (obj instanceof PyTuple) {
    if (index instanceof SliceValue) {
      const items = sliceItems(obj.items, index);
      return obj instanceof TorchSize ? new TorchSize(items) : new PyTuple(items);
    }
    return obj.items[sequenceIndex(obj.items.length, index, 'tuple')]!;
  }
  if (typeof obj === 'string') {
    const chars = obj.length === [...obj].length ? null : [...obj];
    if (index instanceof SliceValue) {
      if (chars) return sliceItems(chars, index).join('');
      const { start, step, count } = sliceIndices(index, obj.length);
      if (step === 1) return obj.slice(start, start + count);
      let out = '';
      for (let k = 0, i = start; k < count; k++, i += step) out += obj[i];
      return out;
    }
    if (chars) return chars[sequenceIndex(chars.length, index, 'string')]!;
    return obj[sequenceIndex(obj.length, index, 'string')]!;
  }
  if (obj instanceof PyRange) {
    const n = Number(obj.length);
    if (index instanceof SliceValue) {
      const { start, stop, step } = sliceIndices(index, n);
      return new PyRange(obj.at(BigInt(start)), obj.at(BigInt(stop)), obj.step * BigInt(step));
    }
    return obj.at(BigInt(sequenceIndex(n, index, 'range object')));
  }
  if (obj instanceof PyInstance) {
    const f = lookupSpecial(obj, '__getitem__');
    if (f !== undefined) return callBound(f, obj, [index]);
  }
  if (obj instanceof PyClass) {
    const f = obj.lookup('__class_getitem__');
    if (f !== undefined) return callValue(f, [obj, index]);
    if (obj.builtin) throw new UnsupportedError(`generic aliases such as ${obj.name}[...] are not supported`);
    throw typeError(`type '${obj.name}' is not subscriptable`);
  }
  throw typeError(`'${typeOf(obj).name}' object is not subscriptable`);
}

/** `list[a:b] = iterable`, with Python's rules for extended slices. */
function setListSlice(list: PyValue[], s: SliceValue, value: PyValue): void {
  const items = [...iterate(value)];
  const { start, step, count } = sliceIndices(s, list.length);
  if (step === 1) {
    const stop = Math.max(start, start + count);
    if (list.length - count + items.length > MAX_SEQUENCE) throw new LimitError(`a list of more than ${MAX_SEQUENCE} items is longer than dzdx's limit`);
    list.splice(start, stop - start, ...items);
    return;
  }
  if (items.length !== count) {
    throw new PyError('ValueError', `attempt to assign sequence of size ${items.length} to extended slice of size ${count}`);
  }
  for (let k = 0, i = start; k < count; k++, i += step) list[i] = items[k]!;
}

export function setItem(obj: PyValue, index: PyValue, value: PyValue): void {
  if (Array.isArray(obj)) {
    if (index instanceof SliceValue) return setListSlice(obj, index, value);
    const i = indexValue(index, 'list indices');
    const j = i < 0 ? i + obj.length : i;
    if (j < 0 || j >= obj.length) throw new PyError('IndexError', 'list assignment index out of range');
    obj[j] = value;
    return;
  }
  if (obj instanceof PyDict) {
    if (!typeOf(obj).builtin) {
      const f = lookupSpecial(obj, '__setitem__');
      if (f !== undefined && !typeOf(obj).owner('__setitem__')?.builtin) {
        callBound(f, obj, [index, value]);
        return;
      }
    }
    obj.set(index, value);
    return;
  }
  if (obj instanceof Tensor) {
    const { view, indices } = applyIndex(obj, index);
    if (indices) {
      // index_put_: a number becomes a 0-d tensor of the destination's dtype.
      const values = value instanceof Tensor ? value : isNumber(value) ? C.full([], Number(value), { dtype: view.dtype }) : null;
      if (!values) throw new UnsupportedError(`assigning a ${typeOf(value).name} into a tensor is not supported`);
      F.indexPutInPlace(view, F.indexMap(view, indices), values);
      return;
    }
    if (value instanceof Tensor) F.copyInPlace(view, value);
    else if (isNumber(value)) F.fillInPlace(view, Number(value));
    else throw new UnsupportedError(`assigning a ${typeOf(value).name} into a tensor is not supported`);
    return;
  }
  if (obj instanceof PyInstance) {
    const f = lookupSpecial(obj, '__setitem__');
    if (f !== undefined) {
      callBound(f, obj, [index, value]);
      return;
    }
  }
  throw typeError(`'${typeOf(obj).name}' object does not support item assignment`);
}

export function delItem(obj: PyValue, index: PyValue): void {
  if (Array.isArray(obj)) {
    if (index instanceof SliceValue) {
      const { start, step, count } = sliceIndices(index, obj.length);
      const drop = new Set<number>();
      for (let k = 0, i = start; k < count; k++, i += step) drop.add(i);
      const kept = obj.filter((_, i) => !drop.has(i));
      obj.length = 0;
      obj.push(...kept);
      return;
    }
    const i = indexValue(index, 'list indices');
    const j = i < 0 ? i + obj.length : i;
    if (j < 0 || j >= obj.length) throw new PyError('IndexError', 'list assignment index out of range');
    obj.splice(j, 1);
    return;
  }
  if (obj instanceof PyDict) {
    if (!obj.delete(index)) throw keyError(index);
    return;
  }
  if (obj instanceof Tensor) throw typeError('Tensor does not support deleting items');
  if (obj instanceof PyInstance) {
    const f = lookupSpecial(obj, '__delitem__');
    if (f !== undefined) {
      callBound(f, obj, [index]);
      return;
    }
  }
  throw typeError(`'${typeOf(obj).name}' object doesn't support item deletion`);
}
