/**
 * The losses of torch.nn.functional that are ops of their own in PyTorch
 * (mse_loss, smooth_l1_loss, binary_cross_entropy,
 * binary_cross_entropy_with_logits, nll_loss), each with its `*_backward`
 * op so that create_graph records PyTorch's `MseLossBackwardBackward0` and
 * friends. (l1_loss and cross_entropy are compositions of other ops in
 * PyTorch too: functional-nn.ts.) Reductions are PyTorch's enum: 0 none,
 * 1 mean, 2 sum.
 */
import type { Tensor } from '../autograd/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { mapTernary } from '../tensor/kernels.js';
import { broadcastTo, castValue, NDArray, numelOf } from '../tensor/ndarray.js';
import { nllLossReduced } from '../tensor/numerics/losses.js';
import { expf, logf } from '../tensor/numerics/sleefFloat32.js';
import { exp as exp64, log as log64 } from '../tensor/numerics/sleefFloat64.js';
import { cascadeSum } from '../tensor/numerics/sum.js';
import * as F from './functional.js';
import { defineOp, type Group, type LinearTerm } from './registry.js';

export type Reduction = 0 | 1 | 2;
export const NONE = 0;
export const MEAN = 1;
export const SUM = 2;

const sumOf = (terms: readonly string[]) => (terms.length ? terms.join(' + ') : '0');

// Pointwise losses of (input, target) of one shape, reduced.

export interface LossAttrs {
  reduction: Reduction;
  /** smooth_l1's beta (0 elsewhere). */
  beta: number;
}

/** Members of each output element: every (input, target) pair when reduced, else its own pair. */
function lossGroups(prefix: string) {
  return ([input]: readonly NDArray[], l: LossAttrs): Group[] => {
    const n = input!.numel;
    const pair = (k: number) => [[0, k], [1, k]] as const;
    if (l.reduction === NONE) return Array.from({ length: n }, (_, k) => ({ members: pair(k), key: `${prefix}:1:0:${l.beta}` }));
    return [{ members: Array.from({ length: n }, (_, k) => pair(k)).flat(), key: `${prefix}:${n}:${l.reduction}:${l.beta}` }];
  };
}

/** A pointwise loss form `term(input, target)` summed over the pairs, and averaged for `mean`. */
function lossForm(term: (x: string, t: string, beta: number) => string) {
  return (key: string) => {
    const [, n, reduction, beta] = key.split(':').map(Number) as [number, number, number, number];
    const terms = Array.from({ length: n }, (_, k) => `(${term(`m${2 * k}`, `m${2 * k + 1}`, beta)})`);
    const total = sumOf(terms);
    return reduction === MEAN ? `(${total}) / ${n}` : total;
  };
}

/** Apply a pointwise loss and reduce it: mean sums in the dtype and divides, as mean does. */
function reducePointwise(values: NDArray, reduction: Reduction): NDArray {
  if (reduction === NONE) return values;
  // at::sum_out's cascade sum in the dtype, then (mean) div_ by the count, as Loss.cpp reduces.
  const c = values.isContiguous() ? values : values.copy();
  const all = c.shape.map(() => true);
  const total = castValue(values.dtype, cascadeSum(c.buffer, c.offset, c.shape, c.strides, all, values.dtype)[0]!);
  return NDArray.scalar(reduction === MEAN ? total / values.numel : total, values.dtype);
}

/** Rounding to the dtype after each operation, as the float32 kernels compute. */
const rounding = (dtype: string) => (dtype === 'float32' ? Math.fround : (x: number) => x);

/** The factor of a loss's gradient: 1/n for mean. */
const meanScale = (reduction: Reduction, n: number) => (reduction === MEAN ? 1 / n : 1);

export const mseLossBackward = defineOp<LossAttrs & { norm: number }>({
  name: 'mse_loss_backward',
  gradFn: 'MseLossBackwardBackward0',
  symbolic: { kind: 'elementwise', form: 'norm * (b - c) * a' },
  saves: [{ name: 'grad_output', input: 0 }, { name: 'self', input: 1 }, { name: 'target', input: 2 }],
  // mse_backward_cpu_kernel: norm (cast to the dtype) * (x - t) * g, each product rounded.
  forward: ([g, x, t], l, dtype) => {
    const r = rounding(dtype);
    const norm = r(l.norm);
    return mapTernary(g!, x!, t!, dtype, (gv, xv, tv) => r(norm * r(xv - tv)) * gv);
  },
  backward: (gg, ctx) => {
    const { reduction, norm } = ctx.attrs;
    const x = ctx.saved('self');
    const t = ctx.saved('target');
    const go = ctx.saved('grad_output');
    const second = () => F.mulScalar(F.mul(gg, go), norm);
    const forGrad = () => {
      const r = F.mulScalar(F.mul(F.sub(x, t), gg), norm);
      return reduction === NONE ? r : F.sum(r);
    };
    return [ctx.needsInputGrad(0) ? forGrad() : null, ctx.needsInputGrad(1) ? second() : null, ctx.needsInputGrad(2) ? F.neg(second()) : null];
  },
});

export const mseLoss = defineOp<LossAttrs>({
  name: 'mse_loss',
  gradFn: 'MseLossBackward0',
  symbolic: { kind: 'group', groups: lossGroups('mse'), form: lossForm((x, t) => `(${x} - ${t}) ^ 2`) },
  saves: [{ name: 'self', input: 0 }, { name: 'target', input: 1 }],
  forward: ([x, t], l, dtype) => {
    const r = rounding(dtype);
    const d = mapTernary(x!, t!, x!, dtype, (xv, tv) => r(xv - tv) ** 2);
    return reducePointwise(d, l.reduction);
  },
  backward: (g, ctx) => {
    const x = ctx.saved('self');
    const t = ctx.saved('target');
    const grad = F.mseLossBackward(g, x, t, { ...ctx.attrs, norm: ctx.attrs.reduction === MEAN ? 2 / x.numel : 2 });
    return [ctx.needsInputGrad(0) ? grad : null, ctx.needsInputGrad(1) ? F.neg(grad) : null];
  },
});

const SMOOTH = 'step(beta - abs(b - c))';

export const smoothL1LossBackward = defineOp<LossAttrs & { norm: number }>({
  name: 'smooth_l1_loss_backward',
  gradFn: 'SmoothL1LossBackwardBackward0',
  symbolic: { kind: 'elementwise', form: `norm * a * (${SMOOTH} * divz(b - c, beta) + (1 - ${SMOOTH}) * sign(b - c))` },
  saves: [{ name: 'grad_output', input: 0 }, { name: 'self', input: 1 }, { name: 'target', input: 2 }],
  forward: ([g, x, t], l, dtype) =>
    mapTernary(g!, x!, t!, dtype, (gv, xv, tv) => {
      const d = xv - tv;
      return d <= -l.beta ? -l.norm * gv : d >= l.beta ? l.norm * gv : (l.norm * d * gv) / l.beta;
    }),
  backward: (gg, ctx) => {
    const { norm, beta, reduction } = ctx.attrs;
    const x = ctx.saved('self');
    const t = ctx.saved('target');
    const go = ctx.saved('grad_output');
    const inside = F.to(F.compare('lt', F.abs(F.sub(x, t)), beta), gg.dtype);
    // smooth_l1_loss_double_backward: 0 for beta = 0, else (|x - t| < beta) / beta.
    const second = () => (beta === 0 ? F.zerosLike(x) : F.mulScalar(F.mul(F.mul(gg, go), inside), norm / beta));
    const forGrad = () => {
      const r = F.smoothL1LossBackward(gg, x, t, { ...ctx.attrs, norm });
      return reduction === NONE ? r : F.sum(r);
    };
    return [ctx.needsInputGrad(0) ? forGrad() : null, ctx.needsInputGrad(1) ? second() : null, ctx.needsInputGrad(2) ? F.neg(second()) : null];
  },
});

export const smoothL1Loss = defineOp<LossAttrs>({
  name: 'smooth_l1_loss',
  gradFn: 'SmoothL1LossBackward0',
  symbolic: {
    kind: 'group',
    groups: lossGroups('smooth_l1'),
    // beta = 0 is |x - t| (PyTorch's kernel takes the linear branch everywhere).
    form: lossForm((x, t, beta) =>
      beta === 0
        ? `abs(${x} - ${t})`
        : `step(${beta} - abs(${x} - ${t})) * 0.5 * (${x} - ${t}) ^ 2 / ${beta} + (1 - step(${beta} - abs(${x} - ${t}))) * (abs(${x} - ${t}) - 0.5 * ${beta})`,
    ),
  },
  saves: [{ name: 'self', input: 0 }, { name: 'target', input: 1 }],
  forward: ([x, t], l, dtype) => {
    const d = mapTernary(x!, t!, x!, dtype, (xv, tv) => {
      const z = Math.abs(xv - tv);
      return z < l.beta ? (0.5 * z * z) / l.beta : z - 0.5 * l.beta;
    });
    return reducePointwise(d, l.reduction);
  },
  backward: (g, ctx) => {
    const x = ctx.saved('self');
    const t = ctx.saved('target');
    const norm = meanScale(ctx.attrs.reduction, x.numel);
    const grad = F.smoothL1LossBackward(g, x, t, { ...ctx.attrs, norm });
    return [ctx.needsInputGrad(0) ? grad : null, ctx.needsInputGrad(1) ? F.neg(grad) : null];
  },
  kinks: 'the gradient is 0 where input = target',
});

// binary_cross_entropy (of probabilities) and binary_cross_entropy_with_logits.
// The weights are inputs too (ones when none is given), broadcast to the input's shape.

const EPSILON = 1e-12;

/** Per element k: members [input i, element] for inputs 0..count-1 at k (a 0-d first input broadcast). */
function perElement(count: number, prefix: string, scalarFirst = false) {
  return (arrays: readonly NDArray[], l: LossAttrs & { norm?: number }): Group[] => {
    const shape = arrays[scalarFirst ? 1 : 0]!.shape;
    const n = numelOf(shape);
    const at = (k: number) => Array.from({ length: count }, (_, i) => [i, scalarFirst && i === 0 && arrays[0]!.numel === 1 ? 0 : k] as const);
    if (scalarFirst || l.reduction === NONE) return Array.from({ length: n }, (_, k) => ({ members: at(k), key: `${prefix}:1:0:${l.norm ?? 1}` }));
    return [{ members: Array.from({ length: n }, (_, k) => at(k)).flat(), key: `${prefix}:${n}:${l.reduction}:1` }];
  };
}

/** A pointwise term over `count` members per element, summed, averaged for mean, times `norm` (in the key). */
function termsForm(count: number, term: (m: string[]) => string) {
  return (key: string) => {
    const [, n, reduction, norm] = key.split(':').map(Number) as [number, number, number, number];
    const terms = Array.from({ length: n }, (_, k) => `(${term(Array.from({ length: count }, (_, i) => `m${count * k + i}`))})`);
    const total = sumOf(terms);
    return reduction === MEAN ? `(${total}) / ${n}` : norm === 1 ? total : `${norm} * ${total}`;
  };
}

const bceForm = ([x, t, w]: string[]) => `-${w} * (${t} * log(${x}) + (1 - ${t}) * log(1 - ${x}))`;

export const binaryCrossEntropyBackward = defineOp<LossAttrs & { norm: number }>({
  name: 'binary_cross_entropy_backward',
  gradFn: 'BinaryCrossEntropyBackwardBackward0',
  // norm * g * w * (x - t) / ((1 - x) x); members g, x, t, w.
  symbolic: { kind: 'group', groups: perElement(4, 'bce_backward', true), form: termsForm(4, ([g, x, t, w]) => `${g} * ${w} * (${x} - ${t}) / ((1 - ${x}) * ${x})`) },
  saves: [{ name: 'grad_output', input: 0 }, { name: 'self', input: 1 }, { name: 'target', input: 2 }, { name: 'weight', input: 3 }],
  forward: ([g, x, t, w], l, dtype) => {
    const gs = broadcastTo(g!, x!.shape).values();
    const ws = w!.values();
    const out = mapTernary(x!, t!, x!, dtype, (xv, tv) => (xv - tv) / Math.max((1 - xv) * xv, EPSILON)).values();
    return NDArray.fromValues(Array.from(out, (v, k) => l.norm * gs[k]! * v * ws[k]!), x!.shape, dtype);
  },
  backward: (gg, ctx) => {
    const { norm, reduction } = ctx.attrs;
    const x = ctx.saved('self');
    const t = ctx.saved('target');
    const w = ctx.saved('weight');
    const go = ctx.saved('grad_output');
    // d/dx of (x - t) / ((1 - x) x) = (x² - 2xt + t) / ((1 - x) x)², with PyTorch's 1e-12 guards.
    const numerator = F.add(F.sub(F.mul(x, x), F.mulScalar(F.mul(x, t), 2)), t);
    const denominator = F.mul(F.pow(F.addScalar(x, EPSILON), 2), F.pow(F.addScalar(F.rsub(x, 1), EPSILON), 2));
    const second = () => F.mulScalar(F.mul(F.mul(F.div(numerator, denominator), F.mul(gg, go)), w), norm);
    const forGrad = () => {
      const r = F.mulScalar(F.mul(F.mul(F.div(F.sub(x, t), F.mul(F.addScalar(x, EPSILON), F.addScalar(F.rsub(x, 1), EPSILON))), gg), w), norm);
      return reduction === NONE ? r : F.sum(r);
    };
    return [ctx.needsInputGrad(0) ? forGrad() : null, ctx.needsInputGrad(1) ? second() : null, null, null];
  },
});

/** -(t log x + (1 - t) log(1 - x)), each log at least -100 (PyTorch's clamp). */
function bceTerm(x: number, t: number): number {
  return -(t * Math.max(Math.log(x), -100) + (1 - t) * Math.max(Math.log1p(-x), -100));
}

export const binaryCrossEntropy = defineOp<LossAttrs>({
  name: 'binary_cross_entropy',
  gradFn: 'BinaryCrossEntropyBackward0',
  symbolic: { kind: 'group', groups: perElement(3, 'bce'), form: termsForm(3, bceForm) },
  saves: [{ name: 'self', input: 0 }, { name: 'target', input: 1 }, { name: 'weight', input: 2 }],
  forward: ([x, t, w], l, dtype) => {
    const ws = w!.values();
    const terms = mapTernary(x!, t!, x!, dtype, (xv, tv) => bceTerm(xv, tv)).values();
    return reducePointwise(NDArray.fromValues(Array.from(terms, (v, k) => v * ws[k]!), x!.shape, dtype), l.reduction);
  },
  backward: (g, ctx) => {
    const x = ctx.saved('self');
    const t = ctx.saved('target');
    const w = ctx.saved('weight');
    const norm = meanScale(ctx.attrs.reduction, x.numel);
    // The target's gradient: g w (log(1 - x) - log(x)), as binary_cross_entropy_target_backward.
    const forTarget = () => F.mulScalar(F.mul(F.mul(g, F.sub(F.log1p(F.neg(x)), F.log(x))), w), norm);
    return [ctx.needsInputGrad(0) ? F.binaryCrossEntropyBackward(g, x, t, w, { ...ctx.attrs, norm }) : null, ctx.needsInputGrad(1) ? forTarget() : null, null];
  },
  kinks: 'each log is clamped at -100 (input 0 or 1 gives a finite loss)',
});

/**
 * Stable (1 - t) x + (1 + (pw - 1) t) (log(exp(-m) + exp(-x - m)) + m), m = max(-x, 0),
 * op by op as 1.13's composite computes it in the dtype (SLEEF's exp and log
 * for float32); without a pos_weight the log term is added last, as there.
 */
function bceLogitsTerm(dtype: DType, hasPosWeight: boolean): (x: number, t: number, pw: number) => number {
  const single = dtype === 'float32';
  const r = rounding(dtype);
  const exp = single ? expf : exp64;
  const log = single ? logf : log64;
  return (x, t, pw) => {
    const m = Math.max(-x, 0);
    const logSum = log(r(exp(-m) + exp(r(-x - m))));
    const linear = r(r(1 - t) * x);
    if (!hasPosWeight) return r(r(linear + m) + logSum);
    const logWeight = r(r(r(pw - 1) * t) + 1);
    return r(linear + r(logWeight * r(logSum + m)));
  };
}

export const binaryCrossEntropyWithLogits = defineOp<LossAttrs>({
  name: 'binary_cross_entropy_with_logits',
  gradFn: 'BinaryCrossEntropyWithLogitsBackward0',
  symbolic: {
    kind: 'group',
    groups: perElement(4, 'bcel'),
    form: termsForm(4, ([x, t, w, pw]) => `${w} * ((1 - ${t}) * ${x} + (1 + (${pw} - 1) * ${t}) * log(1 + exp(-${x})))`),
  },
  saves: [{ name: 'self', input: 0 }, { name: 'target', input: 1 }, { name: 'weight', input: 2 }, { name: 'pos_weight', input: 3 }],
  forward: ([x, t, w, pw], l, dtype) => {
    const ws = w!.values();
    const hasPosWeight = pw!.values().some((v) => v !== 1);
    const terms = mapTernary(x!, t!, pw!, dtype, bceLogitsTerm(dtype, hasPosWeight)).values();
    return reducePointwise(NDArray.fromValues(Array.from(terms, (v, k) => v * ws[k]!), x!.shape, dtype), l.reduction);
  },
  // binary_cross_entropy_with_logits_backward (a composite in PyTorch): (σ(x) - t) g, with pos_weight and weight, / n.
  backward: (g, ctx) => {
    const x = ctx.saved('self');
    const t = ctx.saved('target');
    const w = ctx.saved('weight');
    const pw = ctx.saved('pos_weight');
    const { reduction } = ctx.attrs;
    const weighted = pw.array.values().some((v) => v !== 1);
    const hasWeight = w.array.values().some((v) => v !== 1);
    const finish = (r: Tensor) => {
      const out = hasWeight ? F.mul(r, w) : r;
      return reduction === MEAN ? F.divByNumber(out, x.numel) : out;
    };
    const forInput = () => {
      if (!weighted) return finish(F.mul(F.sub(F.sigmoid(x), t), g));
      const pt = F.mul(pw, t);
      return finish(F.mul(F.sub(F.mul(F.sub(F.addScalar(pt, 1), t), F.sigmoid(x)), pt), g));
    };
    // binary_cross_entropy_with_logits_target_backward: -x g, or ((1 - pw) log σ(x) - x) g with pos_weight.
    const forTarget = () => {
      if (!weighted) return finish(F.mul(F.neg(x), g));
      return finish(F.mul(F.sub(F.mul(F.rsub(pw, 1), F.log(F.sigmoid(x))), x), g));
    };
    return [ctx.needsInputGrad(0) ? forInput() : null, ctx.needsInputGrad(1) ? forTarget() : null, null, null];
  },
});

// nll_loss: a weighted pick of one log-probability per row.

export interface NllAttrs {
  reduction: Reduction;
  /** Per row: the input position of its target class (-1 when ignored). */
  positions: Int32Array;
  /** Per row: the class weight of its target (0 when ignored). */
  weights: Float64Array;
  totalWeight: number;
  /** The input's shape ((N, C) or (C,)). */
  shape: readonly number[];
}

/** Per output element (one, or one per row), the weighted input positions: -w / total for mean. */
function nllTerms(a: NllAttrs): LinearTerm[][] {
  const coeff = (i: number) => (a.reduction === MEAN ? -a.weights[i]! / a.totalWeight : -a.weights[i]!);
  const rows = Array.from(a.positions, (p, i) => (p < 0 ? [] : [[0, p, coeff(i)] as LinearTerm]));
  return a.reduction === NONE ? rows : [rows.flat()];
}

/** A reduced nll_loss over (N, C) in LossNLL.cpp's cascade order (numerics/losses.ts). */
function nllReduced(xs: ArrayLike<number>, a: NllAttrs, dtype: DType): number {
  const classes = a.shape[1]!;
  const targets = Array.from(a.positions, (p, b) => (p < 0 ? -1 : p - b * classes));
  const classWeights = new Float64Array(classes);
  targets.forEach((t, b) => {
    if (t >= 0) classWeights[t] = a.weights[b]!;
  });
  return nllLossReduced(xs, classes, targets, classWeights, a.reduction === MEAN ? 'mean' : 'sum', -1, dtype);
}

export const nllLossBackward = defineOp<NllAttrs>({
  name: 'nll_loss_backward',
  gradFn: 'NllLossBackwardBackward0',
  symbolic: {
    kind: 'linear',
    linear: (_inputs, a: NllAttrs) => {
      const terms: LinearTerm[][] = Array.from({ length: numelOf(a.shape) }, (_, k) => [[1, k, 0]]);
      nllTerms(a).forEach((row, out) => row.forEach(([, p, w]) => terms[p]!.push([0, a.reduction === NONE ? out : 0, w])));
      return { terms };
    },
  },
  forward: ([g], a, dtype) => {
    const out = new Float64Array(numelOf(a.shape));
    const gs = g!.values();
    nllTerms(a).forEach((row, o) => row.forEach(([, p, w]) => (out[p] = out[p]! + w * gs[a.reduction === NONE ? o : 0]!)));
    return NDArray.fromValues(out, a.shape, dtype);
  },
  backward: (gg, ctx) => [ctx.needsInputGrad(0) ? F.nllLossWith(gg, ctx.attrs) : null, ctx.needsInputGrad(1) ? F.zerosOfShape(ctx.attrs.shape, gg.dtype) : null],
});

export const nllLoss = defineOp<NllAttrs>({
  name: 'nll_loss',
  gradFn: 'NllLossBackward0',
  symbolic: { kind: 'linear', linear: (_inputs, a: NllAttrs) => ({ terms: nllTerms(a) }) },
  dtype: 'first',
  saves: [{ name: 'self', input: 0 }],
  forward: ([x], a, dtype) => {
    const xs = x!.values();
    if (a.reduction !== NONE && a.shape.length === 2 && a.totalWeight !== 0) return NDArray.scalar(nllReduced(xs, a, dtype), dtype);
    const values = nllTerms(a).map((row) => row.reduce((s, [, p, w]) => s + w * xs[p]!, 0));
    if (a.reduction === NONE) return NDArray.fromValues(values, [a.positions.length], dtype);
    return NDArray.scalar(a.reduction === MEAN && a.totalWeight === 0 ? NaN : values[0]!, dtype);
  },
  backward: (g, ctx) => [F.nllLossBackward(g, ctx.saved('self'), ctx.attrs)],
});

