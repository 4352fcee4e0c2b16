// Benchmarks of dzdx's symbolic side (not part of `npm test`).
//
//   node bench/symbolic.mjs [--sizes 10,30,100] [--families sum,chain] [--cap MS] [--out FILE]
//
// Needs a build (`npm run build`: dist/src and the CLI bundle). For every case of cases.mjs:
//  (a) deriveNode + compileNode + evaluation of the derivative at the 100
//      points (display-free);
//  (b) the same plus displayFormula (mathjs simplify within its budget);
//  (c) check() of the equivalent PyTorch script, with formulas: false and
//      with formulas;
// and for the largest size, the `dzdx` command end to end (a new process).
//
// Every measurement runs in a fresh worker thread (a new V8 isolate, as a
// new `dzdx` process would be): its first run is reported as "cold"; after
// a warm-up (5 runs or 3 s) the result is the median of 3-9 repetitions. A worker is stopped after CAP_MS (display used to take minutes on
// deep nesting, see docs/benchmarks.md); a family whose measurement timed
// out is not measured that way at larger sizes.
// Prints a table and writes JSON (default bench/results/symbolic-DATE.json).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { buildCases, torchScript, toFormula, toMathjs, POINTS, SIZES, FAMILIES } from './cases.mjs';

const dist = (path) => import(new URL(`../dist/src/${path}`, import.meta.url).href);

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const CAP_MS = Number(option('cap', '20000'));

// ---------------------------------------------------------------- timing

/** Repetitions after the warm-up, from the last warm-up run's time (the SymPy script uses the same rules). */
const repsFor = (lastMs) => (lastMs < 20 ? 9 : lastMs < 200 ? 5 : 3);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * `run()` returns { parts: { name: ms }, result }. The first run is `coldMs`.
 * Warm-up: runs until 5 runs or 3 s (a 1000-op check needs several runs
 * before V8 has optimized it). Then repetitions: the median of the total
 * and of every part. A first run of over 5 s is the measurement (one run).
 */
function measure(run) {
  const timed = () => {
    const t0 = performance.now();
    const got = run();
    return { ms: performance.now() - t0, ...got };
  };
  const first = timed();
  const coldMs = first.ms;
  if (coldMs > 5_000) return { ms: coldMs, minMs: coldMs, coldMs, reps: 1, warmupRuns: 0, parts: first.parts, result: first.result };
  let last = first;
  let warmupRuns = 1;
  for (let spent = coldMs; warmupRuns < 5 && spent < 3_000; warmupRuns++) {
    last = timed();
    spent += last.ms;
  }
  const totals = [];
  const parts = {};
  let result;
  for (let r = repsFor(last.ms); r > 0; r--) {
    const got = timed();
    totals.push(got.ms);
    for (const [k, v] of Object.entries(got.parts)) (parts[k] ??= []).push(v);
    result = got.result;
  }
  return {
    ms: median(totals),
    minMs: Math.min(...totals),
    coldMs,
    reps: totals.length,
    warmupRuns,
    parts: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, median(v)])),
    result,
  };
}
const timing = ({ ms, minMs, coldMs, reps, warmupRuns, parts }) => ({ ms, minMs, coldMs, reps, warmupRuns, parts });

// ---------------------------------------------------------------- in a worker: the measurements

async function measurements() {
  const { check } = await dist('check/check.js');
  const { deriveNode } = await dist('symbolic/derive.js');
  const { compileNode } = await dist('symbolic/compile.js');
  const { parseUserExpression } = await dist('symbolic/expression.js');
  const { displayFormula, tidyNode, printedSize } = await dist('symbolic/display.js');
  const { nodeBuilders } = await dist('symbolic/mathjs.js');

  const evaluate = (f) => {
    const values = new Array(POINTS.length);
    const arg = new Float64Array(1);
    for (let i = 0; i < POINTS.length; i++) {
      arg[0] = POINTS[i];
      values[i] = f(arg);
    }
    return values;
  };

  const summarizeCheck = (m) => {
    const report = m.result;
    const t = report.calls[0]?.targets[0];
    return {
      ...timing(m),
      ok: report.ok,
      exitCode: report.exitCode,
      expected: t?.expected[0] ?? null,
      actual: t?.actual?.[0] ?? null,
      finiteDifferences: t?.finiteDifferences?.[0] ?? null,
      verdict: t?.verdict ?? null,
      formula: t ? (t.formula.length > 160 ? `${t.formula.slice(0, 160)}… (${t.formula.length} chars)` : t.formula) : null,
    };
  };

  return {
    /** (a): derive, compile, evaluate at the points. */
    displayFree(c) {
      const node = toMathjs(c, nodeBuilders());
      const m = measure(() => {
        const t0 = performance.now();
        const d = deriveNode(node, 'x');
        const t1 = performance.now();
        const f = compileNode(d, ['x']);
        const t2 = performance.now();
        const values = evaluate(f);
        const t3 = performance.now();
        return { parts: { derive: t1 - t0, compile: t2 - t1, evaluate: t3 - t2 }, result: values };
      });
      // The same expression typed by a user (`dzdx diff`): parseUserExpression
      // must accept it where it fits its limits and give the same derivative.
      let parse;
      const text = toFormula(c);
      if (text === null) parse = { accepted: null, note: 'not tried: over 20,000 characters as one formula' };
      else {
        try {
          const parsed = parseUserExpression(text);
          const values = evaluate(compileNode(deriveNode(parsed.node, 'x'), ['x']));
          parse = { accepted: true, chars: text.length, sameValues: values.every((v, i) => Object.is(v, m.result[i])) };
        } catch (err) {
          parse = { accepted: false, chars: text.length, error: err.message };
        }
      }
      return { ...timing(m), nsPerOp: (m.ms * 1e6) / c.ops, parseUserExpression: parse, values: m.result.map((v) => (Number.isFinite(v) ? v : null)) };
    },

    /** (b): (a) with displayFormula, and why the display is what it is. */
    withDisplay(c) {
      const node = toMathjs(c, nodeBuilders());
      const m = measure(() => {
        const t0 = performance.now();
        const d = deriveNode(node, 'x');
        const t1 = performance.now();
        const shown = displayFormula(d);
        const t2 = performance.now();
        const f = compileNode(d, ['x']);
        const t3 = performance.now();
        evaluate(f);
        const t4 = performance.now();
        return { parts: { derive: t1 - t0, display: t2 - t1, compile: t3 - t2, evaluate: t4 - t3 }, result: { d, shown } };
      });
      const { d, shown } = m.result;
      return {
        ...timing(m),
        simplified: shown.simplified,
        textChars: shown.text.length,
        text: shown.text.length > 160 ? `${shown.text.slice(0, 160)}…` : shown.text,
        display: diagnoseDisplay(d, shown.simplified),
      };

      /**
       * displayFormula tidies, does not print past 20,000 printed nodes,
       * skips simplify past 2,000, and otherwise gives mathjs simplify a
       * 200 ms budget; when that gave no simplified form, one retry with a
       * 5 s budget tells "out of budget" from "nothing smaller (or simplify
       * not started: its estimated pass would not fit)".
       */
      function diagnoseDisplay(d, simplified) {
        const size = printedSize(tidyNode(d));
        if (simplified) return { printedNodes: size, outcome: 'simplified' };
        if (size > 20_000) return { printedNodes: size, outcome: 'not printed (over 20,000 nodes)' };
        if (size > 2_000) return { printedNodes: size, outcome: 'tidied only (over 2,000 nodes: simplify not tried)' };
        const t0 = performance.now();
        const retry = displayFormula(d, { budgetMs: 5_000 });
        return {
          printedNodes: size,
          outcome: retry.simplified ? 'gave up: 200 ms budget (simplifies with 5 s)' : 'tidied only: not simplified with 5 s either',
          retryMs: performance.now() - t0,
        };
      }
    },

    /** (c): check() of the PyTorch script. */
    checkOff(c) {
      const script = torchScript(c);
      return summarizeCheck(measure(() => ({ parts: {}, result: check(script, { formulas: false }) })));
    },
    checkOn(c) {
      const script = torchScript(c);
      return summarizeCheck(measure(() => ({ parts: {}, result: check(script, { formulas: true }) })));
    },
  };
}

if (!isMainThread) {
  const kinds = await measurements();
  parentPort.postMessage(kinds[workerData.kind](workerData.c));
} else {
  await main();
}

/** measurements()[kind](c) in a fresh worker, stopped after CAP_MS: its result, or { timedOut }. */
function inWorker(kind, c) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { kind, c }, argv: process.argv.slice(2) });
    const timer = setTimeout(() => {
      worker.terminate();
      resolve({ timedOut: true, capMs: CAP_MS });
    }, CAP_MS);
    worker.once('message', (result) => {
      clearTimeout(timer);
      worker.terminate();
      resolve(result);
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * The `dzdx` command on a case, end to end (new process: Node start-up,
 * module loading, mathjs, the check, printing): `--version` as the floor,
 * `run` and `check`. Wall time, same repetition rule.
 */
function cliTimes(c) {
  const dir = mkdtempSync(join(tmpdir(), 'dzdx-bench-'));
  const file = join(dir, `${c.family}_${c.size}.py`);
  writeFileSync(file, torchScript(c));
  // The package's `dzdx` command (the esbuild bundle built by `npm run build`).
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const main = fileURLToPath(new URL(`../${pkg.bin.dzdx}`, import.meta.url));
  const wall = (args) => {
    const m = measure(() => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });
      const ms = performance.now() - t0;
      if (r.status !== 0) throw new Error(`dzdx ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
      return { parts: { wall: ms }, result: r.stdout };
    });
    return { ms: m.ms, minMs: m.minMs, coldMs: m.coldMs, reps: m.reps };
  };
  try {
    return { version: wall(['--version']), run: wall(['run', file]), check: wall(['check', file]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- main

async function main() {
  const sizes = option('sizes', SIZES.join(',')).split(',').map(Number);
  const families = option('families', Object.keys(FAMILIES).join(',')).split(',');
  const today = new Date().toISOString().slice(0, 10);
  const out = option('out', fileURLToPath(new URL(`results/symbolic-${today}.json`, import.meta.url)));
  const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 10 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(2)} ms`);
  const show = (r) => (r.timedOut ? `> ${CAP_MS / 1000} s` : r.skipped ? 'skipped' : `${fmt(r.ms)} (${fmt(r.coldMs)})`);
  const rows = [];
  const started = performance.now();
  const timedOut = new Set(); // `${family} ${kind}`
  console.log(`dzdx symbolic benchmarks, ${today}, node ${process.version}; median of 3-9 runs after a warm-up of 5 runs or 3 s (cold = first run)`);
  console.log(['family', 'size', 'ops', 'd+c+e (cold)', '+display (cold)', 'display', 'check off (cold)', 'check on (cold)', 'ok'].join('\t'));

  for (const c of buildCases(sizes).filter((k) => families.includes(k.family))) {
    const measured = async (kind) => {
      const key = `${c.family} ${kind}`;
      if (timedOut.has(key)) return { skipped: `timed out (> ${CAP_MS / 1000} s) at a smaller size` };
      const r = await inWorker(kind, c);
      if (r.timedOut) timedOut.add(key);
      return r;
    };
    const a = await measured('displayFree');
    const b = await measured('withDisplay');
    const off = await measured('checkOff');
    const on = await measured('checkOn');
    const { values, parseUserExpression, ...displayFree } = a;
    const row = {
      family: c.family,
      size: c.size,
      ops: c.ops,
      displayFree,
      withDisplay: b,
      check: { formulasOff: off, formulasOn: on },
      parseUserExpression,
      values,
    };
    if (c.size === Math.max(...sizes)) row.cli = cliTimes(c);
    rows.push(row);
    console.log([c.family, c.size, c.ops, show(a), show(b), b.display?.outcome ?? '-', show(off), show(on), `${off.ok}/${on.ok}`].join('\t') +
      (row.cli ? `\tdzdx --version ${fmt(row.cli.version.ms)}, run ${fmt(row.cli.run.ms)}, check ${fmt(row.cli.check.ms)}` : ''));
  }

  const result = {
    tool: 'dzdx',
    date: today,
    timestamp: new Date().toISOString(),
    node: process.version,
    method: 'performance.now(), each measurement in a fresh worker thread; coldMs is the first run; warm-up: 5 runs or 3 s; then 9 ' +
      '(last warm-up run < 20 ms), 5 (< 200 ms) or 3 repetitions, median; a first run over 5 s is the only run. ' +
      'cli: wall time of a new process of the package\'s bin (node dist/bundle/main.js), same rules',
    capMs: CAP_MS,
    points: { count: POINTS.length, from: POINTS[0], to: POINTS.at(-1) },
    families: Object.fromEntries(Object.entries(FAMILIES).map(([k, f]) => [k, f.describe])),
    sizes,
    totalSeconds: (performance.now() - started) / 1000,
    rows,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
  console.log(`wrote ${out} (${result.totalSeconds.toFixed(1)} s)`);
}
