/**
 * softmax and log_softmax over the last dimension as PyTorch 1.13's CPU
 * kernels compute them (SoftmaxKernel.cpp's _vec_softmax_lastdim and
 * _vec_log_softmax_lastdim), for the ops being added to the registry:
 * per row, the max, exp(x - max) with SLEEF's exp, a sum by vec::reduce_all
 * (vector lanes, then AVX2's shuffle tree for float32, a left fold for
 * float64), then x·(1/sum), or x - max - log(sum) with SLEEF's log.
 */
import type { DType } from '../dtype.js';
import { fma, fmaf } from './bits.js';
import * as s32 from './sleefFloat32.js';
import * as s64 from './sleefFloat64.js';

type Round = (x: number) => number;

/**
 * vec::reduce_all of `values[0..n)` with `op`: rows shorter than a vector
 * fold left; longer ones accumulate lane-wise (the partial last vector only
 * in its live lanes), then combine the lanes.
 */
function reduceAll(values: ArrayLike<number>, start: number, n: number, lanes: number, op: (a: number, b: number) => number): number {
  if (n < lanes) {
    let acc = values[start]!;
    for (let i = 1; i < n; i++) acc = op(acc, values[start + i]!);
    return acc;
  }
  const acc = new Float64Array(lanes);
  for (let l = 0; l < lanes; l++) acc[l] = values[start + l]!;
  let d = lanes;
  for (; d < n - (n % lanes); d += lanes) for (let l = 0; l < lanes; l++) acc[l] = op(acc[l]!, values[start + d + l]!);
  for (let l = 0; d + l < n; l++) acc[l] = op(acc[l]!, values[start + d + l]!);
  if (lanes === 8) {
    // permute halves, then shuffle pairs, then neighbours
    const s = [0, 1, 2, 3].map((i) => op(acc[i]!, acc[i + 4]!));
    const t0 = op(s[0]!, s[2]!);
    const t1 = op(s[1]!, s[3]!);
    return op(t0, t1);
  }
  let r = acc[0]!;
  for (let l = 1; l < lanes; l++) r = op(r, acc[l]!);
  return r;
}

/** softmax (or log_softmax) of each row of `rows` × `n` contiguous values. */
export function softmaxLastDim(xs: ArrayLike<number>, rows: number, n: number, dtype: DType, log: boolean): Float64Array {
  const single = dtype === 'float32';
  const r: Round = single ? Math.fround : (x) => x;
  const exp = single ? (x: number) => s32.expf(x) : (x: number) => s64.exp(x);
  const ln = single ? (x: number) => s32.logf(x) : (x: number) => s64.log(x);
  const lanes = single ? 8 : 4;
  const max = (a: number, b: number) => (a !== a || b !== b ? NaN : a > b ? a : b);
  const add = (a: number, b: number) => r(a + b);
  const out = new Float64Array(rows * n);
  const e = new Float64Array(n);
  for (let row = 0; row < rows; row++) {
    const base = row * n;
    const m = reduceAll(xs, base, n, lanes, max);
    for (let i = 0; i < n; i++) e[i] = exp(r(xs[base + i]! - m));
    const sum = reduceAll(e, 0, n, lanes, add);
    if (log) {
      const logSum = ln(sum);
      for (let i = 0; i < n; i++) out[base + i] = r(r(xs[base + i]! - m) - logSum);
    } else {
      const inv = r(1 / sum);
      for (let i = 0; i < n; i++) out[base + i] = r(e[i]! * inv);
    }
  }
  return out;
}

/**
 * The backward of softmax/log_softmax along the last dim as 1.13's
 * _vec_softmax_backward computes it: log_softmax g - exp(y)·Σg, whose
 * multiply-subtract GCC fuses into one FMA; softmax (g - Σ g·y)·y, the
 * products summed lane-wise (fused into the accumulator) as reduce_all does.
 */
export function softmaxBackwardLastDim(gs: ArrayLike<number>, ys: ArrayLike<number>, rows: number, n: number, dtype: DType, log: boolean): Float64Array {
  const single = dtype === 'float32';
  const r: Round = single ? Math.fround : (x) => x;
  const fused = single ? fmaf : fma;
  const exp = single ? (x: number) => s32.expf(x) : (x: number) => s64.exp(x);
  const lanes = single ? 8 : 4;
  const add = (a: number, b: number) => r(a + b);
  const out = new Float64Array(rows * n);
  const products = new Float64Array(n);
  for (let row = 0; row < rows; row++) {
    const base = row * n;
    if (log) {
      const sum = reduceAll(gs, base, n, lanes, add);
      for (let i = 0; i < n; i++) out[base + i] = fused(-exp(ys[base + i]!), sum, gs[base + i]!);
    } else {
      let sum: number;
      if (n < lanes) {
        for (let i = 0; i < n; i++) products[i] = r(gs[base + i]! * ys[base + i]!);
        sum = reduceAll(products, 0, n, lanes, add);
      } else sum = fusedDotLanes(gs, ys, base, n, lanes, fused, add);
      for (let i = 0; i < n; i++) out[base + i] = r(r(gs[base + i]! - sum) * ys[base + i]!);
    }
  }
  return out;
}

/** map2_reduce_all(x·y, +) for rows of a vector or more: lane accumulators acc += x·y (fused), then the lane tree. */
function fusedDotLanes(
  gs: ArrayLike<number>,
  ys: ArrayLike<number>,
  base: number,
  n: number,
  lanes: number,
  fused: (a: number, b: number, c: number) => number,
  add: (a: number, b: number) => number,
): number {
  const acc = new Float64Array(lanes);
  for (let l = 0; l < lanes; l++) acc[l] = lanes === 8 ? Math.fround(gs[base + l]! * ys[base + l]!) : gs[base + l]! * ys[base + l]!;
  let d = lanes;
  for (; d + lanes <= n; d += lanes) for (let l = 0; l < lanes; l++) acc[l] = fused(gs[base + d + l]!, ys[base + d + l]!, acc[l]!);
  for (let l = 0; d + l < n; l++) acc[l] = fused(gs[base + d + l]!, ys[base + d + l]!, acc[l]!);
  return reduceAll(acc, 0, lanes, lanes, add);
}
