import { defineConfig } from 'vitest/config';

// The fast, in-process tests of the tape: gradcheck of every op, engine
// bookkeeping, the library API, the registry's symbolic specs, the
// hand-written PyTorch fixtures (grad_fn names, saved tensors, error texts)
// and the test/mutation-* tests written against surviving mutants
// (docs/mutation-testing.md). The random corpus scripts, dzdx check and the
// property suite would make a mutation run take hours on 2 cores. Keep ops
// out of `describe` bodies: work done while tests are collected makes every
// mutant it reaches static (run against every test).
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
