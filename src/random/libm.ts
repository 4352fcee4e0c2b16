/**
 * Double-precision log, sin and cos exactly as glibc 2.36 computes them on
 * an x86-64 CPU with FMA (the `__log_fma`, `__sin_fma`, `__cos_fma`
 * variants its ifunc picks), since PyTorch's normal and exponential kernels
 * call them. glibc's results are not always correctly rounded (about 0.1 %
 * of logs and 0.15 % of sines differ from the correctly rounded value), and
 * JavaScript's Math functions differ from both, so the algorithms are
 * followed step by step: the same table lookups, the same polynomials in
 * the same order, and a fused multiply-add wherever GCC contracts `a * b + c`
 * in those files (compiled with -mfma and GCC's default -ffp-contract=fast).
 * docs/random.md tells how this was checked against the machine's libm.
 */
import { LOG_INVC, LOG_LOGC, SINCOS_TABLE } from './libm-tables.js';

const SPLITTER = 134217729; // 2^27 + 1 (Veltkamp's split)
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Move a nonzero double one unit in the last place towards `direction`'s sign. */
function stepTowards(x: number, direction: number): number {
  f64[0] = x;
  if (x > 0 === direction > 0) {
    u32[0] = u32[0]! + 1;
    if (u32[0] === 0) u32[1] = u32[1]! + 1;
  } else {
    if (u32[0] === 0) u32[1] = u32[1]! - 1;
    u32[0] = u32[0]! - 1;
  }
  return f64[0];
}

/**
 * fma(a, b, c) = a * b + c with one rounding (Boldo and Melquiond's
 * emulation: exact product and sum split into parts, the low parts added
 * with rounding to odd, the total rounded to nearest). Finite operands away
 * from overflow and underflow, which is all this module needs.
 */
export function fma(a: number, b: number, c: number): number {
  const p = a * b;
  if (!Number.isFinite(p) || p === 0 || !Number.isFinite(c)) return p + c;
  // Exact product p + pe (Dekker).
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const pe = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  // Exact sum s + se = c + p (Knuth's two-sum).
  const s = c + p;
  const bv = s - c;
  const se = (c - (s - bv)) + (p - bv);
  // v = se + pe rounded to odd.
  let v = se + pe;
  const vb = v - se;
  const ve = (se - (v - vb)) + (pe - vb);
  if (ve !== 0) {
    f64[0] = v;
    if ((u32[0]! & 1) === 0) v = stepTowards(v, ve);
  }
  return s + v;
}

// ---------------------------------------------------------------- log

const LN2_HI = 0.6931471805598903; // 0x1.62e42fefa3800p-1
const LN2_LO = 5.497923018708371e-14; // 0x1.ef35793c76730p-45
/** log(1 + r) - r near r = 0, for |r| < 1/256 (glibc's `poly`). */
const A = [-0.5000000000000001, 0.33333333331825593, -0.2499999999622955, 0.20000304511814496, -0.16667054827627667];
/** log(1 + r) for x within 1/16 of 1 (glibc's `poly1`). */
const B = [
  -0.5, 0.3333333333333352, -0.24999999999998432, 0.19999999999320328, -0.16666666669929706, 0.14285715076560868,
  -0.12499997863982555, 0.11110712032936046, -0.10000486757818193, 0.09181994006195467, -0.08328363062289341,
];
/** The near-1 path covers [1 - 2^-4, 1 + 0x1.09p-4): high words of its bounds. */
const NEAR_ONE_LOW = 0x3fee0000;
const NEAR_ONE_HIGH = 0x3ff10900;
/** High word of 0x1.6p-1: x = 2^k z with z in [0x1.6p-1, 0x1.6p0). */
const OFF_HIGH = 0x3fe60000;

export function glibcLog(x: number): number {
  f64[0] = x;
  let high = u32[1]!;
  if (high >= NEAR_ONE_LOW && high < NEAR_ONE_HIGH) {
    if (x === 1) return 0;
    const r = x - 1.0;
    const r2 = r * r;
    const r3 = r * r2;
    const inner = fma(r3, B[10]!, fma(r2, B[9]!, fma(r, B[8]!, B[7]!)));
    const mid = fma(r3, inner, fma(r2, B[6]!, fma(r, B[5]!, B[4]!)));
    const outer = fma(r3, mid, fma(r2, B[3]!, fma(r, B[2]!, B[1]!)));
    const w = r * 0x8000000;
    const rhi = r + w - w;
    const rlo = r - rhi;
    const w2 = rhi * rhi * B[0]!;
    const hi = r + w2;
    let lo = r - hi + w2;
    lo = fma(B[0]! * rlo, rhi + r, lo);
    return fma(r3, outer, lo) + hi;
  }
  if (!(x > 0) || x === Infinity) {
    if (x === 0) return -Infinity;
    return x === Infinity ? x : NaN;
  }
  if (x < 2.2250738585072014e-308) {
    f64[0] = x * 4503599627370496; // 2^52: normalise a subnormal
    u32[1] = u32[1]! - (52 << 20);
    high = u32[1]!;
  }
  // The top bits of x - OFF pick the subinterval i and the exponent k; z keeps x's mantissa.
  const tmp = (high - OFF_HIGH) | 0;
  const i = (tmp >>> 13) & 127;
  const k = tmp >> 20;
  u32[1] = high - (tmp & 0xfff00000);
  const z = f64[0];
  const r = fma(z, LOG_INVC[i]!, -1.0);
  const w = fma(k, LN2_HI, LOG_LOGC[i]!);
  const hi = w + r;
  const lo = fma(k, LN2_LO, w - hi + r);
  const r2 = r * r;
  const tail = fma(r2, fma(r, A[4]!, A[3]!), fma(r, A[2]!, A[1]!));
  return fma(r * r2, tail, fma(r2, A[0]!, lo)) + hi;
}

// ---------------------------------------------------------------- sin, cos

const S1 = -0.16666666666666666;
const S2 = 0.008333333333332329;
const S3 = -0.00019841269834414642;
const S4 = 2.755729806860771e-6;
const S5 = -2.5022014848318398e-8;
const BIG = 52776558133248; // 0x1.8p45: adding it rounds to a multiple of 1/128
const HP0 = 1.5707963267948966;
const HP1 = 6.123233995736766e-17;
const MP1 = 1.5707963407039642;
const MP2 = -1.3909067564377153e-8;
const PP3 = -4.97899623147991e-17;
const PP4 = -1.9034889620193266e-25;
const HPINV = 0.6366197723675814;
const TOINT = 6755399441055744; // 0x1.8p52
const SN3 = -1.66666666666664880952546298448555e-1;
const SN5 = 8.33333214285722277379541354343671e-3;
const CS2 = 4.99999999999999999999950396842453e-1;
const CS4 = -4.16666666666664434524222570944589e-2;
const CS6 = 1.38888874007937613028114285595617e-3;

/** The table row of the multiple of 1/128 nearest |x| (u = BIG + |x|). */
function row(u: number): number {
  f64[0] = u;
  return u32[0]! << 2;
}

function taylorSin(xx: number, a: number, da: number): number {
  const poly = fma(fma(fma(fma(S5, xx, S4), xx, S3), xx, S2), xx, S1);
  const t = fma(fma(poly, a, -(0.5 * da)), xx, da);
  return a + t;
}

function doCos(x: number, dx: number): number {
  if (x < 0) dx = -dx;
  const u = BIG + Math.abs(x);
  x = Math.abs(x) - (u - BIG) + dx;
  const xx = x * x;
  const s = fma(x * xx, fma(xx, SN5, SN3), x);
  const c = xx * fma(xx, fma(xx, CS6, CS4), CS2);
  const k = row(u);
  const sn = SINCOS_TABLE[k]!;
  const ssn = SINCOS_TABLE[k + 1]!;
  const cs = SINCOS_TABLE[k + 2]!;
  const ccs = SINCOS_TABLE[k + 3]!;
  const cor = fma(-sn, s, fma(-cs, c, fma(-s, ssn, ccs)));
  return cs + cor;
}

function doSin(x: number, dx: number): number {
  const xold = x;
  if (Math.abs(x) < 0.126) return taylorSin(x * x, x, dx);
  if (x <= 0) dx = -dx;
  const u = BIG + Math.abs(x);
  x = Math.abs(x) - (u - BIG);
  const xx = x * x;
  const s = x + fma(x * xx, fma(xx, SN5, SN3), dx);
  const c = fma(x, dx, xx * fma(xx, fma(xx, CS6, CS4), CS2));
  const k = row(u);
  const sn = SINCOS_TABLE[k]!;
  const ssn = SINCOS_TABLE[k + 1]!;
  const cs = SINCOS_TABLE[k + 2]!;
  const ccs = SINCOS_TABLE[k + 3]!;
  const cor = fma(cs, s, fma(-sn, c, fma(s, ccs, ssn)));
  const r = sn + cor;
  return xold < 0 ? -Math.abs(r) : Math.abs(r);
}

/** x = n * pi/2 + (a + da), |a + da| <= pi/4, for |x| < 105414350. */
function reduce(x: number): { n: number; a: number; da: number } {
  const t = fma(x, HPINV, TOINT);
  const xn = t - TOINT;
  f64[0] = t;
  const n = u32[0]! & 3;
  const y = fma(-xn, MP2, fma(-xn, MP1, x));
  const t2 = fma(-xn, PP3, y);
  let db = fma(-xn, PP3, y - t2);
  const b = fma(-xn, PP4, t2);
  db += fma(-xn, PP4, t2 - b);
  return { n, a: b, da: db };
}

function sinCosQuadrant(a: number, da: number, n: number): number {
  const r = n & 1 ? doCos(a, da) : doSin(a, da);
  return n & 2 ? -r : r;
}

/** |x|'s high word, for glibc's range tests. */
function highWord(x: number): number {
  f64[0] = x;
  return u32[1]! & 0x7fffffff;
}

export function glibcSin(x: number): number {
  const k = highWord(x);
  if (k < 0x3e500000) return x;
  if (k < 0x3feb6000) return doSin(x, 0);
  if (k < 0x400368fd) {
    const r = doCos(HP0 - Math.abs(x), HP1);
    return x < 0 ? -Math.abs(r) : Math.abs(r);
  }
  if (k < 0x419921fb) {
    const { n, a, da } = reduce(x);
    return sinCosQuadrant(a, da, n);
  }
  if (k < 0x7ff00000) return Math.sin(x); // beyond any argument the kernels produce (2π at most)
  return NaN;
}

export function glibcCos(x: number): number {
  const k = highWord(x);
  if (k < 0x3e400000) return 1.0;
  if (k < 0x3feb6000) return doCos(x, 0);
  if (k < 0x400368fd) {
    const y = HP0 - Math.abs(x);
    const a = y + HP1;
    const da = y - a + HP1;
    return doSin(a, da);
  }
  if (k < 0x419921fb) {
    const { n, a, da } = reduce(x);
    return sinCosQuadrant(a, da, n + 1);
  }
  if (k < 0x7ff00000) return Math.cos(x);
  return NaN;
}
