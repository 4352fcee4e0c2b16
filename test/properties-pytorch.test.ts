/**
 * Generated programs are valid PyTorch and `dzdx run` prints what PyTorch
 * prints for them. Runs only where /usr/bin/python3 (or DZDX_PYTHON) can
 * import torch; skipped elsewhere (CI does not need PyTorch).
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { ALL_FEATURES, programArb } from '../properties/arbitraries.js';
import { printProgram } from '../properties/program.js';
import { compareWithPyTorch, hasPyTorch } from '../properties/pytorch.js';

const available = hasPyTorch();

test.skipIf(!available)('dzdx run prints what PyTorch prints for 400 generated programs', () => {
  const scripts = fc.sample(programArb(ALL_FEATURES), { seed: 20261128, numRuns: 400 }).map(printProgram);
  const mismatches = compareWithPyTorch(scripts);
  const shown = mismatches.slice(0, 3).map((m) => `${m.script}\n--- dzdx:\n${m.dzdx.stdout}${m.dzdx.error ?? ''}\n--- PyTorch:\n${m.pytorch.stdout}${m.pytorch.error ?? ''}`);
  expect(shown.join('\n\n')).toBe('');
}, 300_000);
