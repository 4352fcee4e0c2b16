/**
 * Which input elements make each output element, for the ops the trace
 * follows element by element. Indices are row-major.
 */
import type { Tensor } from '../autograd/tensor.js';
import { NDArray } from '../tensor/ndarray.js';
import * as S from '../tensor/shape.js';
import type { Location } from './trace.js';

/** The input element (of shape `inShape`) broadcast to output element k (of `outShape`). */
export function broadcastIndex(outShape: readonly number[], inShape: readonly number[]): (k: number) => number {
  const lead = outShape.length - inShape.length;
  const inStrides = inShape.map((_, i) => inShape.slice(i + 1).reduce((p, d) => p * d, 1));
  return (k) => {
    let rest = k;
    let idx = 0;
    for (let d = outShape.length - 1; d >= 0; d--) {
      const size = outShape[d]!;
      const coord = rest % size;
      rest = Math.floor(rest / size);
      const j = d - lead;
      if (j >= 0 && inShape[j] !== 1) idx += coord * inStrides[j]!;
    }
    return idx;
  };
}

/** Where element `index` (row-major) of `t` lives now. */
export function locationOf(t: Tensor, index: number): Location {
  const { shape, strides, offset, buffer } = t.array;
  let rest = index;
  let at = offset;
  for (let d = shape.length - 1; d >= 0; d--) {
    at += (rest % shape[d]!) * strides[d]!;
    rest = Math.floor(rest / shape[d]!);
  }
  return { buffer, offset: at };
}

/** For each output element of a sum over `dims`, the input elements summed into it. */
export function reductionGroups(shape: readonly number[], dims: readonly number[]): number[][] {
  const count = shape.reduce((p, d, i) => (dims.includes(i) ? p : p * d), 1);
  const groups: number[][] = Array.from({ length: count }, () => []);
  const total = shape.reduce((p, d) => p * d, 1);
  for (let i = 0; i < total; i++) {
    let rest = i;
    let out = 0;
    let mult = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const coord = rest % shape[d]!;
      rest = Math.floor(rest / shape[d]!);
      if (!dims.includes(d)) {
        out += coord * mult;
        mult *= shape[d]!;
      }
    }
    groups[out]!.push(i);
  }
  return groups;
}

/** For each output element of mm/mv/dot, the (a, b) element pairs multiplied and summed. */
export function productPairs(aShape: readonly number[], bShape: readonly number[]): [number, number][][] {
  const [n, k] = aShape.length === 1 ? [1, aShape[0]!] : [aShape[0]!, aShape[1]!];
  const m = bShape.length === 1 ? 1 : bShape[1]!;
  const out: [number, number][][] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      out.push(Array.from({ length: k }, (_, p) => [i * k + p, p * m + j] as [number, number]));
    }
  }
  return out;
}

export interface ScatterAttrs {
  dim: number;
  index?: number;
  start?: number | null;
  stop?: number | null;
  step?: number;
  inputShape: number[];
}

/** The backward of indexing: which input element lands on each output element (others are 0). */
export function scatterSources(s: ScatterAttrs): Map<number, number> {
  const n = s.inputShape.reduce((p, d) => p * d, 1);
  const linear = NDArray.fromValues(Array.from({ length: n }, (_, i) => i), s.inputShape, 'float64');
  const region = s.index !== undefined ? S.select(linear, s.dim, s.index) : S.slice(linear, s.dim, s.start ?? null, s.stop ?? null, s.step ?? 1);
  const target = new Map<number, number>();
  region.values().forEach((outIndex, r) => target.set(outIndex, r));
  return target;
}
