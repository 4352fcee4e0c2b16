/**
 * The float32 log and sincos that PyTorch's AVX2 normal kernel uses
 * (avx_mathfun.h: Cephes polynomials, ported to AVX by Garberoglio after
 * Pommier's SSE version), one lane at a time. Every operation rounds to
 * float32 as the vector instructions do, and where GCC (with -mfma and its
 * default -ffp-contract=fast) fuses a multiply into the add that consumes
 * it, the lane does a float32 fused multiply-add.
 */
const fr = Math.fround;
const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** a * b + c rounded once to float32 (a, b, c float32). */
export function fma32(a: number, b: number, c: number): number {
  // The product of two floats is exact in a double, and so is the error of
  // adding c to it. Rounding that double sum to float32 is then right
  // unless it falls exactly halfway between two floats, where the error
  // decides the side.
  const p = a * b;
  const s = p + c;
  const r = fr(s);
  const half = s - r;
  if (half === 0 || !Number.isFinite(s)) return r;
  const other = r + 2 * half;
  if (fr(other) !== other) return r; // s was not halfway
  const bv = s - p;
  const err = (p - (s - bv)) + (c - bv);
  if (err === 0) return r;
  return err > 0 === other > r ? other : r;
}

const MIN_NORM_POS = 1.1754943508222875e-38;
const SQRTHF = fr(0.707106781186547524);
const LOG_P = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
  2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
].map(fr);
const LOG_Q1 = fr(-2.1219444e-4);
const LOG_Q2 = fr(0.693359375);

/** log256_ps for one lane. */
export function logf(value: number): number {
  const invalid = !(value > 0);
  let x = Math.max(fr(value), MIN_NORM_POS);
  f32[0] = x;
  const exponent = (i32[0]! >>> 23) - 0x7f;
  i32[0] = (i32[0]! & ~0x7f800000) | 0x3f000000; // mantissa in [0.5, 1)
  x = f32[0];
  let e = fr(exponent + 1);
  const below = x < SQRTHF;
  const tmp = below ? x : 0;
  x = fr(x - 1);
  e = fr(e - (below ? 1 : 0));
  x = fr(x + tmp);
  const z = fr(x * x);
  let y = LOG_P[0]!;
  for (let k = 1; k < LOG_P.length; k++) y = fma32(y, x, LOG_P[k]!);
  y = fr(y * x);
  y = fma32(y, z, fr(e * LOG_Q1));
  y = fma32(-z, 0.5, y);
  x = fma32(e, LOG_Q2, fr(x + y));
  return invalid ? NaN : x;
}

const FOPI = fr(1.27323954473516);
const DP1 = fr(-0.78515625);
const DP2 = fr(-2.4187564849853515625e-4);
const DP3 = fr(-3.77489497744594108e-8);
const SIN_P = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1].map(fr);
const COS_P = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2].map(fr);

/** sincos256_ps for one lane: [sin x, cos x]. */
export function sincosf(value: number): [number, number] {
  const negative = value < 0 || Object.is(value, -0);
  let x = Math.abs(fr(value));
  let j = Math.trunc(fr(x * FOPI));
  j = (j + 1) & ~1;
  const y = j;
  const swapSin = (j & 4) !== 0;
  const firstPoly = (j & 2) === 0;
  x = fma32(y, DP1, x);
  x = fma32(y, DP2, x);
  x = fma32(y, DP3, x);
  const negCos = ((~(j - 2)) & 4) !== 0;
  const negSin = negative !== swapSin;
  const z = fr(x * x);
  // cos polynomial on [0, pi/4]
  let c = fma32(fma32(COS_P[0]!, z, COS_P[1]!), z, COS_P[2]!);
  c = fr(c * z);
  c = fma32(c, z, -fr(z * 0.5));
  c = fr(c + 1);
  // sin polynomial on [0, pi/4]
  let s = fma32(fma32(SIN_P[0]!, z, SIN_P[1]!), z, SIN_P[2]!);
  s = fr(s * z);
  s = fma32(s, x, x);
  const sinPart2 = firstPoly ? s : 0;
  const sinPart1 = firstPoly ? 0 : c;
  const cosPart2 = fr(s - sinPart2);
  const cosPart1 = fr(c - sinPart1);
  const sinValue = fr(sinPart1 + sinPart2);
  const cosValue = fr(cosPart1 + cosPart2);
  return [negSin ? -sinValue : sinValue, negCos ? -cosValue : cosValue];
}

