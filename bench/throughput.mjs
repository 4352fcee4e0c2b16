// Programs checked per second, three ways, on random programs of about 10 ops
// on tensors of up to 16 elements (issue 4's target: 1,000 or more per second
// on one core). Run: npm run build && node bench/throughput.mjs [count]
// (single-threaded: one core). Writes bench/results/throughput-<date>.json.
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { programArb, ALL_FEATURES } from '../dist/properties/arbitraries.js';
import { printProgram } from '../dist/properties/program.js';
import { runScript } from '../dist/src/program/run.js';
import { check } from '../dist/src/check/check.js';
import { setTapeListener } from '../dist/src/autograd/record.js';

const count = Number(process.argv[2] ?? 2000);
const programs = fc.sample(programArb({ ...ALL_FEATURES, maxSteps: 10 }), { numRuns: count, seed: 20261128 }).map(printProgram);
const ops = programs.map((p) => (p.match(/^y\d+ = /gm) ?? []).length);

function rate(label, fn) {
  for (const p of programs.slice(0, 50)) fn(p); // warm-up
  const t0 = performance.now();
  for (const p of programs) fn(p);
  const seconds = (performance.now() - t0) / 1000;
  return { label, programs: programs.length, seconds, perSecond: programs.length / seconds };
}

const tape = rate('tape only (dzdx run)', (p) => runScript(p));
const full = rate('tape + symbolic + finite differences (dzdx check, no display)', (p) => check(p, { formulas: false }));
const display = rate('the same with formulas for display', (p) => check(p));
setTapeListener(null);
const symbolicAndFd = 1 / (1 / full.perSecond - 1 / tape.perSecond);
const result = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
  meanOps: ops.reduce((a, b) => a + b, 0) / ops.length,
  rates: [tape, full, display],
  symbolicAndFiniteDifferencesPerSecond: symbolicAndFd,
};
for (const r of result.rates) console.log(`${r.label.padEnd(64)} ${r.perSecond.toFixed(0).padStart(6)} programs/s`);
console.log(`${'symbolic + finite differences alone (derived)'.padEnd(64)} ${symbolicAndFd.toFixed(0).padStart(6)} programs/s`);
console.log(`mean ops per program: ${result.meanOps.toFixed(1)}`);
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/throughput-${result.date.slice(0, 10)}.json`, JSON.stringify(result, null, 2) + '\n');
