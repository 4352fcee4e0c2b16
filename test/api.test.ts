/** The library API: torch-like tensors over the tape, with PyTorch's semantics. */
import { describe, expect, it } from 'vitest';
import { autograd, noGrad, ones, onesLike, PyError, registry, runScript, tensor, Tensor } from '../src/index.js';

describe('library API', () => {
  it("runs the tutorial's no_grad snippet", () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const z = x.pow(2).add(noGrad(() => x.pow(3)));
    expect(String(z)).toBe('tensor([[ 2., 12.],\n        [36., 80.]], grad_fn=<AddBackward0>)');
    z.backward(onesLike(z));
    expect(String(x.grad)).toBe('tensor([[2., 4.],\n        [6., 8.]])');
  });

  it('a .data mutation reaches ops that saved the input, not the others', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const squared = x.pow(2);
    const doubled = x.mul(2);
    const data = x.dataView();
    data.add_(100);
    squared.sum().backward();
    expect(x.grad!.tolist()).toEqual([202, 204]);
    x.grad = null;
    doubled.sum().backward();
    expect(x.grad!.tolist()).toEqual([2, 2]);
  });

  it('an in-place change of a saved tensor fails backward with PyTorch\'s message', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const tripled = x.mul(3); // keeps only the wrapped 3, not x
    noGrad(() => x.add_(1));
    expect(() => tripled.sum().backward()).not.toThrow();
    const squared = x.pow(2); // keeps x, at version 1
    noGrad(() => x.add_(1));
    expect(() => squared.sum().backward()).toThrow(
      'one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [2]] is at version 2; expected version 1 instead.',
    );
    const w = x.exp();
    const v = w.pow(2);
    noGrad(() => w.add_(1));
    expect(() => v.sum().backward()).toThrow(
      'one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [2]], which is output 0 of ExpBackward0, is at version 1; expected version 0 instead.',
    );
  });

  it('accumulates across backward calls with retain_graph, and frees saved tensors without it', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.pow(2).sum();
    y.backward(null, { retainGraph: true });
    y.backward();
    expect(x.grad!.tolist()).toEqual([4, 8]);
    expect(() => y.backward()).toThrow(/Trying to backward through the graph a second time/);
  });

  it('second derivatives through create_graph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const [g] = autograd.grad(x.pow(3).sum(), x, [], { createGraph: true });
    expect(String(g)).toBe('tensor([ 3., 12.], grad_fn=<MulBackward0>)');
    const [h] = autograd.grad(g!.sum(), x, [], { createGraph: true });
    expect(h!.tolist()).toEqual([6, 12]);
    const t = tensor([0.5], { requiresGrad: true });
    const [dt] = autograd.grad(t.tanh().sum(), t, [], { createGraph: true });
    expect(dt!.gradFn!.name).toBe('TanhBackwardBackward0');
  });

  it('leaf and version checks', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => x.add_(1)).toThrow('a leaf Variable that requires grad is being used in an in-place operation.');
    expect(() => tensor([1], { dtype: 'int64', requiresGrad: true })).toThrow(PyError);
    expect(ones([2]).isLeaf).toBe(true);
    expect(x.mul(2).gradFn!.name).toBe('MulBackward0');
    expect(x.mul(2).isLeaf).toBe(false);
  });

  it('broadcast gradients are summed back to the input shape', () => {
    const b = tensor([1, 2, 3], { requiresGrad: true });
    ones([2, 3]).mul(b).sum().backward();
    expect(b.grad!.tolist()).toEqual([2, 2, 2]);
  });

  it('the registry holds one entry per op, each with a grad_fn name', () => {
    expect(registry.get('pow')!.gradFn).toBe('PowBackward0');
    expect(registry.get('mul')!.saves.map((s) => s.name)).toEqual(['self', 'other']);
    for (const entry of registry.values()) {
      if (entry.differentiable) expect(entry.gradFn).toMatch(/^[A-Za-z][A-Za-z0-9]*(Backward[0-9]*|Backwards)$/);
    }
  });

  it('runScript returns output and exit code', () => {
    const r = runScript('import torch\nprint(torch.ones(2) * 2)\n');
    expect(r).toEqual({ exitCode: 0, stdout: 'tensor([2., 2.])\n', stderr: '' });
    expect(tensor([0]) instanceof Tensor).toBe(true);
  });
});
