/**
 * IEEE-754 building blocks that JavaScript lacks: float32 and float64 fused
 * multiply-add with one rounding (AVX2's vfmadd), round-half-even, the x86
 * float→int32 conversions, and bit casts. Everything here is exact.
 */

const buf = new ArrayBuffer(8);
const f32 = new Float32Array(buf, 0, 1);
const i32 = new Int32Array(buf, 0, 1);
const f64 = new Float64Array(buf);
const i32pair = new Int32Array(buf);

export const fround = Math.fround;

/** 2^q for integer q in [-1074, 1023] from a table (`2 ** q` with a variable q is slow in V8); 0 or Infinity outside. */
const POWERS_OF_TWO = Float64Array.from({ length: 2098 }, (_, i) => 2 ** (i - 1074));
export function pow2(q: number): number {
  return q < -1074 ? 0 : q > 1023 ? Infinity : POWERS_OF_TWO[q + 1074]!;
}

/** The bits of a float32 as a signed int32. */
export function floatBits(x: number): number {
  f32[0] = x;
  return i32[0]!;
}

/** The float32 whose bits are `bits` (taken modulo 2^32). */
export function bitsFloat(bits: number): number {
  i32[0] = bits;
  return f32[0]!;
}

/** Low and high int32 halves of a double's bits. */
export function doubleHigh(x: number): number {
  f64[0] = x;
  return i32pair[1]!;
}

export function doubleLow(x: number): number {
  f64[0] = x;
  return i32pair[0]!;
}

export function doubleFromHalves(high: number, low: number): number {
  i32pair[1] = high;
  i32pair[0] = low;
  return f64[0]!;
}

const FLOAT_MAX = 3.4028234663852886e38;
/** 2^128 - 2^103: doubles at or above it round to float32 infinity. */
const FLOAT_OVERFLOW = 3.4028235677973366e38;

/**
 * float32 a*b + c rounded once. a*b is exact in double (24+24 bits), so the
 * double sum s is off by at most half a double ulp. Rounding s to float32
 * is then right unless s sits exactly on a float32 midpoint: then
 * s + (s - r) (s - r is exact) is the other float32 neighbour, while for
 * any other s it lies strictly between two float32s, however close s is to
 * r. At a midpoint TwoSum's error term of the sum decides the direction
 * (midpoints are common: error terms of few bits add up exactly). Kept
 * short and without calls on its common paths, so that V8 inlines it into
 * the SLEEF kernels (a call would box its double arguments and result).
 */
export function fmaf(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const r = fround(s);
  const other = s + (s - r);
  if (r === s || fround(other) !== other) return r;
  if (r - r !== 0) return overflowCase(p, c, s, r);
  const bb = s - p;
  const e = p - (s - bb) + (c - bb);
  return e === 0 || (e > 0) !== (other > r) ? r : other;
}

// Run the midpoint path now: a kernel compiled before any midpoint came
// up (type feedback only for the common paths) would be thrown away at its
// first one, and its loop left to the interpreter until recompiled (about
// 10 ms of a first million-element linspace). Run a few dozen times: V8 gives
// a function its feedback vector only after several calls, and records
// nothing before.
for (let i = 0; i < 32; i++) {
  fmaf(1, 1 + 2 ** -24, 0);
  fmaf(1, 1 + 2 ** -24, 2 ** -60);
}

/** s rounds to ±infinity: it stays finite only if s is exactly the midpoint 2^128 - 2^103 and the exact sum lies below it. */
function overflowCase(p: number, c: number, s: number, r: number): number {
  if (Math.abs(s) !== FLOAT_OVERFLOW) return r;
  const bb = s - p;
  const e = p - (s - bb) + (c - bb);
  return e !== 0 && (e > 0) !== (s > 0) ? Math.sign(s) * FLOAT_MAX : r;
}

/** Round half to even (the x86 default rounding of _mm256_round_ps/cvtps). */
export function rint(x: number): number {
  if (!(Math.abs(x) < 4503599627370496)) return x;
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * cvtps2dq / cvtpd2dq: round half even to int32; NaN and out of range give
 * INT32_MIN. An integer has no -0 (`| 0`), which also keeps V8 on int32s.
 */
export function rintToInt32(x: number): number {
  const r = rint(x);
  return r >= -2147483648 && r < 2147483648 ? r | 0 : -2147483648;
}

/** cvttps2dq / cvttpd2dq: truncate to int32; NaN and out of range give INT32_MIN. */
export function truncToInt32(x: number): number {
  const r = Math.trunc(x);
  return r >= -2147483648 && r < 2147483648 ? r | 0 : -2147483648;
}

// ---- float64 ----

const SPLIT = 134217729; // 2^27 + 1

/**
 * float64 a*b + c with one rounding. Dekker's product gives a*b = ph + pl
 * exactly, TwoSum gives c + ph = th + tl exactly, so the result is the
 * rounding of th + tl + pl. Adding v = tl + pl (error ev) to th is right
 * unless th + v lands exactly on a midpoint between two doubles with ev
 * pointing away from the even neighbour: then the other neighbour is the
 * answer. (The same conclusion as Boldo and Melquiond's round-to-odd
 * emulation, checked against it and against exact BigInt arithmetic.)
 * Valid away from overflow and from |a| or |b| above 2^996 (the split).
 */
export function fma(a: number, b: number, c: number): number {
  const ph = a * b;
  if (!Number.isFinite(ph) || !Number.isFinite(c) || ph === 0) return ph + c;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const pl = ah * bh - ph + ah * bl + al * bh + al * bl;
  if (pl === 0) return ph + c;
  const th = c + ph;
  let bb = th - c;
  const tl = c - (th - bb) + (ph - bb);
  const v = tl + pl;
  bb = v - tl;
  const ev = tl - (v - bb) + (pl - bb);
  const r = th + v;
  if (ev === 0) return r;
  bb = r - th;
  const er = th - (r - bb) + (v - bb);
  if (er === 0) return r;
  const other = r + 2 * er;
  if (other - r !== 2 * er) return r;
  return (ev > 0) === (er > 0) ? other : r;
}
