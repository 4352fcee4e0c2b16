/**
 * cumsum and cumprod along a dim. cumprod's backward is PyTorch 1.13's
 * cumprod_backward in registry ops: result / input when the input (as
 * backward reads it, `.data` changes included) has no zero anywhere;
 * otherwise, outside create_graph, the O(n) masked formula over the saved
 * result, and under create_graph the O(n²) products of the others, written
 * into a zero tensor slice by slice (so the gradient's grad_fn is CopySlices).
 */
import { isGradEnabled } from '../autograd/grad-mode.js';
import { Tensor } from '../autograd/tensor.js';
import { linesAlong } from '../tensor/index-kernels.js';
import { numelOf } from '../tensor/ndarray.js';
import { cumulativeAlong } from '../tensor/reductions.js';
import * as F from './functional.js';
import { memberNames, othersOf, parseKey, prodForm, widened } from './reduce-dim.js';
import { boundTerms, defineOp, type Group, type LinearTerm } from './registry.js';

export interface Cumulative {
  dim: number;
  shape: readonly number[];
}

/** w.flip(dim).cumsum(dim).flip(dim): the sum of w from each position to the end of its line. */
const reversedCumsum = (w: Tensor, dim: number): Tensor => F.flip(F.cumsum(F.flip(w, [dim]), dim), [dim]);

export const cumsum = defineOp<Cumulative>({
  name: 'cumsum',
  gradFn: 'CumsumBackward0',
  symbolic: {
    kind: 'linear',
    linear: ([a], c: Cumulative) => {
      const size = c.shape.length === 0 ? 1 : c.shape[c.dim]!;
      boundTerms((a!.numel * (size + 1)) / 2, 'cumsum');
      const terms: LinearTerm[][] = Array.from({ length: a!.numel }, () => []);
      for (const line of linesAlong(c.shape, c.dim)) {
        line.forEach((pos, k) => {
          for (let j = 0; j <= k; j++) terms[pos]!.push([0, line[j]!, 1]);
        });
      }
      return { terms };
    },
  },
  dtype: 'first',
  forward: ([a], c) => cumulativeAlong(a!, c.dim, 'sum', widened(a!.dtype)),
  backward: (g, ctx) => {
    const { dim } = ctx.attrs;
    if (g.numel <= 1 || g.shape.length === 0 || g.shape[dim < 0 ? dim + g.shape.length : dim] === 1) return [g];
    return [reversedCumsum(g, dim)];
  },
});

const productOf = (names: readonly string[]) => (names.length ? names.join(' * ') : '1');

/**
 * cumprod's backward, for output j (members m0…mj, results r0…rj of its
 * line) by member s. Without zeros in m0…mj: rj / ms. Otherwise, outside
 * create_graph, the masked formula: at the first zero s, the saved r(s-1)
 * (1 at the start) times m(s+1)…mj; 0 elsewhere. Under create_graph, any
 * zero in the whole input switches every line to the products of the others.
 */
function cumprodViaResult(key: string, slot: number, createGraph: boolean): string {
  // cumprod_backward returns the gradient itself for a single element or a dim of size 1.
  if (key.endsWith(':scalar')) return '1';
  const n = parseKey(key).n;
  const members = memberNames(n);
  const viaResult = `r${n - 1} / m${slot}`;
  if (createGraph) return `branch(zeros, ${othersOf(key, slot)}, ${viaResult})`;
  const after = productOf(members.slice(slot + 1));
  const atFirstZero = slot === 0 ? `branch(m0, 0, ${after})` : `branch(${productOf(members.slice(0, slot))}, branch(m${slot}, 0, r${slot - 1} * ${after}), 0)`;
  return `branch(${productOf(members)}, ${viaResult}, ${atFirstZero})`;
}

export const cumprod = defineOp<Cumulative>({
  name: 'cumprod',
  gradFn: 'CumprodBackward0',
  symbolic: {
    kind: 'group',
    groups: (_inputs, c: Cumulative) => {
      boundTerms((numelOf(c.shape) * ((c.shape.length === 0 ? 1 : c.shape[c.dim]!) + 1)) / 2, 'cumprod');
      const groups: Group[] = new Array(numelOf(c.shape));
      for (const line of linesAlong(c.shape, c.dim)) {
        // cumprod_backward returns the gradient itself when there is at most one element or the dim has size 1.
        const single = numelOf(c.shape) <= 1 || line.length === 1 ? ':scalar' : '';
        line.forEach((pos, k) => {
          const prefix = Array.from(line.subarray(0, k + 1));
          groups[pos] = { members: prefix.map((i) => [0, i] as const), key: `prod:${k + 1}:${single}`, results: prefix };
        });
      }
      return groups;
    },
    form: prodForm,
    viaResult: cumprodViaResult,
    readsZeros: true,
  },
  dtype: 'first',
  saves: [{ name: 'self', input: 0 }, { name: 'result' }],
  forward: ([a], c) => cumulativeAlong(a!, c.dim, 'prod', widened(a!.dtype)),
  backward: (g, ctx) => {
    const self = ctx.saved('self');
    const { dim } = ctx.attrs;
    const size = self.shape.length === 0 ? 1 : self.shape[dim]!;
    if (self.numel <= 1 || size === 1) return [g];
    const result = ctx.saved('result');
    // The branch is taken over the whole input as backward reads it, not line by line.
    if (!self.array.values().some((v) => v === 0)) return [F.div(reversedCumsum(F.mul(result, g), dim), self)];
    if (isGradEnabled()) return [productsOfOthers(g, self, dim)];
    return [maskedAroundZeros(g, self, result, dim)];
  },
});

/**
 * The O(n) gradient with zeros (no history): before a line's first zero z1,
 * the reversed cumsum of result · g up to z1, over x; at z1, the saved
 * result just before it times Σ_{z1 ≤ j < z2} g_j Π_{z1 < i ≤ j} x_i, where
 * z2 is the line's second zero (or its end); 0 after z1. The saved result is
 * read as saved, so a `.data` change of the input after the forward mixes
 * old products with new inputs, as in PyTorch.
 */
function maskedAroundZeros(g: Tensor, self: Tensor, result: Tensor, dim: number): Tensor {
  const size = self.shape[dim]!;
  const isZero = F.compare('eq', self, 0);
  const zerosSoFar = F.cumsum(isZero, dim);
  const beforeFirst = F.compare('eq', zerosSoFar, 0);
  const notInSpan = F.compare('ne', zerosSoFar, 1);
  const firstZero = F.logicalAnd(isZero, F.compare('eq', zerosSoFar, 1));
  const beforePart = F.div(reversedCumsum(F.maskedFill(F.mul(result, g), F.compare('ne', zerosSoFar, 0), 0), dim), self);
  // The inputs strictly between the first and second zero, 1 elsewhere.
  const between = F.maskedFill(F.maskedFill(self, notInSpan, 1), firstZero, 1);
  const spanSum = F.sum(F.mul(F.cumprod(between, dim), F.maskedFill(g, notInSpan, 0)), [dim], true);
  // The saved result one position back (1 at a line's start): the product of the inputs before z1.
  const onesShape = self.shape.map((s, i) => (i === dim ? 1 : s));
  const resultBefore = F.cat([F.onesOfShape(onesShape, result.dtype), F.narrow(result, dim, 0, size - 1)], dim);
  return F.where(firstZero, F.mul(spanSum, resultBefore), F.where(beforeFirst, beforePart, 0));
}

/**
 * The O(n²) gradient with zeros under create_graph, differentiable:
 * slice k is Σ_{j ≥ k} g_j · prod(x[:k]) · cumprod(x[k+1:])_j, copied into a
 * zero tensor's select(dim, k), as PyTorch does.
 */
function productsOfOthers(g: Tensor, self: Tensor, dim: number): Tensor {
  const size = self.shape[dim]!;
  const gradInput = F.zerosOfShape(self.shape, g.dtype);
  const ones = F.onesOfShape(self.shape.map((s, i) => (i === dim ? 1 : s)), g.dtype);
  for (let k = 0; k < size; k++) {
    let omitted: Tensor;
    if (k === 0) {
      omitted = F.cat([ones, F.cumprod(F.narrow(self, dim, 1, size - 1), dim)], dim);
    } else {
      const untilK = F.prod(F.narrow(self, dim, 0, k), dim, true);
      if (k === size - 1) {
        omitted = untilK;
      } else {
        const fromNext = F.cumprod(F.narrow(self, dim, k + 1, size - k - 1), dim);
        omitted = F.cat([untilK, F.mul(F.expand(untilK, fromNext.shape), fromNext)], dim);
      }
    }
    F.copyInPlace(F.select(gradInput, dim, k), F.sum(F.mul(F.narrow(g, dim, k, size - k), omitted), [dim]));
  }
  return gradInput;
}
