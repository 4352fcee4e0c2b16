/**
 * The activations of torch.nn.functional (leaky_relu, elu, gelu, silu,
 * hardtanh), each with its `*_backward` op where PyTorch has one, so that
 * create_graph records PyTorch's `LeakyReluBackwardBackward0` and friends.
 */
import type { Tensor } from '../autograd/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { mapBinary, mapBinaryMath, mapUnary, mapUnaryMath } from '../tensor/kernels.js';
import * as Act from '../tensor/numerics/activations.js';
import type { NDArray } from '../tensor/ndarray.js';
import { erf } from '../tensor/special.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import * as F from './functional.js';
import { roundTo } from './pointwise.js';
import { defineOp } from './registry.js';

const step = 'step'; // mathjs helper: 1 above 0, 0 at and below

// leaky_relu: x > 0 ? x : x * slope.

export const leakyReluBackward = defineOp<{ slope: number }>({
  name: 'leaky_relu_backward',
  gradFn: 'LeakyReluBackwardBackward0',
  symbolic: { kind: 'elementwise', form: `a * (${step}(b) + slope * (1 - ${step}(b)))` },
  saves: [{ name: 'self', input: 1 }],
  forward: ([g, x], { slope }, dtype) => mapBinaryMath(g!, x!, dtype, Act.leakyReluBackwardMath(slope)),
  backward: (gg, ctx) => [
    ctx.needsInputGrad(0) ? F.leakyReluBackward(gg, ctx.saved('self'), ctx.attrs.slope) : null,
    ctx.needsInputGrad(1) ? F.zerosLike(ctx.saved('self')) : null,
  ],
});

export const leakyRelu = defineOp<{ slope: number }>({
  name: 'leaky_relu',
  gradFn: 'LeakyReluBackward0',
  symbolic: { kind: 'elementwise', form: `a * (${step}(a) + slope * (1 - ${step}(a)))` },
  dtype: 'first',
  saves: [{ name: 'self', input: 0 }],
  forward: ([a], { slope }, dtype) => mapUnaryMath(a!, dtype, Act.leakyReluMath(slope)),
  backward: (g, ctx) => [F.leakyReluBackward(g, ctx.saved('self'), ctx.attrs.slope)],
  kinks: "leaky_relu'(0) = negative_slope",
});

// elu: x > 0 ? scale * x : alpha * scale * (exp(x * input_scale) - 1).

export interface EluParams {
  alpha: number;
  scale: number;
  input_scale: number;
}

const eluParams = (p: EluParams): Act.EluParams => ({ alpha: p.alpha, scale: p.scale, inputScale: p.input_scale });

export const eluBackward = defineOp<EluParams>({
  name: 'elu_backward',
  gradFn: 'EluBackwardBackward0',
  // The negative branch's slope is taken at x <= 0, its derivative (elu_double_backward) only at x < 0:
  // written as step(-b) (E(b) - E(0)) + (1 - step(b)) E(0), which is E(b) for b <= 0 with E'(0) masked.
  symbolic: {
    kind: 'elementwise',
    form: `a * (${step}(b) * scale + ${step}(-b) * (input_scale * alpha * scale * exp(b * input_scale) - input_scale * alpha * scale) + (1 - ${step}(b)) * input_scale * alpha * scale)`,
  },
  saves: [{ name: 'grad_output', input: 0 }, { name: 'self_or_result', input: 1 }],
  forward: ([g, x], p, dtype) => mapBinaryMath(g!, x!, dtype, Act.eluBackwardMath(eluParams(p))),
  backward: (gg, ctx) => {
    const x = ctx.saved('self_or_result');
    const p = ctx.attrs;
    // PyTorch's elu_double_backward: the second derivative only where x < 0.
    const second = () => F.mul(F.eluBackward(F.mulScalar(F.mul(gg, ctx.saved('grad_output')), p.input_scale), x, p), F.to(F.compare('lt', x, 0), gg.dtype));
    return [ctx.needsInputGrad(0) ? F.eluBackward(gg, x, p) : null, ctx.needsInputGrad(1) ? second() : null];
  },
});

export const elu = defineOp<EluParams>({
  name: 'elu',
  gradFn: 'EluBackward0',
  // At 0 the slope is alpha * scale * input_scale and the curvature 0, as elu_backward and elu_double_backward give them.
  symbolic: {
    kind: 'elementwise',
    form: `${step}(a) * scale * a + ${step}(-a) * alpha * scale * (exp(a * input_scale) - 1) + (1 - ${step}(a) - ${step}(-a)) * alpha * scale * input_scale * a`,
  },
  dtype: 'first',
  saves: [{ name: 'self', input: 0 }],
  forward: ([a], p, dtype) => mapUnaryMath(a!, dtype, Act.eluMath(eluParams(p))),
  backward: (g, ctx) => [F.eluBackward(g, ctx.saved('self'), ctx.attrs)],
  kinks: "elu'(0) = alpha (the negative side's slope)",
});

// gelu: x * Φ(x), or its tanh approximation (`approx` = 1).

const SQRT1_2 = Math.SQRT1_2;
const TANH_BETA = Math.sqrt(2 / Math.PI);
const KAPPA = 0.044715;
const PDF = 1 / Math.sqrt(2 * Math.PI);

/** gelu, rounding each step to the dtype as PyTorch's vectorised kernel does (1 + erf(…) cancels for x << 0). */
function geluValue(x: number, approx: number, dtype: DType): number {
  const r = (v: number) => roundTo(dtype, v);
  if (approx) {
    const inner = r(r(TANH_BETA) * r(x + r(r(r(KAPPA) * x) * r(x * x))));
    return r(r(0.5 * x) * r(1 + r(Math.tanh(inner))));
  }
  return r(r(x * 0.5) * r(1 + r(erf(r(x * r(SQRT1_2))))));
}

function geluDerivative(x: number, approx: number): number {
  if (approx) {
    const inner = TANH_BETA * (x + KAPPA * x * x * x);
    const t = Math.tanh(inner);
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * TANH_BETA * (1 + 3 * KAPPA * x * x);
  }
  return 0.5 * (1 + erf(x * SQRT1_2)) + x * PDF * Math.exp(-0.5 * x * x);
}

/** PyTorch 1.13 (built with oneDNN) hands a contiguous float32 input of more than one element to oneDNN's gelu_erf. */
function runsOneDnn(x: NDArray, approx: number, dtype: DType): boolean {
  return approx === 0 && dtype === 'float32' && x.dtype === 'float32' && x.numel > 1 && x.isContiguous();
}

const GELU_FORM = '(1 - approx) * a * 0.5 * (1 + erf(a / sqrt(2))) + approx * 0.5 * a * (1 + tanh(sqrt(2 / pi) * (a + 0.044715 * a ^ 3)))';

/** gelu'' as PyTorch's gelu_double_backward computes it, in tensor ops. */
function geluSecond(x: Tensor, approx: number): Tensor {
  if (!approx) {
    const sq = F.mul(x, x);
    const pdf = F.mulScalar(F.exp(F.mulScalar(sq, -0.5)), PDF);
    return F.sub(F.mulScalar(pdf, 2), F.mul(sq, pdf));
  }
  const inner = F.mulScalar(F.add(x, F.mulScalar(F.pow(x, 3), KAPPA)), TANH_BETA);
  const t = F.tanh(inner);
  const sech = F.reciprocal(F.cosh(inner));
  const f = F.mulScalar(x, 0.5);
  const g = F.rsub(F.mul(t, t), 1);
  const h = F.mulScalar(F.addScalar(F.mulScalar(F.mul(x, x), 3 * KAPPA), 1), TANH_BETA);
  const fPrimeGh = F.mul(F.mulScalar(g, 0.5), h);
  const gPrime = F.mul(F.mul(F.mulScalar(sech, 2), F.mul(F.neg(sech), t)), h);
  const gPrimeFh = F.mul(F.mul(f, h), gPrime);
  const hPrimeFg = F.mul(F.mul(f, g), F.mulScalar(x, 6 * KAPPA * TANH_BETA));
  return F.add(F.add(F.add(fPrimeGh, fPrimeGh), gPrimeFh), hPrimeFg);
}

export const geluBackward = defineOp<{ approx: number }>({
  name: 'gelu_backward',
  gradFn: 'GeluBackwardBackward0',
  symbolic: {
    kind: 'elementwise',
    form: 'a * ((1 - approx) * (0.5 * (1 + erf(b / sqrt(2))) + b * exp(-0.5 * b ^ 2) / sqrt(2 * pi)) + approx * (0.5 * (1 + tanh(sqrt(2 / pi) * (b + 0.044715 * b ^ 3))) + 0.5 * b * (1 - tanh(sqrt(2 / pi) * (b + 0.044715 * b ^ 3)) ^ 2) * sqrt(2 / pi) * (1 + 3 * 0.044715 * b ^ 2)))',
  },
  saves: [{ name: 'grad_output', input: 0 }, { name: 'self', input: 1 }],
  forward: ([g, x], { approx }, dtype) =>
    runsOneDnn(x!, approx, dtype) ? mapBinary(g!, x!, dtype, Act.geluErfBackwardOneDnn) : mapBinary(g!, x!, dtype, (gv, xv) => gv * geluDerivative(xv, approx)),
  backward: (gg, ctx) => [
    ctx.needsInputGrad(0) ? F.geluBackward(gg, ctx.saved('self'), ctx.attrs.approx) : null,
    ctx.needsInputGrad(1) ? F.mul(F.mul(gg, ctx.saved('grad_output')), geluSecond(ctx.saved('self'), ctx.attrs.approx)) : null,
  ],
});

export const gelu = defineOp<{ approx: number }>({
  name: 'gelu',
  gradFn: 'GeluBackward0',
  symbolic: { kind: 'elementwise', form: GELU_FORM },
  dtype: 'first',
  saves: [{ name: 'self', input: 0 }],
  forward: ([a], { approx }, dtype: DType) =>
    runsOneDnn(a!, approx, dtype) ? mapUnary(a!, dtype, Act.geluErfOneDnn) : mapUnary(a!, dtype, (x) => geluValue(x, approx, dtype)),
  backward: (g, ctx) => [F.geluBackward(g, ctx.saved('self'), ctx.attrs.approx)],
});

// silu: x * sigmoid(x). Its backward is PyTorch's: the silu_backward kernel when no graph is
// recorded, the infinitely differentiable composite under create_graph.

// silu_backward has no derivative in PyTorch 1.13 ("derivative for aten::silu_backward is not
// implemented"): it only runs inside silu's backward when no graph is recorded.
export const siluBackward = defineOp({
  name: 'silu_backward',
  gradFn: '',
  symbolic: { kind: 'none' },
  forward: ([g, x], _attrs, dtype) => mapBinaryMath(g!, x!, dtype, Act.siluBackwardMath),
});

export const silu = defineOp({
  name: 'silu',
  gradFn: 'SiluBackward0',
  symbolic: { kind: 'elementwise', form: 'a * sigmoid(a)' },
  dtype: 'first',
  saves: [{ name: 'self', input: 0 }],
  forward: ([a], _attrs, dtype) => mapUnaryMath(a!, dtype, Act.siluMath),
  backward: (g, ctx) => {
    const x = ctx.saved('self');
    if (!isGradEnabled()) return [F.siluBackward(g, x)];
    const s = F.sigmoid(x);
    // grad * sigmoid * (1 + x * (1 - sigmoid))
    return [F.mul(F.mul(g, s), F.addScalar(F.mul(x, F.rsub(s, 1)), 1))];
  },
});

// hardtanh: clamp to [min_val, max_val]; the gradient passes strictly inside.

export interface HardtanhBounds {
  min_val: number;
  max_val: number;
}

export const hardtanhBackward = defineOp<HardtanhBounds>({
  name: 'hardtanh_backward',
  gradFn: 'HardtanhBackwardBackward0',
  symbolic: { kind: 'elementwise', form: 'a * within(b, min_val, max_val)' },
  saves: [{ name: 'self', input: 1 }],
  forward: ([g, x], { min_val, max_val }, dtype) => mapBinary(g!, x!, dtype, (gv, xv) => (xv <= min_val || xv >= max_val ? 0 : gv)),
  backward: (gg, ctx) => [
    ctx.needsInputGrad(0) ? F.hardtanhBackward(gg, ctx.saved('self'), ctx.attrs) : null,
    ctx.needsInputGrad(1) ? F.zerosLike(ctx.saved('self')) : null,
  ],
});

export const hardtanh = defineOp<HardtanhBounds>({
  name: 'hardtanh',
  gradFn: 'HardtanhBackward0',
  symbolic: { kind: 'elementwise', form: 'hardtanh(a, min_val, max_val)' },
  dtype: 'first',
  saves: [{ name: 'self', input: 0 }],
  forward: ([a], { min_val, max_val }, dtype) => mapUnary(a!, dtype, (x) => (Number.isNaN(x) ? x : Math.min(Math.max(x, min_val), max_val))),
  backward: (g, ctx) => [F.hardtanhBackward(g, ctx.saved('self'), ctx.attrs)],
  kinks: 'the bounds are outside: gradient 0 at x = min_val and at x = max_val',
});
