/**
 * Results where teachers keep grades, checked against each platform's
 * documented format (the checks below are written from the docs, not from
 * dzdx's output):
 *  - Gradescope: https://gradescope-autograders.readthedocs.io/en/latest/specs/
 *    ("Output format", "Controlling Test Case Visibility", "Test case status",
 *    "Output String Formatting");
 *  - PrairieLearn: https://prairielearn.readthedocs.io/en/latest/externalGrading/
 *    ("Grading results").
 * And the autograder scripts of autograders/ run end to end on sample
 * submissions, in the directory layouts the platforms give them.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { gradeRow, gradescopeResults, parseExercise, prairieLearnResults, readAnswers } from '../../src/grade/index.js';

vi.setConfig({ testTimeout: 180_000 });

type Json = Record<string, unknown>;
const VISIBILITY = ['hidden', 'after_due_date', 'after_published', 'visible'];
const FORMATS = ['text', 'html', 'simple_format', 'md', 'ansi'];

/** Problems with a Gradescope results.json, by the spec. */
function gradescopeProblems(r: Json): string[] {
  const p: string[] = [];
  const allowed = ['score', 'execution_time', 'output', 'output_format', 'test_output_format', 'test_name_format', 'visibility', 'stdout_visibility', 'extra_data', 'tests', 'leaderboard'];
  for (const k of Object.keys(r)) if (!allowed.includes(k)) p.push(`unknown top-level key ${k}`);
  const number = (v: unknown, at: string) => v === undefined || (typeof v === 'number' && Number.isFinite(v)) || p.push(`${at}: not a number`);
  const string = (v: unknown, at: string) => v === undefined || typeof v === 'string' || p.push(`${at}: not a string`);
  const oneOf = (v: unknown, list: string[], at: string) => v === undefined || list.includes(v as string) || p.push(`${at}: ${String(v)} is not one of ${list.join(', ')}`);
  number(r.score, 'score');
  number(r.execution_time, 'execution_time');
  string(r.output, 'output');
  for (const k of ['output_format', 'test_output_format', 'test_name_format']) oneOf(r[k], FORMATS, k);
  oneOf(r.visibility, VISIBILITY, 'visibility');
  oneOf(r.stdout_visibility, VISIBILITY, 'stdout_visibility');
  if (r.tests !== undefined && !Array.isArray(r.tests)) p.push('tests: not a list');
  const tests = (r.tests ?? []) as Json[];
  // "score: optional, but required if not on each test case"
  if (r.score === undefined && (tests.length === 0 || tests.some((t) => t.score === undefined))) p.push('no top-level score and a test without one');
  const testKeys = ['score', 'max_score', 'status', 'name', 'name_format', 'number', 'output', 'output_format', 'tags', 'visibility', 'extra_data'];
  tests.forEach((t, i) => {
    if (typeof t !== 'object' || t === null) return p.push(`tests[${i}]: not an object`);
    for (const k of Object.keys(t)) if (!testKeys.includes(k)) p.push(`tests[${i}]: unknown key ${k}`);
    number(t.score, `tests[${i}].score`);
    number(t.max_score, `tests[${i}].max_score`);
    oneOf(t.status, ['passed', 'failed'], `tests[${i}].status`);
    string(t.name, `tests[${i}].name`);
    string(t.number, `tests[${i}].number`);
    string(t.output, `tests[${i}].output`);
    oneOf(t.name_format, FORMATS, `tests[${i}].name_format`);
    oneOf(t.output_format, FORMATS, `tests[${i}].output_format`);
    oneOf(t.visibility, VISIBILITY, `tests[${i}].visibility`);
    if (t.tags !== undefined && !(Array.isArray(t.tags) && t.tags.every((x) => typeof x === 'string'))) p.push(`tests[${i}].tags: not a list of strings`);
    if (typeof t.output === 'string' && t.output.includes('\r')) p.push(`tests[${i}].output: use Unix line endings`);
    return undefined;
  });
  return p;
}

/** Problems with PrairieLearn external grader results, by the docs. */
function prairieLearnProblems(r: Json, text: string): string[] {
  const p: string[] = [];
  if (text.length > 1_000_000) p.push('larger than 1 MB');
  if (r.gradable !== undefined && typeof r.gradable !== 'boolean') p.push('gradable: not a boolean');
  if (r.gradable === false) {
    const e = r.format_errors;
    if (!(typeof e === 'string' || (Array.isArray(e) && e.every((x) => typeof x === 'string')))) p.push('format_errors: a string or a list of strings, when not gradable');
  } else if (!(typeof r.score === 'number' && r.score >= 0 && r.score <= 1)) p.push('score: a number in [0.0, 1.0], required when gradable');
  for (const k of ['message', 'output']) if (r[k] !== undefined && typeof r[k] !== 'string') p.push(`${k}: not a string`);
  const image = (im: unknown, at: string) => typeof im === 'string' || (typeof im === 'object' && im !== null && typeof (im as Json).url === 'string') || p.push(`${at}: an image is {url, label} or a URL`);
  ((r.images ?? []) as unknown[]).forEach((im, i) => image(im, `images[${i}]`));
  if (r.tests !== undefined && !Array.isArray(r.tests)) p.push('tests: not a list');
  ((r.tests ?? []) as Json[]).forEach((t, i) => {
    for (const k of ['name', 'description', 'message', 'output']) if (t[k] !== undefined && typeof t[k] !== 'string') p.push(`tests[${i}].${k}: not a string`);
    for (const k of ['points', 'max_points']) if (t[k] !== undefined && typeof t[k] !== 'number') p.push(`tests[${i}].${k}: not a number`);
    if (typeof t.points === 'number' && typeof t.max_points === 'number' && t.points > t.max_points) p.push(`tests[${i}]: more points than max_points`);
    ((t.images ?? []) as unknown[]).forEach((im, j) => image(im, `tests[${i}].images[${j}]`));
  });
  return p;
}

const PER_STUDENT = 'examples/exercises/per_student.yaml';
const exercise = parseExercise(readFileSync(PER_STUDENT, 'utf8'));
const graded = (file: string) => readAnswers(readFileSync(file, 'utf8'), 'notebook', exercise, file).map((r) => gradeRow(exercise, r));

describe('the checks catch what the docs forbid', () => {
  test('Gradescope', () => {
    expect(gradescopeProblems({ score: 1, tests: [{ score: 1, status: 'ok', visibility: 'students' }], colour: 'red' })).toEqual([
      'unknown top-level key colour',
      'tests[0].status: ok is not one of passed, failed',
      'tests[0].visibility: students is not one of hidden, after_due_date, after_published, visible',
    ]);
    expect(gradescopeProblems({ tests: [{ max_score: 1 }] })).toEqual(['no top-level score and a test without one']);
  });
  test('PrairieLearn', () => {
    expect(prairieLearnProblems({ score: 3 }, '')).toEqual(['score: a number in [0.0, 1.0], required when gradable']);
    expect(prairieLearnProblems({ gradable: false }, '')).toEqual(['format_errors: a string or a list of strings, when not gradable']);
  });
});

describe('results for the platforms', () => {
  test("Gradescope: the score, a test per question with its points, status, output and visibility", () => {
    const r = gradescopeResults(exercise, graded('examples/submissions/bob.ipynb'));
    expect(gradescopeProblems(r)).toEqual([]);
    expect(r.score).toBe(1);
    const tests = r.tests as Json[];
    expect(tests.map((t) => [t.number, t.score, t.max_score, t.status, t.visibility])).toEqual([
      ['1', 1, 2, 'failed', 'visible'],
      ['2', 0, 1, 'failed', 'visible'],
      ['3', 0, 1, 'failed', 'visible'],
    ]);
    expect(tests[0]!.output).toMatch(/^partial \(1\/2\), mistake: forgot accumulation across backward calls\nPartly right\./);
    expect(tests[0]!.tags).toEqual(['forgot-accumulation']);
    expect(tests[2]!.output).toContain('examples/submissions/bob.ipynb:cell 8:line 4:col 20');
    const ada = gradescopeResults(exercise, graded('examples/submissions/ada.ipynb'));
    expect(gradescopeProblems(ada)).toEqual([]);
    expect([ada.score, (ada.tests as Json[]).map((t) => t.status)]).toEqual([4, ['passed', 'passed', 'passed']]);
  });

  test('Gradescope: a question hidden until the due date; nothing submitted', () => {
    const hidden = parseExercise(readFileSync(PER_STUDENT, 'utf8').replace('    line: 9\n', '    line: 9\n    visibility: after_due_date\n'));
    const r = gradescopeResults(hidden, []);
    expect(gradescopeProblems(r)).toEqual([]);
    expect((r.tests as Json[]).map((t) => t.visibility)).toEqual(['visible', 'after_due_date', 'visible']);
    expect(r.score).toBe(0);
    expect((r.tests as Json[])[0]!.output).toContain('No answer');
  });

  test('PrairieLearn: score in [0, 1], tests with points; not gradable when nothing could be read', () => {
    const r = prairieLearnResults(exercise, graded('examples/submissions/bob.ipynb'));
    expect(prairieLearnProblems(r, JSON.stringify(r))).toEqual([]);
    expect(r).toMatchObject({ gradable: true, score: 0.25 });
    expect((r.tests as Json[]).map((t) => [t.name, t.points, t.max_points])).toEqual([['grad', 1, 2], ['printed', 0, 1], ['code', 0, 1]]);
    const unreadable = readAnswers('not json', 'notebook', exercise, 'x.ipynb').map((row) => gradeRow(exercise, row));
    const bad = prairieLearnResults(exercise, unreadable);
    expect(prairieLearnProblems(bad, JSON.stringify(bad))).toEqual([]);
    expect(bad.gradable).toBe(false);
    expect((bad.format_errors as string[])[0]).toContain('x.ipynb:1:1: not a notebook');
  });
});

const CLI = resolve('dist/bundle/main.js');

describe('the autograder scripts, end to end (dist/ built)', () => {
  const root = mkdtempSync(join(tmpdir(), 'dzdx-autograders-'));

  test('Gradescope: run_autograder in /autograder with a submitted notebook', () => {
    const ag = join(root, 'gradescope');
    for (const d of ['source', 'submission', 'results']) mkdirSync(join(ag, d), { recursive: true });
    copyFileSync(PER_STUDENT, join(ag, 'source/exercise.yaml'));
    // The student's Gradescope id draws their values: give this one ada's, so her notebook is right.
    copyFileSync('examples/submissions/ada.ipynb', join(ag, 'submission/homework.ipynb'));
    writeFileSync(join(ag, 'submission_metadata.json'), JSON.stringify({ id: 1, users: [{ email: 'ada@example.com', id: 'ada', name: 'Ada' }] }));
    const run = spawnSync('bash', ['autograders/gradescope/run_autograder'], { encoding: 'utf8', env: { ...process.env, AUTOGRADER_ROOT: ag, DZDX: `node ${CLI}` } });
    expect(run.status, run.stderr).toBe(0);
    const text = readFileSync(join(ag, 'results/results.json'), 'utf8');
    const r = JSON.parse(text) as Json;
    expect(gradescopeProblems(r)).toEqual([]);
    expect(r.score).toBe(4);
    // Another student's id: other values, so the same notebook is wrong there.
    writeFileSync(join(ag, 'submission_metadata.json'), JSON.stringify({ users: [{ id: 'bob' }] }));
    spawnSync('bash', ['autograders/gradescope/run_autograder'], { encoding: 'utf8', env: { ...process.env, AUTOGRADER_ROOT: ag, DZDX: `node ${CLI}` } });
    const bob = JSON.parse(readFileSync(join(ag, 'results/results.json'), 'utf8')) as Json;
    expect(gradescopeProblems(bob)).toEqual([]);
    expect(bob.score).toBeLessThan(4);
  });

  test('Gradescope: an empty submission still gets a valid results.json', () => {
    const ag = join(root, 'gradescope-empty');
    for (const d of ['source', 'submission']) mkdirSync(join(ag, d), { recursive: true });
    copyFileSync('examples/exercises/tutorial_data_mutation.yaml', join(ag, 'source/exercise.yaml'));
    const run = spawnSync('bash', ['autograders/gradescope/run_autograder'], { encoding: 'utf8', env: { ...process.env, AUTOGRADER_ROOT: ag, DZDX: `node ${CLI}` } });
    expect(run.status).toBe(0);
    const r = JSON.parse(readFileSync(join(ag, 'results/results.json'), 'utf8')) as Json;
    expect(gradescopeProblems(r)).toEqual([]);
    expect(r.score).toBe(0);
    expect(r.output).toContain('No answers were found');
  });

  test('PrairieLearn: grade.sh in /grade with a notebook and answers typed into the question', () => {
    const pl = join(root, 'prairielearn');
    for (const d of ['tests', 'student', 'data']) mkdirSync(join(pl, d), { recursive: true });
    copyFileSync(PER_STUDENT, join(pl, 'tests/exercise.yaml'));
    copyFileSync('examples/submissions/bob.ipynb', join(pl, 'student/answers.ipynb'));
    // The variant's params given by the question's server.py: bob's values (a = 5, b = 0.5).
    writeFileSync(join(pl, 'data/data.json'), JSON.stringify({ params: { a: 5, b: 0.5 }, correct_answers: {}, submitted_answers: { printed: 'tensor([ 2., 50.])', _files: [] }, variant_seed: 1234, options: {} }));
    const run = spawnSync('bash', ['autograders/prairielearn/grade.sh'], { encoding: 'utf8', env: { ...process.env, PL_GRADE_ROOT: pl, DZDX: `node ${CLI}` } });
    expect(run.status, run.stderr).toBe(0);
    const text = readFileSync(join(pl, 'results/results.json'), 'utf8');
    const r = JSON.parse(text) as Json;
    expect(prairieLearnProblems(r, text)).toEqual([]);
    // grad partly right (1 of 2), printed right from data.json (1), code unreadable (0): 2 of 4
    expect(r).toMatchObject({ gradable: true, score: 0.5 });
    expect((r.tests as Json[]).map((t) => t.points)).toEqual([1, 1, 0]);
  });
});
