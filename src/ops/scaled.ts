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
import { mapBinaryLoop, mapTernaryLoop, type BinaryLoop, type TernaryLoop } from '../tensor/kernels.js';
import type { NDArray } from '../tensor/ndarray.js';
import { fma, fmaf } from '../tensor/numerics/bits.js';
import * as F from './functional.js';
import { defineOp } from './registry.js';

// The float loops, one per op and dtype (see mapBinaryLoop); a float32
// result array rounds each store. Ints and bools are exact in doubles.

/** `x + s * y` as one fused multiply-add. */
function scaledAddLoop(dtype: DType, s: number): BinaryLoop {
  const s32 = Math.fround(s);
  if (dtype === 'float32') return (out, xs, ys, n) => {
    for (let i = 0; i < n; i++) out[i] = fmaf(ys[i]!, s32, xs[i]!);
  };
  return (out, xs, ys, n) => {
    for (let i = 0; i < n; i++) out[i] = fma(ys[i]!, s, xs[i]!);
  };
}

/** fma(value * t1, t2, self), `value * t1` rounded first. */
function addcmulLoop(dtype: DType, value: number): TernaryLoop {
  const v32 = Math.fround(value);
  if (dtype === 'float32') return (out, ss, xs, ys, n) => {
    for (let i = 0; i < n; i++) out[i] = fmaf(Math.fround(v32 * xs[i]!), ys[i]!, ss[i]!);
  };
  return (out, ss, xs, ys, n) => {
    for (let i = 0; i < n; i++) out[i] = fma(value * xs[i]!, ys[i]!, ss[i]!);
  };
}

/** self + (value * t1) / t2, each step rounded. */
function addcdivLoop(dtype: DType, value: number): TernaryLoop {
  const v32 = Math.fround(value);
  if (dtype === 'float32') return (out, ss, xs, ys, n) => {
    for (let i = 0; i < n; i++) out[i] = ss[i]! + Math.fround(Math.fround(v32 * xs[i]!) / ys[i]!);
  };
  return (out, ss, xs, ys, n) => {
    for (let i = 0; i < n; i++) out[i] = ss[i]! + (value * xs[i]!) / ys[i]!;
  };
}

/** `self + alpha * other` (`add(other, alpha=)`, `add_`): AddBackward0. */
export const addAlpha = defineOp<{ alpha: number }>({
  name: 'add_alpha',
  gradFn: 'AddBackward0',
  symbolic: { kind: 'elementwise', form: 'a + alpha * b' },
  forward: ([a, b], { alpha }, dtype) => mapBinaryLoop(a!, b!, dtype, scaledAddLoop(dtype, alpha), (x, y) => x + y * alpha),
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
  forward: ([a, b], { alpha }, dtype) => mapBinaryLoop(a!, b!, dtype, scaledAddLoop(dtype, -alpha), (x, y) => x - y * alpha),
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
  forward: ([self, t1, t2]: readonly NDArray[], { value }, dtype) =>
    mapTernaryLoop(self!, t1!, t2!, dtype, addcmulLoop(dtype, value), (s, x, y) => s + value * x * y),
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
    mapTernaryLoop(self!, t1!, t2!, dtype, addcdivLoop(dtype, value), (s, x, y) => s + (value * x) / y),
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
