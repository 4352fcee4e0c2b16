#!/usr/bin/env node
/**
 * float32 sin, cos and exp on 1,000,000 elements: the JavaScript kernels
 * against the WebAssembly SIMD ones (src/tensor/numerics/sleefWasm.ts), in
 * one process, fastest of --runs (default 5) after a warm-up, into a
 * preallocated output. Inputs: uniform in (-10, 10) (the fast reduction
 * everywhere) and the results are checked equal.
 *
 *   node bench/sleef-simd.mjs [--runs 5] [--n 1000000]
 */
import { parseArgs } from 'node:util';
import { importSource } from './import-source.mjs';

const { values: opts } = parseArgs({ options: { runs: { type: 'string', default: '5' }, n: { type: 'string', default: '1000000' } } });
const runs = Number(opts.runs);
const n = Number(opts.n);

const k = await importSource(
  `export * from './src/tensor/numerics/sleefTrigFloat32.js'; export { expfArrayJs, expfArrayWasm } from './src/tensor/numerics/sleefFloat32.js';`,
);

let seed = 1;
const xs = Float32Array.from({ length: n }, () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return (seed / 2147483648 - 0.5) * 20;
});

function fastest(f, out) {
  f(xs, out, 0, n);
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    f(xs, out, 0, n);
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

for (const [name, js, wasm] of [
  ['sin', k.sinfArrayJs, k.sinfArrayWasm],
  ['cos', k.cosfArrayJs, k.cosfArrayWasm],
  ['exp', k.expfArrayJs, k.expfArrayWasm],
]) {
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  const tJs = fastest(js, a);
  const tWasm = fastest(wasm, b);
  const same = a.every((v, i) => Object.is(v, b[i]));
  console.log(`${name}: JavaScript ${tJs.toFixed(1)} ms, wasm SIMD ${tWasm.toFixed(1)} ms (${(tJs / tWasm).toFixed(1)}x)${same ? '' : '  RESULTS DIFFER'}`);
}
