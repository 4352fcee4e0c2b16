/**
 * Exact decimal formatting of doubles, the way CPython's `'{:.Nf}'` and
 * `'{:.Ne}'` do it: the decimal expansion of the exact binary value is rounded
 * half to even. JS `toFixed`/`toExponential` are not usable for this: they
 * round ties away from zero and `toFixed` refuses more than 100 digits (and
 * switches to exponent notation at 1e21).
 *
 * Every finite double is m * 2^e with integer m, so all arithmetic here is
 * done on BigInt fractions num/den and is exact.
 */

const view = new DataView(new ArrayBuffer(8));

/** |x| = num / den exactly, for finite x. */
function exactFraction(x: number): { num: bigint; den: bigint } {
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp = -1074; // subnormals have no implicit bit and the minimum exponent
  if (biased !== 0) {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  return exp >= 0 ? { num: mant << BigInt(exp), den: 1n } : { num: mant, den: 1n << BigInt(-exp) };
}

const pow10Cache: bigint[] = [];
export function pow10(k: number): bigint {
  let p = pow10Cache[k];
  if (p === undefined) {
    p = 10n ** BigInt(k);
    if (k < 400) pow10Cache[k] = p;
  }
  return p;
}

/** num/den rounded to an integer, ties to even. */
function divRoundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const twiceRem = 2n * (num - q * den);
  if (twiceRem > den || (twiceRem === den && (q & 1n) === 1n)) return q + 1n;
  return q;
}

/** |x| * 10^scale rounded half to even, for finite x; scale may be negative. */
export function scaledRound(x: number, scale: number): bigint {
  const { num, den } = exactFraction(x);
  return scale >= 0 ? divRoundHalfEven(num * pow10(scale), den) : divRoundHalfEven(num, den * pow10(-scale));
}

/** Python's sign rule for formatted floats: -0.0 keeps its minus sign. */
export function isNegative(x: number): boolean {
  return x < 0 || Object.is(x, -0);
}

/**
 * The digits of |x| with `digits` places after the point, no sign, e.g.
 * (0.03125, 4) -> "0.0312". Finite x only.
 */
export function fixedDigits(x: number, digits: number): string {
  const s = scaledRound(x, digits).toString().padStart(digits + 1, '0');
  return digits === 0 ? s : `${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}`;
}

/**
 * |x| rounded to `digits + 1` significant digits: the digit string (exactly
 * digits + 1 long) and the decimal exponent of the first digit. Zero gives
 * zeros and exponent 0, as in Python. Finite x only.
 */
export function significantDigits(x: number, digits: number): { digits: string; exp: number } {
  if (x === 0) return { digits: '0'.repeat(digits + 1), exp: 0 };
  const { num, den } = exactFraction(x);
  // Math.log10 can be off by one near powers of ten; settle it exactly.
  let exp = Math.floor(Math.log10(Math.abs(x)));
  const atLeastPow10 = (k: number): boolean => (k >= 0 ? num >= den * pow10(k) : num * pow10(-k) >= den);
  while (!atLeastPow10(exp)) exp--;
  while (atLeastPow10(exp + 1)) exp++;
  let n = scaledRound(x, digits - exp);
  if (n === pow10(digits + 1)) {
    // rounding carried into a new leading digit (9.99995 -> 10.000)
    n = pow10(digits);
    exp++;
  }
  return { digits: n.toString(), exp };
}

/** Python's exponent suffix: sign always, at least two digits (`e-05`, `e+100`). */
export function exponentSuffix(exp: number, letter = 'e'): string {
  const a = Math.abs(exp);
  return `${letter}${exp < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
}

function nonFinite(x: number): string {
  return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
}

/** Python's `'{:.{digits}f}'.format(x)`: `-0.0000`, `nan`, `inf`, ties to even. */
export function toFixedExact(x: number, digits: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  return (isNegative(x) ? '-' : '') + fixedDigits(x, digits);
}

/** Python's `'{:.{digits}e}'.format(x)`: `1.0000e-05`, ties to even. */
export function toExponentialExact(x: number, digits: number): string {
  if (!Number.isFinite(x)) return nonFinite(x);
  const { digits: d, exp } = significantDigits(x, digits);
  const mantissa = digits === 0 ? d : `${d[0]}.${d.slice(1)}`;
  return (isNegative(x) ? '-' : '') + mantissa + exponentSuffix(exp);
}
