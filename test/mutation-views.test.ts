/**
 * The view ops' backward (src/ops/views.ts) on shapes where a wrong inverse
 * shows: 3-D tensors, negative dims, non-symmetric permutations, strided
 * slices, leading expand dims; first derivatives against finite
 * differences, second derivatives through create_graph (the backward ops'
 * own backward: select_backward, slice_backward), and views sharing
 * storage and version counter with their base. Part of the mutation-testing
 * set.
 */
import { describe, expect, it } from 'vitest';
import { autograd, noGrad, tensor, Tensor } from '../src/index.js';
import { ops as F } from '../src/ops/index.js';

type Fn = (x: Tensor) => Tensor;

const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
/** 24 distinct values, shaped 2×3×4. */
const x3 = () => F.reshape(noGrad(() => tensor(range(24, (i) => 0.3 + 0.1 * i * (i % 3 === 0 ? -1 : 1)), { dtype: 'float64' })), [2, 3, 4]);
const leaf = (t: Tensor) => {
  const l = tensor(t.tolist() as number[], { dtype: 'float64', requiresGrad: true });
  return l;
};

/** Σ w·f(x) with distinct weights, so a gradient in the wrong place shows. */
function objective(f: Fn, x: Tensor): Tensor {
  const y = f(x);
  const w = F.reshape(tensor(range(y.numel, (i) => 1 + 0.5 * i), { dtype: 'float64' }), [...y.shape]);
  return F.sum(F.mul(y, w));
}

function numeric(f: Fn, x: Tensor): number[] {
  const base = Array.from(x.array.values());
  return base.map((v, k) => {
    const at = (d: number) => {
      const moved = base.slice();
      moved[k] = v + d;
      const t = F.reshape(tensor(moved, { dtype: 'float64', requiresGrad: true }), [...x.shape]);
      return objective(f, t).item();
    };
    return (at(1e-6) - at(-1e-6)) / 2e-6;
  });
}

function gradcheck(f: Fn, x: Tensor) {
  const [g] = autograd.grad(objective(f, x), x);
  expect(g!.shape).toEqual(x.shape);
  const got = Array.from(g!.array.values());
  numeric(f, x).forEach((n, k) => expect(Math.abs(got[k]! - n)).toBeLessThan(1e-5 * Math.max(1, Math.abs(n))));
}

const VIEWS: [string, Fn][] = [
  ['view', (x) => F.view(x, [4, 6])],
  ['view -1', (x) => F.view(x, [-1, 8])],
  ['reshape (alias)', (x) => F.reshape(x, [6, 4])],
  ['reshape of a transpose (unsafe view)', (x) => F.reshape(F.transpose(x, 0, 2), [4, 6])],
  ['t of a matrix', (x) => F.t(F.reshape(x, [4, 6]))],
  ['t of a vector', (x) => F.t(F.reshape(x, [24]))],
  ['permute cycle', (x) => F.permute(x, [1, 2, 0])],
  ['permute cycle, other way', (x) => F.permute(x, [2, 0, 1])],
  ['permute negative dims', (x) => F.permute(x, [-1, 0, -2])],
  ['transpose 0 2', (x) => F.transpose(x, 0, 2)],
  ['transpose negative', (x) => F.transpose(x, -1, 1)],
  ['unsqueeze middle', (x) => F.unsqueeze(x, 1)],
  ['unsqueeze last', (x) => F.unsqueeze(x, -1)],
  ['squeeze all', (x) => F.squeeze(F.unsqueeze(F.unsqueeze(x, 3), 0))],
  ['squeeze one dim', (x) => F.squeeze(F.unsqueeze(F.unsqueeze(x, 3), 0), 3)],
  ['squeeze a dim that is not 1', (x) => F.squeeze(x, 1)],
  ['expand leading', (x) => F.expand(x, [2, 2, 3, 4])],
  ['expand a size-1 dim', (x) => F.expand(F.sum(x, [1], true), [2, 5, 4])],
  ['expand -1', (x) => F.expand(F.unsqueeze(x, 0), [3, -1, -1, -1])],
  ['select', (x) => F.select(x, 1, 2)],
  ['select negative', (x) => F.select(x, -1, -3)],
  ['slice with step', (x) => F.slice(x, { dim: 2, start: 1, stop: null, step: 2 })],
  ['slice start stop', (x) => F.slice(x, { dim: 1, start: 1, stop: 3, step: 1 })],
  ['slice negative bounds', (x) => F.slice(x, { dim: -1, start: -3, stop: -1, step: 1 })],
  ['clone', (x) => F.clone(x)],
  ['vector @ matrix', (x) => F.matmul(F.select(F.select(x, 0, 0), 0, 1), F.reshape(F.select(x, 0, 1), [4, 3]))],
];

describe('view ops: backward against finite differences', () => {
  for (const [name, f] of VIEWS) {
    it(name, () => gradcheck(f, F.reshape(leaf(F.reshape(x3(), [24])), [2, 3, 4])));
  }
});

describe('view ops: second derivatives through create_graph', () => {
  for (const [name, f] of VIEWS) {
    it(name, () => {
      const cube: Fn = (x) => F.pow(f(x), 3);
      const first: Fn = (x) => autograd.grad(objective(cube, x), x, [], { createGraph: true })[0]!;
      gradcheck(first, F.reshape(leaf(F.reshape(x3(), [24])), [2, 3, 4]));
    });
  }
});

describe('views share storage and version counter with their base', () => {
  const SHARING: [string, Fn][] = VIEWS.filter(([n]) => !/unsafe|clone|size-1|@/.test(n));
  for (const [name, f] of SHARING) {
    it(name, () => {
      const base = F.mul(leaf(F.reshape(x3(), [24])), 1);
      const shaped = F.reshape(base, [2, 3, 4]);
      const v = f(shaped);
      expect(v.base).toBe(base);
      noGrad(() => F.mulInPlace(base, 2));
      expect(v.version).toBe(1);
      expect(v.array.buffer).toBe(base.array.buffer);
    });
  }

  it('a write through a view of a non-leaf reaches the base and its gradient (CopySlices)', () => {
    const a = leaf(F.reshape(x3(), [24]));
    const base = F.mul(F.reshape(a, [2, 3, 4]), 1);
    const col = F.select(F.transpose(base, 0, 2), 0, 1); // base[:, :, 1], transposed: a strided region
    F.mulInPlace(col, 10);
    expect(base.gradFn!.name).toBe('CopySlices');
    expect(col.gradFn!.name).toBe('AsStridedBackward0');
    const [g] = autograd.grad(F.sum(base), a);
    // PyTorch 1.13: 10 where i % 4 == 1, else 1.
    expect(g!.tolist()).toEqual(range(24, (i) => (i % 4 === 1 ? 10 : 1)));
  });

  it('the gradient of the view itself after the write (AsStridedBackward0) lands in the region', () => {
    const a = leaf(F.reshape(x3(), [24]));
    const base = F.mul(F.reshape(a, [2, 3, 4]), 1);
    const row = F.slice(F.select(F.select(base, 0, 1), 0, 2), { dim: 0, start: 1, stop: null, step: 2 }); // base[1][2][1::2]
    F.addInPlace(row, 1);
    const [g] = autograd.grad(F.sum(F.mul(row, tensor([3, 5], { dtype: 'float64' }))), a);
    // PyTorch 1.13: 3 at 21, 5 at 23.
    expect(g!.tolist()).toEqual(range(24, (i) => (i === 21 ? 3 : i === 23 ? 5 : 0)));
  });

  it('a view made under no_grad of a tensor that requires grad requires grad, yet fills no .grad', () => {
    const a = tensor([1, 2, 3], { requiresGrad: true });
    const v = noGrad(() => F.view(a, [3]));
    expect(v.requiresGrad).toBe(true);
    expect(v.isLeaf).toBe(true);
    expect(v.base).toBe(a);
    const c = noGrad(() => F.clone(a));
    expect(c.requiresGrad).toBe(false);
    F.sum(F.mul(v, 2)).backward();
    expect(a.grad).toBe(null);
    expect(v.grad).toBe(null);
  });
});

describe('dtypes through views and copies', () => {
  it('to() is the tensor itself when the dtype matches, a ToCopy otherwise, with the gradient cast back', () => {
    const a = tensor([1.5, 2.25], { requiresGrad: true });
    expect(F.to(a, 'float32')).toBe(a);
    const d = F.to(a, 'float64');
    expect(d.dtype).toBe('float64');
    F.sum(F.mul(d, tensor([0.1, 3], { dtype: 'float64' }))).backward();
    expect(a.grad!.dtype).toBe('float32');
    expect(Array.from(a.grad!.array.values())).toEqual([Math.fround(0.1), 3]);
  });

  it('views keep an int or bool tensor\'s dtype; copy_ casts into self\'s dtype', () => {
    const i = tensor([[1, 2], [3, 4]], { dtype: 'int64' });
    for (const v of [F.t(i), F.view(i, [4]), F.select(i, 0, 1), F.unsqueeze(i, 0), F.expand(F.select(i, 0, 0), [3, 2]), F.clone(i), F.sum(i, [0])]) {
      expect(v.dtype).toBe('int64');
    }
    const b = F.compare('gt', i, 2);
    expect(F.t(b).dtype).toBe('bool');
    expect(F.reshape(F.t(b), [4]).dtype).toBe('bool');
    const target = tensor([0, 0], { dtype: 'int64' });
    F.copyInPlace(target, tensor([1.75, -2.5]));
    expect(target.dtype).toBe('int64');
    expect(target.tolist()).toEqual([1, -2]);
    const f = tensor([0, 0]);
    F.copyInPlace(f, tensor([0.1, 2], { dtype: 'float64' }));
    expect(Array.from(f.array.values())).toEqual([Math.fround(0.1), 2]);
    F.fillInPlace(target, 2.75);
    expect(target.tolist()).toEqual([2, 2]);
  });
});
