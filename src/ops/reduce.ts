/** Reductions (sum, mean) and matrix products (mm, mv, dot). */
import type { Tensor } from '../autograd/tensor.js';
import { mapUnary, sumDims } from '../tensor/kernels.js';
import { dot as dotKernel, mm as mmKernel, mv as mvKernel } from '../tensor/matmul.js';
import { numelOf, type NDArray } from '../tensor/ndarray.js';
import * as F from './functional.js';
import { defineOp } from './registry.js';

export interface Reduction {
  /** Sorted, normalised dims that are reduced. */
  dims: number[];
  keepdim: boolean;
  /** The input's shape, which the gradient is expanded back to. */
  shape: readonly number[];
}

/** Undo a reduction's shape change: put back the reduced dims (size 1), then expand. */
function expandBack(g: Tensor, { dims, keepdim, shape }: Reduction): Tensor {
  let out = g;
  if (!keepdim) for (const d of dims) out = F.unsqueeze(out, d);
  return F.expand(out, shape);
}

const sumDtype = (dtype: string) => (dtype === 'bool' || dtype === 'int64' || dtype === 'uint8' ? 'int64' : dtype) as 'int64';

export const sumAll = defineOp<Reduction>({
  name: 'sum',
  symbolic: { kind: 'sum' },
  gradFn: 'SumBackward0',
  dtype: 'first',
  forward: ([a], r) => sumDims(a!, r.dims, false, sumDtype(a!.dtype)),
  backward: (g, ctx) => [F.expand(g, ctx.attrs.shape)],
});

export const sumDim = defineOp<Reduction>({
  name: 'sum_dim',
  symbolic: { kind: 'sum' },
  gradFn: 'SumBackward1',
  dtype: 'first',
  forward: ([a], r) => sumDims(a!, r.dims, r.keepdim, sumDtype(a!.dtype)),
  backward: (g, ctx) => [expandBack(g, ctx.attrs)],
});

function count({ dims, shape }: Reduction): number {
  return numelOf(dims.map((d) => shape[d]!));
}

/** Sum in the input's dtype, then divide: the two roundings PyTorch's mean makes. */
function meanOf(a: NDArray, r: Reduction): NDArray {
  const n = count(r);
  return mapUnary(sumDims(a, r.dims, r.keepdim, a.dtype), a.dtype, (s) => s / n);
}

export const meanAll = defineOp<Reduction>({
  name: 'mean',
  symbolic: { kind: 'mean' },
  gradFn: 'MeanBackward0',
  dtype: 'first',
  forward: ([a], r) => meanOf(a!, r),
  backward: (g, ctx) => [F.divByNumber(F.expand(g, ctx.attrs.shape), count(ctx.attrs))],
});

export const meanDim = defineOp<Reduction>({
  name: 'mean_dim',
  symbolic: { kind: 'mean' },
  gradFn: 'MeanBackward1',
  dtype: 'first',
  // PyTorch 1.13 keeps `self` for this backward (unused), so a version bump of it is an error.
  saves: [{ name: 'self', input: 0 }],
  forward: ([a], r) => meanOf(a!, r),
  backward: (g, ctx) => [F.divByNumber(expandBack(g, ctx.attrs), count(ctx.attrs))],
});

export const mm = defineOp({
  name: 'mm',
  symbolic: { kind: 'matmul' },
  gradFn: 'MmBackward0',
  saves: [
    { name: 'self', input: 0, onlyIfGradFor: 1 },
    { name: 'mat2', input: 1, onlyIfGradFor: 0 },
  ],
  forward: ([a, b], _attrs, dtype) => mmKernel(a!, b!, dtype),
  backward: (g, ctx) => [
    ctx.needsInputGrad(0) ? F.mm(g, F.t(ctx.saved('mat2'))) : null,
    ctx.needsInputGrad(1) ? F.mm(F.t(ctx.saved('self')), g) : null,
  ],
});

export const mv = defineOp({
  name: 'mv',
  symbolic: { kind: 'matmul' },
  gradFn: 'MvBackward0',
  saves: [
    { name: 'self', input: 0 },
    { name: 'vec', input: 1 },
  ],
  forward: ([a, v], _attrs, dtype) => mvKernel(a!, v!, dtype),
  backward: (g, ctx) => [
    ctx.needsInputGrad(0) ? F.mul(F.unsqueeze(g, 1), F.unsqueeze(ctx.saved('vec'), 0)) : null,
    ctx.needsInputGrad(1) ? F.mv(F.t(ctx.saved('self')), g) : null,
  ],
});

export const dot = defineOp({
  name: 'dot',
  symbolic: { kind: 'matmul' },
  gradFn: 'DotBackward0',
  saves: [
    { name: 'self', input: 0 },
    { name: 'tensor', input: 1 },
  ],
  forward: ([a, b], _attrs, dtype) => dotKernel(a!, b!, dtype),
  backward: (g, ctx) => [
    ctx.needsInputGrad(0) ? F.mul(g, ctx.saved('tensor')) : null,
    ctx.needsInputGrad(1) ? F.mul(g, ctx.saved('self')) : null,
  ],
});
