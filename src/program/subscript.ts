/** `obj[index]` and `obj[index] = value` for sequences and tensors. */
import { Tensor } from '../autograd/tensor.js';
import { PyError } from '../tensor/errors.js';
import { resolveSlice } from '../tensor/shape.js';
import * as F from '../ops/functional.js';
import { toInt } from './args.js';
import { isNumber, PyTuple, SliceValue, TorchSize, type PyValue, typeName } from './values.js';

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

/**
 * `t[i, a:b, …]`: ints select, slices narrow. As PyTorch 1.13, inside a
 * tuple index a slice that names the whole dim explicitly (`0:n`) is
 * skipped, while `:` (no stop) and a lone slice index are always recorded.
 */
function tensorIndex(t: Tensor, index: PyValue): Tensor {
  const inTuple = index instanceof PyTuple;
  const parts = index instanceof PyTuple ? index.items : [index];
  const used = parts.length;
  if (used > t.shape.length) {
    throw new PyError('IndexError', `too many indices for tensor of dimension ${t.shape.length}`);
  }
  let out = t;
  let dim = 0;
  for (const p of parts) {
    if (p instanceof SliceValue) {
      const s = sliceOf(p);
      if (s.step < 0) throw new PyError('ValueError', 'step must be greater than zero');
      const skipped = inTuple && (s.start ?? 0) === 0 && s.stop === out.shape[dim] && s.step === 1;
      if (!skipped) out = F.slice(out, { dim, ...s });
      dim++;
    } else if (isNumber(p) || (p instanceof Tensor && p.numel === 1 && p.dtype === 'int64')) {
      out = F.select(out, dim, toInt(p, 'index'));
    } else {
      throw new PyError('IndexError', `dzdx: indexing a tensor with ${typeName(p)} is not supported (ints and slices are)`);
    }
  }
  return out;
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
    const view = tensorIndex(obj, index);
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
