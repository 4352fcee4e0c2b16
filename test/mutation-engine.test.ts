/**
 * The engine (src/autograd) where its choices show: the order nodes run
 * in (float32 sums depend on it), several roots, what autograd.grad runs,
 * bookkeeping for dzdx check (the backward observer, ops counted), error
 * texts, .grad assignment checks and accumulation under create_graph.
 * Expected values were printed by PyTorch 1.13 for the same programs
 * (`torch.autograd.backward(roots)` for the library's multi-root
 * `backward`). Part of the mutation-testing set.
 */
import { describe, expect, it, vi } from 'vitest';
import { autograd, enableGrad, isGradEnabled, noGrad, setGradEnabled, tensor, Tensor } from '../src/index.js';
import { backward, inBackward, setBackwardObserver, type BackwardCall } from '../src/autograd/engine.js';
import { opsRunSoFar, setTapeListener } from '../src/autograd/record.js';
import { ops as F } from '../src/ops/index.js';

const leaf = (values: number[]) => tensor(values, { requiresGrad: true });

describe('the order nodes run in: the most recently created ready node first', () => {
  // float32 sums of these contributions depend on their order.
  const cs = [-2.0, 3.0, 1.5e8, -1.5e8, -7.0, 0.75, 9e7, -9e7 + 8];
  // [creation order, x.grad from eight roots, x.grad from a tree of adds], as PyTorch 1.13 printed them.
  const PYTORCH: [number[], number, number][] = [
    [[0, 1, 2, 3, 4, 5, 6, 7], 1, 1],
    [[7, 6, 5, 4, 3, 2, 1, 0], 0, 0],
    [[2, 5, 0, 7, 3, 1, 6, 4], 0, 0],
    [[4, 0, 6, 2, 1, 7, 3, 5], -9, -9],
  ];
  for (const [order, fromRoots, fromTree] of PYTORCH) {
    it(`created in the order ${order.join(' ')}`, () => {
      const x = leaf([1]);
      const roots: Tensor[] = [];
      for (const k of order) roots[k] = F.sum(F.mul(x, cs[k]!));
      backward(roots, roots.map(() => null));
      expect(x.grad!.item()).toBe(fromRoots);

      const x2 = leaf([1]);
      const ys: Tensor[] = [];
      for (const k of order) ys[k] = F.mul(x2, cs[k]!);
      const pair = (i: number) => F.add(ys[i]!, ys[i + 1]!);
      F.sum(F.add(F.add(pair(0), pair(2)), F.add(pair(4), pair(6)))).backward();
      expect(x2.grad!.item()).toBe(fromTree);
    });
  }
});

describe('the order nodes run in, as the ops their backward records show it', () => {
  // Under create_graph each MulBackward0 of x * c records g * c: the c values in the order they are seen
  // are the order the nodes ran. PyTorch's ready queue runs the ready node of the highest sequence number.
  const ORDERS = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], [3, 7, 1, 9, 0, 5, 2, 8, 6, 4], [5, 0, 9, 1, 8, 2, 7, 3, 6, 4], [6, 2, 4, 0, 8, 9, 1, 3, 7, 5]];
  for (const order of ORDERS) {
    it(`roots created in the order ${order.join(' ')} run latest first`, () => {
      const x = tensor([1], { requiresGrad: true, dtype: 'float64' });
      const roots: Tensor[] = [];
      for (const k of order) roots[k] = F.sum(F.mul(x, k + 2));
      const seen: number[] = [];
      setTapeListener({ op: (entry, inputs) => {
        if (entry.gradFn === 'MulBackward0' && inputs[1]!.numel === 1 && inputs[0]!.numel === 1) seen.push(inputs[1]!.item() - 2);
      } });
      try {
        backward(roots, roots.map(() => null), { createGraph: true });
      } finally {
        setTapeListener(null);
      }
      expect(seen).toEqual([...order].reverse());
    });
  }
});

describe('the tape listener', () => {
  it('is told which ops ran in place', () => {
    const flags: string[] = [];
    setTapeListener({ op: (entry, _inputs, _out, _attrs, inPlace, before) => flags.push(`${entry.name} ${inPlace} ${before ? Array.from(before).join(',') : '-'}`) });
    try {
      const h = F.mul(tensor([1, 2], { requiresGrad: true }), 3);
      F.addInPlace(h, 1);
      F.exp(h);
    } finally {
      setTapeListener(null);
    }
    expect(flags).toEqual(['mul false -', 'add true 3,6', 'exp false -']);
  });
});

describe('several roots', () => {
  it('the same root twice counts twice', () => {
    const x = leaf([1, 2]);
    const y = F.sum(F.mul(x, 3));
    backward([y, y], [null, null]);
    expect(x.grad!.tolist()).toEqual([6, 6]);
  });

  it('a root behind another runs once, after the gradient from the first reached it', () => {
    const x = leaf([1, 2]);
    const y = F.mul(x, 3);
    const s = F.sum(F.mul(y, y));
    backward([s, y], [null, tensor([1, 10])]);
    expect(x.grad!.tolist()).toEqual([21, 66]);
  });

  it('gradient shape errors name the output by position', () => {
    const x = leaf([1, 2]);
    expect(() => backward([F.sum(x), F.sum(F.mul(x, 2))], [null, tensor([1, 1])])).toThrow(
      'Mismatch in shape: grad_output[1] has a shape of torch.Size([2]) and output[1] has a shape of torch.Size([]).',
    );
    expect(() => backward([F.mul(x, 2)], [tensor([1, 1, 1])])).toThrow(
      'Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and output[0] has a shape of torch.Size([2]).',
    );
    expect(() => backward([F.sum(x), F.sum(tensor([1, 2]))], [null, null])).toThrow(
      'element 1 of tensors does not require grad and does not have a grad_fn',
    );
    expect(() => backward([F.mul(x, 2)], [null])).toThrow('grad can be implicitly created only for scalar outputs');
    expect(x.grad).toBe(null);
  });
});

describe('autograd.grad runs only what leads to its inputs', () => {
  it('a branch with a changed saved tensor fails only when it is needed', () => {
    const x = leaf([1, 2]);
    const u = leaf([1, 2]);
    const a = F.exp(u);
    const out = F.add(F.sum(F.mul(x, 2)), F.sum(a));
    F.addInPlace(a, 1);
    expect(autograd.grad(out, [x], [], { retainGraph: true })[0]!.tolist()).toEqual([2, 2]);
    expect(() => autograd.grad(out, [u])).toThrow('which is output 0 of ExpBackward0, is at version 1; expected version 0 instead');
  });

  it('gradients captured at a non-leaf stop there: the leaf behind is left alone', () => {
    const x = leaf([1, 2]);
    const h = F.mul(x, 3);
    const [g] = autograd.grad(F.sum(F.mul(h, h)), [h]);
    expect(g!.tolist()).toEqual([6, 12]);
    expect(x.grad).toBe(null);
  });
});

describe('bookkeeping', () => {
  it('the backward observer sees each call with its options, and its outcome', () => {
    const seen: string[] = [];
    const inside: boolean[] = [];
    setBackwardObserver({
      before: (c: BackwardCall) => {
        inside.push(inBackward());
        seen.push(`${c.kind} in=${c.inputs.length} out=${c.outputs.length} retain=${c.retainGraph} create=${c.createGraph}`);
      },
      after: (c, o) => seen.push(`${c.kind} ${o.error ? 'error' : o.result ? `result ${o.result.length}` : 'done'}`),
    });
    try {
      const x = leaf([1, 2]);
      const y = F.sum(F.pow(x, 2));
      y.backward(null, { createGraph: true });
      y.backward(null, { retainGraph: false });
      autograd.grad(F.sum(F.pow(x, 2)), x);
      autograd.grad(F.sum(F.pow(x, 2)), x, [], { createGraph: true, retainGraph: false });
      expect(() => y.backward()).toThrow(/a second time/);
    } finally {
      setBackwardObserver(null);
    }
    expect(seen).toEqual([
      'backward in=0 out=1 retain=true create=true', 'backward done',
      'backward in=0 out=1 retain=false create=false', 'backward done',
      'grad in=1 out=1 retain=false create=false', 'grad result 1',
      'grad in=1 out=1 retain=false create=true', 'grad result 1',
      'backward in=0 out=1 retain=false create=false', 'backward error',
    ]);
    expect(inside).toEqual([false, false, false, false, false]);
  });

  it('ops run by a backward pass are the engine\'s: not counted, seen by the tape listener as inBackward', () => {
    const x = leaf([1, 2]);
    const start = opsRunSoFar();
    const y = F.sum(F.pow(x, 3));
    const h = F.mul(x, 1);
    F.addInPlace(h, 1);
    expect(opsRunSoFar()).toBe(start + 4);
    const during: boolean[] = [];
    setTapeListener({ op: () => during.push(inBackward()) });
    try {
      autograd.grad(y, x, [], { createGraph: true });
    } finally {
      setTapeListener(null);
    }
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((d) => d)).toBe(true);
    expect(opsRunSoFar()).toBe(start + 4);
    expect(inBackward()).toBe(false);
  });

  it('create_graph retains the graph unless told otherwise', () => {
    const x = leaf([1, 2]);
    const y = F.sum(F.exp(x));
    y.backward(null, { createGraph: true });
    y.backward(null, { createGraph: true, retainGraph: false });
    expect(() => y.backward()).toThrow(/a second time/);
    const z = F.sum(F.exp(x));
    autograd.grad(z, x, [], { createGraph: true });
    expect(autograd.grad(z, x)[0]!.tolist()).toEqual(x.tolist().map((v: number) => Math.fround(Math.exp(v))));
  });

  it('autograd.grad\'s results have history only under create_graph', () => {
    const x = leaf([1, 2]);
    const [plain] = autograd.grad(F.sum(F.pow(x, 3)), x);
    expect(plain!.gradFn).toBe(null);
    expect(plain!.requiresGrad).toBe(false);
    const [graph] = autograd.grad(F.sum(F.pow(x, 3)), x, [], { createGraph: true });
    expect(graph!.gradFn!.name).toBe('MulBackward0');
  });

  it('under create_graph a leaf\'s .grad accumulates out of place (PyTorch: CopyBackwards, then AddBackward0)', () => {
    const x = leaf([1, 2]);
    F.sum(F.pow(x, 2)).backward(null, { createGraph: true });
    const first = x.grad!;
    F.sum(F.pow(x, 2)).backward(null, { createGraph: true });
    expect(first.tolist()).toEqual([2, 4]);
    expect(first.gradFn!.name).toBe('CopyBackwards');
    expect(x.grad!.tolist()).toEqual([4, 8]);
    expect(x.grad!.gradFn!.name).toBe('AddBackward0');
  });

  it('a retained grad is a clone, then a sum (PyTorch: CloneBackward0 under create_graph)', () => {
    const x = leaf([1, 2]);
    const t = F.mul(x, 2);
    t.retainGrad();
    t.retainGrad();
    expect(t.retainsGrad).toBe(true);
    F.sum(F.mul(t, t)).backward(null, { createGraph: true });
    const first = t.grad!;
    expect(first.gradFn!.name).toBe('CloneBackward0');
    F.sum(F.mul(t, t)).backward(null, { createGraph: true });
    expect(first.tolist()).toEqual([4, 8]);
    expect(t.grad!.tolist()).toEqual([8, 16]);
    expect(t.grad!.gradFn!.name).toBe('AddBackward0');
    expect(() => tensor([1]).retainGrad()).toThrow("can't retain_grad on Tensor that has requires_grad=False");
    const l = leaf([1]);
    l.retainGrad();
    expect(l.retainsGrad).toBe(false);
  });

  it('CopySlices frees the inner op\'s saved tensors after backward', () => {
    const x = leaf([1, 2]);
    const w = tensor(3, { requiresGrad: true });
    const z = F.add(x, 0); // saves nothing: only the inner mul's saved tensors can be gone
    F.mulInPlace(F.select(z, 0, 0), w);
    F.sum(z).backward();
    expect(x.grad!.tolist()).toEqual([3, 1]);
    expect(w.grad!.item()).toBe(1);
    expect(() => F.sum(z).backward()).toThrow('Trying to backward through the graph a second time');
  });

  it('an in-place op on a view of a base whose storage starts at an offset (PyTorch: [100, 30], grad [5, 1])', () => {
    const x = leaf([1, 2]);
    const y = tensor([10, 20, 30]);
    const h = F.mul(x, 1);
    h.setData(F.slice(y, { dim: 0, start: 1, stop: null, step: 1 }));
    F.mulInPlace(F.select(h, 0, 0), 5);
    expect(h.tolist()).toEqual([100, 30]);
    F.sum(h).backward();
    expect(x.grad!.tolist()).toEqual([5, 1]);
  });

  it('.grad assignment checks dtype and size (PyTorch\'s texts)', () => {
    const x = leaf([1, 2]);
    expect(() => x.setGrad(tensor([0, 0, 0]))).toThrow('assigned grad has data of a different size');
    expect(() => x.setGrad(tensor([0, 0], { dtype: 'float64' }))).toThrow('assigned grad has data of a different type');
    x.setGrad(tensor([1, 1]));
    expect(x.grad!.tolist()).toEqual([1, 1]);
    x.setGrad(null);
    expect(x.grad).toBe(null);
  });

  it('requires_grad can be set on leaves only; a view under no_grad requires grad only if its base does', () => {
    const x = leaf([1, 2]);
    const y = F.mul(x, 2);
    expect(() => y.setRequiresGrad(false, true)).toThrow('you can only change requires_grad flags of leaf variables.');
    y.setRequiresGrad(true, true);
    expect(y.requiresGrad).toBe(true);
    expect(() => tensor([1], { dtype: 'int64' }).setRequiresGrad(true, true)).toThrow('only Tensors of floating point dtype can require gradients');
    expect(() => tensor([1], { dtype: 'int64' }).setRequiresGrad(true, false)).toThrow('only Tensors of floating point and complex dtype can require gradients');
    const plain = tensor([1, 2]);
    expect(F.view(plain, [2]).requiresGrad).toBe(false);
    expect(noGrad(() => F.view(plain, [2])).requiresGrad).toBe(false);
  });

  it('grad modes nest: enable_grad inside no_grad records, and the outer mode comes back', () => {
    const x = leaf([1]);
    const y = noGrad(() => enableGrad(() => F.mul(x, 2)));
    expect(y.gradFn!.name).toBe('MulBackward0');
    expect(isGradEnabled()).toBe(true);
    setGradEnabled(false);
    try {
      expect(F.mul(x, 2).requiresGrad).toBe(false);
      expect(enableGrad(() => isGradEnabled())).toBe(true);
    } finally {
      setGradEnabled(true);
    }
  });

  it('a saved tensor can be inspected without a version check (src/graph draws it): input or output, kept or freed', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = F.exp(F.mul(x, x));
    const mulNode = y.gradFn!.nextEdges[0]!.node as unknown as { savedTensors: Map<string, { inspect(): { tensor: Tensor | null; array: unknown; savedVersion: number; freed: boolean } }> };
    const expNode = y.gradFn as unknown as typeof mulNode;
    const input = mulNode.savedTensors.get('self')!.inspect();
    expect(input.tensor).toBe(x);
    expect(input.array).toBe(x.array);
    const output = expNode.savedTensors.get('result')!.inspect();
    expect(output.tensor).toBe(null);
    expect(output.array).toBe(y.array);
    noGrad(() => F.addInPlace(y, 1));
    expect(expNode.savedTensors.get('result')!.inspect()).toEqual({ tensor: null, array: y.array, savedVersion: 0, freed: false });
    F.sum(F.mul(x, 3)).backward();
    const z = F.sum(F.pow(x, 2));
    const powNode = z.gradFn!.nextEdges[0]!.node as unknown as typeof mulNode;
    z.backward();
    expect(powNode.savedTensors.get('self')!.inspect().freed).toBe(true);
  });

  it('a saved tensor asked for under a name the op did not save is an internal error', () => {
    const y = F.mul(leaf([1]), 2);
    const node = y.gradFn as unknown as { saved(name: string): Tensor };
    expect(() => node.saved('self')).toThrow("internal: MulBackward0 did not save 'self'");
  });

  it('autograd without src/ops loaded is an internal error', async () => {
    vi.resetModules();
    const fresh = await import('../src/autograd/engine-math.js');
    expect(() => fresh.engineMath()).toThrow('internal: src/ops was not loaded before autograd ran');
  });
});
