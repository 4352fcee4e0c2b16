/**
 * nll_loss over a batch (input N×C of log-probabilities, targets, optional
 * class weights) as PyTorch 1.13's CPU kernel (LossNLL.cpp) sums it: the
 * terms -input[b, t_b]·w[t_b] added into 8 cascade levels in the dtype,
 * level j carried up when b's bits j·p .. (j+1)·p - 1 are all zero
 * (p = max(4, ⌈log2 N⌉ / 8)), the levels added up left to right, then
 * divided by the summed weights (or the count) for 'mean'. A kernel for the
 * loss ops being added (cross_entropy = log_softmax + this).
 */
import type { DType } from '../dtype.js';
import * as g32 from './glibcFloat32.js';
import { log as glibcLog } from './glibcLogSinCos.js';
import * as s32 from './sleefFloat32.js';
import * as s64 from './sleefFloat64.js';

const LEVELS = 8;

function ceilLog2(x: number): number {
  return x <= 2 ? 1 : 32 - Math.clz32(x - 1);
}

/**
 * The two cascades of nll_loss's forward over its rows: Σ -x_b·w_b and Σ w_b
 * (the total weight PyTorch saves for the backward), skipping rows that
 * `ignored` names. Without class weights w_b = 1, which sums to the count.
 */
export function nllCascade(picked: ArrayLike<number>, weights: ArrayLike<number>, ignored: (b: number) => boolean, dtype: DType): { loss: number; weight: number } {
  const r = dtype === 'float32' ? Math.fround : (x: number) => x;
  const batch = picked.length;
  const power = Math.max(4, Math.floor(ceilLog2(batch) / LEVELS));
  const mask = (1 << power) - 1;
  const loss = new Float64Array(LEVELS);
  const weight = new Float64Array(LEVELS);
  for (let b = 0; b < batch; b++) {
    if (ignored(b)) continue;
    loss[0] = r(loss[0]! - r(picked[b]! * weights[b]!));
    weight[0] = r(weight[0]! + weights[b]!);
    for (let j = 0; j + 1 < LEVELS; j++) {
      if ((b & (mask * 2 ** (j * power))) !== 0) break;
      weight[j + 1] = r(weight[j + 1]! + weight[j]!);
      loss[j + 1] = r(loss[j + 1]! + loss[j]!);
      weight[j] = 0;
      loss[j] = 0;
    }
  }
  let total = 0;
  for (const v of loss) total = r(total + v);
  let totalWeight = 0;
  for (const v of weight) totalWeight = r(totalWeight + v);
  return { loss: total, weight: totalWeight };
}

export function nllLossReduced(
  input: ArrayLike<number>,
  classes: number,
  targets: ArrayLike<number>,
  weights: ArrayLike<number> | null,
  reduction: 'mean' | 'sum',
  ignoreIndex: number,
  dtype: DType,
): number {
  const r = dtype === 'float32' ? Math.fround : (x: number) => x;
  const batch = targets.length;
  const picked = Float64Array.from({ length: batch }, (_, b) => (targets[b] === ignoreIndex ? 0 : input[b * classes + targets[b]!]!));
  const rowWeights = Float64Array.from({ length: batch }, (_, b) => (weights && targets[b] !== ignoreIndex ? weights[targets[b]!]! : 1));
  const { loss, weight } = nllCascade(picked, rowWeights, (b) => targets[b] === ignoreIndex, dtype);
  return reduction === 'sum' ? loss : r(loss / weight);
}

// The pointwise losses (reduction='none') and their backward kernels, as
// PyTorch 1.13's loops compute them in the dtype. Ternary kernels take
// (grad_output, input, target), as the registry's *_backward ops do.

type Round = (x: number) => number;
const rounding = (dtype: DType): Round => (dtype === 'float32' ? Math.fround : (x: number) => x);

/** mse: d = x - t, d·d. */
export function mseTerm(dtype: DType): (x: number, t: number) => number {
  const r = rounding(dtype);
  return (x, t) => {
    const d = r(x - t);
    return r(d * d);
  };
}

/** mse_loss_backward: norm·(x - t)·g, norm (2 or 2/n) converted to the dtype first. */
export function mseBackward(norm: number, dtype: DType): (g: number, x: number, t: number) => number {
  const r = rounding(dtype);
  const n = r(norm);
  return (g, x, t) => r(r(n * r(x - t)) * g);
}

/** smooth_l1: z = |x - t|, z < β ? 0.5·z·z/β : z - 0.5·β. */
export function smoothL1Term(beta: number, dtype: DType): (x: number, t: number) => number {
  const r = rounding(dtype);
  const b = r(beta);
  const halfBeta = r(0.5 * b);
  return (x, t) => {
    const z = Math.abs(r(x - t));
    return z < b ? r(r(r(0.5 * z) * z) / b) : r(z - halfBeta);
  };
}

/**
 * smooth_l1_loss_backward with d = x - t: ±norm·g outside (-β, β), inside
 * norm·d·g/β on the scalar loop but norm·(d/β)·g on the vector one (the
 * vectorised lambda divides first).
 */
export function smoothL1Backward(norm: number, beta: number, dtype: DType, vector: boolean): (g: number, x: number, t: number) => number {
  const r = rounding(dtype);
  const n = r(norm);
  const b = r(beta);
  if (vector) {
    return (g, x, t) => {
      const d = r(x - t);
      const unit = Math.abs(d) >= b ? (d > 0 ? 1 : -1) : r(d / b);
      return r(r(n * unit) * g);
    };
  }
  return (g, x, t) => {
    const d = r(x - t);
    if (d <= -b) return r(-n * g);
    if (d >= b) return r(n * g);
    return r(r(r(n * d) * g) / b);
  };
}

/** binary_cross_entropy: (t - 1)·log(1 - x) - t·log(x), each log at least -100 (a plain cpu_kernel: glibc's log on every element). */
export function bceTerm(dtype: DType): (x: number, t: number) => number {
  const atLeast = (v: number) => (v < -100 ? -100 : v);
  if (dtype === 'float32') {
    const r = Math.fround;
    return (x, t) => r(r(r(t - 1) * atLeast(g32.logf(r(1 - x)))) - r(t * atLeast(g32.logf(x))));
  }
  return (x, t) => (t - 1) * atLeast(glibcLog(1 - x)) - t * atLeast(glibcLog(x));
}

const BCE_EPSILON = 1e-12;

/** binary_cross_entropy_backward before the weight and the mean: g·(x - t) / max((1 - x)·x, ε). */
export function bceBackward(dtype: DType): (g: number, x: number, t: number) => number {
  const r = rounding(dtype);
  const eps = r(BCE_EPSILON);
  return (g, x, t) => {
    const d = r(r(1 - x) * x);
    return r(r(g * r(x - t)) / (d < eps ? eps : d));
  };
}

/**
 * binary_cross_entropy_with_logits as 1.13's composite computes it, op by
 * op (SLEEF's exp and log, as the vml ops run them): m = max(-x, 0), then
 * (1 - t)·x + m + log(e^-m + e^(-x-m)); with a pos_weight p,
 * (1 - t)·x + ((p - 1)·t + 1)·(log(e^-m + e^(-x-m)) + m).
 */
export function bceLogitsTerm(dtype: DType, posWeight: boolean): (x: number, t: number, p: number) => number {
  const single = dtype === 'float32';
  const r = rounding(dtype);
  const exp = single ? s32.expf : s64.exp;
  const log = single ? s32.logf : s64.log;
  return (x, t, p) => {
    const m = -x < 0 ? 0 : -x;
    const sum = r(exp(-m) + exp(r(-x - m)));
    const linear = r(r(1 - t) * x);
    if (!posWeight) return r(r(linear + m) + log(sum));
    const logWeight = r(r(r(p - 1) * t) + 1);
    return r(linear + r(logWeight * r(log(sum) + m)));
  };
}
