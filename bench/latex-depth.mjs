// How LaTeX printing grows with the nesting depth of function calls.
//
//   node bench/latex-depth.mjs [--out FILE]
//
// mathjs 15's FunctionNode._toTex renders every argument, then renders it
// again inside the function's LaTeX template, so plain node.toTex() doubles
// with each nested call (displayFormula took 50 s on the 30-op `nested`
// derivative before commit 7dd67fa made src/symbolic/display.ts cache each
// node's LaTeX). This measures, for the `nested` family's derivative at
// growing depth: displayFormula, plain toTex(), and toTex() with a handler
// that caches each node's LaTeX (the same string, in linear time), so a
// regression shows.
import { writeFileSync } from 'node:fs';
import { buildCases, toMathjs } from './cases.mjs';

const dist = (path) => import(new URL(`../dist/src/${path}`, import.meta.url).href);
const { deriveNode } = await dist('symbolic/derive.js');
const { displayFormula, tidyNode, printedSize } = await dist('symbolic/display.js');
const { nodeBuilders } = await dist('symbolic/mathjs.js');


/** toTex options whose handler caches every node's LaTeX. */
function cachedTex() {
  const cache = new Map();
  return {
    handler(node, options) {
      let tex = cache.get(node);
      if (tex === undefined) {
        tex = node._toTex(options);
        cache.set(node, tex);
      }
      return tex;
    },
  };
}

const time = (f) => {
  const t0 = performance.now();
  const value = f();
  return [performance.now() - t0, value];
};

const rows = [];
const LIMIT_MS = 4_000; // stop before the next depth would take ~4x this
for (const size of [6, 9, 12, 15, 18, 21]) {
  const c = buildCases([size]).find((k) => k.family === 'nested');
  const d = tidyNode(deriveNode(toMathjs(c, nodeBuilders()), 'x'));
  const [displayMs] = time(() => displayFormula(d));
  const [texMs, tex] = time(() => d.toTex());
  const [cachedMs, fast] = time(() => d.toTex(cachedTex()));
  const row = { ops: c.ops, depth: c.ops, printedNodes: printedSize(d), displayFormulaMs: displayMs, toTexMs: texMs, cachedToTexMs: cachedMs, sameLatex: tex === fast };
  rows.push(row);
  console.log(JSON.stringify(row));
  if (displayMs > LIMIT_MS || texMs > LIMIT_MS) break;
}
const i = process.argv.indexOf('--out');
if (i > 0) writeFileSync(process.argv[i + 1], JSON.stringify({ rows }, null, 1) + '\n');
