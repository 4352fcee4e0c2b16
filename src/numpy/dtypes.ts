/**
 * numpy's dtypes as dzdx stores them (a subset of the tensor storage's
 * dtypes: float64, float32, int64, bool) and numpy 1.24's promotion rules,
 * value-based casting for scalars included: a Python scalar, a numpy
 * scalar or a 0-d array only changes an array's dtype when it is of a
 * higher kind (bool < int < float), or a float too large for float32.
 */
import type { DType } from '../tensor/dtype.js';

export type NpDType = 'float64' | 'float32' | 'int64' | 'bool';

export const NP_DTYPES: readonly NpDType[] = ['float64', 'float32', 'int64', 'bool'];

export function kindOf(dtype: NpDType): number {
  return dtype === 'bool' ? 0 : dtype === 'int64' ? 1 : 2;
}

export function isFloatType(dtype: NpDType): boolean {
  return dtype === 'float64' || dtype === 'float32';
}

/** numpy's promote_types over our dtypes. */
export function promote(a: NpDType, b: NpDType): NpDType {
  if (a === b) return a;
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka !== kb) {
    // int64 with float32 needs float64 to hold every int64 value
    const hi = ka > kb ? a : b;
    const lo = ka > kb ? b : a;
    return hi === 'float32' && lo === 'int64' ? 'float64' : hi;
  }
  return 'float64';
}

/** One operand of a numpy operation, as promotion sees it. */
export interface Operand {
  dtype: NpDType;
  /** A Python scalar, a numpy scalar or a 0-d array (value-based casting applies). */
  scalar: boolean;
  /** The value, for a float scalar (decides whether float32 can hold it). */
  value?: number;
}

const FLOAT32_MAX = 3.4028234663852886e38;

/** numpy 1.24's result_type over arrays and scalars. */
export function resultType(operands: readonly Operand[]): NpDType {
  const arrays = operands.filter((o) => !o.scalar);
  if (arrays.length === 0 || arrays.length === operands.length) return operands.map((o) => o.dtype).reduce(promote);
  const scalars = operands.filter((o) => o.scalar);
  const arrayType = arrays.map((o) => o.dtype).reduce(promote);
  const scalarKind = Math.max(...scalars.map((o) => kindOf(o.dtype)));
  if (scalarKind > kindOf(arrayType)) return scalars.map((o) => o.dtype).reduce(promote, arrayType);
  if (arrayType === 'float32' && scalars.some((o) => o.value !== undefined && Number.isFinite(o.value) && Math.abs(o.value) > FLOAT32_MAX)) return 'float64';
  return arrayType;
}

/** The storage dtype (the tensor side names them alike). */
export function storageType(dtype: NpDType): DType {
  return dtype as DType;
}

/** Store a value as the dtype holds it. */
export function castTo(dtype: NpDType, v: number): number {
  if (dtype === 'bool') return v !== 0 ? 1 : 0;
  if (dtype === 'int64') return Number.isFinite(v) ? Math.trunc(v) + 0 : -9223372036854775808;
  if (dtype === 'float32') return Math.fround(v);
  return v;
}
