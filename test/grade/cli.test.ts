/**
 * `dzdx grade` and `dzdx exercises` through the bundled CLI (dist/bundle,
 * built by `npm test` first): one answer, a class from CSV and JSON Lines,
 * worker threads giving the same results, bad files ending in one
 * positioned message, and generated exercises whose keys grade right.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { buildKey, grade, parseExercise } from '../../src/grade/index.js';

const CLI = 'dist/bundle/main.js';
const TUTORIAL = 'examples/exercises/tutorial_data_mutation.yaml';

function dzdx(...args: string[]) {
  const r = spawnSync('node', [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

vi.setConfig({ testTimeout: 120_000 });

const dir = mkdtempSync(join(tmpdir(), 'dzdx-grade-'));

describe('dzdx grade', () => {
  test("the tutorial's published output is graded wrong, with the reason", () => {
    const r = dzdx('grade', TUTORIAL, '--question', 'printed', '--answer', 'tensor([[202., 204.],\n        [206., 208.]])');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('wrong (0/1) [confused-op]');
    expect(r.stdout).toContain('what `y = x ** 2` would give');
    expect(r.stdout).toContain('`y = 2 * x` on line 6 saved nothing of x');
  });

  test('one answer as JSON', () => {
    const r = dzdx('grade', TUTORIAL, '--question', 'grad', '--answer', '[[2, 2], [2, 2]]', '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ question: 'grad', verdict: 'right', score: 2, points: 2 });
  });

  test('an unreadable answer exits 2 with its position', () => {
    const r = dzdx('grade', TUTORIAL, '--question', 'grad', '--answer', '[[2, 2], [2]]');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('ragged');
    expect(r.stdout).toContain('line 1, column 10');
  });

  test('a class from CSV: results, summary, quoted multi-line answers', () => {
    const csv = join(dir, 'answers.csv');
    writeFileSync(csv, [
      'student,question,answer',
      'ada,grad,"[[2, 2], [2, 2]]"',
      'ada,printed,"tensor([[2., 2.],\n        [2., 2.]])"',
      'bob,grad,"tensor([[202., 204.], [206., 208.]])"',
      'bob,printed,"tensor([[202., 204.],\n        [206., 208.]])"',
      'cy,grad,"[[2, 2], [2]]"',
      'cy,formula,2',
    ].join('\n') + '\n');
    const out = join(dir, 'results.json');
    const r = dzdx('grade', TUTORIAL, csv, '--out', out);
    expect(r.code).toBe(0);
    const results = JSON.parse(readFileSync(out, 'utf8'));
    expect(results.map((x: { student: string; verdict: string }) => `${x.student}:${x.verdict}`)).toEqual(['ada:right', 'ada:right', 'bob:wrong', 'bob:wrong', 'cy:invalid', 'cy:right']);
    expect(results[2].mistake).toBe('confused-op');
    expect(r.stderr).toContain('6 answers from 3 students: 3 right, 0 partly right, 2 wrong, 1 unreadable');
    expect(r.stderr).toMatch(/most common mistakes:\n\s+2 {2}the gradient of another op/);
  });

  test('JSON Lines in, CSV out on stdout', () => {
    const jsonl = join(dir, 'answers.jsonl');
    writeFileSync(jsonl, ['{"student": "ada", "question": "formula", "answer": "2"}', '', '{"student": "bob", "question": "formula", "answer": "2*(x+100)"}'].join('\n'));
    const r = dzdx('grade', TUTORIAL, jsonl);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('student,question,verdict,score,points,mistake,feedback');
    expect(lines[1]).toMatch(/^ada,formula,right,1,1,,Right\.$/);
    expect(lines[2]).toMatch(/^bob,formula,wrong,0,1,confused-op,/);
  });

  test('worker threads give the same results as one thread', () => {
    const rows = ['student,question,answer'];
    const answers = ['"[[2, 2], [2, 2]]"', '"[[202, 204], [206, 208]]"', '"[[-2, -2], [-2, -2]]"', '"x"', '"[[1, 2"', '"2*x"'];
    for (let i = 0; i < 300; i++) rows.push(`s${i % 40},grad,${answers[i % answers.length]}`);
    const csv = join(dir, 'many.csv');
    writeFileSync(csv, rows.join('\n') + '\n');
    const one = dzdx('grade', TUTORIAL, csv, '--workers', '1');
    const two = dzdx('grade', TUTORIAL, csv, '--workers', '2', '--progress');
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    expect(two.stderr).toContain('grading [####################] 300/300');
    expect(one.stdout.trim().split('\n')).toHaveLength(301);
  });

  test('a broken exercise file: one positioned message with a caret', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'script: |\n  import torch\nquestions:\n  - kind: print\n    line: 9\n');
    const r = dzdx('grade', bad, '--answer', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:5:11: questions[0].line: the script has 2 lines`);
    expect(r.stderr).toContain('    line: 9\n          ^');
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  test('an answers file that is not one: exit 2 with its line; a malformed row: reported with its line, the others graded (exit 1)', () => {
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'student,question\nada,grad\n');
    const r = dzdx('grade', TUTORIAL, csv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no 'answer' column");
    const jsonl = join(dir, 'bad.jsonl');
    writeFileSync(jsonl, '{"answer": "[[2, 2], [2, 2]]", "question": "grad"}\n{oops\n{"answer": "2", "question": "formula"}\n');
    const j = dzdx('grade', TUTORIAL, jsonl);
    expect(j.code).toBe(1);
    expect(j.stderr).toContain(`${jsonl}:2: not JSON`);
    expect(j.stdout.trim().split('\n').map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['student,question,verdict', 'row 1,grad,right', 'line 2,,invalid', 'row 3,formula,right']);
  });

  test('notebooks: one per student, results per question; the student of a Gradescope submission', () => {
    const r = dzdx('grade', 'examples/exercises/per_student.yaml', 'examples/submissions/ada.ipynb', 'examples/submissions/bob.ipynb');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['ada,grad,right', 'ada,printed,right', 'ada,code,right', 'bob,grad,partial', 'bob,printed,wrong', 'bob,code,invalid']);
    const two = dzdx('grade', 'examples/exercises/per_student.yaml', join(dir, '../../no-such.csv'));
    expect(two.code).toBe(2);
    const out = join(dir, 'gs.json');
    expect(dzdx('grade', 'examples/exercises/per_student.yaml', 'examples/submissions/bob.ipynb', '--format', 'gradescope', '--out', out).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).score).toBe(1);
    const many = dzdx('grade', TUTORIAL, 'examples/exercises/tutorial_data_mutation.answers.csv', '--format', 'gradescope');
    expect(many.code).toBe(2);
    expect(many.stderr).toContain('results are for one submission');
  });

  test('--render: the exercise as a student sees it; --student is needed for an exercise with params', () => {
    const text = dzdx('grade', 'examples/exercises/per_student.yaml', '--student', 'ada', '--render', 'text');
    expect(text.stdout).toContain('x = torch.tensor([1.0, 3.0], requires_grad=True)');
    expect(dzdx('grade', 'examples/exercises/per_student.yaml', '--student', 'ada', '--render', 'text').stdout).toBe(text.stdout);
    expect(dzdx('grade', 'examples/exercises/per_student.yaml', '--student', 'bob', '--render', 'text').stdout).toContain('[1.0, 5.0]');
    const nb = JSON.parse(dzdx('grade', 'examples/exercises/per_student.yaml', '--student', 'ada', '--render', 'notebook').stdout);
    expect(nb.nbformat).toBe(4);
    const none = dzdx('grade', 'examples/exercises/per_student.yaml', '--render', 'text');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('give --student ID');
  });
});

describe('dzdx exercises', () => {
  test.each([1, 2, 3, 4, 5])('level %i: exercises, scripts and keys; the key answers grade right', (level) => {
    const out = join(dir, `level${level}`);
    const r = dzdx('exercises', '--count', '3', '--level', String(level), '--seed', '7', '--out', out);
    expect(r.code).toBe(0);
    const files = readdirSync(out).sort();
    expect(files.filter((f) => f.endsWith('.yaml'))).toHaveLength(3);
    for (const yaml of files.filter((f) => f.endsWith('.yaml'))) {
      const base = yaml.replace(/\.yaml$/, '');
      const text = readFileSync(join(out, yaml), 'utf8');
      const script = readFileSync(join(out, `${base}.py`), 'utf8');
      if (level === 3) expect(script).toMatch(/no_grad|detach/);
      if (level === 4) expect(script).toContain('.data');
      if (level === 5) expect(script.match(/\.backward\(/g)!.length).toBeGreaterThanOrEqual(2);
      const runs = spawnSync('node', [CLI, 'run', join(out, `${base}.py`)], { encoding: 'utf8' });
      expect(runs.status).toBe(0);
      const key = buildKey(parseExercise(text));
      const answers = JSON.parse(readFileSync(join(out, `${base}.key.json`), 'utf8')) as { id: string; answer: unknown }[];
      for (const a of answers) {
        const answer = typeof a.answer === 'string' ? a.answer : JSON.stringify(a.answer);
        expect(grade(key, a.id, answer).verdict, `${base} ${a.id} ${answer}`).toBe('right');
      }
    }
  });

  test('the same seed gives the same exercises', () => {
    const a = join(dir, 'same-a');
    const b = join(dir, 'same-b');
    dzdx('exercises', '--count', '2', '--level', '2', '--seed', '3', '--out', a);
    dzdx('exercises', '--count', '2', '--level', '2', '--seed', '3', '--out', b);
    for (const f of readdirSync(a)) expect(readFileSync(join(b, f), 'utf8')).toBe(readFileSync(join(a, f), 'utf8'));
  });

  test('bad options exit 2', () => {
    expect(dzdx('exercises', '--level', '9', '--out', join(dir, 'x')).code).toBe(2);
    expect(dzdx('exercises', '--count', '0', '--out', join(dir, 'x')).code).toBe(2);
  });
});
