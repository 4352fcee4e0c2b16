/**
 * Arithmetic with broadcasting, powers, comparisons, where/clamp/maximum,
 * and the fills. The engine reduces each gradient to its input's shape,
 * so backward formulas here work at the broadcast shape.
 */
import type { Tensor } from '../autograd/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { arithmetic, mapBinary, mapBinaryMath, mapTernary, mapUnary, mapUnaryMath, type Arithmetic } from '../tensor/kernels.js';
import { powMath, powScalarMath } from '../tensor/numerics/unary.js';
import { NDArray } from '../tensor/ndarray.js';
import * as F from './functional.js';
import { roundTo } from './pointwise.js';
import { defineOp } from './registry.js';

const binaryKernel =
  (f: (x: number, y: number) => number) =>
  ([a, b]: readonly NDArray[], _attrs: unknown, dtype: DType) =>
    mapBinary(a!, b!, dtype, f);

const arithmeticKernel =
  (op: Arithmetic) =>
  ([a, b]: readonly NDArray[], _attrs: unknown, dtype: DType) =>
    arithmetic(a!, b!, dtype, op);

export const add = defineOp({
  name: 'add',
  symbolic: { kind: 'elementwise', form: 'a + b' },
  gradFn: 'AddBackward0',
  forward: arithmeticKernel('add'),
  backward: (g) => [g, g],
});

export const sub = defineOp({
  name: 'sub',
  symbolic: { kind: 'elementwise', form: 'a - b' },
  gradFn: 'SubBackward0',
  forward: arithmeticKernel('sub'),
  backward: (g, ctx) => [g, ctx.needsInputGrad(1) ? F.neg(g) : null],
});

/** `2 - x` is `rsub(x, 2)`. */
export const rsub = defineOp({
  name: 'rsub',
  symbolic: { kind: 'elementwise', form: 'b - a' },
  gradFn: 'RsubBackward1',
  forward: binaryKernel((x, y) => y - x),
  backward: (g) => [F.neg(g), null],
});

export const mul = defineOp({
  name: 'mul',
  symbolic: { kind: 'elementwise', form: 'a * b' },
  gradFn: 'MulBackward0',
  // Each factor is kept only when the other one needs a gradient (PyTorch >= 1.13).
  saves: [
    { name: 'self', input: 0, onlyIfGradFor: 1 },
    { name: 'other', input: 1, onlyIfGradFor: 0 },
  ],
  forward: arithmeticKernel('mul'),
  backward: (g, ctx) => [
    ctx.needsInputGrad(0) ? F.mul(g, ctx.saved('other')) : null,
    ctx.needsInputGrad(1) ? F.mul(g, ctx.saved('self')) : null,
  ],
});

export const div = defineOp({
  name: 'div',
  symbolic: { kind: 'elementwise', form: 'a / b' },
  gradFn: 'DivBackward0',
  dtype: 'float',
  saves: [
    { name: 'self', input: 0, onlyIfGradFor: 1 },
    { name: 'other', input: 1 },
  ],
  forward: arithmeticKernel('div'),
  backward: (g, ctx) => {
    const other = ctx.saved('other');
    return [
      ctx.needsInputGrad(0) ? F.div(g, other) : null,
      // -g * ((x / w) / w): this grouping is bit-exact with PyTorch.
      ctx.needsInputGrad(1) ? F.mul(F.neg(g), F.div(F.div(ctx.saved('self'), other), other)) : null,
    ];
  },
});

/**
 * PyTorch computes these exponents with plain arithmetic, rounding at each
 * step (`x ** 3` is `x * x * x`), which shows in the last bits.
 */
function powKernel(e: number, dtype: DType): ((x: number) => number) | null {
  const r = (v: number) => roundTo(dtype, v);
  switch (e) {
    case 2: return (x) => x * x;
    case 3: return (x) => r(x * x) * x;
    case -1: return (x) => 1 / x;
    case -2: return (x) => 1 / r(x * x);
    case 0.5: return Math.sqrt;
    case -0.5: return (x) => 1 / r(Math.sqrt(x));
    default: return null;
  }
}

/** Division by a number inside backward formulas (C++'s `grad / n`: PyTorch's DivBackward1). */
export const divScalar = defineOp<{ divisor: number }>({
  name: 'div_scalar',
  gradFn: 'DivBackward1',
  symbolic: { kind: 'elementwise', form: 'a / divisor' },
  dtype: 'float',
  forward: ([a], { divisor }, dtype) => mapUnary(a!, dtype, (x) => x / roundTo(dtype, divisor)),
  backward: (g, ctx) => [F.divByNumber(g, ctx.attrs.divisor)],
});

/** `x ** e` for a Python number e. */
export const powScalar = defineOp<{ exponent: number }>({
  name: 'pow',
  symbolic: { kind: 'elementwise', form: 'a ^ exponent', masked: { a: 'pick(exponent == 0, 0, exponent * a ^ (exponent - 1))' } },
  gradFn: 'PowBackward0',
  saves: [{ name: 'self', input: 0 }],
  forward: ([a], { exponent }, dtype) => {
    const special = powKernel(exponent, dtype);
    return special ? mapUnary(a!, dtype, special) : mapUnaryMath(a!, dtype, powScalarMath(exponent));
  },
  backward: (g, ctx) => {
    const e = ctx.attrs.exponent;
    const x = ctx.saved('self');
    if (e === 0) return [F.zerosLike(x)];
    // `exponent * self.pow(exponent - 1)` is a Scalar product in C++ (MulBackward1).
    return [F.mul(g, F.mulScalar(F.pow(x, e - 1), e))];
  },
  kinks: "x**0 has gradient 0 everywhere; (x**0.5)'(0) = inf",
});

/** `x ** w` with a tensor exponent (also `2 ** x`, whose base is wrapped as a tensor). */
export const powTensor = defineOp({
  name: 'pow_tensor',
  symbolic: {
    kind: 'elementwise',
    form: 'a ^ b',
    masked: { a: 'pick(b == 0, 0, b * a ^ (b - 1))' },
    viaResult: { b: 'pick(a == 0 and b >= 0, 0, result * log(a))' },
  },
  gradFn: 'PowBackward1',
  saves: [
    { name: 'self', input: 0 },
    { name: 'exponent', input: 1 },
    { name: 'result' },
  ],
  forward: ([a, b], _attrs, dtype) => mapBinaryMath(a!, b!, dtype, powMath),
  backward: (g, ctx) => {
    const x = ctx.saved('self');
    const w = ctx.saved('exponent');
    const zero = F.zerosLike(g);
    return [
      ctx.needsInputGrad(0)
        ? F.where(F.compare('eq', w, 0), zero, F.mul(g, F.mul(w, F.pow(x, F.sub(w, 1)))))
        : null,
      ctx.needsInputGrad(1)
        ? F.mul(g, F.where(F.logicalAnd(F.compare('eq', x, 0), F.compare('ge', w, 0)), zero, F.mul(ctx.saved('result'), F.log(x))))
        : null,
    ];
  },
  kinks: 'pow(0, 0) = 1 with both gradients 0',
});

/** `torch.pow(2, x)`: a number base. */
export const powScalarBase = defineOp<{ base: number }>({
  name: 'pow_scalar_base',
  symbolic: { kind: 'elementwise', form: 'base ^ a', viaResult: { a: 'pick(base == 0 and a >= 0, 0, result * log(base))' } },
  gradFn: 'PowBackward2',
  dtype: 'float',
  saves: [{ name: 'exponent', input: 0 }, { name: 'result' }],
  // PyTorch wraps the base in a 0-d tensor and runs the tensor-tensor pow kernel
  forward: ([a], { base }, dtype) => mapBinaryMath(NDArray.scalar(base, dtype), a!, dtype, powMath),
  backward: (g, ctx) => {
    const { base } = ctx.attrs;
    const x = ctx.saved('exponent');
    const local = F.mul(ctx.saved('result'), Math.log(base));
    return [F.mul(g, base === 0 ? F.where(F.compare('ge', x, 0), F.zerosLike(x), local) : local)];
  },
});

export type ComparisonName = 'lt' | 'le' | 'gt' | 'ge' | 'eq' | 'ne';

const comparisons: Record<ComparisonName, (x: number, y: number) => boolean> = {
  lt: (x, y) => x < y,
  le: (x, y) => x <= y,
  gt: (x, y) => x > y,
  ge: (x, y) => x >= y,
  eq: (x, y) => x === y,
  ne: (x, y) => x !== y,
};

export const comparisonOps = Object.fromEntries(
  (Object.keys(comparisons) as ComparisonName[]).map((name) => [
    name,
    defineOp({
      name,
      gradFn: '',
      symbolic: { kind: 'none' },
      // In the operands' result type, as PyTorch: a 0-d float64 against a float32 tensor compares in float32.
      forward: ([a, b], _attrs, dtype) => mapBinary(a!, b!, 'bool', (x, y) => (comparisons[name](roundTo(dtype, x), roundTo(dtype, y)) ? 1 : 0)),
    }),
  ]),
) as Record<ComparisonName, ReturnType<typeof defineOp>>;

export const logicalAnd = defineOp({
  name: 'logical_and',
  symbolic: { kind: 'none' },
  gradFn: '',
  forward: ([a, b]) => mapBinary(a!, b!, 'bool', (x, y) => (x !== 0 && y !== 0 ? 1 : 0)),
});

export const where = defineOp({
  name: 'where',
  symbolic: { kind: 'where' },
  gradFn: 'WhereBackward0',
  saves: [{ name: 'condition', input: 0 }],
  // The condition's dtype is ignored in promotion: only the two branches count.
  forward: ([c, a, b], _attrs, dtype) => mapTernary(c!, a!, b!, dtype, (cv, x, y) => (cv !== 0 ? x : y)),
  backward: (g, ctx) => {
    const c = ctx.saved('condition');
    const zero = F.zerosLike(g);
    return [null, ctx.needsInputGrad(1) ? F.where(c, g, zero) : null, ctx.needsInputGrad(2) ? F.where(c, zero, g) : null];
  },
});

/** maximum/minimum: ties split the gradient in half between the two inputs. */
function extremum(name: 'maximum' | 'minimum', gradFn: string, wins: (x: number, y: number) => boolean) {
  return defineOp({
    name,
    gradFn,
    symbolic: { kind: 'elementwise', form: name === 'maximum' ? 'max(a, b)' : 'min(a, b)' },
    saves: [
      { name: 'self', input: 0 },
      { name: 'other', input: 1 },
    ],
    forward: binaryKernel((x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : wins(x, y) || x === y ? x : y)),
    backward: (g, ctx) => {
      const x = ctx.saved('self');
      const w = ctx.saved('other');
      const half = F.div(g, 2);
      const zero = F.zerosLike(g);
      const tie = F.compare('eq', x, w);
      const forX = F.where(tie, half, F.where(F.compare(name === 'maximum' ? 'gt' : 'lt', x, w), g, zero));
      const forW = F.where(tie, half, F.where(F.compare(name === 'maximum' ? 'lt' : 'gt', x, w), g, zero));
      return [ctx.needsInputGrad(0) ? forX : null, ctx.needsInputGrad(1) ? forW : null];
    },
    kinks: 'a tie sends half the gradient to each input',
  });
}

// Stryker disable next-line EqualityOperator: at x === y the kernel returns x either way
export const maximum = extremum('maximum', 'MaximumBackward0', (x, y) => x > y);
// Stryker disable next-line EqualityOperator: at x === y the kernel returns x either way
export const minimum = extremum('minimum', 'MinimumBackward0', (x, y) => x < y);

export interface ClampBounds {
  min: number | null;
  max: number | null;
}

export const clamp = defineOp<ClampBounds>({
  name: 'clamp',
  symbolic: { kind: 'elementwise', form: 'clamp(a, min, max)' },
  gradFn: 'ClampBackward1',
  dtype: 'first',
  saves: [{ name: 'self', input: 0 }],
  forward: ([a], { min, max }, dtype) =>
    mapUnary(a!, dtype, (x) => {
      // Stryker disable next-line ConditionalExpression: NaN fails both comparisons below and comes back as it is anyway
      if (Number.isNaN(x)) return x;
      let v = x;
      if (min !== null && v < min) v = min;
      if (max !== null && v > max) v = max;
      return v;
    }),
  backward: (g, ctx) => {
    const { min, max } = ctx.attrs;
    const x = ctx.saved('self');
    let inside: Tensor | null = null;
    if (min !== null) inside = F.compare('ge', x, min);
    if (max !== null) inside = inside ? F.logicalAnd(inside, F.compare('le', x, max)) : F.compare('le', x, max);
    return [inside ? F.where(inside, g, F.zerosLike(g)) : g];
  },
  kinks: 'the bounds are inclusive: gradient 1 at x = min and at x = max',
});

/** The in-place fills: their result no longer depends on the old values. */
export const fill = defineOp<{ value: number }>({
  name: 'fill',
  symbolic: { kind: 'overwrite' },
  gradFn: 'FillBackward2',
  dtype: 'first',
  forward: ([a], { value }, dtype) => NDArray.full(a!.shape, value, dtype),
  backward: (g) => [F.zerosLike(g)],
});

export const zero = defineOp({
  name: 'zero',
  symbolic: { kind: 'overwrite' },
  gradFn: 'ZeroBackward0',
  dtype: 'first',
  forward: ([a], _attrs, dtype) => NDArray.full(a!.shape, 0, dtype),
  backward: (g) => [F.zerosLike(g)],
});

/** `self.copy_(src)`: self takes src's values (and its history). */
export const copy = defineOp({
  name: 'copy',
  symbolic: { kind: 'overwrite' },
  gradFn: 'CopyBackwards',
  dtype: 'first',
  forward: ([a, src], _attrs, dtype) => mapBinary(a!, src!, dtype, (_x, y) => y),
  // PyTorch's CopyBackwards sends zeros (not nothing) to self's old history.
  backward: (g, ctx) => [ctx.needsInputGrad(0) ? F.zerosLike(g) : null, ctx.needsInputGrad(1) ? g : null],
});
