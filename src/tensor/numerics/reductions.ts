/**
 * prod, the 2-norm and cumsum/cumprod as PyTorch 1.13's CPU kernels
 * compute them (ReduceOpsKernel.cpp, Reduce.h), for kernels that ops can
 * call: the same TensorIterator dimension order as sum (see sum.ts).
 *
 * - prod: binary_kernel_reduce_vec. A contiguous reduced row is read as
 *   blocks of 4 vectors, multiplied lane-wise down the blocks, the four
 *   accumulators combined as (a0·a1)·(a2·a3), the lanes folded left, then
 *   the elements after the last block multiplied in one by one; a reduced
 *   column of contiguous outputs is multiplied down in groups of 32/16
 *   columns, then one by one.
 * - norm (p = 2): float32 over one contiguous innermost dimension: 8 lanes
 *   of fused x·x sums folded into lane 0, then the tail, fused; otherwise
 *   (and always for float64, as measured) one sequential fused sum per
 *   output. Then sqrt. Measured: equal except 2 of 96 float32 cases (a
 *   reduced innermost dimension of 4, where PyTorch's tail is not fused).
 * - cumsum/cumprod: a running double (CPU's accumulate type), each output
 *   rounded to the dtype.
 */
import type { DType } from '../dtype.js';
import { fma, fmaf } from './bits.js';
import { planReduction, type IterDim } from './sum.js';

type Round = (x: number) => number;

/** Visit each output with its reduced elements' buffer offsets, in TensorIterator order (dim 0 fastest). */
interface Plan {
  dims: IterDim[];
  outSize: number;
}

function plan(shape: readonly number[], strides: readonly number[], reduced: readonly boolean[]): Plan {
  let outSize = 1;
  shape.forEach((n, d) => {
    if (!reduced[d]) outSize *= n;
  });
  return { dims: planReduction(shape, strides, reduced), outSize };
}

/** Iterate the 2-D loops TensorIterator hands a reduction kernel: (size0, size1) per outer index. */
function forEachLoop2d(
  dims: IterDim[],
  offset: number,
  body: (inBase: number, outBase: number, a: IterDim, b: IterDim) => void,
): void {
  const all = [...dims];
  while (all.length < 2) all.push({ size: 1, inStride: 0, outStride: 0 });
  const [a, b, ...outer] = all as [IterDim, IterDim, ...IterDim[]];
  const count = outer.reduce((n, d) => n * d.size, 1);
  const index = new Array<number>(outer.length).fill(0);
  let inBase = offset;
  let outBase = 0;
  for (let o = 0; o < count; o++) {
    body(inBase, outBase, a, b);
    for (let k = 0; k < outer.length; k++) {
      const d = outer[k]!;
      index[k]!++;
      inBase += d.inStride;
      outBase += d.outStride;
      if (index[k]! < d.size) break;
      inBase -= d.inStride * d.size;
      outBase -= d.outStride * d.size;
      index[k] = 0;
    }
  }
}

export function prodReduce(
  buf: ArrayLike<number>,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
  reduced: readonly boolean[],
  dtype: DType,
): Float64Array {
  const r: Round = dtype === 'float32' ? Math.fround : (x) => x;
  const lanes = dtype === 'float32' ? 8 : 4;
  const block = 4 * lanes;
  const { dims, outSize } = plan(shape, strides, reduced);
  const out = new Float64Array(outSize).fill(1);
  if (shape.some((n) => n === 0)) return out;
  forEachLoop2d(dims, offset, (inBase, outBase, a, b) => {
    if (a.outStride === 0 && a.inStride === 1) {
      // contiguous inner reduction, for each of b's outputs
      for (let j = 0; j < b.size; j++) {
        const base = inBase + j * b.inStride;
        const at = outBase + j * b.outStride;
        const count = Math.floor(a.size / block);
        if (count > 0) {
          const acc = new Float64Array(block);
          for (let l = 0; l < block; l++) acc[l] = buf[base + l]!;
          for (let i = 1; i < count; i++) for (let l = 0; l < block; l++) acc[l] = r(acc[l]! * buf[base + i * block + l]!);
          const lane = new Float64Array(lanes);
          for (let l = 0; l < lanes; l++) lane[l] = r(r(acc[l]! * acc[lanes + l]!) * r(acc[2 * lanes + l]! * acc[3 * lanes + l]!));
          let v = lane[0]!;
          for (let l = 1; l < lanes; l++) v = r(v * lane[l]!);
          out[at] = r(out[at]! * v);
        }
        for (let i = count * block; i < a.size; i++) out[at] = r(out[at]! * buf[base + i]!);
      }
    } else if (a.outStride === 0 && b.outStride === 1 && b.inStride === 1) {
      // outer reduction: columns multiplied down, 4 vectors of columns at a time, then the rest one by one
      const grouped = b.size - (b.size % block);
      for (let j = 0; j < b.size; j++) {
        const at = outBase + j;
        if (j < grouped) {
          let acc = buf[inBase + j]!;
          for (let i = 1; i < a.size; i++) acc = r(acc * buf[inBase + i * a.inStride + j]!);
          out[at] = r(acc * out[at]!);
        } else {
          for (let i = 0; i < a.size; i++) out[at] = r(out[at]! * buf[inBase + i * a.inStride + j]!);
        }
      }
    } else {
      for (let j = 0; j < b.size; j++) {
        for (let i = 0; i < a.size; i++) {
          const at = outBase + j * b.outStride + i * a.outStride;
          out[at] = r(out[at]! * buf[inBase + j * b.inStride + i * a.inStride]!);
        }
      }
    }
  });
  return out;
}

export function norm2Reduce(
  buf: ArrayLike<number>,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
  reduced: readonly boolean[],
  dtype: DType,
): Float64Array {
  const single = dtype === 'float32';
  const r: Round = single ? Math.fround : (x) => x;
  const fused = single ? fmaf : fma;
  const lanes = single ? 8 : 4;
  const { dims, outSize } = plan(shape, strides, reduced);
  const out = new Float64Array(outSize);
  if (shape.some((n) => n === 0)) return out;
  const reducedDims = dims.filter((d) => d.outStride === 0);
  if (single && reducedDims.length === 1 && dims[0]!.outStride === 0 && dims[0]!.inStride === 1) {
    // binary_kernel_reduce_lastdim: each output's contiguous row
    const [a, ...rest] = dims as [IterDim, ...IterDim[]];
    forEachLoop2d([{ size: 1, inStride: 0, outStride: 0 }, ...rest], offset, (inBase, outBase, _unit, b) => {
      for (let j = 0; j < b.size; j++) {
        const base = inBase + j * b.inStride;
        const acc = new Float64Array(lanes);
        const full = a.size - (a.size % lanes);
        for (let d = 0; d < full; d += lanes) for (let l = 0; l < lanes; l++) acc[l] = fused(buf[base + d + l]!, buf[base + d + l]!, acc[l]!);
        let s = acc[0]!;
        for (let l = 1; l < lanes; l++) s = r(s + acc[l]!);
        for (let d = full; d < a.size; d++) s = fused(buf[base + d]!, buf[base + d]!, s);
        out[outBase + j * b.outStride] = r(Math.sqrt(s));
      }
    });
    return out;
  }
  // binary_kernel_reduce with NormTwoOps: acc + x·x per element, fused, in iterator order
  const acc = new Float64Array(outSize);
  forEachLoop2d(dims, offset, (inBase, outBase, a, b) => {
    for (let j = 0; j < b.size; j++) {
      for (let i = 0; i < a.size; i++) {
        const at = outBase + j * b.outStride + i * a.outStride;
        const x = buf[inBase + j * b.inStride + i * a.inStride]!;
        acc[at] = fused(x, x, acc[at]!);
      }
    }
  });
  for (let k = 0; k < outSize; k++) out[k] = r(Math.sqrt(acc[k]!));
  return out;
}

/**
 * cumsum/cumprod along `dim` of a tensor (buffer, offset, strides): a
 * running double per line, each output rounded to the dtype; the result is
 * contiguous in the input's shape.
 */
export function cumulative(
  kind: 'sum' | 'prod',
  buf: ArrayLike<number>,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
  dim: number,
  dtype: DType,
): Float64Array {
  const r: Round = dtype === 'float32' ? Math.fround : (x) => x;
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  if (n === 0) return out;
  const outStrides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    outStrides[d] = s;
    s *= shape[d]!;
  }
  const len = shape[dim] ?? 1;
  const lines = n / len;
  const other = shape.map((_, d) => d).filter((d) => d !== dim);
  const index = new Array<number>(other.length).fill(0);
  for (let line = 0; line < lines; line++) {
    let inBase = offset;
    let outBase = 0;
    other.forEach((d, k) => {
      inBase += index[k]! * strides[d]!;
      outBase += index[k]! * outStrides[d]!;
    });
    let acc = kind === 'sum' ? 0 : 1;
    for (let i = 0; i < len; i++) {
      const x = buf[inBase + i * (strides[dim] ?? 0)]!;
      acc = kind === 'sum' ? acc + x : acc * x;
      out[outBase + i * (outStrides[dim] ?? 0)] = r(acc);
    }
    for (let k = other.length - 1; k >= 0; k--) {
      index[k]!++;
      if (index[k]! < shape[other[k]!]!) break;
      index[k] = 0;
    }
  }
  return out;
}

/**
 * var/std (`correction` 1 for the unbiased estimate, 0 for the population).
 * Over all dims PyTorch takes two passes (std_var_all_cpu): the mean (its
 * float sum, as `mean()`), then Σ(x - mean)² in double, in memory order,
 * unfused. Over some dims it runs Welford's update per output in double,
 * in iterator order, with the FMA build's fused m2 update (WelfordOps).
 * The result is rounded to the dtype once.
 */
export function varianceReduce(
  buf: ArrayLike<number>,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
  reduced: readonly boolean[],
  dtype: DType,
  correction: number,
  takeSqrt: boolean,
  meanOfAll: () => number,
): Float64Array {
  const r: Round = dtype === 'float32' ? Math.fround : (x) => x;
  const finish = (m2: number, n: number) => {
    const v = m2 / Math.max(0, n - correction);
    return r(takeSqrt ? Math.sqrt(v) : v);
  };
  const { dims, outSize } = plan(shape, strides, reduced);
  const numel = shape.reduce((a, b) => a * b, 1);
  if (reduced.every((x, d) => x || shape[d] === 1) && numel > 0) {
    const mean = meanOfAll();
    let s = 0;
    // TensorIterator order of the input alone: its dims by ascending stride
    forEachLoop2d(
      planReduction(shape, strides, shape.map(() => true)),
      offset,
      (inBase, _outBase, a, b) => {
        for (let j = 0; j < b.size; j++) {
          for (let i = 0; i < a.size; i++) {
            const dx = buf[inBase + j * b.inStride + i * a.inStride]! - mean;
            s += dx * dx;
          }
        }
      },
    );
    return Float64Array.of(finish(s, numel));
  }
  const mean = new Float64Array(outSize);
  const m2 = new Float64Array(outSize);
  const count = new Float64Array(outSize);
  forEachLoop2d(dims, offset, (inBase, outBase, a, b) => {
    for (let j = 0; j < b.size; j++) {
      for (let i = 0; i < a.size; i++) {
        const at = outBase + j * b.outStride + i * a.outStride;
        const x = buf[inBase + j * b.inStride + i * a.inStride]!;
        const n = count[at]! + 1;
        const delta = x - mean[at]!;
        const newMean = mean[at]! + delta / n;
        m2[at] = fma(delta, x - newMean, m2[at]!);
        mean[at] = newMean;
        count[at] = n;
      }
    }
  });
  const out = new Float64Array(outSize);
  for (let k = 0; k < outSize; k++) out[k] = finish(m2[k]!, count[k]!);
  return out;
}
