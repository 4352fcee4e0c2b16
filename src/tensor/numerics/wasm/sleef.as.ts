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
 *   unless the double sum lies on a float32 rounding midpoint or in
 *   float32's subnormal range, where rounding twice can differ from
 *   rounding once. check() folds those lanes into the vector's flags; the
 *   kernels list the vectors with a flagged lane (rare), which the caller
 *   recomputes with the JavaScript lane functions.
 *
 * Compiled a second time with relaxed SIMD (ASC_FEATURE_RELAXED_SIMD),
 * fmaf is f32x4.relaxed_madd and nothing is checked or listed for redo.
 * relaxed_madd is fused or not as the engine chooses (V8: fused where the
 * CPU has FMA3, in every tier), so the loader uses that build only after
 * a probe has seen it fuse; fused, it is fmaf exactly, and five times
 * faster than the emulation.
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
const REDO: usize = memory.data((CHUNK / 4) * 4, 16);
/** Per lane group of 8 of sin and cos, 1 where it is wide (its vectors need no redo). */
const WIDE_MAP: usize = memory.data(CHUNK / 8, 16);
/** How many vectors REDO lists and how many lane groups WIDE lists. */
const COUNTS: usize = memory.data(8, 16);

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
export function redoVectors(): usize {
  return REDO;
}
export function counts(): usize {
  return COUNTS;
}

// ---- fmaf ----

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

/** float32 a*b + c: the double sum rounded to float32 (check() says whether that is right). */
// @ts-ignore: decorator
@inline function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return narrow(f64x2.add(f64x2.mul(low(a), low(b)), low(c)), f64x2.add(f64x2.mul(high(a), high(b)), high(c)));
}

// The checks' constants (u64 pairs), read into globals by the kernels so
// that the compiler cannot turn them back into v128.const (which V8 builds
// anew at each use).
const CHECK_CONSTANTS = memory.data<u64>(
  [0x1fffffff, 0x1fffffff, 0x10000000, 0x10000000, 1, 1, 0x7020000000000000, 0x7020000000000000],
  16,
);
let LOW29: v128 = i64x2.splat(0);
let MIDPOINT29: v128 = i64x2.splat(0);
let ONE64: v128 = i64x2.splat(0);
let TINY: v128 = i64x2.splat(0);
function loadConstants(): void {
  LOW29 = v128.load(CHECK_CONSTANTS);
  MIDPOINT29 = v128.load(CHECK_CONSTANTS, 16);
  ONE64 = v128.load(CHECK_CONSTANTS, 32);
  TINY = v128.load(CHECK_CONSTANTS, 48);
}

/**
 * Per lane of a double sum s, a 64-bit value whose high half is below
 * 0x70200000 (unsigned) where rounding s to float32 may differ from
 * rounding the exact sum: s on a float32 midpoint (in float32's normal
 * range its low 29 bits are 1 and 28 zeros), or 0 < |s| <= 2^-126
 * (|s|·2 - 1 in the bits: zero wraps to the top).
 */
// @ts-ignore: decorator
@inline function unsafe(s: v128): v128 {
  const notMidpoint = i64x2.ne(v128.and(s, LOW29), MIDPOINT29);
  return i32x4.min_u(notMidpoint, i64x2.sub(i64x2.shl(s, 1), ONE64));
}

/** flags folded with fma(a, b, c)'s lanes (the sums are the same expressions as fma's: the compiler shares them). */
// @ts-ignore: decorator
@inline function check(flags: v128, a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return flags;
  const lo = f64x2.add(f64x2.mul(low(a), low(b)), low(c));
  const hi = f64x2.add(f64x2.mul(high(a), high(b)), high(c));
  return i32x4.min_u(flags, i32x4.min_u(unsafe(lo), unsafe(hi)));
}

/** unsafe() without the midpoints the double sum p + c hits exactly (TwoSum's error is 0): they round right. */
// @ts-ignore: decorator
@inline function unsafeInexact(p: v128, c: v128): v128 {
  const s = f64x2.add(p, c);
  const bb = f64x2.sub(s, p);
  const error = f64x2.add(f64x2.sub(p, f64x2.sub(s, bb)), f64x2.sub(c, bb));
  const notMidpoint = v128.or(i64x2.ne(v128.and(s, LOW29), MIDPOINT29), f64x2.eq(error, f64x2.splat(0)));
  return i32x4.min_u(notMidpoint, i64x2.sub(i64x2.shl(s, 1), ONE64));
}

/**
 * check() for an fmaf whose double sum often sits exactly on a midpoint
 * (sinPolynomial's ay·qx + e: one lane in 8), which would send an eighth
 * of the vectors back to JavaScript.
 */
// @ts-ignore: decorator
@inline function checkInexact(flags: v128, a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return flags;
  const lo = unsafeInexact(f64x2.mul(low(a), low(b)), low(c));
  const hi = unsafeInexact(f64x2.mul(high(a), high(b)), high(c));
  return i32x4.min_u(flags, i32x4.min_u(lo, hi));
}

const NO_FLAGS: i32 = -1;

/** Whether a lane of the vector's flags is unsafe: its vector is recomputed by the caller. */
// @ts-ignore: decorator
@inline function flagged(flags: v128): bool {
  return v128.any_true(i32x4.lt_u(flags, TINY));
}

/** f(x·y - p) with the product and difference in double (exact: p is x·y rounded), as the JavaScript writes an fmaf that cannot round. */
// @ts-ignore: decorator
@inline function productError(x: v128, y: v128, p: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(x, y, f32x4.neg(p)); // the same exact difference, rounded once
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

export function exp(n: i32): void {
  loadConstants();
  let redo = 0;
  for (let i = 0; i < n; i += 4) {
    const d = v128.load(IN + (<usize>i << 2));
    let f = i32x4.splat(NO_FLAGS);
    const q = toInt32(f32x4.nearest(mul(d, splat(R_LN2))));
    const qf = f32x4.convert_i32x4_s(q);
    const s0 = fma(qf, splat(-L2U), d); f = check(f, qf, splat(-L2U), d);
    const s = fma(qf, splat(-L2L), s0); f = check(f, qf, splat(-L2L), s0);
    const u0 = fma(splat(EXP_C0), s, splat(EXP_C1)); f = check(f, splat(EXP_C0), s, splat(EXP_C1));
    const u1 = fma(u0, s, splat(EXP_C2)); f = check(f, u0, s, splat(EXP_C2));
    const u2 = fma(u1, s, splat(EXP_C3)); f = check(f, u1, s, splat(EXP_C3));
    const u3 = fma(u2, s, splat(EXP_C4)); f = check(f, u2, s, splat(EXP_C4));
    const u = fma(u3, s, splat(0.5)); f = check(f, u3, s, splat(0.5));
    const ss = mul(s, s);
    const v = add(splat(1), fma(ss, u, s)); f = check(f, ss, u, s);
    const half = i32x4.shr_s(q, 1);
    let r = mul(mul(v, pow2i(half)), pow2i(i32x4.sub(q, half)));
    const under = f32x4.lt(d, splat(-104));
    const over = f32x4.lt(splat(100), d);
    r = v128.bitselect(splat(0), r, under);
    v128.store(OUT + (<usize>i << 2), v128.bitselect(splat(Infinity), r, over));
    if (flagged(v128.or(f, v128.or(under, over)))) store<i32>(REDO + (<usize>(redo++) << 2), i); // 0 and Infinity need no redo
  }
  store<i32>(COUNTS, redo);
  store<i32>(COUNTS, 0, 4);
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
 * The flags of the vector sinVector/cosVector last computed (a function
 * returns one value; a global read once per vector costs little).
 */
let RESULT_FLAGS: v128 = i64x2.splat(0);

/**
 * s·(1 + s²·(c3 + s²·u(s²))) rounded to float32, for the reduced argument
 * s = hi + lo (sinFactor and sinPolyValue of sleefTrigFloat32.ts).
 */
// @ts-ignore: decorator
@inline function sinPolynomial(x: v128, lo: v128, flags: v128): v128 {
  let f = flags;
  const qx = mul(x, x);
  const x2 = add(x, x);
  const e = productError(x, x, qx);
  const qy = fma(x2, lo, e); f = check(f, x2, lo, e);
  const u0 = fma(splat(SIN_C0), qx, splat(SIN_C1)); f = check(f, splat(SIN_C0), qx, splat(SIN_C1));
  const u1 = fma(u0, qx, splat(SIN_C2)); f = check(f, u0, qx, splat(SIN_C2));
  const u = mul(u1, qx);
  const ax = add(splat(SIN_C3), u);
  const ay = add(sub(splat(SIN_C3), ax), u);
  const mx = mul(ax, qx);
  const em = productError(ax, qx, mx);
  const my0 = fma(ay, qx, em); f = checkInexact(f, ay, qx, em);
  const my = fma(ax, qy, my0); f = check(f, ax, qy, my0);
  const fHi = add(splat(1), mx);
  const fLo = add(add(sub(splat(1), fHi), mx), my);
  const xl = mul(x, fLo);
  const p0 = fma(lo, fHi, xl); f = check(f, lo, fHi, xl);
  const p = fma(x, fHi, p0); f = check(f, x, fHi, p0);
  RESULT_FLAGS = f;
  return p;
}

// @ts-ignore: decorator
@inline function sinVector(d: v128): v128 {
  const u = f32x4.nearest(mul(d, splat(M_1_PI)));
  const q = i32x4.trunc_sat_f32x4_s(u); // lanes with |d| >= 125 are recomputed by the caller
  const v = fma(u, splat(-PI_A2), d);
  const f = check(i32x4.splat(NO_FLAGS), u, splat(-PI_A2), d);
  const b = mul(u, splat(-PI_B2));
  const x = add(v, b);
  const w = sub(x, v);
  const y = add(sub(v, sub(x, w)), sub(b, w));
  const c = mul(u, splat(-PI_C2));
  const hi = add(x, c);
  const lo = add(add(sub(x, hi), c), y);
  const r = v128.xor(sinPolynomial(hi, lo, f), i32x4.shl(v128.and(q, i32x4.splat(1)), 31));
  return v128.bitselect(d, r, i32x4.eq(d, i32x4.splat(0x80000000))); // sin(-0) = -0
}

// @ts-ignore: decorator
@inline function cosVector(d: v128): v128 {
  const t = fma(d, splat(M_1_PI), splat(-0.5));
  const f = check(i32x4.splat(NO_FLAGS), d, splat(M_1_PI), splat(-0.5));
  // fmaf(rint(t), 2, 1) is exact for |d| < 125: a multiply and an add
  const dq = add(mul(f32x4.nearest(t), splat(2)), splat(1));
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
  return v128.xor(sinPolynomial(hi, lo, f), i32x4.shl(v128.andnot(i32x4.splat(2), q), 30));
}

/** Lists (and maps) the lane groups of 8 with a lane outside (-125, 125) (or NaN); returns how many. */
function listWideGroups(n: i32): i32 {
  const limit = splat(125);
  let count = 0;
  for (let g = 0; g < n; g += 8) {
    const a = v128.load(IN + (<usize>g << 2));
    const b = v128.load(IN + (<usize>g << 2), 16);
    const wide = !i32x4.all_true(v128.and(f32x4.lt(f32x4.abs(a), limit), f32x4.lt(f32x4.abs(b), limit)));
    store<u8>(WIDE_MAP + (<usize>g >> 3), wide);
    if (wide) store<i32>(WIDE + (<usize>(count++) << 2), g);
  }
  return count;
}

/** Zeros after the n inputs up to the end of their lane group (they never make a group wide). */
function padGroup(n: i32): void {
  for (let i = n; i & 7; i++) store<f32>(IN + (<usize>i << 2), 0);
}

export function sin(n: i32): void {
  trig(n, false);
}

export function cos(n: i32): void {
  trig(n, true);
}

/** sin or cos over the n inputs; inlined into each with `cosine` a constant, so the branch folds away (no call per vector). */
// @ts-ignore: decorator
@inline function trig(n: i32, cosine: bool): void {
  loadConstants();
  padGroup(n);
  store<i32>(COUNTS, listWideGroups(n), 4);
  let redo = 0;
  for (let i = 0; i < n; i += 4) {
    const d = v128.load(IN + (<usize>i << 2));
    v128.store(OUT + (<usize>i << 2), cosine ? cosVector(d) : sinVector(d));
    if (flagged(RESULT_FLAGS) && !load<u8>(WIDE_MAP + (<usize>i >> 3))) store<i32>(REDO + (<usize>(redo++) << 2), i);
  }
  store<i32>(COUNTS, redo);
}

/**
 * For the tests of the fmaf emulation: OUT[i] = the double sum of
 * a[i]·b[i] + c[i] rounded to float32 (a, b, c: IN from 0, n, 2n; n up to
 * CHUNK / 3), the vectors check() flags (checkInexact() if `inexact`) in
 * REDO.
 */
export function fmaForTests(n: i32, inexact: bool): void {
  loadConstants();
  let redo = 0;
  for (let i = 0; i < n; i += 4) {
    const a = v128.load(IN + (<usize>i << 2));
    const b = v128.load(IN + (<usize>(n + i) << 2));
    const c = v128.load(IN + (<usize>(2 * n + i) << 2));
    const none = i32x4.splat(NO_FLAGS);
    v128.store(OUT + (<usize>i << 2), fma(a, b, c));
    if (flagged(inexact ? checkInexact(none, a, b, c) : check(none, a, b, c))) store<i32>(REDO + (<usize>(redo++) << 2), i);
  }
  store<i32>(COUNTS, redo);
}
