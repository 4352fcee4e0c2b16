/** The exercise file format: what it accepts, and errors with the line and column of the offending value. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { buildKey, ExerciseError, parseExercise } from '../../src/grade/index.js';

const SCRIPT = `script: |
  import torch
  x = torch.tensor([1., 2.], requires_grad=True)
  y = (x ** 2).sum()
  y.backward()
  print(x.grad)
`;

function errorOf(text: string, build = false): ExerciseError {
  try {
    const exercise = parseExercise(text);
    if (build) buildKey(exercise);
  } catch (e) {
    if (e instanceof ExerciseError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('exercise files', () => {
  test.each(readdirSync('examples/exercises').filter((f) => /\.(ya?ml|json)$/.test(f)))('examples/exercises/%s builds a key', (file) => {
    const key = buildKey(parseExercise(readFileSync(`examples/exercises/${file}`, 'utf8')));
    expect(key.questions.length).toBeGreaterThan(0);
  });

  test('JSON is accepted too (it is YAML)', () => {
    const json = JSON.stringify({ title: 't', expression: 'z = x^3', questions: [{ kind: 'derivative', wrt: 'x' }] });
    const exercise = parseExercise(json);
    expect(exercise.questions[0]).toMatchObject({ id: 'q1', kind: 'derivative', wrt: 'x', points: 1 });
  });

  test('defaults: ids q1.., one point, the print tolerance', () => {
    const e = parseExercise(`${SCRIPT}questions:\n  - kind: gradient\n    tensor: x\n  - kind: print\n    line: 5\n`);
    expect(e.questions.map((q) => q.id)).toEqual(['q1', 'q2']);
    expect(e.questions[0]).toMatchObject({ points: 1, tolerance: { rtol: 1e-4, atol: 1e-4 }, afterLine: null, afterBackward: null });
    expect(e.scriptLine).toBe(1);
  });

  const cases: [string, string, string, number, number][] = [
    ['a YAML syntax error', 'title: [unclosed\nquestions: []\n', 'Flow sequence', 2, 1],
    ['no script or expression', 'title: t\nquestions:\n  - kind: raises\n', "needs a 'script' or an 'expression'", 1, 1],
    ['an unknown top-level key', `${SCRIPT}questions: []\nextra: 1\n`, "unknown key 'extra'", 8, 1],
    ['no questions', `${SCRIPT}questions: []\n`, 'at least one question', 7, 12],
    ['an unknown kind', `${SCRIPT}questions:\n  - kind: essay\n`, 'expected one of gradient, derivative, print, raises', 8, 11],
    ['a key of another kind', `${SCRIPT}questions:\n  - kind: print\n    line: 5\n    tensor: x\n`, "'tensor' does not apply to a print question", 10, 5],
    ['a line past the script', `${SCRIPT}questions:\n  - kind: print\n    line: 50\n`, 'the script has 6 lines', 9, 11],
    ['a negative line', `${SCRIPT}questions:\n  - kind: print\n    line: -1\n`, 'a whole number of at least 1', 9, 11],
    ['points as text', `${SCRIPT}questions:\n  - kind: raises\n    points: many\n`, 'a number of points', 9, 13],
    ['a bad tensor name', `${SCRIPT}questions:\n  - kind: gradient\n    tensor: x.grad\n`, 'not a variable name', 9, 13],
    ['both after_line and after_backward', `${SCRIPT}questions:\n  - kind: gradient\n    tensor: x\n    after_line: 4\n    after_backward: 1\n`, "not both", 11, 21],
    ['a tolerance of 2', `${SCRIPT}questions:\n  - kind: gradient\n    tensor: x\n    tolerance: {rtol: 2}\n`, 'a number in [0, 1)', 10, 23],
    ['an unknown mistake in partial', `${SCRIPT}questions:\n  - kind: gradient\n    tensor: x\n    partial: {typo: 0.5}\n`, "unknown mistake 'typo'", 10, 15],
    ['a partial fraction above 1', `${SCRIPT}questions:\n  - kind: gradient\n    tensor: x\n    partial: {sign-error: 3}\n`, 'a fraction between 0 and 1', 10, 27],
    ['a duplicate id', `${SCRIPT}questions:\n  - {id: a, kind: raises}\n  - {id: a, kind: raises}\n`, "the id 'a' is used twice", 9, 10],
    ['a duplicate key', `${SCRIPT}questions:\n  - kind: raises\n    kind: raises\n`, 'Map keys must be unique', 9, 5],
    ['a gradient question without a script', 'expression: x^2\nquestions:\n  - kind: gradient\n    tensor: x\n', "needs the exercise's 'script'", 3, 11],
    ['script and expression with a derivative', `${SCRIPT}expression: x^2\nquestions:\n  - kind: derivative\n    wrt: x\n`, 'ambiguous', 9, 5],
  ];
  test.each(cases)('%s', (_name, text, message, line, col) => {
    const e = errorOf(text);
    expect(e.message).toContain(message);
    expect([e.line, e.col]).toEqual([line, col]);
  });

  const keyCases: [string, string, string, number][] = [
    ['a tensor no one named', `${SCRIPT}questions:\n  - kind: gradient\n    tensor: w\n`, 'no tensor is named w', 8],
    ['a print line that prints nothing', `${SCRIPT}questions:\n  - kind: print\n    line: 3\n`, 'line 3 printed nothing', 8],
    ['a backward call that is not there', `${SCRIPT}questions:\n  - kind: gradient\n    tensor: x\n    after_backward: 2\n`, 'fewer than 2 backward calls', 8],
    ['a derivative of a variable the expression lacks', 'expression: y^2\nquestions:\n  - kind: derivative\n    wrt: x\n', 'no variable x', 3],
    ['a script outside the subset', 'script: |\n  import numpy\n  x = numpy.zeros(2)\nquestions:\n  - kind: raises\n', "outside dzdx's subset", 1],
  ];
  test.each(keyCases)('the key: %s', (_name, text, message, line) => {
    const e = errorOf(text, true);
    expect(e.message).toContain(message);
    expect(e.line).toBe(line);
  });

  test('size bounds', () => {
    expect(errorOf('title: ' + 'a'.repeat(300_000)).message).toContain('at most 200000');
    const many = `${SCRIPT}questions:\n${'  - kind: raises\n'.repeat(101)}`;
    expect(errorOf(many).message).toContain('at most 100 questions');
  });

  test('alias bombs are refused', () => {
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n`;
    expect(errorOf(bomb).message).toMatch(/alias/i);
  });
});

describe('grade(exercise, …)', () => {
  test('grades against an exercise as against its key', async () => {
    const { grade } = await import('../../src/grade/index.js');
    const exercise = parseExercise(readFileSync('examples/exercises/tutorial_no_grad.yaml', 'utf8'));
    expect(grade(exercise, 'grad', '2*x').verdict).toBe('right');
    expect(grade(exercise, 'grad', '2*x + 3*x**2')).toMatchObject({ verdict: 'wrong', mistake: 'ignored-cut' });
    expect(grade(exercise, 'nope', '1')).toMatchObject({ verdict: 'invalid' });
  });
});
