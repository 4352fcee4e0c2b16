/**
 * Binding Python call arguments to named parameters, and converting
 * argument values to what the ops take (ints, shapes, dtypes, scalars).
 */
import { Tensor } from '../autograd/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { PyError } from '../tensor/errors.js';
import type { Scalar } from '../ops/registry.js';
import { PyDType, PyTuple, type CallArgs, type PyValue, typeName } from './values.js';

/** Parameters of a builtin: `name`, `name=` (optional, defaults to undefined), `*name` (collects the rest). */
export function bind(fnName: string, call: CallArgs, params: readonly string[]): Record<string, PyValue | undefined> {
  const out: Record<string, PyValue | undefined> = {};
  const names = params.map((p) => p.replace(/^\*/, '').replace(/=$/, ''));
  let i = 0;
  for (const [k, p] of params.entries()) {
    if (p.startsWith('*')) {
      out[names[k]!] = call.args.slice(i) as PyValue[];
      i = call.args.length;
      continue;
    }
    if (i < call.args.length) out[names[k]!] = call.args[i++];
  }
  if (i < call.args.length) {
    throw new PyError('TypeError', `${fnName}() takes ${i} positional argument${i === 1 ? '' : 's'} but ${call.args.length} were given`);
  }
  for (const [key, value] of call.kwargs) {
    const k = names.indexOf(key);
    if (k < 0 || params[k]!.startsWith('*')) {
      throw new PyError('TypeError', `${fnName}() got an unexpected keyword argument '${key}'`);
    }
    if (out[key] !== undefined) throw new PyError('TypeError', `${fnName}() got multiple values for argument '${key}'`);
    out[key] = value;
  }
  params.forEach((p, k) => {
    if (!p.endsWith('=') && !p.startsWith('*') && out[names[k]!] === undefined) {
      throw new PyError('TypeError', `${fnName}() missing required argument '${names[k]}'`);
    }
  });
  return out;
}

export function isIntLike(v: PyValue | undefined): v is bigint | boolean {
  return typeof v === 'bigint' || typeof v === 'boolean';
}

export function toInt(v: PyValue | undefined, what: string): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Tensor && v.numel === 1 && (v.dtype === 'int64' || v.dtype === 'uint8' || v.dtype === 'bool')) return v.item();
  throw new PyError('TypeError', `${what} must be int, not ${typeName(v ?? null)}`);
}

export function toNumber(v: PyValue | undefined, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Tensor && v.numel === 1) return v.item();
  throw new PyError('TypeError', `${what} must be a number, not ${typeName(v ?? null)}`);
}

/** A Python number as an op operand, remembering whether it was an int (for promotion). */
export function toScalar(v: boolean | bigint | number): Scalar {
  if (typeof v === 'number') return { value: v, kind: 'float' };
  if (typeof v === 'bigint') return { value: Number(v), kind: 'int' };
  return { value: v ? 1 : 0, kind: 'bool' };
}

/** Sizes given as `f(2, 3)`, `f((2, 3))` or `f([2, 3])`. */
export function toShape(values: readonly PyValue[], what: string): number[] {
  const list = values.length === 1 && (Array.isArray(values[0]) || values[0] instanceof PyTuple) ? seq(values[0]!) : values;
  return list.map((v) => toInt(v, what));
}

export function seq(v: PyValue): PyValue[] {
  if (Array.isArray(v)) return v;
  if (v instanceof PyTuple) return v.items;
  throw new PyError('TypeError', `'${typeName(v)}' object is not iterable`);
}

/** Dims given as an int, a tuple or list of ints, or None. */
export function toDims(v: PyValue | undefined): number[] | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v) || v instanceof PyTuple) return seq(v).map((d) => toInt(d, 'dim'));
  return [toInt(v, 'dim')];
}

export function toDType(v: PyValue | undefined): DType | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof PyDType) return v.dtype;
  throw new PyError('TypeError', `dtype must be torch.dtype, not ${typeName(v)}`);
}

export function toBool(v: PyValue | undefined, fallback: boolean): boolean {
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  throw new PyError('TypeError', `expected a bool, not ${typeName(v)}`);
}

export function toTensorArg(v: PyValue | undefined, what: string): Tensor {
  if (v instanceof Tensor) return v;
  throw new PyError('TypeError', `${what} must be Tensor, not ${typeName(v ?? null)}`);
}
