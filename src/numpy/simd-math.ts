/**
 * numpy 1.24's own vectorised exp and log, as it runs them on an AVX-512
 * CPU such as the reference machine's (its loops_exponent_log dispatch):
 * float32 exp and log by rational minimax approximations after a
 * Cody-Waite reduction, each step rounded as the vector instruction
 * rounds it (fused multiply-adds included). Written from the published
 * algorithm and constants. numpy's float64 exp, log, sin, cos and tanh
 * on such a CPU come from Intel's SVML and are not reproduced: dzdx
 * computes them as glibc does (src/program/libm.ts).
 */
import { fmaf } from '../tensor/numerics/bits.js';

const f = Math.fround;

const C1 = f(-6.93145752e-1);
const C2 = f(-1.42860677e-6);
const EP = [9.999999999980870924916e-1, 7.257664613233124478488e-1, 2.473615434895520810817e-1, 5.114512081637298353406e-2, 6.757896990527504603057e-3, 5.082762527590693718096e-4].map(f);
const EQ = [1, -2.742335390411667452936e-1, 2.159509375685829852307e-2].map(f);
const LOG2E_F = f(1.442695040888963407359924681001892137);
const MAGIC_F = 0xc00000; // 0x1.8p23
const XMAX_F = 88.72283935546875;
const XMIN_F = -103.97208404541015625;

/** numpy's float32 exp on AVX-512 (float32 argument and result). */
export function numpyExpf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= XMAX_F) return Infinity;
  if (x <= XMIN_F) return 0;
  let quadrant = f(x * LOG2E_F);
  quadrant = f(f(quadrant + MAGIC_F) - MAGIC_F);
  let y = fmaf(quadrant, C1, x);
  y = fmaf(quadrant, C2, y);
  let num = fmaf(EP[5]!, y, EP[4]!);
  for (let k = 3; k >= 0; k--) num = fmaf(num, y, EP[k]!);
  let den = fmaf(EQ[2]!, y, EQ[1]!);
  den = fmaf(den, y, EQ[0]!);
  const poly = f(num / den);
  return f(poly * 2 ** quadrant);
}

const LP = [0, 9.999999999999998702752e-1, 2.112677543073053063722e0, 1.480000633576506585156e0, 3.808837741388407920751e-1, 2.589979117907922693523e-2].map(f);
const LQ = [1, 2.612677543073109236779e0, 2.453006071784736363091e0, 9.864942958519418960339e-1, 1.546476374983906719538e-1, 5.875095403124574342950e-3].map(f);
const LOGE2_F = f(0.693147180559945309417232121458176568);
const SQRT1_2_F = f(0.707106781186547524400844362104849039);

/** numpy's float32 log on AVX-512. */
export function numpyLogf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  // getexp/getmant: x = m * 2^e with m in [0.5, 1)
  let e = Math.floor(Math.log2(x));
  let m = x / 2 ** e;
  while (m >= 2) { m /= 2; e++; }
  while (m < 1) { m *= 2; e--; }
  let exponent = e + 1;
  let y = m / 2;
  if (y <= SQRT1_2_F) {
    y = y + y;
    exponent -= 1;
  }
  y = f(y - 1);
  let num = fmaf(LP[5]!, y, LP[4]!);
  for (let k = 3; k >= 0; k--) num = fmaf(num, y, LP[k]!);
  let den = fmaf(LQ[5]!, y, LQ[4]!);
  for (let k = 3; k >= 0; k--) den = fmaf(den, y, LQ[k]!);
  const poly = f(num / den);
  return fmaf(exponent, LOGE2_F, poly);
}

/** The float `0x1.<frac>p<exp>` written in C as a hexadecimal literal. */
function hex(frac: string, exp: number, sign = 1): number {
  return f((sign * parseInt(`1${frac}`, 16)) / 16 ** frac.length * 2 ** exp);
}

const TWO_OVER_PI = hex('45f306', -1);
const PIO2_HIGH = hex('921fb0', 0, -1);
const PIO2_MED = hex('5110b4', -22, -1);
const PIO2_LOW = hex('846988', -48, -1);
const COS_POLY = [hex('98e616', -16), hex('6c06dc', -10, -1), hex('55553c', -5), -0.5, 1];
const SIN_POLY = [hex('7d3bbc', -19), hex('a06bba', -13, -1), hex('11119a', -7), hex('555556', -3, -1)];

/**
 * numpy's float32 sin and cos (loops_trigonometric): Cody-Waite reduction
 * by pi/2 in three float32 parts, polynomials on [-pi/4, pi/4] chosen by
 * the quadrant; beyond the reduction's range, the C library's sinf/cosf.
 */
export function numpySinCosf(x: number, cos: boolean, libc: (x: number) => number): number {
  if (Number.isNaN(x)) return NaN;
  if (!(Math.abs(x) <= (cos ? 71476.0625 : 117435.992))) return f(libc(x));
  let quadrant = f(x * TWO_OVER_PI);
  quadrant = f(f(quadrant + MAGIC_F) - MAGIC_F);
  let r = fmaf(quadrant, PIO2_HIGH, x);
  r = fmaf(quadrant, PIO2_MED, r);
  r = fmaf(quadrant, PIO2_LOW, r);
  const r2 = f(r * r);
  let c = fmaf(COS_POLY[0]!, r2, COS_POLY[1]!);
  for (let k = 2; k < 5; k++) c = fmaf(c, r2, COS_POLY[k]!);
  let s = fmaf(SIN_POLY[0]!, r2, SIN_POLY[1]!);
  for (let k = 2; k < 4; k++) s = fmaf(s, r2, SIN_POLY[k]!);
  s = f(s * r2);
  s = fmaf(s, r, r);
  const q = quadrant + (cos ? 1 : 0);
  let out = (q & 1) === 0 ? s : c;
  if ((q & 2) === 2) out = 0 - out;
  return out;
}
