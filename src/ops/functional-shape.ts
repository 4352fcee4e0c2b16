/**
 * The functional API of the shape, indexing and batched matrix ops
 * (re-exported by functional.ts). The index arithmetic (which position
 * each index element addresses) and PyTorch's argument checks happen here,
 * once; the registry entries receive the result as attributes.
 */
import { Tensor } from '../autograd/tensor.js';
import { advancedIndex } from '../tensor/advanced-index.js';
import { promoteTypes } from '../tensor/dtype.js';
import { PyError, runtimeError } from '../tensor/errors.js';
import { alongIndex, ravel, unravel } from '../tensor/index-kernels.js';
import { broadcastShapes, NDArray, normalizeDim, numelOf } from '../tensor/ndarray.js';
import * as S from '../tensor/shape.js';
import * as F from './functional.js';
import * as I from './indexing.js';
import * as L from './linalg.js';
import { call, callInPlace, callMulti, dtypeTitle } from './registry.js';
import * as Sh from './shape.js';
import * as V from './views.js';

type Index = Tensor | NDArray;
const arrayOf = (t: Index): NDArray => (t instanceof Tensor ? t.array : t);
const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

// Joining and splitting.

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw runtimeError('torch.cat(): expected a non-empty list of Tensors');
  // PyTorch skips 1-D empty tensors (a legacy rule).
  const kept = tensors.filter((t) => !(t.shape.length === 1 && t.shape[0] === 0));
  if (kept.length === 0) return F.clone(tensors[0]!);
  const ref = kept[0]!;
  const d = normalizeDim(dim, ref.shape.length);
  kept.forEach((t, i) => {
    if (t.shape.length !== ref.shape.length) throw runtimeError(`Tensors must have same number of dimensions: got ${ref.shape.length} and ${t.shape.length}`);
    t.shape.forEach((s, k) => {
      if (k !== d && s !== ref.shape[k]) {
        throw runtimeError(`Sizes of tensors must match except in dimension ${d}. Expected size ${ref.shape[k]} but got size ${s} for tensor number ${i} in the list.`);
      }
    });
  });
  const sizes = tensors.map((t) => (t.shape.length === 1 && t.shape[0] === 0 ? 0 : t.shape[d]!));
  const shape = ref.shape.map((s, k) => (k === d ? sizes.reduce((a, b) => a + b, 0) : s));
  const dtype = tensors.map((t) => t.dtype).reduce(promoteTypes);
  const inputs = tensors.map((t) => (t.dtype === dtype ? t : F.to(t, dtype)));
  return call(Sh.cat, inputs, { dim: d, sizes, shape });
}

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw runtimeError('stack expects a non-empty TensorList');
  const ref = tensors[0]!;
  tensors.forEach((t, i) => {
    if (t.shape.join() !== ref.shape.join()) {
      throw runtimeError(`stack expects each tensor to be equal size, but got ${shapeText(ref.shape)} at entry 0 and ${shapeText(t.shape)} at entry ${i}`);
    }
  });
  const d = normalizeDim(dim, ref.shape.length + 1);
  const shape = [...ref.shape];
  shape.splice(d, 0, tensors.length);
  const dtype = tensors.map((t) => t.dtype).reduce(promoteTypes);
  return call(Sh.stack, tensors.map((t) => (t.dtype === dtype ? t : F.to(t, dtype))), { dim: d, shape });
}

/** `split(split_size)` or `split([sizes])` along dim: views, one node. */
export function split(a: Tensor, sizeOrSizes: number | readonly number[], dim = 0): Tensor[] {
  const d = normalizeDim(dim, a.shape.length);
  const total = a.shape[d]!;
  if (typeof sizeOrSizes === 'number') {
    if (sizeOrSizes < 0) throw runtimeError(`split expects split_size be non-negative, but got split_size=${sizeOrSizes}`);
    const n = sizeOrSizes === 0 ? (total === 0 ? 1 : 0) : Math.max(1, Math.ceil(total / sizeOrSizes));
    const sizes = Array.from({ length: n }, (_, i) => Math.min(sizeOrSizes, total - i * sizeOrSizes));
    return callMulti(Sh.split, [a], { dim: d, sizes, splitSize: sizeOrSizes, inputShape: a.shape });
  }
  const sum = sizeOrSizes.reduce((x, y) => x + y, 0);
  if (sum !== total) {
    throw runtimeError(`split_with_sizes expects split_sizes to sum exactly to ${total} (input tensor's size at dimension ${d}), but got split_sizes=${shapeText(sizeOrSizes)}`);
  }
  return callMulti(Sh.splitWithSizes, [a], { dim: d, sizes: [...sizeOrSizes], splitSize: -1, inputShape: a.shape });
}

export function chunk(a: Tensor, chunks: number, dim = 0): Tensor[] {
  if (chunks <= 0) throw runtimeError('chunk expects `chunks` to be greater than 0, got: ' + chunks);
  const d = normalizeDim(dim, a.shape.length);
  return split(a, Math.ceil(a.shape[d]! / chunks), d);
}

export function unbind(a: Tensor, dim = 0): Tensor[] {
  if (a.shape.length === 0) throw runtimeError('Dimension specified as 0 but tensor has no dimensions');
  return callMulti(Sh.unbind, [a], { dim: normalizeDim(dim, a.shape.length), inputShape: a.shape });
}

export const alias = (a: Tensor): Tensor => call(Sh.alias, [a], undefined);

// Rearranging.

export const flip = (a: Tensor, dims: readonly number[]): Tensor => {
  const ds = dims.map((d) => normalizeDim(d, a.shape.length));
  return call(Sh.flip, [a], { dims: ds });
};

export function repeat(a: Tensor, repeats: readonly number[]): Tensor {
  if (repeats.length < a.shape.length) {
    throw runtimeError('Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor');
  }
  const lead = repeats.length - a.shape.length;
  const padded = [...repeats.slice(0, lead).map(() => 1), ...a.shape];
  const shape = padded.map((s, i) => s * repeats[i]!);
  return call(Sh.repeat, [a], { repeats: [...repeats], inputShape: a.shape, shape });
}

function matrixLike(a: Tensor, name: string): void {
  if (a.shape.length < 2) throw runtimeError(`${name}: input tensor must have at least 2 dimensions`);
}
export const tril = (a: Tensor, diagonal = 0): Tensor => (matrixLike(a, 'tril'), call(Sh.tril, [a], { diagonal }));
export const triu = (a: Tensor, diagonal = 0): Tensor => (matrixLike(a, 'triu'), call(Sh.triu, [a], { diagonal }));

export function diag(a: Tensor, diagonal = 0): Tensor {
  if (a.shape.length === 1) {
    const n = a.shape[0]! + Math.abs(diagonal);
    return call(Sh.diag, [a], { diagonal, inputShape: a.shape, shape: [n, n] });
  }
  if (a.shape.length !== 2) throw runtimeError('matrix or a vector expected');
  const [n, m] = a.shape as [number, number];
  const len = Math.max(0, diagonal >= 0 ? Math.min(n, m - diagonal) : Math.min(n + diagonal, m));
  return call(Sh.diag, [a], { diagonal, inputShape: a.shape, shape: [len] });
}

export function diagonal(a: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  const d1 = normalizeDim(dim1, a.shape.length);
  const d2 = normalizeDim(dim2, a.shape.length);
  if (d1 === d2) throw runtimeError(`diagonal dimensions cannot be identical ${dim1}, ${dim2}`);
  return call(Sh.diagonal, [a], { offset, dim1: d1, dim2: d2, inputShape: a.shape });
}
export const diagonalBackward = (g: Tensor, inputShape: readonly number[], offset: number, dim1: number, dim2: number): Tensor =>
  call(Sh.diagonalBackward, [g], { offset, dim1, dim2, inputShape });

export function trace(a: Tensor): Tensor {
  if (a.shape.length !== 2) throw runtimeError(`trace: expected a matrix, but got tensor with dim ${a.shape.length}`);
  return call(Sh.trace, [a], { inputShape: a.shape });
}

/** `narrow(dim, start, length)`: a slice (SliceBackward0, as PyTorch records it). */
export function narrow(a: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim(dim, a.shape.length);
  const size = a.shape[d]!;
  const s = start < 0 ? start + size : start;
  if (start < -size || start > size) {
    throw new PyError('IndexError', `Dimension out of range (expected to be in range of [${-size}, ${size - 1}], but got ${start})`);
  }
  if (s + length > size) throw runtimeError(`start (${start}) + length (${length}) exceeds dimension size (${size}).`);
  return F.slice(a, { dim: d, start: s, stop: s + length, step: 1 });
}

/** `flatten(start_dim, end_dim)`: a reshape; the tensor itself when nothing merges (and a 0-d one becomes 1-D). */
export function flatten(a: Tensor, startDim = 0, endDim = -1): Tensor {
  if (a.shape.length === 0) return F.reshape(a, [1]);
  const s = normalizeDim(startDim, a.shape.length);
  const e = normalizeDim(endDim, a.shape.length);
  if (s > e) throw runtimeError('flatten() has invalid args: start_dim cannot come after end_dim');
  if (s === e) return a;
  const merged = a.shape.slice(s, e + 1).reduce((x, y) => x * y, 1);
  return F.reshape(a, [...a.shape.slice(0, s), merged, ...a.shape.slice(e + 1)]);
}

export function unflatten(a: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normalizeDim(dim, a.shape.length);
  const size = a.shape[d]!;
  const known = sizes.filter((x) => x !== -1).reduce((x, y) => x * y, 1);
  if (sizes.includes(-1) ? known === 0 || size % known !== 0 : known !== size) {
    throw runtimeError(`unflatten: Provided sizes [${sizes.join(', ')}] don't multiply up to the size of dim ${dim} (${size}) in the input tensor`);
  }
  const inferred = S.inferShape(sizes, size);
  return F.view(a, [...a.shape.slice(0, d), ...inferred, ...a.shape.slice(d + 1)]);
}

// gather, scatter, index_select, index_add.

function longIndex(index: NDArray, name: string): void {
  if (index.dtype !== 'int64') throw runtimeError(`${name}(): Expected dtype int64 for index`);
}

/** gather/scatter's shape rule: the index fits inside self (and src) except along dim. */
function checkIndexShape(self: Tensor, dim: number, index: NDArray, src: Tensor | null): void {
  if (index.ndim !== Math.max(self.shape.length, 1) && !(index.ndim === 0 && self.shape.length === 0)) {
    throw runtimeError('Index tensor must have the same number of dimensions as input tensor');
  }
  index.shape.forEach((s, d) => {
    if (d !== dim && s > self.shape[d]!) {
      const srcPart = src ? ` and to be smaller size than src ${shapeText(src.shape)}` : '';
      throw runtimeError(`Size does not match at dimension ${d} expected index ${shapeText(index.shape)} to be smaller than self ${shapeText(self.shape)} apart from dimension ${dim}${srcPart}`);
    }
    if (src && s > src.shape[d]!) {
      throw runtimeError(`Size does not match at dimension ${d} expected index ${shapeText(index.shape)} to be smaller than self ${shapeText(self.shape)} apart from dimension ${dim} and to be smaller size than src ${shapeText(src.shape)}`);
    }
  });
}

function pairing(self: Tensor, dim: number, index: Index, name: string, src: Tensor | null): I.IndexPairing {
  const ix = arrayOf(index);
  longIndex(ix, name);
  const d = self.shape.length === 0 ? 0 : normalizeDim(dim, self.shape.length);
  checkIndexShape(self, d, ix, src);
  return { dim: d, index: ix, positions: alongIndex(self.shape, d, ix, 'gather'), shape: self.shape };
}

export const gather = (a: Tensor, dim: number, index: Index): Tensor => call(I.gather, [a], pairing(a, dim, index, 'gather', null));

function scatterPairing(self: Tensor, dim: number, index: Index, src: Tensor): I.ScatterPairing {
  if (self.dtype !== src.dtype) throw runtimeError('scatter(): Expected self.dtype to be equal to src.dtype');
  const p = pairing(self, dim, index, 'scatter', src);
  return { ...p, sources: I.srcPositions(p.index, src.shape) };
}

export const scatter = (a: Tensor, dim: number, index: Index, src: Tensor): Tensor => call(I.scatter, [a, src], scatterPairing(a, dim, index, src));
export const scatterInPlace = (a: Tensor, dim: number, index: Index, src: Tensor): Tensor =>
  callInPlace(I.scatter, a, [src], scatterPairing(a, dim, index, src));
export const scatterValue = (a: Tensor, dim: number, index: Index, value: number): Tensor =>
  call(I.scatterValue, [a], { ...pairing(a, dim, index, 'scatter', null), value });
export const scatterValueInPlace = (a: Tensor, dim: number, index: Index, value: number): Tensor =>
  callInPlace(I.scatterValue, a, [], { ...pairing(a, dim, index, 'scatter', null), value });
export const scatterAdd = (a: Tensor, dim: number, index: Index, src: Tensor): Tensor =>
  call(I.scatterAdd, [a, src], scatterPairing(a, dim, index, src));
export const scatterAddInPlace = (a: Tensor, dim: number, index: Index, src: Tensor): Tensor =>
  callInPlace(I.scatterAdd, a, [src], scatterPairing(a, dim, index, src));

/** For index_select/index_add: the index as a vector of positions along dim, checked. */
function vectorIndex(index: Index, size: number, name: string): number[] {
  const ix = arrayOf(index);
  if (ix.ndim > 1) throw new PyError('IndexError', `${name}(): Index is supposed to be a vector`);
  if (ix.dtype !== 'int64') throw runtimeError(`${name}(): Expected dtype int64 for index`);
  return Array.from(ix.values(), (v) => {
    if (v < 0 || v >= size) throw runtimeError(`INDICES element is out of DATA bounds, id=${v} axis_dim=${size}`);
    return v;
  });
}

/** Per element of a tensor of `shape` whose `dim` runs over `picks`: its position in `inputShape`. */
function picksAlong(inputShape: readonly number[], dim: number, picks: readonly number[]): { shape: number[]; positions: Int32Array } {
  const shape = inputShape.length === 0 ? [] : inputShape.map((s, i) => (i === dim ? picks.length : s));
  const n = numelOf(shape);
  const positions = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const idx = unravel(k, shape);
    if (idx.length) idx[dim] = picks[idx[dim]!]!;
    positions[k] = idx.length ? ravel(idx, inputShape) : 0;
  }
  return { shape, positions };
}

export function indexSelect(a: Tensor, dim: number, index: Index): Tensor {
  const d = a.shape.length === 0 ? 0 : normalizeDim(dim, a.shape.length);
  const picks = vectorIndex(index, a.shape.length === 0 ? 1 : a.shape[d]!, 'index_select');
  const { shape, positions } = picksAlong(a.shape, d, picks);
  return call(I.indexSelect, [a], { dim: d, index: arrayOf(index), positions, shape: a.shape, outShape: shape });
}

export function indexAddInPlace(self: Tensor, dim: number, index: Index, source: Tensor): Tensor {
  const d = self.shape.length === 0 ? 0 : normalizeDim(dim, self.shape.length);
  const picks = vectorIndex(index, self.shape.length === 0 ? 1 : self.shape[d]!, 'index_add_');
  const { positions } = picksAlong(self.shape, d, picks);
  return callInPlace(I.indexAdd, self, [source], { dim: d, index: arrayOf(index), positions, shape: self.shape });
}

/** `self.index_fill_(0, positions, value)` on a 1-D self: trace's backward. */
export function indexFillInPlace(self: Tensor, dim: number, positions: readonly number[], value: Tensor): Tensor {
  return callInPlace(I.indexFill, self, [value], { dim, positions: Int32Array.from(positions) });
}

// masked_fill

function maskValue(value: number | Tensor): Tensor | number {
  if (value instanceof Tensor && value.shape.length !== 0) {
    throw runtimeError(`masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.shape.length} dimension(s).`);
  }
  return value;
}

export function maskedFill(a: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  const v = maskValue(value);
  if (v instanceof Tensor) return call(I.maskedFillTensor, [a, mask, v], undefined);
  return call(I.maskedFill, [a, mask], { value: v });
}

export function maskedFillInPlace(a: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  const v = maskValue(value);
  if (v instanceof Tensor) return callInPlace(I.maskedFillTensor, a, [mask, v], undefined);
  return callInPlace(I.maskedFill, a, [mask], { value: v });
}

// Advanced indexing.

/** `a[indices]` for index tensors (int64 or bool; null: the whole dim), as at::index. */
export function index(a: Tensor, indices: readonly (Tensor | null)[]): Tensor {
  const { shape, sources } = advancedIndex(a.shape, indices.map((t) => (t ? t.array : null)));
  return call(I.index, [a], { sources, shape, inputShape: a.shape });
}

/** The index map of `a[indices]`, for writing through it. */
export function indexMap(a: Tensor, indices: readonly (Tensor | null)[]): I.IndexMap {
  const { shape, sources } = advancedIndex(a.shape, indices.map((t) => (t ? t.array : null)));
  return { sources, shape, inputShape: a.shape };
}

export const indexWith = (g: Tensor, map: I.IndexMap): Tensor => call(I.index, [g], map);
export const indexPut = (a: Tensor, map: I.IndexMap, values: Tensor): Tensor => call(I.indexPut, [a, values], map);
export const indexPutAccumulate = (a: Tensor, map: I.IndexMap, values: Tensor): Tensor => call(I.indexPutImpl, [a, values], map);

/** `a[indices] = values` (index_put_), with PyTorch's dtype rule for the values. */
export function indexPutInPlace(a: Tensor, map: I.IndexMap, values: Tensor): Tensor {
  if (values.dtype !== a.dtype) {
    throw runtimeError(`Index put requires the source and destination dtypes match, got ${dtypeTitle(a.dtype)} for the destination and ${dtypeTitle(values.dtype)} for the source.`);
  }
  return callInPlace(I.indexPut, a, [values], map);
}

// Batched matrix products.

export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.shape.length !== 3) throw runtimeError('batch1 must be a 3D tensor');
  if (b.shape.length !== 3) throw runtimeError('batch2 must be a 3D tensor');
  if (a.dtype !== b.dtype) throw runtimeError(`expected scalar type ${dtypeTitle(a.dtype)} but found ${dtypeTitle(b.dtype)}`);
  return call(L.bmm, [a, b], undefined);
}

export function addmm(input: Tensor, mat1: Tensor, mat2: Tensor, beta = 1, alpha = 1): Tensor {
  if (mat1.shape.length !== 2) throw runtimeError('mat1 must be a matrix, got ' + mat1.shape.length + '-D tensor');
  if (mat2.shape.length !== 2) throw runtimeError('mat2 must be a matrix, got ' + mat2.shape.length + '-D tensor');
  if (mat1.shape[1] !== mat2.shape[0]) {
    throw runtimeError(`mat1 and mat2 shapes cannot be multiplied (${mat1.shape[0]}x${mat1.shape[1]} and ${mat2.shape[0]}x${mat2.shape[1]})`);
  }
  // The bias must expand to the product's shape (PyTorch's expand error).
  S.expand(input.array, [mat1.shape[0]!, mat2.shape[1]!]);
  return call(L.addmm, [input, mat1, mat2], { beta, alpha });
}

/**
 * matmul of operands of any rank, as PyTorch 1.13 composes it: a batch
 * against a matrix or vector folds the batch into mm/mv (transposing when
 * the batch is on the right), batches against batches broadcast their batch
 * dims and run bmm.
 */
export function matmulNd(a: Tensor, b: Tensor): Tensor {
  const [da, db] = [a.shape.length, b.shape.length];
  if ((da >= 3 && (db === 1 || db === 2)) || (db >= 3 && (da === 1 || da === 2))) {
    const transpose = db > da;
    const t1 = transpose ? F.transpose(b, -1, -2) : a;
    const t2 = !transpose ? b : da === 2 ? F.t(a) : a;
    const outShape = t1.shape.slice(0, -1);
    const folded = F.reshape(t1, [numelOf(outShape), t1.shape.at(-1)!]);
    if (t2.shape.length === 2) {
      const out = call(V.unsafeView, [F.mm(folded, t2)], { shape: [...outShape, t2.shape[1]!], inputShape: [numelOf(outShape), t2.shape[1]!] });
      return transpose ? F.clone(F.transpose(out, -1, -2)) : out;
    }
    return call(V.unsafeView, [F.mv(folded, t2)], { shape: outShape, inputShape: [numelOf(outShape)] });
  }
  const n = da > 1 ? a.shape.at(-2)! : 1;
  const m1 = a.shape.at(-1)!;
  const m2 = db > 1 ? b.shape.at(-2)! : b.shape[0]!;
  const p = db > 1 ? b.shape.at(-1)! : 1;
  const batch = broadcastShapes(a.shape.slice(0, Math.max(da - 2, 0)), b.shape.slice(0, Math.max(db - 2, 0)));
  const count = numelOf(batch);
  const a3 = F.reshape(F.expand(a, [...batch, n, m1]), [count, n, m1]);
  const b3 = F.reshape(F.expand(b, [...batch, m2, p]), [count, m2, p]);
  const outShape = [...batch, ...(da > 1 ? [n] : []), ...(db > 1 ? [p] : [])];
  return call(V.unsafeView, [bmm(a3, b3)], { shape: outShape, inputShape: [count, n, p] });
}

export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.shape.length !== 1) throw runtimeError(`outer: Expected 1-D argument self, but got ${a.shape.length}-D`);
  if (b.shape.length !== 1) throw runtimeError(`outer: Expected 1-D argument vec2, but got ${b.shape.length}-D`);
  return F.mul(F.reshape(a, [-1, 1]), b);
}

/** F.linear as 1.13's at::linear: addmm for a 2-D input with a bias, a folded addmm for a contiguous 3-D one, else matmul (+ bias in place). */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (x.shape.length === 2 && bias) return addmm(bias, x, F.t(weight));
  if (bias && x.shape.length === 3 && x.array.isContiguous()) {
    const [b0, b1, k] = x.shape as [number, number, number];
    const out = addmm(bias, F.view(x, [-1, k]), F.t(weight));
    return F.view(out, [b0, b1, out.shape[1]!]);
  }
  const out = F.matmul(x, F.t(weight));
  return bias ? F.addInPlace(out, bias) : out;
}
