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

  it("a script's temporaries and a backward pass's spent gradients are reused", () => {
    const forward = counted(`${chain.split('\n').slice(0, 3).join('\n')}\n`);
    setPoolThreshold();
    const whole = counted(chain);
    // Forward: linspace, sin, mul, neg, exp, add; add reuses -x, dead once exp has it
    // (src/program/temporaries.ts). Backward made 9 before the pool (each op's gradients,
    // cos(x), two sums, the copy into x.grad); now 2 fresh and 3 reused, each a buffer
    // whose last reader has run: sin(x) * x, dead once add has it, holds exp's gradient;
    // exp(-x), saved by exp and by nothing else once its backward ran, neg's; exp's
    // gradient, once neg's backward has it, one of mul's; sin(x), saved by mul, cos(x),
    // and sin's g·cos(x) is written into cos(x) (F.mulIntoTemporary); the sums in place.
    expect([forward.fresh, forward.reused]).toEqual([5, 1]);
    expect([whole.fresh - forward.fresh, whole.reused - forward.reused]).toEqual([1, 4]);
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

  it('temporaries that something still reads are never reused', () => {
    // Each value below shares a temporary's buffer or was seen by Python code: a view,
    // a chunk, an in-place op's self, a detached tensor, a list's item, what a function
    // kept, a saved result and saved operands, a saved temporary the script took from its
    // grad_fn before backward freed it, one freed by a second backward after retain_graph.
    // The loops then reuse whatever was freed.
    const r = counted(TEMPORARIES);
    expect(r.reused).toBeGreaterThan(10);
    expect(r.stdout).toBe(TEMPORARIES_PYTORCH);
  });
});

const TEMPORARIES = `import torch
N = 100000
x = torch.linspace(-1, 1, N, requires_grad=True)
kept = []
def stash(t):
    kept.append(t)
    return t
y = torch.exp(-x)
v = (x * 2).view(N // 4, 4)
parts = (x * 3).chunk(2)
same = (x.detach() * 4).add_(1)
d = (x * 5).detach() + 0
s = stash(x * 6) + 1
kept.append(x * 7)
m = (x * 8).max(0)
n = (x * 9).numel() + torch.equal(x * 2, x * 2)
w = torch.zeros(N)
with torch.no_grad():
    for i in range(3):
        w -= 0.5 * torch.sin(x)
        w += (x * 2) * (x * 3)
z = torch.sin(x) * torch.cos(x) + torch.exp(-x) * (-x)
y2 = torch.sin(x) * x
kept_sin = y2.grad_fn._saved_self
y2.sum().backward()
y3 = torch.exp(x * 2) * x
y3.sum().backward(retain_graph=True)
y3.sum().backward()
for i in range(3):
    junk = torch.sin(x) * 2 + torch.cos(x) * 3 - torch.exp(x) / 4
z.sum().backward()
print(y.grad_fn._saved_result[:3], y[-3:])
print(v[0], v[-1])
print(parts[0][:3], parts[1][-3:])
print(same[:3], d[-3:], s[:3])
print(kept[0][:3], kept[1][-3:], m, n)
print(w[:3], w[-3:])
print(x.grad[:3], x.grad[-3:], x.grad.sum())
print(kept_sin[:3], kept_sin[-3:])
`;

/** What PyTorch 1.13 printed for TEMPORARIES. */
const TEMPORARIES_PYTORCH = `tensor([2.7183, 2.7182, 2.7182], grad_fn=<SliceBackward0>) tensor([0.3679, 0.3679, 0.3679], grad_fn=<SliceBackward0>)
tensor([-2.0000, -2.0000, -1.9999, -1.9999], grad_fn=<SelectBackward0>) tensor([1.9999, 1.9999, 2.0000, 2.0000], grad_fn=<SelectBackward0>)
tensor([-3.0000, -2.9999, -2.9999], grad_fn=<SliceBackward0>) tensor([2.9999, 2.9999, 3.0000], grad_fn=<SliceBackward0>)
tensor([-3.0000, -2.9999, -2.9998]) tensor([4.9998, 4.9999, 5.0000]) tensor([-5.0000, -4.9999, -4.9998], grad_fn=<SliceBackward0>)
tensor([-6.0000, -5.9999, -5.9998], grad_fn=<SliceBackward0>) tensor([6.9997, 6.9999, 7.0000], grad_fn=<SliceBackward0>) torch.return_types.max(
values=tensor(8., grad_fn=<MaxBackward0>),
indices=tensor(99999)) 100001
tensor([19.2622, 19.2615, 19.2607]) tensor([16.7364, 16.7371, 16.7378])
tensor([-7.5052, -7.5049, -7.5047]) tensor([45.2953, 45.2976, 45.3000]) tensor(643608.3750)
tensor([-0.8415, -0.8415, -0.8414], grad_fn=<SliceBackward0>) tensor([0.8414, 0.8415, 0.8415], grad_fn=<SliceBackward0>)
`;
