import { defineConfig } from 'vitest/config';

// The fast, in-process tests of the tape (gradcheck of every op, engine
// bookkeeping, the library API). The conformance and property suites kill
// more mutants but make a full mutation run take hours on 2 cores.
export default defineConfig({
  test: {
    include: ['test/autograd.test.ts', 'test/api.test.ts'],
    pool: 'threads',
  },
});
