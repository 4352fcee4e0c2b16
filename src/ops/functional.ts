/**
 * The functional API over the registry (`add(a, b)`, `matmul(a, b)`):
 * what backward formulas, the script runner and library users call.
 * Composite ops (matmul, reshape, `2 / x`) choose entries as PyTorch does.
 */
import { isGradEnabled } from '../autograd/grad-mode.js';
import { tapeListened } from '../autograd/record.js';
import { Tensor } from '../autograd/tensor.js';
import { isFloating, promoteWithScalar, type DType } from '../tensor/dtype.js';
import { runtimeError } from '../tensor/errors.js';
import { mulInto, NDArray, sameShape } from '../tensor/ndarray.js';
import { reductionDims } from '../tensor/kernels.js';
import * as S from '../tensor/shape.js';
import * as B from './binary.js';
import { matmulNd } from './functional-shape.js';
import * as P from './pointwise.js';
import * as R from './reduce.js';
import { call, callInPlace, dtypeTitle, type Operand, type Scalar } from './registry.js';
import * as V from './views.js';

export type { Operand, Scalar };

const scalarValue = (x: number | Scalar) => (typeof x === 'number' ? x : x.value);

// Arithmetic
export const add = (a: Operand, b: Operand): Tensor =>
  a instanceof Tensor ? call(B.add, [a, b], undefined) : call(B.add, [b, a], undefined);
export const sub = (a: Operand, b: Operand): Tensor =>
  a instanceof Tensor ? call(B.sub, [a, b], undefined) : call(B.rsub, [b, a], undefined);
/** `b - a` as PyTorch's rsub (what `2 - x` becomes). */
export const rsub = (a: Tensor, b: Operand): Tensor => call(B.rsub, [a, b], undefined);
export const mul = (a: Operand, b: Operand): Tensor =>
  a instanceof Tensor ? call(B.mul, [a, b], undefined) : call(B.mul, [b, a], undefined);
/** `2 / x` is `x.reciprocal() * 2` in PyTorch. */
export const div = (a: Operand, b: Operand): Tensor =>
  a instanceof Tensor ? call(B.div, [a, b], undefined) : mul(reciprocal(b as Tensor), a);
export const neg = (a: Tensor): Tensor => call(P.neg, [a], undefined);

/**
 * `g * t` for a tensor `t` that a backward formula has just made and drops
 * afterwards (cos(x) in sin's g·cos(x)). Where no graph is recorded and
 * nothing listens, the product is written into t's buffer, the same bits
 * (a product rounds once, in either order), and saves a result buffer: for
 * a large tensor, a fresh one's page faults.
 */
export function mulIntoTemporary(g: Tensor, t: Tensor): Tensor {
  const a = t.array;
  if (isGradEnabled() || tapeListened() || g.dtype !== t.dtype || !isFloating(t.dtype) || !sameShape(g.shape, t.shape) || !a.isContiguous()) return mul(g, t);
  mulInto(a, g.array);
  return t;
}
/** `t / n` as C++ backward formulas write it (a Scalar overload, DivBackward1). */
export const divByNumber = (a: Tensor, divisor: number): Tensor => call(B.divScalar, [a], { divisor });

/**
 * `a ** b`. A number exponent is PowBackward0; a tensor exponent
 * PowBackward1. A number base (`2 ** x`) becomes a 0-d tensor of
 * result_type(base, x), as 1.13's `__rpow__` does (so `2 ** int_tensor`
 * stays int64): what `call` does with a number operand. `torch.pow(2, x)`
 * uses `powScalarBase` instead.
 */
export function pow(a: Operand, b: Operand): Tensor {
  if (a instanceof Tensor && !(b instanceof Tensor)) return call(B.powScalar, [a], { exponent: scalarValue(b) });
  return call(B.powTensor, [a, b], undefined);
}
export const powScalarBase = (base: number | Scalar, x: Tensor): Tensor => {
  // An int or bool exponent takes result_type(base, x) (int64 for an int base) and has no gradient: pow's wrapping does it.
  if (!isFloating(x.dtype)) return pow(base, x);
  return call(B.powScalarBase, [x], { base: scalarValue(base) });
};

// Elementwise functions
export const exp = (a: Tensor): Tensor => call(P.exp, [a], undefined);
export const log = (a: Tensor): Tensor => call(P.log, [a], undefined);
export const sin = (a: Tensor): Tensor => call(P.sin, [a], undefined);
export const cos = (a: Tensor): Tensor => call(P.cos, [a], undefined);
export const tan = (a: Tensor): Tensor => call(P.tan, [a], undefined);
export const tanh = (a: Tensor): Tensor => call(P.tanh, [a], undefined);
export const sigmoid = (a: Tensor): Tensor => call(P.sigmoid, [a], undefined);
export const relu = (a: Tensor): Tensor => call(P.relu, [a], undefined);
export const sqrt = (a: Tensor): Tensor => call(P.sqrt, [a], undefined);
export const rsqrt = (a: Tensor): Tensor => call(P.rsqrt, [a], undefined);
export const abs = (a: Tensor): Tensor => call(P.abs, [a], undefined);
export const sign = (a: Tensor): Tensor => call(P.sign, [a], undefined);
export const reciprocal = (a: Tensor): Tensor => call(P.reciprocal, [a], undefined);
export const square = (a: Tensor): Tensor => pow(a, 2);
export const softplus = (a: Tensor, beta = 1, threshold = 20): Tensor => call(P.softplus, [a], { beta, threshold });
export const softplusBackward = (g: Tensor, x: Tensor, beta: number, threshold: number): Tensor =>
  call(P.softplusBackward, [g, x], { beta, threshold });
export const tanhBackward = (g: Tensor, y: Tensor): Tensor => call(P.tanhBackward, [g, y], undefined);
export const sigmoidBackward = (g: Tensor, y: Tensor): Tensor => call(P.sigmoidBackward, [g, y], undefined);
export const thresholdBackward = (g: Tensor, y: Tensor, threshold: number): Tensor =>
  call(P.thresholdBackward, [g, y], { threshold });

// Comparisons and selections
export const compare = (op: B.ComparisonName, a: Operand, b: Operand): Tensor => {
  // Stryker disable next-line ConditionalExpression: comparisons record nothing, and lt(a, b) equals gt(b, a) element for element, so flipping or not gives the same tensor
  if (a instanceof Tensor) return call(B.comparisonOps[op], [a, b], undefined);
  const flipped = { lt: 'gt', le: 'ge', gt: 'lt', ge: 'le', eq: 'eq', ne: 'ne' } as const;
  return call(B.comparisonOps[flipped[op]], [b, a], undefined);
};
export const logicalAnd = (a: Tensor, b: Tensor): Tensor => call(B.logicalAnd, [a, b], undefined);
export const where = (c: Tensor, a: Operand, b: Operand): Tensor => call(B.where, [c, a, b], undefined);
export const maximum = (a: Tensor, b: Tensor): Tensor => call(B.maximum, [a, b], undefined);
export const minimum = (a: Tensor, b: Tensor): Tensor => call(B.minimum, [a, b], undefined);
/** A clamp bound: a JavaScript number is a float, a script's Scalar keeps its kind. */
type Bound = number | Scalar | null;
export const clamp = (a: Tensor, min: Bound, max: Bound): Tensor => {
  if (min === null && max === null) throw runtimeError("torch.clamp: At least one of 'min' or 'max' must not be None");
  // PyTorch's result_type(a, min, max): a float bound makes an int tensor's result float.
  // Stryker disable next-line ConditionalExpression,StringLiteral: promoteWithScalar treats any kind but 'bool' and 'int' (a number's undefined .kind too) as a float
  const dtype = [min, max].reduce<DType>((d, b) => (b === null ? d : promoteWithScalar(d, typeof b === 'number' ? 'float' : b.kind)), a.dtype);
  const value = (b: Bound) => (b === null ? null : scalarValue(b));
  return call(B.clamp, [to(a, dtype)], { min: value(min), max: value(max) });
};

// Creation (never recorded)
export const fullLike = (a: Tensor, value: number, dtype: DType = a.dtype): Tensor =>
  new Tensor(NDArray.full(a.shape, value, dtype));
export const zerosLike = (a: Tensor): Tensor => fullLike(a, 0);
export const onesLike = (a: Tensor): Tensor => fullLike(a, 1);

// Reductions and products
function reduction(a: Tensor, dims: readonly number[] | null, keepdim: boolean): R.Reduction {
  return { dims: reductionDims(a.shape.length, dims), keepdim, shape: a.shape };
}
export const sum = (a: Tensor, dims: readonly number[] | null = null, keepdim = false): Tensor =>
  // Stryker disable next-line BooleanLiteral: sum over all dims reads no keepdim (its result is 0-d, its backward expands to the shape)
  dims === null ? call(R.sumAll, [a], reduction(a, null, false)) : call(R.sumDim, [a], reduction(a, dims, keepdim));
export function mean(a: Tensor, dims: readonly number[] | null = null, keepdim = false): Tensor {
  if (!isFloating(a.dtype)) {
    const got = dtypeTitle(a.dtype);
    throw runtimeError(
      `mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${got}`,
    );
  }
  return dims === null ? call(R.meanAll, [a], reduction(a, null, false)) : call(R.meanDim, [a], reduction(a, dims, keepdim));
}
/** Matrix products do not promote: PyTorch wants one dtype. */
function sameDtype(a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) throw runtimeError(`expected scalar type ${dtypeTitle(a.dtype)} but found ${dtypeTitle(b.dtype)}`);
}

export const mm = (a: Tensor, b: Tensor): Tensor => {
  if (a.shape.length !== 2) throw runtimeError('self must be a matrix');
  if (b.shape.length !== 2) throw runtimeError('mat2 must be a matrix');
  sameDtype(a, b);
  return call(R.mm, [a, b], undefined);
};
export const mv = (a: Tensor, v: Tensor): Tensor => {
  sameDtype(a, v);
  return call(R.mv, [a, v], undefined);
};
export const dot = (a: Tensor, b: Tensor): Tensor => {
  if (a.dtype !== b.dtype) {
    throw runtimeError(`dot : expected both vectors to have same dtype, but found ${dtypeTitle(a.dtype)} and ${dtypeTitle(b.dtype)}`);
  }
  return call(R.dot, [a, b], undefined);
};

/** `a @ b`, composed from dot/mv/mm (and bmm for batches: matmulNd) as PyTorch's matmul is. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const [da, db] = [a.shape.length, b.shape.length];
  if (da === 0 || db === 0) {
    throw runtimeError(`both arguments to matmul need to be at least 1D, but they are ${da}D and ${db}D`);
  }
  if (da === 1 && db === 1) return dot(a, b);
  if (da === 2 && db === 1) return mv(a, b);
  if (da === 1 && db === 2) return call(V.squeezeMatmul, [mm(unsqueeze(a, 0), b)], { dim: 0, inputShape: [1, b.shape[1]!] });
  if (da === 2 && db === 2) return mm(a, b);
  return matmulNd(a, b);
}

// Shapes and views
export function reshape(a: Tensor, shape: readonly number[]): Tensor {
  const target = S.inferShape(shape, a.numel);
  if (S.reshapeOf(a.array, target).copied) return call(V.unsafeView, [clone(a)], { shape: target, inputShape: a.shape });
  return call(V.reshapeAlias, [a], { shape: target, inputShape: a.shape });
}
export const view = (a: Tensor, shape: readonly number[]): Tensor => call(V.view, [a], { shape, inputShape: a.shape });
export const clone = (a: Tensor): Tensor => call(V.clone, [a], undefined);
export const copyWithHistory = (a: Tensor): Tensor => call(V.copyGrad, [a], undefined);
/** `.to(dtype)`, `.double()`, `.float()`: the tensor itself when the dtype already matches. */
export const to = (a: Tensor, dtype: DType): Tensor => (a.dtype === dtype ? a : call(V.toCopy, [a], { dtype }));
export const t = (a: Tensor): Tensor => call(V.t, [a], undefined);
export const permute = (a: Tensor, dims: readonly number[]): Tensor => call(V.permute, [a], { dims });
export const transpose = (a: Tensor, dim0: number, dim1: number): Tensor => call(V.transpose, [a], { dim0, dim1 });
export const unsqueeze = (a: Tensor, dim: number): Tensor => call(V.unsqueeze, [a], { dim });
export const squeeze = (a: Tensor, dim?: number): Tensor =>
  call(dim === undefined ? V.squeezeAll : V.squeezeDim, [a], { dim, inputShape: a.shape });
export const expand = (a: Tensor, sizes: readonly number[]): Tensor => call(V.expand, [a], { sizes });
export const select = (a: Tensor, dim: number, index: number): Tensor =>
  call(V.select, [a], { dim, index, inputShape: a.shape });
export const slice = (a: Tensor, s: { dim: number; start: number | null; stop: number | null; step: number }): Tensor =>
  call(V.slice, [a], { ...s, inputShape: a.shape });
export const selectBackward = (g: Tensor, s: V.Select): Tensor => call(V.selectBackward, [g], s);
export const sliceBackward = (g: Tensor, s: V.Slice): Tensor => call(V.sliceBackward, [g], s);

/** Sum a broadcast gradient back to `shape` (PyTorch's sum_to). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (shape.length === 0 && g.shape.length > 0) return sum(g);
  const lead = g.shape.length - shape.length;
  const dims: number[] = [];
  g.shape.forEach((size, i) => {
    if (i < lead || (shape[i - lead] === 1 && size !== 1)) dims.push(i);
  });
  if (dims.length === 0) return g;
  const summed = sum(g, dims, true);
  return lead > 0 ? view(summed, shape) : summed;
}

// In place
export const addInPlace = (a: Tensor, b: Operand): Tensor => callInPlace(B.add, a, [b], undefined);
export const subInPlace = (a: Tensor, b: Operand): Tensor => callInPlace(B.sub, a, [b], undefined);
export const mulInPlace = (a: Tensor, b: Operand): Tensor => callInPlace(B.mul, a, [b], undefined);
export const divInPlace = (a: Tensor, b: Operand): Tensor => callInPlace(B.div, a, [b], undefined);
export const powInPlace = (a: Tensor, b: number | Scalar): Tensor => callInPlace(B.powScalar, a, [], { exponent: scalarValue(b) });
export const zeroInPlace = (a: Tensor): Tensor => callInPlace(B.zero, a, [], undefined);
export const fillInPlace = (a: Tensor, value: number): Tensor => callInPlace(B.fill, a, [], { value });
export const clampInPlace = (a: Tensor, min: number | null, max: number | null): Tensor => callInPlace(B.clamp, a, [], { min, max });
export const copyInPlace = (a: Tensor, src: Tensor): Tensor => callInPlace(B.copy, a, [src], undefined);

// The ops added for the rest of the tensor API teaching code calls.
export * from './functional-more.js';
export * from './functional-shape.js';
export * from './functional-nn.js';
