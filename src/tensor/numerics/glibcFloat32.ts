/**
 * glibc 2.36's scalar float32 expf and exp2f (the algorithm of its
 * sysdeps/ieee754/flt-32 code, from Arm's optimized-routines): in double,
 * x = k/32 + r, 2^(k/32) from a 32-entry table and a cubic for 2^r, one
 * final rounding to float. PyTorch's cpu_kernel_vec loops call these for
 * the elements after the last full block of 16 (sigmoid's std::exp, …).
 * On an FMA machine glibc runs its FMA build, so the polynomial steps are
 * fused here too.
 */
import { bitsFloat, floatBits, fma, pow2 } from './bits.js';
import { fractionalPowersOfTwo } from './powersOfTwo.js';

const N = 32;

/** 2^(i/N) rounded to the nearest double (ties to even). */
function exp2Table(): Float64Array {
  const prec = 120n;
  return Float64Array.from(fractionalPowersOfTwo(N, prec), (v) => {
    // v has prec fraction bits and lies in [1, 2): keep 52 of them, rounding half to even
    const shift = prec - 52n;
    let m = v >> shift;
    const rest = v - (m << shift);
    const half = 1n << (shift - 1n);
    if (rest > half || (rest === half && (m & 1n) === 1n)) m += 1n;
    return Number(m) / 2 ** 52;
  });
}

const T = exp2Table();
const C0 = 0.05550361559341535;
const C1 = 0.2402284522445722;
const C2 = 0.6931471806916203;
const INV_LN2_N = 1.4426950408889634 * N;
const SHIFT = 6755399441055744.0;

/** s·(1 + C2 r + C1 r² + C0 r³)/scales with s = 2^(k/N). */
function exp2Poly(k: number, r: number, c0: number, c1: number, c2: number): number {
  const s = T[k & (N - 1)]! * pow2(k >> 5);
  const z = fma(c0, r, c1);
  const r2 = r * r;
  let y = fma(c2, r, 1);
  y = fma(z, r2, y);
  return Math.fround(y * s);
}

export function expf(x: number): number {
  if (!(Math.abs(x) < 88)) {
    if (x === -Infinity) return 0;
    if (x !== x || x === Infinity) return x + x;
    if (x > 88.72283172607422) return Infinity;
    if (x < -103.97207641601562) return 0;
  }
  const z = INV_LN2_N * x;
  const kd = z + SHIFT - SHIFT;
  return exp2Poly(kd, z - kd, C0 / N / N / N, C1 / N / N, C2 / N);
}

export function exp2f(x: number): number {
  if (!(Math.abs(x) < 128)) {
    if (x === -Infinity) return 0;
    if (x !== x || x === Infinity) return x + x;
    if (x > 0) return Infinity;
    if (x <= -150) return 0;
  }
  const shift = SHIFT / N;
  const kd = x + shift - shift;
  return exp2Poly(kd * N, x - kd, C0, C1, C2);
}

const LN2_HI = 6.9313812256e-1;
const LN2_LO = 9.0580006145e-6;
const LP = [6.6666668653e-1, 4.0000000596e-1, 2.8571429849e-1, 2.2222198546e-1, 1.818357259e-1, 1.5313838422e-1, 1.479819864e-1].map(Math.fround);

/**
 * glibc's log1pf (the fdlibm algorithm in float32 arithmetic): 1 + x = 2^k (1 + f)
 * with a correction term c for the rounding of 1 + x, then log(1 + f) from
 * s = f / (2 + f) and a degree-14 polynomial in s.
 */
export function log1pf(x: number): number {
  const r = Math.fround;
  const hx = floatBits(x);
  const ax = hx & 0x7fffffff;
  let k = 1;
  let f = 0;
  let c = 0;
  let hu = 0;
  if (hx < 0x3ed413d7) {
    if (ax >= 0x3f800000) return x === -1 ? -Infinity : NaN;
    if (ax < 0x31000000) return ax < 0x24800000 ? x : r(x - r(r(x * x) * 0.5));
    if (hx > 0 || hx <= (0xbe95f61f | 0)) {
      k = 0;
      f = x;
      hu = 1;
    }
  }
  if (hx >= 0x7f800000) return x + x;
  const ln2Hi = r(LN2_HI);
  const ln2Lo = r(LN2_LO);
  if (k !== 0) {
    let u: number;
    if (hx < 0x5a000000) {
      u = r(1 + x);
      hu = floatBits(u);
      k = (hu >> 23) - 127;
      c = k > 0 ? r(1 - r(u - x)) : r(x - r(u - 1));
      c = r(c / u);
    } else {
      u = x;
      hu = floatBits(u);
      k = (hu >> 23) - 127;
      c = 0;
    }
    hu &= 0x007fffff;
    if (hu < 0x3504f7) {
      u = bitsFloat(hu | 0x3f800000);
    } else {
      k += 1;
      u = bitsFloat(hu | 0x3f000000);
      hu = (0x00800000 - hu) >> 2;
    }
    f = r(u - 1);
  }
  const hfsq = r(r(0.5 * f) * f);
  const kf = r(k);
  if (hu === 0) {
    if (f === 0) return k === 0 ? 0 : r(r(kf * ln2Hi) + r(c + r(kf * ln2Lo)));
    const R = r(hfsq * r(1 - r(r(0.66666666666666666) * f)));
    return k === 0 ? r(f - R) : r(r(kf * ln2Hi) - r(r(R - r(r(kf * ln2Lo) + c)) - f));
  }
  const s = r(f / r(2 + f));
  const z = r(s * s);
  let p = r(z * LP[6]!);
  for (let i = 5; i >= 0; i--) p = r(z * r(LP[i]! + p));
  const R = p;
  if (k === 0) return r(f - r(hfsq - r(s * r(hfsq + R))));
  return r(r(kf * ln2Hi) - r(r(hfsq - r(r(s * r(hfsq + R)) + r(r(kf * ln2Lo) + c))) - f));
}
