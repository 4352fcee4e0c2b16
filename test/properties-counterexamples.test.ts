/**
 * Engine counterexamples reproduce the failure under PyTorch. The ten in
 * test/fixtures/engine-counterexamples/ (one per planted bug of
 * examples/tensor-engine.mjs, seed 1) were recorded with PyTorch 1.13 by
 * tools/record-fixture.py: what PyTorch printed shows the engine's values
 * next to different ones of PyTorch's, and `dzdx run` prints the same.
 * Where PyTorch is installed, test/properties-engines.test.ts runs the
 * fresh counterexamples of every bug through it too.
 */
import { describe, expect, test } from 'vitest';
// @ts-ignore: a plain JavaScript example
import { BUGS } from '../examples/tensor-engine.mjs';
import { disagreement } from './helpers/disagreement.js';
import { loadFixtures, runFixture } from './helpers/fixtures.js';

const fixtures = loadFixtures('test/fixtures/engine-counterexamples');

describe('recorded counterexamples (PyTorch 1.13)', () => {
  test('one per planted bug', () => {
    expect(fixtures.map((f) => f.name).sort()).toEqual([...(BUGS as string[])].map((b) => b.replace('-', '_')).sort());
  });
  for (const f of fixtures) {
    test(`${f.name}: PyTorch printed the engine's values next to different ones, and dzdx run prints the same`, () => {
      expect(f.code).toBe(0);
      expect(disagreement(f.out), f.out).not.toBeNull();
      const r = runFixture(f);
      expect(r.stdout).toBe(r.expectedStdout);
      expect(r.lastErr).toBe(f.err); // create_graph's UserWarning, as PyTorch gives it
      expect(r.exitCode).toBe(0);
    });
  }
});
