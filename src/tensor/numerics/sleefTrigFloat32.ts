/**
 * float32 sin, cos and tan as PyTorch 1.13's AVX2 kernels compute them
 * (SLEEF 3.5's Sleef_{sin,cos,tan}f8_u10, lane by lane; see sleefFloat32.ts).
 *
 * They take the lane group's `tier`: SLEEF reduces a whole vector of 8 with
 * the slow Payne–Hanek path (tier 1) when any lane is >= 125 in magnitude,
 * which changes the last bit of the other lanes.
 */
import { fmaf, fround as f, rint, rintToInt32, truncToInt32 } from './bits.js';
import {
  type DF,
  df,
  dfAdd2DD,
  dfAdd2DF,
  dfAdd2FF,
  dfAddDF,
  dfAddFD,
  dfAddFF,
  dfMulDD,
  dfMulDDtoF,
  dfMulDF,
  dfMulFF,
  dfNeg,
  dfNormalize,
  dfRec,
  dfSqu,
} from './doublefloat.js';
import { ilogb2k, isNegZero, ldexp3, mulsign } from './sleefFloat32.js';
import { rempiTableSingle } from './twoOverPi.js';

const INF = Infinity;
const C = (x: number) => f(x);
const M_1_PI = f(0.318309886183790671537767526745028724);
const TWO_OVER_PI = f(2 * 0.318309886183790671537767526745028724);
const PI_A2 = f(3.1414794921875);
const PI_B2 = f(0.00011315941810607910156);
const PI_C2 = f(1.9841872589410058936e-9);

/** The reduction SLEEF's float32 trig functions use for a lane group whose largest |x| is `x`. */
export function trigTier(x: number): number {
  return Math.abs(x) < 125 ? 0 : 1;
}

/** x - 0.25 rint(4x) and the quadrant count, as SLEEF's rempisubf. */
function rempisub(x: number): { d: number; i: number } {
  const y = rint(f(x * 4));
  const i = truncToInt32(f(y - f(rint(x) * 4)));
  return { d: f(x - f(y * 0.25)), i };
}

/** Payne–Hanek reduction: a = (q + r/(2π)·4)·π/2 with r a double-float. */
function rempi(a: number): { r: DF; q: number } {
  const table = rempiTableSingle();
  let ex = ilogb2k(a) - 25;
  const q0 = ex > 90 - 25 ? -64 : 0;
  a = ldexp3(a, q0);
  if (ex < 0) ex = 0;
  ex <<= 2;
  let x = dfMulFF(a, table[ex] ?? NaN);
  let di = rempisub(x.x);
  let q = di.i;
  x = dfNormalize(df(di.d, x.y));
  let y = dfMulFF(a, table[ex + 1] ?? NaN);
  x = dfAdd2DD(x, y);
  di = rempisub(x.x);
  q = (q + di.i) | 0;
  x = dfNormalize(df(di.d, x.y));
  y = dfMulDF(df(table[ex + 2] ?? NaN, table[ex + 3] ?? NaN), a);
  x = dfAdd2DD(x, y);
  x = dfNormalize(x);
  x = dfMulDD(x, df(f(3.1415927410125732422 * 2), f(-8.7422776573475857731e-8 * 2)));
  if (Math.abs(a) < C(0.7)) x = df(a, 0);
  return { r: x, q };
}

const HALF_PI_HI = f(3.1415927410125732422 * -0.5);
const HALF_PI_LO = f(-8.7422776573475857731e-8 * -0.5);

function sinPoly(s: DF, t: DF): number {
  const s2 = dfSqu(s);
  let u = C(2.6083159809786593541503e-6);
  u = fmaf(u, s2.x, C(-0.0001981069071916863322258));
  u = fmaf(u, s2.x, C(0.00833307858556509017944336));
  const x = dfAddFD(1, dfMulDD(dfAddFF(C(-0.166666597127914428710938), f(u * s2.x)), s2));
  return dfMulDDtoF(t, x);
}

export function sinf(d: number, tier = 0): number {
  let q: number;
  let s: DF;
  if (tier === 0) {
    const u = rint(f(d * M_1_PI));
    q = rintToInt32(u);
    const v = fmaf(u, -PI_A2, d);
    s = dfAdd2FF(v, f(u * -PI_B2));
    s = dfAddDF(s, f(u * -PI_C2));
  } else {
    const { r, q: qi } = rempi(d);
    q = qi & 3;
    q = (q + q + (r.x > 0 ? 2 : 1)) >> 2;
    const odd = (qi & 1) === 1;
    const x = dfAdd2DD(r, df(mulsign(HALF_PI_HI, r.x), mulsign(HALF_PI_LO, r.x)));
    s = dfNormalize(odd ? x : r);
    if (Math.abs(d) === INF || d !== d) s = df(NaN, s.y);
  }
  let u = sinPoly(s, s);
  if ((q & 1) === 1) u = -u;
  return isNegZero(d) ? d : u;
}

export function cosf(d: number, tier = 0): number {
  let q: number;
  let s: DF;
  if (tier === 0) {
    const dq = fmaf(rint(fmaf(d, M_1_PI, -0.5)), 2, 1);
    q = rintToInt32(dq);
    s = dfAdd2FF(d, f(dq * f(-PI_A2 * 0.5)));
    s = dfAdd2DF(s, f(dq * f(-PI_B2 * 0.5)));
    s = dfAdd2DF(s, f(dq * f(-PI_C2 * 0.5)));
  } else {
    const { r, q: qi } = rempi(d);
    q = qi & 3;
    q = (q + q + (r.x > 0 ? 8 : 7)) >> 1;
    const even = (qi & 1) === 0;
    const y = r.x > 0 ? 0 : -1;
    const x = dfAdd2DD(r, df(mulsign(HALF_PI_HI, y), mulsign(HALF_PI_LO, y)));
    s = dfNormalize(even ? x : r);
    if (Math.abs(d) === INF || d !== d) s = df(NaN, s.y);
  }
  const u = sinPoly(s, s);
  return (q & 2) === 0 ? -u : u;
}

export function tanf(d: number, tier = 0): number {
  let q: number;
  let s: DF;
  if (tier === 0) {
    const u = rint(f(d * TWO_OVER_PI));
    q = rintToInt32(u);
    const v = fmaf(u, f(-PI_A2 * 0.5), d);
    s = dfAdd2FF(v, f(u * f(-PI_B2 * 0.5)));
    s = dfAddDF(s, f(u * f(-PI_C2 * 0.5)));
  } else {
    const red = rempi(d);
    q = red.q;
    s = red.r;
    if (Math.abs(d) === INF || d !== d) s = df(NaN, NaN);
  }
  const odd = (q & 1) === 1;
  if (odd) s = dfNeg(s);
  const t = s;
  s = dfNormalize(dfSqu(s));
  let u = C(0.00446636462584137916564941);
  u = fmaf(u, s.x, C(-8.3920182078145444393158e-5));
  u = fmaf(u, s.x, C(0.0109639242291450500488281));
  u = fmaf(u, s.x, C(0.0212360303848981857299805));
  u = fmaf(u, s.x, C(0.0540687143802642822265625));
  let x = dfAddFF(C(0.133325666189193725585938), f(u * s.x));
  x = dfAddFD(1, dfMulDD(dfAddFD(C(0.33333361148834228515625), dfMulDD(s, x)), s));
  x = dfMulDD(t, x);
  if (odd) x = dfRec(x);
  const r = f(x.x + x.y);
  return isNegZero(d) ? d : r;
}
