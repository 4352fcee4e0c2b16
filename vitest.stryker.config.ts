import { defineConfig } from 'vitest/config';

// The tests that exercise src/autograd and src/ops, in-process (no CLI spawns:
// Stryker mutates the sources, not the built bundle).
export default defineConfig({
  test: {
    include: ['test/conformance.test.ts', 'test/api.test.ts', 'test/check.test.ts', 'test/autograd.test.ts', 'test/properties-*.test.ts'],
    pool: 'threads',
  },
});
