/**
 * Batched and fused matrix products: bmm (what matmul of batches runs) and
 * addmm (what F.linear runs on a 2-D input with a bias). Each output
 * element is a sum of products, a `group` for the symbolic side whose
 * partials read the other factor live (it is saved whenever the factor
 * needs a gradient, as in PyTorch).
 */
import { bmm as bmmKernel, mm as mmKernel } from '../tensor/kernels-batched.js';
import { NDArray, broadcastTo } from '../tensor/ndarray.js';
import * as F from './functional.js';
import { defineOp, type Group } from './registry.js';

/** `m0 * m1 + m2 * m3 + …` for k products, optionally `beta * input + alpha * (…)` first. */
function productsForm(key: string): string {
  const [kind, k, beta, alpha] = key.split(':');
  const n = Number(k);
  const offset = kind === 'addmm' ? 1 : 0;
  const products = Array.from({ length: n }, (_, p) => `m${offset + 2 * p} * m${offset + 2 * p + 1}`);
  const sum = products.length ? products.join(' + ') : '0';
  return kind === 'addmm' ? `${beta} * m0 + ${alpha} * (${sum})` : sum;
}

export const bmm = defineOp({
  name: 'bmm',
  gradFn: 'BmmBackward0',
  symbolic: {
    kind: 'group',
    groups: ([a, b]) => {
      const [batch, n, k] = a!.shape as [number, number, number];
      const m = b!.shape[2]!;
      const groups: Group[] = [];
      for (let t = 0; t < batch; t++) {
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < m; j++) {
            const members: [number, number][] = [];
            for (let p = 0; p < k; p++) members.push([0, t * n * k + i * k + p], [1, t * k * m + p * m + j]);
            groups.push({ members, key: `bmm:${k}` });
          }
        }
      }
      return groups;
    },
    form: productsForm,
  },
  saves: [
    { name: 'self', input: 0, onlyIfGradFor: 1 },
    { name: 'mat2', input: 1, onlyIfGradFor: 0 },
  ],
  forward: ([a, b], _attrs, dtype) => bmmKernel(a!, b!, dtype),
  backward: (g, ctx) => [
    ctx.needsInputGrad(0) ? F.bmm(g, F.transpose(ctx.saved('mat2'), 1, 2)) : null,
    ctx.needsInputGrad(1) ? F.bmm(F.transpose(ctx.saved('self'), 1, 2), g) : null,
  ],
});

export interface AddmmScales {
  beta: number;
  alpha: number;
}

export const addmm = defineOp<AddmmScales>({
  name: 'addmm',
  gradFn: 'AddmmBackward0',
  symbolic: {
    kind: 'group',
    groups: ([input, a, b], { beta, alpha }: AddmmScales) => {
      const [n, k] = a!.shape as [number, number];
      const m = b!.shape[1]!;
      const positions = broadcastTo(NDArray.fromValues(Array.from({ length: input!.numel }, (_, i) => i), input!.shape, 'float64'), [n, m]).values();
      const groups: Group[] = [];
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          const members: [number, number][] = [[0, positions[i * m + j]!]];
          for (let p = 0; p < k; p++) members.push([1, i * k + p], [2, p * m + j]);
          groups.push({ members, key: `addmm:${k}:${beta}:${alpha}` });
        }
      }
      return groups;
    },
    form: productsForm,
  },
  saves: [
    { name: 'mat1', input: 1, onlyIfGradFor: 2 },
    { name: 'mat2', input: 2, onlyIfGradFor: 1 },
  ],
  forward: ([input, a, b], { beta, alpha }, dtype) => {
    const product = mmKernel(a!, b!, dtype).values();
    const bias = broadcastTo(input!, [a!.shape[0]!, b!.shape[1]!]).values();
    const scaled = (v: number, s: number) => (s === 1 ? v : v * s);
    return NDArray.fromValues(Array.from(product, (p, i) => scaled(bias[i]!, beta) + scaled(p, alpha)), [a!.shape[0]!, b!.shape[1]!], dtype);
  },
  backward: (g, ctx) => {
    const { beta, alpha } = ctx.attrs;
    const scaled = (t: ReturnType<typeof F.mm>, s: number) => (s === 1 ? t : F.mulScalar(t, s));
    return [
      ctx.needsInputGrad(0) ? scaled(g, beta) : null,
      ctx.needsInputGrad(1) ? scaled(F.mm(g, F.t(ctx.saved('mat2'))), alpha) : null,
      ctx.needsInputGrad(2) ? scaled(F.mm(F.t(ctx.saved('mat1')), g), alpha) : null,
    ];
  },
});
