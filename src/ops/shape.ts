/**
 * Ops that join, split and rearrange tensors: cat, stack, split (and
 * chunk), unbind, flip, repeat, tril/triu, diag, diagonal, trace. split and
 * unbind have several outputs, all views of their input (one node, as
 * PyTorch's SplitBackward0); the others copy, and the symbolic side reads
 * which input element each output element is (`linear`).
 */
import type { Tensor } from '../autograd/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { ravel, unravel } from '../tensor/index-kernels.js';
import { NDArray, numelOf } from '../tensor/ndarray.js';
import * as S from '../tensor/shape.js';
import * as F from './functional.js';
import { defineOp, type LinearTerm } from './registry.js';

/** Per output element, the single input element it copies (weight 1). */
const picks = (sources: ArrayLike<number>, input = 0): LinearTerm[][] => Array.from(sources, (s) => [[input, s, 1]]);

// cat and stack.

export interface Joined {
  dim: number;
  /** Each input's size along `dim` (0 for a skipped empty 1-D tensor). */
  sizes: number[];
  shape: readonly number[];
}

/** For each output element of a cat along `dim`: [input, element in that input]. */
function catSources(j: Joined, inputShapes: readonly (readonly number[])[]): [number, number][] {
  const out: [number, number][] = [];
  const n = numelOf(j.shape);
  const starts = j.sizes.map((_, i) => j.sizes.slice(0, i).reduce((a, b) => a + b, 0));
  for (let k = 0; k < n; k++) {
    const idx = unravel(k, j.shape);
    const c = idx[j.dim]!;
    const i = starts.findIndex((s, t) => c >= s && c < s + j.sizes[t]!);
    idx[j.dim] = c - starts[i]!;
    out.push([i, ravel(idx, inputShapes[i]!)]);
  }
  return out;
}

export const cat = defineOp<Joined>({
  name: 'cat',
  gradFn: 'CatBackward0',
  symbolic: {
    kind: 'linear',
    linear: (inputs, j: Joined) => ({ terms: catSources(j, inputs.map((a) => a.shape)).map(([i, e]) => [[i, e, 1] as LinearTerm]) }),
  },
  forward: (inputs, j, dtype) => {
    const values = inputs.map((a) => a.values());
    const out = catSources(j, inputs.map((a) => a.shape)).map(([i, e]) => values[i]![e]!);
    return NDArray.fromValues(out, j.shape, dtype);
  },
  // cat_tensors_backward: each input's slice of the gradient (nothing for a skipped empty tensor).
  backward: (g, ctx) => {
    let start = 0;
    return ctx.attrs.sizes.map((size, i) => {
      const meta = ctx.inputs[i]!;
      const part = meta.shape.length === 1 && meta.shape[0] === 0 ? F.zerosOfShape([0], g.dtype) : F.narrow(g, ctx.attrs.dim, start, size);
      start += size;
      return ctx.needsInputGrad(i) ? part : null;
    });
  },
});

export const stack = defineOp<{ dim: number; shape: readonly number[] }>({
  name: 'stack',
  gradFn: 'StackBackward0',
  symbolic: {
    kind: 'linear',
    linear: (inputs, s: { dim: number; shape: readonly number[] }) =>
      ({
        terms: Array.from({ length: numelOf(s.shape) }, (_, k) => {
          const idx = unravel(k, s.shape);
          const [i] = idx.splice(s.dim, 1);
          return [[i!, ravel(idx, inputs[i!]!.shape), 1] as LinearTerm];
        }),
      }),
  },
  forward: (inputs, s, dtype) => {
    const values = inputs.map((a) => a.values());
    const out = Array.from({ length: numelOf(s.shape) }, (_, k) => {
      const idx = unravel(k, s.shape);
      const [i] = idx.splice(s.dim, 1);
      return values[i!]![ravel(idx, inputs[i!]!.shape)]!;
    });
    return NDArray.fromValues(out, s.shape, dtype);
  },
  // stack_tensors_backward: the gradient unbound along dim (PyTorch records selects).
  backward: (g, ctx) => ctx.inputs.map((_, i) => (ctx.needsInputGrad(i) ? F.select(g, ctx.attrs.dim, i) : null)),
});

// split (and chunk), split with sizes, unbind: one node, several views.

export interface Split {
  dim: number;
  /** The size of each piece along `dim`. */
  sizes: number[];
  /** split's own argument (SplitBackward0 keeps it); -1 for split_with_sizes. */
  splitSize: number;
  inputShape: readonly number[];
}

function splitViews(a: NDArray, s: Split): NDArray[] {
  let start = 0;
  return s.sizes.map((size) => {
    const v = S.slice(a, s.dim, start, start + size, 1);
    start += size;
    return v;
  });
}

/** split_with_sizes_backward: the pieces' gradients (zeros for a piece that got none) joined again. */
function splitBackward(ctx: { attrs: Split; outputGrads: readonly (Tensor | null)[] }, dtype: DType): Tensor {
  const s = ctx.attrs;
  const parts = s.sizes.map((size, i) => ctx.outputGrads[i] ?? F.zerosOfShape(s.inputShape.map((d, k) => (k === s.dim ? size : d)), dtype));
  return F.cat(parts, s.dim);
}

function splitEntry(name: string, gradFn: string) {
  return defineOp<Split>({
    name,
    gradFn,
    symbolic: { kind: 'view' },
    dtype: 'first',
    view: true,
    forward: ([a], s) => splitViews(a!, s)[0]!,
    forwardAll: ([a], s) => splitViews(a!, s),
    backward: (_g, ctx) => [splitBackward(ctx, ctx.inputs[0]!.dtype)],
  });
}

export const split = splitEntry('split', 'SplitBackward0');
export const splitWithSizes = splitEntry('split_with_sizes', 'SplitWithSizesBackward0');

export const unbind = defineOp<{ dim: number; inputShape: readonly number[] }>({
  name: 'unbind',
  gradFn: 'UnbindBackward0',
  symbolic: { kind: 'view' },
  dtype: 'first',
  view: true,
  forward: ([a], { dim }) => S.select(a!, dim, 0),
  forwardAll: ([a], { dim, inputShape }) => Array.from({ length: inputShape[dim]! }, (_, i) => S.select(a!, dim, i)),
  // unbind_backward: the gradients (zeros where none came) stacked again.
  backward: (_g, ctx) => {
    const { dim, inputShape } = ctx.attrs;
    const pieceShape = inputShape.filter((_, k) => k !== dim);
    const parts = Array.from({ length: inputShape[dim]! }, (_, i) => ctx.outputGrads[i] ?? F.zerosOfShape(pieceShape, ctx.inputs[0]!.dtype));
    return [F.stack(parts, dim)];
  },
});

/** `x[...]`: the same tensor as a new view (AliasBackward0). */
export const alias = defineOp({
  name: 'alias',
  gradFn: 'AliasBackward0',
  symbolic: { kind: 'view' },
  dtype: 'first',
  view: true,
  forward: ([a]) => a!.view(a!.shape, a!.strides),
  backward: (g) => [g],
});

// flip, repeat.

/** Per output element of flip: the input element (its coordinates mirrored along `dims`). */
function flipSources(shape: readonly number[], dims: readonly number[]): Int32Array {
  const n = numelOf(shape);
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const idx = unravel(k, shape);
    for (const d of dims) idx[d] = shape[d]! - 1 - idx[d]!;
    out[k] = ravel(idx, shape);
  }
  return out;
}

export const flip = defineOp<{ dims: number[] }>({
  name: 'flip',
  gradFn: 'FlipBackward0',
  symbolic: { kind: 'linear', linear: ([a], { dims }: { dims: number[] }) => ({ terms: picks(flipSources(a!.shape, dims)) }) },
  dtype: 'first',
  forward: ([a], { dims }) => {
    const xs = a!.values();
    return NDArray.fromValues(Array.from(flipSources(a!.shape, dims), (s) => xs[s]!), a!.shape, a!.dtype);
  },
  backward: (g, ctx) => [F.flip(g, ctx.attrs.dims)],
});

export interface Repeat {
  repeats: number[];
  inputShape: readonly number[];
  shape: readonly number[];
}

function repeatSources(r: Repeat): Int32Array {
  const n = numelOf(r.shape);
  const lead = r.shape.length - r.inputShape.length;
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const idx = unravel(k, r.shape).slice(lead).map((c, i) => c % r.inputShape[i]!);
    out[k] = ravel(idx, r.inputShape);
  }
  return out;
}

export const repeat = defineOp<Repeat>({
  name: 'repeat',
  gradFn: 'RepeatBackward0',
  symbolic: { kind: 'linear', linear: (_inputs, r: Repeat) => ({ terms: picks(repeatSources(r)) }) },
  dtype: 'first',
  forward: ([a], r) => {
    const xs = a!.values();
    return NDArray.fromValues(Array.from(repeatSources(r), (s) => xs[s]!), r.shape, a!.dtype);
  },
  // repeat_backward: the gradient reshaped to (repeat, size) pairs and summed over the repeats.
  backward: (g, ctx) => {
    const { repeats, inputShape } = ctx.attrs;
    if (repeats.includes(0)) return [F.zerosOfShape(inputShape, g.dtype)];
    let grad = g;
    const lead = repeats.length - inputShape.length;
    for (let i = 0; i < lead; i++) grad = F.sum(grad, [0], false);
    const gradSize: number[] = [];
    const sumDims: number[] = [];
    inputShape.forEach((size, d) => {
      const r = repeats[d + lead]!;
      if (r !== 1) {
        gradSize.push(r);
        sumDims.push(gradSize.length - 1);
      }
      gradSize.push(size);
    });
    if (sumDims.length) grad = F.sum(F.reshape(grad, gradSize), sumDims);
    return [grad];
  },
});

// tril, triu: the other elements become 0.

function triangle(name: 'tril' | 'triu', gradFn: string) {
  const keeps = (i: number, j: number, k: number) => (name === 'tril' ? j - i <= k : j - i >= k);
  const kept = (shape: readonly number[], diagonal: number) =>
    Array.from({ length: numelOf(shape) }, (_, e) => {
      const idx = unravel(e, shape);
      return keeps(idx[idx.length - 2]!, idx[idx.length - 1]!, diagonal);
    });
  return defineOp<{ diagonal: number }>({
    name,
    gradFn,
    symbolic: {
      kind: 'linear',
      linear: ([a], { diagonal }: { diagonal: number }) => ({ terms: kept(a!.shape, diagonal).map((keep, e) => [[0, e, keep ? 1 : 0] as LinearTerm]) }),
    },
    dtype: 'first',
    forward: ([a], { diagonal }) => {
      const xs = a!.values();
      return NDArray.fromValues(kept(a!.shape, diagonal).map((keep, e) => (keep ? xs[e]! : 0)), a!.shape, a!.dtype);
    },
    backward: (g, ctx) => [name === 'tril' ? F.tril(g, ctx.attrs.diagonal) : F.triu(g, ctx.attrs.diagonal)],
  });
}

export const tril = triangle('tril', 'TrilBackward0');
export const triu = triangle('triu', 'TriuBackward0');

// diag (vector <-> matrix), diagonal (a view), trace.

export interface Diag {
  diagonal: number;
  inputShape: readonly number[];
  shape: readonly number[];
}

/** Pairs [output element, input element] of diag: a vector placed on a diagonal, or a diagonal read. */
function diagPairs(d: Diag): [number, number][] {
  const k = d.diagonal;
  const pairs: [number, number][] = [];
  if (d.inputShape.length === 1) {
    const m = d.shape[1]!;
    for (let i = 0; i < d.inputShape[0]!; i++) pairs.push([(k >= 0 ? i : i - k) * m + (k >= 0 ? i + k : i), i]);
  } else {
    const m = d.inputShape[1]!;
    for (let i = 0; i < d.shape[0]!; i++) pairs.push([i, (k >= 0 ? i : i - k) * m + (k >= 0 ? i + k : i)]);
  }
  return pairs;
}

export const diag = defineOp<Diag>({
  name: 'diag',
  gradFn: 'DiagBackward0',
  symbolic: {
    kind: 'linear',
    linear: (_inputs, d: Diag) => {
      const terms: LinearTerm[][] = Array.from({ length: numelOf(d.shape) }, () => []);
      for (const [o, i] of diagPairs(d)) terms[o]!.push([0, i, 1]);
      return { terms };
    },
  },
  dtype: 'first',
  forward: ([a], d) => {
    const xs = a!.values();
    const out = new Float64Array(numelOf(d.shape));
    for (const [o, i] of diagPairs(d)) out[o] = xs[i]!;
    return NDArray.fromValues(out, d.shape, a!.dtype);
  },
  // diag_backward: diag again for a vector or a square matrix, else diagonal_backward.
  backward: (g, ctx) => {
    const { inputShape, diagonal } = ctx.attrs;
    if (inputShape.length === 1 || inputShape[0] === inputShape[1]) return [F.diag(g, diagonal)];
    return [F.diagonalBackward(g, inputShape, diagonal, 0, 1)];
  },
});

export interface Diagonal {
  offset: number;
  dim1: number;
  dim2: number;
  inputShape: readonly number[];
}

/** The strided view of a diagonal: the other dims, then the diagonal. */
export function diagonalView(a: NDArray, { offset, dim1, dim2 }: Diagonal): NDArray {
  const d1 = dim1 < 0 ? dim1 + a.ndim : dim1;
  const d2 = dim2 < 0 ? dim2 + a.ndim : dim2;
  const n1 = a.shape[d1]!;
  const n2 = a.shape[d2]!;
  const len = Math.max(0, offset >= 0 ? Math.min(n1, n2 - offset) : Math.min(n1 + offset, n2));
  const start = len === 0 ? a.offset : a.offset + (offset >= 0 ? offset * a.strides[d2]! : -offset * a.strides[d1]!);
  const keep = a.shape.map((_, i) => i !== d1 && i !== d2);
  return a.view(
    [...a.shape.filter((_, i) => keep[i]), len],
    [...a.strides.filter((_, i) => keep[i]), a.strides[d1]! + a.strides[d2]!],
    start,
  );
}

export const diagonal = defineOp<Diagonal>({
  name: 'diagonal',
  gradFn: 'DiagonalBackward0',
  symbolic: { kind: 'view' },
  dtype: 'first',
  view: true,
  forward: ([a], d) => diagonalView(a!, d),
  backward: (g, ctx) => [F.diagonalBackward(g, ctx.attrs.inputShape, ctx.attrs.offset, ctx.attrs.dim1, ctx.attrs.dim2)],
});

/** A zero tensor of the input's shape with the gradient on the diagonal. */
export const diagonalBackward = defineOp<Diagonal>({
  name: 'diagonal_backward',
  gradFn: 'DiagonalBackwardBackward0',
  symbolic: {
    kind: 'linear',
    linear: (_inputs, d: Diagonal) => {
      const n = numelOf(d.inputShape);
      const positions = diagonalView(NDArray.fromValues(Array.from({ length: n }, (_, i) => i), d.inputShape, 'float64'), d).values();
      const terms: LinearTerm[][] = Array.from({ length: n }, () => []);
      positions.forEach((p, k) => terms[p]!.push([0, k, 1]));
      return { terms };
    },
  },
  dtype: 'first',
  forward: ([g], d) => {
    const out = NDArray.full(d.inputShape, 0, g!.dtype);
    diagonalView(out, d).assign(g!.values());
    return out;
  },
  backward: (gg, ctx) => [F.diagonal(gg, ctx.attrs.offset, ctx.attrs.dim1, ctx.attrs.dim2)],
});

export const trace = defineOp<{ inputShape: readonly number[] }>({
  name: 'trace',
  gradFn: 'TraceBackward0',
  symbolic: {
    kind: 'linear',
    linear: (_inputs, { inputShape }: { inputShape: readonly number[] }) => {
      const [n, m] = inputShape as [number, number];
      return { terms: [Array.from({ length: Math.min(n, m) }, (_, i) => [0, i * m + i, 1] as LinearTerm)] };
    },
  },
  dtype: 'first',
  forward: ([a]) => {
    const [n, m] = a!.shape as [number, number];
    const xs = a!.values();
    let s = 0;
    for (let i = 0; i < Math.min(n, m); i++) s += xs[i * m + i]!;
    return NDArray.scalar(s, a!.dtype === 'bool' ? 'int64' : a!.dtype);
  },
  // trace_backward: zeros(n * m).index_fill_(0, arange(0, n * m, m + 1), grad).view(n, m).
  backward: (g, ctx) => {
    const [n, m] = ctx.attrs.inputShape as [number, number];
    const flat = F.zerosOfShape([n * m], g.dtype);
    const positions = Array.from({ length: Math.min(n, m) }, (_, i) => i * (m + 1));
    return [F.view(F.indexFillInPlace(flat, 0, positions, g), [n, m])];
  },
});
