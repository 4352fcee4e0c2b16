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

const LEVELS = 8;

function ceilLog2(x: number): number {
  return x <= 2 ? 1 : 32 - Math.clz32(x - 1);
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
  const power = Math.max(4, Math.floor(ceilLog2(batch) / LEVELS));
  const mask = (1 << power) - 1;
  const loss = new Float64Array(LEVELS);
  const weight = new Float64Array(LEVELS);
  let ignored = 0;
  for (let b = 0; b < batch; b++) {
    const t = targets[b]!;
    if (t === ignoreIndex) {
      ignored++;
      continue;
    }
    const x = input[b * classes + t]!;
    if (weights) {
      const w = weights[t]!;
      loss[0] = r(loss[0]! - r(x * w));
      weight[0] = r(weight[0]! + w);
    } else {
      loss[0] = r(loss[0]! - x);
    }
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
  if (reduction === 'sum') return total;
  let totalWeight = r(batch - ignored);
  if (weights) {
    totalWeight = 0;
    for (const v of weight) totalWeight = r(totalWeight + v);
  }
  return r(total / totalWeight);
}
