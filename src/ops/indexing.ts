/**
 * Ops that pick, scatter and overwrite elements by index: gather, scatter,
 * scatter_add, index_select, index_add, masked_fill, and advanced indexing
 * (`t[idx]`, `t[mask]`: index; `t[mask] = v`: index_put). The index
 * arithmetic is done once by the functional API (functional-more.ts) and
 * handed over as attributes (`positions`: for each element of the index,
 * the row-major position it addresses), so the forward, the backward and
 * the symbolic map (`linear`) read the same pairing.
 */
import { runtimeError } from '../tensor/errors.js';
import { broadcastShapes, broadcastTo, NDArray } from '../tensor/ndarray.js';
import { unravel, ravel } from '../tensor/index-kernels.js';
import * as F from './functional.js';
import { defineOp, type LinearTerm } from './registry.js';

/** A pairing of index elements with the positions they address in a tensor of `shape`. */
export interface IndexPairing {
  dim: number;
  /** The index tensor (int64), kept for the backward ops that index again. */
  index: NDArray;
  /** Per index element: the position it addresses in `shape`. */
  positions: Int32Array;
  /** The shape the positions live in (self's). */
  shape: readonly number[];
}


/** Per index element k: the row-major position in `src` of the element with k's coordinates. */
function srcPositions(index: NDArray, srcShape: readonly number[]): Int32Array {
  const out = new Int32Array(index.numel);
  for (let k = 0; k < out.length; k++) out[k] = index.shape.length === 0 ? 0 : ravel(unravel(k, index.shape), srcShape);
  return out;
}

/** Which index element last writes each position (the writes run in row-major order). */
function lastWriter(positions: Int32Array): Map<number, number> {
  const last = new Map<number, number>();
  positions.forEach((p, k) => last.set(p, k));
  return last;
}

/** The writes a later write to the same position overwrote, by position: their gradient-only terms. */
function overwritten(positions: Int32Array, n: number, term: (k: number) => LinearTerm): LinearTerm[][] {
  const last = lastWriter(positions);
  const out: LinearTerm[][] = Array.from({ length: n }, () => []);
  positions.forEach((pos, k) => {
    if (last.get(pos) !== k) out[pos]!.push(term(k));
  });
  return out;
}

// gather: out[k] = self[positions[k]], out has the index's shape.

export const gather = defineOp<IndexPairing>({
  name: 'gather',
  gradFn: 'GatherBackward0',
  symbolic: { kind: 'linear', linear: (_inputs, p: IndexPairing) => ({ terms: Array.from(p.positions, (pos) => [[0, pos, 1] as LinearTerm]) }) },
  dtype: 'first',
  saves: [{ name: 'self', input: 0 }],
  forward: ([a], p) => {
    const xs = a!.values();
    return NDArray.fromValues(Array.from(p.positions, (pos) => xs[pos]!), p.index.shape, a!.dtype);
  },
  backward: (g, ctx) => [F.scatterAdd(F.zerosOfShape(ctx.attrs.shape, g.dtype), ctx.attrs.dim, ctx.attrs.index, g)],
});

// scatter: self with src's elements (or a value) written at the positions.

export interface ScatterPairing extends IndexPairing {
  /** Per index element: its position in src. */
  sources: Int32Array;
}

export const scatter = defineOp<ScatterPairing>({
  name: 'scatter',
  gradFn: 'ScatterBackward0',
  symbolic: {
    kind: 'linear',
    linear: ([self], p: ScatterPairing) => {
      const last = lastWriter(p.positions);
      return {
        terms: Array.from({ length: self!.numel }, (_, k) => {
          const w = last.get(k);
          return w === undefined ? [[0, k, 1] as LinearTerm] : [[0, k, 0] as LinearTerm, [1, p.sources[w]!, 1] as LinearTerm];
        }),
        gradientOnly: overwritten(p.positions, self!.numel, (k) => [1, p.sources[k]!, 1]),
      };
    },
  },
  dtype: 'first',
  forward: ([self, src], p) => {
    const out = self!.values();
    const xs = src!.values();
    p.positions.forEach((pos, k) => (out[pos] = xs[p.sources[k]!]!));
    return NDArray.fromValues(out, self!.shape, self!.dtype);
  },
  backward: (g, ctx) => [
    ctx.needsInputGrad(0) ? F.scatterValue(g, ctx.attrs.dim, ctx.attrs.index, 0) : null,
    ctx.needsInputGrad(1) ? F.gather(g, ctx.attrs.dim, ctx.attrs.index) : null,
  ],
});

export const scatterValue = defineOp<IndexPairing & { value: number }>({
  name: 'scatter_value',
  gradFn: 'ScatterBackward1',
  symbolic: {
    kind: 'linear',
    linear: ([self], p: IndexPairing & { value: number }, out) => {
      const targets = new Set(p.positions);
      const values = out.values();
      return {
        terms: Array.from({ length: self!.numel }, (_, k) => [[0, k, targets.has(k) ? 0 : 1] as LinearTerm]),
        constants: Array.from(values, (v, k) => (targets.has(k) ? v : 0)),
      };
    },
  },
  dtype: 'first',
  forward: ([self], p) => {
    const out = self!.values();
    for (const pos of p.positions) out[pos] = p.value;
    return NDArray.fromValues(out, self!.shape, self!.dtype);
  },
  backward: (g, ctx) => [F.scatterValue(g, ctx.attrs.dim, ctx.attrs.index, 0)],
});

export const scatterAdd = defineOp<ScatterPairing>({
  name: 'scatter_add',
  gradFn: 'ScatterAddBackward0',
  symbolic: {
    kind: 'linear',
    linear: ([self], p: ScatterPairing) => {
      const terms: LinearTerm[][] = Array.from({ length: self!.numel }, (_, k) => [[0, k, 1]]);
      p.positions.forEach((pos, k) => terms[pos]!.push([1, p.sources[k]!, 1]));
      return { terms };
    },
  },
  dtype: 'first',
  forward: ([self, src], p) => {
    const out = self!.values();
    const xs = src!.values();
    p.positions.forEach((pos, k) => (out[pos]! += xs[p.sources[k]!]!));
    return NDArray.fromValues(out, self!.shape, self!.dtype);
  },
  backward: (g, ctx) => [
    ctx.needsInputGrad(0) ? g : null,
    ctx.needsInputGrad(1) ? F.gather(g, ctx.attrs.dim, ctx.attrs.index) : null,
  ],
});

// index_select along dim, and index_add (its backward).

export const indexSelect = defineOp<IndexPairing & { outShape: readonly number[] }>({
  name: 'index_select',
  gradFn: 'IndexSelectBackward0',
  symbolic: { kind: 'linear', linear: (_inputs, p: IndexPairing) => ({ terms: Array.from(p.positions, (pos) => [[0, pos, 1] as LinearTerm]) }) },
  dtype: 'first',
  forward: ([a], p) => {
    const xs = a!.values();
    return NDArray.fromValues(Array.from(p.positions, (pos) => xs[pos]!), p.outShape, a!.dtype);
  },
  backward: (g, ctx) => [F.indexAddInPlace(F.zerosOfShape(ctx.attrs.shape, g.dtype), ctx.attrs.dim, ctx.attrs.index, g)],
});

/** `self.index_add_(dim, index, source)`: positions pair source's elements (row-major) with self's. */
export const indexAdd = defineOp<IndexPairing>({
  name: 'index_add',
  gradFn: 'IndexAddBackward0',
  symbolic: {
    kind: 'linear',
    linear: ([self], p: IndexPairing) => {
      const terms: LinearTerm[][] = Array.from({ length: self!.numel }, (_, k) => [[0, k, 1]]);
      p.positions.forEach((pos, k) => terms[pos]!.push([1, k, 1]));
      return { terms };
    },
  },
  dtype: 'first',
  forward: ([self, source], p) => {
    const out = self!.values();
    const xs = source!.values();
    p.positions.forEach((pos, k) => (out[pos]! += xs[k]!));
    return NDArray.fromValues(out, self!.shape, self!.dtype);
  },
  backward: (g, ctx) => [ctx.needsInputGrad(0) ? g : null, ctx.needsInputGrad(1) ? F.indexSelect(g, ctx.attrs.dim, ctx.attrs.index) : null],
});

/** `self.index_fill_(dim, index, value)` with a 0-d tensor value (trace's backward): positions are self's. */
export const indexFill = defineOp<{ dim: number; positions: Int32Array }>({
  name: 'index_fill',
  gradFn: 'IndexFillBackward1',
  symbolic: {
    kind: 'linear',
    linear: ([self], p: { positions: Int32Array }) => {
      const filled = new Set(p.positions);
      return { terms: Array.from({ length: self!.numel }, (_, k) => (filled.has(k) ? [[0, k, 0], [1, 0, 1]] : [[0, k, 1]]) as LinearTerm[]) };
    },
  },
  dtype: 'first',
  forward: ([self, value], p) => {
    const out = self!.values();
    for (const pos of p.positions) out[pos] = value!.item();
    return NDArray.fromValues(out, self!.shape, self!.dtype);
  },
  backward: (g, ctx) => {
    const mask = new Float64Array(g.numel);
    for (const pos of ctx.attrs.positions) mask[pos] = 1;
    const filled = F.fromArray(NDArray.fromValues(mask, g.shape, 'bool'));
    return [ctx.needsInputGrad(0) ? F.maskedFill(g, filled, 0) : null, ctx.needsInputGrad(1) ? F.sum(F.where(filled, g, 0)) : null];
  },
});

// masked_fill: the masked elements take a value (a number, or a 0-d tensor).

/** Self broadcast with the mask: the result's shape and, per element, whether the mask is set. */
function maskOf(self: NDArray, mask: NDArray): { shape: number[]; set: Float64Array } {
  const shape = broadcastShapes(self.shape, mask.shape);
  return { shape, set: broadcastTo(mask, shape).values() };
}

function maskedLinear(valueInput: boolean) {
  return ([self, mask]: readonly NDArray[], _attrs: unknown, out: NDArray) => {
    const { shape, set } = maskOf(self!, mask!);
    const fromSelf = broadcastIndexer(self!.shape, shape);
    const values = out.values();
    return {
      terms: Array.from(set, (m, k): LinearTerm[] => {
        const own: LinearTerm = [0, fromSelf(k), m ? 0 : 1];
        return m && valueInput ? [own, [2, 0, 1]] : [own];
      }),
      constants: valueInput ? undefined : Array.from(set, (m, k) => (m ? values[k]! : 0)),
    };
  };
}

/** Row-major index into `from` (broadcast to `to`) of element k of `to`. */
function broadcastIndexer(from: readonly number[], to: readonly number[]): (k: number) => number {
  const lead = to.length - from.length;
  return (k) => ravel(unravel(k, to).slice(lead).map((c, i) => (from[i] === 1 ? 0 : c)), from);
}

function maskedFillForward(self: NDArray, mask: NDArray, value: number): NDArray {
  const { shape, set } = maskOf(self, mask);
  const xs = broadcastTo(self, shape).values();
  return NDArray.fromValues(Array.from(xs, (x, k) => (set[k] ? value : x)), shape, self.dtype);
}

export const maskedFill = defineOp<{ value: number }>({
  name: 'masked_fill',
  gradFn: 'MaskedFillBackward0',
  symbolic: { kind: 'linear', linear: maskedLinear(false) },
  dtype: 'first',
  saves: [{ name: 'mask', input: 1 }],
  forward: ([self, mask], { value }) => maskedFillForward(self!, mask!, value),
  backward: (g, ctx) => [F.maskedFill(g, ctx.saved('mask'), 0), null],
});

/** masked_fill with a 0-d tensor value (which may require grad). */
export const maskedFillTensor = defineOp({
  name: 'masked_fill_tensor',
  gradFn: 'MaskedFillBackward1',
  symbolic: { kind: 'linear', linear: maskedLinear(true) },
  dtype: 'first',
  saves: [{ name: 'mask', input: 1 }],
  forward: ([self, mask, value]) => maskedFillForward(self!, mask!, value!.item()),
  backward: (g, ctx) => {
    const mask = ctx.saved('mask');
    return [
      ctx.needsInputGrad(0) ? F.maskedFill(g, mask, 0) : null,
      null,
      ctx.needsInputGrad(2) ? F.sum(F.where(mask, g, 0)) : null,
    ];
  },
});

// Advanced indexing: `t[idx]` reads (index), `t[idx] = v` writes (index_put).

export interface IndexMap {
  /** Per result element: the row-major position in self it reads or writes. */
  sources: Int32Array;
  /** The result's shape (what a written value must broadcast to). */
  shape: readonly number[];
  /** Self's shape. */
  inputShape: readonly number[];
}

export const index = defineOp<IndexMap>({
  name: 'index',
  gradFn: 'IndexBackward0',
  symbolic: { kind: 'linear', linear: (_inputs, m: IndexMap) => ({ terms: Array.from(m.sources, (s) => [[0, s, 1] as LinearTerm]) }) },
  dtype: 'first',
  forward: ([a], m) => {
    const xs = a!.values();
    return NDArray.fromValues(Array.from(m.sources, (s) => xs[s]!), m.shape, a!.dtype);
  },
  backward: (g, ctx) => [F.indexPutAccumulate(F.zerosOfShape(ctx.attrs.inputShape, g.dtype), ctx.attrs, g)],
});

/** The value written at each target: `values` broadcast to the indexing result's shape, with PyTorch's error. */
function valuesAt(values: NDArray, shape: readonly number[]): Float64Array {
  try {
    if (broadcastShapes(values.shape, shape).join() !== shape.join()) throw new Error();
  } catch {
    throw runtimeError(`shape mismatch: value tensor of shape [${values.shape.join(', ')}] cannot be broadcast to indexing result of shape [${shape.join(', ')}]`);
  }
  return broadcastTo(values, shape).values();
}

export const indexPut = defineOp<IndexMap>({
  name: 'index_put',
  gradFn: 'IndexPutBackward0',
  symbolic: {
    kind: 'linear',
    linear: ([self, values], m: IndexMap) => {
      const writer = lastWriter(m.sources);
      const fromValues = broadcastIndexer(values!.shape, m.shape);
      return {
        terms: Array.from({ length: self!.numel }, (_, k) => {
          const w = writer.get(k);
          return w === undefined ? [[0, k, 1] as LinearTerm] : [[0, k, 0] as LinearTerm, [1, fromValues(w), 1] as LinearTerm];
        }),
        gradientOnly: overwritten(m.sources, self!.numel, (k) => [1, fromValues(k), 1]),
      };
    },
  },
  dtype: 'first',
  forward: ([self, values], m) => {
    const out = self!.values();
    const vs = valuesAt(values!, m.shape);
    m.sources.forEach((s, k) => (out[s] = vs[k]!));
    return NDArray.fromValues(out, self!.shape, self!.dtype);
  },
  backward: (g, ctx) => [
    ctx.needsInputGrad(0) ? F.indexPut(g, ctx.attrs, F.zerosOfShape([], g.dtype)) : null,
    ctx.needsInputGrad(1) ? F.indexWith(g, ctx.attrs) : null,
  ],
});

/** `index_put_(…, accumulate=True)`: what index's backward runs on a zero tensor. */
export const indexPutImpl = defineOp<IndexMap>({
  name: 'index_put_impl',
  gradFn: 'IndexPutImplBackward0',
  symbolic: {
    kind: 'linear',
    linear: ([self, values], m: IndexMap) => {
      const fromValues = broadcastIndexer(values!.shape, m.shape);
      const terms: LinearTerm[][] = Array.from({ length: self!.numel }, (_, k) => [[0, k, 1]]);
      m.sources.forEach((s, k) => terms[s]!.push([1, fromValues(k), 1]));
      return { terms };
    },
  },
  dtype: 'first',
  forward: ([self, values], m) => {
    const out = self!.values();
    const vs = valuesAt(values!, m.shape);
    m.sources.forEach((s, k) => (out[s]! += vs[k]!));
    return NDArray.fromValues(out, self!.shape, self!.dtype);
  },
  backward: (g, ctx) => [ctx.needsInputGrad(0) ? g : null, ctx.needsInputGrad(1) ? F.indexWith(g, ctx.attrs) : null],
});

export { srcPositions };
