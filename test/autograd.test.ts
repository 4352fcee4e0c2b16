/**
 * The tape on its own: every op's backward against finite differences of
 * its forward (gradcheck), second derivatives through create_graph
 * (gradgradcheck), and the engine's bookkeeping (saved tensors, versions,
 * retain_graph, retain_grad, autograd.grad captures).
 */
import { describe, expect, it } from 'vitest';
import { autograd, noGrad, tensor, Tensor, ones, onesLike } from '../src/index.js';
import { ops as F } from '../src/ops/index.js';

type Fn = (...xs: Tensor[]) => Tensor;

/** Σ w·f(xs) with fixed weights, so every output element matters. */
function weightedSum(fn: Fn, xs: Tensor[]): Tensor {
  const y = fn(...xs);
  const w = tensor(Array.from({ length: y.numel }, (_, i) => 0.5 + 0.25 * i), { dtype: 'float64' });
  return F.sum(F.mul(y, F.reshape(w, [...y.shape])));
}

/** Central differences of Σ w·f with respect to every element of every input. */
function numericGrads(fn: Fn, xs: Tensor[]): number[][] {
  return xs.map((x, i) => {
    const base = Array.from(x.array.values());
    return base.map((v, k) => {
      const at = (d: number) => {
        const moved = xs.map((t, j) => {
          const vals = Array.from(t.array.values());
          if (j === i) vals[k] = v + d;
          return tensor(vals, { dtype: 'float64', requiresGrad: true });
        });
        // Grad mode stays on: a first derivative (create_graph) is itself a function to difference.
        return weightedSum(fn, moved).item();
      };
      const h = 1e-6 * Math.max(1, Math.abs(v));
      return (at(h) - at(-h)) / (2 * h);
    });
  });
}

function gradcheck(fn: Fn, xs: Tensor[]) {
  const grads = autograd.grad(weightedSum(fn, xs), xs, [], { allowUnused: true });
  const numeric = numericGrads(fn, xs);
  grads.forEach((g, i) => {
    const analytic = g ? Array.from(g.array.values()) : numeric[i]!.map(() => 0);
    analytic.forEach((a, k) => expect(a).toBeCloseTo(numeric[i]![k]!, 5));
  });
}

const cases: [string, Fn, number[][]][] = [
  ['add', (a, b) => F.add(a!, b!), [[1, -2, 3], [0.5, 0.25, -1]]],
  ['add broadcast', (a, b) => F.add(F.reshape(a!, [2, 3]), b!), [[1, -2, 3, 4, 5, 6], [0.5, 0.25, -1]]],
  ['sub', (a, b) => F.sub(a!, b!), [[1, -2], [0.5, 3]]],
  ['rsub', (a) => F.sub(2, a!), [[1, -2]]],
  ['mul', (a, b) => F.mul(a!, b!), [[1, -2, 3], [0.5, 0.25, -1]]],
  ['mul scalar', (a) => F.mul(a!, 3), [[1, -2]]],
  ['div', (a, b) => F.div(a!, b!), [[1, -2, 3], [0.5, 0.25, -1.5]]],
  ['rdiv', (a) => F.div(2, a!), [[1, -2]]],
  ['pow 3', (a) => F.pow(a!, 3), [[1.5, -2]]],
  ['pow 2.5', (a) => F.pow(a!, 2.5), [[1.5, 2]]],
  ['pow -2', (a) => F.pow(a!, -2), [[1.5, -2]]],
  ['pow tensor', (a, b) => F.pow(a!, b!), [[1.5, 2], [2, 0.5]]],
  ['rpow', (a) => F.pow(2, a!), [[1.5, -2]]],
  ['pow scalar base', (a) => F.powScalarBase(3, a!), [[1.5, -2]]],
  ['neg', (a) => F.neg(a!), [[1.5, -2]]],
  ['exp', (a) => F.exp(a!), [[0.5, -1]]],
  ['log', (a) => F.log(a!), [[0.5, 2]]],
  ['sin', (a) => F.sin(a!), [[0.5, -1]]],
  ['cos', (a) => F.cos(a!), [[0.5, -1]]],
  ['tan', (a) => F.tan(a!), [[0.5, -1]]],
  ['tanh', (a) => F.tanh(a!), [[0.5, -1]]],
  ['sigmoid', (a) => F.sigmoid(a!), [[0.5, -1]]],
  ['relu', (a) => F.relu(a!), [[0.5, -1]]],
  ['sqrt', (a) => F.sqrt(a!), [[0.5, 2]]],
  ['rsqrt', (a) => F.rsqrt(a!), [[0.5, 2]]],
  ['abs', (a) => F.abs(a!), [[0.5, -2]]],
  ['reciprocal', (a) => F.reciprocal(a!), [[0.5, -2]]],
  ['softplus', (a) => F.softplus(a!, 2, 20), [[0.5, -2, 30]]],
  ['clamp', (a) => F.clamp(a!, -1, 1), [[0.5, -2, 3]]],
  ['maximum', (a, b) => F.maximum(a!, b!), [[0.5, -2], [0.25, 1]]],
  ['minimum', (a, b) => F.minimum(a!, b!), [[0.5, -2], [0.25, 1]]],
  ['where', (a, b) => F.where(F.compare('gt', a!, 0), a!, b!), [[0.5, -2], [0.25, 1]]],
  ['sum', (a) => F.sum(a!), [[0.5, -2, 3]]],
  ['sum dim', (a) => F.sum(F.reshape(a!, [2, 3]), [1], true), [[0.5, -2, 3, 1, 2, 4]]],
  ['mean', (a) => F.mean(a!), [[0.5, -2, 3]]],
  ['mean dim', (a) => F.mean(F.reshape(a!, [2, 3]), [0]), [[0.5, -2, 3, 1, 2, 4]]],
  ['mm', (a, b) => F.mm(F.reshape(a!, [2, 3]), F.reshape(b!, [3, 2])), [[1, 2, 3, 4, 5, 6], [0.5, -1, 2, 0.25, 1, -2]]],
  ['mv', (a, b) => F.mv(F.reshape(a!, [2, 3]), b!), [[1, 2, 3, 4, 5, 6], [0.5, -1, 2]]],
  ['dot', (a, b) => F.dot(a!, b!), [[1, 2, 3], [0.5, -1, 2]]],
  ['vector @ matrix', (a, b) => F.matmul(a!, F.reshape(b!, [3, 2])), [[1, 2, 3], [0.5, -1, 2, 0.25, 1, -2]]],
  ['t', (a) => F.mul(F.t(F.reshape(a!, [2, 3])), F.reshape(tensor([1, 2, 3, 4, 5, 6], { dtype: 'float64' }), [3, 2])), [[1, 2, 3, 4, 5, 6]]],
  ['transpose', (a) => F.transpose(F.reshape(a!, [2, 3]), 0, 1), [[1, 2, 3, 4, 5, 6]]],
  ['permute', (a) => F.permute(F.reshape(a!, [2, 3]), [1, 0]), [[1, 2, 3, 4, 5, 6]]],
  ['view', (a) => F.view(a!, [3, 2]), [[1, 2, 3, 4, 5, 6]]],
  ['reshape of transpose', (a) => F.reshape(F.t(F.reshape(a!, [2, 3])), [6]), [[1, 2, 3, 4, 5, 6]]],
  ['unsqueeze squeeze', (a) => F.squeeze(F.unsqueeze(a!, 1)), [[1, 2, 3]]],
  ['expand', (a) => F.expand(F.unsqueeze(a!, 0), [2, 3]), [[1, 2, 3]]],
  ['select', (a) => F.select(F.reshape(a!, [2, 3]), 1, 2), [[1, 2, 3, 4, 5, 6]]],
  ['slice', (a) => F.slice(a!, { dim: 0, start: 1, stop: null, step: 2 }), [[1, 2, 3, 4, 5, 6]]],
  ['clone', (a) => F.clone(a!), [[1.5, 2]]],
];

describe('gradcheck: every op against finite differences of its forward', () => {
  for (const [name, fn, inputs] of cases) {
    it(name, () => gradcheck(fn, inputs.map((v) => tensor(v, { dtype: 'float64', requiresGrad: true }))));
  }
});

describe('gradgradcheck: second derivatives through create_graph', () => {
  const unary: [string, Fn][] = [
    ['tanh', (a) => F.tanh(a!)],
    ['sigmoid', (a) => F.sigmoid(a!)],
    ['exp', (a) => F.exp(a!)],
    ['sin', (a) => F.sin(a!)],
    ['log', (a) => F.log(a!)],
    ['sqrt', (a) => F.sqrt(a!)],
    ['pow 3', (a) => F.pow(a!, 3)],
    ['div', (a) => F.div(1, a!)],
    ['mul self', (a) => F.mul(a!, a!)],
  ];
  for (const [name, fn] of unary) {
    it(name, () => {
      const first: Fn = (x) => autograd.grad(F.sum(fn(x!)), x!, [], { createGraph: true })[0]!;
      gradcheck(first, [tensor([0.5, 1.25], { dtype: 'float64', requiresGrad: true })]);
    });
  }
});

describe('engine bookkeeping', () => {
  it('saves what PyTorch saves: x * w keeps x only if w needs a gradient', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const w = tensor([3, 4]);
    const y = F.mul(x, w);
    noGrad(() => x.add_(1));
    y.sum().backward();
    expect(x.grad!.tolist()).toEqual([3, 4]);
  });

  it('names the saved non-leaf and its grad_fn in the version error', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = F.mul(x, 2);
    const z = F.pow(y, 2);
    y.add_(1);
    expect(() => z.sum().backward()).toThrow(/\[torch\.FloatTensor \[2\]\], which is output 0 of AddBackward0, is at version 1; expected version 0 instead/);
  });

  it('retain_grad fills a non-leaf grad and accumulates it', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = F.mul(x, 3);
    h.retainGrad();
    const out = F.sum(F.mul(h, h));
    out.backward(null, { retainGraph: true });
    out.backward();
    expect(h.grad!.tolist()).toEqual([12, 24]);
    expect(x.grad!.tolist()).toEqual([36, 72]);
  });

  it('autograd.grad leaves .grad alone and captures non-leaf inputs', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = F.mul(x, 3);
    const [gh, gx] = autograd.grad(F.sum(F.pow(h, 2)), [h, x]);
    expect(gh!.tolist()).toEqual([6, 12]);
    expect(gx!.tolist()).toEqual([18, 36]);
    expect(x.grad).toBe(null);
  });

  it('allow_unused gives null; otherwise the unused error', () => {
    const x = tensor([1], { requiresGrad: true });
    const u = tensor([1], { requiresGrad: true });
    expect(autograd.grad(F.sum(F.mul(x, 2)), [x, u], [], { allowUnused: true, retainGraph: true })[1]).toBe(null);
    expect(() => autograd.grad(F.sum(F.mul(x, 2)), [u])).toThrow('appears to not have been used in the graph');
    expect(() => autograd.grad(F.sum(F.mul(x, 2)), [tensor([1])])).toThrow('One of the differentiated Tensors does not require grad');
  });

  it('a second backward through nodes without saved tensors succeeds and accumulates', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = F.sum(F.add(x, 1));
    y.backward();
    y.backward();
    expect(x.grad!.tolist()).toEqual([2, 2]);
  });

  it('in-place accumulation is visible through an earlier reference to .grad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    F.sum(F.mul(x, 2)).backward();
    const g = x.grad!;
    F.sum(F.mul(x, 2)).backward();
    expect(g.tolist()).toEqual([4, 4]);
  });

  it('create_graph gradients carry history; backward(create_graph) makes CopyBackwards', () => {
    const x = tensor([0.5], { requiresGrad: true });
    F.sum(F.pow(x, 3)).backward(null, { createGraph: true });
    expect(x.grad!.gradFn!.name).toBe('CopyBackwards');
    const [g] = autograd.grad(F.sum(F.sigmoid(x)), x, [], { createGraph: true });
    expect(g!.gradFn!.name).toBe('SigmoidBackwardBackward0');
    const [r] = autograd.grad(F.sum(F.relu(x)), x, [], { createGraph: true });
    expect(r!.gradFn!.name).toBe('ThresholdBackwardBackward0');
  });

  it('CopySlices: an in-place op on a view of a non-leaf reaches the base', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const z = F.add(x, 0);
    const view = F.select(z, 0, 1);
    view.mul_(5);
    expect(z.gradFn!.name).toBe('CopySlices');
    F.sum(z).backward();
    expect(x.grad!.tolist()).toEqual([1, 5, 1]);
  });

  it('gradients reduce to the input dtype and shape', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = F.mul(F.to(x, 'float64'), ones([3, 2], { dtype: 'float64' }));
    y.backward(onesLike(y));
    expect(x.grad!.dtype).toBe('float32');
    expect(x.grad!.tolist()).toEqual([3, 3]);
  });
});
