/**
 * Untrusted answers: random text and a corpus of hostile inputs never
 * crash the grader, never run anything but arithmetic, end well inside the
 * time bound, and get a clear verdict (invalid with a reason, or wrong).
 */
import { readFileSync } from 'node:fs';
import { fc, test as fcTest } from '@fast-check/vitest';
import { beforeAll, describe, expect, test, vi } from 'vitest';

// Building the keys runs each script and its mistakes: seconds on a busy machine.
vi.setConfig({ hookTimeout: 120_000 });
import { buildKey, grade, parseExercise, type ExerciseKey } from '../../src/grade/index.js';

let keys: ExerciseKey[] = [];
beforeAll(() => {
  keys = ['tutorial_requires_grad', 'chain_rule', 'version_error'].map((n) => buildKey(parseExercise(readFileSync(`examples/exercises/${n}.yaml`, 'utf8'))));
  // Undefined at every real point: formula answers fall through to mathjs's simplify, which must stay in time.
  keys.push(buildKey(parseExercise('expression: "z = sqrt(-x^2 - 1)"\nquestions:\n  - kind: derivative\n    wrt: x\n')));
});

/** Every question of every exercise: the answer is graded, not thrown on. */
function gradeEverywhere(answer: string): { verdicts: string[]; slowest: number } {
  const verdicts: string[] = [];
  let slowest = 0;
  for (const key of keys) {
    for (const q of key.questions) {
      const start = performance.now();
      const result = grade(key, q.question.id, answer);
      slowest = Math.max(slowest, performance.now() - start);
      expect(['right', 'partial', 'wrong', 'invalid']).toContain(result.verdict);
      expect(result.feedback.length).toBeGreaterThan(0);
      expect(result.feedback.length).toBeLessThan(2000);
      verdicts.push(result.verdict);
    }
  }
  return { verdicts, slowest };
}

/** Not a speed target: a hang detector. Each answer is bounded in size and depth, so grading is linear. */
const TIME_BOUND_MS = 1000;

const MILLION = 1_000_000;
const HOSTILE: [string, string][] = [
  ['prototype', '__proto__'],
  ['constructor chain', 'x.constructor.constructor("return process")()'],
  ['constructor', 'constructor'],
  ['prototype property', 'x.__proto__.polluted'],
  ['object literal', '{"__proto__": {"polluted": 1}}'],
  ['toString', 'toString()'],
  ['import statement', 'import os'],
  ['python import', "__import__('os').system('ls')"],
  ['require', "require('child_process').execSync('ls')"],
  ['mathjs import', 'import({evil: 1}, {override: true})'],
  ['eval', 'eval("2*x")'],
  ['mathjs evaluate', 'evaluate("2*x")'],
  ['Function constructor', 'Function("return this")()'],
  ['new Function', 'new Function("return 1")'],
  ['mathjs parse', 'parse("x")'],
  ['mathjs simplify', 'simplify("x")'],
  ['mathjs config', "config({number: 'BigNumber'})"],
  ['createUnit', "createUnit('foo')"],
  ['huge range', '1:1e9'],
  ['huge matrix', 'zeros(100000, 100000)'],
  ['lambda', 'lambda x: 2*x'],
  ['assignment of a function', 'f(x) = x^2'],
  ['string', '"2*x"'],
  ['template', '`${process.exit()}`'],
  ['semicolon', '2*x; process.exit()'],
  ['html', '<script>alert(1)</script>'],
  ['null byte', '2*x\u0000'],
  ['unicode', '2·x + 3·x²'],
  ['rtl override', '2*x\u202e'],
  ['emoji', '🙂'],
  ['million characters of sum', '1+'.repeat(MILLION / 2) + '1'],
  ['million brackets', '['.repeat(MILLION)],
  ['million x', 'x'.repeat(MILLION)],
  ['10^4-deep parentheses', '('.repeat(10_000) + 'x' + ')'.repeat(10_000)],
  ['10^4-deep lists', '['.repeat(10_000) + '1' + ']'.repeat(10_000)],
  ['10^4-deep functions', 'sin('.repeat(10_000) + 'x' + ')'.repeat(10_000)],
  ['10^4-deep unary minus', '-'.repeat(10_000) + 'x'],
  ['power tower of x', 'x^'.repeat(5000) + 'x'],
  ['power tower of python **', 'x**'.repeat(3000) + 'x'],
  ['power tower of numbers', '9^9^9^9^9'],
  ['huge exponent', 'x^1e308'],
  ['overflow', '1e308*1e308'],
  ['huge literal', '1e999999'],
  ['tensor of a billion', 'tensor([1]*10**9)'],
  ['long grad_fn', 'tensor([1], grad_fn=<' + 'a'.repeat(100_000) + '>)'],
  ['many numbers', '[' + '1,'.repeat(200_000) + '1]'],
  ['factorial', '1000000!'],
  ['matrix ops', 'inv([[1,2],[3,4]])'],
  ['long traceback', 'RuntimeError: ' + 'a'.repeat(30_000)],
  ['a long sum undefined everywhere (simplify)', Array.from({ length: 200 }, (_, i) => `sqrt(-x^2 - ${i + 1})*x^${i % 7}`).join(' + ')],
  ['a short sum undefined everywhere (simplify)', Array.from({ length: 10 }, (_, i) => `sqrt(-x^2 - ${i + 1})*x^${i % 7}`).join(' + ')],
];

describe('hostile answers', () => {
  test.each(HOSTILE)('%s', (_name, answer) => {
    const { verdicts, slowest } = gradeEverywhere(answer);
    expect(verdicts.every((v) => v === 'invalid' || v === 'wrong')).toBe(true);
    expect(slowest).toBeLessThan(TIME_BOUND_MS);
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });
});

const TOKENS = ['x', 'y', '2', '3.5', '1e3', '(', ')', '[', ']', ',', '^', '**', '*', '/', '+', '-', 'sin', 'exp', 'log', 'tensor(', 'torch.', 'requires_grad=True', '=', '.', 'nan', 'inf', '<', '>', ' ', '\n', 'None', 'RuntimeError:', 'grad_fn=<MulBackward0>'];

describe('random answers (fast-check, fixed seed)', () => {
  fcTest.prop([fc.string({ unit: 'binary', maxLength: 300 })], { seed: 20261128, numRuns: 150 })('arbitrary text', (answer) => {
    expect(gradeEverywhere(answer).slowest).toBeLessThan(TIME_BOUND_MS);
  });
  fcTest.prop([fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((t) => t.join(''))], { seed: 20261128, numRuns: 300 })('answer-like token soup', (answer) => {
    expect(gradeEverywhere(answer).slowest).toBeLessThan(TIME_BOUND_MS);
  });
});
