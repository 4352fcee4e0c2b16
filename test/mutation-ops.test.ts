/**
 * The functional API's choices (src/ops): result dtypes by PyTorch's
 * result_type, number-on-the-left operators, sum_to of broadcast
 * gradients, kernels at NaN and ties, errors with PyTorch's texts, and the
 * factories. Expected values and texts are what PyTorch 1.13 printed for
 * the same calls. Part of the mutation-testing set.
 */
import { describe, expect, it } from 'vitest';
import { autograd, eye, full, linspace, ones, PyError, tensor, Tensor, zeros } from '../src/index.js';
import * as C from '../src/ops/creation.js';
import { ops as F } from '../src/ops/index.js';

const int = (v: number[]) => tensor(v, { dtype: 'int64' });
const s = (value: number, kind: 'int' | 'float' | 'bool' = 'int') => ({ value, kind });

describe('result dtypes', () => {
  it("'float' ops make an int tensor's result float32 (torch.exp(int) etc.)", () => {
    const i = int([1, 2]);
    const ops: ((t: Tensor) => Tensor)[] = [F.exp, F.log, F.sin, F.cos, F.tan, F.tanh, F.sigmoid, F.sqrt, F.rsqrt, F.reciprocal, (t) => F.softplus(t), (t) => F.div(t, 2), (t) => F.div(t, t), (t) => F.divByNumber(t, 2), (t) => F.powScalarBase(2.5, t)];
    for (const op of ops) expect(op(i).dtype).toBe('float32');
    for (const op of [F.neg, F.relu, F.abs, F.sign, (t: Tensor) => F.sum(t), (t: Tensor) => F.mul(t, s(2))]) expect(op(i).dtype).toBe('int64');
  });

  it('0-d tensors and numbers promote only across categories', () => {
    expect(F.mul(tensor(2, { dtype: 'float64' }), ones([2])).dtype).toBe('float32');
    expect(F.mul(int([1, 2]), tensor(2.5)).dtype).toBe('float32');
    expect(F.mul(int([1, 2]), tensor(2.5, { dtype: 'float64' })).dtype).toBe('float64');
    expect(F.add(tensor(1, { dtype: 'int64' }), F.compare('gt', tensor([1, 2]), 1)).dtype).toBe('int64');
    expect(F.mul(tensor(2, { dtype: 'int64' }), s(2.5, 'float')).dtype).toBe('float32');
    expect(F.mul(tensor(2, { dtype: 'int64' }), tensor(2.5, { dtype: 'float64' })).dtype).toBe('float64');
    expect(F.add(F.compare('gt', tensor([1, 2]), 1), s(1, 'bool')).dtype).toBe('bool');
    expect(F.add(F.compare('gt', tensor([1, 2]), 1), s(1)).dtype).toBe('int64');
    expect(F.mul(int([1, 2]), 2.5).tolist()).toEqual([2.5, 5]);
    expect(F.where(F.compare('gt', int([1, 2]), 1), s(1), s(2)).dtype).toBe('int64');
    expect(F.where(F.compare('gt', int([1, 2]), 1), 1.5, s(2)).dtype).toBe('float32');
  });

  it('numbers alone take torch.result_type (2, 3: int64; True, True: bool; 2, 2.5: float32)', () => {
    expect(F.add(s(2), s(3)).dtype).toBe('int64');
    expect(F.add(s(2), s(3)).item()).toBe(5);
    expect(F.add(s(1, 'bool'), s(1, 'bool')).dtype).toBe('bool');
    expect(F.mul(s(2), s(2.5, 'float')).dtype).toBe('float32');
    expect(F.mul(2, 3).dtype).toBe('float32');
  });

  it('a number base of a power takes result_type(number, exponent): 2 ** int stays int64', () => {
    expect(F.pow(s(2), int([1, 2, 3])).tolist()).toEqual([2, 4, 8]);
    expect(F.pow(s(2), int([1, 2, 3])).dtype).toBe('int64');
    expect(F.pow(s(2.5, 'float'), int([1, 2])).dtype).toBe('float32');
    expect(F.pow(2, tensor([1, 2], { dtype: 'float64' })).dtype).toBe('float64');
    expect(F.pow(2, tensor([1, 2])).dtype).toBe('float32');
    expect(F.powScalarBase(s(2), int([1, 2])).dtype).toBe('int64');
    expect(F.powScalarBase(s(2.5, 'float'), int([1, 2])).dtype).toBe('float32');
    const x = tensor([1, 2], { requiresGrad: true });
    expect(F.pow(2, x).gradFn!.name).toBe('PowBackward1');
    expect(F.powScalarBase(s(2), x).gradFn!.name).toBe('PowBackward2');
  });

  it('clamp takes result_type(self, min, max): float bounds make an int result float', () => {
    expect(F.clamp(int([1, 2, 3]), s(0.5, 'float'), s(1.5, 'float')).tolist()).toEqual([1, 1.5, 1.5]);
    expect(F.clamp(int([1, 2, 3]), s(0), s(2)).dtype).toBe('int64');
    expect(F.clamp(int([1, 2, 3]), s(0), s(2, 'float')).dtype).toBe('float32');
    expect(F.clamp(int([1, 2, 3]), null, s(2)).tolist()).toEqual([1, 2, 2]);
    expect(F.clamp(tensor([0.25, 3]), s(1), s(2)).tolist()).toEqual([1, 2]);
    expect(() => F.clamp(tensor([1]), null, null)).toThrow("torch.clamp: At least one of 'min' or 'max' must not be None");
  });

  it('copy_ and fill_ write in self\'s dtype, as PyTorch casts', () => {
    const i = int([0, 0]);
    F.copyInPlace(i, tensor([1.75, -2.5]));
    expect(i.tolist()).toEqual([1, -2]);
    F.fillInPlace(i, 3.9);
    expect(i.tolist()).toEqual([3, 3]);
    F.clampInPlace(i, 0, 1);
    expect(i.tolist()).toEqual([1, 1]);
    F.powInPlace(i, 3);
    expect(i.dtype).toBe('int64');
    expect(F.powInPlace(tensor([2, -3]), 2).tolist()).toEqual([4, 9]);
  });
});

describe('in-place ops keep PyTorch\'s graph and dtype rules', () => {
  it('zero_, fill_, clamp_, pow_ have one next function; add_ of a number two (the wrapped number)', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const one: ((h: Tensor) => Tensor)[] = [F.zeroInPlace, (h) => F.fillInPlace(h, 2), (h) => F.clampInPlace(h, 0, 1), (h) => F.powInPlace(h, 2)];
    for (const f of one) expect(f(F.mul(x, 1)).gradFn!.nextEdges.length).toBe(1);
    expect(F.addInPlace(F.mul(x, 1), 1).gradFn!.nextEdges.length).toBe(2);
  });
  it("a bool tensor cannot take a float result in place (PyTorch: can't be cast to ... Bool)", () => {
    expect(() => F.addInPlace(F.compare('gt', tensor([1]), 0), 1.5)).toThrow("result type Float can't be cast to the desired output type Bool");
  });
});

describe('numbers on the left', () => {
  it('comparisons flip: 1 < x is x > 1 (PyTorch: [F, T], [F, T], [F, F], [T, T], [T, F], [F, T])', () => {
    const i = int([1, 2]);
    const got = (['lt', 'le', 'gt', 'ge', 'eq', 'ne'] as const).map((op) => F.compare(op, op === 'le' || op === 'ge' ? 2 : 1, i).tolist());
    expect(got).toEqual([[0, 1], [0, 1], [0, 0], [1, 1], [1, 0], [0, 1]]);
    expect(F.compare('lt', i, 2).dtype).toBe('bool');
  });

  it('2 - x is rsub, 2 / x is reciprocal times 2, 2 + x and 2 * x keep the tensor first', () => {
    const x = tensor([1, 4], { requiresGrad: true });
    expect(F.sub(2, x).tolist()).toEqual([1, -2]);
    expect(F.div(2, x).tolist()).toEqual([2, 0.5]);
    expect(F.add(2, x).tolist()).toEqual([3, 6]);
    expect(F.mul(2, x).tolist()).toEqual([2, 8]);
    expect(autograd.grad(F.sum(F.div(2, x)), x)[0]!.tolist()).toEqual([-2, -0.125]);
    expect(autograd.grad(F.sum(F.sub(2, x)), x)[0]!.tolist()).toEqual([-1, -1]);
  });
});

describe('reductions', () => {
  it('keepdim is false unless asked; a full reduction is 0-d', () => {
    const m = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(F.sum(m, [1]).shape).toEqual([2]);
    expect(F.mean(m, [0]).shape).toEqual([3]);
    expect(F.sum(m, [1], true).shape).toEqual([2, 1]);
    expect(F.mean(m, [0], true).tolist()).toEqual([[2.5, 3.5, 4.5]]);
    expect(F.sum(m).shape).toEqual([]);
    expect(F.mean(m).shape).toEqual([]);
    expect(F.mean(m).item()).toBe(3.5);
    expect(F.sum(int([1, 2])).dtype).toBe('int64');
    expect(F.sum(F.compare('gt', int([1, 2]), 0), [0]).tolist()).toBe(2);
  });
  it('sign has a zero gradient; second derivatives through relu and mean (PyTorch: [0, 0], [2, 2], [1, 1])', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(autograd.grad(F.sum(F.sign(x)), x)[0]!.tolist()).toEqual([0, 0]);
    const [g] = autograd.grad(F.sum(F.pow(F.relu(x), 2)), x, [], { createGraph: true });
    expect(autograd.grad(F.sum(g!), x)[0]!.tolist()).toEqual([2, 2]);
    const [m] = autograd.grad(F.pow(F.mean(x), 2), x, [], { createGraph: true });
    expect(autograd.grad(F.sum(m!), x)[0]!.tolist()).toEqual([1, 1]);
  });
});

describe('sum_to: a broadcast gradient summed back to the input shape', () => {
  const g = () => tensor([[1, 2, 3], [10, 20, 30]]);
  const CASES: [number[], unknown][] = [
    [[2, 3], [[1, 2, 3], [10, 20, 30]]],
    [[1, 3], [[11, 22, 33]]],
    [[2, 1], [[6], [60]]],
    [[3], [11, 22, 33]],
    [[1, 1], [[66]]],
    [[1], [66]],
    [[], 66],
  ];
  for (const [shape, expected] of CASES) {
    it(`[2, 3] to [${shape.join(', ')}]`, () => {
      const out = F.sumTo(g(), shape);
      expect(out.shape).toEqual(shape);
      expect(out.tolist()).toEqual(expected);
    });
  }
  it('a 3-D gradient to a 2-D input with a size-1 dim', () => {
    const g3 = F.reshape(tensor(Array.from({ length: 12 }, (_, i) => i)), [2, 2, 3]);
    expect(F.sumTo(g3, [1, 3]).tolist()).toEqual([[18, 22, 26]]);
    expect(F.sumTo(g3, [2, 1]).tolist()).toEqual([[24], [42]]);
    const five = tensor(5);
    expect(F.sumTo(five, [])).toBe(five);
    const h = F.mul(tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true }), 1);
    expect(F.sumTo(h, [1, 3]).gradFn!.name).toBe('SumBackward1');
    expect(F.sumTo(h, [3]).gradFn!.name).toBe('ViewBackward0');
  });
  it('the same shape is the gradient itself', () => {
    const t = g();
    expect(F.sumTo(t, [2, 3])).toBe(t);
    const col = tensor([[1], [2]]);
    expect(F.sumTo(col, [2, 1])).toBe(col);
  });
  it('under create_graph the summed gradient keeps PyTorch\'s history (x * W * x: AddBackward0 of sums)', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const [d] = autograd.grad(F.sum(F.mul(F.mul(x, ones([2, 3])), x)), x, [], { createGraph: true });
    expect(d!.tolist()).toEqual([4, 8, 12]);
    expect(d!.gradFn!.name).toBe('AddBackward0');
    const x0 = tensor(2, { requiresGrad: true });
    const [d0] = autograd.grad(F.sum(F.mul(F.mul(x0, ones([2, 3])), x0)), x0, [], { createGraph: true });
    expect(d0!.tolist()).toBe(24);
  });
});

describe('kernels at NaN, ties and thresholds (PyTorch 1.13\'s values)', () => {
  const nan = Number.NaN;
  it('maximum/minimum propagate NaN from either side; ties keep the value', () => {
    expect(F.maximum(tensor([nan, 1, 2]), tensor([0, nan, 2])).tolist()).toEqual([nan, nan, 2]);
    expect(F.minimum(tensor([nan, 1, -0]), tensor([0, nan, 0])).tolist()).toEqual([nan, nan, -0]);
    expect(F.maximum(tensor([1, 3]), tensor([2, 2])).tolist()).toEqual([2, 3]);
    expect(F.minimum(tensor([1, 3]), tensor([2, 2])).tolist()).toEqual([1, 2]);
  });
  it('clamp keeps -0 at a bound of 0, and 0 at a bound of -0 (PyTorch: -0., 0.)', () => {
    expect(Object.is(F.clamp(tensor([-0]), 0, 1).item(), -0)).toBe(true);
    expect(Object.is(F.clamp(tensor([0]), -1, -0).item(), 0)).toBe(true);
  });
  it('clamp keeps NaN, and bounds are inclusive', () => {
    expect(F.clamp(tensor([nan, 0, 1, 2]), 0, 1).tolist()).toEqual([nan, 0, 1, 1]);
    expect(F.clamp(tensor([-1, 5]), null, 1).tolist()).toEqual([-1, 1]);
    expect(F.clamp(tensor([-1, 5]), 0, null).tolist()).toEqual([0, 5]);
  });
  it("relu keeps NaN and -0; relu'(NaN) lets the gradient through (PyTorch: [1, 0, 0, 0, 1])", () => {
    expect(Object.is(F.relu(tensor([-0])).item(), -0)).toBe(true);
    const x = tensor([nan, -1, -0, 0, 2], { requiresGrad: true });
    const y = F.relu(x);
    expect(y.tolist()).toEqual([nan, 0, -0, 0, 2]);
    expect(autograd.grad(F.sum(y), x)[0]!.tolist()).toEqual([1, 0, 0, 0, 1]);
  });
  it('softplus is linear only above the threshold (PyTorch at beta 2, threshold 21: 10.000000001030577, 10.500000000379128, 11)', () => {
    const x = tensor([10, 10.5, 11], { dtype: 'float64', requiresGrad: true });
    const y = F.softplus(x, 2, 21);
    expect(y.tolist()).toEqual([10.000000001030577, 10.500000000379128, 11]);
    const [g] = autograd.grad(F.sum(y), x, [], { createGraph: true });
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const [g0, g1, g2] = g!.tolist() as number[];
    expect(g0).toBeCloseTo(sig(20), 12);
    expect(g1).toBeCloseTo(sig(21), 12);
    expect(g1).not.toBe(1);
    expect(g2).toBe(1);
    const [gg] = autograd.grad(F.sum(g!), x);
    const [h0, h1, h2] = gg!.tolist() as number[];
    expect(h0).toBeCloseTo(2 * sig(20) * (1 - sig(20)), 15);
    expect(h1).toBeGreaterThan(0);
    expect(h2).toBe(0);
  });
  it('x ** -0.5 and x ** 0 (PyTorch: 1/sqrt(x), and a zero gradient)', () => {
    const x = tensor([4, 0.25], { requiresGrad: true });
    expect(F.pow(x, -0.5).tolist()).toEqual([0.5, 2]);
    // 1 / sqrt(x) rounded to float32 between the steps, as PyTorch's kernel (Math.pow differs at 7 and 2.2).
    expect(F.pow(tensor([7, 2.2]), -0.5).tolist()).toEqual([0.37796449661254883, 0.6741998195648193]);
    expect(autograd.grad(F.sum(F.pow(x, -0.5)), x)[0]!.tolist()).toEqual([-0.0625, -4]);
    expect(autograd.grad(F.sum(F.pow(x, 0)), x)[0]!.tolist()).toEqual([0, 0]);
  });
  it('torch.pow(0, x): gradient 0 where x >= 0 (PyTorch masks log(0))', () => {
    const x = tensor([0, 1, -1], { dtype: 'float64', requiresGrad: true });
    const y = F.powScalarBase(0, x);
    expect(y.tolist()).toEqual([1, 0, Infinity]);
    expect(autograd.grad(F.sum(y), x)[0]!.tolist()).toEqual([0, 0, -Infinity]);
  });
});

describe('errors with PyTorch\'s texts', () => {
  it('mean of an int or bool tensor', () => {
    expect(() => F.mean(int([1]))).toThrow('mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long');
    expect(() => F.mean(F.compare('gt', int([1]), 0), [0])).toThrow('Got: Bool');
  });
  it('matrix products', () => {
    expect(() => F.mm(ones([2, 2]), ones([2]))).toThrow('mat2 must be a matrix');
    expect(() => F.mm(ones([2]), ones([2, 2]))).toThrow('self must be a matrix');
    expect(() => F.matmul(tensor(1), ones([2]))).toThrow('both arguments to matmul need to be at least 1D, but they are 0D and 1D');
    expect(() => F.matmul(ones([2]), tensor(1))).toThrow('both arguments to matmul need to be at least 1D, but they are 1D and 0D');
    expect(() => F.mv(ones([2, 2]), ones([2], { dtype: 'float64' }))).toThrow('expected scalar type Float but found Double');
    expect(() => F.dot(ones([2]), ones([2], { dtype: 'float64' }))).toThrow('dot : expected both vectors to have same dtype, but found Float and Double');
    // Batches: folded into mm/mv (transposed when the batch is on the right), or bmm with broadcast batch dims.
    expect(F.matmul(ones([4, 2, 3]), ones([3, 5])).shape).toEqual([4, 2, 5]);
    expect(F.matmul(ones([2, 3]), ones([4, 3, 5])).shape).toEqual([4, 2, 5]);
    expect(F.matmul(ones([4, 2, 3]), ones([3])).shape).toEqual([4, 2]);
    expect(F.matmul(ones([3]), ones([4, 3, 5])).shape).toEqual([4, 5]);
    expect(F.matmul(ones([4, 1, 2, 3]), ones([5, 3, 2])).shape).toEqual([4, 5, 2, 2]);
    expect(F.matmul(ones([2, 2, 3]), ones([2, 3, 2])).gradFn).toBe(null);
    expect(() => F.matmul(ones([2, 2, 3]), ones([4, 3, 2]))).toThrow('The size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 0');
    expect(F.matmul(ones([2, 3]), ones([3])).shape).toEqual([2]);
    expect(F.matmul(ones([3]), ones([3, 2])).shape).toEqual([2]);
    expect(F.matmul(ones([2, 3]), ones([3, 4])).shape).toEqual([2, 4]);
  });
  it('an op defined twice is an internal error', async () => {
    const { defineOp } = await import('../src/ops/registry.js');
    expect(() => defineOp({ name: 'mul', gradFn: 'MulBackward0', symbolic: { kind: 'none' }, forward: ([a]) => a! })).toThrow('internal: op mul defined twice');
  });
});

describe('factories (PyTorch 1.13\'s values and texts)', () => {
  const kind = (v: number, k: 'int' | 'float' | 'bool' = 'int') => ({ value: v, kind: k });
  it('torch.tensor infers int64, float32 or bool, and checks ragged lists', () => {
    expect(C.tensor([kind(1), kind(2)]).dtype).toBe('int64');
    expect(C.tensor([kind(1), kind(2, 'float')]).dtype).toBe('float32');
    expect(C.tensor([kind(1, 'bool'), kind(0, 'bool')]).dtype).toBe('bool');
    expect(C.tensor([kind(1, 'float'), kind(1, 'bool')]).dtype).toBe('float32');
    expect(C.tensor([kind(1), kind(1, 'bool')]).dtype).toBe('int64');
    expect(C.tensor([]).dtype).toBe('float32');
    expect(C.tensor([[], []]).shape).toEqual([2, 0]);
    const error = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return `${(e as PyError).pyType}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(error(() => C.tensor([[kind(1), kind(2)], [kind(3)]]))).toBe('ValueError: expected sequence of length 2 at dim 1 (got 1)');
    expect(error(() => C.tensor([[kind(1)], kind(2)]))).toBe('TypeError: not a sequence');
    expect(error(() => C.tensor([kind(1), [kind(2)]]))).toBe("TypeError: 'list' object cannot be interpreted as an integer");
    expect(error(() => C.tensor([kind(1), [kind(2.5, 'float')]]))).toBe('TypeError: must be real number, not list');
    expect(error(() => C.tensor([kind(1, 'bool'), [kind(0, 'bool')]]))).toBe("TypeError: 'list' object cannot be interpreted as an integer");
    expect(() => C.tensor([kind(1)], { requiresGrad: true })).toThrow('Only Tensors of floating point and complex dtype can require gradients');
  });
  it('full, zeros, ones, eye', () => {
    expect(C.full([2], 3, { valueKind: 'int' }).dtype).toBe('int64');
    expect(C.full([2], 1, { valueKind: 'bool' }).dtype).toBe('bool');
    expect(C.full([2], 1.5).dtype).toBe('float32');
    expect(zeros([2, 1]).tolist()).toEqual([[0], [0]]);
    expect(C.zeros([0]).shape).toEqual([0]);
    expect(() => full([2, -1], 0)).toThrow('Trying to create tensor with negative dimension -1: [2, -1]');
    expect(eye(2, 3).tolist()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(eye(3, 2).tolist()).toEqual([[1, 0], [0, 1], [0, 0]]);
    expect(eye(4, 2).tolist()).toEqual([[1, 0], [0, 1], [0, 0], [0, 0]]);
    expect(C.fullLike(int([1, 2]), 7).tolist()).toEqual([7, 7]);
    expect(C.fullLike(int([1, 2]), 7, { dtype: 'float64' }).dtype).toBe('float64');
  });
  it('arange', () => {
    expect(C.arange(kind(0), kind(5), kind(2)).tolist()).toEqual([0, 2, 4]);
    expect(C.arange(kind(0), kind(5), kind(2)).dtype).toBe('int64');
    expect(C.arange(kind(0), kind(1, 'float'), kind(1)).dtype).toBe('float32');
    expect(C.arange(kind(5), kind(0), kind(-2)).tolist()).toEqual([5, 3, 1]);
    expect(C.arange(kind(0), kind(0), kind(1)).tolist()).toEqual([]);
    expect(() => C.arange(kind(0), kind(5), kind(0))).toThrow('step must be nonzero');
    expect(() => C.arange(kind(0), kind(5), kind(-1))).toThrow('upper bound and larger bound inconsistent with step sign');
    expect(() => C.arange(kind(5), kind(0), kind(1))).toThrow('upper bound and larger bound inconsistent with step sign');
  });
  it('linspace fills the halves from each end, as PyTorch (0, 1, 5 / 7 steps; 1 step; 0 steps)', () => {
    expect(linspace(0, 1, 5).tolist()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(0, 1, 2).tolist()).toEqual([0, 1]);
    expect(Array.from(linspace(-1, 1, 6, { dtype: 'float64' }).array.values()).map((v) => v.toFixed(12))).toEqual(['-1.000000000000', '-0.600000000000', '-0.200000000000', '0.200000000000', '0.600000000000', '1.000000000000']);
    expect(Array.from(linspace(0.1, 0.7, 7, { dtype: 'float64' }).array.values())).toEqual([0.1, 0.2, 0.3, 0.39999999999999997, 0.5, 0.6, 0.7]);
    expect(Array.from(linspace(0.1, 0.7, 6, { dtype: 'float64' }).array.values())).toEqual([0.1, 0.22, 0.33999999999999997, 0.45999999999999996, 0.58, 0.7]);
    expect(linspace(3, 7, 1).tolist()).toEqual([3]);
    expect(linspace(3, 7, 0).tolist()).toEqual([]);
    expect(() => linspace(0, 1, -1)).toThrow('number of steps must be non-negative');
  });
});
