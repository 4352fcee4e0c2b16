/**
 * dzdx check: expected (symbolic) against actual (tape) against finite
 * differences. The tape's gradients equal what real PyTorch printed
 * (conformance.test.ts), so expected = actual here means the symbolic side
 * reproduces PyTorch's gradients, cuts and mutations included.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { check } from '../src/check/check.js';
import { compareWith, DEFAULT_TOLERANCES } from '../src/check/compare.js';
import { loadFixtures } from './helpers/fixtures.js';

const example = (name: string) => check(readFileSync(`examples/${name}.py`, 'utf8'), { fileName: `${name}.py` });

describe("the tutorial's snippets", () => {
  it('z = x^2 + x^3: dz/dx = 2x + 3x^2, no notes', () => {
    const r = example('tutorial_requires_grad');
    expect(r.ok).toBe(true);
    const [x] = r.calls[0]!.targets;
    expect(x!.formula).toBe('3 * x ^ 2 + 2 * x');
    expect(x!.expected).toEqual([5, 16, 33, 56]);
    expect(x!.finiteDifferences!.map((v) => Math.round(v * 1e4) / 1e4)).toEqual([5, 16, 33, 56]);
    expect(r.calls[0]!.notes).toEqual([]);
  });

  it('no_grad around y2: dz/dx = 2x, and the cut is named with its line', () => {
    const r = example('tutorial_no_grad');
    expect(r.ok).toBe(true);
    const [x] = r.calls[0]!.targets;
    expect(x!.formula).toBe('2 * x');
    expect(x!.actual).toEqual([2, 4, 6, 8]);
    expect(x!.finiteDifferences!.map(Math.round)).toEqual([5, 16, 33, 56]);
    expect(r.calls[0]!.notes).toEqual([
      'y2 was computed under no_grad on line 8 (`y2 = x ** 3`): a constant for autograd, so no gradient flows through it.',
    ]);
  });

  it('y = 2 * x then x.data += 100: the gradient stays 2, and why', () => {
    const r = example('tutorial_data_mutation');
    expect(r.ok).toBe(true);
    const [x] = r.calls[0]!.targets;
    expect(x!.formula).toBe('2');
    expect(x!.expected).toEqual([2, 2, 2, 2]);
    expect(r.calls[0]!.notes).toEqual([
      '`x.data += 100` on line 8 left the gradient alone: `y = 2 * x` on line 6 saved nothing of x, so autograd never reads the changed values.',
    ]);
  });

  it('y = x ** 2 then x.data += 100: the gradient is 2(x + 100), the mutation named', () => {
    const r = example('tutorial_data_mutation_pow');
    expect(r.ok).toBe(true);
    const [x] = r.calls[0]!.targets;
    expect(x!.formula).toBe('2 * (x + 100)');
    expect(x!.expected).toEqual([202, 204, 206, 208]);
    expect(x!.finiteDifferences!.map(Math.round)).toEqual([2, 4, 6, 8]);
    expect(r.calls[0]!.notes).toEqual([
      '`x.data += 100` on line 8 changed the x saved by `y = x ** 2` on line 6, so backward uses the changed values.',
    ]);
  });
});

describe('predicted errors', () => {
  it('a version-counter error is the expected outcome', () => {
    const r = check('import torch\nx = torch.tensor([1., 2.], requires_grad=True)\ny = x.exp()\nz = y * y\ny.add_(1)\nz.sum().backward()\n');
    expect(r.calls[0]!.expectedError).toEqual(['version']);
    expect(r.calls[0]!.verdict).toBe('agree');
    expect(r.ok).toBe(true);
    expect(r.exitCode).toBe(1);
  });

  it('backward twice through saved tensors is predicted, and accumulation is reported', () => {
    const src = 'import torch\nx = torch.tensor([1., 2.], requires_grad=True)\ny = (x * x).sum()\ny.backward(retain_graph=True)\ny.backward()\ny.backward()\n';
    const r = check(src);
    expect(r.calls.map((c) => c.verdict)).toEqual(['agree', 'agree', 'agree']);
    expect(r.calls[1]!.notes.some((n) => n.startsWith('x.grad already held a gradient'))).toBe(true);
    expect(r.calls[1]!.targets[0]!.actual).toEqual([2, 4]);
    expect(r.calls[2]!.expectedError).toEqual(['backward-twice']);
  });

  it('the comparison disagrees past the tolerance and agrees within it', () => {
    const t = DEFAULT_TOLERANCES.float32;
    expect(compareWith([2, 4], [2, 4.0001], t).ok).toBe(true);
    expect(compareWith([2, 4], [2, 4.01], t).ok).toBe(false);
    expect(compareWith([NaN, Infinity], [NaN, Infinity], t).ok).toBe(true);
    expect(compareWith([Infinity], [-Infinity], t).ok).toBe(false);
    expect(compareWith([1], [NaN], t).ok).toBe(false);
  });
});

const suites = { 'shared corpus': 'test/conformance', 'own fixtures': 'test/fixtures/own', examples: 'examples' };
for (const [suite, dir] of Object.entries(suites)) {
  describe(`expected = actual on every backward call: ${suite}`, () => {
    for (const f of loadFixtures(dir)) {
      it(f.name, () => {
        const r = check(f.source, { fileName: `${f.name}.py` });
        expect(r.exitCode).toBe(f.code);
        for (const c of r.calls) {
          expect({ line: c.line, verdict: c.verdict, targets: c.targets.filter((t) => t.verdict !== 'agree').map((t) => t.name) })
            .toEqual({ line: c.line, verdict: 'agree', targets: [] });
        }
      });
    }
  });
}
