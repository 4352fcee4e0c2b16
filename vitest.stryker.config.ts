import { defineConfig } from 'vitest/config';

// The fast, in-process tests of the tape: gradcheck of every op, engine
// bookkeeping, the library API, and the hand-written PyTorch fixtures
// (grad_fn names, saved tensors, error texts). The random corpus scripts,
// dzdx check and the property suite kill a few more mutants but make a
// mutation run take hours on 2 cores.
export default defineConfig({
  test: {
    include: [
      'test/autograd.test.ts',
      'test/api.test.ts',
      'test/conformance.test.ts',
      'test/symbolic-registry.test.ts',
      'test/mutation-*.test.ts',
    ],
    env: { DZDX_FIXTURES: '^(?!rand_)' },
    pool: 'threads',
  },
});
