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
import * as g32 from './glibcFloat32.js';
import * as g64 from './glibcFloat64.js';
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
 * softmax/log_softmax along a dim that is not the last (outer × size × inner
 * elements, contiguous), as 1.13's _vec_softmax and _vec_log_softmax run:
 *
 * - softmax takes blocks of one vector of inner positions: the max down the
 *   dim (NaN-propagating), e = exp(x - max) with SLEEF's exp summed lane-wise,
 *   then e / sum; inner positions left over (fewer than a vector) take the
 *   scalar loop: std::max, glibc's exp, and e / sum too.
 * - log_softmax walks chunks of inner positions: the max (a NaN never wins),
 *   Σ exp(x - max) (vectors with SLEEF's exp, the chunk's tail with glibc's),
 *   log of the sums (SLEEF's, on every element), then x - max - log.
 */
function softmaxInner(xs: ArrayLike<number>, outer: number, size: number, inner: number, dtype: DType, log: boolean): Float64Array {
  const single = dtype === 'float32';
  const r: Round = single ? Math.fround : (x) => x;
  const vexp = single ? s32.expf : s64.exp;
  const sexp = single ? g32.expf : g64.exp;
  const vlog = single ? s32.logf : s64.log;
  const lanes = single ? 8 : 4;
  const out = new Float64Array(outer * size * inner);
  if (log) {
    const bytes = single ? 4 : 8;
    const chunk = Math.floor(Math.max(Math.floor(131072 / size / bytes), lanes) / lanes) * lanes;
    const max = new Float64Array(chunk);
    const sum = new Float64Array(chunk);
    for (let o = 0; o < outer; o++) {
      for (let begin = 0; begin < inner; begin += chunk) {
        const n = Math.min(chunk, inner - begin);
        const vectorEnd = n - (n % lanes);
        max.fill(-Infinity);
        sum.fill(0);
        const at = (d: number, k: number) => o * size * inner + d * inner + begin + k;
        for (let d = 0; d < size; d++) for (let k = 0; k < n; k++) if (xs[at(d, k)]! > max[k]!) max[k] = xs[at(d, k)]!;
        for (let d = 0; d < size; d++) {
          for (let k = 0; k < n; k++) sum[k] = r(sum[k]! + (k < vectorEnd ? vexp : sexp)(r(xs[at(d, k)]! - max[k]!)));
        }
        for (let k = 0; k < n; k++) sum[k] = vlog(sum[k]!);
        for (let d = 0; d < size; d++) for (let k = 0; k < n; k++) out[at(d, k)] = r(r(xs[at(d, k)]! - max[k]!) - sum[k]!);
      }
    }
    return out;
  }
  const vmax = (a: number, b: number) => (a !== a || b !== b ? NaN : a > b ? a : b);
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    for (let k = 0; k < inner; k++) {
      const vector = k - (k % lanes) + lanes <= inner;
      let m = xs[base + k]!;
      for (let d = 1; d < size; d++) {
        const x = xs[base + d * inner + k]!;
        m = vector ? vmax(m, x) : m < x ? x : m;
      }
      let s = 0;
      for (let d = 0; d < size; d++) {
        const e = (vector ? vexp : sexp)(r(xs[base + d * inner + k]! - m));
        out[base + d * inner + k] = e;
        s = r(s + e);
      }
      for (let d = 0; d < size; d++) out[base + d * inner + k] = r(out[base + d * inner + k]! / s);
    }
  }
  return out;
}

/** softmax or log_softmax of a contiguous tensor (outer × size × inner) along its middle dim; `lastDim` when it is the tensor's last. */
export function softmaxAlong(xs: ArrayLike<number>, outer: number, size: number, inner: number, dtype: DType, log: boolean, lastDim: boolean): Float64Array {
  return lastDim ? softmaxLastDim(xs, outer, size, dtype, log) : softmaxInner(xs, outer, size, inner, dtype, log);
}

/**
 * vec::map2_reduce_all(x·y, +) over a row: like reduceAll on the products,
 * except that after the first vector the products are added fused (the
 * inlined `acc + x * y` the AVX2 build contracts).
 */
function dotAll(g: ArrayLike<number>, y: ArrayLike<number>, start: number, n: number, lanes: number, r: Round, fma: (a: number, b: number, c: number) => number): number {
  if (n < lanes) {
    let acc = r(g[start]! * y[start]!);
    for (let i = 1; i < n; i++) acc = r(acc + r(g[start + i]! * y[start + i]!));
    return acc;
  }
  const acc = new Float64Array(lanes);
  for (let l = 0; l < lanes; l++) acc[l] = r(g[start + l]! * y[start + l]!);
  let d = lanes;
  for (; d < n - (n % lanes); d += lanes) for (let l = 0; l < lanes; l++) acc[l] = fma(g[start + d + l]!, y[start + d + l]!, acc[l]!);
  for (let l = 0; d + l < n; l++) acc[l] = fma(g[start + d + l]!, y[start + d + l]!, acc[l]!);
  return reduceAll(acc, 0, lanes, lanes, (a, b) => r(a + b));
}

/**
 * The backward of softmax (g, y: grad_output and the saved output) or
 * log_softmax over the last dim, per row (1.13's
 * _vec_host_softmax_backward_lastdim): softmax: s = Σ g·y (map2_reduce_all),
 * (g - s)·y; log_softmax: s = Σ g (reduce_all), g - exp(y)·s fused.
 */
export function softmaxBackwardLastDim(g: ArrayLike<number>, y: ArrayLike<number>, rows: number, n: number, dtype: DType, log: boolean): Float64Array {
  const single = dtype === 'float32';
  const r: Round = single ? Math.fround : (x) => x;
  const fused = single ? fmaf : fma;
  const exp = single ? s32.expf : s64.exp;
  const lanes = single ? 8 : 4;
  const out = new Float64Array(rows * n);
  for (let row = 0; row < rows; row++) {
    const base = row * n;
    if (log) {
      const s = reduceAll(g, base, n, lanes, (a, b) => r(a + b));
      for (let i = 0; i < n; i++) out[base + i] = fused(-exp(y[base + i]!), s, g[base + i]!);
    } else {
      const s = dotAll(g, y, base, n, lanes, r, fused);
      for (let i = 0; i < n; i++) out[base + i] = r(r(g[base + i]! - s) * y[base + i]!);
    }
  }
  return out;
}

/**
 * The backward of softmax or log_softmax along a dim that is not the last
 * (1.13's _vec_softmax_backward and _vec_log_softmax_backward): chunks of
 * inner positions as the forward's log_softmax; per position the sum down
 * the dim (softmax: Σ g·y, each step fused; log_softmax: Σ g), then
 * softmax: y·(g - s); log_softmax: g - exp(y)·s, fused, with SLEEF's exp on
 * the chunk's vectors and glibc's on its tail.
 */
function softmaxBackwardInner(g: ArrayLike<number>, y: ArrayLike<number>, outer: number, size: number, inner: number, dtype: DType, log: boolean): Float64Array {
  const single = dtype === 'float32';
  const r: Round = single ? Math.fround : (x) => x;
  const fused = single ? fmaf : fma;
  const vexp = single ? s32.expf : s64.exp;
  const sexp = single ? g32.expf : g64.exp;
  const lanes = single ? 8 : 4;
  const chunk = Math.floor(Math.max(Math.floor(131072 / size / (single ? 4 : 8)), lanes) / lanes) * lanes;
  const sum = new Float64Array(chunk);
  const out = new Float64Array(outer * size * inner);
  for (let o = 0; o < outer; o++) {
    for (let begin = 0; begin < inner; begin += chunk) {
      const n = Math.min(chunk, inner - begin);
      const vectorEnd = n - (n % lanes);
      const at = (d: number, k: number) => o * size * inner + d * inner + begin + k;
      sum.fill(0);
      for (let d = 0; d < size; d++) {
        for (let k = 0; k < n; k++) sum[k] = log ? r(sum[k]! + g[at(d, k)]!) : fused(g[at(d, k)]!, y[at(d, k)]!, sum[k]!);
      }
      for (let d = 0; d < size; d++) {
        for (let k = 0; k < n; k++) {
          const i = at(d, k);
          out[i] = log ? fused(-(k < vectorEnd ? vexp : sexp)(y[i]!), sum[k]!, g[i]!) : r(y[i]! * r(g[i]! - sum[k]!));
        }
      }
    }
  }
  return out;
}

/** The backward of softmax or log_softmax (g, y contiguous, outer × size × inner) along its middle dim. */
export function softmaxBackwardAlong(g: ArrayLike<number>, y: ArrayLike<number>, outer: number, size: number, inner: number, dtype: DType, log: boolean, lastDim: boolean): Float64Array {
  return lastDim ? softmaxBackwardLastDim(g, y, outer, size, dtype, log) : softmaxBackwardInner(g, y, outer, size, inner, dtype, log);
}
