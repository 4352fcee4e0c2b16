/**
 * The reuse of large gradient buffers (src/tensor/pool.ts,
 * src/autograd/grad-recycler.ts). Recycling a buffer something still
 * reads would change printed values silently, so every recorded script is
 * run again with every buffer, however small, pooled and tracked: a
 * gradient recycled too early shows up as a wrong number in some fixture.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import '../src/all-libraries.js';
import { runScript } from '../src/program/run.js';
import { poolCounts, setPoolThreshold } from '../src/tensor/pool.js';
import { loadFixtures, runFixture } from './helpers/fixtures.js';

const suites = ['test/conformance', 'test/fixtures/own', 'test/fixtures/notebooks', 'examples'];

describe('every fixture with every buffer pooled', () => {
  beforeAll(() => setPoolThreshold(1));
  afterAll(() => setPoolThreshold());
  for (const dir of suites) {
    for (const f of loadFixtures(dir)) {
      it(`${dir}/${f.name}`, () => {
        const r = runFixture(f);
        expect(r.stdout).toBe(r.expectedStdout);
        expect(r.lastErr).toBe(f.err);
        expect(r.exitCode).toBe(f.code);
      });
    }
  }
});

/** Fresh and reused large buffers while `script` runs. */
function counted(script: string): { fresh: number; reused: number; stdout: string } {
  const before = { ...poolCounts };
  const { stdout, stderr } = runScript(script);
  expect(stderr).toBe('');
  return { fresh: poolCounts.fresh - before.fresh, reused: poolCounts.reused - before.reused, stdout };
}

describe('large gradients', () => {
  // Each test starts with an empty pool, so that its counts are its own.
  beforeEach(() => setPoolThreshold());
  const N = 100_000;
  const chain = `import torch
x = torch.linspace(-1, 1, ${N}, requires_grad=True)
y = torch.sin(x) * x + torch.exp(-x)
y.sum().backward()
`;

  it('a backward pass reuses the buffers of the gradients it is done with', () => {
    const forward = counted(`${chain.split('\n').slice(0, 3).join('\n')}\n`);
    const whole = counted(chain);
    // Forward: linspace, sin, mul, neg, exp, add. Backward made 9 before the pool (each
    // op's gradients, cos(x), two sums, the copy into x.grad); now 4 fresh and 2 reused
    // (exp's gradient for mul's, mul's second for cos), the sums in place, no copy.
    expect(forward.fresh).toBe(6);
    expect(whole.fresh - forward.fresh).toBe(4);
    expect(whole.reused).toBe(2);
  });

  it('an in-place op passes its result buffer on once it is copied into self', () => {
    // An optimiser's updates: each op computes out of place, then writes into w.
    const loop = counted(`import torch
w = torch.zeros(${N})
g = torch.ones(${N})
for i in range(5):
    w.mul_(0.9).add_(g, alpha=0.1)
print(w[0].item())
`);
    // zeros and ones, then one buffer that all ten updates pass along.
    expect([loop.fresh, loop.reused]).toEqual([3, 9]);
    expect(loop.stdout).toBe('0.4095099866390228\n'); // what PyTorch prints
  });

  it('gradients that leave the pass are never reused', () => {
    // autograd.grad's result, a leaf's .grad and what a hook kept must keep their
    // values while later passes and ops reuse the pool: the same output as unpooled.
    const script = `import torch
x = torch.linspace(-1, 1, ${N}, requires_grad=True)
(g,) = torch.autograd.grad((torch.sin(x) * x).sum(), x)
kept = g.clone()
seen = []
h = x.register_hook(lambda grad: seen.append(grad))
(torch.exp(-x) * x).sum().backward()
h.remove()
first = x.grad.clone()
for i in range(3):
    (torch.cos(x) * x * x).sum().backward()
    z = torch.sin(x) * 3 + x
print(torch.equal(g, kept), torch.equal(seen[0], first))
print(x.grad[::9999], g[::9999], z[::9999])
`;
    const pooled = counted(script);
    setPoolThreshold(Number.POSITIVE_INFINITY);
    try {
      const unpooled = counted(script);
      expect(unpooled.fresh + unpooled.reused).toBe(0);
      expect(pooled.stdout).toBe(unpooled.stdout);
    } finally {
      setPoolThreshold();
    }
    expect(pooled.reused).toBeGreaterThan(0);
    expect(pooled.stdout.split('\n')[0]).toBe('True True');
  });
});
