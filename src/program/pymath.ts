/**
 * Float arithmetic with CPython's special cases and errors: `x ** y`
 * (float_pow) and the C library functions Python's math module calls.
 */
import { PyError } from '../tensor/errors.js';
import { UnsupportedError } from './errors.js';
import { libm } from './libm.js';

const isOddInteger = (x: number) => Number.isInteger(x) && Math.abs(x % 2) === 1;

/** Python's float `x ** y`. */
export function pyPow(x: number, y: number): number {
  if (y === 0) return 1;
  if (Number.isNaN(x)) return x;
  if (Number.isNaN(y)) return x === 1 ? 1 : y;
  if (!Number.isFinite(y)) {
    const ax = Math.abs(x);
    if (ax === 1) return 1;
    return y > 0 === ax > 1 ? Math.abs(y) : 0;
  }
  if (!Number.isFinite(x)) {
    const odd = isOddInteger(y);
    if (y > 0) return odd ? x : Math.abs(x);
    return odd ? (x < 0 ? -0 : 0) : 0;
  }
  if (x === 0) {
    if (y < 0) throw new PyError('ZeroDivisionError', '0.0 cannot be raised to a negative power');
    return isOddInteger(y) ? x : 0;
  }
  let negate = false;
  if (x < 0) {
    if (!Number.isInteger(y)) throw new UnsupportedError('complex numbers are not supported (a negative number to a fractional power)');
    x = -x;
    negate = isOddInteger(y);
  }
  if (x === 1) return negate ? -1 : 1;
  const r = libm.pow(x, y);
  if (!Number.isFinite(r)) throw new PyError('OverflowError', "(34, 'Numerical result out of range')");
  return negate ? -r : r;
}
