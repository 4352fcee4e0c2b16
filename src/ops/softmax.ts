/**
 * softmax and log_softmax along a dim, each with its backward op
 * (`_softmax_backward_data`, so create_graph records PyTorch's
 * SoftmaxBackwardDataBackward0), and their symbolic forms: each output
 * element is a function of its whole line.
 */
import { linesAlong } from '../tensor/index-kernels.js';
import { NDArray, numelOf } from '../tensor/ndarray.js';
import type { DType } from '../tensor/dtype.js';
import { softmaxBackwardLastDim, softmaxLastDim } from '../tensor/numerics/softmax.js';
import { softmaxOf } from '../tensor/reductions.js';
import * as F from './functional.js';
import { boundTerms, defineOp, type Group } from './registry.js';

const names = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `m${from + i}`);
const sumOf = (terms: readonly string[]) => (terms.length ? terms.join(' + ') : '0');

export interface Along {
  dim: number;
  shape: readonly number[];
}

/**
 * Along the last dim of a float tensor, PyTorch's vectorised lastdim kernel
 * (numerics/softmax.ts: SLEEF exp/log, its reduction order); along another
 * dim, a double-precision line computation.
 */
function softmaxValues(a: NDArray, s: Along, log: boolean): Float64Array {
  const n = s.shape.length === 0 ? 1 : s.shape[s.dim]!;
  const last = s.shape.length === 0 || s.dim === s.shape.length - 1;
  if (last && n > 0 && (a.dtype === 'float32' || a.dtype === 'float64')) return softmaxLastDim(a.values(), a.numel / n, n, a.dtype, log);
  return softmaxOf(a.values(), linesAlong(s.shape, s.dim), a.numel, log);
}

/** The backward kernels' lastdim path (float dtypes), or null for another dim. */
function backwardLastDim(gs: ArrayLike<number>, ys: ArrayLike<number>, s: Along, dtype: DType, log: boolean): Float64Array | null {
  const n = s.shape.length === 0 ? 1 : s.shape[s.dim]!;
  const last = s.shape.length === 0 || s.dim === s.shape.length - 1;
  if (!last || n === 0 || (dtype !== 'float32' && dtype !== 'float64')) return null;
  return softmaxBackwardLastDim(gs, ys, gs.length / n, n, dtype, log);
}

/** Each output element: the whole line it lies on, keyed by the line's length and its position. */
function lineGroups(prefix: string, inputs: number) {
  return (_arrays: readonly NDArray[], a: Along): Group[] => {
    boundTerms(numelOf(a.shape) * (a.shape.length === 0 ? 1 : a.shape[a.dim]!) * inputs, prefix);
    const groups: Group[] = new Array(numelOf(a.shape));
    for (const line of linesAlong(a.shape, a.dim)) {
      line.forEach((pos, q) => {
        const members: [number, number][] = [];
        for (let i = 0; i < inputs; i++) for (const e of line) members.push([i, e]);
        groups[pos] = { members, key: `${prefix}:${line.length}:${q}`, results: Array.from(line) };
      });
    }
    return groups;
  };
}

function lineKey(key: string): { n: number; q: number } {
  const [, n, q] = key.split(':');
  return { n: Number(n), q: Number(q) };
}

const expSum = (n: number, from = 0) => sumOf(names(n, from).map((m) => `exp(${m})`));

export const softmaxBackwardData = defineOp<Along>({
  name: 'softmax_backward_data',
  gradFn: 'SoftmaxBackwardDataBackward0',
  // grad_input = y * (g - Σ g·y), members g_0…g_{n-1}, y_0…y_{n-1}.
  symbolic: {
    kind: 'group',
    groups: lineGroups('softmax_backward_data', 2),
    form: (key) => {
      const { n, q } = lineKey(key);
      return `m${n + q} * (m${q} - (${sumOf(names(n).map((g, i) => `${g} * m${n + i}`))}))`;
    },
  },
  saves: [{ name: 'grad_output', input: 0 }, { name: 'output', input: 1 }],
  forward: ([g, y], a, dtype) => {
    const gs = g!.values();
    const ys = y!.values();
    const fast = backwardLastDim(gs, ys, a, dtype, false);
    if (fast) return NDArray.fromValues(fast, a.shape, dtype);
    const out = new Float64Array(gs.length);
    for (const line of linesAlong(a.shape, a.dim)) {
      let dot = 0;
      for (const e of line) dot += gs[e]! * ys[e]!;
      for (const e of line) out[e] = ys[e]! * (gs[e]! - dot);
    }
    return NDArray.fromValues(out, a.shape, dtype);
  },
  // softmax_double_backward for the output; the same op again for the gradient.
  backward: (gg, ctx) => {
    const { dim } = ctx.attrs;
    const go = ctx.saved('grad_output');
    const y = ctx.saved('output');
    return [
      ctx.needsInputGrad(0) ? F.softmaxBackwardData(gg, y, dim) : null,
      ctx.needsInputGrad(1)
        ? F.sub(F.sub(F.mul(go, gg), F.mul(F.sum(F.mul(y, go), [dim], true), gg)), F.mul(go, F.sum(F.mul(y, gg), [dim], true)))
        : null,
    ];
  },
});

export const softmax = defineOp<Along>({
  name: 'softmax',
  gradFn: 'SoftmaxBackward0',
  symbolic: {
    kind: 'group',
    groups: lineGroups('softmax', 1),
    form: (key) => {
      const { n, q } = lineKey(key);
      return `exp(m${q}) / (${expSum(n)})`;
    },
    // _softmax_backward_data: y_q (δ_qj - y_j), over the line's saved outputs.
    viaResult: (key, slot) => `r${lineKey(key).q} * (${lineKey(key).q === slot ? 1 : 0} - r${slot})`,
  },
  dtype: 'first',
  saves: [{ name: 'result' }],
  forward: ([a], s) => NDArray.fromValues(softmaxValues(a!, s, false), a!.shape, a!.dtype),
  backward: (g, ctx) => [F.softmaxBackwardData(g, ctx.saved('result'), ctx.attrs.dim)],
});

export const logSoftmaxBackwardData = defineOp<Along>({
  name: 'log_softmax_backward_data',
  gradFn: 'LogSoftmaxBackwardDataBackward0',
  // grad_input = g - exp(y) * Σ g, members g_0…g_{n-1}, y_0…y_{n-1}.
  symbolic: {
    kind: 'group',
    groups: lineGroups('log_softmax_backward_data', 2),
    form: (key) => {
      const { n, q } = lineKey(key);
      return `m${q} - exp(m${n + q}) * (${sumOf(names(n))})`;
    },
  },
  saves: [{ name: 'grad_output', input: 0 }, { name: 'output', input: 1 }],
  forward: ([g, y], a, dtype) => {
    const gs = g!.values();
    const ys = y!.values();
    const fast = backwardLastDim(gs, ys, a, dtype, true);
    if (fast) return NDArray.fromValues(fast, a.shape, dtype);
    const out = new Float64Array(gs.length);
    for (const line of linesAlong(a.shape, a.dim)) {
      let s = 0;
      for (const e of line) s += gs[e]!;
      for (const e of line) out[e] = gs[e]! - Math.exp(ys[e]!) * s;
    }
    return NDArray.fromValues(out, a.shape, dtype);
  },
  backward: (gg, ctx) => {
    const { dim } = ctx.attrs;
    const go = ctx.saved('grad_output');
    const y = ctx.saved('output');
    return [
      ctx.needsInputGrad(0) ? F.sub(gg, F.sum(F.mul(gg, F.exp(y)), [dim], true)) : null,
      ctx.needsInputGrad(1) ? F.mul(F.mul(F.neg(F.sum(go, [dim], true)), F.exp(y)), gg) : null,
    ];
  },
});

export const logSoftmax = defineOp<Along>({
  name: 'log_softmax',
  gradFn: 'LogSoftmaxBackward0',
  symbolic: {
    kind: 'group',
    groups: lineGroups('log_softmax', 1),
    form: (key) => {
      const { n, q } = lineKey(key);
      return `m${q} - log(${expSum(n)})`;
    },
    // _log_softmax_backward_data: δ_qj - exp(y_j), over the line's saved outputs.
    viaResult: (key, slot) => `${lineKey(key).q === slot ? 1 : 0} - exp(r${slot})`,
  },
  dtype: 'first',
  saves: [{ name: 'result' }],
  forward: ([a], s) => NDArray.fromValues(softmaxValues(a!, s, true), a!.shape, a!.dtype),
  backward: (g, ctx) => [F.logSoftmaxBackwardData(g, ctx.saved('result'), ctx.attrs.dim)],
});

