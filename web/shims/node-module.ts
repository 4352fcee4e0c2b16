/**
 * In the playground's bundle and the CLI's (cli/bundle/build.mjs),
 * src/symbolic/mathjs.ts's `createRequire(...)('mathjs/lib/browser/math.js')`
 * resolves to this: the same single-file mathjs build, bundled.
 */
import math from 'mathjs/lib/browser/math.js';

export function createRequire(): (id: string) => unknown {
  return () => math;
}
