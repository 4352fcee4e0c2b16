/**
 * glibc 2.36's scalar float32 expf and exp2f (the algorithm of its
 * sysdeps/ieee754/flt-32 code, from Arm's optimized-routines): in double,
 * x = k/32 + r, 2^(k/32) from a 32-entry table and a cubic for 2^r, one
 * final rounding to float. PyTorch's cpu_kernel_vec loops call these for
 * the elements after the last full block of 16 (sigmoid's std::exp, …).
 * On an FMA machine glibc runs its FMA build, so the polynomial steps are
 * fused here too.
 */
import { fma } from './bits.js';

const N = 32;

/** 2^(i/N) rounded to nearest double, by an exact integer root (BigInt). */
function exp2Table(): Float64Array {
  const table = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const target = 1n << BigInt(52 * N + i); // m^N ≈ 2^(52N + i) for m ≈ 2^52·2^(i/N)
    let lo = 1n << 52n;
    let hi = 1n << 53n;
    while (hi - lo > 1n) {
      const mid = (lo + hi) >> 1n;
      if (mid ** BigInt(N) <= target) lo = mid;
      else hi = mid;
    }
    // round: compare (2lo + 1)^N with 2^N · target
    const up = (2n * lo + 1n) ** BigInt(N) <= target << BigInt(N);
    table[i] = Number(up ? lo + 1n : lo) / 2 ** 52;
  }
  return table;
}

const T = exp2Table();
const C0 = 0.05550361559341535;
const C1 = 0.2402284522445722;
const C2 = 0.6931471806916203;
const INV_LN2_N = 1.4426950408889634 * N;
const SHIFT = 6755399441055744.0;

/** s·(1 + C2 r + C1 r² + C0 r³)/scales with s = 2^(k/N). */
function exp2Poly(k: number, r: number, c0: number, c1: number, c2: number): number {
  const s = T[k & (N - 1)]! * 2 ** Math.floor(k / N);
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
