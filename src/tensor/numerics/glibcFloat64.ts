/**
 * glibc 2.36's scalar float64 exp and exp2 (the algorithm of its
 * sysdeps/ieee754/dbl-64 code, from Arm's optimized-routines): x = k/128 + r,
 * 2^(k/128) = H·(1 + T) from a 128-entry table (computed here exactly with
 * BigInt), and a degree-5 polynomial for e^r or 2^r. On an FMA machine
 * glibc runs exp's FMA build, so exp's products are fused where that
 * build fuses them (measured: not in its out-of-range special case);
 * exp2 has no such build. PyTorch's cpu_kernel_vec loops call these on their scalar
 * tails (sigmoid's std::exp …); exp2 calls exp2 on every element.
 */
import { doubleFromHalves, doubleHigh, doubleLow, fma, pow2 } from './bits.js';
import { fractionalPowersOfTwo } from './powersOfTwo.js';

const N = 128;
const PREC = 200n;

/** H[k] = 2^(k/N) rounded to double and T[k] = 2^(k/N)/H[k] - 1 rounded, for k < N. */
function table(): { H: Float64Array; T: Float64Array } {
  const H = new Float64Array(N);
  const T = new Float64Array(N);
  const powers = fractionalPowersOfTwo(N, PREC);
  for (let k = 0; k < N; k++) {
    const v = powers[k]!;
    const h = roundToDouble(v, PREC);
    H[k] = h;
    const hFixed = BigInt(h * 2 ** 52) << (PREC - 52n);
    // T = (v - h)/h, as a fixed-point number with PREC fraction bits
    T[k] = roundToDouble(((v - hFixed) << PREC) / hFixed, PREC);
  }
  return { H, T };
}

/** n / 2^prec rounded to the nearest double (ties to even), for |n / 2^prec| in the normal range. */
function roundToDouble(n: bigint, prec: bigint): number {
  const neg = n < 0n;
  let m = neg ? -n : n;
  if (m === 0n) return 0;
  const bits = m.toString(2).length;
  let exp = -Number(prec);
  if (bits > 53) {
    const shift = BigInt(bits - 53);
    const rest = m & ((1n << shift) - 1n);
    const half = 1n << (shift - 1n);
    m >>= shift;
    if (rest > half || (rest === half && (m & 1n) === 1n)) m += 1n;
    exp += bits - 53;
  }
  const v = Number(m) * 2 ** exp;
  return neg ? -v : v;
}

let tables: { H: Float64Array; T: Float64Array } | null = null;

const INV_LN2_N = 184.6649652337873; // 0x1.71547652b82fep0 · 128
const NEG_LN2_HI_N = -0.005415212348111709; // -0x1.62e42fefa0000p-8
const NEG_LN2_LO_N = -1.2864023111638346e-14; // -0x1.cf79abc9e3b3ap-47
const SHIFT = 6755399441055744; // 0x1.8p52
const EXP_C = [0.49999999999996786, 0.16666666666665886, 0.0416666808410674, 0.008333335853059549];
const EXP2_C = [0.6931471805599453, 0.24022650695909065, 0.0555041086686087, 0.009618131975721055, 0.0013332074570119598];

/**
 * 2^(k/N)·(1 + tmp) = scale + scale·tmp, with glibc's care for results out
 * of the normal range (its specialcase; below the range the FMA build
 * reuses the product scale·tmp, so nothing is fused there: measured).
 */
function finish(k: number, tmp: number, special: boolean, fused: boolean): number {
  const H = tables!.H;
  const idx = k & (N - 1);
  const top = Math.floor(k / N);
  if (!special) {
    const scale = H[idx]! * pow2(top);
    return fused ? fma(scale, tmp, scale) : scale + scale * tmp;
  }
  if (k >= 0) {
    const scale = H[idx]! * pow2(top - 1009);
    return 2 ** 1009 * (fused ? fma(scale, tmp, scale) : scale + scale * tmp);
  }
  const scale = H[idx]! * pow2(top + 1022);
  let y = scale + scale * tmp;
  if (y < 1.0) {
    let lo = scale - y + scale * tmp;
    const hi = 1.0 + y;
    lo = 1.0 - hi + y + lo;
    y = hi + lo - 1.0;
    if (y === 0) y = 0;
  }
  return 2 ** -1022 * y;
}

/** The biased exponent of |x|. */
function top12(x: number): number {
  return (doubleHigh(x) >>> 20) & 0x7ff;
}

export function exp(x: number): number {
  tables ??= table();
  let special = false;
  const abstop = top12(x);
  if (abstop >= 0x408 || abstop < 0x3c9) {
    if (abstop < 0x3c9) return 1.0 + x;
    if (abstop >= 0x409) {
      if (x === -Infinity) return 0;
      if (abstop >= 0x7ff) return 1.0 + x;
      return x < 0 ? 0 : Infinity;
    }
    special = true;
  }
  const z = INV_LN2_N * x;
  const kd = z + SHIFT - SHIFT;
  const r = fma(kd, NEG_LN2_LO_N, fma(kd, NEG_LN2_HI_N, x));
  const { T } = tables;
  const tail = T[kd & (N - 1)]!;
  const r2 = r * r;
  let tmp = fma(r2, fma(r, EXP_C[1]!, EXP_C[0]!), tail + r);
  tmp = fma(r2 * r2, fma(r, EXP_C[3]!, EXP_C[2]!), tmp);
  return finish(kd, tmp, special, true);
}

export function exp2(x: number): number {
  tables ??= table();
  let special = false;
  const abstop = top12(x);
  if (abstop >= 0x408 || abstop < 0x3c9) {
    if (abstop < 0x3c9) return 1.0 + x;
    if (abstop >= 0x409) {
      if (x === -Infinity) return 0;
      if (abstop >= 0x7ff) return 1.0 + x;
      if (x > 0) return Infinity;
      if (x <= -1075) return 0;
    }
    if (Math.abs(x) > 928) special = true;
  }
  const shift = SHIFT / N;
  const kd = x + shift - shift;
  const r = x - kd;
  const k = kd * N;
  const { T } = tables;
  const tail = T[k & (N - 1)]!;
  const r2 = r * r;
  // exp2 has no FMA build in glibc 2.36: plain arithmetic
  const tmp = tail + r * EXP2_C[0]! + r2 * (EXP2_C[1]! + r * EXP2_C[2]!) + r2 * r2 * (EXP2_C[3]! + r * EXP2_C[4]!);
  return finish(k, tmp, special, false);
}

const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const LP = [0, 6.66666666666673513e-1, 3.999999999940941908e-1, 2.857142874366239149e-1, 2.222219843214978396e-1, 1.818357216161805012e-1, 1.531383769920937332e-1, 1.479819860511658591e-1];

/**
 * glibc's log1p (fdlibm's algorithm with glibc's pipelined polynomial):
 * 1 + x = 2^k (1 + f) with a correction c for the rounding of 1 + x, then
 * log(1 + f) from s = f / (2 + f). glibc runs its FMA build here; the
 * fused steps are the ones that build's machine code fuses (read from its
 * disassembly): not s·(hfsq + R), which it computes apart.
 */
export function log1p(x: number): number {
  const hx = doubleHigh(x);
  const ax = hx & 0x7fffffff;
  let k = 1;
  let f = 0;
  let c = 0;
  let hu = 0;
  if (hx < 0x3fda827a) {
    if (ax >= 0x3ff00000) return x === -1 ? -Infinity : NaN;
    if (ax < 0x3e200000) return ax < 0x3c900000 ? x : fma(-(x * x), 0.5, x);
    if (hx > 0 || hx <= (0xbfd2bec3 | 0)) {
      k = 0;
      f = x;
      hu = 1;
    }
  } else if (hx >= 0x7ff00000) return x + x;
  if (k !== 0) {
    let u: number;
    if (hx < 0x43400000) {
      u = 1.0 + x;
      hu = doubleHigh(u);
      k = (hu >> 20) - 1023;
      c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0);
      c /= u;
    } else {
      u = x;
      hu = doubleHigh(u);
      k = (hu >> 20) - 1023;
      c = 0;
    }
    hu &= 0x000fffff;
    if (hu < 0x6a09e) {
      u = doubleFromHalves(hu | 0x3ff00000, doubleLow(u));
    } else {
      k += 1;
      u = doubleFromHalves(hu | 0x3fe00000, doubleLow(u));
      hu = (0x00100000 - hu) >> 2;
    }
    f = u - 1.0;
  }
  const hfsq = 0.5 * f * f;
  if (hu === 0) {
    if (f === 0) return k === 0 ? 0 : fma(k, LN2_HI, fma(k, LN2_LO, c));
    const R = hfsq * fma(-f, 0.66666666666666666, 1.0);
    return k === 0 ? f - R : fma(k, LN2_HI, -(R - fma(k, LN2_LO, c) - f));
  }
  const s = f / (2.0 + f);
  const z = s * s;
  const z2 = z * z;
  const R2 = fma(z, LP[3]!, LP[2]!);
  const z4 = z2 * z2;
  const R3 = fma(z, LP[5]!, LP[4]!);
  const z6 = z4 * z2;
  const R4 = fma(z, LP[7]!, LP[6]!);
  const R = fma(z6, R4, fma(z4, R3, fma(z, LP[1]!, z2 * R2)));
  const sR = s * (hfsq + R);
  if (k === 0) return f - (hfsq - sR);
  return fma(k, LN2_HI, -(hfsq - (sR + fma(k, LN2_LO, c)) - f));
}
