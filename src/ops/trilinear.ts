/**
 * `_trilinear`, what PyTorch's bilinear runs (and its own backward, three
 * more `_trilinear` calls): the inputs are unsqueezed at their `expand`
 * dims to one rank, multiplied, and summed over `sumdim`, the loop unrolled
 * along `unroll_dim`. PyTorch multiplies the first two inputs and sums over
 * the summed dims the third lacks (`sumproduct_pair`, a bmm), then does the
 * same with the third over the rest, and adds each unrolled slice into a
 * zero output. A bmm sums its products one after another from 0 (the naive
 * kernel and the reference BLAS alike), so each step below is one rounded
 * product or one sequential sum in the dtype, in PyTorch's order.
 */
import type { Tensor } from '../autograd/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { NDArray, numelOf } from '../tensor/ndarray.js';
import { boundTerms, defineOp, type Group } from './registry.js';
import * as F from './functional.js';

export interface TrilinearDims {
  expand1: readonly number[];
  expand2: readonly number[];
  expand3: readonly number[];
  sumdim: readonly number[];
  unrollDim: number;
}

interface Layout {
  /** Per input, the element stride of each dim of the common rank (0 where it is expanded or of size 1). */
  strides: number[][];
  /** Sizes of the common rank: a summed dim keeps its size here. */
  sizes: number[];
  summed: boolean[];
  /** Summed dims the third input lacks (summed with the first product), and the ones it has. */
  sum12: number[];
  sum23: number[];
  outShape: number[];
}

function layout(shapes: readonly (readonly number[])[], d: TrilinearDims): Layout {
  const total = shapes[0]!.length + d.expand1.length;
  const expands = [d.expand1, d.expand2, d.expand3].map((e) => new Set(e));
  const summed = Array.from({ length: total }, (_, i) => d.sumdim.includes(i));
  const sizes: number[] = [];
  const strides: number[][] = [[], [], []];
  const next = [0, 0, 0];
  for (let i = 0; i < total; i++) {
    let size = 0;
    shapes.forEach((shape, t) => {
      if (expands[t]!.has(i)) return;
      size = shape[next[t]!]!;
      next[t]!++;
    });
    sizes.push(size);
  }
  shapes.forEach((shape, t) => {
    let dim = shape.length;
    let step = 1;
    for (let i = total - 1; i >= 0; i--) {
      if (expands[t]!.has(i)) strides[t]![i] = 0;
      else {
        const n = shape[--dim]!;
        strides[t]![i] = n === 1 ? 0 : step;
        step *= n;
      }
    }
  });
  const sumOf = (has3: boolean) => sizes.map((_, i) => i).filter((i) => summed[i] && i !== d.unrollDim && expands[2]!.has(i) !== has3);
  return { strides, sizes, summed, sum12: sumOf(false), sum23: sumOf(true), outShape: sizes.filter((_, i) => !summed[i]) };
}

/** Every index of `dims` (row-major in the order given), written into `idx` in turn. */
function* indices(idx: number[], dims: readonly number[], sizes: readonly number[]): Generator<void> {
  if (dims.some((dim) => sizes[dim] === 0)) return;
  for (const dim of dims) idx[dim] = 0;
  for (;;) {
    yield;
    let k = dims.length - 1;
    for (; k >= 0; k--) {
      const dim = dims[k]!;
      if (++idx[dim]! < sizes[dim]!) break;
      idx[dim] = 0;
    }
    if (k < 0) return;
  }
}

/** Each output element in row-major order: `idx` holds its index (summed dims at 0). */
function eachOutput(l: Layout, visit: (idx: number[]) => void): void {
  const idx = l.sizes.map(() => 0);
  const outDims = l.sizes.map((_, i) => i).filter((i) => !l.summed[i]);
  for (const _ of indices(idx, outDims, l.sizes)) visit(idx);
}

const offset = (strides: readonly number[], idx: readonly number[]) => {
  let o = 0;
  for (let i = 0; i < idx.length; i++) o += strides[i]! * idx[i]!;
  return o;
};

function forward(arrays: readonly NDArray[], d: TrilinearDims, dtype: DType): NDArray {
  const l = layout(arrays.map((a) => a.shape), d);
  const [v1, v2, v3] = arrays.map((a) => a.values()) as [Float64Array, Float64Array, Float64Array];
  const [s1, s2, s3] = l.strides as [number[], number[], number[]];
  const round = dtype === 'float32' ? Math.fround : (v: number) => v;
  const empty = arrays.some((a) => a.numel === 0);
  const out: number[] = [];
  eachOutput(l, (idx) => {
    // sumproduct_pair: a plain product without summed dims, else a bmm's sum from 0.
    const pair1 = (): number => {
      if (!l.sum12.length) return round(v1[offset(s1, idx)]! * v2[offset(s2, idx)]!);
      let acc = 0;
      for (const _ of indices(idx, l.sum12, l.sizes)) acc = round(acc + round(v1[offset(s1, idx)]! * v2[offset(s2, idx)]!));
      return acc;
    };
    const pair2 = (): number => {
      if (!l.sum23.length) return round(pair1() * v3[offset(s3, idx)]!);
      let acc = 0;
      for (const _ of indices(idx, l.sum23, l.sizes)) acc = round(acc + round(pair1() * v3[offset(s3, idx)]!));
      return acc;
    };
    // Each unrolled slice is added into the zero output (`0 + x`, so -0 becomes 0).
    let acc = 0;
    if (!empty) {
      if (l.summed[d.unrollDim]) for (const _ of indices(idx, [d.unrollDim], l.sizes)) acc = round(acc + pair2());
      else acc = round(acc + pair2());
    }
    out.push(acc);
  });
  return NDArray.fromValues(out, l.outShape, dtype);
}

/**
 * Per output element, its products as slots of its members (each input
 * element once): the key `trilinear:a.b.c,…` names the form, the same for
 * every element of a call.
 */
function groups(arrays: readonly NDArray[], d: TrilinearDims): Group[] {
  const l = layout(arrays.map((a) => a.shape), d);
  const perElement = [d.unrollDim, ...l.sum12, ...l.sum23].filter((i) => l.summed[i]);
  const count = arrays.some((a) => a.numel === 0) ? 0 : numelOf(perElement.map((i) => l.sizes[i]!));
  boundTerms(numelOf(l.outShape) * count * 3, '_trilinear');
  const result: Group[] = [];
  eachOutput(l, (idx) => {
    const members: [number, number][] = [];
    const slots = new Map<string, number>();
    const slot = (input: number, element: number) => {
      const name = `${input}:${element}`;
      let s = slots.get(name);
      if (s === undefined) slots.set(name, (s = members.push([input, element]) - 1));
      return s;
    };
    const products: string[] = [];
    if (count > 0) {
      for (const _ of indices(idx, perElement, l.sizes)) products.push(l.strides.map((st, t) => slot(t, offset(st, idx))).join('.'));
    }
    result.push({ members, key: `trilinear:${products.join(',')}` });
  });
  return result;
}

const productsForm = (key: string): string => {
  const products = key.slice('trilinear:'.length);
  if (!products) return '0';
  return products.split(',').map((p) => p.split('.').map((s) => `m${s}`).join(' * ')).join(' + ');
};

export const trilinear = defineOp<TrilinearDims>({
  name: 'trilinear',
  gradFn: 'TrilinearBackward0',
  dtype: 'first',
  symbolic: { kind: 'group', groups: (inputs, d: TrilinearDims) => groups(inputs, d), form: productsForm },
  saves: [
    { name: 'i1', input: 0 },
    { name: 'i2', input: 1 },
    { name: 'i3', input: 2 },
  ],
  forward: (inputs, d, dtype) => forward(inputs, d, dtype),
  // _trilinear_backward: each gradient is a _trilinear of the other two inputs, the roles of the dim lists exchanged.
  backward: (g, ctx) => {
    const { expand1, expand2, expand3, sumdim } = ctx.attrs;
    const [i1, i2, i3] = ['i1', 'i2', 'i3'].map((n) => ctx.saved(n)) as [Tensor, Tensor, Tensor];
    return [
      ctx.needsInputGrad(0) ? F.trilinear(g, i2, i3, { expand1: sumdim, expand2, expand3, sumdim: expand1, unrollDim: 1 }) : null,
      ctx.needsInputGrad(1) ? F.trilinear(i1, g, i3, { expand1, expand2: sumdim, expand3, sumdim: expand2, unrollDim: 1 }) : null,
      ctx.needsInputGrad(2) ? F.trilinear(i1, i2, g, { expand1, expand2, expand3: sumdim, sumdim: expand3, unrollDim: 1 }) : null,
    ];
  },
});
