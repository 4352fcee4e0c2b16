/**
 * Elementwise functions of one tensor, and the `*_backward` ops their
 * backward formulas use (so create_graph shows PyTorch's
 * `TanhBackwardBackward0` and friends). Each forward sits by its backward.
 */
import type { DType } from '../tensor/dtype.js';
import { mapBinary, mapBinaryMath, mapUnary, mapUnaryMath, negate } from '../tensor/kernels.js';
import type { UnaryMath } from '../tensor/numerics/elementwise.js';
import * as M from '../tensor/numerics/unary.js';
import type { NDArray } from '../tensor/ndarray.js';
import * as F from './functional.js';
import { defineOp } from './registry.js';

/** Round a double to the dtype's precision, for kernels that round between steps. */
export function roundTo(dtype: DType, v: number): number {
  return dtype === 'float32' ? Math.fround(v) : v;
}

const unaryKernel =
  (f: (x: number) => number) =>
  ([a]: readonly NDArray[], _attrs: unknown, dtype: DType) =>
    mapUnary(a!, dtype, f);

/** A float function with PyTorch's float32/float64 implementations (src/tensor/numerics). */
export const mathKernel =
  (m: UnaryMath) =>
  ([a]: readonly NDArray[], _attrs: unknown, dtype: DType) =>
    mapUnaryMath(a!, dtype, m);

const self = [{ name: 'self', input: 0 }];
const result = [{ name: 'result' }];

export const neg = defineOp({
  name: 'neg',
  symbolic: { kind: 'elementwise', form: '-a' },
  gradFn: 'NegBackward0',
  dtype: 'first',
  forward: ([a], _attrs, dtype) => negate(a!, dtype),
  backward: (g) => [F.neg(g)],
});

export const exp = defineOp({
  name: 'exp',
  symbolic: { kind: 'elementwise', form: 'exp(a)', viaResult: { a: 'result' } },
  gradFn: 'ExpBackward0',
  dtype: 'float',
  saves: result,
  forward: mathKernel(M.expMath),
  backward: (g, ctx) => [F.mul(g, ctx.saved('result'))],
});

export const log = defineOp({
  name: 'log',
  symbolic: { kind: 'elementwise', form: 'log(a)' },
  gradFn: 'LogBackward0',
  dtype: 'float',
  saves: self,
  forward: mathKernel(M.logMath),
  backward: (g, ctx) => [F.div(g, ctx.saved('self'))],
  kinks: "log'(0) = inf, log'(-1) = -1 (1/x, no domain masking)",
});

export const sin = defineOp({
  name: 'sin',
  symbolic: { kind: 'elementwise', form: 'sin(a)' },
  gradFn: 'SinBackward0',
  dtype: 'float',
  saves: self,
  forward: mathKernel(M.sinMath),
  backward: (g, ctx) => [F.mulIntoTemporary(g, F.cos(ctx.saved('self')))],
});

export const cos = defineOp({
  name: 'cos',
  symbolic: { kind: 'elementwise', form: 'cos(a)' },
  gradFn: 'CosBackward0',
  dtype: 'float',
  saves: self,
  forward: mathKernel(M.cosMath),
  backward: (g, ctx) => [F.mulIntoTemporary(g, F.neg(F.sin(ctx.saved('self'))))],
});

export const tan = defineOp({
  name: 'tan',
  symbolic: { kind: 'elementwise', form: 'tan(a)', viaResult: { a: '1 + result ^ 2' } },
  gradFn: 'TanBackward0',
  dtype: 'float',
  saves: result,
  forward: mathKernel(M.tanMath),
  backward: (g, ctx) => [F.mul(g, F.add(F.pow(ctx.saved('result'), 2), 1))],
});

export const tanhBackward = defineOp({
  name: 'tanh_backward',
  symbolic: { kind: 'elementwise', form: 'a * (1 - b ^ 2)' },
  gradFn: 'TanhBackwardBackward0',
  saves: [{ name: 'grad_output', input: 0 }, { name: 'output', input: 1 }],
  // PyTorch's CPU kernel forms 1 - y*y with one rounding (an FMA).
  forward: ([g, y], _attrs, dtype) => mapBinary(g!, y!, dtype, (gv, yv) => gv * roundTo(dtype, 1 - yv * yv)),
  backward: (gg, ctx) => [
    ctx.needsInputGrad(0) ? F.tanhBackward(gg, ctx.saved('output')) : null,
    ctx.needsInputGrad(1) ? F.mul(F.mul(gg, F.mul(ctx.saved('output'), -2)), ctx.saved('grad_output')) : null,
  ],
});

export const tanh = defineOp({
  name: 'tanh',
  symbolic: { kind: 'elementwise', form: 'tanh(a)', viaResult: { a: '1 - result ^ 2' } },
  gradFn: 'TanhBackward0',
  dtype: 'float',
  saves: result,
  forward: mathKernel(M.tanhMath),
  backward: (g, ctx) => [F.tanhBackward(g, ctx.saved('result'))],
});

export const sigmoidBackward = defineOp({
  name: 'sigmoid_backward',
  symbolic: { kind: 'elementwise', form: 'a * (1 - b) * b' },
  gradFn: 'SigmoidBackwardBackward0',
  saves: [{ name: 'grad_output', input: 0 }, { name: 'output', input: 1 }],
  // g * (1 - y) * y, rounded in that order (bit-exact with PyTorch).
  forward: ([g, y], _attrs, dtype) =>
    mapBinary(g!, y!, dtype, (gv, yv) => roundTo(dtype, gv * roundTo(dtype, 1 - yv)) * yv),
  backward: (gg, ctx) => {
    const y = ctx.saved('output');
    return [
      ctx.needsInputGrad(0) ? F.sigmoidBackward(gg, y) : null,
      ctx.needsInputGrad(1) ? F.mul(F.mul(gg, ctx.saved('grad_output')), F.rsub(F.mul(y, 2), 1)) : null,
    ];
  },
});

export const sigmoid = defineOp({
  name: 'sigmoid',
  symbolic: { kind: 'elementwise', form: 'sigmoid(a)', viaResult: { a: '(1 - result) * result' } },
  gradFn: 'SigmoidBackward0',
  dtype: 'float',
  saves: result,
  forward: mathKernel(M.sigmoidMath),
  backward: (g, ctx) => [F.sigmoidBackward(g, ctx.saved('result'))],
});

export const thresholdBackward = defineOp<{ threshold: number }>({
  name: 'threshold_backward',
  symbolic: { kind: 'elementwise', form: 'a * above(b - threshold)' },
  gradFn: 'ThresholdBackwardBackward0',
  saves: [{ name: 'self', input: 1 }],
  // PyTorch's kernel is `y <= threshold ? 0 : g`: a NaN result lets the gradient through.
  forward: ([g, y], attrs, dtype) => mapBinary(g!, y!, dtype, (gv, yv) => (yv <= attrs.threshold ? 0 : gv)),
  backward: (gg, ctx) => [
    ctx.needsInputGrad(0) ? F.thresholdBackward(gg, ctx.saved('self'), ctx.attrs.threshold) : null,
    ctx.needsInputGrad(1) ? F.zerosLike(ctx.saved('self')) : null,
  ],
});

export const relu = defineOp({
  name: 'relu',
  symbolic: { kind: 'elementwise', form: 'relu(a)', viaResult: { a: 'above(result)' } },
  gradFn: 'ReluBackward0',
  dtype: 'first',
  saves: result,
  // relu(NaN) = NaN and relu(-0) = -0, as PyTorch's clamp_min(x, 0).
  forward: unaryKernel((x) => (x > 0 || x === 0 || Number.isNaN(x) ? x : 0)),
  backward: (g, ctx) => [F.thresholdBackward(g, ctx.saved('result'), 0)],
  kinks: "relu'(0) = 0 (the saved result must be > 0)",
});

export const sqrt = defineOp({
  name: 'sqrt',
  symbolic: { kind: 'elementwise', form: 'sqrt(a)', viaResult: { a: '1 / (2 * result)' } },
  gradFn: 'SqrtBackward0',
  dtype: 'float',
  saves: result,
  forward: mathKernel(M.sqrtMath),
  backward: (g, ctx) => [F.div(g, F.mul(ctx.saved('result'), 2))],
  kinks: "sqrt'(0) = inf",
});

export const rsqrt = defineOp({
  name: 'rsqrt',
  symbolic: { kind: 'elementwise', form: 'rsqrt(a)', viaResult: { a: '-0.5 * result ^ 3' } },
  gradFn: 'RsqrtBackward0',
  dtype: 'float',
  saves: result,
  forward: mathKernel(M.rsqrtMath),
  backward: (g, ctx) => [F.mul(F.mul(g, -0.5), F.pow(ctx.saved('result'), 3))],
});

export const sign = defineOp({
  name: 'sign',
  symbolic: { kind: 'elementwise', form: 'sign(a)' },
  gradFn: 'SignBackward0',
  dtype: 'first',
  forward: unaryKernel((x) => (Number.isNaN(x) ? x : x > 0 ? 1 : x < 0 ? -1 : 0)),
  backward: (g) => [F.zerosLike(g)],
});

export const abs = defineOp({
  name: 'abs',
  symbolic: { kind: 'elementwise', form: 'abs(a)' },
  gradFn: 'AbsBackward0',
  dtype: 'first',
  saves: self,
  forward: unaryKernel(Math.abs),
  backward: (g, ctx) => [F.mul(g, F.sign(ctx.saved('self')))],
  kinks: "abs'(0) = 0 (sign(0) = 0)",
});

export const reciprocal = defineOp({
  name: 'reciprocal',
  symbolic: { kind: 'elementwise', form: '1 / a', viaResult: { a: '-(result ^ 2)' } },
  gradFn: 'ReciprocalBackward0',
  dtype: 'float',
  saves: result,
  forward: mathKernel(M.reciprocalMath),
  backward: (g, ctx) => {
    const r = ctx.saved('result');
    return [F.mul(F.neg(g), F.mul(r, r))];
  },
});

/** softplus's backward as its own op, as PyTorch's (so create_graph names SoftplusBackwardBackward0). */
export const softplusBackward = defineOp<{ beta: number; threshold: number }>({
  name: 'softplus_backward',
  gradFn: 'SoftplusBackwardBackward0',
  symbolic: { kind: 'elementwise', form: 'a * sigmoid(beta * b)' },
  saves: [{ name: 'grad_output', input: 0 }, { name: 'self', input: 1 }],
  forward: ([g, x], { beta, threshold }, dtype) => mapBinaryMath(g!, x!, dtype, M.softplusBackwardMath(beta, threshold)),
  backward: (gg, ctx) => {
    const { beta, threshold } = ctx.attrs;
    const x = ctx.saved('self');
    const scaled = F.mul(x, beta);
    const linear = F.compare('gt', scaled, threshold);
    const s = F.sigmoid(scaled);
    return [
      ctx.needsInputGrad(0) ? F.softplusBackward(gg, x, beta, threshold) : null,
      ctx.needsInputGrad(1)
        ? F.where(linear, F.zerosLike(x), F.mul(F.mul(F.mul(gg, ctx.saved('grad_output')), beta), F.mul(s, F.rsub(s, 1))))
        : null,
    ];
  },
});

/** `F.softplus(x, beta=1, threshold=20)`: linear above the threshold, as PyTorch. */
export const softplus = defineOp<{ beta: number; threshold: number }>({
  name: 'softplus',
  symbolic: { kind: 'elementwise', form: 'log(1 + exp(beta * a)) / beta' },
  gradFn: 'SoftplusBackward0',
  dtype: 'float',
  saves: self,
  forward: ([a], { beta, threshold }, dtype) => mapUnaryMath(a!, dtype, M.softplusMath(beta, threshold)),
  backward: (g, ctx) => [F.softplusBackward(g, ctx.saved('self'), ctx.attrs.beta, ctx.attrs.threshold)],
});
