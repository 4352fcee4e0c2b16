/**
 * More elementwise functions (roundings, logarithms and exponentials,
 * hyperbolic and inverse trigonometric functions, erf, atan2), and the
 * Scalar overloads of add and mul that C++ backward formulas use
 * (`self + 1` is AddBackward1 there, `self * 2.0` MulBackward1). Each
 * backward is PyTorch 1.13's derivatives.yaml formula, op for op, so that
 * create_graph records the nodes PyTorch records.
 */
import type { DType } from '../tensor/dtype.js';
import { arithmeticWith, mapBinary, mapUnary } from '../tensor/kernels.js';
import type { NDArray } from '../tensor/ndarray.js';
import { roundHalfEven } from '../tensor/special.js';
import * as M from '../tensor/numerics/unary.js';
import * as F from './functional.js';
import { mathKernel, roundTo } from './pointwise.js';
import { defineOp } from './registry.js';

const unaryKernel =
  (f: (x: number) => number) =>
  ([a]: readonly NDArray[], _attrs: unknown, dtype: DType) =>
    mapUnary(a!, dtype, f);

const self = [{ name: 'self', input: 0 }];
const result = [{ name: 'result' }];

// Scalar overloads (what `t + 1.0` and `t * 2.0` are inside C++ formulas).

export const addScalar = defineOp<{ other: number }>({
  name: 'add_scalar',
  gradFn: 'AddBackward1',
  symbolic: { kind: 'elementwise', form: 'a + other' },
  dtype: 'float',
  forward: ([a], { other }, dtype) => arithmeticWith(a!, roundTo(dtype, other), dtype, 'add'),
  backward: (g) => [g],
});

export const mulScalar = defineOp<{ other: number }>({
  name: 'mul_scalar',
  gradFn: 'MulBackward1',
  symbolic: { kind: 'elementwise', form: 'a * other' },
  dtype: 'float',
  forward: ([a], { other }, dtype) => arithmeticWith(a!, roundTo(dtype, other), dtype, 'mul'),
  backward: (g, ctx) => [F.mulScalar(g, ctx.attrs.other)],
});

// clamp_min / clamp_max (clamp with one bound is ClampBackward1; these are their own ops).

export const clampMin = defineOp<{ min: number; max: null }>({
  name: 'clamp_min',
  gradFn: 'ClampMinBackward0',
  symbolic: { kind: 'elementwise', form: 'clamp(a, min, max)' },
  dtype: 'first',
  saves: self,
  forward: ([a], { min }, dtype) => mapUnary(a!, dtype, (x) => (Number.isNaN(x) || x >= min ? x : min)),
  backward: (g, ctx) => [F.where(F.compare('ge', ctx.saved('self'), ctx.attrs.min), g, 0)],
  kinks: 'the bound is inside: gradient 1 at x = min',
});

export const clampMax = defineOp<{ min: null; max: number }>({
  name: 'clamp_max',
  gradFn: 'ClampMaxBackward0',
  symbolic: { kind: 'elementwise', form: 'clamp(a, min, max)' },
  dtype: 'first',
  saves: self,
  forward: ([a], { max }, dtype) => mapUnary(a!, dtype, (x) => (Number.isNaN(x) || x <= max ? x : max)),
  backward: (g, ctx) => [F.where(F.compare('le', ctx.saved('self'), ctx.attrs.max), g, 0)],
  kinks: 'the bound is inside: gradient 1 at x = max',
});

// Roundings: zero gradient everywhere, as PyTorch defines them.

function rounding(name: string, gradFn: string, f: (x: number) => number, form: string) {
  return defineOp({
    name,
    gradFn,
    symbolic: { kind: 'elementwise', form },
    dtype: 'first',
    forward: unaryKernel(f),
    backward: (g) => [F.zerosLike(g)],
    kinks: 'gradient 0 everywhere, also where the value jumps',
  });
}

export const floor = rounding('floor', 'FloorBackward0', Math.floor, 'floor(a)');
export const ceil = rounding('ceil', 'CeilBackward0', Math.ceil, 'ceil(a)');
export const round = rounding('round', 'RoundBackward0', roundHalfEven, 'round(a)');
export const trunc = rounding('trunc', 'TruncBackward0', Math.trunc, 'trunc(a)');

/** `x - trunc(x)`: its gradient passes through unchanged. */
export const frac = defineOp({
  name: 'frac',
  gradFn: 'FracBackward0',
  symbolic: { kind: 'elementwise', form: 'a - trunc(a)' },
  dtype: 'first',
  forward: unaryKernel((x) => x - Math.trunc(x)),
  backward: (g) => [g],
  kinks: 'gradient 1 everywhere, also where the value jumps',
});

/**
 * `sgn`: sign for real tensors, under its own name (what norm's backward
 * records). PyTorch saves self and the result (sgn_backward reads them for
 * complex tensors) and returns an efficient zero tensor for real ones, which
 * dzdx holds as ordinary zeros (README: known differences).
 */
export const sgn = defineOp({
  name: 'sgn',
  gradFn: 'SgnBackward0',
  symbolic: { kind: 'elementwise', form: 'sign(a)', viaResult: { a: '0' } },
  dtype: 'first',
  saves: [{ name: 'self', input: 0 }, { name: 'result' }],
  forward: unaryKernel((x) => (Number.isNaN(x) ? x : x > 0 ? 1 : x < 0 ? -1 : 0)),
  backward: (g) => [F.zerosLike(g)],
});

// Logarithms and exponentials.

export const log1p = defineOp({
  name: 'log1p',
  gradFn: 'Log1PBackward0',
  symbolic: { kind: 'elementwise', form: 'log1p(a)' },
  dtype: 'float',
  saves: self,
  forward: mathKernel(M.log1pMath),
  backward: (g, ctx) => [F.div(g, F.addScalar(ctx.saved('self'), 1))],
});

export const expm1 = defineOp({
  name: 'expm1',
  gradFn: 'Expm1Backward0',
  symbolic: { kind: 'elementwise', form: 'expm1(a)', viaResult: { a: 'result + 1' } },
  dtype: 'float',
  saves: result,
  forward: mathKernel(M.expm1Math),
  backward: (g, ctx) => [F.mul(g, F.addScalar(ctx.saved('result'), 1))],
});

export const log2 = defineOp({
  name: 'log2',
  gradFn: 'Log2Backward0',
  symbolic: { kind: 'elementwise', form: 'log2(a)' },
  dtype: 'float',
  saves: self,
  forward: mathKernel(M.log2Math),
  backward: (g, ctx) => [F.div(g, F.mulScalar(ctx.saved('self'), Math.LN2))],
});

export const log10 = defineOp({
  name: 'log10',
  gradFn: 'Log10Backward0',
  symbolic: { kind: 'elementwise', form: 'log10(a)' },
  dtype: 'float',
  saves: self,
  forward: mathKernel(M.log10Math),
  backward: (g, ctx) => [F.div(g, F.mulScalar(ctx.saved('self'), Math.LN10))],
});

export const exp2 = defineOp({
  name: 'exp2',
  gradFn: 'Exp2Backward0',
  symbolic: { kind: 'elementwise', form: '2 ^ a', viaResult: { a: 'result * log(2)' } },
  dtype: 'float',
  saves: result,
  forward: mathKernel(M.exp2Math),
  backward: (g, ctx) => [F.mulScalar(F.mul(g, ctx.saved('result')), Math.LN2)],
});

export const erf = defineOp({
  name: 'erf',
  gradFn: 'ErfBackward0',
  symbolic: { kind: 'elementwise', form: 'erf(a)' },
  dtype: 'float',
  saves: self,
  forward: mathKernel(M.erfMath),
  // 2 / sqrt(pi) * exp(-self^2) * grad
  backward: (g, ctx) => [F.mul(F.mulScalar(F.exp(F.neg(F.pow(ctx.saved('self'), 2))), 2 / Math.sqrt(Math.PI)), g)],
});

// Hyperbolic and inverse trigonometric functions.

export const sinh = defineOp({
  name: 'sinh',
  gradFn: 'SinhBackward0',
  symbolic: { kind: 'elementwise', form: 'sinh(a)' },
  dtype: 'float',
  saves: self,
  forward: unaryKernel(Math.sinh),
  backward: (g, ctx) => [F.mul(g, F.cosh(ctx.saved('self')))],
});

export const cosh = defineOp({
  name: 'cosh',
  gradFn: 'CoshBackward0',
  symbolic: { kind: 'elementwise', form: 'cosh(a)' },
  dtype: 'float',
  saves: self,
  forward: unaryKernel(Math.cosh),
  backward: (g, ctx) => [F.mul(g, F.sinh(ctx.saved('self')))],
});

/** `(-x * x + 1).rsqrt()`, the factor of asin' and acos'. */
const oneMinusSquareRsqrt = (x: Parameters<typeof F.neg>[0]) => F.rsqrt(F.addScalar(F.mul(F.neg(x), x), 1));

export const asin = defineOp({
  name: 'asin',
  gradFn: 'AsinBackward0',
  symbolic: { kind: 'elementwise', form: 'asin(a)' },
  dtype: 'float',
  saves: self,
  forward: unaryKernel(Math.asin),
  backward: (g, ctx) => [F.mul(g, oneMinusSquareRsqrt(ctx.saved('self')))],
});

export const acos = defineOp({
  name: 'acos',
  gradFn: 'AcosBackward0',
  symbolic: { kind: 'elementwise', form: 'acos(a)' },
  dtype: 'float',
  saves: self,
  forward: unaryKernel(Math.acos),
  backward: (g, ctx) => [F.mul(g, F.neg(oneMinusSquareRsqrt(ctx.saved('self'))))],
});

export const atan = defineOp({
  name: 'atan',
  gradFn: 'AtanBackward0',
  symbolic: { kind: 'elementwise', form: 'atan(a)' },
  dtype: 'float',
  saves: self,
  forward: unaryKernel(Math.atan),
  backward: (g, ctx) => {
    const x = ctx.saved('self');
    return [F.div(g, F.addScalar(F.mul(x, x), 1))];
  },
});

export const atan2 = defineOp({
  name: 'atan2',
  gradFn: 'Atan2Backward0',
  symbolic: { kind: 'elementwise', form: 'atan2(a, b)' },
  dtype: 'float',
  saves: [
    { name: 'self', input: 0 },
    { name: 'other', input: 1 },
  ],
  forward: ([a, b], _attrs, dtype) => mapBinary(a!, b!, dtype, Math.atan2),
  backward: (g, ctx) => {
    const x = ctx.saved('self');
    const w = ctx.saved('other');
    const recip = F.reciprocal(F.add(F.mul(x, x), F.mul(w, w)));
    return [
      ctx.needsInputGrad(0) ? F.mul(F.mul(g, w), recip) : null,
      ctx.needsInputGrad(1) ? F.mul(F.mul(g, F.neg(x)), recip) : null,
    ];
  },
});
