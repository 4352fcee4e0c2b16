/**
 * PyTorch's advanced indexing (`at::index`): index tensors (long, or bool
 * masks standing for their nonzero coordinates) for some dims, broadcast
 * together. Gives the result's shape and, for each result element, the
 * row-major position of the input element it reads (or writes, for
 * index_put_). Knows nothing of gradients.
 */
import { PyError, UnsupportedError } from './errors.js';
import { broadcastShapes, broadcastTo, type NDArray } from './ndarray.js';
import { ravel, unravel } from './index-kernels.js';

export interface AdvancedIndex {
  /** The result's shape. */
  shape: number[];
  /** Per result element (row-major): the input element's row-major position. */
  sources: Int32Array;
}

/** A bool mask's nonzero coordinates, one long index per dim it covers. */
function maskCoordinates(mask: NDArray): number[][] {
  const values = mask.values();
  const coords: number[][] = mask.shape.map(() => []);
  for (let k = 0; k < values.length; k++) {
    if (values[k] === 0) continue;
    const idx = unravel(k, mask.shape);
    idx.forEach((c, d) => coords[d]!.push(c));
  }
  return coords;
}

/**
 * `shape` indexed by `indices` (one entry per leading dim, null where the
 * dim is taken whole). Index tensors must be int64 or bool (checked by the
 * caller); values are checked against the sizes here.
 */
export function advancedIndex(shape: readonly number[], indices: readonly (NDArray | null)[]): AdvancedIndex {
  // Bool masks become long coordinates, one per dim they cover.
  const perDim: (NDArray | number[] | null)[] = [];
  for (const ix of indices) {
    if (ix && ix.dtype === 'bool') {
      const d = perDim.length;
      ix.shape.forEach((size, j) => {
        if (shape[d + j] !== size) {
          throw new PyError('IndexError', `The shape of the mask [${ix.shape.join(', ')}] at index ${j} does not match the shape of the indexed tensor [${shape.join(', ')}] at index ${d + j}`);
        }
      });
      if (ix.shape.length === 0) throw new UnsupportedError('a 0-d boolean index tensor is not supported');
      perDim.push(...maskCoordinates(ix));
    } else perDim.push(ix);
  }
  if (perDim.length > shape.length) {
    throw new PyError('IndexError', `too many indices for tensor of dimension ${shape.length}`);
  }
  while (perDim.length < shape.length) perDim.push(null);
  const dims = perDim.map((ix, d) => (ix === null ? -1 : d)).filter((d) => d >= 0);
  const shapes = dims.map((d) => {
    const ix = perDim[d]!;
    return Array.isArray(ix) ? [ix.length] : [...ix.shape];
  });
  let b: number[] = [];
  try {
    for (const s of shapes) b = broadcastShapes(b, s);
  } catch {
    throw new PyError('IndexError', `shape mismatch: indexing tensors could not be broadcast together with shapes ${shapes.map((s) => `[${s.join(', ')}]`).join(', ')}`);
  }
  const values = dims.map((d) => {
    const ix = perDim[d]!;
    if (Array.isArray(ix)) return broadcastValues(Float64Array.from(ix), [ix.length], b);
    return broadcastTo(ix, b).values();
  });
  const adjacent = dims.every((d, i) => i === 0 || d === dims[i - 1]! + 1);
  const rest = shape.map((_, d) => d).filter((d) => !dims.includes(d));
  const first = dims[0]!;
  const before = adjacent ? rest.filter((d) => d < first) : [];
  const after = adjacent ? rest.filter((d) => d > first) : rest;
  const outShape = [...before.map((d) => shape[d]!), ...b, ...after.map((d) => shape[d]!)];
  const n = outShape.reduce((p, s) => p * s, 1);
  const sources = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const o = unravel(k, outShape);
    const bIdx = o.slice(before.length, before.length + b.length);
    const bFlat = ravel(bIdx, b);
    const idx = new Array<number>(shape.length);
    before.forEach((d, i) => (idx[d] = o[i]!));
    after.forEach((d, i) => (idx[d] = o[before.length + b.length + i]!));
    dims.forEach((d, i) => {
      const size = shape[d]!;
      const v = values[i]![bFlat]!;
      if (v < -size || v >= size) throw new PyError('IndexError', `index ${v} is out of bounds for dimension ${d} with size ${size}`);
      idx[d] = v < 0 ? v + size : v;
    });
    sources[k] = ravel(idx, shape);
  }
  return { shape: outShape, sources };
}

function broadcastValues(values: Float64Array, from: readonly number[], to: readonly number[]): Float64Array {
  if (from.join() === to.join()) return values;
  const out = new Float64Array(to.reduce((p, s) => p * s, 1));
  const lead = to.length - from.length;
  for (let k = 0; k < out.length; k++) {
    const idx = unravel(k, to).slice(lead).map((c, i) => (from[i] === 1 ? 0 : c));
    out[k] = values[ravel(idx, from)]!;
  }
  return out;
}
