/**
 * Bounded messages: a line of about a megabyte in any input (a script, an
 * expression, its values, an exercise file, an answer) gives a message of a
 * few hundred characters, showing a window of the line around the column
 * with `…` where it is cut and the caret under the same character as in the
 * whole line. One test per kind of message; the CLI and JSON cases run the
 * real `dzdx` (dist/bundle, built by `npm test`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { check } from '../src/check/check.js';
import { checkExpression } from '../src/check/expression-check.js';
import { formatExpressionError, formatInputError } from '../src/check/expression-report.js';
import { formatReport } from '../src/check/report.js';
import { buildKey, grade, parseExercise } from '../src/grade/index.js';
import { EXCERPT_WIDTH, clip, clipMessage, excerptAt } from '../src/program/excerpt.js';
import { runScript } from '../src/program/run.js';

const CLI = 'dist/bundle/main.js';
const MB = 1_000_000;
/** A line as long as the script's size bound (1,000,000 characters) leaves room for. */
const LONG = 990_000;
/** "A few hundred characters": the message line, a window of the source line and the caret line. */
const BOUND = 700;
/** Few tokens, many characters: the parser reaches the error in milliseconds. */
const pad = (n: number, c = 'a') => c.repeat(n);
const dir = mkdtempSync(join(tmpdir(), 'dzdx-bounded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function dzdx(args: string[], input?: string) {
  const r = spawnSync('node', [CLI, ...args], { input, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * MB });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The character the caret (last line) points at in the excerpt above it. */
function pointedAt(message: string): string {
  const lines = message.replace(/\n$/, '').split('\n');
  const caret = lines.at(-1)!;
  expect(caret.trimStart()).toBe('^');
  return lines.at(-2)![caret.length - 1]!;
}

function bounded(message: string, bound = BOUND): void {
  expect(message.length, message.slice(0, 300)).toBeLessThanOrEqual(bound);
  expect(message).toContain('…');
}

describe('the window of a line', () => {
  it('shows a short line whole, a long one around the column with the caret under the same character', () => {
    expect(excerptAt('x = 1 +', 8)).toEqual({ text: 'x = 1 +', caret: '       ^' });
    const line = `${pad(500_000)}*${pad(499_999, 'b')}`;
    const { text, caret } = excerptAt(line, 500_001);
    expect(text.length).toBeLessThanOrEqual(EXCERPT_WIDTH + 2);
    expect(text[caret.length - 1]).toBe('*');
    expect(text.startsWith('…') && text.endsWith('…')).toBe(true);
    // Near either end the window is not centred but still EXCERPT_WIDTH wide.
    expect(excerptAt(line, 3)).toMatchObject({ text: `${pad(EXCERPT_WIDTH)}…`, caret: '  ^' });
    const end = excerptAt(line, line.length + 1);
    expect(end.text).toBe(`…${pad(EXCERPT_WIDTH, 'b')}`);
    expect(end.caret).toBe(`${' '.repeat(EXCERPT_WIDTH + 1)}^`);
  });

  it('copies tabs before the column and never cuts a character in half', () => {
    expect(excerptAt('\tx\t= 1 +', 6)).toEqual({ text: '\tx\t= 1 +', caret: '\t \t  ^' });
    const emoji = '😀'.repeat(300); // two UTF-16 units each
    for (const col of [1, 2, 201, 300, 301, 599, 601]) {
      const { text } = excerptAt(emoji, col);
      expect(text.replace(/…/g, '')).toMatch(/^(😀)*$/u);
    }
    expect(clip(emoji)).toMatch(/^(😀)*…$/u);
    expect(clipMessage(`x${emoji.repeat(3)}`)).toMatch(/^x(😀)*…(😀)*$/u);
  });

  it('keeps messages up to 600 characters whole (PyTorch\'s longest are about 500), and cuts longer ones in the middle', () => {
    const pytorch = readFileSync('test/fixtures/own/nonleaf_grad_warning.err', 'utf8').trim().split('\n').at(-1)!;
    expect(pytorch.length).toBeGreaterThan(500);
    expect(clipMessage(pytorch)).toBe(pytorch);
    const long = `name '${pad(MB)}' is not defined`;
    expect(clipMessage(long)).toMatch(/^name 'a+…a+' is not defined$/);
    expect(clipMessage(long).length).toBe(600);
  });
});

// Megabytes through the parser and whole CLI processes: slow on a busy machine, never a hang.
describe('every kind of message with a 1 MB line', { timeout: 60_000 }, () => {
  it('a script syntax error (the CLI: exit 2, the window and the caret)', () => {
    const r = dzdx(['run', '-'], `import torch\nx = ${pad(500_000)} +* ${pad(499_000, 'b')}\n`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^<stdin>:2:500007: /);
    bounded(r.stderr);
    expect(pointedAt(r.stderr)).toBe('*');
  });

  it('a construct outside the subset', () => {
    const r = runScript(`y = ${pad(500_000)} + (await z) + ${pad(499_000, 'b')}\n`, { fileName: 's.py' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^s\.py:1:500009: 'await' expressions are not supported \(async\)\n/);
    bounded(r.stderr);
    expect(pointedAt(r.stderr)).toBe('a');
  });

  it('limit errors: the script too long, nesting too deep, a tensor too large, the steps of an endless loop', () => {
    const tooLong = dzdx(['run', '-'], `x = 1  # ${pad(1_200_000)}\n`);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toMatch(/^<stdin>:1:1: script too long \(1200010 characters; the limit is 1000000\)\n/);
    bounded(tooLong.stderr);
    const deep = runScript(`x = ${pad(999_000)} + ${'('.repeat(300)}1${')'.repeat(300)}\n`, { fileName: 's.py' });
    expect(deep.stderr).toMatch(/^s\.py:1:\d+: nesting too deep/);
    bounded(deep.stderr);
    expect(pointedAt(deep.stderr)).toBe('(');
    const large = runScript(`import torch\nx = torch.ones(100000, 100000)  # ${pad(LONG)}\n`, { fileName: 's.py' });
    expect(large.stderr).toMatch(/^s\.py:2:5: tensor of 10000000000 elements is larger/);
    bounded(large.stderr);
    const endless = runScript(`i = 0\nwhile True:  # ${pad(LONG)}\n    i += 1\n`, { fileName: 's.py' });
    expect(endless.stderr).toMatch(/^s\.py:\d+:\d+: the script ran more than 2000000 steps/);
    bounded(endless.stderr);
  });

  it("a runtime error's traceback: the source line cut, a message naming a megabyte cut in the middle", () => {
    const shapes = dzdx(['run', '-'], `import torch\nx = torch.ones(2) + torch.ones(3)  # ${pad(LONG)}\n`);
    expect(shapes.code).toBe(1);
    expect(shapes.stderr.trim().split('\n').at(-1)).toBe('RuntimeError: The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0');
    bounded(shapes.stderr);
    const name = runScript(`print(${pad(LONG)})\n`, { fileName: 's.py' });
    expect(name.exitCode).toBe(1);
    expect(name.stderr.trim().split('\n').at(-1)).toMatch(/^NameError: name 'a+…a+' is not defined$/);
    bounded(name.stderr, 1000);
  });

  it("a warning's echo of its source line", () => {
    const r = runScript(`import torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2\nprint(y.grad${' '.repeat(LONG - 100)})\n`, { fileName: 's.py' });
    expect(r.stdout).toBe('None\n');
    expect(r.stderr).toMatch(/^s\.py:4: UserWarning: The \.grad attribute/);
    // PyTorch's 500-character warning, and a window of the line.
    bounded(r.stderr, 1000);
  });

  it('`dzdx check -e`: an expression and its values, cut around the column', () => {
    const tooLong = `x + ${pad(MB)}`;
    const e1 = formatExpressionError(thrown(() => checkExpression(tooLong, 'x=1')), tooLong);
    expect(e1).toMatch(/^<expr>:1:\d+: /);
    bounded(e1);
    // Within the length bound: the error in the middle of a long line.
    const expr = `x + ${pad(4000)} +* ${pad(4000, 'b')}`;
    const e2 = formatExpressionError(thrown(() => checkExpression(expr, 'x=1')), expr);
    bounded(e2);
    expect(pointedAt(e2)).toBe('*');
    const at = `x=[${'1,'.repeat(MB / 2)}?]`;
    const e3 = formatExpressionError(thrown(() => checkExpression('x^2', at)), 'x^2');
    expect(e3).toMatch(/^<at>:1:\d+: /);
    bounded(e3);
  });

  it('an exercise file: a megabyte line (over the size bound), and an error inside a long line (the CLI)', () => {
    const huge = join(dir, 'huge.yaml');
    writeFileSync(huge, `title: "${pad(MB)}"\nexpression: "z = x^2"\nquestions:\n  - kind: derivative\n    wrt: x\n`);
    const r1 = dzdx(['grade', huge, '--answer', '2*x']);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/huge\.yaml:1:200001: the exercise file has \d+ characters; at most 200000 are allowed\n/);
    bounded(r1.stderr);
    const long = join(dir, 'long.yaml');
    writeFileSync(long, `{"title": "${pad(150_000)}", "bogus": 1, "expression": "z = x^2", "questions": [{"kind": "derivative", "wrt": "x"}]}\n`);
    const r2 = dzdx(['grade', long, '--answer', '2*x']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/long\.yaml:1:\d+: .*bogus/);
    bounded(r2.stderr);
    expect(pointedAt(r2.stderr)).toBe('"');
  });

  it('an answer that cannot be read: too long, or unreadable in the middle of a long line', () => {
    const key = buildKey(parseExercise(readFileSync('examples/exercises/chain_rule.yaml', 'utf8')));
    const question = key.questions[0]!.question.id;
    const tooLong = grade(key, question, pad(MB));
    expect(tooLong.verdict).toBe('invalid');
    expect(tooLong.feedback.length).toBeLessThan(BOUND);
    const unreadable = grade(key, question, `${pad(9000)} +* ${pad(9000, 'b')}`);
    expect(unreadable.verdict).toBe('invalid');
    expect(unreadable.feedback).toMatch(/^cannot read the answer: .*\(line 1, column \d+\)$/);
    expect(unreadable.feedback.length).toBeLessThan(BOUND);
    // A class's answers file: the feedback of each row stays bounded (the rows echo the student and question as given).
    const answers = join(dir, 'answers.csv');
    const results = join(dir, 'results.json');
    writeFileSync(answers, `student,question,answer\nann,${question},"${pad(MB)}"\nbob,${pad(MB)},1\n`);
    const batch = dzdx(['grade', 'examples/exercises/chain_rule.yaml', answers, '--out', results]);
    expect(batch.code).toBe(0);
    const rows = JSON.parse(readFileSync(results, 'utf8')) as { verdict: string; feedback: string }[];
    expect(rows.map((r) => r.verdict)).toEqual(['invalid', 'invalid']);
    for (const row of rows) expect(row.feedback.length).toBeLessThan(BOUND);
  });

  it('`dzdx check`: the statement and the notes that quote source lines, in the text and the JSON report', () => {
    // Long code, not a long comment: notes quote code without its comment.
    const tail = `; s = '${pad(LONG / 3)}'`;
    const source = [
      'import torch',
      'x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)',
      `y = x ** 2${tail}`,
      `x.data += 100${tail}`,
      `y.backward(torch.ones_like(y))${tail}`,
      '',
    ].join('\n');
    const report = check(source, { fileName: 's.py' });
    expect(report.calls).toHaveLength(1);
    const call = report.calls[0]!;
    expect(call.statement.length).toBeLessThanOrEqual(EXCERPT_WIDTH + 1);
    expect(call.notes).toHaveLength(1);
    expect(call.notes[0]).toMatch(/^`x\.data \+= 100; s = 'a+…` on line 4 changed the x saved by `y = x \*\* 2; s = 'a+…` on line 3/);
    expect(call.notes[0]!.length).toBeLessThan(BOUND);
    expect(formatReport(report).length).toBeLessThan(3 * BOUND);
    const file = join(dir, 'mutation.py');
    writeFileSync(file, source);
    const json = dzdx(['check', file, '--json']);
    expect(json.code).toBe(0);
    expect(json.stdout.length).toBeLessThan(5 * BOUND);
    const text = dzdx(['check', file, '--graph']);
    expect(text.code).toBe(0);
    expect(text.stdout.length).toBeLessThan(8 * BOUND);
  });

  it('the same formatter serves exercise files, expressions and scripts', () => {
    const message = formatInputError({ line: 2, col: 400_001, message: 'here' }, 'f.yaml', `a: 1\n${pad(400_000)}!${pad(400_000)}\n`);
    bounded(message);
    expect(pointedAt(message)).toBe('!');
  });
});

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}
