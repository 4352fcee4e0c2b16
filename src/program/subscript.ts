/** `obj[index]` and `obj[index] = value` for sequences and tensors. */
import { Tensor } from '../autograd/tensor.js';
import { PyError } from '../tensor/errors.js';
import { resolveSlice } from '../tensor/shape.js';
import * as F from '../ops/functional.js';
import * as C from '../ops/creation.js';
import { isFloating } from '../tensor/dtype.js';
import { seq, toInt, toScalar } from './args.js';
import { isNumber, PyEllipsis, PyTuple, SliceValue, TorchSize, type PyValue, typeName } from './values.js';

const optionalInt = (v: PyValue, what: string): number | null => (v === null ? null : toInt(v, what));

function sliceOf(s: SliceValue): { start: number | null; stop: number | null; step: number } {
  const step = s.step === null ? 1 : toInt(s.step, 'slice step');
  if (step === 0) throw new PyError('ValueError', 'slice step cannot be zero');
  return { start: optionalInt(s.start, 'slice index'), stop: optionalInt(s.stop, 'slice index'), step };
}

function sequenceItem<T>(items: readonly T[], index: PyValue, what: string): T | T[] {
  if (index instanceof SliceValue) {
    const { start, stop, step } = sliceOf(index);
    if (step < 0) throw new PyError('ValueError', 'dzdx: negative slice steps are not supported');
    const [s, e] = resolveSlice(items.length, start, stop);
    const out: T[] = [];
    for (let i = s; i < e; i += step) out.push(items[i]!);
    return out;
  }
  const i = toInt(index, `${what} indices`);
  const j = i < 0 ? i + items.length : i;
  if (j < 0 || j >= items.length) throw new PyError('IndexError', `${what} index out of range`);
  return items[j]!;
}

/** A Python list used as an index: an index tensor (int64, or bool when all are bools). */
function listIndex(items: readonly PyValue[]): Tensor {
  const flat = (v: PyValue): PyValue[] => (Array.isArray(v) || v instanceof PyTuple ? seq(v).flatMap(flat) : [v]);
  const values = flat(items);
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
  return index.some((v) => Array.isArray(v) || v instanceof PyTuple || v instanceof Tensor || v instanceof SliceValue || v === null || v instanceof PyEllipsis);
}

/** How many dims an index item consumes (PyTorch's count_specified_dimensions). */
function specifiedDims(parts: readonly PyValue[]): number {
  let n = 0;
  for (const p of parts) {
    if (p instanceof Tensor) n += p.dtype === 'bool' ? Math.max(p.shape.length, 0) : 1;
    else if (p !== null && !(p instanceof PyEllipsis) && typeof p !== 'boolean') n++;
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
    if (index instanceof PyEllipsis) return { view: F.alias(t), indices: null };
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
    } else if (p instanceof PyEllipsis) {
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
      throw new PyError('IndexError', `only integers, slices (\`:\`), ellipsis (\`...\`), None and long or byte Variables are valid indices (got ${typeName(p)})`);
    }
  }
  return { view: out, indices: indices.length ? indices : null };
}

function tensorIndex(t: Tensor, index: PyValue): Tensor {
  const { view, indices } = applyIndex(t, index);
  return indices ? F.index(view, indices) : view;
}

export function getItem(obj: PyValue, index: PyValue): PyValue {
  if (obj instanceof Tensor) return tensorIndex(obj, index);
  if (Array.isArray(obj)) return sequenceItem(obj, index, 'list');
  if (obj instanceof PyTuple) {
    const r = sequenceItem(obj.items, index, 'tuple');
    return index instanceof SliceValue ? (obj instanceof TorchSize ? new TorchSize(r as PyValue[]) : new PyTuple(r as PyValue[])) : (r as PyValue);
  }
  if (typeof obj === 'string') {
    const r = sequenceItem([...obj], index, 'string');
    return Array.isArray(r) ? r.join('') : r;
  }
  throw new PyError('TypeError', `'${typeName(obj)}' object is not subscriptable`);
}

export function setItem(obj: PyValue, index: PyValue, value: PyValue): void {
  if (obj instanceof Tensor) {
    const { view, indices } = applyIndex(obj, index);
    if (indices) {
      // index_put_: a number becomes a 0-d tensor of the destination's dtype.
      const values = value instanceof Tensor ? value : isNumber(value) ? C.full([], Number(value), { dtype: view.dtype }) : null;
      if (!values) throw new PyError('TypeError', `can't assign a ${typeName(value)} to a tensor`);
      F.indexPutInPlace(view, F.indexMap(view, indices), values);
      return;
    }
    if (value instanceof Tensor) F.copyInPlace(view, value);
    else if (isNumber(value)) F.fillInPlace(view, Number(value));
    else throw new PyError('TypeError', `can't assign a ${typeName(value)} to a tensor`);
    return;
  }
  if (Array.isArray(obj)) {
    const i = toInt(index, 'list indices');
    const j = i < 0 ? i + obj.length : i;
    if (j < 0 || j >= obj.length) throw new PyError('IndexError', 'list assignment index out of range');
    obj[j] = value;
    return;
  }
  throw new PyError('TypeError', `'${typeName(obj)}' object does not support item assignment`);
}
