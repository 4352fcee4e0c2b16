/**
 * float32 elementary functions computed as PyTorch 1.13's AVX2 kernels
 * compute them: SLEEF 3.5's `Sleef_*f8_u10` vector functions (the AVX2
 * build, with fused multiply-adds), one lane at a time. Each step rounds
 * to float32 as the vector instruction does. Written from the algorithms
 * in SLEEF's sleefsimdsp.c (Boost licence); constants are SLEEF's.
 * sin, cos and tan are in sleefTrigFloat32.ts.
 */
import { bitsFloat, floatBits, fmaf, fround as f, pow2, rint, rintToInt32, truncToInt32 } from './bits.js';
import {
  type DF,
  df,
  dfAdd2DD,
  dfAdd2DF,
  dfAdd2FD,
  dfAdd2FF,
  dfAddDD,
  dfAddDF,
  dfAddFD,
  dfAddFF,
  dfConst,
  dfDiv,
  dfMulDD,
  dfMulDF,
  dfMulFF,
  dfNeg,
  dfNormalize,
  dfRec,
  dfScale,
  dfSqu,
} from './doublefloat.js';
import { WASM_MIN_ELEMENTS, wasmUnary } from './sleefWasm.js';

const INF = Infinity;
const FLT_MIN = 1.1754943508222875e-38;
const R_LN2 = f(1.442695040888963407359924681001892137426645954152985934135449406931);
const L2U = f(0.693145751953125);
const L2L = f(1.428606765330187045e-6);
const LN2_HI = f(0.69314718246459960938);
const LN2_LO = f(-1.904654323148236017e-9);
const TWO64 = f(18446744073709551616);
const C = (x: number) => f(x);

// ---- integer and exponent helpers (SLEEF's vpow2i, vldexp*, vilogb2k) ----

/** 2^q from the exponent bits (garbage outside [-126, 127], as SLEEF's; callers mask those lanes). */
function pow2i(q: number): number {
  if (q >= -126 && q <= 127) return pow2(q);
  return bitsFloat(((q + 0x7f) << 23) | 0);
}

function ldexp2(d: number, e: number): number {
  return f(f(d * pow2i(e >> 1)) * pow2i(e - (e >> 1)));
}

export function ldexp3(d: number, q: number): number {
  return bitsFloat((floatBits(d) + (q << 23)) | 0);
}

function ldexp(x: number, q: number): number {
  let m = q >> 31;
  m = ((((m + q) | 0) >> 6) - m) << 4;
  q = (q - (m << 2)) | 0;
  m = (m + 0x7f) | 0;
  if (!(m > 0)) m = 0;
  if (m > 0xff) m = 0xff;
  let u = bitsFloat(m << 23);
  x = f(f(f(f(x * u) * u) * u) * u);
  u = bitsFloat(((q + 0x7f) << 23) | 0);
  return f(x * u);
}

export function ilogb2k(d: number): number {
  return ((floatBits(d) >>> 23) & 0xff) - 0x7f;
}

export const isNegZero = (d: number) => d === 0 && 1 / d < 0;
export const mulsign = (x: number, y: number) => (floatBits(y) < 0 ? -x : x);

// ---- exp, log ----

// exp runs over arrays in two stages, as sin and cos do (sleefTrigFloat32.ts
// says why); expf is one lane of it.
const BLOCK = 256;
const expQ = new Int32Array(BLOCK);
const expS = new Float64Array(BLOCK);
const expU = new Float64Array(BLOCK);
const EXP_C0 = C(0.000198527617612853646278381);
const EXP_C1 = C(0.00139304355252534151077271);
const EXP_C2 = C(0.00833336077630519866943359);
const EXP_C3 = C(0.0416664853692054748535156);
const EXP_C4 = C(0.166666671633720397949219);

/** d = q·ln 2 + s, and the first steps of the polynomial in s. */
function expReduce(xs: ArrayLike<number>, start: number, m: number): void {
  for (let j = 0; j < m; j++) {
    const d = xs[start + j]!;
    const q = rintToInt32(f(d * R_LN2));
    const s = fmaf(q, -L2L, fmaf(q, -L2U, d));
    expQ[j] = q;
    expS[j] = s;
    expU[j] = fmaf(fmaf(EXP_C0, s, EXP_C1), s, EXP_C2);
  }
}

function expFinish(xs: ArrayLike<number>, out: Float32Array | Float64Array, start: number, m: number): void {
  for (let j = 0; j < m; j++) {
    const s = expS[j]!;
    const u = fmaf(fmaf(fmaf(expU[j]!, s, EXP_C3), s, EXP_C4), s, 0.5);
    const d = xs[start + j]!;
    out[start + j] = d < -104 ? 0 : 100 < d ? INF : ldexp2(f(1 + fmaf(f(s * s), u, s)), expQ[j]!);
  }
}

/** SLEEF's expf8 over xs[start, end) (float32 values): the WebAssembly SIMD kernel where it runs, else the JavaScript one. */
export function expfArray(xs: ArrayLike<number>, out: Float32Array | Float64Array, start: number, end: number): void {
  if (end - start < WASM_MIN_ELEMENTS || !expfArrayWasm(xs, out, start, end)) expfArrayJs(xs, out, start, end);
}

export function expfArrayWasm(xs: ArrayLike<number>, out: Float32Array | Float64Array, start: number, end: number): boolean {
  return wasmUnary('exp', xs, out, start, end, expf);
}

export function expfArrayJs(xs: ArrayLike<number>, out: Float32Array | Float64Array, start: number, end: number): void {
  for (let b = start; b < end; b += BLOCK) {
    const m = Math.min(BLOCK, end - b);
    expReduce(xs, b, m);
    expFinish(xs, out, b, m);
  }
}

const laneIn = new Float64Array(1);
const laneOut = new Float64Array(1);

export function expf(d: number): number {
  laneIn[0] = d;
  expfArrayJs(laneIn, laneOut, 0, 1);
  return laneOut[0]!;
}

/** The mantissa in [0.75, 1.5) and exponent of d, with subnormals pre-scaled. */
function splitLog(d: number): { m: number; e: number } {
  const tiny = d < FLT_MIN;
  if (tiny) d = f(d * TWO64);
  let e = ilogb2k(f(d * C(1 / 0.75)));
  const m = ldexp3(d, -e);
  if (tiny) e -= 64;
  return { m, e };
}

function logSpecial(d: number, r: number): number {
  if (d === INF) return INF;
  if (d < 0 || d !== d) return NaN;
  if (d === 0) return -INF;
  return r;
}

export function logf(d: number): number {
  const { m, e } = splitLog(d);
  let s = dfMulDF(df(LN2_HI, LN2_LO), e);
  const x = dfDiv(dfAdd2FF(-1, m), dfAdd2FF(1, m));
  const x2 = f(x.x * x.x);
  let t = C(0.3027294874);
  t = fmaf(t, x2, C(0.3996108174));
  t = fmaf(t, x2, C(0.6666694880));
  s = dfAddDD(s, dfScale(x, 2));
  s = dfAddDF(s, f(f(x2 * x.x) * t));
  return logSpecial(d, f(s.x + s.y));
}

export function log10f(d: number): number {
  const { m, e } = splitLog(d);
  const x = dfDiv(dfAdd2FF(-1, m), dfAdd2FF(1, m));
  const x2 = f(x.x * x.x);
  let t = C(0.1314289868);
  t = fmaf(t, x2, C(0.1735493541));
  t = fmaf(t, x2, C(0.2895309627));
  let s = dfMulDF(df(C(0.30103001), C(-1.432098889e-8)), e);
  s = dfAddDD(s, dfMulDD(x, df(C(0.868588984), C(-2.170757285e-8))));
  s = dfAddDF(s, f(f(x2 * x.x) * t));
  return logSpecial(d, f(s.x + s.y));
}

export function log2f(d: number): number {
  const { m, e } = splitLog(d);
  const x = dfDiv(dfAdd2FF(-1, m), dfAdd2FF(1, m));
  const x2 = f(x.x * x.x);
  let t = C(0.4374550283);
  t = fmaf(t, x2, C(0.5764790177));
  t = fmaf(t, x2, C(0.961801290512));
  let s = dfAdd2FD(e, dfMulDD(x, df(C(2.8853900432586669922), C(3.2734474483568488616e-8))));
  s = dfAdd2DF(s, f(f(x2 * x.x) * t));
  return logSpecial(d, f(s.x + s.y));
}

export function log1pf(d: number): number {
  let dp1 = f(d + 1);
  const tiny = dp1 < FLT_MIN;
  if (tiny) dp1 = f(dp1 * TWO64);
  let e = ilogb2k(f(dp1 * C(1 / 0.75)));
  let t = ldexp3(1, -e);
  const m = fmaf(d, t, f(t - 1));
  if (tiny) e -= 64;
  let s = dfMulDF(df(LN2_HI, LN2_LO), e);
  const x = dfDiv(df(m, 0), dfAddFF(2, m));
  const x2 = f(x.x * x.x);
  t = C(0.3027294874);
  t = fmaf(t, x2, C(0.3996108174));
  t = fmaf(t, x2, C(0.6666694880));
  s = dfAddDD(s, dfScale(x, 2));
  s = dfAddDF(s, f(f(x2 * x.x) * t));
  let r = f(s.x + s.y);
  if (d > C(1e38)) r = INF;
  if (-1 > d) r = NaN;
  if (d === -1) r = -INF;
  if (isNegZero(d)) r = -0;
  return r;
}

// ---- exp of a double-float (for pow, tanh, expm1, erf) ----

function expk(d: DF): number {
  let u = f(f(d.x + d.y) * R_LN2);
  const q = rintToInt32(u);
  let s = dfAdd2DF(d, f(q * -L2U));
  s = dfAdd2DF(s, f(q * -L2L));
  s = dfNormalize(s);
  u = C(0.00136324646882712841033936);
  u = fmaf(u, s.x, C(0.00836596917361021041870117));
  u = fmaf(u, s.x, C(0.0416710823774337768554688));
  u = fmaf(u, s.x, C(0.166665524244308471679688));
  u = fmaf(u, s.x, C(0.499999850988388061523438));
  let t = dfAddDD(s, dfMulDF(dfSqu(s), u));
  t = dfAddFD(1, t);
  u = ldexp(f(t.x + t.y), q);
  return d.x < -104 ? 0 : u;
}

function expk2(d: DF): DF {
  let u = f(f(d.x + d.y) * R_LN2);
  const q = rintToInt32(u);
  let s = dfAdd2DF(d, f(q * -L2U));
  s = dfAdd2DF(s, f(q * -L2L));
  u = C(0.1980960224e-3);
  u = fmaf(u, s.x, C(0.1394256484e-2));
  u = fmaf(u, s.x, C(0.8333456703e-2));
  u = fmaf(u, s.x, C(0.4166637361e-1));
  let t = dfAdd2DF(dfMulDF(s, u), C(0.166666659414234244790680580464));
  t = dfAdd2DF(dfMulDD(s, t), 0.5);
  t = dfAdd2DD(s, dfMulDD(dfSqu(s), t));
  t = dfAddFD(1, t);
  if (d.x < -104) return df(0, 0);
  return df(ldexp2(t.x, q), ldexp2(t.y, q));
}

function logk(d: number): DF {
  const { m, e } = splitLog(d);
  const x = dfDiv(dfAdd2FF(-1, m), dfAdd2FF(1, m));
  const x2 = dfSqu(x);
  let t = C(0.240320354700088500976562);
  t = fmaf(t, x2.x, C(0.285112679004669189453125));
  t = fmaf(t, x2.x, C(0.400007992982864379882812));
  const c = df(C(0.66666662693023681640625), C(3.69183861259614332084311e-9));
  let s = dfMulDF(df(LN2_HI, LN2_LO), e);
  s = dfAddDD(s, dfScale(x, 2));
  s = dfAddDD(s, dfMulDD(dfMulDD(x2, x), dfAdd2DD(dfMulDF(x2, t), c)));
  return s;
}

export function expm1f(a: number): number {
  const d = dfAdd2DF(expk2(df(a, 0)), -1);
  let x = f(d.x + d.y);
  if (a > C(88.72283172607421875)) x = INF;
  if (a < C(-16.635532333438687426013570)) x = -1;
  if (isNegZero(a)) x = -0;
  return x;
}

export function tanhf(x: number): number {
  let y = Math.abs(x);
  let d = expk2(df(y, 0));
  const e = dfRec(d);
  d = dfDiv(dfAddDD(d, dfNeg(e)), dfAddDD(d, e));
  y = f(d.x + d.y);
  if (Math.abs(x) > C(8.664339742) || y !== y) y = 1;
  y = mulsign(y, x);
  return x !== x ? NaN : y;
}

export function powf(x: number, y: number): number {
  const yIsInt = Math.trunc(y) === y || Math.abs(y) > 1 << 24;
  const yIsOdd = (truncToInt32(y) & 1) === 1 && yIsInt && Math.abs(y) < 1 << 24;
  let result = expk(dfMulDF(logk(Math.abs(x)), y));
  if (result !== result) result = INF;
  result = f(result * (x > 0 ? 1 : yIsInt ? (yIsOdd ? -1 : 1) : NaN));
  const efx = mulsign(f(Math.abs(x) - 1), y);
  if (Math.abs(y) === INF) result = efx < 0 ? 0 : efx === 0 ? 1 : INF;
  if (Math.abs(x) === INF || x === 0) {
    const sign = yIsOdd ? (floatBits(x) < 0 ? -1 : 1) : 1;
    result = sign * ((x === 0 ? -y : y) < 0 ? 0 : INF);
  }
  if (x !== x || y !== y) result = NaN;
  if (y === 0 || x === 1) result = 1;
  return result;
}

export function exp2f(d: number): number {
  let u = rint(d);
  const q = rintToInt32(u);
  const s = f(d - u);
  u = C(0.1535920892e-3);
  u = fmaf(u, s, C(0.1339262701e-2));
  u = fmaf(u, s, C(0.9618384764e-2));
  u = fmaf(u, s, C(0.5550347269e-1));
  u = fmaf(u, s, C(0.2402264476));
  u = fmaf(u, s, C(0.6931471825));
  u = fmaf(u, s, 1);
  u = ldexp2(u, q);
  if (d >= 128) u = INF;
  if (d < -150) u = 0;
  return u;
}

// ---- erf ----

const ERF_T = [
  [C(0.7089292194e-4), C(-0.1792667899e-4), C(-0.9495757695e-5)],
  [C(-0.7768311189e-3), C(0.393763301e-3), C(0.2481465926e-3)],
  [C(0.5159463733e-2), C(-0.3949181177e-2), C(-0.2918176819e-2)],
  [C(-0.2683781274e-1), C(0.244547464e-1), C(0.2059706673e-1)],
  [C(0.1128318012), C(-0.107099615), C(-0.9901899844e-1)],
];
const ERF_D1 = [
  dfConst(-0.376125876000657465175213237214),
  dfConst(-0.63458890590841038997121080921),
  dfConst(-0.643598050547891613081201721633),
];
const ERF_D2 = [
  dfConst(1.12837916021059138255978217023),
  dfConst(-1.12879855826694507209862753992),
  dfConst(-1.12461487742845562801052956293),
];

export function erff(x: number): number {
  const a = Math.abs(x);
  const band = a < C(1.1) ? 0 : a < C(2.4) ? 1 : 2;
  const u = band === 0 ? f(a * a) : a;
  let t = ERF_T[0]![band]!;
  for (let k = 1; k < 5; k++) t = fmaf(t, u, ERF_T[k]![band]!);
  let d = dfMulFF(t, u);
  d = dfAdd2DD(d, ERF_D1[band]!);
  d = dfMulDF(d, u);
  d = dfAdd2DD(d, ERF_D2[band]!);
  d = dfMulDF(d, a);
  if (band !== 0) d = dfAddFD(1, dfNeg(expk2(d)));
  let r = mulsign(a < 4 ? f(d.x + d.y) : 1, x);
  if (a !== a) r = NaN;
  return r;
}
