/**
 * The scaled updates optimizers and hand-written training loops are made
 * of: `add(other, alpha=)`, `sub(other, alpha=)`, `addcmul`, `addcdiv`, with the arithmetic of
 * PyTorch 1.13's CPU kernels (AVX2 build), measured against it:
 * `self + alpha * other` is one fused multiply-add (the vectorised and the
 * scalar loop both), `addcmul` is fma(value * t1, t2, self), `addcdiv`
 * rounds `value * t1`, the quotient and the sum separately. The scalar is
 * first cast to the dtype, as the kernels' `scalar_t` does.
 */
import type { DType } from '../tensor/dtype.js';
import { mapBinary, mapTernary } from '../tensor/kernels.js';
import type { NDArray } from '../tensor/ndarray.js';
import { fma, fmaf } from '../tensor/numerics/bits.js';
import * as F from './functional.js';
import { defineOp } from './registry.js';

/** `x * s + y` as the dtype's kernel fuses it (int and bool exact in doubles). */
function fused(dtype: DType): (x: number, s: number, y: number) => number {
  if (dtype === 'float32') return (x, s, y) => fmaf(x, Math.fround(s), y);
  if (dtype === 'float64') return fma;
  return (x, s, y) => x * s + y;
}

const inDtype = (dtype: DType, v: number) => (dtype === 'float32' ? Math.fround(v) : v);

/** `self + alpha * other` (`add(other, alpha=)`, `add_`): AddBackward0. */
export const addAlpha = defineOp<{ alpha: number }>({
  name: 'add_alpha',
  gradFn: 'AddBackward0',
  symbolic: { kind: 'elementwise', form: 'a + alpha * b' },
  forward: ([a, b], { alpha }, dtype) => {
    const f = fused(dtype);
    return mapBinary(a!, b!, dtype, (x, y) => f(y, alpha, x));
  },
  // maybe_multiply(grad, alpha): the gradient itself for alpha 1, else a Scalar product (MulBackward1).
  backward: (g, ctx) => [g, !ctx.needsInputGrad(1) ? null : ctx.attrs.alpha === 1 ? g : F.mulScalar(g, ctx.attrs.alpha)],
});

/**
 * `self - alpha * other` (`sub(other, alpha=)`, `sub_`): PyTorch's sub runs the add kernel with -alpha,
 * under its own grad_fn, SubBackward0 (other: maybe_multiply(-grad, alpha)).
 */
export const subAlpha = defineOp<{ alpha: number }>({
  name: 'sub_alpha',
  gradFn: 'SubBackward0',
  symbolic: { kind: 'elementwise', form: 'a - alpha * b' },
  forward: ([a, b], { alpha }, dtype) => {
    const f = fused(dtype);
    return mapBinary(a!, b!, dtype, (x, y) => f(y, -alpha, x));
  },
  backward: (g, ctx) => [g, !ctx.needsInputGrad(1) ? null : ctx.attrs.alpha === 1 ? F.neg(g) : F.mulScalar(F.neg(g), ctx.attrs.alpha)],
});

export const addcmul = defineOp<{ value: number }>({
  name: 'addcmul',
  gradFn: 'AddcmulBackward0',
  symbolic: { kind: 'elementwise', form: 'a + value * b * c' },
  saves: [
    { name: 'tensor1', input: 1, onlyIfGradFor: 2 },
    { name: 'tensor2', input: 2, onlyIfGradFor: 1 },
  ],
  forward: ([self, t1, t2]: readonly NDArray[], { value }, dtype) => {
    const f = fused(dtype);
    return mapTernary(self!, t1!, t2!, dtype, (s, x, y) => f(inDtype(dtype, inDtype(dtype, value) * x), y, s));
  },
  // derivatives.yaml: grad * (tensor2 * value), grad * (tensor1 * value).
  backward: (g, ctx) => {
    const v = ctx.attrs.value;
    return [
      g,
      ctx.needsInputGrad(1) ? F.mul(g, F.mulScalar(ctx.saved('tensor2'), v)) : null,
      ctx.needsInputGrad(2) ? F.mul(g, F.mulScalar(ctx.saved('tensor1'), v)) : null,
    ];
  },
});

export const addcdiv = defineOp<{ value: number }>({
  name: 'addcdiv',
  gradFn: 'AddcdivBackward0',
  symbolic: { kind: 'elementwise', form: 'a + value * b / c' },
  saves: [
    { name: 'tensor1', input: 1, onlyIfGradFor: 2 },
    { name: 'tensor2', input: 2 },
  ],
  forward: ([self, t1, t2]: readonly NDArray[], { value }, dtype) =>
    mapTernary(self!, t1!, t2!, dtype, (s, x, y) => s + inDtype(dtype, inDtype(dtype, inDtype(dtype, value) * x) / y)),
  // derivatives.yaml: grad * (value / tensor2), -grad * (value * tensor1 / (tensor2 * tensor2)); C++'s
  // `Scalar / Tensor` is a tensor filled with the value divided by tensor2 (DivBackward0), `value * t` is MulBackward1.
  backward: (g, ctx) => {
    const v = ctx.attrs.value;
    const t2 = ctx.saved('tensor2');
    return [
      g,
      ctx.needsInputGrad(1) ? F.mul(g, F.div(F.fullLike(t2, v), t2)) : null,
      ctx.needsInputGrad(2) ? F.mul(F.neg(g), F.div(F.mulScalar(ctx.saved('tensor1'), v), F.mul(t2, t2))) : null,
    ];
  },
});
