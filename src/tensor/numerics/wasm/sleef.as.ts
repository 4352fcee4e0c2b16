/**
 * AssemblyScript source of the WebAssembly SIMD kernels for float32 sin,
 * cos and exp (npm run build:wasm compiles it into sleefWasmBytes.ts). Each
 * function is the JavaScript kernel of sleefTrigFloat32.ts/sleefFloat32.ts
 * four lanes at a time, operation for operation, so every lane gets the
 * same bits:
 *
 * - float32 add, sub and mul are f32x4 operations (IEEE float32, as
 *   Math.fround(a op b) of float32 values); rint is f32x4.nearest;
 * - a double expression of the JavaScript (an exact product's error term
 *   `f(x * y - p)`) is the same expression in f64x2, then demoted;
 * - fmaf(a, b, c) is a*b (exact in a double) + c in f64x2, demoted: right
 *   unless the double sum lies on a float32 rounding midpoint or is in
 *   float32's subnormal range, where rounding twice can differ from
 *   rounding once. Vectors with such a lane (rare) redo all four lanes with
 *   the scalar fmaf of bits.ts, ported below.
 *
 * sin and cos compute every lane group of 8 with the fast (Cody–Waite)
 * reduction and list the groups with a lane of magnitude >= 125 or NaN,
 * which the caller recomputes with the JavaScript Payne–Hanek path.
 *
 * Memory: a fixed input and output region of CHUNK float32 lanes and the
 * list of wide groups; the caller copies chunks in and out.
 */

const CHUNK: i32 = 16384;
const IN: usize = memory.data(CHUNK * 4, 16);
const OUT: usize = memory.data(CHUNK * 4, 16);
const WIDE: usize = memory.data((CHUNK / 8) * 4, 16);

export function chunkSize(): i32 {
  return CHUNK;
}
export function inputs(): usize {
  return IN;
}
export function outputs(): usize {
  return OUT;
}
export function wideGroups(): usize {
  return WIDE;
}

// ---- fmaf ----

const FLOAT_MAX: f64 = 3.4028234663852886e38;
/** 2^128 - 2^103: doubles at or above it round to float32 infinity. */
const FLOAT_OVERFLOW: f64 = 3.4028235677973366e38;

/** bits.ts's fmaf on one lane. */
function fmafScalar(a: f32, b: f32, c: f32): f32 {
  const p = <f64>a * <f64>b;
  const s = p + <f64>c;
  const r = <f64>(<f32>s);
  const other = s + (s - r);
  if (r == s || <f64>(<f32>other) != other) return <f32>r;
  const bb = s - p;
  const e = p - (s - bb) + (<f64>c - bb);
  if (r - r != 0) {
    // s rounds to ±infinity: finite only at the midpoint 2^128 - 2^103 with the exact sum below it
    if (abs<f64>(s) != FLOAT_OVERFLOW) return <f32>r;
    return e != 0 && e > 0 != s > 0 ? <f32>(s > 0 ? FLOAT_MAX : -FLOAT_MAX) : <f32>r;
  }
  return e == 0 || e > 0 != other > r ? <f32>r : <f32>other;
}

function fmaLanes(a: v128, b: v128, c: v128): v128 {
  let r = f32x4.splat(fmafScalar(f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0), f32x4.extract_lane(c, 0)));
  r = f32x4.replace_lane(r, 1, fmafScalar(f32x4.extract_lane(a, 1), f32x4.extract_lane(b, 1), f32x4.extract_lane(c, 1)));
  r = f32x4.replace_lane(r, 2, fmafScalar(f32x4.extract_lane(a, 2), f32x4.extract_lane(b, 2), f32x4.extract_lane(c, 2)));
  r = f32x4.replace_lane(r, 3, fmafScalar(f32x4.extract_lane(a, 3), f32x4.extract_lane(b, 3), f32x4.extract_lane(c, 3)));
  return r;
}

/** Lanes 0, 1 and lanes 2, 3 of a float32 vector as doubles. */
// @ts-ignore: decorator
@inline function low(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
// @ts-ignore: decorator
@inline function high(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
}
/** Two double vectors rounded to one float32 vector. */
// @ts-ignore: decorator
@inline function narrow(lo: v128, hi: v128): v128 {
  return i64x2.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 2);
}

/**
 * Lanes of the double sum s whose rounding to float32 may differ from the
 * exact sum's: s on a float32 midpoint (in float32's normal range its low
 * 29 bits are 1 followed by 28 zeros), or 0 < |s| < 2^-126 (subnormal
 * results, whose midpoints lie elsewhere).
 */
// @ts-ignore: decorator
@inline function unsafe(s: v128): v128 {
  const midpoint = i64x2.eq(v128.and(s, i64x2.splat(0x1fffffff)), i64x2.splat(0x10000000));
  const magnitude = v128.and(s, i64x2.splat(0x7fffffffffffffff));
  const tiny = v128.and(i64x2.gt_s(i64x2.splat(0x3810000000000000), magnitude), i64x2.gt_s(magnitude, i64x2.splat(0)));
  return v128.or(midpoint, tiny);
}

/** float32 a*b + c rounded once, four lanes. */
// @ts-ignore: decorator
@inline function fma(a: v128, b: v128, c: v128): v128 {
  const lo = f64x2.add(f64x2.mul(low(a), low(b)), low(c));
  const hi = f64x2.add(f64x2.mul(high(a), high(b)), high(c));
  if (v128.any_true(v128.or(unsafe(lo), unsafe(hi)))) return fmaLanes(a, b, c);
  return narrow(lo, hi);
}

/** f(x·y - p) with the product and difference in double (exact: p is x·y rounded), as the JavaScript writes an fmaf that cannot round. */
// @ts-ignore: decorator
@inline function productError(x: v128, y: v128, p: v128): v128 {
  return narrow(f64x2.sub(f64x2.mul(low(x), low(y)), low(p)), f64x2.sub(f64x2.mul(high(x), high(y)), high(p)));
}

// @ts-ignore: decorator
@inline function splat(x: f32): v128 {
  return f32x4.splat(x);
}
// @ts-ignore: decorator
@inline function add(a: v128, b: v128): v128 {
  return f32x4.add(a, b);
}
// @ts-ignore: decorator
@inline function sub(a: v128, b: v128): v128 {
  return f32x4.sub(a, b);
}
// @ts-ignore: decorator
@inline function mul(a: v128, b: v128): v128 {
  return f32x4.mul(a, b);
}

/** rintToInt32 of an integral float32: out of range and NaN give INT32_MIN (cvtps2dq), where trunc_sat saturates or gives 0. */
// @ts-ignore: decorator
@inline function toInt32(u: v128): v128 {
  const inRange = v128.and(f32x4.ge(u, splat(-2147483648.0)), f32x4.lt(u, splat(2147483648.0)));
  return v128.bitselect(i32x4.trunc_sat_f32x4_s(u), i32x4.splat(-2147483648), inRange);
}

// ---- exp ----

const R_LN2: f32 = <f32>1.442695040888963407359924681001892137426645954152985934135449406931;
const L2U: f32 = <f32>0.693145751953125;
const L2L: f32 = <f32>1.428606765330187045e-6;
const EXP_C0: f32 = <f32>0.000198527617612853646278381;
const EXP_C1: f32 = <f32>0.00139304355252534151077271;
const EXP_C2: f32 = <f32>0.00833336077630519866943359;
const EXP_C3: f32 = <f32>0.0416664853692054748535156;
const EXP_C4: f32 = <f32>0.166666671633720397949219;

/** SLEEF's vpow2i: the float32 with exponent field q + 127. */
// @ts-ignore: decorator
@inline function pow2i(q: v128): v128 {
  return i32x4.shl(i32x4.add(q, i32x4.splat(0x7f)), 23);
}

// @ts-ignore: decorator
@inline function expVector(d: v128): v128 {
  const q = toInt32(f32x4.nearest(mul(d, splat(R_LN2))));
  const qf = f32x4.convert_i32x4_s(q);
  const s = fma(qf, splat(-L2L), fma(qf, splat(-L2U), d));
  let u = fma(fma(splat(EXP_C0), s, splat(EXP_C1)), s, splat(EXP_C2));
  u = fma(fma(fma(u, s, splat(EXP_C3)), s, splat(EXP_C4)), s, splat(0.5));
  const v = add(splat(1), fma(mul(s, s), u, s));
  const half = i32x4.shr_s(q, 1);
  let r = mul(mul(v, pow2i(half)), pow2i(i32x4.sub(q, half)));
  r = v128.bitselect(splat(0), r, f32x4.lt(d, splat(-104)));
  return v128.bitselect(splat(Infinity), r, f32x4.lt(splat(100), d));
}

export function exp(n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(OUT + (<usize>i << 2), expVector(v128.load(IN + (<usize>i << 2))));
}

// ---- sin and cos ----

const M_1_PI: f32 = <f32>0.318309886183790671537767526745028724;
const PI_A2: f32 = <f32>3.1414794921875;
const PI_B2: f32 = <f32>0.00011315941810607910156;
const PI_C2: f32 = <f32>1.9841872589410058936e-9;
const COS_A: f32 = <f32>(-PI_A2 * 0.5);
const COS_B: f32 = <f32>(-PI_B2 * 0.5);
const COS_C: f32 = <f32>(-PI_C2 * 0.5);
const SIN_C0: f32 = <f32>2.6083159809786593541503e-6;
const SIN_C1: f32 = <f32>-0.0001981069071916863322258;
const SIN_C2: f32 = <f32>0.00833307858556509017944336;
const SIN_C3: f32 = <f32>-0.166666597127914428710938;

/**
 * s·(1 + s²·(c3 + s²·u(s²))) rounded to float32, for the reduced argument
 * s = hi + lo (sinFactor and sinPolyValue of sleefTrigFloat32.ts).
 */
// @ts-ignore: decorator
@inline function sinPolynomial(x: v128, lo: v128): v128 {
  const qx = mul(x, x);
  const qy = fma(add(x, x), lo, productError(x, x, qx));
  const u = mul(fma(fma(splat(SIN_C0), qx, splat(SIN_C1)), qx, splat(SIN_C2)), qx);
  const ax = add(splat(SIN_C3), u);
  const ay = add(sub(splat(SIN_C3), ax), u);
  const mx = mul(ax, qx);
  const my = fma(ax, qy, fma(ay, qx, productError(ax, qx, mx)));
  const fHi = add(splat(1), mx);
  const fLo = add(add(sub(splat(1), fHi), mx), my);
  return fma(x, fHi, fma(lo, fHi, mul(x, fLo)));
}

// @ts-ignore: decorator
@inline function sinVector(d: v128): v128 {
  const u = f32x4.nearest(mul(d, splat(M_1_PI)));
  const q = i32x4.trunc_sat_f32x4_s(u); // lanes with |d| >= 125 are recomputed by the caller
  const v = fma(u, splat(-PI_A2), d);
  const b = mul(u, splat(-PI_B2));
  const x = add(v, b);
  const w = sub(x, v);
  const y = add(sub(v, sub(x, w)), sub(b, w));
  const c = mul(u, splat(-PI_C2));
  const hi = add(x, c);
  const lo = add(add(sub(x, hi), c), y);
  const r = v128.xor(sinPolynomial(hi, lo), i32x4.shl(v128.and(q, i32x4.splat(1)), 31));
  return v128.bitselect(d, r, i32x4.eq(d, i32x4.splat(0x80000000))); // sin(-0) = -0
}

// @ts-ignore: decorator
@inline function cosVector(d: v128): v128 {
  // fmaf(rint(...), 2, 1) is exact for |d| < 125: a multiply and an add
  const dq = add(mul(f32x4.nearest(fma(d, splat(M_1_PI), splat(-0.5))), splat(2)), splat(1));
  const q = i32x4.trunc_sat_f32x4_s(dq);
  let b = mul(dq, splat(COS_A));
  let x = add(d, b);
  let w = sub(x, d);
  let y = add(sub(d, sub(x, w)), sub(b, w));
  b = mul(dq, splat(COS_B));
  let hi = add(x, b);
  w = sub(hi, x);
  y = add(add(sub(x, sub(hi, w)), sub(b, w)), y);
  x = hi;
  b = mul(dq, splat(COS_C));
  hi = add(x, b);
  w = sub(hi, x);
  const lo = add(add(sub(x, sub(hi, w)), sub(b, w)), y);
  return v128.xor(sinPolynomial(hi, lo), i32x4.shl(v128.andnot(i32x4.splat(2), q), 30));
}

/** Lists the lane groups of 8 with a lane outside (-125, 125) (or NaN); returns how many. */
function listWideGroups(n: i32): i32 {
  const limit = splat(125);
  let count = 0;
  for (let g = 0; g < n; g += 8) {
    const a = v128.load(IN + (<usize>g << 2));
    const b = v128.load(IN + (<usize>g << 2), 16);
    if (!i32x4.all_true(v128.and(f32x4.lt(f32x4.abs(a), limit), f32x4.lt(f32x4.abs(b), limit)))) {
      store<i32>(WIDE + (<usize>count << 2), g);
      count++;
    }
  }
  return count;
}

/** Zeros after the n inputs up to the end of their lane group (they never make a group wide). */
function padGroup(n: i32): void {
  for (let i = n; i & 7; i++) store<f32>(IN + (<usize>i << 2), 0);
}

export function sin(n: i32): i32 {
  padGroup(n);
  for (let i = 0; i < n; i += 4) v128.store(OUT + (<usize>i << 2), sinVector(v128.load(IN + (<usize>i << 2))));
  return listWideGroups(n);
}

export function cos(n: i32): i32 {
  padGroup(n);
  for (let i = 0; i < n; i += 4) v128.store(OUT + (<usize>i << 2), cosVector(v128.load(IN + (<usize>i << 2))));
  return listWideGroups(n);
}
