/**
 * Shape ops. Most are views sharing storage with their input; their
 * backward only moves gradient elements back into the input's shape.
 */
import type { BackwardContext } from '../autograd/node.js';
import type { Tensor } from '../autograd/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { NDArray } from '../tensor/ndarray.js';
import * as S from '../tensor/shape.js';
import * as F from './functional.js';
import { defineOp } from './registry.js';

interface Reshape {
  shape: readonly number[];
  inputShape: readonly number[];
}

/** Backward of every reshaping view: the gradient takes the input's shape again. */
function reshapeBack(g: Tensor, ctx: BackwardContext<{ inputShape: readonly number[] }>): Tensor[] {
  return [F.reshape(g, ctx.attrs.inputShape)];
}

export const view = defineOp<Reshape>({
  name: 'view',
  symbolic: { kind: 'view' },
  gradFn: 'ViewBackward0',
  dtype: 'first',
  view: true,
  forward: ([a], { shape }) => S.viewAs(a!, shape),
  backward: reshapeBack,
});

/** `reshape` of a tensor whose strides allow a view (PyTorch 1.13's name). */
export const reshapeAlias = defineOp<Reshape>({
  name: 'reshape_alias',
  symbolic: { kind: 'view' },
  gradFn: 'ReshapeAliasBackward0',
  dtype: 'first',
  view: true,
  forward: ([a], { shape }) => S.viewAs(a!, shape),
  backward: reshapeBack,
});

/** `reshape` of a clone, when no view was possible. */
export const unsafeView = defineOp<Reshape>({
  name: 'unsafe_view',
  symbolic: { kind: 'copy' },
  gradFn: 'UnsafeViewBackward0',
  dtype: 'first',
  forward: ([a], { shape }) => S.viewAs(a!, shape),
  backward: reshapeBack,
});

export const clone = defineOp({
  name: 'clone',
  symbolic: { kind: 'copy' },
  gradFn: 'CloneBackward0',
  dtype: 'first',
  forward: ([a]) => a!.copy(),
  backward: (g) => [g],
});

/** The copy AccumulateGrad makes of a gradient under create_graph. */
export const copyGrad = defineOp({
  name: 'copy_grad',
  symbolic: { kind: 'copy' },
  gradFn: 'CopyBackwards',
  dtype: 'first',
  forward: ([a]) => a!.copy(),
  backward: (g) => [g],
});

export const toCopy = defineOp<{ dtype: DType }>({
  name: 'to',
  symbolic: { kind: 'copy' },
  gradFn: 'ToCopyBackward0',
  dtype: 'first',
  forward: ([a], { dtype }) => a!.copy(dtype),
  backward: (g, ctx) => [F.to(g, ctx.inputs[0]!.dtype)],
});

export const t = defineOp({
  name: 't',
  symbolic: { kind: 'view' },
  gradFn: 'TBackward0',
  dtype: 'first',
  view: true,
  forward: ([a]) => S.matrixTranspose(a!),
  backward: (g) => [F.t(g)],
});

export const permute = defineOp<{ dims: readonly number[] }>({
  name: 'permute',
  symbolic: { kind: 'view' },
  gradFn: 'PermuteBackward0',
  dtype: 'first',
  view: true,
  forward: ([a], { dims }) => S.permute(a!, dims),
  backward: (g, ctx) => {
    const dims = ctx.attrs.dims.map((d) => (d < 0 ? d + ctx.attrs.dims.length : d));
    const inverse = dims.map((_, i) => dims.indexOf(i));
    return [F.permute(g, inverse)];
  },
});

export const transpose = defineOp<{ dim0: number; dim1: number }>({
  name: 'transpose',
  symbolic: { kind: 'view' },
  gradFn: 'TransposeBackward0',
  dtype: 'first',
  view: true,
  forward: ([a], { dim0, dim1 }) => S.transpose(a!, dim0, dim1),
  backward: (g, ctx) => [F.transpose(g, ctx.attrs.dim0, ctx.attrs.dim1)],
});

export const unsqueeze = defineOp<{ dim: number }>({
  name: 'unsqueeze',
  symbolic: { kind: 'view' },
  gradFn: 'UnsqueezeBackward0',
  dtype: 'first',
  view: true,
  forward: ([a], { dim }) => S.unsqueeze(a!, dim),
  backward: (g, ctx) => [F.squeeze(g, ctx.attrs.dim)],
});

interface Squeeze {
  dim: number | undefined;
  inputShape: readonly number[];
}

const squeezeForward = ([a]: readonly NDArray[], { dim }: Squeeze) => S.squeeze(a!, dim);

export const squeezeAll = defineOp<Squeeze>({
  name: 'squeeze',
  symbolic: { kind: 'view' },
  gradFn: 'SqueezeBackward0',
  dtype: 'first',
  view: true,
  forward: squeezeForward,
  backward: reshapeBack,
});

export const squeezeDim = defineOp<Squeeze>({
  name: 'squeeze_dim',
  symbolic: { kind: 'view' },
  gradFn: 'SqueezeBackward1',
  dtype: 'first',
  view: true,
  forward: squeezeForward,
  backward: reshapeBack,
});

/**
 * The squeeze matmul applies after `vector @ matrix` (PyTorch 1.13 records it as SqueezeBackward3).
 * It is `squeeze_` on mm's fresh result, so the output is no view (`F.linear(v, w, b)` adds the bias in place to it).
 */
export const squeezeMatmul = defineOp<Squeeze>({
  name: 'squeeze_matmul',
  symbolic: { kind: 'copy' },
  gradFn: 'SqueezeBackward3',
  dtype: 'first',
  forward: squeezeForward,
  backward: reshapeBack,
});

export const expand = defineOp<{ sizes: readonly number[] }>({
  name: 'expand',
  symbolic: { kind: 'view' },
  gradFn: 'ExpandBackward0',
  dtype: 'first',
  view: true,
  forward: ([a], { sizes }) => S.expand(a!, sizes),
  backward: (g, ctx) => [F.sumTo(g, ctx.inputs[0]!.shape)],
});

interface Select {
  dim: number;
  index: number;
  inputShape: readonly number[];
}

/** A zero tensor of `shape` with `g` written into the selected part: the backward of indexing. */
function scatterInto(g: NDArray, shape: readonly number[], pick: (a: NDArray) => NDArray): NDArray {
  const out = NDArray.full(shape, 0, g.dtype);
  pick(out).assign(g.values());
  return out;
}

export const selectBackward = defineOp<Select>({
  name: 'select_backward',
  symbolic: { kind: 'scatter' },
  gradFn: 'SelectBackwardBackward0',
  dtype: 'first',
  forward: ([g], { dim, index, inputShape }) => scatterInto(g!, inputShape, (a) => S.select(a, dim, index)),
  backward: (gg, ctx) => [F.select(gg, ctx.attrs.dim, ctx.attrs.index)],
});

export const select = defineOp<Select>({
  name: 'select',
  symbolic: { kind: 'view' },
  gradFn: 'SelectBackward0',
  dtype: 'first',
  view: true,
  forward: ([a], { dim, index }) => S.select(a!, dim, index),
  backward: (g, ctx) => [F.selectBackward(g, ctx.attrs)],
});

interface Slice {
  dim: number;
  start: number | null;
  stop: number | null;
  step: number;
  inputShape: readonly number[];
}

export const sliceBackward = defineOp<Slice>({
  name: 'slice_backward',
  symbolic: { kind: 'scatter' },
  gradFn: 'SliceBackwardBackward0',
  dtype: 'first',
  forward: ([g], s) => scatterInto(g!, s.inputShape, (a) => S.slice(a, s.dim, s.start, s.stop, s.step)),
  backward: (gg, ctx) => [F.slice(gg, ctx.attrs)],
});

export const slice = defineOp<Slice>({
  name: 'slice',
  symbolic: { kind: 'view' },
  gradFn: 'SliceBackward0',
  dtype: 'first',
  view: true,
  forward: ([a], s) => S.slice(a!, s.dim, s.start, s.stop, s.step),
  backward: (g, ctx) => [F.sliceBackward(g, ctx.attrs)],
});

export type { Reshape, Select, Slice, Squeeze };
