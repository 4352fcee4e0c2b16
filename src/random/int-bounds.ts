/**
 * The integer side of `random_`/`randint`: ATen's adjustment of the bounds
 * to integers a float dtype holds, its range checks and warnings, and the
 * conversion of the drawn int64s to the target dtype; and how ATen's
 * messages print a double.
 */
import { isFloating, type DType } from '../tensor/dtype.js';
import { runtimeError } from '../tensor/errors.js';

/** int64 draws as numbers (tensors hold int64 in doubles: exact up to 2^53), cast to the target dtype. */
export function intsAs(values: BigInt64Array, dtype: DType): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i] = dtype === 'bool' ? (v !== 0n ? 1 : 0) : dtype === 'float32' ? int64ToFloat32(v) : Number(v);
  }
  return out;
}

/** C++'s int64 -> float conversion: one rounding to nearest even (Math.fround(Number(v)) may round twice). */
export function int64ToFloat32(v: bigint): number {
  const magnitude = v < 0n ? -v : v;
  const bits = magnitude.toString(2).length;
  if (bits <= 53) return Math.fround(Number(v));
  const shift = BigInt(bits - 24);
  let q = magnitude >> shift;
  const rem = magnitude - (q << shift);
  const half = 1n << (shift - 1n);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  const rounded = Number(q) * 2 ** Number(shift);
  return v < 0n ? -rounded : rounded;
}

export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;

/** Float dtypes move random_'s bounds to integers they can hold (ATen's update_from / update_to). */
export function floatDigits(dtype: DType): number {
  return dtype === 'float32' ? 24 : 53;
}
function toFloat(v: bigint, dtype: DType): bigint {
  const d = dtype === 'float32' ? int64ToFloat32(v) : Number(v);
  return d >= 2 ** 63 ? INT64_MIN : BigInt(d); // C++'s out-of-range cast gives INT64_MIN on x86
}
function bitLength(v: bigint): number {
  let n = 0;
  while ((v >>= 1n) > 0n) n++;
  return n;
}
export function updateFrom(from: bigint, dtype: DType): bigint {
  const plus1 = toFloat(from + 1n, dtype);
  if (plus1 < from) return plus1 + (1n << BigInt(bitLength(from + 1n < 0n ? -(from + 1n) : from + 1n) - floatDigits(dtype) + 1));
  return from;
}
export function updateTo(to: bigint, dtype: DType): bigint {
  const minus1 = toFloat(to - 1n, dtype);
  if (minus1 >= to) return minus1 - (1n << BigInt(bitLength(to - 1n < 0n ? -(to - 1n) : to - 1n) - floatDigits(dtype) + 1));
  return to;
}

export function checkInRange(from: bigint, toInc: bigint, dtype: DType, warn?: (m: string) => void): void {
  const name = dtype;
  if (isFloating(dtype)) {
    const digits = floatDigits(dtype);
    const bound = 1n << BigInt(digits);
    for (const [v, what] of [[from, 'from'], [toInc, 'to - 1']] as const) {
      if (v < -bound || v > bound) {
        warn?.(`${what} is out of bounds [-(2^${digits}), 2^${digits}]. Due to precision limitations ${dtype === 'float32' ? 'float' : 'double'} can support discrete uniform distribution only within this range. This warning will become an error in version 1.7 release, please fix the code in advance (Triggered internally at  ./aten/src/ATen/native/DistributionTemplates.h:95.)`);
      }
    }
    return;
  }
  const [min, max] = dtype === 'bool' ? [0n, 1n] : dtype === 'uint8' ? [0n, 255n] : [INT64_MIN, INT64_MAX];
  if (from < min || from > max) throw runtimeError(`from is out of bounds for ${name}`);
  if (toInc < min || toInc > max) throw runtimeError(`to - 1 is out of bounds for ${name}`);
}

/** A double as C++'s ostream prints it in ATen's messages (like printf's %g: 6 significant digits). */
export function num(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(6)))));
  if (exp < -4 || exp >= 6) {
    const [mantissa, e] = v.toExponential(5).split('e');
    const m = mantissa!.includes('.') ? mantissa!.replace(/0+$/, '').replace(/\.$/, '') : mantissa!;
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const fixed = v.toFixed(Math.max(0, 5 - exp));
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}
