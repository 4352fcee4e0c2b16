/** `obj[index]`, `obj[index] = value` and `del obj[index]` for sequences, dicts, tensors and script classes. */
import { Tensor } from '../autograd/tensor.js';
import { LimitError, PyError } from '../tensor/errors.js';
import * as F from '../ops/functional.js';
import { toInt } from './args.js';
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

/**
 * `t[i, a:b, …]`: ints select, slices narrow. As PyTorch 1.13, inside a
 * tuple index a slice that names the whole dim explicitly (`0:n`) is
 * skipped, while `:` (no stop) and a lone slice index are always recorded.
 * Tensor, mask, None and `...` indices are outside the subset (for now).
 */
function tensorIndex(t: Tensor, index: PyValue): Tensor {
  const inTuple = index instanceof PyTuple;
  const parts = index instanceof PyTuple ? index.items : [index];
  for (const p of parts) {
    if (!(p instanceof SliceValue) && !isNumber(p) && !(p instanceof Tensor && p.numel === 1 && p.shape.length === 0 && p.dtype === 'int64')) {
      const what = p === null ? 'None' : p === Ellipsis ? '...' : p instanceof Tensor ? (p.dtype === 'bool' ? 'a boolean mask' : 'a tensor') : `a ${typeOf(p).name}`;
      throw new UnsupportedError(`indexing a tensor with ${what} is not supported (ints and slices are)`);
    }
    if (typeof p === 'number') throw new PyError('IndexError', 'only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got float)');
  }
  if (parts.length > t.shape.length) {
    throw new PyError('IndexError', `too many indices for tensor of dimension ${t.shape.length}`);
  }
  let out = t;
  let dim = 0;
  for (const p of parts) {
    if (p instanceof SliceValue) {
      const stepValue = p.step === null ? 1 : toInt(p.step, 'slice step');
      if (stepValue <= 0) {
        throw new PyError(stepValue === 0 ? 'ValueError' : 'ValueError', stepValue === 0 ? 'slice step cannot be zero' : 'step must be greater than zero');
      }
      const start = p.start === null ? null : toInt(p.start, 'slice index');
      const stop = p.stop === null ? null : toInt(p.stop, 'slice index');
      const skipped = inTuple && (start ?? 0) === 0 && stop === out.shape[dim] && stepValue === 1;
      if (!skipped) out = F.slice(out, { dim, start, stop, step: stepValue });
      dim++;
    } else {
      out = F.select(out, dim, toInt(p, 'index'));
    }
  }
  return out;
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
    const view = tensorIndex(obj, index);
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
