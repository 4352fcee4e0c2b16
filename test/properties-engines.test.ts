/**
 * The engine properties against dzdx's own adapter and the example
 * engines: the bug-free ones pass every property their capabilities allow;
 * each planted bug is caught at the default runs on five seeds, and its
 * shrunk counterexample is the failing sequence as a script that prints the
 * engine's values next to PyTorch's.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { programArb } from '../properties/arbitraries.js';
import { accumulationProgram, allConstant, capabilitiesOf, engineOptions, engineProblem, ENGINE_PROPERTIES, errorKindOf, EngineError, runEngineProperty, secondBackwardProgram, type AutogradEngine } from '../properties/engine.js';
import { expectedRun } from '../properties/engine-run.js';
import { dzdxEngine } from '../properties/engines/dzdx.js';
import { printProgram, type Program } from '../properties/program.js';
import { formatFailure } from '../properties/suite.js';
import { runScript } from '../src/index.js';
// @ts-ignore: a plain JavaScript example
import { BUGS as OLD_BUGS, createEngine as createOldEngine } from '../examples/buggy-engine.mjs';
// @ts-ignore: a plain JavaScript example
import { BUGS, createEngine } from '../examples/tensor-engine.mjs';
import { startEngineProcess } from '../properties/engine-process.js';
import { hasPyTorch, runPyTorch } from '../properties/pytorch.js';
import { disagreement } from './helpers/disagreement.js';
import { CAUGHT_BY, SEEDS } from './helpers/engine-bugs.js';
import { PYTHON, pythonEngineCommand } from './helpers/python.js';

const SEED = 20261128;
const makeOld = createOldEngine as (o?: { bugs?: string[] }) => AutogradEngine<unknown>;
const make = createEngine as (o?: { bug?: string | null }) => AutogradEngine<unknown>;
const property = (name: string) => ENGINE_PROPERTIES.find((d) => d.name === name)!;

describe('engines that pass', () => {
  for (const engine of [dzdxEngine, make()]) {
    for (const def of ENGINE_PROPERTIES) {
      test(`${engine.name}: ${def.name}`, async () => {
        const o = await runEngineProperty(def, engine, { seed: SEED, runs: 40 });
        expect(o.notChecked).toBeUndefined();
        if (!o.passed) throw new Error(formatFailure(o));
      }, 60_000);
    }
  }
  test('an older adapter (no capabilities) is checked for what it can do; the rest is not checked, never passed', async () => {
    const engine = makeOld();
    expect([...capabilitiesOf(engine)].sort()).toEqual(['resetGrad', 'retainGraph']);
    const outcomes = await Promise.all(ENGINE_PROPERTIES.map((def) => runEngineProperty(def, engine, { seed: SEED, runs: 30 })));
    const checked = outcomes.filter((o) => !o.notChecked).map((o) => o.name);
    expect(checked).toEqual(['engineGradientsEqualExpected', 'engineAccumulates', 'engineLinearInGradient']);
    for (const o of outcomes) {
      if (o.notChecked) {
        expect(o.passed).toBe(false);
        expect(o.runs).toBe(0);
        expect(o.notChecked).toMatch(/^the engine (does not declare|declares none of) /);
      } else expect(o.passed, formatFailure(o)).toBe(true);
    }
  }, 60_000);
});

describe('the seven bugs of examples/buggy-engine.mjs are caught', () => {
  const OLD_CAUGHT_BY: Record<string, string> = {
    tanh: 'engineGradientsEqualExpected',
    reuse: 'engineGradientsEqualExpected',
    pow: 'engineGradientsEqualExpected',
    relu0: 'engineGradientsEqualExpected',
    div: 'engineGradientsEqualExpected',
    accum: 'engineAccumulates',
    seed: 'engineGradientsEqualExpected',
  };
  test('every planted bug has an expectation', () => {
    expect(Object.keys(OLD_CAUGHT_BY).sort()).toEqual([...(OLD_BUGS as string[])].sort());
  });
  for (const bug of OLD_BUGS as string[]) {
    test(`bug ${bug}`, async () => {
      const def = property(OLD_CAUGHT_BY[bug]!);
      const o = await runEngineProperty(def, makeOld({ bugs: [bug] }), { seed: SEED }, ' --engine examples/buggy-engine.mjs');
      expect(o.passed).toBe(false);
      const text = formatFailure(o);
      expect(text).toContain(`property ${def.name} failed`);
      expect(text).toContain(`engine buggy-engine (bugs: ${bug})`);
      expect(text).toMatch(/--property \w+ --seed \d+ --path [\d:]+ --engine examples\/buggy-engine\.mjs/);
      const script = o.counterexample!;
      expect(script.split('\n').filter((l) => /^y\d+ = /.test(l)).length).toBeLessThanOrEqual(3);
      expect(runScript(script).exitCode).toBe(0);
    }, 60_000);
  }
});

/** The JavaScript version's counterexample of each bug (seed 1), which the Python version must print too. */
const jsCounterexamples = new Map<string, string>();
/**
 * The counterexample without the engine's name (its header comment), its error messages' words, and
 * the last digits of the engine's values (CPython's libm and V8's may differ in the last bit).
 */
const anonymous = (script: string) =>
  script
    .replace(/\(engine [^\n]*\)\n/, '\n')
    .replace(/print\('engine : raised', .*\)/g, "print('engine : raised', …)")
    .replace(/^print\('engine .*$/gm, (line) => line.replace(/-?\d+\.\d+(e[+-]?\d+)?/g, (x) => Number(x).toPrecision(10)));

describe('ten engines with one realistic bug each, in JavaScript (examples/tensor-engine.mjs) and Python (examples/python)', () => {
  test('every planted bug has the property that catches it', () => {
    expect(Object.keys(CAUGHT_BY).sort()).toEqual([...(BUGS as string[])].sort());
  });
  if (!PYTHON.python) {
    if (process.env.CI) test('has a python3 to test the Python engines with', () => expect.fail(PYTHON.why));
    else console.warn(`\n*** ${PYTHON.why} ***\n`);
  }
  for (const bug of BUGS as string[]) {
    test(`${bug} (JavaScript): caught by ${CAUGHT_BY[bug]} at its default runs on seeds ${SEEDS.join(', ')}, with a counterexample that reproduces`, async () => {
      const def = property(CAUGHT_BY[bug]!);
      const engine = make({ bug });
      for (const seed of SEEDS) {
        const o = await runEngineProperty(def, engine, { seed, noShrink: seed !== SEEDS[0] });
        expect(o.passed, `seed ${seed}: not caught in ${o.runs} runs`).toBe(false);
        expect(o.error).toContain(`engine tensor-engine (bug: ${bug})`);
        if (seed !== SEEDS[0]) continue;
        // The shrunk counterexample: small, the failing sequence, runs as a script, and prints both sides.
        const script = o.counterexample!;
        expect(script.split('\n').filter((l) => /^y\d+ = /.test(l) || /^\s+y\d+ = /.test(l)).length, script).toBeLessThanOrEqual(4);
        expect(script).toContain('# the engine and PyTorch part here:');
        expect(script).toMatch(/print\('engine /);
        const run = runScript(script);
        expect(run.exitCode, run.stderr).toBe(0);
        expect(run.stdout).toMatch(/^engine /m);
        expect(run.stdout).toMatch(/^PyTorch/m);
        jsCounterexamples.set(bug, script);
      }
    }, 120_000);
    // Same programs (same ops, capabilities and seeds), so dzdx's expected results come from the cache.
    test.skipIf(!PYTHON.python)(`${bug} (Python): caught the same way, with the same counterexample`, async () => {
      const def = property(CAUGHT_BY[bug]!);
      const engine = await startEngineProcess(pythonEngineCommand(PYTHON.python!), { env: { ...process.env, TENSOR_ENGINE_BUG: bug } });
      try {
        expect(engine.name).toBe(`tensor_engine.py (bug: ${bug})`);
        for (const seed of SEEDS) {
          const o = await runEngineProperty(def, engine, { seed, noShrink: seed !== SEEDS[0] });
          expect(o.passed, `seed ${seed}: not caught in ${o.runs} runs`).toBe(false);
          expect(o.error).toContain(`engine tensor_engine.py (bug: ${bug})`);
          if (seed === SEEDS[0] && jsCounterexamples.has(bug)) expect(anonymous(o.counterexample!)).toBe(anonymous(jsCounterexamples.get(bug)!));
        }
      } finally {
        await engine.close();
      }
    }, 120_000);
  }
  test.skipIf(!hasPyTorch())('every counterexample above, run under PyTorch, prints the values that disagree', () => {
    const scripts = [...jsCounterexamples.values()];
    expect(scripts).toHaveLength((BUGS as string[]).length);
    runPyTorch(scripts).forEach((r, i) => {
      expect(r.error, scripts[i]).toBeNull();
      expect(disagreement(r.stdout), `${scripts[i]}\n--- PyTorch printed:\n${r.stdout}`).not.toBeNull();
    });
  }, 120_000);
});

describe('the runner', () => {
  const x = (values: number[], requiresGrad = true) => ({ name: 'x', shape: [values.length], dtype: 'float64' as const, values, requiresGrad });
  const square: Program = {
    leaves: [x([1, 2])],
    steps: [
      { kind: 'value', name: 'y1', op: 'pow', args: [{ ref: 'x' }], attrs: { exponent: 2 } },
      { kind: 'value', name: 'y2', op: 'sum', args: [{ ref: 'y1' }], attrs: { dim: -1 }, method: true },
      { kind: 'backward', root: 'y2' },
    ],
  };
  test("PyTorch's behaviour step by step: accumulation, resets, the no-grad and backward-twice errors", () => {
    const acc = expectedRun(accumulationProgram(square, true))!;
    const grads = acc.steps.filter((s) => s.grads).map((s) => s.grads!.get('x'));
    expect(grads).toEqual([[2, 4], [4, 8], [2, 4], [2, 4]]);
    expect(expectedRun(allConstant(square))!.steps.at(-1)!.error?.kind).toBe('noGrad');
    expect(expectedRun(secondBackwardProgram(square, false))!.steps.at(-1)!.error?.kind).toBe('freed');
    expect(expectedRun(secondBackwardProgram(square, true))!.steps.at(-1)!.grads!.get('x')).toEqual([4, 8]);
  });
  test('an engine error is classified by its kind or by PyTorch\'s words', () => {
    expect(errorKindOf(new EngineError('version', 'x'))).toBe('version');
    expect(errorKindOf(new Error('Trying to backward through the graph a second time'))).toBe('freed');
    expect(errorKindOf(new Error('element 0 of tensors does not require grad and does not have a grad_fn'))).toBe('noGrad');
    expect(errorKindOf(new Error('index out of range'))).toBeNull();
  });
  test('a declared capability needs its methods', () => {
    const engine = { ...make(), capabilities: ['inPlace'] as const, inPlace: undefined };
    expect(engineProblem(engine as unknown as AutogradEngine)).toBe('it declares inPlace but has no method inPlace()');
    expect(engineProblem({ ...make(), capabilities: ['teleport'] } as unknown as AutogradEngine)).toMatch(/unknown capability "teleport"/);
    expect(() => engineOptions({ ...make(), ops: ['exp'] } as AutogradEngine)).toThrow(/needs a sum or mean op/);
  });
  test('a scalar engine (maxRank 0) gets 0-d tensors only', () => {
    const engine = { ...make(), maxRank: 0 } as AutogradEngine;
    for (const p of fc.sample(programArb(engineOptions(engine)), { seed: 1, numRuns: 100 })) {
      expect(p.leaves.every((l) => l.shape.length === 0)).toBe(true);
    }
  });
  test('programs for an engine without broadcasting keep same-shaped operands', () => {
    const engine = { ...make(), capabilities: [] } as AutogradEngine;
    const accept = engineOptions(engine).accept!;
    expect(accept('add', {}, [[2, 3], [3]])).toBe(false);
    expect(accept('matmul', {}, [[2, 3], [3, 2]])).toBe(true);
    expect(accept('sum', { dim: 1 }, [[2, 3]])).toBe(false);
    expect(printProgram(square)).toContain('y2 = y1.sum()');
  });
});
