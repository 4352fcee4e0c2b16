/**
 * The engine properties against dzdx's own adapter and the example buggy
 * engine: the bug-free variants pass, and each planted bug is caught with a
 * minimal counterexample that names the property and runs as a script.
 */
import { describe, expect, test } from 'vitest';
import { ENGINE_PROPERTIES, runEngineProperty, type AutogradEngine } from '../properties/engine.js';
import { dzdxEngine } from '../properties/engines/dzdx.js';
import { formatFailure } from '../properties/suite.js';
import { runScript } from '../src/index.js';
// @ts-ignore: a plain JavaScript example
import { BUGS, createEngine } from '../examples/buggy-engine.mjs';

const SEED = 20261128;
const make = createEngine as (o?: { bugs?: string[] }) => AutogradEngine<unknown>;

/** Which property catches which planted bug. */
const CAUGHT_BY: Record<string, string> = {
  tanh: 'engineGradientsEqualExpected',
  reuse: 'engineGradientsEqualExpected',
  pow: 'engineGradientsEqualExpected',
  relu0: 'engineGradientsEqualExpected',
  div: 'engineGradientsEqualExpected',
  accum: 'engineAccumulates',
  seed: 'engineGradientsEqualExpected',
};

describe('engines that pass', () => {
  for (const engine of [dzdxEngine, make()]) {
    for (const def of ENGINE_PROPERTIES) {
      test(`${engine.name}: ${def.name}`, () => {
        const o = runEngineProperty(def, engine, { seed: SEED, runs: 150 });
        if (!o.passed) throw new Error(formatFailure(o));
      }, 60_000);
    }
  }
});

describe('planted bugs are caught', () => {
  test('every planted bug has an expectation', () => {
    expect(Object.keys(CAUGHT_BY).sort()).toEqual([...(BUGS as string[])].sort());
  });
  for (const bug of BUGS as string[]) {
    test(`bug ${bug}`, () => {
      const engine = make({ bugs: [bug] });
      const def = ENGINE_PROPERTIES.find((d) => d.name === CAUGHT_BY[bug])!;
      const o = runEngineProperty(def, engine, { seed: SEED, runs: 400 }, 'examples/buggy-engine.mjs');
      expect(o.passed).toBe(false);
      const text = formatFailure(o);
      expect(text).toContain(`property ${def.name} failed`);
      expect(text).toContain(`engine buggy-engine (bugs: ${bug})`);
      expect(text).toMatch(/--property \w+ --seed \d+ --path [\d:]+ --engine examples\/buggy-engine\.mjs/);
      // The counterexample is a small runnable script.
      const script = o.counterexample!;
      expect(script.split('\n').filter((l) => /^y\d+ = /.test(l)).length).toBeLessThanOrEqual(3);
      expect(runScript(script).exitCode).toBe(0);
    }, 60_000);
  }
});
