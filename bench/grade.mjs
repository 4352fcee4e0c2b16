// Answers graded per second on the tutorial exercises (issue 5's target:
// 2,000 or more per second per core), and formula answers against SymPy's
// parse + simplify(a - b) == 0, the usual way to grade a formula in Python.
// Run: npm run build && node bench/grade.mjs [answers] [--out FILE]
// (single-threaded: one core). Needs /usr/bin/python3 with python3-sympy
// for the comparison (skipped, and said so, without it).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { buildKey, grade, parseExercise } from '../dist/src/grade/index.js';

const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 20000);
const outAt = process.argv.indexOf('--out');
const out = outAt > 0 ? process.argv[outAt + 1] : null;

// A class's worth of answers per exercise: right in several formats, named mistakes, unnamed, unreadable.
const ANSWERS = {
  tutorial_requires_grad: [
    ['grad', '[[5, 16], [33, 56]]'], ['grad', 'tensor([[ 5., 16.],\n        [33., 56.]])'], ['grad', '2*x + 3*x**2'], ['grad', '[[5, 32], [99, 224]]'],
    ['grad', '[[-5, -16], [-33, -56]]'], ['grad', '[[5, 16], [33]]'], ['formula', '2*x + 3*x^2'], ['formula', '2*x**2 + 3*x**3'],
    ['printed', 'tensor([[ 5., 16.],\n        [33., 56.]])'], ['printed', 'tensor([[5, 14], [29, 50]])'],
  ],
  tutorial_no_grad: [
    ['grad', '[[2, 4], [6, 8]]'], ['grad', '2*x'], ['grad', '[[5, 16], [33, 56]]'], ['grad', '2*x + 3*x**2'], ['formula', '2*x'],
    ['formula', 'x^2'], ['printed', 'tensor([[2., 4.],\n        [6., 8.]])'], ['printed', 'tensor([[ 5., 16.], [33., 56.]])'],
  ],
  tutorial_data_mutation: [
    ['grad', '[[2, 2], [2, 2]]'], ['grad', '[[202., 204.], [206., 208.]]'], ['formula', '2'], ['formula', '2*(x+100)'],
    ['printed', 'tensor([[2., 2.],\n        [2., 2.]])'], ['printed', 'tensor([[202., 204.],\n        [206., 208.]])'], ['grad', 'None'],
  ],
  tutorial_data_mutation_pow: [
    ['grad', '[[202, 204], [206, 208]]'], ['grad', '2*(x + 100)'], ['grad', '[[2, 4], [6, 8]]'], ['formula', '2*x'], ['formula', '2*x + 200'],
    ['printed', 'tensor([[202., 204.],\n        [206., 208.]])'], ['printed', 'tensor([[2., 4.],\n        [6., 8.]])'],
  ],
  chain_rule: [
    ['dzdx', '2*x*cos(x^2) - 3*sin(3*x)'], ['dzdx', 'cos(x^2) - sin(3*x)'], ['dzdx', '2*x*cos(x**2) + 3*sin(3*x)'],
    ['dzdx', 'cos(x^2)*2*x - sin(3*x)*3'], ['dzdx', '2*x*cos(x^2)'], ['dzdx', '2*x*cos(x^2) - 3*sin(3x)'],
  ],
};

const keyStart = performance.now();
const keys = Object.fromEntries(Object.keys(ANSWERS).map((n) => [n, buildKey(parseExercise(readFileSync(`examples/exercises/${n}.yaml`, 'utf8')))]));
const keyMs = (performance.now() - keyStart) / Object.keys(keys).length;
const mix = Object.entries(ANSWERS).flatMap(([n, rows]) => rows.map(([q, a]) => [keys[n], q, a]));

function rate(label, items, n) {
  for (let i = 0; i < 500; i++) grade(...items[i % items.length]); // warm-up
  const t0 = performance.now();
  const verdicts = {};
  for (let i = 0; i < n; i++) {
    const r = grade(...items[i % items.length]);
    verdicts[r.verdict] = (verdicts[r.verdict] ?? 0) + 1;
  }
  const seconds = (performance.now() - t0) / 1000;
  return { label, answers: n, seconds, perSecond: n / seconds, verdicts };
}

const all = rate('every kind of answer, the tutorial exercises', mix, count);
const formulas = mix.filter(([key, q]) => key.questions.find((k) => k.question.id === q).expected.kind === 'formula');
const formulaRate = rate('formula answers (chain rule), dzdx', formulas, Math.max(1000, Math.floor(count / 4)));

// SymPy: the same formula answers against the right formula.
const pairs = ANSWERS.chain_rule.map(([, a]) => ['2*x*cos(x**2) - 3*sin(3*x)', a.replace(/\^/g, '**')]);
const sympy = spawnSync('/usr/bin/python3', ['bench/sympy_grade.py'], { input: JSON.stringify({ pairs, seconds: 5 }), encoding: 'utf8' });
const sympyResult = sympy.status === 0 ? JSON.parse(sympy.stdout) : { skipped: (sympy.stderr || String(sympy.error)).trim().split('\n').at(-1) };

const result = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() },
  keyBuildMsPerExercise: keyMs,
  rates: [all, formulaRate],
  sympy: sympyResult,
  formulaSpeedupOverSympy: sympyResult.perSecond ? formulaRate.perSecond / sympyResult.perSecond : null,
};
for (const r of result.rates) console.log(`${r.label.padEnd(50)} ${r.perSecond.toFixed(0).padStart(7)} answers/s  ${JSON.stringify(r.verdicts)}`);
if (sympyResult.perSecond) {
  console.log(`${'formula answers, SymPy parse + simplify(a - b) == 0'.padEnd(50)} ${sympyResult.perSecond.toFixed(0).padStart(7)} answers/s  (dzdx ${result.formulaSpeedupOverSympy.toFixed(0)}x)`);
} else console.log(`SymPy comparison skipped: ${sympyResult.skipped}`);
console.log(`answer key: ${keyMs.toFixed(0)} ms per exercise (once per exercise)`);
if (out) writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
