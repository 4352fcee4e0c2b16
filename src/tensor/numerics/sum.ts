/**
 * PyTorch 1.13's float sum (SumKernel.cpp's cascade_sum) in its order and
 * precision: additions in the tensor's own dtype, chunked into levels of
 * 16 or more terms ("cascade" summation), four interleaved partial sums
 * (instruction-level parallelism), and vector lanes of 8 float32 / 4 float64
 * that are combined at the end. Which of the four loops runs (vectorised
 * inner, vectorised outer, scalar inner, scalar outer) depends on the
 * strides TensorIterator gives the reduced and kept dimensions, which
 * `planReduction` reproduces.
 */
import type { DType } from '../dtype.js';

type Round = (x: number) => number;
const identity: Round = (x) => x;

/** ceil(log2(x)), as ATen's utils::CeilLog2 (1 for x <= 2). */
function ceilLog2(x: number): number {
  if (x <= 2) return 1;
  return x - 1 < 2 ** 32 ? 32 - Math.clz32(x - 1) : Math.floor(Math.log2(x - 1)) + 1;
}

const LEVELS = 4;

/**
 * multi_row_sum for one column: terms buf[base + i·stride], i < size,
 * added into level 0; every level_step terms level 0 is carried into
 * level 1, and so on (four levels), then the levels are added up.
 */
function cascade(buf: ArrayLike<number>, base: number, stride: number, size: number, r: Round): number {
  const power = Math.max(4, Math.floor(ceilLog2(size) / LEVELS));
  const step = 1 << power;
  const mask = step - 1;
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let i = 0;
  while (i + step <= size) {
    for (let j = 0; j < step; j++, i++) a0 = r(a0 + buf[base + i * stride]!);
    a1 = r(a1 + a0);
    a0 = 0;
    if ((i & (mask << power)) !== 0) continue;
    a2 = r(a2 + a1);
    a1 = 0;
    if ((i & (mask << (2 * power))) !== 0) continue;
    a3 = r(a3 + a2);
    a2 = 0;
  }
  for (; i < size; i++) a0 = r(a0 + buf[base + i * stride]!);
  a0 = r(a0 + a1);
  a0 = r(a0 + a2);
  return r(a0 + a3);
}

/** row_sum: the terms read as rows of 4 (four interleaved cascades), the leftover terms, then the 4 partials. */
function rowSum(buf: ArrayLike<number>, base: number, stride: number, size: number, r: Round): number {
  const rows = Math.floor(size / 4);
  let p0 = cascade(buf, base, 4 * stride, rows, r);
  const p1 = cascade(buf, base + stride, 4 * stride, rows, r);
  const p2 = cascade(buf, base + 2 * stride, 4 * stride, rows, r);
  const p3 = cascade(buf, base + 3 * stride, 4 * stride, rows, r);
  for (let i = rows * 4; i < size; i++) p0 = r(p0 + buf[base + i * stride]!);
  p0 = r(p0 + p1);
  p0 = r(p0 + p2);
  return r(p0 + p3);
}

/**
 * vectorized_inner_sum for one contiguous row: lane l of the vector
 * accumulators sums elements v·lanes + l with row_sum over vectors; the
 * elements after the last full vector are summed first, then each lane.
 *
 * The 4·lanes cascades of row_sum (one per lane and row position) run side
 * by side in one pass over the row, each with its own accumulators, as
 * PyTorch's registers hold them: the same additions in the same order per
 * cascade, without 4·lanes strided passes over memory.
 */
function innerVectorSum(buf: ArrayLike<number>, base: number, size: number, lanes: number, r: Round): number {
  const vectors = Math.floor(size / lanes);
  const rows = Math.floor(vectors / 4);
  const width = 4 * lanes;
  // An accumulator array of the dtype rounds each stored sum as r() does.
  const make = (n: number) => (r === identity ? new Float64Array(n) : new Float32Array(n));
  const [a0, a1, a2, a3] = [make(width), make(width), make(width), make(width)];
  const power = Math.max(4, Math.floor(ceilLog2(rows) / LEVELS));
  const step = 1 << power;
  const mask = step - 1;
  let row = 0;
  let at = base;
  while (row + step <= rows) {
    addRows(a0, buf, at, step);
    row += step;
    at += step * width;
    carry(a1, a0);
    if ((row & (mask << power)) !== 0) continue;
    carry(a2, a1);
    if ((row & (mask << (2 * power))) !== 0) continue;
    carry(a3, a2);
  }
  addRows(a0, buf, at, rows - row);
  // Each cascade's levels added up (a0 + a1 + a2 + a3), giving the partial of its row position q.
  for (let t = 0; t < width; t++) {
    a0[t] = a0[t]! + a1[t]!;
    a0[t] = a0[t]! + a2[t]!;
    a0[t] = a0[t]! + a3[t]!;
  }
  let total = 0;
  for (let k = vectors * lanes; k < size; k++) total = r(total + buf[base + k]!);
  for (let l = 0; l < lanes; l++) {
    // row_sum's tail: the vectors after the last full row go into the partial of q = 0.
    let p0 = a0[l]!;
    for (let v = rows * 4; v < vectors; v++) p0 = r(p0 + buf[base + v * lanes + l]!);
    p0 = r(p0 + a0[lanes + l]!);
    p0 = r(p0 + a0[2 * lanes + l]!);
    total = r(total + r(p0 + a0[3 * lanes + l]!));
  }
  return total;
}

/**
 * Level 0 of every cascade takes `rows` rows from `at`. A function of its
 * own, called once per step of rows: V8 optimises it after a few calls,
 * where a loop inside innerVectorSum ran interpreted until on-stack
 * replacement and fell back at the first carry (18 ms of a first 1M sum).
 */
function addRows(acc: Float32Array | Float64Array, buf: ArrayLike<number>, at: number, rows: number): void {
  const width = acc.length;
  for (let j = 0; j < rows; j++, at += width) for (let t = 0; t < width; t++) acc[t] = acc[t]! + buf[at + t]!;
}

/** higher += lower; lower = 0, for every cascade (a level carried up). */
function carry(higher: Float32Array | Float64Array, lower: Float32Array | Float64Array): void {
  for (let t = 0; t < higher.length; t++) higher[t] = higher[t]! + lower[t]!;
  lower.fill(0);
}

/** A dimension of the reduction as TensorIterator sees it (strides in elements). */
export interface IterDim {
  size: number;
  inStride: number;
  outStride: number;
}

/**
 * TensorIterator's order for a reduction: reduced dimensions first, each
 * group by ascending input stride (size-1 dimensions dropped), then
 * adjacent dimensions merged where both operands allow it.
 */
export function planReduction(shape: readonly number[], strides: readonly number[], reduced: readonly boolean[]): IterDim[] {
  const outStrides: number[] = new Array<number>(shape.length).fill(0);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (!reduced[d]) {
      outStrides[d] = s;
      s *= shape[d]!;
    }
  }
  const dims: IterDim[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1) dims.push({ size: shape[d]!, inStride: strides[d]!, outStride: reduced[d] ? 0 : outStrides[d]! });
  }
  // insertion sort with TensorIterator's comparison (stable for ties)
  const after = (a: IterDim, b: IterDim) => {
    if ((a.outStride === 0) !== (b.outStride === 0)) return b.outStride === 0;
    if (a.outStride !== 0 && b.outStride !== 0 && a.outStride !== b.outStride) return a.outStride > b.outStride;
    if (a.inStride !== 0 && b.inStride !== 0 && a.inStride !== b.inStride) return a.inStride > b.inStride;
    return false;
  };
  for (let i = 1; i < dims.length; i++) {
    for (let j = i; j > 0 && after(dims[j - 1]!, dims[j]!); j--) [dims[j - 1], dims[j]] = [dims[j]!, dims[j - 1]!];
  }
  const merged: IterDim[] = [];
  for (const d of dims) {
    const prev = merged[merged.length - 1];
    if (prev && prev.inStride * prev.size === d.inStride && prev.outStride * prev.size === d.outStride) {
      prev.size *= d.size;
    } else merged.push({ ...d });
  }
  return merged;
}

/**
 * Sum `buf` (a tensor of `shape`/`strides` at `offset`) over the dims
 * marked in `reduced`; the result is the kept dims, contiguous. Float
 * dtypes only; the additions round to the dtype.
 */
export function cascadeSum(
  buf: ArrayLike<number>,
  offset: number,
  shape: readonly number[],
  strides: readonly number[],
  reduced: readonly boolean[],
  dtype: DType,
): Float64Array {
  const r = dtype === 'float32' ? Math.fround : identity;
  const lanes = dtype === 'float32' ? 8 : 4;
  let outSize = 1;
  shape.forEach((n, d) => {
    if (!reduced[d]) outSize *= n;
  });
  const out = new Float64Array(outSize);
  if (shape.some((n) => n === 0)) return out;
  const dims = planReduction(shape, strides, reduced);
  while (dims.length < 2) dims.push({ size: 1, inStride: 0, outStride: 0 });
  const [d0, d1, ...outer] = dims as [IterDim, IterDim, ...IterDim[]];
  const outerCount = outer.reduce((n, d) => n * d.size, 1);
  const index = new Array<number>(outer.length).fill(0);
  let inBase = offset;
  let outBase = 0;
  for (let o = 0; o < outerCount; o++) {
    loop2d(buf, inBase, outBase, d0, d1, out, r, lanes);
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
  return out;
}

/** cascade_sum's loop body over two dimensions; it adds its sums into `out`. */
function loop2d(
  buf: ArrayLike<number>,
  inBase: number,
  outBase: number,
  a: IterDim,
  b: IterDim,
  out: Float64Array,
  r: Round,
  lanes: number,
): void {
  // the reduced dimension first
  if (a.outStride !== 0 && b.outStride === 0) [a, b] = [b, a];
  const add = (j: number, v: number) => {
    const at = outBase + j * b.outStride;
    out[at] = r(out[at]! + v);
  };
  if (a.outStride !== 0 && b.outStride !== 0) {
    // not a reduction at all: out = out + x
    for (let j = 0; j < b.size; j++) {
      for (let i = 0; i < a.size; i++) {
        const at = outBase + j * b.outStride + i * a.outStride;
        out[at] = r(out[at]! + buf[inBase + j * b.inStride + i * a.inStride]!);
      }
    }
    return;
  }
  const size0 = a.size;
  const size1 = b.size;
  if (a.inStride === 1 && size0 >= lanes) {
    for (let j = 0; j < size1; j++) add(j, innerVectorSum(buf, inBase + j * b.inStride, size0, lanes, r));
  } else if (b.inStride === 1 && size1 >= lanes) {
    // vectorised outer: groups of 4 vectors sum each column with one cascade, the rest with row_sum
    const grouped = size1 - (size1 % (4 * lanes));
    for (let j = 0; j < size1; j++) {
      const v = j < grouped ? cascade(buf, inBase + j, a.inStride, size0, r) : rowSum(buf, inBase + j, a.inStride, size0, r);
      add(j, v);
    }
  } else if (a.inStride < b.inStride) {
    for (let j = 0; j < size1; j++) add(j, rowSum(buf, inBase + j * b.inStride, a.inStride, size0, r));
  } else {
    const grouped = size1 - (size1 % 4);
    for (let j = 0; j < size1; j++) {
      const base = inBase + j * b.inStride;
      add(j, j < grouped ? cascade(buf, base, a.inStride, size0, r) : rowSum(buf, base, a.inStride, size0, r));
    }
  }
}
