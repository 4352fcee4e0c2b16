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
import { FORMULA_LINE_LIMIT } from '../src/check/display.js';
import { MAX_OP_ELEMENTS, MAX_TRACED_ELEMENTS } from '../src/symbolic/trace.js';
import { codeOf } from '../src/check/quote.js';
import { formatReport } from '../src/check/report.js';
import { sourceOf } from '../src/notebook/index.js';
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

const own = (name: string) => check(readFileSync(`test/fixtures/own/${name}.py`, 'utf8'), { fileName: `${name}.py` });

describe('values changed behind autograd\'s back, then create_graph (issue 15)', () => {
  it('r.data *= -1 then a second derivative: -sin at the new values, which are the leaf r (not through the sign change)', () => {
    const r = own('data_mutation_leaf_create_graph');
    expect(r.calls.map((c) => c.verdict)).toEqual(['agree', 'agree', 'agree', 'agree', 'agree']);
    const [first, second] = r.calls;
    expect(first!.targets[0]!.formula).toBe('cos(r)');
    expect(second!.targets[0]!.formula).toBe('-sin(r)');
    // r's current values are -0.6435, 1.4706, -0.3, -2: the tape's -sin(r) there.
    const current = [-0.6435, 1.4706, -0.3, -2].map((v) => -Math.sin(Math.fround(v)));
    second!.targets[0]!.expected.forEach((v, i) => expect(v).toBeCloseTo(current[i]!, 6));
    // A leaf's values written behind autograd's back are new inputs: finite differences vary them, and agree.
    second!.targets[0]!.finiteDifferences!.forEach((v, i) => expect(v).toBeCloseTo(current[i]!, 4));
    expect(second!.notes).toEqual([]);
    // Third order: q.data *= 3, then d3/dq3 (q^3 + exp(q)) = 6 + exp(q) at q's new values.
    const third = r.calls[4]!.targets[0]!;
    third.expected.forEach((v, i) => expect(v).toBeCloseTo(6 + Math.exp(3 * [0.5, -0.25, 1.5][i]!), 9));
  });

  it('maximum and where after a .data mutation of the leaf before use: finite differences of r\'s new values agree, with no note', () => {
    const r = own('data_mutation_create_graph_chain');
    expect(r.ok).toBe(true);
    for (const c of r.calls) {
      const t = c.targets[0]!;
      t.finiteDifferences!.forEach((v, i) => expect(v).toBeCloseTo(t.expected[i]!, 4));
      expect(c.notes).toEqual([]);
    }
  });

  it('the chain\'s formula is readable: element groups, no zero terms, named subexpressions (it was 25,000 characters on one line)', () => {
    const r = own('data_mutation_create_graph_chain');
    for (const c of r.calls) {
      const t = c.targets[0]!;
      const lines = t.formula.split('\n');
      expect(lines[0]).toMatch(/^r\[0\], r\[2\], r\[3\]: /);
      expect(lines[1]).toBe('r[1], r[4]: exp(r)');
      // (u is a name of the script: the first free name is v.)
      // (Simplified or tidied, as the display budget allows.)
      expect(lines[2]).toMatch(/^where v = tanh\(r - (exp\(r\) \* 2|2 \* exp\(r\))\)$/);
      expect(lines.at(-1)).toBe('with heaviside(0) = 1/2: PyTorch splits a tie of max or min between the two');
      expect(t.formula).not.toMatch(/\b0 \*|1\.10000/);
      expect(t.fullFormula).toBe(t.formula);
      // (LaTeX is longer than text: a LaTeX line past the bound gets the summary, the full form keeps the rows.)
      expect(t.fullLatex.startsWith('\\begin{array}{l}')).toBe(true);
      if (!t.latex.startsWith('\\text{a formula of')) expect(t.latex).toBe(t.fullLatex);
    }
  });

  it('past the bound a one-line summary; the whole formula with --full and in --json', () => {
    const r = check(readFileSync('test/conformance/rand_002.py', 'utf8'));
    const t = r.calls[0]!.targets[0]!;
    expect(t.formula).toBe(`a formula of ${t.fullFormula.length.toLocaleString('en-US')} characters: see --json or --full`);
    expect(t.latex).toBe(`\\text{${t.formula}}`);
    expect(t.fullFormula.split('\n').some((l) => l.length > FORMULA_LINE_LIMIT)).toBe(true);
    expect(t.fullFormula).toMatch(/\nwhere [a-z]\w* = /);
    const full = formatReport(r, { full: true });
    expect(full).toContain(`  dz/dr = ${t.fullFormula.split('\n')[0]}\n`);
    expect(formatReport(r)).toContain(`  dz/dr = ${t.formula}\n`);
    expect(JSON.parse(JSON.stringify(r)).calls[0].targets[0].fullFormula).toBe(t.fullFormula);
  });

  it('an intermediate changed through .data or in place under no_grad is differentiated through its history', () => {
    const r = own('data_mutation_intermediate_create_graph');
    expect(r.calls.map((c) => c.verdict)).toEqual(Array(6).fill('agree'));
    // y = 2x, y.data *= -1.5: g = 2 cos(y), d/dx g = -2 sin(y) * 2 at y = -3x.
    expect(r.calls[1]!.targets[0]!.formula).toBe('-(4 * sin(-(3 * x)))');
  });

  it('x.data = t: a leaf\'s new values are new inputs (finite differences agree), a non-leaf keeps its history', () => {
    const r = own('data_assignment_create_graph');
    expect(r.calls.map((c) => c.verdict)).toEqual(Array(8).fill('agree'));
    const [g, g2, g3] = r.calls;
    expect([g, g2, g3].map((c) => c!.targets[0]!.formula)).toEqual(['3 * x ^ 2', '6 * x', '6']);
    g2!.targets[0]!.finiteDifferences!.forEach((v, i) => expect(v).toBeCloseTo([18, -3][i]!, 4));
    expect(r.calls[3]!.notes[0]).toBe('`x.data = t` on line 8 replaced the x saved by `y = (x * x).sum()` on line 6, so backward uses the new values.');
    expect(r.calls[7]!.targets[0]!.expected).toEqual([8, 8]);
  });

  it('notes quote the code of a line, not its comment', () => {
    const src = 'import torch\nx = torch.tensor([1., 2.], requires_grad=True)\ny = x ** 2  # saves x\nx.data += 100  # pow saved x, so the gradient now sees x + 100\ny.sum().backward()  # "#" in a comment\n';
    const r = check(src);
    expect(r.calls[0]!.statement).toBe('y.sum().backward()');
    expect(r.calls[0]!.notes).toEqual(['`x.data += 100` on line 4 changed the x saved by `y = x ** 2` on line 3, so backward uses the changed values.']);
    expect(codeOf(`print("# not a comment", 'it\\'s #1')  # a comment`)).toBe(`print("# not a comment", 'it\\'s #1')`);
    expect(codeOf('    z = x * 2   ')).toBe('z = x * 2');
  });
});

const close = (a: readonly number[], b: readonly number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 4));

describe("a leaf's values from the moment it can get a gradient (initialisation, optimiser steps)", () => {
  it('values written before requires_grad_() and under no_grad are the leaf: formulas in its name, finite differences agree, no notes', () => {
    const r = own('leaf_values_before_requires_grad');
    expect(r.ok).toBe(true);
    expect(r.calls).toHaveLength(6);
    for (const c of r.calls) {
      expect(c.notes).toEqual([]);
      for (const t of c.targets) {
        close(t.finiteDifferences!, t.expected);
        // No drawn or filled-in values in the formula (they were 0.32942235… before).
        expect(t.formula, t.name).not.toMatch(/\d\.\d{3,}/);
        expect(t.formula, t.name).toMatch(new RegExp(`\\b${t.name}\\b`));
      }
    }
    expect(r.calls.map((c) => c.targets[0]!.name)).toEqual(['w', 'v', 'b', 'p', 'q', 'r']);
    expect(r.calls[5]!.targets[0]!.formula).toBe('r[0,0], r[1,1]: 2 * r; r[0,1]: 2 * r[1,0]; r[1,0]: 2 * r[0,1]');
  });

  it('a training loop (updates under no_grad, through .data, with zero_() or grad = None): every step agrees with its finite differences, and the only note is real accumulation', () => {
    const r = own('training_loop_leaf_updates');
    expect(r.ok).toBe(true);
    expect(r.calls).toHaveLength(8);
    for (const c of r.calls) for (const t of c.targets) close(t.finiteDifferences!, t.expected);
    // grad.zero_() leaves zeros to add to: nothing to note. u's loop never resets its grad.
    expect(r.calls.map((c) => c.notes.length)).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(r.calls[7]!.notes[0]).toMatch(/^u\.grad already held a gradient/);
    // Each step's formula reads the parameters' current values (v: 0.5, then 0.5 - 0.1 * 1.5 = 0.35, …).
    const v = r.calls.slice(3, 6).map((c) => c.targets[0]!);
    v.forEach((t) => expect(t.formula).not.toMatch(/\d\.\d{2,}/));
    close([v[1]!.expected[0]!], [2 * 0.35 + 4 * 0.35 ** 3]);
  });

  it('a random fill of a leaf under no_grad is data, not a change to explain', () => {
    const r = own('random_inplace_autograd');
    expect(r.calls.map((c) => c.notes.filter((n) => n.includes('normal_')))).toEqual([[], [], []]);
  });

  it('a .data write after the forward pass still reads as the change it is: 2 * (x + 100), finite differences of the values y was computed from', () => {
    const src = 'import torch\nx = torch.tensor([1., 2.], requires_grad=True)\ny = x.exp()\nx.data += 1\nz = (y * x).sum()\nz.backward()\n';
    const r = check(src);
    const [x] = r.calls[0]!.targets;
    // y = exp(x) read the old values, z = y * x the new: autograd's gradient is the textbook's of exp(x) * (x + 1).
    // exp(x) * (x + 2) simplified, exp(x) + (x + 1) * exp(x) as tidied: x + 1 is the value z's forward read.
    expect(x!.formula).toMatch(/exp\(x\).*\(x \+ [12]\)|\(x \+ [12]\).*exp\(x\)/);
    expect(x!.formula).not.toMatch(/x'|x_old|\d\.\d/);
    close(x!.finiteDifferences!, x!.expected);
    expect(r.calls[0]!.notes).toEqual(['`x.data += 1` on line 4 left `y = x.exp()` on line 3 alone: it saved nothing of x, so its backward does not read the changed values.']);
  });
});

describe('retained grads and accumulated .grad under create_graph have a history', () => {
  it('t.grad of a non-leaf is grad.clone(), differentiable; so is an accumulated .grad, retained or a leaf\'s', () => {
    const r = own('retain_grad_derivative');
    expect(r.ok).toBe(true);
    const at = (line: number) => r.calls.find((c) => c.line === line)!.targets[0]!;
    // d/dx sum((3 t^2)^2) with t = 2x: 576 x^3 (it was no target at all).
    expect(at(13).expected).toEqual([576, 4608]);
    close(at(22).expected, [3.2539, -2.5306]);
    close(at(24).expected, [2.6928, -0.4977]);
    // s.grad = 1 (no history) + 2s (history): 4c.
    expect(at(33).expected).toEqual([6, 2]);
    for (const line of [13, 22, 24, 33]) close(at(line).finiteDifferences!, at(line).expected);
  });
});

describe('a create_graph gradient differentiated after a leaf it read was changed', () => {
  it('reads the new values where its backward saved the leaf by reference, and keeps the values that backward computed (PyTorch\'s double backward)', () => {
    const r = own('create_graph_after_leaf_update');
    expect(r.ok).toBe(true);
    const second = (line: number) => r.calls.find((c) => c.line === line)!.targets[0]!.expected;
    // p ** 3, then p.data.mul_(2): 6 * (2p) = 12 p; (r * r * r): 4 r_new + 2 r_old; log(s) * s: 2 / s_new - s_old / s_new^2.
    close(second(10), [3.6, -8.4]);
    close(second(18), [3, -7]);
    close(second(22), [2.5, 1.0714]);
  });
});

describe("pow's masks (bug 9)", () => {
  it('the second derivative of x ** (x - 0.25) at x = 0.25 is PyTorch\'s 5.9218 (the textbook 9.9218), and the note says why', () => {
    const r = own('pow_zero_exponent_second_derivative');
    expect(r.ok).toBe(true);
    const second = r.calls[1]!;
    expect(second.targets[0]!.expected[0]).toBeCloseTo(5.9218, 4);
    expect(second.targets[0]!.finiteDifferences![0]).toBeCloseTo(9.9218, 3);
    expect(second.notes).toEqual([
      "`y = x ** (x - 0.25)` on line 8 is evaluated at an exponent of 0: PyTorch's backward sets the base's gradient there to exactly 0, so derivatives of it through create_graph are 0 there too, where finite differences see the unmasked terms.",
    ]);
    expect(r.calls[2]!.targets[0]!.formula.split('\n')[0]).toBe('a[0]: where(w[0] == 0, 0, w[0] * a ^ (w[0] - 1))');
    // x ** 0.0 at 0: 0, not 0 * 0^-1.
    expect(r.calls.at(-1)!.targets[0]!.expected).toEqual([0, 0]);
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

/**
 * Fixtures whose point is a gradient that is not the derivative: a custom
 * Function's wrong backward, a hook that changes a gradient, a backward
 * that raises. (gradcheck is a check of its own: dzdx check does not see
 * its work, the script's output says what it found.) Their calls disagree, and each says why: a note, or the
 * error the script's backward raised. (Lines of the calls that disagree.)
 */
const WRONG_ON_PURPOSE: Record<string, number[]> = {
  fn_errors: [75, 76, 77, 80, 82, 86],
  hooks_register: [18, 32, 38, 45, 61, 66],
  optim_hook_wrong: [21],
};

describe('optimiser training loops (the optim_* fixtures, 100 steps each, are checked in full below)', () => {
  it('a hook that doubles a gradient in steps 20 to 24 of a loop: exactly those calls disagree, at the backward line, and the note names the hook', () => {
    const r = own('optim_hook_wrong');
    expect(r.exitCode).toBe(0);
    expect(r.ok).toBe(false);
    expect(r.calls).toHaveLength(30);
    const disagreeing = r.calls.flatMap((c, step) => (c.verdict === 'disagree' ? [step] : []));
    expect(disagreeing).toEqual([20, 21, 22, 23, 24]);
    for (const step of disagreeing) {
      const c = r.calls[step]!;
      expect(c.line).toBe(21);
      // The first layer's weight (the script's tensor, unnamed: t1) is wrong, the rest agree.
      expect(c.targets.filter((t) => t.verdict === 'disagree').map((t) => t.shape)).toEqual([[4, 2]]);
      expect(c.notes).toEqual([expect.stringMatching(/^the hook registered on line 16 doubled the gradient of /)]);
      const wrong = c.targets.find((t) => t.verdict === 'disagree')!;
      wrong.expected.forEach((v, k) => expect(wrong.actual![k]).toBeCloseTo(2 * v, 6));
    }
  }, 120_000);

  it('one op touching more than MAX_OP_ELEMENTS elements stops the check at once, with exit 2 and the reason', () => {
    const r = check('import torch\nx = torch.ones(1000, 300, requires_grad=True)\ny = (x * 2).sum()\ny.backward()\n');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`<script>:3:6: dzdx check follows every tensor element symbolically, and this op touches more than ${MAX_OP_ELEMENTS} elements`);
  });

  it('a script whose ops touch more than MAX_TRACED_ELEMENTS elements stops with exit 2 and the reason', () => {
    // Ops of 180,000 elements each, under the one-op bound, in a loop: the total passes the script's.
    const steps = Math.ceil(MAX_TRACED_ELEMENTS / 180_000) + 1;
    const r = check(`import torch\nx = torch.ones(300, 300, requires_grad=True)\nfor i in range(${steps}):\n    y = x * 2\n`);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`this script's ops touch more than ${MAX_TRACED_ELEMENTS} elements`);
    expect(r.stderr.startsWith('<script>:4:9: dzdx check follows every tensor element symbolically')).toBe(true);
  }, 60_000);
});

const suites = { 'shared corpus': 'test/conformance', 'own fixtures': 'test/fixtures/own', 'own notebooks': 'test/fixtures/notebooks', examples: 'examples' };
for (const [suite, dir] of Object.entries(suites)) {
  describe(`expected = actual on every backward call: ${suite}`, () => {
    for (const f of loadFixtures(dir)) {
      it(f.name, () => {
        const r = check(sourceOf(f.source, f.file));
        expect(r.exitCode).toBe(f.code);
        const wrong = WRONG_ON_PURPOSE[f.name];
        if (wrong) {
          const disagreeing = r.calls.filter((c) => c.verdict === 'disagree');
          expect([...new Set(disagreeing.map((c) => c.line))]).toEqual(wrong);
          for (const c of disagreeing) expect(c.notes.length > 0 || c.actualError !== null, `line ${c.line}`).toBe(true);
          return;
        }
        for (const c of r.calls) {
          expect({ line: c.line, verdict: c.verdict, targets: c.targets.filter((t) => t.verdict !== 'agree').map((t) => t.name) })
            .toEqual({ line: c.line, verdict: 'agree', targets: [] });
          // Every formula fits a terminal, in text and LaTeX (a summary past the bound); --json has it whole.
          for (const t of c.targets) {
            const long = [...t.formula.split('\n'), ...t.latex.split('\n')].filter((l) => l.length > FORMULA_LINE_LIMIT);
            expect(long, `line ${c.line}, d/d${t.name}`).toEqual([]);
            expect(t.fullFormula.length).toBeGreaterThanOrEqual(t.formula.startsWith('a formula of') ? FORMULA_LINE_LIMIT : 1);
          }
        }
        // (The 100-step optimiser loops take seconds each.)
      }, 120_000);
    }
  });
}
