/**
 * The library's tensor methods (src/ops/methods.ts) against the functional
 * API they wrap: same values, same grad_fn, same gradients; the in-place
 * methods against their out-of-place equivalents (the same tensor returned,
 * its version bumped, its grad_fn renamed, PyTorch's leaf check). Part of
 * the mutation-testing set.
 */
import { describe, expect, it } from 'vitest';
import { autograd, noGrad, ones, tensor, Tensor } from '../src/index.js';
import { ops as F } from '../src/ops/index.js';

const x = () => tensor([[0.5, -1, 2], [1.5, 0.25, -3]], { dtype: 'float64', requiresGrad: true });
const w = () => tensor([2, -0.5, 4], { dtype: 'float64', requiresGrad: true });

/** Method call and functional call on fresh leaves: values, grad_fn and gradients must agree. */
const PAIRS: [string, (a: Tensor, b: Tensor) => Tensor, (a: Tensor, b: Tensor) => Tensor][] = [
  ['add', (a, b) => a.add(b), (a, b) => F.add(a, b)],
  ['add number', (a) => a.add(3), (a) => F.add(a, 3)],
  ['sub', (a, b) => a.sub(b), (a, b) => F.sub(a, b)],
  ['mul', (a, b) => a.mul(b), (a, b) => F.mul(a, b)],
  ['div', (a, b) => a.div(b), (a, b) => F.div(a, b)],
  ['pow', (a) => a.pow(3), (a) => F.pow(a, 3)],
  ['pow tensor', (a, b) => a.abs().pow(b), (a, b) => F.pow(F.abs(a), b)],
  ['neg', (a) => a.neg(), (a) => F.neg(a)],
  ['matmul', (a, b) => a.matmul(b), (a, b) => F.matmul(a, b)],
  ['exp', (a) => a.exp(), (a) => F.exp(a)],
  ['log', (a) => a.abs().log(), (a) => F.log(F.abs(a))],
  ['sin', (a) => a.sin(), (a) => F.sin(a)],
  ['cos', (a) => a.cos(), (a) => F.cos(a)],
  ['tan', (a) => a.tan(), (a) => F.tan(a)],
  ['tanh', (a) => a.tanh(), (a) => F.tanh(a)],
  ['sigmoid', (a) => a.sigmoid(), (a) => F.sigmoid(a)],
  ['relu', (a) => a.relu(), (a) => F.relu(a)],
  ['sqrt', (a) => a.abs().sqrt(), (a) => F.sqrt(F.abs(a))],
  ['rsqrt', (a) => a.abs().rsqrt(), (a) => F.rsqrt(F.abs(a))],
  ['abs', (a) => a.abs(), (a) => F.abs(a)],
  ['square', (a) => a.square(), (a) => F.pow(a, 2)],
  ['clamp min', (a) => a.clamp(0), (a) => F.clamp(a, 0, null)],
  ['clamp both', (a) => a.clamp(-1, 1), (a) => F.clamp(a, -1, 1)],
  ['clamp max only', (a) => a.clamp(null, 1), (a) => F.clamp(a, null, 1)],
  ['sum', (a) => a.sum(), (a) => F.sum(a)],
  ['sum dim', (a) => a.sum([1]), (a) => F.sum(a, [1], false)],
  ['sum keepdim', (a) => a.sum([1], true), (a) => F.sum(a, [1], true)],
  ['mean', (a) => a.mean(), (a) => F.mean(a)],
  ['mean dim', (a) => a.mean([0]), (a) => F.mean(a, [0], false)],
  ['mean keepdim', (a) => a.mean([0], true), (a) => F.mean(a, [0], true)],
  ['reshape', (a) => a.reshape(3, 2), (a) => F.reshape(a, [3, 2])],
  ['view', (a) => a.view(6), (a) => F.view(a, [6])],
  ['t', (a) => a.t(), (a) => F.t(a)],
  ['transpose', (a) => a.transpose(0, 1), (a) => F.transpose(a, 0, 1)],
  ['unsqueeze', (a) => a.unsqueeze(1), (a) => F.unsqueeze(a, 1)],
  ['squeeze', (a) => a.unsqueeze(0).squeeze(), (a) => F.squeeze(F.unsqueeze(a, 0))],
  ['squeeze dim', (a) => a.unsqueeze(0).squeeze(0), (a) => F.squeeze(F.unsqueeze(a, 0), 0)],
  ['expand', (a) => a.unsqueeze(0).expand(2, 2, 3), (a) => F.expand(F.unsqueeze(a, 0), [2, 2, 3])],
  ['clone', (a) => a.clone(), (a) => F.clone(a)],
  ['to', (a) => a.to('float32'), (a) => F.to(a, 'float32')],
  ['max', (a) => a.max() as Tensor, (a) => F.maxAll(a)],
  ['max dim', (a) => (a.max(1) as F.ValuesIndices).values, (a) => F.maxDim(a, 1).values],
  ['min dim keepdim', (a) => (a.min(0, true) as F.ValuesIndices).values, (a) => F.minDim(a, 0, true).values],
  ['sort', (a) => a.sort(1, true).values, (a) => F.sort(a, 1, true).values],
  ['topk', (a) => a.topk(2).values, (a) => F.topk(a, 2).values],
  ['prod', (a) => a.prod(1), (a) => F.prod(a, 1)],
  ['std', (a) => a.std(), (a) => F.variance(a, null, 1, false, true)],
  ['var dim', (a) => a.var([1], 0, true), (a) => F.variance(a, [1], 0, true)],
  ['norm', (a) => a.norm(1, [0]), (a) => F.norm(a, 1, [0], false)],
  ['cumsum', (a) => a.cumsum(1), (a) => F.cumsum(a, 1)],
  ['softmax', (a) => a.softmax(1), (a) => F.softmax(a, 1)],
  ['logSoftmax', (a) => a.logSoftmax(0), (a) => F.logSoftmax(a, 0)],
  ['flatten', (a) => a.flatten(), (a) => F.flatten(a)],
  ['permute', (a) => a.permute(1, 0), (a) => F.permute(a, [1, 0])],
  ['gather', (a) => a.gather(1, tensor([[2], [0]], { dtype: 'int64' })), (a) => F.gather(a, 1, tensor([[2], [0]], { dtype: 'int64' }))],
  ['indexSelect', (a) => a.indexSelect(1, tensor([2, 0], { dtype: 'int64' })), (a) => F.indexSelect(a, 1, tensor([2, 0], { dtype: 'int64' }))],
  ['maskedFill', (a) => a.maskedFill(F.compare('gt', a, 0), 0.5), (a) => F.maskedFill(a, F.compare('gt', a, 0), 0.5)],
];

function outcome(make: (a: Tensor, b: Tensor) => Tensor) {
  const a = x();
  const b = w();
  const y = make(a, b);
  const grads = autograd.grad(F.sum(F.mul(y, F.fullLike(y, 1.5))), [a, b], [], { allowUnused: true });
  return { values: y.tolist(), shape: y.shape, dtype: y.dtype, gradFn: y.gradFn?.name, grads: grads.map((g) => g?.tolist() ?? null) };
}

describe('tensor methods equal the functional API', () => {
  for (const [name, method, functional] of PAIRS) {
    it(name, () => {
      const got = outcome(method);
      expect(got).toEqual(outcome(functional));
      expect(got.gradFn).toMatch(/Backward/);
    });
  }

  it('tolist nests values by shape, and a 0-d tensor is a number', () => {
    expect(tensor([[1, 2, 3], [4, 5, 6]]).tolist()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor([[[1], [2]]]).tolist()).toEqual([[[1], [2]]]);
    expect(F.sum(tensor([1, 2])).tolist()).toBe(3);
    expect(F.t(tensor([[1, 2], [3, 4]])).tolist()).toEqual([[1, 3], [2, 4]]);
    expect(tensor([]).tolist()).toEqual([]);
  });

  it('backward(): implicit gradient for a scalar, a given one otherwise, retain_graph passed on', () => {
    const a = w();
    const y = a.mul(a);
    y.sum().backward();
    expect(a.grad!.tolist()).toEqual([4, -1, 8]);
    const b = w();
    const z = b.mul(b);
    const g = tensor([1, 3, 2], { dtype: 'float64' });
    z.backward(g, { retainGraph: true });
    z.backward(g);
    expect(b.grad!.tolist()).toEqual([8, -6, 32]);
    expect(() => z.backward(g)).toThrow(/a second time/);
  });
});

/** In-place method, out-of-place functional equivalent. */
const IN_PLACE: [string, (h: Tensor) => Tensor, (h: Tensor) => Tensor, string][] = [
  ['add_', (h) => h.add_(2), (h) => F.add(h, 2), 'AddBackward0'],
  ['add_ tensor', (h) => h.add_(w()), (h) => F.add(h, w()), 'AddBackward0'],
  ['sub_', (h) => h.sub_(2), (h) => F.sub(h, 2), 'SubBackward0'],
  ['sub_ tensor', (h) => h.sub_(w()), (h) => F.sub(h, w()), 'SubBackward0'],
  ['mul_', (h) => h.mul_(3), (h) => F.mul(h, 3), 'MulBackward0'],
  ['mul_ tensor', (h) => h.mul_(w()), (h) => F.mul(h, w()), 'MulBackward0'],
  ['div_', (h) => h.div_(4), (h) => F.div(h, 4), 'DivBackward0'],
  ['div_ tensor', (h) => h.div_(w()), (h) => F.div(h, w()), 'DivBackward0'],
  ['zero_', (h) => h.zero_(), (h) => F.mul(h, 0), 'ZeroBackward0'],
];

describe('in-place methods equal their out-of-place equivalents', () => {
  for (const [name, inPlace, outOfPlace, gradFn] of IN_PLACE) {
    it(name, () => {
      const a = x();
      const h = F.mul(a, 1);
      const before = h.version;
      const returned = inPlace(h);
      expect(returned).toBe(h);
      expect(h.version).toBe(before + 1);
      expect(h.gradFn!.name).toBe(gradFn);
      const [g] = autograd.grad(F.sum(F.mul(h, F.fullLike(h, 1.5))), a);

      const a2 = x();
      const y = outOfPlace(F.mul(a2, 1));
      const [g2] = autograd.grad(F.sum(F.mul(y, F.fullLike(y, 1.5))), a2);
      // x * 0 gives -0 where x < 0; zero_ gives +0: the same number.
      const plain = (t: Tensor) => Array.from(t.array.values(), (v) => v + 0);
      expect(plain(h)).toEqual(plain(y));
      expect(plain(g!)).toEqual(plain(g2!));
    });
  }

  it('on a leaf that requires grad: PyTorch\'s error; under no_grad they change it in place', () => {
    for (const [, inPlace] of IN_PLACE) {
      expect(() => inPlace(x())).toThrow('a leaf Variable that requires grad is being used in an in-place operation.');
    }
    const a = tensor([1, 2], { requiresGrad: true });
    noGrad(() => a.add_(1).mul_(4).sub_(2).div_(2));
    expect(a.tolist()).toEqual([3, 5]);
    expect(a.version).toBe(4);
    expect(a.isLeaf).toBe(true);
    noGrad(() => a.zero_());
    expect(a.tolist()).toEqual([0, 0]);
  });

  it('an int tensor cannot take a float result in place; a float tensor can take an int', () => {
    const i = tensor([1, 2], { dtype: 'int64' });
    expect(() => i.mul_(1.5)).toThrow("result type Float can't be cast to the desired output type Long");
    expect(() => i.div_(2)).toThrow("result type Float can't be cast to the desired output type Long");
    expect(i.add_(tensor([3, 4], { dtype: 'int64' })).tolist()).toEqual([4, 6]);
    const f = tensor([1, 2]);
    expect(f.add_(tensor([3, 4], { dtype: 'int64' })).dtype).toBe('float32');
  });

  it('a broadcast in place fits self\'s shape; a result larger than self is PyTorch\'s error', () => {
    const h = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(h.add_(tensor([10, 20, 30])).tolist()).toEqual([[11, 22, 33], [14, 25, 36]]);
    const v = tensor([1, 2, 3]);
    expect(() => v.add_(tensor([[1, 2, 3], [4, 5, 6]]))).toThrow("output with shape [3] doesn't match the broadcast shape [2, 3]");
    expect(() => tensor([[1, 2, 3]]).add_(ones([2, 3]))).toThrow("output with shape [1, 3] doesn't match the broadcast shape [2, 3]");
    const s = tensor([1, 2, 3]);
    expect(s.mul_(tensor([2])).tolist()).toEqual([2, 4, 6]);
  });
});
