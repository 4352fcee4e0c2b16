/**
 * Every recorded PyTorch script: the shared corpus (test/conformance), our
 * own (test/fixtures/own), our notebooks (test/fixtures/notebooks: what Jupyter
 * shows, recorded through IPython) and the examples must print what PyTorch printed.
 */
import { describe, expect, it } from 'vitest';
import { loadFixtures, runFixture } from './helpers/fixtures.js';

const suites = {
  'shared corpus': 'test/conformance',
  'own fixtures': 'test/fixtures/own',
  'own notebooks': 'test/fixtures/notebooks',
  examples: 'examples',
};

// DZDX_FIXTURES (a regular expression) runs a subset: mutation testing uses the hand-written ones.
const only = process.env.DZDX_FIXTURES ? new RegExp(process.env.DZDX_FIXTURES) : null;

for (const [suite, dir] of Object.entries(suites)) {
  const fixtures = loadFixtures(dir).filter((f) => !only || only.test(f.name));
  describe(`${suite} (${dir})`, () => {
    it('has fixtures', () => expect(fixtures.length).toBeGreaterThan(0));
    for (const f of fixtures) {
      it(f.name, () => {
        const r = runFixture(f);
        expect(r.stdout).toBe(r.expectedStdout);
        expect(r.lastErr).toBe(f.err);
        expect(r.exitCode).toBe(f.code);
      });
    }
  });
}
