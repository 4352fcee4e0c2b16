/**
 * What students hand in: notebooks (a tagged or commented cell per
 * question), code as an answer, per-student values, hints and the
 * teacher's feedback, CSV rows that are not quite CSV.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { buildKey, drawValues, grade, keyFor, parseExercise, renderNotebook } from '../../src/grade/index.js';
import { gradeRow, readAnswers, type AnswerRow } from '../../src/grade/batch.js';
import { parseNotebook } from '../../src/notebook/index.js';

const PER_STUDENT = parseExercise(readFileSync('examples/exercises/per_student.yaml', 'utf8'));
const TUTORIAL = parseExercise(readFileSync('examples/exercises/tutorial_data_mutation.yaml', 'utf8'));

/** A notebook of cells [kind, source, tags]. */
function notebook(cells: [string, string, string[]?][], metadata: Record<string, unknown> = {}): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata,
    cells: cells.map(([kind, source, tags]) => ({ cell_type: kind, metadata: tags ? { tags } : {}, source: source.split(/(?<=\n)/), ...(kind === 'code' ? { outputs: [], execution_count: null } : {}) })),
  });
}

describe('answers in notebooks', () => {
  test('a cell per question: tagged, or a comment naming it; the rest of the notebook ignored', () => {
    const text = notebook([
      ['markdown', '# My homework\nSome words.'],
      ['code', 'import torch\nx = torch.ones(2)'],
      ['code', '[[2, 2], [2, 2]]', ['grad']],
      ['markdown', '<!-- question: printed -->\n```\ntensor([[2., 2.],\n        [2., 2.]])\n```'],
      ['code', '# answer: formula\n# y = 2 * x, so:\nformula = 2'],
    ]);
    const rows = readAnswers(text, 'notebook', TUTORIAL, 'ada.ipynb');
    expect(rows.map((r) => [r.student, r.question, r.where])).toEqual([['ada', 'grad', 'ada.ipynb:cell 3'], ['ada', 'formula', 'ada.ipynb:cell 5'], ['ada', 'printed', 'ada.ipynb:cell 4']]);
    expect(rows.map((r) => gradeRow(TUTORIAL, r).verdict)).toEqual(['right', 'right', 'right']);
  });

  test('a question no cell answers; an unreadable answer named by notebook, cell, line and column', () => {
    const rows = readAnswers(notebook([['code', '# question: grad\n\n[[2, 2],\n [2]]']], { dzdx: { student: 'bo' } }), 'notebook', TUTORIAL, 'hw/bo.ipynb');
    const results = rows.map((r) => gradeRow(TUTORIAL, r));
    expect(results.map((r) => [r.student, r.question, r.verdict])).toEqual([['bo', 'grad', 'invalid'], ['bo', 'formula', 'invalid'], ['bo', 'printed', 'invalid']]);
    expect(results[0]!.feedback).toContain('ragged');
    expect(results[0]!.feedback).toContain('hw/bo.ipynb:cell 1:line 4:col 2');
    expect(results[1]!.feedback).toBe("hw/bo.ipynb: no cell answers question 'formula' (tag the cell 'formula', or begin it with the comment '# question: formula')");
  });

  test('a file that is not a notebook: every question invalid with the position, nothing thrown', () => {
    const rows = readAnswers('{"cells": [', 'notebook', TUTORIAL, 'bad.ipynb');
    expect(rows).toHaveLength(3);
    expect(gradeRow(TUTORIAL, rows[0]!).feedback).toMatch(/^bad\.ipynb: bad\.ipynb:1:12: not a notebook: not JSON/);
  });

  test('the starter notebook renders each student their values, and answered it grades', () => {
    const ada = parseNotebook(renderNotebook(PER_STUDENT, 'ada'));
    expect(ada.metadata.dzdx).toEqual({ student: 'ada' });
    expect(ada.cells[1]!.source).toContain('x = torch.tensor([1.0, 3.0], requires_grad=True)');
    expect(ada.cells.filter((c) => c.tags.length).map((c) => [c.kind, c.tags[0]])).toEqual([['code', 'grad'], ['raw', 'printed'], ['code', 'code']]);
    const results = readAnswers(readFileSync('examples/submissions/ada.ipynb', 'utf8'), 'notebook', PER_STUDENT, 'ada.ipynb').map((r) => gradeRow(PER_STUDENT, r));
    expect(results.map((r) => r.verdict)).toEqual(['right', 'right', 'right']);
  });
});

describe('code as the answer', () => {
  const key = keyFor(PER_STUDENT, 'ada'); // w = [1, 3]: w.grad = 3 w^2 = [3, 27]
  test.each([
    ['the gradients right', 'import torch\nw = torch.tensor([1.0, 3.0], requires_grad=True)\n(w ** 3).sum().backward()', 'right', ''],
    ['another way to the same gradients', 'import torch\nw = torch.tensor([1.0, 3.0], requires_grad=True)\ny = w * w * w\nfor v in y:\n    v.backward(retain_graph=True)', 'right', ''],
    ['backward twice', 'import torch\nw = torch.tensor([1.0, 3.0], requires_grad=True)\nl = (w ** 3).sum()\nl.backward(retain_graph=True)\nl.backward()', 'wrong', ''],
    ['another leaf name', 'import torch\nv = torch.tensor([1.0, 3.0], requires_grad=True)\n(v ** 3).sum().backward()', 'wrong', 'no tensor named w'],
    ['no backward call', 'import torch\nw = torch.tensor([1.0, 3.0], requires_grad=True)', 'wrong', 'w.grad is None'],
    ['an error', 'import torch\nw = torch.tensor([1.0, 3.0], requires_grad=True)\n(w ** 3).backward()', 'wrong', 'RuntimeError: grad can be implicitly created only for scalar outputs'],
    ['outside the subset', 'import os\nos.remove("x")', 'invalid', 'line 1, column 1'],
    ['a syntax error', 'import torch\nw = (', 'invalid', 'line 2'],
    ['an endless loop', 'while True:\n    pass', 'invalid', 'line'],
  ])('%s', (_name, code, verdict, words) => {
    const result = grade(key, 'code', code);
    expect(result.verdict, result.feedback).toBe(verdict);
    expect(result.feedback).toContain(words);
    if (verdict === 'wrong') expect(result.feedback).toContain('Hint: The derivative of w^3 is 3w^2.');
  });

  test('compare: output, and the mistakes of the exercise script named for code too', () => {
    const exercise = parseExercise(`script: |
  import torch
  x = torch.tensor([1.0, 2.0], requires_grad=True)
  with torch.no_grad():
      c = x * x
  (x * c).sum().backward()
  print(x.grad)
questions:
  - id: run
    kind: script
    compare: output
`);
    const key = buildKey(exercise);
    const code = (body: string) => `import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)\n${body}\nprint(x.grad)`;
    expect(grade(key, 'run', code('c = (x * x).detach()\n(x * c).sum().backward()')).verdict).toBe('right');
    expect(grade(key, 'run', code('(x ** 3).sum().backward()'))).toMatchObject({ verdict: 'wrong', mistake: 'ignored-cut' });
    expect(grade(key, 'run', 'print("tensor([1., 4.])")').verdict).toBe('right');
  });
});

describe('values per student', () => {
  test('each student their own values and key, the same every time', () => {
    const values = ['ada', 'bob', 'cy', 'dee', 'eve', 'fay'].map((s) => drawValues(PER_STUDENT, s).values);
    expect(values[0]).toEqual({ a: 3, b: 0.5 });
    expect(values[1]).toEqual({ a: 5, b: 0.5 });
    expect(new Set(values.map((v) => JSON.stringify(v))).size).toBeGreaterThan(2);
    expect(drawValues(PER_STUDENT, 'ada').values).toEqual(values[0]);
    for (const v of values) {
      expect(v.a).toBeGreaterThanOrEqual(2);
      expect(v.a).toBeLessThanOrEqual(5);
      expect([0.5, 1.5, 2.5]).toContain(v.b);
    }
    // ada: x = [1, 3], s = x/2, two calls: x.grad = 2 * (2x * s) = 2x^2 = [2, 18]
    const ada = buildKey(PER_STUDENT, { student: 'ada' });
    expect(ada.questions[0]!.expected).toEqual({ kind: 'values', values: [2, 18], shape: [2] });
    expect(buildKey(PER_STUDENT, { student: 'ada' }).questions[0]!.expected).toEqual(ada.questions[0]!.expected);
    expect(buildKey(PER_STUDENT, { student: 'bob' }).questions[0]!.expected).toEqual({ kind: 'values', values: [2, 50], shape: [2] });
    expect(grade(PER_STUDENT, 'grad', '[2, 18]', 'ada').verdict).toBe('right');
    expect(grade(PER_STUDENT, 'grad', '[2, 18]', 'bob').verdict).toBe('wrong');
  });

  test('a uniform draw is written with its decimals; given values (PrairieLearn) win over the draw', () => {
    const exercise = parseExercise('seed: s\nparams:\n  c: {uniform: [-1, 1], decimals: 2}\nexpression: "z = {{c}} * x^2"\nquestions:\n  - kind: derivative\n    wrt: x\n');
    const { literals, values } = drawValues(exercise, 'ada');
    expect(literals.get('c')).toMatch(/^-?\d\.\d\d$/);
    expect(values.c).toBe(Number(literals.get('c')));
    expect(drawValues(exercise, 'ada', { c: 0.5 }).literals.get('c')).toBe('0.50');
    expect(grade(keyFor(exercise, 'anyone', { c: 0.5 }), 'q1', 'x').verdict).toBe('right');
  });

  test('a placeholder without its param: the position of the placeholder', () => {
    expect(() => parseExercise('script: |\n  import torch\n  x = torch.tensor([{{k}}.])\nquestions:\n  - kind: raises\n')).toThrow(/script: \{\{k\}\} names no param/);
    try {
      parseExercise('script: |\n  import torch\n  x = torch.tensor([{{k}}.])\nquestions:\n  - kind: raises\n');
    } catch (e) {
      expect([(e as { line: number }).line, (e as { col: number }).col]).toEqual([3, 21]);
    }
  });
});

describe('hints and feedback per mistake', () => {
  test("the hint after a wrong or partly right answer, never after a right one; the teacher's text for a mistake", () => {
    const right = grade(PER_STUDENT, 'grad', '[2, 18]', 'ada');
    expect(right.hint).toBeUndefined();
    expect(right.feedback).toBe('Right.');
    const partial = grade(PER_STUDENT, 'grad', '[1, 9]', 'ada');
    expect(partial).toMatchObject({ verdict: 'partial', mistake: 'forgot-accumulation', score: 1, hint: 's was computed under no_grad: it is a constant. And .grad adds up over backward calls.' });
    // ignored the cut: y = x^3 / 2 per call, 1.5 x^2, twice: [3, 27]; the teacher's feedback with ada's b
    const cut = grade(PER_STUDENT, 'grad', '[3, 27]', 'ada');
    expect(cut.mistake).toBe('ignored-cut');
    expect(cut.feedback).toContain('s = x * 0.5 was made under torch.no_grad(): to autograd it is the constant 0.5·x');
    expect(cut.feedback).toContain('Hint: s was computed under no_grad');
    // the pair (the cut ignored, accumulation forgotten): half of the cut's answer; partial credit is the product (0 · 0.5)
    expect(grade(PER_STUDENT, 'grad', '[1.5, 13.5]', 'ada')).toMatchObject({ verdict: 'wrong', mistake: 'ignored-cut+forgot-accumulation', score: 0 });
  });

  test('partial credit for a pair: its own, or the product of its members', () => {
    const exercise = parseExercise(`script: |
  import torch
  x = torch.tensor([1.0, 2.0], requires_grad=True)
  y = x.pow(3).sum()
  y.backward(retain_graph=True)
  y.backward()
questions:
  - id: a
    kind: gradient
    tensor: x
    points: 4
    partial: {forgot-accumulation: 0.5, sign-error: 0.5}
  - id: b
    kind: gradient
    tensor: x
    points: 4
    partial: {forgot-accumulation+sign-error: 0.1}
`);
    // right 6x^2 = [6, 24]; forgot accumulation 3x^2; both with the sign: -3x^2
    expect(grade(exercise, 'a', '[-3, -12]')).toMatchObject({ verdict: 'partial', mistake: 'forgot-accumulation+sign-error', score: 1 });
    expect(grade(exercise, 'b', '[-3, -12]')).toMatchObject({ verdict: 'partial', score: 0.4 });
    expect(grade(exercise, 'b', '[3, 12]')).toMatchObject({ verdict: 'wrong', mistake: 'forgot-accumulation', score: 0 });
  });
});

describe('CSV that is not quite CSV', () => {
  test('a malformed row is reported with its line; the rows after it are read', () => {
    const text = 'student,question,answer\nada,grad,[[2, 2], [2, 2]]\nbob,grad,"unclosed\ncy,grad,"[[1,2]]"x\ndee,formula,"2"\neve,grad\n';
    const rows = readAnswers(text, 'csv', TUTORIAL, 'a.csv');
    expect(rows.map((r: AnswerRow) => [r.where, r.student, r.problem ?? 'ok'])).toEqual([
      ['a.csv:2', 'ada', 'ok'],
      ['a.csv:3', 'line 3', expect.stringContaining('not CSV: unexpected "["')],
      ['a.csv:4', 'line 4', expect.stringContaining('not CSV: unexpected "x"')],
      ['a.csv:5', 'dee', 'ok'],
      ['a.csv:6', 'eve', 'the row has 2 fields, the header 3'],
    ]);
    expect(rows.map((r) => gradeRow(TUTORIAL, r).verdict)).toEqual(['right', 'invalid', 'invalid', 'right', 'invalid']);
  });
});
