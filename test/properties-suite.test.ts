/**
 * The property suite under vitest: every property with a fixed seed and a
 * modest number of runs (the whole suite takes seconds; `npx dzdx props
 * --runs 2000 --seed N` runs more). A failure prints the shrunk program as
 * a runnable script and the replay command.
 */
import { describe, expect, test } from 'vitest';
import { assertProperty, PROGRAM_PROPERTIES } from '../properties/suite.js';

const SEED = 20261128;
/** Runs per property here: enough to exercise every feature, small enough for CI. */
const RUNS: Record<string, number> = {
  tapeEqualsSymbolic: 500,
  symbolicEqualsFiniteDifferences: 400,
  dataMutationHitsSavers: 400,
  detachEqualsNoGrad: 250,
  accumulatesTwice: 250,
  linearInGradient: 250,
  versionCheck: 400,
  secondDerivative: 300,
  printingRoundTrips: 500,
  parserNeverCrashes: 600,
};

describe('property suite (seed 20261128)', () => {
  for (const def of PROGRAM_PROPERTIES) {
    test(def.name, () => {
      const o = assertProperty(def, { seed: SEED, runs: RUNS[def.name] ?? 100 });
      expect(o.passed).toBe(true);
      // Most runs must be real tests, not skipped as inapplicable.
      expect(o.skipped).toBeLessThan(o.runs * 1.5);
    }, 120_000);
  }
});
