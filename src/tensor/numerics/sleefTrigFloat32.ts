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
  dfAdd2FF,
  dfAddDF,
  dfAddFD,
  dfAddFF,
  dfMulDD,
  dfMulDF,
  dfMulFF,
  dfNeg,
  dfNormalize,
  dfRec,
  dfSqu,
} from './doublefloat.js';
import { ilogb2k, isNegZero, ldexp3, mulsign } from './sleefFloat32.js';
import { WASM_MIN_ELEMENTS, wasmUnary } from './sleefWasm.js';
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

// ---- sin and cos over arrays ----
//
// The vector path runs over blocks of elements in stages, a loop per stage
// with the intermediate values in scratch arrays: each stage is short
// enough for V8 to inline every fmaf it calls (a call would box its double
// arguments and result), and the CPU overlaps the iterations of a short
// loop. The lane functions sinf and cosf run the same stages on one element.

const BLOCK = 256;
/** The reduced argument s as a double-float, its quadrant, and the polynomial's factor (below). */
const sHi = new Float64Array(BLOCK);
const sLo = new Float64Array(BLOCK);
const quadrant = new Int32Array(BLOCK);
const factorHi = new Float64Array(BLOCK);
const factorLo = new Float64Array(BLOCK);

const SIN_C0 = C(2.6083159809786593541503e-6);
const SIN_C1 = C(-0.0001981069071916863322258);
const SIN_C2 = C(0.00833307858556509017944336);
const SIN_C3 = C(-0.166666597127914428710938);
const COS_A = f(-PI_A2 * 0.5);
const COS_B = f(-PI_B2 * 0.5);
const COS_C = f(-PI_C2 * 0.5);

/** sin's Cody–Waite reduction: d - q·π as a double-float (SLEEF's dfAdd2FF, then dfAddDF). */
function reduceSin(xs: ArrayLike<number>, start: number, m: number): void {
  for (let j = 0; j < m; j++) {
    const d = xs[start + j]!;
    const u = rint(f(d * M_1_PI));
    quadrant[j] = rintToInt32(u);
    const v = fmaf(u, -PI_A2, d);
    const b = f(u * -PI_B2);
    const x = f(v + b);
    const w = f(x - v);
    const y = f(f(v - f(x - w)) + f(b - w));
    const c = f(u * -PI_C2);
    const hi = f(x + c);
    sLo[j] = f(f(f(x - hi) + c) + y);
    sHi[j] = hi;
  }
}

/** cos's reduction: d - (q/2)·π with q odd (dfAdd2FF, then dfAdd2DF twice). */
function reduceCos(xs: ArrayLike<number>, start: number, m: number): void {
  for (let j = 0; j < m; j++) {
    const d = xs[start + j]!;
    const dq = fmaf(rint(fmaf(d, M_1_PI, -0.5)), 2, 1);
    quadrant[j] = rintToInt32(dq);
    let b = f(dq * COS_A);
    let x = f(d + b);
    let w = f(x - d);
    let y = f(f(d - f(x - w)) + f(b - w));
    b = f(dq * COS_B);
    let hi = f(x + b);
    w = f(hi - x);
    y = f(f(f(x - f(hi - w)) + f(b - w)) + y);
    x = hi;
    b = f(dq * COS_C);
    hi = f(x + b);
    w = f(hi - x);
    sLo[j] = f(f(f(x - f(hi - w)) + f(b - w)) + y);
    sHi[j] = hi;
  }
}

/**
 * SLEEF's sinf polynomial is s·(1 + s²·(c3 + s²·u(s²))) in double-float;
 * this stage computes the second factor (dfSqu, dfAddFF, dfMulDD, dfAddFD).
 * A product's error term fmaf(x, y, -f(x·y)) is exact in double, so it is
 * f(x·y - f(x·y)).
 */
function sinFactor(m: number): void {
  for (let j = 0; j < m; j++) {
    const x = sHi[j]!;
    const qx = f(x * x);
    const qy = fmaf(f(x + x), sLo[j]!, f(x * x - qx));
    const u = f(fmaf(fmaf(SIN_C0, qx, SIN_C1), qx, SIN_C2) * qx);
    const ax = f(SIN_C3 + u);
    const ay = f(f(SIN_C3 - ax) + u);
    const mx = f(ax * qx);
    const my = fmaf(ax, qy, fmaf(ay, qx, f(ax * qx - mx)));
    const hi = f(1 + mx);
    factorLo[j] = f(f(f(1 - hi) + mx) + my);
    factorHi[j] = hi;
  }
}

/** s · factor rounded to float32 (dfMulDDtoF): the polynomial's value for element j. */
function sinPolyValue(j: number): number {
  const x = sHi[j]!;
  const h = factorHi[j]!;
  return fmaf(x, h, fmaf(sLo[j]!, h, f(x * factorLo[j]!)));
}

function finishSin(xs: ArrayLike<number>, out: Float32Array | Float64Array, start: number, m: number): void {
  for (let j = 0; j < m; j++) {
    const u = sinPolyValue(j);
    const d = xs[start + j]!;
    out[start + j] = isNegZero(d) ? d : (quadrant[j]! & 1) === 1 ? -u : u;
  }
}

function finishCos(out: Float32Array | Float64Array, start: number, m: number): void {
  for (let j = 0; j < m; j++) {
    const u = sinPolyValue(j);
    out[start + j] = (quadrant[j]! & 2) === 0 ? -u : u;
  }
}

type Block = (xs: ArrayLike<number>, out: Float32Array | Float64Array, start: number, m: number) => void;

/** Elements [start, start + m) of a block whose lane groups all take the fast reduction. */
const sinBlock: Block = (xs, out, start, m) => {
  reduceSin(xs, start, m);
  sinFactor(m);
  finishSin(xs, out, start, m);
};

const cosBlock: Block = (xs, out, start, m) => {
  reduceCos(xs, start, m);
  sinFactor(m);
  finishCos(out, start, m);
};

/** Payne–Hanek reduction of element i into the stages' slot 0. */
function reduceWideSin(d: number): void {
  const { r, q: qi } = rempi(d);
  const q = qi & 3;
  quadrant[0] = (q + q + (r.x > 0 ? 2 : 1)) >> 2;
  const odd = (qi & 1) === 1;
  const x = dfAdd2DD(r, df(mulsign(HALF_PI_HI, r.x), mulsign(HALF_PI_LO, r.x)));
  const s = dfNormalize(odd ? x : r);
  sHi[0] = Math.abs(d) === INF || d !== d ? NaN : s.x;
  sLo[0] = s.y;
}

function reduceWideCos(d: number): void {
  const { r, q: qi } = rempi(d);
  const q = qi & 3;
  quadrant[0] = (q + q + (r.x > 0 ? 8 : 7)) >> 1;
  const even = (qi & 1) === 0;
  const y = r.x > 0 ? 0 : -1;
  const x = dfAdd2DD(r, df(mulsign(HALF_PI_HI, y), mulsign(HALF_PI_LO, y)));
  const s = dfNormalize(even ? x : r);
  sHi[0] = Math.abs(d) === INF || d !== d ? NaN : s.x;
  sLo[0] = s.y;
}

const sinWide: Block = (xs, out, start) => {
  reduceWideSin(xs[start]!);
  sinFactor(1);
  finishSin(xs, out, start, 1);
};

const cosWide: Block = (xs, out, start) => {
  reduceWideCos(xs[start]!);
  sinFactor(1);
  finishCos(out, start, 1);
};

/**
 * The vector path over xs[start, end): lane groups of 8 from `start`; a
 * group with a lane of magnitude >= 125 (or NaN) takes the slow reduction
 * on all of its lanes (see trigTier), runs of other groups go by blocks.
 */
function byLaneGroups(xs: ArrayLike<number>, out: Float32Array | Float64Array, start: number, end: number, fast: Block, wide: Block): void {
  let run = start;
  for (let g = start; g < end; g += 8) {
    const groupEnd = Math.min(g + 8, end);
    let small = true;
    for (let i = g; i < groupEnd; i++) if (!(Math.abs(xs[i]!) < 125)) small = false;
    if (small) continue;
    for (let b = run; b < g; b += BLOCK) fast(xs, out, b, Math.min(BLOCK, g - b));
    for (let i = g; i < groupEnd; i++) wide(xs, out, i, 1);
    run = groupEnd;
  }
  for (let b = run; b < end; b += BLOCK) fast(xs, out, b, Math.min(BLOCK, end - b));
}

/** SLEEF's sinf8 over xs[start, end) (float32 values): the WebAssembly SIMD kernel where it runs, else the JavaScript one. */
export function sinfArray(xs: ArrayLike<number>, out: Float32Array | Float64Array, start: number, end: number): void {
  if (end - start < WASM_MIN_ELEMENTS || !sinfArrayWasm(xs, out, start, end)) sinfArrayJs(xs, out, start, end);
}

export function cosfArray(xs: ArrayLike<number>, out: Float32Array | Float64Array, start: number, end: number): void {
  if (end - start < WASM_MIN_ELEMENTS || !cosfArrayWasm(xs, out, start, end)) cosfArrayJs(xs, out, start, end);
}

/** The two paths on their own (the tests compare them): the wasm one returns false where it cannot run. */
export function sinfArrayJs(xs: ArrayLike<number>, out: Float32Array | Float64Array, start: number, end: number): void {
  byLaneGroups(xs, out, start, end, sinBlock, sinWide);
}

export function cosfArrayJs(xs: ArrayLike<number>, out: Float32Array | Float64Array, start: number, end: number): void {
  byLaneGroups(xs, out, start, end, cosBlock, cosWide);
}

export function sinfArrayWasm(xs: ArrayLike<number>, out: Float32Array | Float64Array, start: number, end: number): boolean {
  return wasmUnary('sin', xs, out, start, end, sinf, sinWide);
}

export function cosfArrayWasm(xs: ArrayLike<number>, out: Float32Array | Float64Array, start: number, end: number): boolean {
  return wasmUnary('cos', xs, out, start, end, cosf, cosWide);
}

const laneIn = new Float64Array(1);
const laneOut = new Float64Array(1);

/** One lane of sinfArray, in a lane group of the given tier. */
export function sinf(d: number, tier = 0): number {
  laneIn[0] = d;
  (tier === 0 ? sinBlock : sinWide)(laneIn, laneOut, 0, 1);
  return laneOut[0]!;
}

export function cosf(d: number, tier = 0): number {
  laneIn[0] = d;
  (tier === 0 ? cosBlock : cosWide)(laneIn, laneOut, 0, 1);
  return laneOut[0]!;
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
