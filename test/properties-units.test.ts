/**
 * Unit tests of the property suite's parts: the printed-tensor parser, the
 * program printer and evaluator, the registry coverage, replay of a failure
 * by its path, and the `dzdx props` command.
 */
import fc from 'fast-check';
import { describe, expect, test, vi } from 'vitest';
import { propsCommand, table } from '../cli/props.js';
import { programArb, CORE } from '../properties/arbitraries.js';
import { ENGINE_PROPERTIES, runEngineProperty, type AutogradEngine } from '../properties/engine.js';
import { parsePrinted, parseTensor, printedTolerance } from '../properties/parse-tensor.js';
import { elementwiseOps, evaluate, EXCLUDED_OPS, printProgram, replaceCutsByConstants, type Program } from '../properties/program.js';
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
  test('a failure replays from its seed and path, and prints a script and the replay command', () => {
    const engine = (createEngine as (o: object) => AutogradEngine)({ bugs: ['div'] });
    const def = ENGINE_PROPERTIES[0]!;
    const first = runEngineProperty(def, engine, { seed: 42, runs: 300 });
    expect(first.passed).toBe(false);
    const again = runEngineProperty(def, engine, { seed: first.seed, path: first.path!, runs: 300 });
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
    } finally {
      spy.mockRestore();
      err.mockRestore();
    }
    const text = out.join('');
    expect(text).toMatch(/property\s+runs\s+result\s+time/);
    expect(text).toMatch(/linearInGradient\s+10.*passed/);
    expect(text).toMatch(/engineGradientsEqualExpected\s+20.*passed/);
  });
  test('the table', () => {
    expect(table([{ name: 'p', passed: false, runs: 3, skipped: 1, shrinks: 0, timeMs: 1500, seed: 7, path: '1', counterexample: '', error: '', replay: '' }])).toContain('FAILED');
  });
});
