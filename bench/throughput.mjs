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
import { parseProgram } from '../dist/src/program/parse.js';
import { check } from '../dist/src/check/check.js';
import { centralDifferences } from '../dist/src/check/fd.js';
import { compileNode } from '../dist/src/symbolic/compile.js';
import { opsRunSoFar, setTapeListener } from '../dist/src/autograd/record.js';

const count = Number(process.argv[2] ?? 2000);
// fast-check's medium size and 16 drawn steps give programs of about 10 tensor ops as the tape
// counts them (drawn steps outside an op's domain are dropped).
fc.configureGlobal({ baseSize: 'medium' });
const programs = fc.sample(programArb({ ...ALL_FEATURES, maxSteps: 16 }), { numRuns: count, seed: 20261128 }).map(printProgram);
const ops = programs.map((p) => {
  const before = opsRunSoFar();
  runScript(p);
  return opsRunSoFar() - before;
});

// Rounds of every measurement in turn, each measurement keeping its fastest round: a busy second
// core (or a background job) slows single rounds, not all of them.
const ROUNDS = 3;
const measurements = [
  ['parsing the script alone (lezer + our AST)', (p) => parseProgram(p)],
  ['tape only (dzdx run: parse + run)', (p) => runScript(p)],
  ['tape + symbolic (dzdx check without finite differences)', (p) => check(p, { formulas: false, finiteDifferences: false })],
  ['tape + symbolic + finite differences (dzdx check, no display)', (p) => check(p, { formulas: false })],
];
const best = measurements.map(([label]) => ({ label, programs: programs.length, seconds: Infinity, perSecond: 0 }));
for (let round = 0; round < ROUNDS; round++) {
  measurements.forEach(([, fn], i) => {
    for (const p of programs.slice(0, 50)) fn(p); // warm-up
    const t0 = performance.now();
    for (const p of programs) fn(p);
    const seconds = (performance.now() - t0) / 1000;
    if (seconds < best[i].seconds) Object.assign(best[i], { seconds, perSecond: programs.length / seconds });
  });
}
const [parse, tape, symbolic, full] = best;
// Display formulas (mathjs simplify) are slow: one round on a tenth of the programs.
const displayed = programs.slice(0, Math.ceil(programs.length / 10));
const t0 = performance.now();
for (const p of displayed) check(p);
const displaySeconds = (performance.now() - t0) / 1000;
const display = { label: 'the same with formulas for display', programs: displayed.length, seconds: displaySeconds, perSecond: displayed.length / displaySeconds };
setTapeListener(null);
// Finite differences alone, measured directly: each program's objectives (as its check built
// them), compiled and differentiated centrally at every leaf element, as check does.
const objectives = programs.map((p) => {
  const calls = [];
  check(p, {
    formulas: false,
    finiteDifferences: false,
    observe: {
      call(_report, d) {
        if (!d.objective) return;
        const indices = d.symbols.flat().filter((s) => s !== null).map((s) => d.variables.indexOf(s));
        calls.push({ objective: d.objective, variables: d.variables, point: d.point, indices });
      },
    },
  });
  return calls;
});
let fdBest = Infinity;
for (let round = 0; round < ROUNDS; round++) {
  const t = performance.now();
  for (const calls of objectives) for (const c of calls) centralDifferences(compileNode(c.objective, c.variables), c.point, c.indices);
  fdBest = Math.min(fdBest, (performance.now() - t) / 1000);
}
const finiteDifferencesAlone = programs.length / fdBest;
// Each way alone, from the differences of the runs above (programs per second).
const alone = (with_, without) => 1 / (1 / with_.perSecond - 1 / without.perSecond);
const ways = {
  tape: tape.perSecond,
  tapeWithoutParsing: alone(tape, parse),
  symbolic: alone(symbolic, tape),
  finiteDifferences: finiteDifferencesAlone,
};
const symbolicAndFd = alone(full, tape);
const result = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() },
  meanOps: ops.reduce((a, b) => a + b, 0) / ops.length,
  rates: [parse, tape, symbolic, full, display],
  ways,
  symbolicAndFiniteDifferencesPerSecond: symbolicAndFd,
};
for (const r of result.rates) console.log(`${r.label.padEnd(64)} ${r.perSecond.toFixed(0).padStart(6)} programs/s`);
for (const [way, perSecond] of Object.entries(ways)) console.log(`${`one way alone (derived): ${way}`.padEnd(64)} ${perSecond.toFixed(0).padStart(6)} programs/s`);
console.log(`${'symbolic + finite differences alone (derived)'.padEnd(64)} ${symbolicAndFd.toFixed(0).padStart(6)} programs/s`);
console.log(`mean tensor ops per program (the tape's count): ${result.meanOps.toFixed(1)}`);
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/throughput-${result.date.slice(0, 10)}.json`, JSON.stringify(result, null, 2) + '\n');
