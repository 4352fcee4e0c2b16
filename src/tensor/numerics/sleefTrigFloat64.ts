/**
 * float64 sin, cos and tan as PyTorch 1.13's AVX2 kernels compute them
 * (SLEEF 3.5's Sleef_{sin,cos,tan}d4_u10, lane by lane; see sleefFloat64.ts).
 *
 * They take the lane group's `tier`: SLEEF picks one of three argument
 * reductions for a whole vector of 4, by its largest lane (tier 0 below 15,
 * tier 1 below 1e14, tier 2 above: Payne–Hanek).
 */
import { fma, rint, rintToInt32, truncToInt32 } from './bits.js';
import {
  type DD,
  dd,
  ddAdd2DD,
  ddAdd2DF,
  ddAdd2FF,
  ddAddDD,
  ddAddDF,
  ddAddFD,
  ddAddFF,
  ddDiv,
  ddMulDD,
  ddMulDDtoD,
  ddMulDF,
  ddMulFF,
  ddNeg,
  ddNormalize,
  ddScale,
  ddSqu,
} from './doubledouble.js';
import { ilogb2k, ldexp3, mulsign, poly6, poly8 } from './sleefFloat64.js';
import { rempiTableDouble } from './twoOverPi.js';

const INF = Infinity;
const M_1_PI = 0.318309886183790671537767526745028724;
const M_2_PI_H = 0.63661977236758138243;
const M_2_PI_L = -3.9357353350364971764e-17;
const PI_A = 3.1415926218032836914;
const PI_B = 3.1786509424591713469e-8;
const PI_C = 1.2246467864107188502e-16;
const PI_D = 1.2736634327021899816e-24;
const PI_A2 = 3.141592653589793116;
const PI_B2 = 1.2246467991473532072e-16;

/** The reduction SLEEF's trig functions use for a lane group whose largest |x| is `x`. */
export function trigTier(x: number): number {
  const a = Math.abs(x);
  return a < 15 ? 0 : a < 1e14 ? 1 : 2;
}

function rempisub(x: number): { d: number; i: number } {
  const y = rint(x * 4);
  const i = truncToInt32(y - rint(x) * 4);
  return { d: x - y * 0.25, i };
}

function rempi(a: number): { r: DD; q: number } {
  const table = rempiTableDouble();
  let ex = ilogb2k(a) - 55;
  const q0 = ex > 700 - 55 ? -64 : 0;
  a = ldexp3(a, q0);
  if (ex < 0) ex = 0;
  ex <<= 2;
  let x = ddMulFF(a, table[ex] ?? NaN);
  let di = rempisub(x.x);
  let q = di.i;
  x = ddNormalize(dd(di.d, x.y));
  let y = ddMulFF(a, table[ex + 1] ?? NaN);
  x = ddAdd2DD(x, y);
  di = rempisub(x.x);
  q = (q + di.i) | 0;
  x = ddNormalize(dd(di.d, x.y));
  y = ddMulDF(dd(table[ex + 2] ?? NaN, table[ex + 3] ?? NaN), a);
  x = ddAdd2DD(x, y);
  x = ddNormalize(x);
  x = ddMulDD(x, dd(3.141592653589793116 * 2, 1.2246467991473532072e-16 * 2));
  if (Math.abs(a) < 0.7) x = dd(a, 0);
  return { r: x, q };
}

const SIN_C = [
  2.72052416138529567917983e-15, -7.6429259411395447190023e-13, 1.60589370117277896211623e-10,
  -2.5052106814843123359368e-8, 2.75573192104428224777379e-6, -0.000198412698412046454654947,
];

function sinPoly(t: DD): number {
  const s = ddSqu(t);
  const s2 = s.x * s.x;
  let u = poly6(s.x, s2, s2 * s2, SIN_C);
  u = fma(u, s.x, 0.00833333333333318056201922);
  const x = ddAddFD(1, ddMulDD(ddAddFF(-0.166666666666666657414808, u * s.x), s));
  return ddMulDDtoD(t, x);
}

/** Cody–Waite reduction by π (or π/2) in four pieces, for tier 1 (|x| < 1e14); cos adds its first piece with TwoSum. */
function reduceWide(d: number, dqh: number, dql: number, scale: number, twoSum: boolean): DD {
  const u = fma(dqh, -PI_A * scale, d);
  let s = (twoSum ? ddAdd2FF : ddAddFF)(u, dql * (-PI_A * scale));
  s = ddAdd2DF(s, dqh * (-PI_B * scale));
  s = ddAdd2DF(s, dql * (-PI_B * scale));
  s = ddAdd2DF(s, dqh * (-PI_C * scale));
  s = ddAdd2DF(s, dql * (-PI_C * scale));
  return ddAddDF(s, (dqh + dql) * (-PI_D * scale));
}

const HALF_PI_HI = -3.141592653589793116 * 0.5;
const HALF_PI_LO = -1.2246467991473532072e-16 * 0.5;

export function sin(d: number, tier = 0): number {
  let ql: number;
  let s: DD;
  if (tier === 0) {
    const dql = rint(d * M_1_PI);
    ql = rintToInt32(dql);
    const u = fma(dql, -PI_A2, d);
    s = ddAddFF(u, dql * -PI_B2);
  } else if (tier === 1) {
    let dqh = Math.trunc(d * (M_1_PI / (1 << 24)));
    dqh *= 1 << 24;
    const dql = rint(fma(d, M_1_PI, -dqh));
    ql = rintToInt32(dql);
    s = reduceWide(d, dqh, dql, 1, false);
  } else {
    const { r, q } = rempi(d);
    ql = q & 3;
    ql = (ql + ql + (r.x > 0 ? 2 : 1)) >> 2;
    const odd = (q & 1) === 1;
    const x = ddAdd2DD(r, dd(mulsign(HALF_PI_HI, r.x), mulsign(HALF_PI_LO, r.x)));
    s = ddNormalize(odd ? x : r);
    if (Math.abs(d) === INF || d !== d) s = dd(NaN, s.y);
  }
  let u = sinPoly(s);
  if ((ql & 1) === 1) u = -u;
  return d === 0 ? d : u;
}

export function cos(d: number, tier = 0): number {
  let ql: number;
  let s: DD;
  if (tier === 0) {
    let dql = rint(fma(d, M_1_PI, -0.5));
    dql = fma(2, dql, 1);
    ql = rintToInt32(dql);
    s = ddAdd2FF(d, dql * (-PI_A2 * 0.5));
    s = ddAddDF(s, dql * (-PI_B2 * 0.5));
  } else if (tier === 1) {
    let dqh = Math.trunc(fma(d, M_1_PI / (1 << 23), -M_1_PI / (1 << 24)));
    ql = rintToInt32(d * M_1_PI + fma(dqh, -(1 << 23), -0.5));
    dqh *= 1 << 24;
    ql = (ql + ql + 1) | 0;
    s = reduceWide(d, dqh, ql, 0.5, true);
  } else {
    const { r, q } = rempi(d);
    ql = q & 3;
    ql = (ql + ql + (r.x > 0 ? 8 : 7)) >> 1;
    const even = (q & 1) === 0;
    const y = r.x > 0 ? 0 : -1;
    const x = ddAdd2DD(r, dd(mulsign(HALF_PI_HI, y), mulsign(HALF_PI_LO, y)));
    s = ddNormalize(even ? x : r);
    if (Math.abs(d) === INF || d !== d) s = dd(NaN, s.y);
  }
  const u = sinPoly(s);
  return (ql & 2) === 0 ? -u : u;
}

const TAN_C = [
  0.3245098826639276316e-3, 0.5619219738114323735e-3, 0.1460781502402784494e-2, 0.3591611540792499519e-2,
  0.8863268409563113126e-2, 0.2186948728185535498e-1, 0.539682539951727297e-1, 0.1333333333330500581,
];

export function tan(d: number, tier = 0): number {
  let ql: number;
  let s: DD;
  if (tier === 0) {
    const dql = rint(d * (2 * M_1_PI));
    ql = rintToInt32(dql);
    const u = fma(dql, -PI_A2 * 0.5, d);
    s = ddAddFF(u, dql * (-PI_B2 * 0.5));
  } else if (tier === 1) {
    let dqh = Math.trunc(d * ((2 * M_1_PI) / (1 << 24)));
    dqh *= 1 << 24;
    s = ddAdd2DF(ddMulDF(dd(M_2_PI_H, M_2_PI_L), d), (d < 0 ? -0.5 : 0.5) - dqh);
    const dql = Math.trunc(s.x + s.y);
    ql = rintToInt32(dql);
    s = reduceWide(d, dqh, dql, 0.5, false);
  } else {
    const { r, q } = rempi(d);
    ql = q;
    s = Math.abs(d) === INF || d !== d ? dd(NaN, NaN) : r;
  }
  const t = ddScale(s, 0.5);
  s = ddSqu(t);
  const s2 = s.x * s.x;
  let u = poly8(s.x, s2, s2 * s2, TAN_C);
  u = fma(u, s.x, 0.3333333333333343695);
  let x = ddAddDD(t, ddMulDF(ddMulDD(s, t), u));
  const y = ddAddFD(-1, ddSqu(x));
  x = ddScale(x, -2);
  const odd = (ql & 1) === 1;
  x = ddDiv(odd ? ddNeg(y) : x, odd ? x : y);
  const r = x.x + x.y;
  return d === 0 ? d : r;
}

