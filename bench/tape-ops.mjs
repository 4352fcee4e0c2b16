// Issue 14's tape rows measured in-process through the library API (no
// interpreter): the per-op loop `y = y * 0.9999 + 0.001` on a 2×2 float32
// tensor with backward, and `sin(x) * x + exp(-x)` forward + backward on
// 1,000,000 float32 elements; PyTorch 1.13 (one thread) runs the same
// loops in the same invocation when /usr/bin/python3 has it, and the
// ratios are printed. The library is bundled from src/ with esbuild first.
//
//   node bench/tape-ops.mjs [--iterations 200000] [--rounds 3] [--no-torch] [--save]
//
// --save appends to bench/results/tape-ops-<date>.json (machine, load, commit,
// numbers). Without PyTorch the ratios are taken against the last recorded
// PyTorch numbers, and say so. bench/speed.mjs measures the same two rows as
// whole processes (interpreter and start-up included); this isolates the tape.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importSource } from './import-source.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const iterations = arg('--iterations', 200_000);
const rounds = arg('--rounds', 3);
const bigN = arg('--elements', 1_000_000);
const withTorch = !process.argv.includes('--no-torch');

const { F, Tensor, backward, NDArray } = await importSource(
  `import './src/ops/index.js'; export * as F from './src/ops/functional.js'; export { Tensor } from './src/autograd/tensor.js'; export { backward } from './src/autograd/engine.js'; export { NDArray } from './src/tensor/ndarray.js';`,
);

function leaf(n, value) {
  const t = new Tensor(NDArray.full(n === 4 ? [2, 2] : [n], value, 'float32'));
  t.requiresGrad = true;
  return t;
}

/** Seconds per op (forward + its share of backward) of the y = y * 0.9999 + 0.001 loop. */
function opLoop(n) {
  const x = leaf(4, 1);
  const t0 = performance.now();
  let y = x;
  for (let i = 0; i < n; i++) y = F.add(F.mul(y, 0.9999), 0.001);
  backward([F.sum(y)], [null]);
  const s = (performance.now() - t0) / 1000;
  return { perOp: s / (2 * n), check: x.grad.array.buffer[0] };
}

function bigRun(n) {
  const x = leaf(n, 0.5);
  const t0 = performance.now();
  const z = F.add(F.mul(F.sin(x), x), F.exp(F.neg(x)));
  backward([z], [F.onesLike(z)]);
  return (performance.now() - t0) / 1000;
}

const best = (f) => {
  let b = Infinity;
  for (let r = 0; r < rounds; r++) b = Math.min(b, f());
  return b;
};

opLoop(20_000);
const dzdxPerOp = best(() => opLoop(iterations).perOp);
bigRun(bigN);
const dzdxBig = best(() => bigRun(bigN) - bigRun(10));

let torch = null;
if (withTorch) {
  try {
    const out = execFileSync('/usr/bin/python3', [join(root, 'bench', 'tape_ops_torch.py'), String(iterations), String(rounds), String(bigN)], { encoding: 'utf8' });
    torch = JSON.parse(out);
  } catch (e) {
    console.error('PyTorch not measured:', e.message.split('\n')[0]);
  }
}

let reference = 'PyTorch';
if (!torch) {
  // the last recorded PyTorch numbers, as bench/speed.mjs does without a Python
  const files = readdirSync(join(root, 'bench', 'results')).filter((f) => /^tape-ops-.*\.json$/.test(f)).sort();
  const last = files.length ? JSON.parse(readFileSync(join(root, 'bench', 'results', files.at(-1)), 'utf8')).filter((r) => r.pytorch).at(-1) : null;
  if (last) {
    torch = { perOp: last.pytorch.perOpMicroseconds / 1e6, big: last.pytorch.bigSeconds };
    reference = `PyTorch (recorded ${last.date} ${last.time})`;
  }
}

const us = (s) => (s * 1e6).toFixed(2);
console.log(`per op, 2x2 float32, forward + backward: dzdx ${us(dzdxPerOp)} µs` + (torch ? `, ${reference} ${us(torch.perOp)} µs, PyTorch / dzdx = ${(torch.perOp / dzdxPerOp).toFixed(1)}x` : ''));
console.log(`sin(x) * x + exp(-x), ${bigN} float32, forward + backward: dzdx ${dzdxBig.toFixed(3)} s` + (torch ? `, ${reference} ${torch.big.toFixed(3)} s, dzdx / PyTorch = ${(dzdxBig / torch.big).toFixed(2)}` : ''));

if (process.argv.includes('--save')) {
  const date = new Date().toISOString().slice(0, 10);
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1];
  const record = {
    date,
    time: new Date().toISOString().slice(11, 16) + ' UTC',
    commit,
    cpu,
    nproc: os.cpus().length,
    node: process.version,
    load: os.loadavg().map((v) => v.toFixed(2)).join(' '),
    iterations,
    rounds,
    elements: bigN,
    dzdx: { perOpMicroseconds: dzdxPerOp * 1e6, bigSeconds: dzdxBig },
    // only PyTorch measured in this run counts as a record of PyTorch
    pytorch: torch && reference === 'PyTorch' ? { perOpMicroseconds: torch.perOp * 1e6, bigSeconds: torch.big, version: torch.torch } : null,
    ratios: torch && { perOpPyTorchOverDzdx: torch.perOp / dzdxPerOp, bigDzdxOverPyTorch: dzdxBig / torch.big, against: reference },
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  const file = join(root, 'bench', 'results', `tape-ops-${date}.json`);
  let all = [];
  try {
    all = JSON.parse(readFileSync(file, 'utf8'));
  } catch {}
  all.push(record);
  writeFileSync(file, JSON.stringify(all, null, 1) + '\n');
  console.log(`saved ${file}`);
}
