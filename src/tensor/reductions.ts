/**
 * The reductions beyond sum and mean on NDArrays: prod, var/std, norm,
 * logsumexp, cumsum/cumprod and softmax. Float tensors take PyTorch
 * 1.13's own loops (src/tensor/numerics: accumulation order and precision,
 * SLEEF/glibc functions), so their results are PyTorch's bit for bit;
 * integer tensors accumulate exactly in doubles.
 */
import { isFloating, type DType } from './dtype.js';
import { linesAlong } from './index-kernels.js';
import { broadcastTo, castValue, contiguousStrides, NDArray, VersionCounter, allocate, numelOf } from './ndarray.js';
import { mapBinary, reducedShape, sumDims } from './kernels.js';
import { cumulative, normPReduce, norm2Reduce, prodReduce, varianceReduce } from './numerics/reductions.js';
import { cascadeSum } from './numerics/sum.js';
import { softmaxAlong as softmaxKernel, softmaxBackwardAlong } from './numerics/softmax.js';
import * as s32 from './numerics/sleefFloat32.js';
import * as s64 from './numerics/sleefFloat64.js';

function fresh(values: ArrayLike<number>, shape: readonly number[], dtype: DType): NDArray {
  const out = allocate(dtype, values.length);
  for (let i = 0; i < values.length; i++) out[i] = castValue(dtype, values[i]!);
  return NDArray.adopt(out, shape, dtype);
}

const reducedMask = (a: NDArray, dims: readonly number[]) => a.shape.map((_, d) => dims.includes(d));

/** Row-major values of `a` grouped per output of a reduction over `dims`, for the exact integer paths. */
function integerReduce(a: NDArray, dims: readonly number[], init: number, step: (acc: number, x: number) => number): Float64Array {
  const xs = a.values();
  const kept = reducedShape(a.shape, dims, true);
  const outStrides = contiguousStrides(kept).map((s, i) => (dims.includes(i) ? 0 : s));
  const acc = new Float64Array(numelOf(kept)).fill(init);
  const index = new Array<number>(a.ndim).fill(0);
  let at = 0;
  for (let i = 0; i < xs.length; i++) {
    acc[at] = step(acc[at]!, xs[i]!);
    for (let d = a.ndim - 1; d >= 0; d--) {
      index[d]!++;
      at += outStrides[d]!;
      if (index[d]! < a.shape[d]!) break;
      at -= outStrides[d]! * a.shape[d]!;
      index[d] = 0;
    }
  }
  return acc;
}

export function prodDims(a: NDArray, dims: readonly number[], keepdim: boolean, dtype: DType): NDArray {
  const shape = reducedShape(a.shape, dims, keepdim);
  if (isFloating(a.dtype) && a.dtype === dtype) {
    return fresh(prodReduce(a.buffer, a.offset, a.shape, a.strides, reducedMask(a, dims), dtype), shape, dtype);
  }
  return fresh(integerReduce(a, dims, 1, (p, x) => p * x), shape, dtype);
}

/** var (`takeSqrt` false) or std with `correction` (1: unbiased). Float tensors only. */
export function varianceDims(a: NDArray, dims: readonly number[], keepdim: boolean, correction: number, takeSqrt: boolean): NDArray {
  const dtype = a.dtype;
  const round = dtype === 'float32' ? Math.fround : (v: number) => v;
  const all = a.shape.map(() => true);
  // std_var_all_cpu's mean is the float `mean()`: the cascade sum, divided once
  const meanOfAll = () => round(cascadeSum(a.buffer, a.offset, a.shape, a.strides, all, dtype)[0]! / a.numel);
  const values = varianceReduce(a.buffer, a.offset, a.shape, a.strides, reducedMask(a, dims), dtype, correction, takeSqrt, meanOfAll);
  return fresh(values, reducedShape(a.shape, dims, keepdim), dtype);
}

/** std::pow on the C library: glibc's pow is correctly rounded in all but rare cases, which powAccurate matches. */
const cPow32 = (x: number, y: number) => Math.fround(s64.powAccurate(x, y));

/** The p-norm (linalg.vector_norm's kernel) of a float tensor. */
export function normDims(a: NDArray, dims: readonly number[], keepdim: boolean, p: number): NDArray {
  const shape = reducedShape(a.shape, dims, keepdim);
  const mask = reducedMask(a, dims);
  const dtype = a.dtype;
  if (a.numel === 0) return NDArray.full(shape, p < 0 ? Infinity : 0, dtype);
  const values =
    p === 2
      ? norm2Reduce(a.buffer, a.offset, a.shape, a.strides, mask, dtype)
      : normPReduce(a.buffer, a.offset, a.shape, a.strides, mask, dtype, p, dtype === 'float32' ? cPow32 : s64.powAccurate);
  return fresh(values, shape, dtype);
}

/**
 * logsumexp as 1.13's composite: m = amax(x, dims), sum(exp(x - m)) over
 * dims (SLEEF's exp, the cascade sum), then log(·) + m with m's infinities
 * replaced by 0, each op rounding to the dtype.
 */
export function logsumexpDims(a: NDArray, dims: readonly number[], keepdim: boolean, dtype: DType): NDArray {
  const shape = reducedShape(a.shape, dims, keepdim);
  if (!isFloating(a.dtype) || a.dtype !== dtype) {
    const xs = a.copy('float64');
    const m = integerReduce(xs, dims, -Infinity, (acc, x) => Math.max(acc, x)).map((v) => (Number.isFinite(v) ? v : 0));
    const mKept = fresh(m, reducedShape(a.shape, dims, true), 'float64');
    const e = mapBinary(xs, broadcastTo(mKept, a.shape), 'float64', (x, mv) => Math.exp(x - mv));
    const sums = sumDims(e, dims, true, 'float64').values();
    return fresh(sums.map((s, i) => Math.log(s) + m[i]!), shape, dtype);
  }
  const single = dtype === 'float32';
  const exp = single ? s32.expf : s64.exp;
  const log = single ? s32.logf : s64.log;
  const round = single ? Math.fround : (v: number) => v;
  const maxes = integerReduce(a, dims, -Infinity, (acc, x) => (acc !== acc || x !== x ? NaN : x > acc ? x : acc));
  const maxKept = fresh(maxes, reducedShape(a.shape, dims, true), dtype);
  const e = inLayoutOf(a, mapBinary(a, broadcastTo(maxKept, a.shape), dtype, (x, m) => exp(round(x - m))));
  const sums = sumDims(e, dims, keepdim, dtype).values();
  return fresh(
    sums.map((s, i) => {
      const m = maxes[i]!;
      return round(log(s) + (Math.abs(m) === Infinity ? 0 : m));
    }),
    shape,
    dtype,
  );
}

/**
 * `values` (contiguous, of a's shape) laid out in memory as `a` is when `a`
 * is a dense permutation of a contiguous tensor (a transpose): TensorIterator
 * gives an op's output its input's layout, and the layout decides the order
 * in which a following reduction adds.
 */
function inLayoutOf(a: NDArray, values: NDArray): NDArray {
  const order = a.shape.map((_, d) => d).filter((d) => a.shape[d]! > 1).sort((x, y) => a.strides[y]! - a.strides[x]!);
  let expected = 1;
  for (let k = order.length - 1; k >= 0; k--) {
    if (a.strides[order[k]!] !== expected) return values;
    expected *= a.shape[order[k]!]!;
  }
  const strides = a.shape.map((n, d) => (n > 1 ? a.strides[d]! : 0));
  const xs = values.values();
  const out = allocate(values.dtype, xs.length);
  const index = new Array<number>(a.ndim).fill(0);
  for (let i = 0; i < xs.length; i++) {
    let at = 0;
    for (let d = 0; d < a.ndim; d++) at += index[d]! * strides[d]!;
    out[at] = xs[i]!;
    for (let d = a.ndim - 1; d >= 0 && ++index[d]! === a.shape[d]; d--) index[d] = 0;
  }
  return new NDArray(out, values.dtype, [...a.shape], strides, 0, new VersionCounter());
}

/** cumsum or cumprod along `dim` (a normalised dim; 0 for a 0-d tensor). */
export function cumulativeAlong(a: NDArray, dim: number, kind: 'sum' | 'prod', dtype: DType): NDArray {
  if (isFloating(a.dtype) && a.dtype === dtype) {
    return fresh(cumulative(kind, a.buffer, a.offset, a.shape, a.strides, dim, dtype), a.shape, dtype);
  }
  const xs = a.values();
  const out = new Float64Array(xs.length);
  for (const line of linesAlong(a.shape, dim)) {
    let acc = kind === 'sum' ? 0 : 1;
    for (let k = 0; k < line.length; k++) out[line[k]!] = acc = kind === 'sum' ? acc + xs[line[k]!]! : acc * xs[line[k]!]!;
  }
  return fresh(out, a.shape, dtype);
}

/** A tensor's extent around `dim` (a 0-d tensor counts as one element): outer × size × inner, and whether dim is the last. */
function around(a: NDArray, dim: number) {
  const shape = a.shape.length === 0 ? [1] : a.shape;
  const d = a.shape.length === 0 ? 0 : dim;
  return { outer: numelOf(shape.slice(0, d)), size: shape[d]!, inner: numelOf(shape.slice(d + 1)), last: d === shape.length - 1 };
}

/** softmax or log_softmax along `dim` of a float tensor (PyTorch makes the input contiguous first). */
export function softmaxDim(a: NDArray, dim: number, log: boolean): NDArray {
  const { outer, size, inner, last } = around(a, dim);
  return fresh(softmaxKernel(a.values(), outer, size, inner, a.dtype, log, last), a.shape, a.dtype);
}

/** _softmax_backward_data / _log_softmax_backward_data: g the incoming gradient, y the saved output (both made contiguous). */
export function softmaxBackwardDim(g: NDArray, y: NDArray, dim: number, dtype: DType, log: boolean): NDArray {
  const { outer, size, inner, last } = around(y, dim);
  return fresh(softmaxBackwardAlong(g.values(), y.values(), outer, size, inner, dtype, log, last), y.shape, dtype);
}
