/**
 * float64 elementary functions as PyTorch 1.13's AVX2 kernels compute them:
 * SLEEF 3.5's `Sleef_*d4_u10` (the AVX2 build, with fused multiply-adds),
 * one lane at a time, written from the algorithms of SLEEF's sleefsimddp.c
 * (Boost licence; constants are SLEEF's). The float32 twin is
 * sleefFloat32.ts.
 * sin, cos and tan are in sleefTrigFloat64.ts.
 */
import { doubleFromHalves, doubleHigh, doubleLow, fma, pow2, rint, rintToInt32 } from './bits.js';
import {
  type DD,
  dd,
  ddAdd2DD,
  ddAdd2DF,
  ddAdd2FD,
  ddAdd2FF,
  ddAddDD,
  ddAddDF,
  ddAddFD,
  ddAddFF,
  ddDiv,
  ddMulDD,
  ddMulDF,
  ddMulFF,
  ddNeg,
  ddNormalize,
  ddRec,
  ddScale,
  ddSqu,
} from './doubledouble.js';

const INF = Infinity;
const DBL_MIN = 2.2250738585072014e-308;
const R_LN2 = 1.442695040888963407359924681001892137426645954152985934135449406931;
const L2U = 0.69314718055966295651160180568695068359375;
const L2L = 0.28235290563031577122588448175013436025525412068e-12;
const LN2 = dd(0.693147180559945286226764, 2.319046813846299558417771e-17);
const TWO64 = 18446744073709551616;


// ---- exponent helpers ----

/** 2^q from the exponent bits (garbage outside [-1022, 1023], as SLEEF's; callers mask those lanes). */
function pow2i(q: number): number {
  if (q >= -1022 && q <= 1023) return pow2(q);
  return doubleFromHalves(((q + 0x3ff) << 20) | 0, 0);
}

function ldexp2(d: number, e: number): number {
  return d * pow2i(e >> 1) * pow2i(e - (e >> 1));
}

export function ldexp3(d: number, q: number): number {
  return doubleFromHalves((doubleHigh(d) + (q << 20)) | 0, doubleLow(d));
}

export function ilogb2k(d: number): number {
  return ((doubleHigh(d) >>> 20) & 0x7ff) - 0x3ff;
}

export const isNegZero = (d: number) => d === 0 && 1 / d < 0;
export const mulsign = (x: number, y: number) => (doubleHigh(y) < 0 ? -x : x);

// ---- polynomials in SLEEF's Estrin form, every step fused ----

const poly2 = (x: number, c1: number, c0: number) => fma(x, c1, c0);
const poly3 = (x: number, x2: number, c2: number, c1: number, c0: number) => fma(x2, c2, fma(x, c1, c0));
const poly4 = (x: number, x2: number, c3: number, c2: number, c1: number, c0: number) => fma(x2, fma(x, c3, c2), fma(x, c1, c0));
export const poly6 = (x: number, x2: number, x4: number, c: readonly number[]) =>
  fma(x4, poly2(x, c[0]!, c[1]!), poly4(x, x2, c[2]!, c[3]!, c[4]!, c[5]!));
const poly7 = (x: number, x2: number, x4: number, c: readonly number[]) =>
  fma(x4, poly3(x, x2, c[0]!, c[1]!, c[2]!), poly4(x, x2, c[3]!, c[4]!, c[5]!, c[6]!));
/** POLY8 of c[k..k+8). */
export const poly8 = (x: number, x2: number, x4: number, c: readonly number[], k = 0) =>
  fma(x4, poly4(x, x2, c[k]!, c[k + 1]!, c[k + 2]!, c[k + 3]!), poly4(x, x2, c[k + 4]!, c[k + 5]!, c[k + 6]!, c[k + 7]!));
const poly9 = (x: number, x2: number, x4: number, x8: number, c: readonly number[]) => fma(x8, c[0]!, poly8(x, x2, x4, c, 1));
const poly10 = (x: number, x2: number, x4: number, x8: number, c: readonly number[]) =>
  fma(x8, poly2(x, c[0]!, c[1]!), poly8(x, x2, x4, c, 2));

// ---- exp, log ----

const EXP_C = [
  0.2081276378237164457e-8, 0.2511210703042288022e-7, 0.2755762628169491192e-6, 0.2755723402025388239e-5,
  0.2480158687479686264e-4, 0.198412698985586585e-3, 0.1388888888914497797e-2, 0.833333333331493821e-2,
  0.4166666666666602598e-1, 0.1666666666666669072,
];

export function exp(d: number): number {
  let u = rint(d * R_LN2);
  const q = rintToInt32(u);
  let s = fma(u, -L2U, d);
  s = fma(u, -L2L, s);
  const s2 = s * s;
  const s4 = s2 * s2;
  const s8 = s4 * s4;
  u = poly10(s, s2, s4, s8, EXP_C);
  u = fma(u, s, 0.5);
  u = fma(u, s, 1);
  u = fma(u, s, 1);
  u = ldexp2(u, q);
  if (d > 709.78271114955742909217217426) u = INF;
  if (d < -1000) u = 0;
  return u;
}

function splitLog(d: number): { m: number; e: number } {
  const tiny = d < DBL_MIN;
  if (tiny) d *= TWO64;
  let e = ilogb2k(d * (1.0 / 0.75));
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

const LOG_C = [
  0.1532076988502701353, 0.1525629051003428716, 0.1818605932937785996, 0.2222214519839380009, 0.2857142932794299317,
  0.399999999963525199, 0.6666666666667333541,
];

export function log(d: number): number {
  const { m, e } = splitLog(d);
  const x = ddDiv(ddAdd2FF(-1, m), ddAdd2FF(1, m));
  const x2 = x.x * x.x;
  const x4 = x2 * x2;
  const t = poly7(x2, x4, x4 * x4, LOG_C);
  let s = ddMulDF(LN2, e);
  s = ddAddDD(s, ddScale(x, 2));
  s = ddAddDF(s, x2 * x.x * t);
  return logSpecial(d, s.x + s.y);
}

const LOG10_C = [
  0.665372581957675846e-1, 0.6625722782820833712e-1, 0.7898105214313944078e-1, 0.9650955035715275132e-1,
  0.1240841409721444993, 0.1737177927454605086, 0.2895296546021972617,
];

export function log10(d: number): number {
  const { m, e } = splitLog(d);
  const x = ddDiv(ddAdd2FF(-1, m), ddAdd2FF(1, m));
  const x2 = x.x * x.x;
  const x4 = x2 * x2;
  const t = poly7(x2, x4, x4 * x4, LOG10_C);
  let s = ddMulDF(dd(0.30102999566398119802, -2.803728127785170339e-18), e);
  s = ddAddDD(s, ddMulDD(x, dd(0.86858896380650363334, 1.1430059694096389311e-17)));
  s = ddAddDF(s, x2 * x.x * t);
  return logSpecial(d, s.x + s.y);
}

const LOG2_C = [
  0.221194175045608149, 0.2200768693152277689, 0.2623708057488514656, 0.3205977477944495502, 0.4121985945485324709,
  0.5770780162997058982, 0.96179669392608091449,
];

export function log2(d: number): number {
  const { m, e } = splitLog(d);
  const x = ddDiv(ddAdd2FF(-1, m), ddAdd2FF(1, m));
  const x2 = x.x * x.x;
  const x4 = x2 * x2;
  const t = poly7(x2, x4, x4 * x4, LOG2_C);
  let s = ddAdd2FD(e, ddMulDD(x, dd(2.885390081777926774, 6.0561604995516736434e-18)));
  s = ddAdd2DF(s, x2 * x.x * t);
  return logSpecial(d, s.x + s.y);
}

export function log1p(d: number): number {
  let dp1 = d + 1;
  const tiny = dp1 < DBL_MIN;
  if (tiny) dp1 *= TWO64;
  let e = ilogb2k(dp1 * (1.0 / 0.75));
  const t = ldexp3(1, -e);
  const m = fma(d, t, t - 1);
  if (tiny) e -= 64;
  let s = ddMulDF(LN2, e);
  const x = ddDiv(dd(m, 0), ddAddFF(2, m));
  const x2 = x.x * x.x;
  const x4 = x2 * x2;
  const p = poly7(x2, x4, x4 * x4, LOG_C);
  s = ddAddDD(s, ddScale(x, 2));
  s = ddAddDF(s, x2 * x.x * p);
  let r = s.x + s.y;
  if (d > 1e307) r = INF;
  if (d < -1 || d !== d) r = NaN;
  if (d === -1) r = -INF;
  if (isNegZero(d)) r = -0;
  return r;
}

// ---- exp and log of double-doubles (pow, tanh, expm1, erf) ----

const LOGK_C = [
  0.116255524079935043668677, 0.103239680901072952701192, 0.117754809412463995466069, 0.13332981086846273921509,
  0.153846227114512262845736, 0.181818180850050775676507, 0.222222222230083560345903, 0.285714285714249172087875,
  0.400000000000000077715612,
];

function logk(d: number): DD {
  const { m, e } = splitLog(d);
  let x = ddDiv(ddAdd2FF(-1, m), ddAdd2FF(1, m));
  const x2 = ddSqu(x);
  const x4 = x2.x * x2.x;
  const x8 = x4 * x4;
  const t = poly9(x2.x, x4, x8, x8 * x8, LOGK_C);
  const c = dd(0.666666666666666629659233, 3.80554962542412056336616e-17);
  let s = ddMulDF(LN2, e);
  s = ddAddDD(s, ddScale(x, 2));
  x = ddMulDD(x2, x);
  s = ddAddDD(s, ddMulDD(x, c));
  x = ddMulDD(x2, x);
  s = ddAddDD(s, ddMulDF(x, t));
  return s;
}

const EXPK_C = [
  2.51069683420950419527139e-8, 2.76286166770270649116855e-7, 2.75572496725023574143864e-6, 2.48014973989819794114153e-5,
  0.000198412698809069797676111, 0.0013888888939977128960529, 0.00833333333332371417601081, 0.0416666666665409524128449,
  0.166666666666666740681535, 0.500000000000000999200722,
];

function expk(d: DD): number {
  let u = (d.x + d.y) * R_LN2;
  const dq = rint(u);
  const q = rintToInt32(dq);
  let s = ddAdd2DF(d, dq * -L2U);
  s = ddAdd2DF(s, dq * -L2L);
  s = ddNormalize(s);
  const s2 = s.x * s.x;
  const s4 = s2 * s2;
  u = poly10(s.x, s2, s4, s4 * s4, EXPK_C);
  let t = ddAddFD(1, s);
  t = ddAddDD(t, ddMulDF(ddSqu(s), u));
  u = ldexp2(t.x + t.y, q);
  return d.x < -1000 ? 0 : u;
}

const EXPK2_C = [
  0.1602472219709932072e-9, 0.2092255183563157007e-8, 0.2505230023782644465e-7, 0.2755724800902135303e-6,
  0.2755731892386044373e-5, 0.2480158735605815065e-4, 0.1984126984148071858e-3, 0.1388888888886763255e-2,
  0.8333333333333347095e-2, 0.4166666666666669905e-1,
];

function expk2(d: DD): DD {
  const u0 = (d.x + d.y) * R_LN2;
  const dq = rint(u0);
  const q = rintToInt32(dq);
  let s = ddAdd2DF(d, dq * -L2U);
  s = ddAdd2DF(s, dq * -L2L);
  const s2 = ddSqu(s);
  const s4 = ddSqu(s2);
  const u = poly10(s.x, s2.x, s4.x, s4.x * s4.x, EXPK2_C);
  let t = ddAddFD(0.5, ddMulDF(s, 0.1666666666666666574));
  t = ddAddFD(1, ddMulDD(t, s));
  t = ddAddFD(1, ddMulDD(t, s));
  t = ddAddDD(t, ddMulDF(s4, u));
  if (d.x < -1000) return dd(0, 0);
  return dd(ldexp2(t.x, q), ldexp2(t.y, q));
}

export function pow(x: number, y: number): number {
  const yIsInt = Math.trunc(y) === y;
  const yIsOdd = Math.trunc(y * 0.5) !== y * 0.5 && yIsInt;
  const d = ddMulDF(logk(Math.abs(x)), y);
  let result = expk(d);
  if (d.x > 709.78271114955742909217217426) result = INF;
  result *= x > 0 ? 1 : yIsInt ? (yIsOdd ? -1 : 1) : NaN;
  const efx = mulsign(Math.abs(x) - 1, y);
  if (Math.abs(y) === INF) result = efx < 0 ? 0 : efx === 0 ? 1 : INF;
  if (Math.abs(x) === INF || x === 0) {
    const sign = yIsOdd ? mulsign(1, x) : 1;
    result = sign * ((x === 0 ? -y : y) < 0 ? 0 : INF);
  }
  if (x !== x || y !== y) result = NaN;
  if (y === 0 || x === 1) result = 1;
  return result;
}

export function expm1(a: number): number {
  const d = ddAdd2DF(expk2(dd(a, 0)), -1);
  let x = d.x + d.y;
  if (a > 709.782712893383996732223) x = INF;
  if (a < -36.736800569677101399113302437) x = -1;
  if (isNegZero(a)) x = -0;
  return x;
}

export function tanh(x: number): number {
  let y = Math.abs(x);
  let d = expk2(dd(y, 0));
  const e = ddRec(d);
  d = ddDiv(ddAdd2DD(d, ddNeg(e)), ddAdd2DD(d, e));
  y = d.x + d.y;
  if (Math.abs(x) > 18.714973875 || y !== y) y = 1;
  y = mulsign(y, x);
  return x !== x ? NaN : y;
}

// ---- erf ----

const ERF_T: readonly (readonly [number, number, number])[] = [
  [0.6801072401395392157e-20, 0.283095452208771766e-13, -0.5846750404269610493e-17],
  [-0.2161766247570056391e-18, -0.150949194617948194e-11, 0.6076691048812607898e-15],
  [0.4695919173301598752e-17, 0.3827857177807173152e-10, -0.3007518609604893831e-13],
  [-0.9049140419888010819e-16, -0.6139733921558987241e-9, 0.9427906260824646063e-12],
  [0.1634018903557411517e-14, 0.6985387934608038824e-8, -0.2100110908269393629e-10],
  [-0.2783485786333455216e-13, -0.5988224513034371474e-7, 0.3534639523461223473e-9],
  [0.4463221276786412722e-12, 0.400571695235534664e-6, -0.4664967728285395926e-8],
  [-0.6711366622850138987e-11, -0.21321901045757844e-5, 0.4943823283769000532e-7],
  [0.9422759050232658346e-10, 0.9092461304042630325e-5, -0.4271203394761148254e-6],
  [-0.1229055530100228477e-8, -0.3079188080966205457e-4, 0.3034067677404915895e-5],
  [0.1480719281585085023e-7, 0.7971413443082370762e-4, -0.1776295289066871135e-4],
  [-0.1636584469123402714e-6, -0.1387853215225442864e-3, 0.852454763055950505e-4],
  [0.1646211436588923363e-5, 0.6469678026257590965e-4, -0.3290582944961784398e-3],
  [-0.1492565035840624866e-4, 0.499664528037294586e-3, 0.9696966068789101157e-3],
  [0.1205533298178966496e-3, -0.1622802482842520535e-2, -0.1812527628046986137e-2],
  [-0.8548327023450851166e-3, 0.1615320557049377171e-3, -0.4725409828123619017e-3],
  [0.5223977625442188799e-2, 0.1915262325574875607e-1, 0.2090315427924229266e-1],
  [-0.2686617064513125569e-1, -0.1027818298486033455, -0.1052041921842776645],
  [0.1128379167095512753, -0.6366172819842503827, -0.6345351808766568347],
  [-0.376126389031837538, -0.1128379590648910469e1, -0.1129442929103524396e1],
];
const ERF_HI = [1.1283791670955125586, 3.4110644736196137587e-8, 0.00024963035690526438285];
const ERF_LO = [1.5335459613165822674e-17, -2.4875650708323294246e-24, -5.4362665034856259795e-21];

export function erf(x: number): number {
  const a = Math.abs(x);
  const band = a < 1 ? 0 : a < 3.7 ? 1 : 2;
  const u = band === 0 ? a * a : a;
  let t = ERF_T[0]![band]!;
  for (let k = 1; k < ERF_T.length; k++) t = fma(t, u, ERF_T[k]![band]!);
  let d = ddMulFF(t, u);
  d = ddAdd2DD(d, dd(ERF_HI[band]!, ERF_LO[band]!));
  d = band === 0 ? ddMulDF(d, a) : ddAddFD(1, ddNeg(expk2(d)));
  let r = mulsign(a < 6 ? d.x + d.y : 1, x);
  if (a !== a) r = NaN;
  return r;
}

/**
 * x^y for x > 0 from SLEEF's double-double log and exp (about 100 good
 * bits), rounded once: the correctly rounded power in all but rare
 * near-midpoint cases. Stands in for glibc's pow, which is correctly
 * rounded nearly always too (see docs/float32-bits.md).
 */
export function powAccurate(x: number, y: number): number {
  if (x < 0 && Number.isInteger(y) && Number.isFinite(x)) {
    const magnitude = powAccurate(-x, y);
    return Math.abs(y % 2) === 1 ? -magnitude : magnitude;
  }
  if (!(x > 0) || !Number.isFinite(x) || !Number.isFinite(y) || y === 0 || x === 1) return Math.pow(x, y);
  const d = ddMulDF(logk(x), y);
  if (d.x > 709.8 || d.x < -745.2) return Math.pow(x, y);
  const r = expk2(d);
  return r.x + r.y;
}

/** log(x) for x > 0 from SLEEF's double-double log, rounded once: correctly rounded but for rare near-midpoint cases. */
export function logAccurate(x: number): number {
  if (!(x > 0) || x === INF) return Math.log(x);
  const d = logk(x);
  return d.x + d.y;
}
