// Mutation testing of the tape (issue 4): a surviving mutant is a missing test or property.
// Run: npx stryker run   (results: reports/mutation/mutation.html; summary in README)
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts' },
  mutate: ['src/autograd/**/*.ts', 'src/ops/**/*.ts'],
  coverageAnalysis: 'perTest',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  concurrency: 2,
  timeoutMS: 5000,
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
