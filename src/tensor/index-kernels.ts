/**
 * Index arithmetic for the ops that move, pick and reduce elements along
 * dimensions (sort, max(dim), gather, scatter, cat, cumsum, …). Indices are
 * row-major positions in a contiguous tensor of the given shape. Knows
 * nothing of gradients.
 */
import { PyError, runtimeError } from './errors.js';
import { contiguousStrides, normalizeDim, numelOf, type NDArray } from './ndarray.js';

/**
 * The lines along `dim`: for each position of the other dims (row-major),
 * the row-major indices of its elements in order along `dim`. A 0-d shape
 * has one line of one element.
 */
export function linesAlong(shape: readonly number[], dim: number): Int32Array[] {
  if (shape.length === 0) return [Int32Array.of(0)];
  const d = normalizeDim(dim, shape.length);
  const stride = contiguousStrides(shape)[d]!;
  const size = shape[d]!;
  const outer = numelOf(shape.slice(0, d));
  const inner = stride;
  const lines: Int32Array[] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const line = new Int32Array(size);
      for (let k = 0; k < size; k++) line[k] = o * size * inner + k * inner + i;
      lines.push(line);
    }
  }
  return lines;
}

/** For a reduction over `dims` (sorted, normalised), the input indices of each output element (row-major). */
export function groupsOf(shape: readonly number[], dims: readonly number[]): number[][] {
  const keep = shape.map((_, i) => !dims.includes(i));
  const outShape = shape.filter((_, i) => keep[i]);
  const groups: number[][] = Array.from({ length: numelOf(outShape) }, () => []);
  const n = numelOf(shape);
  const index = new Array<number>(shape.length).fill(0);
  const outStrides = contiguousStrides(outShape);
  for (let flat = 0; flat < n; flat++) {
    let out = 0;
    let j = 0;
    for (let d = 0; d < shape.length; d++) if (keep[d]) out += index[d]! * outStrides[j++]!;
    groups[out]!.push(flat);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  return groups;
}

/** The coordinates of row-major index `flat` in `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = rest % shape[d]!;
    rest = Math.floor(rest / shape[d]!);
  }
  return idx;
}

/** The row-major index of coordinates `idx` in `shape`. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d]! + idx[d]!;
  return flat;
}

/** An index value checked against a size, wrapped when negative (PyTorch's IndexError text). */
export function checkedIndex(i: number, size: number, dim: number): number {
  if (i < -size || i >= size) throw new PyError('IndexError', `index ${i} is out of bounds for dimension ${dim} with size ${size}`);
  return i < 0 ? i + size : i;
}

/**
 * gather's and scatter's pairing: for each element of `index` (row-major),
 * the row-major position in a tensor of `shape` it addresses along `dim`
 * (the other coordinates are the index element's own).
 */
export function alongIndex(shape: readonly number[], dim: number, index: NDArray, op: 'gather' | 'scatter'): Int32Array {
  const d = shape.length === 0 ? 0 : normalizeDim(dim, shape.length);
  const size = shape.length === 0 ? 1 : shape[d]!;
  const values = index.values();
  const out = new Int32Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const idx = index.shape.length === 0 ? [] : unravel(k, index.shape);
    const i = values[k]!;
    if (i < 0 || i >= size) throw runtimeError(`index ${i} is out of bounds for dimension ${d} with size ${size}`);
    if (idx.length) idx[d] = i;
    out[k] = shape.length === 0 ? 0 : ravel(idx, shape);
  }
  void op;
  return out;
}
