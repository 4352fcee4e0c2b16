/**
 * The labelled set: answers to the exercises of test/grade/labelled/,
 * labelled from real PyTorch 1.13's values by label.py (the mistakes a
 * teacher sees, each written by hand as the script the mistaken student has
 * in mind, independently of dzdx's own transformations). Verdicts must all
 * be right, the named mistake right in at least 98 % of the answers a
 * mistake explains, and dzdx must never name a mistake the student did not
 * make.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { buildKey, grade, MISTAKE_KINDS, parseExercise, type ExerciseKey } from '../../src/grade/index.js';

interface Row {
  exercise: string;
  question: string;
  answer: string;
  verdict: 'right' | 'wrong' | 'invalid';
  mistake: string | null;
  why: string;
}

const DIR = 'test/grade/labelled';
const { rows } = JSON.parse(readFileSync(`${DIR}/labelled.json`, 'utf8')) as { rows: Row[] };
const keys = new Map<string, ExerciseKey>();
const keyOf = (name: string) => {
  let key = keys.get(name);
  if (!key) keys.set(name, (key = buildKey(parseExercise(readFileSync(`${DIR}/${name}.yaml`, 'utf8')))));
  return key;
};

describe('the labelled set', () => {
  const graded = rows.map((row) => ({ row, result: grade(keyOf(row.exercise), row.question, row.answer) }));

  test('covers what the issue asks for', () => {
    expect(rows.length).toBeGreaterThanOrEqual(300);
    const mistakes = new Set(rows.flatMap((r) => (r.mistake ? r.mistake.split('+') : [])));
    for (const kind of ['ignored-cut', 'ignored-mutation', 'mutation-everywhere', 'forgot-accumulation', 'gradient-as-ones', 'confused-op', 'dropped-inner-factor', 'power-off-by-one', 'sign-error']) {
      expect(mistakes, kind).toContain(kind);
    }
    // Print questions naming slips and forgot-accumulation (cause 4); pairs.
    const printed = rows.filter((r) => r.mistake && keyOf(r.exercise).questions.find((q) => q.question.id === r.question)!.question.kind === 'print');
    expect(printed.map((r) => r.mistake)).toEqual(expect.arrayContaining(['sign-error', 'power-off-by-one', 'forgot-accumulation', 'dropped-inner-factor']));
    // Every pair of mistakes that can be made together (not ignored-mutation with mutation-everywhere, which undo each other).
    const pairs = new Set(rows.filter((r) => r.mistake?.includes('+')).map((r) => r.mistake));
    MISTAKE_KINDS.forEach((a, i) =>
      MISTAKE_KINDS.slice(i + 1).forEach((b) => {
        if (a !== 'ignored-mutation' || b !== 'mutation-everywhere') expect(pairs, `${a}+${b}`).toContain(`${a}+${b}`);
      }),
    );
    // Ties (two mistakes, one answer): the cases of the issue.
    expect(rows).toContainEqual(expect.objectContaining({ exercise: 'mut_between_calls', question: 'end', answer: '[4.0, -8.0, 2.0]', mistake: 'ignored-mutation' }));
    expect(rows).toContainEqual(expect.objectContaining({ exercise: 'ones_or_sign', question: 'grad', answer: '[2.0, 2.0]', mistake: 'gradient-as-ones' }));
  });

  test('every verdict right; the named mistake right in >= 98 %; no wrong diagnosis', () => {
    const verdictMisses = graded.filter(({ row, result }) => result.verdict !== row.verdict);
    const labelled = graded.filter(({ row }) => row.mistake !== null);
    const named = labelled.filter(({ row, result }) => result.mistake === row.mistake);
    const wrongDiagnoses = graded.filter(({ row, result }) => result.mistake !== null && result.mistake !== row.mistake);
    const missed = labelled.filter(({ result }) => result.mistake === null);
    const show = (list: typeof graded) => list.map(({ row, result }) => `${row.exercise}/${row.question} ${JSON.stringify(row.answer)}: labelled ${row.verdict} ${row.mistake}, graded ${result.verdict} ${result.mistake}`).join('\n');
    const accuracy = named.length / labelled.length;
    console.log(
      `labelled set: ${rows.length} answers; verdicts ${rows.length - verdictMisses.length}/${rows.length}; ` +
        `named mistake ${named.length}/${labelled.length} (${(100 * accuracy).toFixed(1)} %); wrong diagnoses ${wrongDiagnoses.length}; not named ${missed.length}\n${show(missed)}`,
    );
    expect(show(verdictMisses)).toBe('');
    expect(show(wrongDiagnoses)).toBe('');
    expect(accuracy).toBeGreaterThanOrEqual(0.98);
  });
});
