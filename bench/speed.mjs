#!/usr/bin/env node
/**
 * The speed measures of issue 14, side by side with PyTorch 1.13 on one
 * thread (`torch.set_num_threads(1)`) when it is installed, and against the
 * last recorded numbers (bench/results/speed-*.json) when it is not. Every
 * measure is of whole processes, as a user runs them:
 *
 * - per op: a script loop of `y = y * 0.9999 + 0.001` on a 2×2 float32
 *   tensor, 200,000 iterations, then backward: (time − time of the same
 *   script with no iteration) / 400,000 ops;
 * - large tensors: `sin(x) * x + exp(-x)` and backward on 1,000,000
 *   float32 elements, less the same on 10 elements;
 * - start-up: `dzdx run` and `dzdx check` of examples/tutorial_no_grad.py
 *   (PyTorch: `python3` on the same file);
 * - the playground: from opening dist/web/index.html (file://) in Chromium
 *   to the first frame that shows the script's output;
 * - printing: `for i in range(10**9): print(i)` until dzdx's bound
 *   (Python: printing as many lines).
 *
 * Each is run --runs times (default 5), interleaved with its reference, and
 * the fastest run counts (the least disturbed by other processes); the
 * median is kept too. Results, with the machine, its load and the commit,
 * go to bench/results/speed-DATE.json; --markdown prints the table for
 * the README.
 *
 *   npm run build && node bench/speed.mjs [--runs 5] [--only per-op,print] [--markdown]
 *     [--python /usr/bin/python3] [--dzdx dist/bundle/main.js] [--web dist/web] [--no-save]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    only: { type: 'string' },
    markdown: { type: 'boolean', default: false },
    python: { type: 'string', default: '/usr/bin/python3' },
    dzdx: { type: 'string', default: join(ROOT, 'dist/bundle/main.js') },
    web: { type: 'string', default: join(ROOT, 'dist/web') },
    'no-save': { type: 'boolean', default: false },
  },
});
const RUNS = Number(opts.runs);
const DZDX = resolve(opts.dzdx);
const SNIPPET = join(ROOT, 'examples/tutorial_no_grad.py');
const TMP = mkdtempSync(join(tmpdir(), 'dzdx-speed-'));
process.on('exit', () => rmSync(TMP, { recursive: true, force: true }));

if (!existsSync(DZDX)) {
  console.error(`no ${DZDX}: run npm run build first`);
  process.exit(2);
}

// ---------------------------------------------------------------- processes

/** GNU time, when there is one, adds the CPU time (user + system) of each run: less disturbed than the wall time by other processes. */
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const TIME_FILE = join(TMP, 'time');

/** Runs a command to completion: wall time in ms, and CPU time in ms when measurable. */
function timed(command, args, { stdout = 'ignore', input, env } = {}) {
  const [cmd, argv] = TIME ? [TIME, ['-o', TIME_FILE, '-f', '%U %S', command, ...args]] : [command, args];
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { stdio: [input === undefined ? 'ignore' : 'pipe', stdout, 'pipe'], input, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.error) throw r.error;
  const cpu = TIME ? readFileSync(TIME_FILE, 'utf8').trim().split('\n').at(-1).split(' ').reduce((a, b) => a + Number(b) * 1000, 0) : null;
  return { ms, cpu, code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/**
 * Python as a user runs it: PYTHONUNBUFFERED (set in some environments,
 * this one included) would make every print a system call and Python's
 * print loop 15 times slower.
 */
const PYTHON_ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'PYTHONUNBUFFERED' && k !== 'PYTHONDONTWRITEBYTECODE'));
const dzdx = (...args) => ['node', [DZDX, ...args]];
/** PyTorch on one thread, the script run as `python3 FILE` would run it. */
const torch = (file) => [opts.python, ['-c', 'import sys, runpy, torch; torch.set_num_threads(1); runpy.run_path(sys.argv[1], run_name="__main__")', file], PYTHON_ENV];
const python = (file) => [opts.python, [file], PYTHON_ENV];

/** Runs each [command, args] RUNS times, interleaved, after one unmeasured run (which fills dzdx's code cache); checks the exit code; fastest and median in ms. */
function measure(commands, expectedCodes) {
  const samples = commands.map(() => []);
  const cpu = commands.map(() => []);
  for (let i = 0; i <= RUNS; i++) {
    commands.forEach(([command, args, env], k) => {
      const r = timed(command, args, { env });
      if (r.code !== expectedCodes[k]) throw new Error(`${command} ${args.join(' ')}: exit ${r.code}, expected ${expectedCodes[k]}\n${r.stderr.slice(0, 2000)}`);
      if (i === 0) return;
      samples[k].push(r.ms);
      if (r.cpu !== null) cpu[k].push(r.cpu);
    });
  }
  return samples.map((s, k) => ({ ...stats(s), ...(cpu[k].length ? { cpu: stats(cpu[k]).min } : {}) }));
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], samples: samples.map((s) => Math.round(s * 10) / 10) };
}

function script(name, text) {
  const file = join(TMP, name);
  writeFileSync(file, text);
  return file;
}

/** The outputs of dzdx and PyTorch on the same script, which must agree for the timing to compare the same work. */
function sameOutput(file, dzdxArgs) {
  const ours = timed(...dzdx('run', file, ...dzdxArgs), { stdout: 'pipe' });
  const [command, args, env] = torch(file);
  const theirs = timed(command, args, { stdout: 'pipe', env });
  if (ours.stdout !== theirs.stdout) console.warn(`  warning: dzdx and PyTorch print different things for ${file}:\n${ours.stdout}---\n${theirs.stdout}`);
}

// ---------------------------------------------------------------- the measures

const PYTHON = spawnSync(opts.python, ['-c', 'pass'], { env: PYTHON_ENV }).status === 0;
const TORCH = (() => {
  const r = spawnSync(opts.python, ['-c', 'import torch, sys; print(torch.__version__, sys.version.split()[0])'], { encoding: 'utf8', env: PYTHON_ENV });
  return r.status === 0 ? { torch: r.stdout.trim().split(' ')[0], python: r.stdout.trim().split(' ')[1] } : null;
})();

const PER_OP_ITERATIONS = 200_000;
const LOOP_LIMITS = ['--max-ops', '10000000', '--time-limit', '600'];

const MEASURES = [
  {
    id: 'per-op',
    title: 'per op, 2×2 float32, forward + backward, in a script loop (`y = y * 0.9999 + 0.001`, 200,000 iterations)',
    unit: 'µs',
    reference: 'PyTorch',
    goal: { ratio: 0.1, text: '≥ 10× faster than PyTorch' },
    run() {
      const loop = (n) => `import torch\nx = torch.ones(2, 2, requires_grad=True)\ny = x\nfor i in range(${n}):\n    y = y * 0.9999 + 0.001\ny.sum().backward()\nprint(x.grad)\n`;
      const long = script('per_op.py', loop(PER_OP_ITERATIONS));
      const none = script('per_op_0.py', loop(0));
      const perOp = (full, empty) => ((full - empty) * 1000) / (2 * PER_OP_ITERATIONS);
      const ours = [dzdx('run', long, ...LOOP_LIMITS), dzdx('run', none, ...LOOP_LIMITS)];
      if (!TORCH) {
        const [full, empty] = measure(ours, [0, 0]);
        return { dzdx: difference(full, empty, perOp) };
      }
      sameOutput(long, LOOP_LIMITS);
      const [full, empty, tFull, tEmpty] = measure([...ours, torch(long), torch(none)], [0, 0, 0, 0]);
      return { dzdx: difference(full, empty, perOp), reference: difference(tFull, tEmpty, perOp) };
    },
  },
  {
    id: 'large',
    title: '`sin(x) * x + exp(-x)`, forward + backward, 1,000,000 float32 elements (less a 10-element run)',
    unit: 's',
    reference: 'PyTorch',
    goal: { ratio: 1, text: '≤ 1× PyTorch\'s time' },
    run() {
      const program = (n) => `import torch\nx = torch.linspace(-1, 1, ${n}, requires_grad=True)\ny = torch.sin(x) * x + torch.exp(-x)\ny.sum().backward()\nprint(x.grad[${Math.floor(n / 2)}])\n`;
      const big = script('large.py', program(1_000_000));
      const small = script('large_10.py', program(10));
      const seconds = (full, empty) => (full - empty) / 1000;
      if (!TORCH) {
        const [full, empty] = measure([dzdx('run', big), dzdx('run', small)], [0, 0]);
        return { dzdx: difference(full, empty, seconds) };
      }
      sameOutput(big, []);
      const [full, empty, tFull, tEmpty] = measure([dzdx('run', big), dzdx('run', small), torch(big), torch(small)], [0, 0, 0, 0]);
      return { dzdx: difference(full, empty, seconds), reference: difference(tFull, tEmpty, seconds) };
    },
  },
  {
    id: 'large-in-process',
    title: 'the same, timed inside the process (`time.perf_counter`) after a 10-element run: no start-up, exit or one-time set-up in it',
    unit: 's',
    reference: 'PyTorch',
    goal: { ratio: 1, text: '≤ 1× PyTorch\'s time' },
    run() {
      // A difference of whole processes carries PyTorch's start-up, which varies by
      // ±0.3 s between runs; timed inside, the chain's own time is steadier.
      const file = script('large_in_process.py', [
        'import time, torch',
        'def chain(n):',
        '    x = torch.linspace(-1, 1, n, requires_grad=True)',
        '    y = torch.sin(x) * x + torch.exp(-x)',
        '    y.sum().backward()',
        '    return x.grad',
        'chain(10)',
        'start = time.perf_counter()',
        'chain(1_000_000)',
        'print((time.perf_counter() - start) * 1000)',
        '',
      ].join('\n'));
      const inside = (command, args, env) => {
        const r = timed(command, args, { env, stdout: 'pipe' });
        if (r.code !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${r.code}\n${r.stderr.slice(0, 2000)}`);
        return Number(r.stdout.trim());
      };
      const ours = [];
      const theirs = [];
      for (let i = 0; i <= RUNS; i++) {
        const a = inside(...dzdx('run', file));
        const b = TORCH ? inside(...torch(file)) : null;
        if (i === 0) continue; // fills dzdx's code cache
        ours.push(a);
        if (b !== null) theirs.push(b);
      }
      return { dzdx: seconds(stats(ours)), ...(TORCH ? { reference: seconds(stats(theirs)) } : {}) };
    },
  },
  {
    id: 'run',
    title: 'the tutorial snippet (examples/tutorial_no_grad.py), whole process: `dzdx run`',
    unit: 's',
    reference: 'PyTorch',
    goal: { seconds: 0.2, text: 'run < 0.2 s' },
    run() {
      const [ours, theirs] = measure([dzdx('run', SNIPPET), ...(TORCH ? [torch(SNIPPET)] : [])], [0, 0]);
      return { dzdx: seconds(ours), reference: theirs && seconds(theirs) };
    },
  },
  {
    id: 'check',
    title: '`dzdx check` on the tutorial snippet, whole process',
    unit: 's',
    reference: null,
    goal: { seconds: 0.35, text: '< 0.35 s' },
    run() {
      const [ours] = measure([dzdx('check', SNIPPET)], [0]);
      return { dzdx: seconds(ours) };
    },
  },
  {
    id: 'playground',
    title: 'playground: page opened (file://, Chromium) to the first output shown',
    unit: 's',
    reference: null,
    goal: { seconds: 1, text: '< 1 s' },
    run: playground,
  },
  {
    id: 'print',
    title: '`for i in range(10**9): print(i)` until dzdx\'s output bound, whole process',
    unit: 's',
    reference: 'Python',
    goal: { seconds: 1, text: '< 1 s' },
    run() {
      const loop = script('print.py', 'for i in range(10**9):\n    print(i)\n');
      const printed = timed(...dzdx('run', loop), { stdout: 'pipe' }).stdout;
      const lines = printed.split('\n').length - 1;
      const same = script('print_python.py', `for i in range(${lines}):\n    print(i)\n`);
      const [ours, theirs] = measure([dzdx('run', loop), ...(PYTHON ? [python(same)] : [])], [2, 0]);
      return { dzdx: seconds(ours), reference: theirs && seconds(theirs), note: `${lines} lines, ${(printed.length / 1e6).toFixed(1)} MB` };
    },
  },
];

function seconds(s) {
  return { min: s.min / 1000, median: s.median / 1000, ...(s.cpu !== undefined ? { cpu: s.cpu / 1000 } : {}), samples: s.samples };
}

/** A measure of `full − empty` runs, from their fastest and their median runs. */
function difference(full, empty, f) {
  const cpu = full.cpu !== undefined && empty.cpu !== undefined ? { cpu: f(full.cpu, empty.cpu) } : {};
  return { min: f(full.min, empty.min), median: f(full.median, empty.median), ...cpu, samples: { full: full.samples, empty: empty.samples } };
}

async function playground() {
  const index = join(resolve(opts.web), 'index.html');
  const chromium = [process.env.DZDX_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => p && existsSync(p));
  if (!existsSync(index) || !chromium) return { skipped: !chromium ? 'no Chromium' : `no ${index}` };
  const { chromium: driver } = await import('playwright-core');
  const browser = await driver.launch({ executablePath: chromium, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const times = [];
  try {
    // One load first, unmeasured: the browser's own start-up is not the page's.
    for (let i = 0; i <= RUNS; i++) {
      const page = await browser.newPage();
      await page.goto(`${pathToFileURL(index).href}#example=tutorial_no_grad`, { waitUntil: 'commit' });
      const shown = await page.waitForFunction(() => (document.getElementById('stdout')?.textContent ? performance.now() : 0), null, { polling: 'raf', timeout: 120_000 });
      if (i > 0) times.push(await shown.jsonValue());
      await page.waitForSelector('body[data-runs="1"]', { timeout: 120_000 });
      await page.close();
    }
  } finally {
    await browser.close();
  }
  return { dzdx: seconds(stats(times)) };
}

// ---------------------------------------------------------------- report

function lastRecorded() {
  const dir = join(ROOT, 'bench/results');
  const files = readdirSync(dir).filter((f) => /^speed-\d{4}-\d\d-\d\d\.json$/.test(f)).sort();
  return files.length ? JSON.parse(readFileSync(join(dir, files.at(-1)), 'utf8')) : null;
}

function machine() {
  const git = (...args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  return {
    date: new Date().toISOString().slice(0, 10),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    ...(TORCH ? { python: TORCH.python, torch: TORCH.torch } : {}),
    commit: git('rev-parse', '--short', 'HEAD'),
    uncommitted: git('status', '--porcelain', '--', 'src', 'cli', 'web').split('\n').filter(Boolean).length,
    loadAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const fmt = (value, unit) => (value === undefined || value === null ? '—' : unit === 'µs' ? `${value.toFixed(1)} µs` : value < 1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(2)} s`);

/**
 * dzdx's time over the reference's, on wall time (what the goals are about)
 * and on CPU time (which other processes on the machine disturb less); a
 * difference of two runs can come out negative on a busy machine: no ratio.
 */
function verdict(m, result) {
  if (!result.dzdx) return { ratio: null, cpuRatio: null, met: null };
  const over = (a, b) => (a > 0 && b > 0 ? a / b : null);
  const ratio = result.reference ? over(result.dzdx.min, result.reference.min) : null;
  const cpuRatio = result.reference && !result.reference.recorded ? over(result.dzdx.cpu, result.reference.cpu) : null;
  const met = m.goal.ratio !== undefined ? (ratio === null ? null : ratio <= m.goal.ratio) : result.dzdx.min < m.goal.seconds;
  return { ratio, cpuRatio, met };
}

const info = machine();
const previous = lastRecorded();
const chosen = opts.only ? MEASURES.filter((m) => opts.only.split(',').includes(m.id)) : MEASURES;
console.log(`dzdx ${info.commit}${info.uncommitted ? ` (+${info.uncommitted} uncommitted files)` : ''}, ${info.cpu}, ${info.cores} cores, Node ${info.node}, ${TORCH ? `PyTorch ${TORCH.torch} (one thread)` : `no PyTorch: references from ${previous ? `bench/results/speed-${previous.machine.date}.json` : 'nowhere (none recorded)'}`}`);
console.log(`load average at the start: ${info.loadAtStart.join(' ')}${info.loadAtStart[0] > 0.5 * info.cores ? '  (a busy machine: indicative numbers only)' : ''}; ${RUNS} runs each, the fastest counts\n`);

const rows = [];
for (const m of chosen) {
  process.stdout.write(`${m.id}: `);
  const result = await m.run();
  if (!result.reference && m.reference && previous) {
    const old = previous.rows.find((r) => r.id === m.id)?.reference;
    if (old) result.reference = { ...old, recorded: previous.machine.date };
  }
  const { ratio, cpuRatio, met } = verdict(m, result);
  const before = previous?.rows.find((r) => r.id === m.id)?.dzdx;
  rows.push({ id: m.id, title: m.title, unit: m.unit, against: m.reference, goal: m.goal.text, ...result, ratio, cpuRatio, met });
  console.log(
    result.skipped
      ? `skipped (${result.skipped})`
      : `dzdx ${fmt(result.dzdx.min, m.unit)} (median ${fmt(result.dzdx.median, m.unit)}${result.dzdx.cpu !== undefined ? `, CPU ${fmt(result.dzdx.cpu, m.unit)}` : ''})` +
          (result.reference ? `, ${m.reference} ${fmt(result.reference.min, m.unit)}${result.reference.cpu !== undefined && !result.reference.recorded ? ` (CPU ${fmt(result.reference.cpu, m.unit)})` : ''}${result.reference.recorded ? ` (recorded ${result.reference.recorded})` : ''}` : '') +
          (ratio !== null ? `: ${ratio.toFixed(2)}× ${m.reference}'s time` : result.reference ? ': no ratio (a negative difference: too noisy)' : '') +
          (cpuRatio !== null ? ` (CPU time ${cpuRatio.toFixed(2)}×)` : '') +
          `; goal ${m.goal.text}: ${met === null ? '?' : met ? 'met' : 'not met'}` +
          (before ? `; last recorded dzdx ${fmt(before.min, m.unit)}` : '') +
          (result.note ? ` [${result.note}]` : ''),
  );
}
info.loadAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);

if (!opts['no-save'] && rows.length === MEASURES.length) {
  const out = join(ROOT, `bench/results/speed-${info.date}.json`);
  writeFileSync(out, JSON.stringify({ machine: info, runs: RUNS, rows }, null, 1) + '\n');
  console.log(`\nwrote ${out}`);
}

if (opts.markdown) {
  console.log('\n| measure | PyTorch (Python) | dzdx | dzdx / PyTorch (CPU time) | goal | met |\n|---|---|---|---|---|---|');
  for (const r of rows.filter((x) => !x.skipped)) {
    const ratio = r.ratio !== null ? `${r.ratio.toFixed(2)}×${r.cpuRatio !== null ? ` (${r.cpuRatio.toFixed(2)}×)` : ''}` : '—';
    console.log(`| ${r.title} | ${r.reference ? fmt(r.reference.min, r.unit) : '—'} | ${fmt(r.dzdx.min, r.unit)} | ${ratio} | ${r.goal} | ${r.met ? 'yes' : 'no'} |`);
  }
}
