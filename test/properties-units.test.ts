/**
 * Unit tests of the property suite's parts: the printed-tensor parser, the
 * program printer and evaluator, the registry coverage, replay of a failure
 * by its path, and the `dzdx props` command.
 */
import fc from 'fast-check';
import { describe, expect, test, vi } from 'vitest';
import { propsCommand, table } from '../cli/props.js';
import { junitReport, xmlEscape } from '../cli/junit.js';
import { ALL_FEATURES, CORE, leafShapesArb, programArb } from '../properties/arbitraries.js';
import { formatStats, generatorStats } from '../properties/stats.js';
import { ENGINE_PROPERTIES, runEngineProperty, type AutogradEngine } from '../properties/engine.js';
import { parsePrinted, parseTensor, printedTolerance } from '../properties/parse-tensor.js';
import { DomainError, elementwiseOps, evaluate, EXCLUDED_OPS, printProgram, replaceCutsByConstants, type Program } from '../properties/program.js';
import { tapeEqualsSymbolic } from '../properties/suite.js';
import { registry, runScript } from '../src/index.js';
// @ts-ignore: a plain JavaScript example
import { createEngine } from '../examples/buggy-engine.mjs';

describe('parse-tensor', () => {
  test('reads what dzdx prints', () => {
    const t = parseTensor('tensor([[ 1.5000, -2.0000],\n        [ 0.2500,  3.0000]], dtype=torch.float64, grad_fn=<MulBackward0>)');
    expect(t.shape).toEqual([2, 2]);
    expect(t.values).toEqual([1.5, -2, 0.25, 3]);
    expect(t.dtype).toBe('torch.float64');
    expect(t.suffixes).toContain('grad_fn=<MulBackward0>');
    expect(parseTensor('tensor(2.)').shape).toEqual([]);
    expect(parseTensor('tensor([[0.]])').shape).toEqual([1, 1]);
    expect(parseTensor('tensor([1.0000e-05, nan, -inf])').values).toEqual([1e-5, NaN, -Infinity]);
    expect(parsePrinted('tensor([1., 2.])\nNone\ntensor(3.)\n').map((t) => t?.values ?? null)).toEqual([[1, 2], null, [3]]);
  });
  test('tolerances follow the print mode', () => {
    expect(printedTolerance('1.2346', 1.23456)).toBeCloseTo(0.5e-4);
    expect(printedTolerance('2.', 2)).toBe(0);
    expect(printedTolerance('1.2346e+05', 123456)).toBeCloseTo(123456 * 0.5e-4);
  });
});

describe('programs', () => {
  test('every elementwise registry op is generated or excluded with a reason', () => {
    const generated = new Set(elementwiseOps());
    for (const [name, entry] of registry) {
      if (entry.symbolic.kind !== 'elementwise') continue;
      expect(generated.has(name) || name in EXCLUDED_OPS, name).toBe(true);
    }
  });
  test('the ops along a dim and max/min are drawn, printed as scripts write them, and agree', () => {
    const ops = ['cumsum', 'cumprod', 'softmax', 'log_softmax', 'sort', 'topk', 'max', 'min'];
    const programs = fc.sample(programArb({ ...ALL_FEATURES, ops: [...ops, 'sum', 'mul'] }), { seed: 3, numRuns: 120 });
    const scripts = programs.map(printProgram).join('\n');
    for (const spelling of ['torch.cumsum(', '.cumprod(', 'F.softmax(', 'log_softmax(', '.values', ')[0]', 'torch.topk(', 'torch.max(']) {
      expect(scripts, spelling).toContain(spelling);
    }
    for (const p of programs.slice(0, 40)) tapeEqualsSymbolic(p);
    // A tie at the top of a group would make max's pick PyTorch's choice: such a group is refused.
    const tie: Program = {
      leaves: [{ name: 'x', shape: [2, 2], dtype: 'float64', values: [1, 1, 0.5, 2], requiresGrad: true }],
      steps: [{ kind: 'value', name: 'y1', op: 'max', args: [{ ref: 'x' }], attrs: { dim: 1, keepdim: 0, form: 0 } }],
    };
    expect(() => evaluate(tie)).toThrow(DomainError);
    expect(evaluate({ ...tie, steps: [{ ...tie.steps[0]!, attrs: { dim: 0, keepdim: 0, form: 1 } } as Program['steps'][number]] }).get('y1').values).toEqual([1, 2]);
  });
  test('printed programs run, and cut values become constants', () => {
    const p: Program = {
      leaves: [{ name: 'x', shape: [2], dtype: 'float32', values: [1.5, -0.5], requiresGrad: true }],
      steps: [
        { kind: 'value', name: 'y1', op: 'pow', args: [{ ref: 'x' }], attrs: { exponent: 2 } },
        { kind: 'value', name: 'y2', op: 'exp', args: [{ ref: 'x' }], attrs: {}, cut: 'no_grad' },
        { kind: 'value', name: 'y3', op: 'add', args: [{ ref: 'y1' }, { ref: 'y2' }], attrs: {} },
        { kind: 'data', target: 'x', op: '+=', value: 1.5 },
        { kind: 'value', name: 'y4', op: 'sum', args: [{ ref: 'y3' }], attrs: { dim: -1 }, method: true },
        { kind: 'backward', root: 'y4' },
      ],
    };
    const script = printProgram(p);
    expect(script).toContain('with torch.no_grad():\n    y2 = torch.exp(x)');
    expect(script).toContain('x.data += 1.5');
    expect(runScript(script).stdout).toBe('tensor([6., 2.])\n');
    const constant = replaceCutsByConstants(p);
    expect(constant.leaves.map((l) => l.name)).toEqual(['x', 'y2']);
    expect(evaluate(p).saversOf('x', 'y4').map((n) => n.op)).toEqual(['pow']);
  });
  test('generated programs are valid scripts (exit 0, or an error PyTorch raises)', () => {
    for (const p of fc.sample(programArb(), { seed: 3, numRuns: 60 })) {
      const r = runScript(printProgram(p));
      expect(r.exitCode, printProgram(p) + r.stderr).not.toBe(2);
    }
  });
  test('shrinking gives smaller programs', () => {
    // A property that fails whenever there are 3 value steps or more shrinks to exactly 3, on one small leaf.
    const d = fc.check(fc.property(programArb(CORE), (p) => p.steps.filter((s) => s.kind === 'value').length < 3), { seed: 5 });
    expect(d.failed).toBe(true);
    const p = d.counterexample![0];
    expect(p.steps.filter((s) => s.kind === 'value')).toHaveLength(3);
    expect(p.leaves).toHaveLength(1);
    expect(p.leaves[0]!.values.length).toBe(1);
  });
});

describe('replay and the props command', () => {
  test('a failure replays from its seed and path, and prints a script and the replay command', async () => {
    const engine = (createEngine as (o: object) => AutogradEngine)({ bugs: ['div'] });
    const def = ENGINE_PROPERTIES[0]!;
    const first = await runEngineProperty(def, engine, { seed: 42, runs: 300 });
    expect(first.passed).toBe(false);
    const again = await runEngineProperty(def, engine, { seed: first.seed, path: first.path!, runs: 300 });
    expect(again.passed).toBe(false);
    expect(again.counterexample).toBe(first.counterexample);
    expect(first.replay).toBe(`npx dzdx props --property ${def.name} --seed 42 --path ${first.path}`);
  });
  test('propsCommand runs one property and prints the table', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((t: string | Uint8Array) => (out.push(String(t)), true));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await propsCommand({ property: 'linearInGradient', runs: 10, seed: 1 })).toBe(0);
      expect(await propsCommand({ property: 'nope' })).toBe(2);
      expect(await propsCommand({ engine: 'examples/buggy-engine.mjs', runs: 20, seed: 1 })).toBe(0);
      expect(await propsCommand({ engine: 'examples/buggy-engine.mjs', engineCmd: 'python3 x.py' })).toBe(2);
      expect(await propsCommand({ shard: '3/2' })).toBe(2);
      expect(await propsCommand({ engine: 'examples/no-such-engine.mjs' })).toBe(2);
    } finally {
      spy.mockRestore();
      err.mockRestore();
    }
    const text = out.join('');
    expect(text).toMatch(/property\s+runs\s+result\s+time/);
    expect(text).toMatch(/linearInGradient\s+10.*passed/);
    expect(text).toMatch(/engineGradientsEqualExpected\s+20.*passed/);
    // What an older adapter cannot be checked for is said, and not counted as passed.
    expect(text).toMatch(/engineVersionCounter\s+-\s+not checked/);
    expect(text).toContain('3/3 passed, 6 not checked');
    expect(text).toContain('not checked: engineVersionCounter: the engine does not declare inPlace');
  });
  test('--shard K/N: its own seed and 1/N of the runs; --reporter junit; --stats', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((t: string | Uint8Array) => (out.push(String(t)), true));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await propsCommand({ property: 'linearInGradient', runs: 10, seed: 100, shard: '3/4' })).toBe(0);
      // 3 runs, ceil(10 / 4), and how many programs were skipped as inapplicable, as the table prints them.
      expect(out.join('')).toMatch(/linearInGradient\s+3(?: \(\+\d+ skipped\))?\s+passed/);
      expect(out.join('')).toContain('(seed 102, shard 3/4)');
      out.length = 0;
      expect(await propsCommand({ property: 'printingRoundTrips', runs: 5, seed: 1, reporter: 'junit', shard: '2/2' })).toBe(0);
      expect(out.join('')).toMatch(/<testcase classname="dzdx.props" name="printingRoundTrips" time="[\d.]+"\/>/);
      expect(out.join('')).toContain('<property name="shard" value="2/2"/>');
      out.length = 0;
      expect(await propsCommand({ stats: true, runs: 200, seed: 1 })).toBe(0);
      expect(out.join('')).toMatch(/^programs of tapeEqualsSymbolic \(seed 1\): 200 programs/);
      expect(out.join('')).toMatch(/2-D, both sides > 1 \(full matrix\)\s+\d+\s+[\d.]+ %/);
    } finally {
      spy.mockRestore();
      err.mockRestore();
    }
  });
  test('JUnit XML escapes what it carries', () => {
    expect(xmlEscape('a < b & "c" \u0001')).toBe('a &lt; b &amp; &quot;c&quot; \ufffd');
    const xml = junitReport(
      [{ name: 'p', passed: false, runs: 3, skipped: 0, shrinks: 1, timeMs: 1500, seed: 7, path: '1', counterexample: 'x = torch.tensor([1.0]) < 2', error: 'a < b', replay: 'npx dzdx props' }],
      { suite: 'dzdx props', seed: 7, shard: '', formatFailure: (o) => `${o.error}\n${o.counterexample}` },
    );
    expect(xml).toContain('<failure message="a &lt; b" type="PropertyFailure">a &lt; b\nx = torch.tensor([1.0]) &lt; 2</failure>');
  });
  test('the table', () => {
    expect(table([{ name: 'p', passed: false, runs: 3, skipped: 1, shrinks: 0, timeMs: 1500, seed: 7, path: '1', counterexample: '', error: '', replay: '' }])).toContain('FAILED');
  });
});

describe("the generator's distribution (dzdx props --stats)", () => {
  test('reaches full matrices, matrix products of matrices, reductions over each dim and ties between different tensors', () => {
    const s = generatorStats(programArb(ALL_FEATURES), 2000, 20261128);
    expect(s.leaves.fullMatrix / s.leaves.total).toBeGreaterThanOrEqual(0.4);
    expect(s.matmuls.matrixMatrix / s.matmuls.total).toBeGreaterThanOrEqual(0.3);
    expect(s.reductions.dim0).toBeGreaterThan(0);
    expect(s.reductions.dim1).toBeGreaterThan(0);
    expect(s.extrema.tieBetweenDifferent).toBeGreaterThan(s.extrema.sameTensor);
    expect(s.leaves.constant / s.leaves.total).toBeGreaterThan(0.1);
    expect(s.stepsAtKink).toBeGreaterThan(0);
    expect(s.broadcasting.innerDim).toBeGreaterThan(0);
    expect(formatStats(s, 'x')).toContain('matrix @ matrix');
  }, 60_000);
  test('shapes: a base shape per program, leaves its transpose or a shape broadcasting to it', () => {
    for (const shapes of fc.sample(leafShapesArb(3), { seed: 1, numRuns: 200 })) {
      const [base, ...others] = shapes;
      for (const s of others) {
        const transposed = s.join() === [...base!].reverse().join();
        const broadcasts = s.length <= base!.length && s.every((d, i) => d === 1 || d === base![base!.length - s.length + i]);
        expect(transposed || broadcasts, `[${s}] with base [${base}]`).toBe(true);
      }
    }
  });
});

describe('engine programs as scripts', () => {
  test('.data reads, create_graph through backward, and the second backward of a grad', () => {
    const p: Program = {
      leaves: [{ name: 'x', shape: [2], dtype: 'float64', values: [0.5, 1.5], requiresGrad: true }],
      steps: [
        { kind: 'value', name: 'y1', op: 'tanh', args: [{ ref: 'x' }], attrs: {} },
        { kind: 'value', name: 'y2', op: 'exp', args: [{ ref: 'x' }], attrs: {}, cut: 'data' },
        { kind: 'value', name: 'y3', op: 'mul', args: [{ ref: 'y1' }, { ref: 'y2' }], attrs: {} },
        { kind: 'value', name: 'y4', op: 'sum', args: [{ ref: 'y3' }], attrs: { dim: -1 }, method: true },
        { kind: 'backward', root: 'y4', createGraph: true },
        { kind: 'gradbackward', leaf: 'x', reduce: 'sum' },
      ],
    };
    const script = printProgram(p);
    expect(script).toContain('y2 = (torch.exp(x)).data\n');
    expect(script).toContain('y4.backward(create_graph=True)\nprint(x.grad)\ng_x = x.grad\nx.grad = None\nif g_x.requires_grad:\n    g_x.sum().backward(retain_graph=True)\nprint(x.grad)\n');
    const r = runScript(script);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('tensor'))).toHaveLength(2);
  });
});
