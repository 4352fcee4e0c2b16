/**
 * numpy's computations over dzdx's strided storage (src/tensor's NDArray):
 * broadcasting with numpy's messages, elementwise loops storing in the
 * result dtype (float32 rounds on every store, as float32 arithmetic
 * does), and reductions in numpy's order: a sum along the contiguous axis
 * is numpy's pairwise summation (8 accumulators over blocks of up to 128
 * elements, halves above), along another axis a running sum per output.
 */
import { PyError } from '../tensor/errors.js';
import { NDArray, numelOf } from '../tensor/ndarray.js';
import { castTo, type NpDType } from './dtypes.js';

export function makeArray(values: ArrayLike<number>, shape: readonly number[], dtype: NpDType): NDArray {
  const out = NDArray.full(shape, 0, dtype);
  const buf = out.buffer;
  for (let i = 0; i < buf.length; i++) buf[i] = castTo(dtype, values[i]!);
  return out;
}

export function shapeText(shape: readonly number[]): string {
  return `(${shape.join(',')}${shape.length === 1 ? ',' : ''})`;
}

/** numpy's broadcasting of operand shapes. */
export function broadcastAll(shapes: readonly (readonly number[])[]): number[] {
  const n = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(n).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const d = s[i]!;
      const k = n - s.length + i;
      if (d === out[k] || d === 1) continue;
      if (out[k] !== 1) throw new PyError('ValueError', `operands could not be broadcast together with shapes ${shapes.map(shapeText).join(' ')} `);
      out[k] = d;
    }
  }
  return out;
}

/** A view of `a` with `shape` (stride 0 along broadcast dimensions). */
export function broadcastView(a: NDArray, shape: readonly number[]): NDArray {
  const lead = shape.length - a.ndim;
  const strides = shape.map((size, i) => (i < lead ? 0 : a.shape[i - lead] === 1 && size !== 1 ? 0 : a.strides[i - lead]!));
  return a.view([...shape], strides);
}

export function mapUnary(a: NDArray, dtype: NpDType, f: (x: number) => number): NDArray {
  const v = a.values();
  const out = NDArray.full(a.shape, 0, dtype);
  for (let i = 0; i < v.length; i++) out.buffer[i] = castTo(dtype, f(v[i]!));
  return out;
}

export function mapBinary(a: NDArray, b: NDArray, dtype: NpDType, f: (x: number, y: number) => number): NDArray {
  const shape = broadcastAll([a.shape, b.shape]);
  const va = broadcastView(a, shape).values();
  const vb = broadcastView(b, shape).values();
  const out = NDArray.full(shape, 0, dtype);
  for (let i = 0; i < va.length; i++) out.buffer[i] = castTo(dtype, f(va[i]!, vb[i]!));
  return out;
}

/** numpy's pairwise_sum of n values from `v` at `start` with `stride`, each addition rounded by `round`. */
export function pairwiseSum(v: ArrayLike<number>, start: number, n: number, stride: number, round: (x: number) => number): number {
  if (n < 8) {
    let res = -0.0;
    for (let i = 0; i < n; i++) res = round(res + v[start + i * stride]!);
    return res;
  }
  if (n <= 128) {
    const r = new Array<number>(8);
    for (let k = 0; k < 8; k++) r[k] = v[start + k * stride]!;
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let k = 0; k < 8; k++) r[k] = round(r[k]! + v[start + (i + k) * stride]!);
    let res = round(round(round(r[0]! + r[1]!) + round(r[2]! + r[3]!)) + round(round(r[4]! + r[5]!) + round(r[6]! + r[7]!)));
    for (; i < n; i++) res = round(res + v[start + i * stride]!);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return round(pairwiseSum(v, start, n2, stride, round) + pairwiseSum(v, start + n2 * stride, n - n2, stride, round));
}

export function reducedShape(shape: readonly number[], axes: readonly number[], keepdims: boolean): number[] {
  return keepdims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

/** numpy's normalize_axis_index, with its AxisError text. */
export function normalizeAxis(axis: number, ndim: number): number {
  if (axis < -ndim || axis >= ndim) throw new PyError('IndexError' as 'ValueError', `axis ${axis} is out of bounds for array of dimension ${ndim}`);
  return axis < 0 ? axis + ndim : axis;
}

export type Reduction = 'sum' | 'max' | 'min';

/**
 * A reduction over `axes` (all when null) in the accumulation dtype
 * `dtype`. A sum over the whole array or its last axis is pairwise; over
 * other axes, rows are added in turn, as numpy's iterator orders them.
 */
export function reduce(a: NDArray, axes: number[] | null, keepdims: boolean, kind: Reduction, dtype: NpDType): NDArray {
  const all = axes === null ? a.shape.map((_, i) => i) : [...new Set(axes)].sort((x, y) => x - y);
  if (kind !== 'sum' && a.numel === 0) throw new PyError('ValueError', `zero-size array to reduction operation ${kind === 'max' ? 'maximum' : 'minimum'} which has no identity`);
  const outShape = reducedShape(a.shape, all, keepdims);
  const kept = a.shape.map((_, i) => i).filter((i) => !all.includes(i));
  // move the reduced axes last: each output's inputs are then one row-major run
  const perm = [...kept, ...all];
  const moved = a.view(perm.map((i) => a.shape[i]!), perm.map((i) => a.strides[i]!)).values();
  const inner = numelOf(all.map((i) => a.shape[i]!));
  const outer = numelOf(kept.map((i) => a.shape[i]!));
  const round = dtype === 'float32' ? Math.fround : (x: number) => x;
  const out = new Float64Array(outer);
  for (let o = 0; o < outer; o++) {
    const base = o * inner;
    if (kind === 'sum') {
      if (dtype === 'int64' || dtype === 'bool') {
        let s = 0;
        for (let i = 0; i < inner; i++) s += moved[base + i]!;
        out[o] = s;
      } else if (axes === null) out[o] = fullSum(a, round);
      else out[o] = axisSum(a, all, kept, o, round);
    } else {
      let m = moved[base]!;
      for (let i = 1; i < inner; i++) {
        const x = moved[base + i]!;
        if (Number.isNaN(m)) break;
        if (Number.isNaN(x) || (kind === 'max' ? x > m : x < m)) m = x;
      }
      out[o] = m;
    }
  }
  return makeArray(out, outShape, dtype);
}

/** numpy's iterator hands the add loop at most a buffer's worth (8192) of one row at a time. */
const BUFFER_SIZE = 8192;

function chunkedSum(v: ArrayLike<number>, start: number, n: number, stride: number, round: (x: number) => number, init: number): number {
  let res = init;
  for (let done = 0; done < n; done += BUFFER_SIZE) {
    res = round(res + pairwiseSum(v, start + done * stride, Math.min(BUFFER_SIZE, n - done), stride, round));
  }
  return res;
}

/**
 * The sum of every element in numpy's order: the array walked in memory
 * order (axes by decreasing stride), dimensions that are contiguous with
 * each other merged, each innermost row summed pairwise onto the total.
 */
function fullSum(a: NDArray, round: (x: number) => number): number {
  const axes = a.shape.map((_, i) => i).filter((i) => a.shape[i] !== 1);
  axes.sort((p, q) => Math.abs(a.strides[q]!) - Math.abs(a.strides[p]!));
  const shape: number[] = [];
  const strides: number[] = [];
  for (const i of axes) {
    const last = shape.length - 1;
    if (last >= 0 && strides[last] === a.shape[i]! * a.strides[i]!) {
      shape[last] = shape[last]! * a.shape[i]!;
      strides[last] = a.strides[i]!;
    } else {
      shape.push(a.shape[i]!);
      strides.push(a.strides[i]!);
    }
  }
  if (shape.length === 0) return round(0 + a.item());
  const values = a.view(shape, strides).values();
  const inner = shape[shape.length - 1]!;
  let res = 0;
  for (let base = 0; base < values.length; base += inner) res = chunkedSum(values, base, inner, 1, round, res);
  return res;
}

/**
 * The sum of one output over the reduced axes in numpy's order: the reduced
 * elements in memory order, added one by one onto the output, except that
 * when the innermost axis in memory is reduced each of its rows (merged with
 * reduced axes contiguous with it) is summed pairwise first.
 */
function axisSum(a: NDArray, axes: readonly number[], kept: readonly number[], o: number, round: (x: number) => number): number {
  const keptIndex = unravel(o, kept.map((i) => a.shape[i]!));
  let base = a.offset;
  kept.forEach((axis, k) => (base += keptIndex[k]! * a.strides[axis]!));
  const order = axes.filter((i) => a.shape[i] !== 1).sort((p, q) => Math.abs(a.strides[q]!) - Math.abs(a.strides[p]!));
  const shape: number[] = [];
  const strides: number[] = [];
  for (const i of order) {
    const last = shape.length - 1;
    if (last >= 0 && strides[last] === a.shape[i]! * a.strides[i]!) {
      shape[last] = shape[last]! * a.shape[i]!;
      strides[last] = a.strides[i]!;
    } else {
      shape.push(a.shape[i]!);
      strides.push(a.strides[i]!);
    }
  }
  if (shape.length === 0) return round(0 + a.buffer[base]!);
  const values = a.view(shape, strides, base).values();
  const innermostStride = Math.min(...a.shape.map((d, i) => (d === 1 ? Infinity : Math.abs(a.strides[i]!))));
  if (Math.abs(strides[strides.length - 1]!) === innermostStride) {
    const inner = shape[shape.length - 1]!;
    let res = 0;
    for (let start = 0; start < values.length; start += inner) res = chunkedSum(values, start, inner, 1, round, res);
    return res;
  }
  let s = 0;
  for (let i = 0; i < values.length; i++) s = round(s + values[i]!);
  return s;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return out;
}

/** A contiguous copy in another dtype. */
export function castArray(a: NDArray, dtype: NpDType): NDArray {
  return makeArray(a.values(), a.shape, dtype);
}

/**
 * matmul over the last two dimensions (batches broadcast), each result a
 * running sum over k in the result dtype.
 */
export function matmul(a: NDArray, b: NDArray, dtype: NpDType): NDArray {
  const a2 = a.ndim === 1 ? a.view([1, a.shape[0]!], [0, a.strides[0]!]) : a;
  const b2 = b.ndim === 1 ? b.view([b.shape[0]!, 1], [b.strides[0]!, 0]) : b;
  const n = a2.shape[a2.ndim - 2]!;
  const k = a2.shape[a2.ndim - 1]!;
  const k2 = b2.shape[b2.ndim - 2]!;
  const m = b2.shape[b2.ndim - 1]!;
  if (k !== k2) {
    const sig = '(n?,k),(k,m?)->(n?,m?)';
    throw new PyError('ValueError', `matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature ${sig} (size ${k2} is different from ${k})`);
  }
  const batch = broadcastAll([a2.shape.slice(0, -2), b2.shape.slice(0, -2)]);
  const va = broadcastView(a2, [...batch, n, k]).values();
  const vb = broadcastView(b2, [...batch, k, m]).values();
  const nb = numelOf(batch);
  const round = dtype === 'float32' ? Math.fround : (x: number) => x;
  const out = new Float64Array(nb * n * m);
  for (let q = 0; q < nb; q++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) s = round(s + round(va[q * n * k + i * k + t]! * vb[q * k * m + t * m + j]!));
        out[q * n * m + i * m + j] = s;
      }
    }
  }
  let shape = [...batch, n, m];
  if (a.ndim === 1) shape = shape.filter((_, i) => i !== shape.length - 2);
  if (b.ndim === 1) shape = shape.slice(0, -1);
  return makeArray(out, shape, dtype);
}
