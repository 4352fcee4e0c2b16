/**
 * The functional API of the ops added for the rest of the tensor API that
 * teaching code calls (re-exported by functional.ts, so backward formulas
 * and the script runner reach every op as `F.name`).
 */
import { Tensor } from '../autograd/tensor.js';
import { isFloating, type DType } from '../tensor/dtype.js';
import { PyError, runtimeError } from '../tensor/errors.js';
import { linesAlong } from '../tensor/index-kernels.js';
import { sortOrder, topkOrder } from '../tensor/stl-select.js';
import { mapBinary, mapUnary, reductionDims } from '../tensor/kernels.js';
import { NDArray, normalizeDim, numelOf } from '../tensor/ndarray.js';
import * as A from './activations.js';
import * as F from './functional.js';
import * as E from './elementwise.js';
import * as C from './cumulative.js';
import * as R from './reduce-dim.js';
import * as Sc from './scaled.js';
import { call, callInPlace, dtypeTitle, registry, type Scalar } from './registry.js';
import { promoteWithScalar } from '../tensor/dtype.js';

/** PyTorch's error for a kernel that has no integer version (`"elu_cpu" not implemented for 'Long'`). */
export function floatKernelOnly(kernel: string, t: Tensor): void {
  if (!isFloating(t.dtype)) throw runtimeError(`"${kernel}" not implemented for '${dtypeTitle(t.dtype)}'`);
}

// Scalar overloads, as C++ backward formulas write `t + 1.0` and `t * 2.0`.
export const addScalar = (a: Tensor, other: number): Tensor => call(E.addScalar, [a], { other });
export const mulScalar = (a: Tensor, other: number): Tensor => call(E.mulScalar, [a], { other });

// Elementwise functions.
export const floor = (a: Tensor): Tensor => call(E.floor, [a], undefined);
export const ceil = (a: Tensor): Tensor => call(E.ceil, [a], undefined);
export const round = (a: Tensor): Tensor => call(E.round, [a], undefined);
export const trunc = (a: Tensor): Tensor => call(E.trunc, [a], undefined);
export const frac = (a: Tensor): Tensor => {
  floatKernelOnly('frac_cpu', a);
  return call(E.frac, [a], undefined);
};
export const log1p = (a: Tensor): Tensor => call(E.log1p, [a], undefined);
export const expm1 = (a: Tensor): Tensor => call(E.expm1, [a], undefined);
export const log2 = (a: Tensor): Tensor => call(E.log2, [a], undefined);
export const log10 = (a: Tensor): Tensor => call(E.log10, [a], undefined);
export const exp2 = (a: Tensor): Tensor => call(E.exp2, [a], undefined);
export const erf = (a: Tensor): Tensor => call(E.erf, [a], undefined);
export const sinh = (a: Tensor): Tensor => call(E.sinh, [a], undefined);
export const cosh = (a: Tensor): Tensor => call(E.cosh, [a], undefined);
export const asin = (a: Tensor): Tensor => call(E.asin, [a], undefined);
export const acos = (a: Tensor): Tensor => call(E.acos, [a], undefined);
export const atan = (a: Tensor): Tensor => call(E.atan, [a], undefined);
export const atan2 = (a: Tensor, b: Tensor): Tensor => call(E.atan2, [a, b], undefined);

// Activations.
export const leakyRelu = (a: Tensor, slope = 0.01): Tensor => {
  floatKernelOnly('leaky_relu_cpu', a);
  return call(A.leakyRelu, [a], { slope });
};
export const leakyReluBackward = (g: Tensor, x: Tensor, slope: number): Tensor => call(A.leakyReluBackward, [g, x], { slope });
export const elu = (a: Tensor, alpha = 1, scale = 1, inputScale = 1): Tensor => {
  floatKernelOnly('elu_cpu', a);
  return call(A.elu, [a], { alpha, scale, input_scale: inputScale });
};
export const eluBackward = (g: Tensor, x: Tensor, p: A.EluParams): Tensor => call(A.eluBackward, [g, x], p);
export const gelu = (a: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => {
  floatKernelOnly('GeluKernelImpl', a);
  return call(A.gelu, [a], { approx: approximate === 'tanh' ? 1 : 0 });
};
export const geluBackward = (g: Tensor, x: Tensor, approx: number): Tensor => call(A.geluBackward, [g, x], { approx });
export const silu = (a: Tensor): Tensor => {
  floatKernelOnly('silu_cpu', a);
  return call(A.silu, [a], undefined);
};
export const siluBackward = (g: Tensor, x: Tensor): Tensor => call(A.siluBackward, [g, x], undefined);
export const hardtanh = (a: Tensor, minVal = -1, maxVal = 1): Tensor => call(A.hardtanh, [a], { min_val: minVal, max_val: maxVal });
export const hardtanhBackward = (g: Tensor, x: Tensor, b: A.HardtanhBounds): Tensor => call(A.hardtanhBackward, [g, x], b);
export const sgn = (a: Tensor): Tensor => call(E.sgn, [a], undefined);

// Reductions and selections along dims.

/** A plain (unrecorded) tensor of an array: index results, masks. */
export const fromArray = (a: NDArray): Tensor => new Tensor(a);
export const zerosOfShape = (shape: readonly number[], dtype: DType): Tensor => fromArray(NDArray.full(shape, 0, dtype));
export const onesOfShape = (shape: readonly number[], dtype: DType): Tensor => fromArray(NDArray.full(shape, 1, dtype));
export const isnan = (a: Tensor): Tensor => fromArray(mapUnary(a.array, 'bool', (x) => (Number.isNaN(x) ? 1 : 0)));
export const logicalOr = (a: Tensor, b: Tensor): Tensor => fromArray(mapBinary(a.array, b.array, 'bool', (x, y) => (x !== 0 || y !== 0 ? 1 : 0)));

function dimReduction(a: Tensor, dims: readonly number[] | null, keepdim: boolean): R.DimReduction {
  return { dims: reductionDims(a.shape.length, dims), keepdim, shape: a.shape };
}

function extremumAll(a: Tensor, which: 'max' | 'min'): Tensor {
  if (a.numel === 0) {
    throw runtimeError(`${which}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`);
  }
  return call(which === 'max' ? R.maxAll : R.minAll, [a], undefined);
}
export const maxAll = (a: Tensor): Tensor => extremumAll(a, 'max');
export const minAll = (a: Tensor): Tensor => extremumAll(a, 'min');

/** max/min along a line: the first NaN if there is one (NaN propagates), else the first extreme value. */
function extremeOf(line: Float64Array, largest: boolean): number[] {
  let best = 0;
  for (let k = 0; k < line.length; k++) {
    const v = line[k]!;
    if (Number.isNaN(v)) return [k];
    if (largest ? v > line[best]! : v < line[best]!) best = k;
  }
  return [best];
}

export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

/**
 * A selection of `count` elements per line along `dim` (max/min: 1, not kept
 * unless keepdim; sort: all; topk: k), recorded by `entry`, with the chosen
 * indices as an int64 tensor.
 */
function select(
  a: Tensor,
  entry: typeof R.sort,
  dim: number,
  count: number,
  keepdim: boolean,
  descending: boolean,
  orderOf: (line: Float64Array) => number[] = (line) => extremeOf(line, descending),
): ValuesIndices {
  const d = a.shape.length === 0 ? 0 : normalizeDim(dim, a.shape.length);
  const shape = a.shape.length === 0 ? [] : a.shape.map((s, i) => (i === d ? count : s));
  const values = a.array.values();
  const indices = new Float64Array(numelOf(shape));
  const sources = new Int32Array(indices.length);
  const outLines = linesAlong(shape, d);
  linesAlong(a.shape, d).forEach((line, l) => {
    const order = orderOf(Float64Array.from(line, (i) => values[i]!));
    outLines[l]!.forEach((pos, k) => {
      indices[pos] = order[k]!;
      sources[pos] = line[order[k]!]!;
    });
  });
  const outShape = keepdim || a.shape.length === 0 ? shape : shape.filter((_, i) => i !== d);
  const indexArray = NDArray.fromValues(indices, outShape, 'int64');
  const result = call(entry, [a], { dim: d, keepdim, indices: indexArray, sources, inputShape: a.shape });
  return { values: result, indices: fromArray(indexArray) };
}

function checkNonEmptyDim(a: Tensor, dim: number, name: string): void {
  const d = normalizeDim(dim, a.shape.length);
  if (a.shape.length > 0 && a.shape[d] === 0) throw new PyError('IndexError', `${name}(): Expected reduction dim ${dim} to have non-zero size.`);
}

export function maxDim(a: Tensor, dim: number, keepdim = false): ValuesIndices {
  checkNonEmptyDim(a, dim, 'max');
  return select(a, R.maxDim, dim, 1, keepdim, true);
}
export function minDim(a: Tensor, dim: number, keepdim = false): ValuesIndices {
  checkNonEmptyDim(a, dim, 'min');
  return select(a, R.minDim, dim, 1, keepdim, false);
}
/** sort: `std::sort` of each row as PyTorch's CPU kernel (not stable past 16 elements) unless `stable`. */
export const sort = (a: Tensor, dim = -1, descending = false, stable = false): ValuesIndices =>
  select(a, R.sort, dim, a.shape.length === 0 ? 1 : a.shape[normalizeDim(dim, a.shape.length)]!, true, descending, (line) => sortOrder(line, descending, stable));
/** topk: among tied values, the ones libstdc++'s selection leaves where PyTorch runs it (stl-select.ts). */
export function topk(a: Tensor, k: number, dim = -1, largest = true, sorted = true): ValuesIndices {
  const size = a.shape.length === 0 ? 1 : a.shape[normalizeDim(dim, a.shape.length)]!;
  if (k < 0 || k > size) throw runtimeError('selected index k out of range');
  return select(a, R.topk, dim, k, true, largest, (line) => topkOrder(line, k, largest, sorted));
}

/** argmax/argmin: of everything (flattened) or along a dim; int64, no history. */
export function argExtremum(a: Tensor, which: 'max' | 'min', dim: number | null, keepdim: boolean): Tensor {
  if (dim === null) {
    if (a.numel === 0) throw runtimeError(`arg${which}(): Expected reduction dim to be specified for input.numel() == 0.`);
    const flat = fromArray(a.array.copy().view([a.numel], [1]));
    const i = select(flat, which === 'max' ? R.maxDim : R.minDim, 0, 1, false, which === 'max').indices;
    return keepdim ? fromArray(NDArray.full(a.shape.map(() => 1), i.item(), 'int64')) : i;
  }
  checkNonEmptyDim(a, dim, `arg${which}`);
  return select(a, which === 'max' ? R.maxDim : R.minDim, dim, 1, keepdim, which === 'max').indices;
}

export function prod(a: Tensor, dim: number | null = null, keepdim = false): Tensor {
  if (dim === null) return call(R.prod, [a], dimReduction(a, null, false));
  return call(R.prodDim, [a], dimReduction(a, [dim], keepdim));
}

function floatsOnly(a: Tensor, message: string): void {
  if (!isFloating(a.dtype)) throw runtimeError(message);
}

/** var and std: `dims` null reduces everything (PyTorch's no-dim overload). */
export function variance(a: Tensor, dims: readonly number[] | null, correction: number, keepdim: boolean, std = false): Tensor {
  floatsOnly(a, 'std and var only support floating point and complex dtypes');
  const r = dimReduction(a, dims, keepdim);
  return call(std ? R.std : R.variance, [a], { ...r, correction, extra: correction, all: dims === null });
}

export function norm(a: Tensor, p: number, dims: readonly number[] | null, keepdim: boolean, linalg = false): Tensor {
  if (!isFloating(a.dtype)) {
    throw runtimeError(
      linalg
        ? `linalg.vector_norm: Expected a floating point or complex tensor as input. Got ${dtypeTitle(a.dtype)}`
        : `norm(): input dtype should be either floating point or complex. Got ${dtypeTitle(a.dtype)} instead.`,
    );
  }
  return call(linalg ? R.linalgVectorNorm : R.norm, [a], { ...dimReduction(a, dims, keepdim), p, extra: p });
}

export const logsumexp = (a: Tensor, dims: readonly number[], keepdim = false): Tensor =>
  call(R.logsumexp, [a], dimReduction(a, dims, keepdim));

export const cumsum = (a: Tensor, dim: number): Tensor =>
  call(C.cumsum, [a], { dim: a.shape.length === 0 ? normalizeDim(dim, 0) : normalizeDim(dim, a.shape.length), shape: a.shape });
export const cumprod = (a: Tensor, dim: number): Tensor =>
  call(C.cumprod, [a], { dim: a.shape.length === 0 ? normalizeDim(dim, 0) : normalizeDim(dim, a.shape.length), shape: a.shape });

/** clamp_min/clamp_max: result_type(self, bound), as clamp. */
function boundDtype(a: Tensor, bound: Scalar): DType {
  return promoteWithScalar(a.dtype, bound.kind);
}
export const clampMin = (a: Tensor, min: Scalar): Tensor => call(E.clampMin, [F.to(a, boundDtype(a, min))], { min: min.value, max: null });
export const clampMax = (a: Tensor, max: Scalar): Tensor => call(E.clampMax, [F.to(a, boundDtype(a, max))], { min: null, max: max.value });
export const clampMinInPlace = (a: Tensor, min: Scalar): Tensor => callInPlace(E.clampMin, a, [], { min: min.value, max: null });
export const clampMaxInPlace = (a: Tensor, max: Scalar): Tensor => callInPlace(E.clampMax, a, [], { min: null, max: max.value });

/** `t.exp_()` and friends: the registry entry `name` run in place (no attributes). */
export function unaryInPlace(name: string, t: Tensor): Tensor {
  const entry = registry.get(name);
  if (!entry) throw new Error(`internal: no registry op ${name}`);
  if (name === 'frac') floatKernelOnly('frac_cpu', t);
  return callInPlace(entry, t, [], undefined);
}

/** allclose's comparison, element by element (broadcast): |x - y| <= atol + rtol |y|. */
export function isCloseValues(x: Tensor, y: Tensor, rtol: number, atol: number, equalNan: boolean): boolean[] {
  const out = mapBinary(x.array, y.array, 'float64', (a, b) => {
    if (Number.isNaN(a) || Number.isNaN(b)) return equalNan && Number.isNaN(a) && Number.isNaN(b) ? 1 : 0;
    if (a === b) return 1;
    return Math.abs(a - b) <= atol + rtol * Math.abs(b) ? 1 : 0;
  });
  return Array.from(out.values(), (v) => v === 1);
}

// Scaled updates (optimizers, `add_(g, alpha=-lr)`): one fused kernel each, as PyTorch's.
export const addAlpha = (a: Tensor, b: F.Operand, alpha: number): Tensor => call(Sc.addAlpha, [a, b], { alpha });
export const addAlphaInPlace = (a: Tensor, b: F.Operand, alpha: number): Tensor => callInPlace(Sc.addAlpha, a, [b], { alpha });
export const subAlpha = (a: Tensor, b: F.Operand, alpha: number): Tensor => call(Sc.subAlpha, [a, b], { alpha });
export const subAlphaInPlace = (a: Tensor, b: F.Operand, alpha: number): Tensor => callInPlace(Sc.subAlpha, a, [b], { alpha });
export const addcmul = (self: Tensor, t1: Tensor, t2: Tensor, value = 1): Tensor => call(Sc.addcmul, [self, t1, t2], { value });
export const addcmulInPlace = (self: Tensor, t1: Tensor, t2: Tensor, value = 1): Tensor => callInPlace(Sc.addcmul, self, [t1, t2], { value });
export const addcdiv = (self: Tensor, t1: Tensor, t2: Tensor, value = 1): Tensor => call(Sc.addcdiv, [self, t1, t2], { value });
export const addcdivInPlace = (self: Tensor, t1: Tensor, t2: Tensor, value = 1): Tensor => callInPlace(Sc.addcdiv, self, [t1, t2], { value });
