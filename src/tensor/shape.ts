/**
 * View and shape operations on NDArrays, with PyTorch's error texts.
 * Views share storage and version counter with their base.
 */
import { PyError, runtimeError } from './errors.js';
import { NDArray, contiguousStrides, normalizeDim, numelOf } from './ndarray.js';

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Resolve one `-1` in a requested shape. */
export function inferShape(requested: readonly number[], numel: number): number[] {
  const shape = [...requested];
  const infer = shape.indexOf(-1);
  if (shape.lastIndexOf(-1) !== infer) throw runtimeError('only one dimension can be inferred');
  for (const d of shape) {
    if (d < -1) throw runtimeError(`invalid shape dimension ${d}`);
  }
  if (infer >= 0) {
    const known = numelOf(shape.filter((_, i) => i !== infer));
    if (known === 0 && numel === 0) {
      throw runtimeError(`cannot reshape tensor of 0 elements into shape ${shapeText(requested)} because the unspecified dimension size -1 can be any value and is ambiguous`);
    }
    if (known === 0 || numel % known !== 0) {
      throw runtimeError(`shape '${shapeText(requested)}' is invalid for input of size ${numel}`);
    }
    shape[infer] = numel / known;
  }
  if (numelOf(shape) !== numel) {
    throw runtimeError(`shape '${shapeText(requested)}' is invalid for input of size ${numel}`);
  }
  return shape;
}

/**
 * Strides that let `a` be seen with `shape` without copying, or null
 * (PyTorch's computeStride: split the old dims into runs that are contiguous
 * among themselves, and require each new dim group to fall inside one run).
 */
function viewStrides(a: NDArray, shape: readonly number[]): number[] | null {
  if (a.numel === 0 || a.isContiguous()) return contiguousStrides(shape);
  const oldShape = a.shape;
  const oldStrides = a.strides;
  const newStrides = new Array<number>(shape.length).fill(0);
  let viewD = shape.length - 1;
  let chunkBase = oldStrides[oldStrides.length - 1]!;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d]!;
    if (d === 0 || (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBase;
        viewNumel *= shape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = oldStrides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? newStrides : null;
}

/** `view`: never copies; PyTorch's error when the strides do not allow it. */
export function viewAs(a: NDArray, requested: readonly number[]): NDArray {
  const shape = inferShape(requested, a.numel);
  const strides = viewStrides(a, shape);
  if (!strides) {
    throw runtimeError(
      "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
    );
  }
  return a.view(shape, strides);
}

/** `reshape`: a view when possible, else a contiguous copy. Returns which it did. */
export function reshapeOf(a: NDArray, requested: readonly number[]): { array: NDArray; copied: boolean } {
  const shape = inferShape(requested, a.numel);
  const strides = viewStrides(a, shape);
  if (strides) return { array: a.view(shape, strides), copied: false };
  return { array: NDArray.fromValues(a.values(), shape, a.dtype), copied: true };
}

export function permute(a: NDArray, dims: readonly number[]): NDArray {
  if (dims.length !== a.ndim) {
    throw runtimeError(
      `permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${a.ndim} is not equal to len(dims) = ${dims.length}`,
    );
  }
  const ds = dims.map((d) => normalizeDim(d, a.ndim));
  if (new Set(ds).size !== ds.length) throw runtimeError('permute(): duplicate dims are not allowed.');
  return a.view(
    ds.map((d) => a.shape[d]!),
    ds.map((d) => a.strides[d]!),
  );
}

export function transpose(a: NDArray, dim0: number, dim1: number): NDArray {
  if (a.ndim === 0) return a.view([], []);
  const d0 = normalizeDim(dim0, a.ndim);
  const d1 = normalizeDim(dim1, a.ndim);
  const order = a.shape.map((_, i) => i);
  order[d0] = d1;
  order[d1] = d0;
  return permute(a, order);
}

/** `t()`: transpose of a matrix; 0-d and 1-d tensors come back as they are. */
export function matrixTranspose(a: NDArray): NDArray {
  if (a.ndim > 2) throw runtimeError(`t() expects a tensor with <= 2 dimensions, but self is ${a.ndim}D`);
  return a.ndim < 2 ? a.view(a.shape, a.strides) : transpose(a, 0, 1);
}

export function unsqueeze(a: NDArray, dim: number): NDArray {
  const d = normalizeDim(dim, a.ndim + 1);
  const shape = [...a.shape];
  const strides = [...a.strides];
  const stride = d < a.ndim ? a.shape[d]! * a.strides[d]! : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, stride);
  return a.view(shape, strides);
}

/** `squeeze()` drops every size-1 dim; `squeeze(d)` drops dim d if it has size 1. */
export function squeeze(a: NDArray, dim?: number): NDArray {
  const keep = a.shape.map((size, i) => (dim === undefined ? size !== 1 : i !== normalizeDim(dim, a.ndim) || size !== 1));
  return a.view(
    a.shape.filter((_, i) => keep[i]),
    a.strides.filter((_, i) => keep[i]),
  );
}

export function expand(a: NDArray, sizes: readonly number[]): NDArray {
  if (sizes.length < a.ndim) {
    throw runtimeError(
      `expand(torch.FloatTensor{${shapeText(a.shape)}}, size=${shapeText(sizes)}): the number of sizes provided (${sizes.length}) must be greater or equal to the number of dimensions in the tensor (${a.ndim})`,
    );
  }
  const lead = sizes.length - a.ndim;
  const shape: number[] = [];
  const strides: number[] = [];
  sizes.forEach((size, i) => {
    const j = i - lead;
    const own = j >= 0 ? a.shape[j]! : 1;
    const target = size === -1 ? own : size;
    if (j < 0 && size === -1) {
      throw runtimeError(`The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension ${i}`);
    }
    if (own !== target && own !== 1) {
      throw runtimeError(
        `The expanded size of the tensor (${target}) must match the existing size (${own}) at non-singleton dimension ${i}.  Target sizes: ${shapeText(sizes)}.  Tensor sizes: ${shapeText(a.shape)}`,
      );
    }
    shape.push(target);
    strides.push(j < 0 || (own === 1 && target !== 1) ? 0 : a.strides[j]!);
  });
  return a.view(shape, strides);
}

/** `t[i]` along `dim`. */
export function select(a: NDArray, dim: number, index: number): NDArray {
  if (a.ndim === 0) throw new PyError('IndexError', 'invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number');
  const d = normalizeDim(dim, a.ndim);
  const size = a.shape[d]!;
  if (index < -size || index >= size) {
    throw new PyError('IndexError', `index ${index} is out of bounds for dimension ${d} with size ${size}`);
  }
  const i = index < 0 ? index + size : index;
  return a.view(
    a.shape.filter((_, k) => k !== d),
    a.strides.filter((_, k) => k !== d),
    a.offset + i * a.strides[d]!,
  );
}

/** Python slice bounds resolved against a size (step > 0). */
export function resolveSlice(size: number, start: number | null, stop: number | null): [number, number] {
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  const s = start === null ? 0 : clamp(start);
  const e = stop === null ? size : clamp(stop);
  return [s, Math.max(e, s)];
}

/** `t[start:stop:step]` along `dim`. */
export function slice(a: NDArray, dim: number, start: number | null, stop: number | null, step: number): NDArray {
  if (step <= 0) throw new PyError('ValueError', 'step must be greater than zero');
  const d = normalizeDim(dim, a.ndim);
  const [s, e] = resolveSlice(a.shape[d]!, start, stop);
  const shape = [...a.shape];
  const strides = [...a.strides];
  shape[d] = Math.ceil((e - s) / step);
  strides[d] = a.strides[d]! * step;
  return a.view(shape, strides, a.offset + s * a.strides[d]!);
}
