/**
 * Results where teachers keep grades: Gradescope's autograder
 * `results.json` (https://gradescope-autograders.readthedocs.io/en/latest/specs/)
 * and PrairieLearn's external grader results
 * (https://prairielearn.readthedocs.io/en/latest/externalGrading/), for one
 * submission: a test per question of the exercise, with the verdict, the
 * feedback and the points.
 */
import type { BatchResult } from './batch.js';
import type { Exercise, Question } from './exercise.js';
import { mistakeTitle } from './mistakes.js';

const round = (n: number) => Math.round(n * 1e6) / 1e6;

/** Each question with the student's result for it (the last, if they answered it twice), or none. */
function perQuestion(exercise: Exercise, results: readonly BatchResult[]): { question: Question; result: BatchResult | null }[] {
  return exercise.questions.map((question) => ({ question, result: results.filter((r) => r.question === question.id).at(-1) ?? null }));
}

const NO_ANSWER = 'No answer to this question was found in the submission.';

function describe(result: BatchResult | null): string {
  if (!result) return NO_ANSWER;
  const head = `${result.verdict} (${round(result.score)}/${round(result.points)})${result.mistake ? `, mistake: ${mistakeTitle(result.mistake)}` : ''}`;
  return `${head}\n${result.feedback}`;
}

function totals(rows: ReturnType<typeof perQuestion>) {
  return { score: round(rows.reduce((s, r) => s + (r.result?.score ?? 0), 0)), points: round(rows.reduce((s, r) => s + r.question.points, 0)) };
}

function overview(exercise: Exercise, rows: ReturnType<typeof perQuestion>, notes: readonly string[]): string {
  const { score, points } = totals(rows);
  const count = (v: string) => rows.filter((r) => r.result?.verdict === v).length;
  const missing = rows.filter((r) => !r.result).length;
  return [
    `${exercise.title}: ${score} of ${points} points (dzdx).`,
    `${count('right')} right, ${count('partial')} partly right, ${count('wrong')} wrong, ${count('invalid')} unreadable${missing ? `, ${missing} not answered` : ''}.`,
    ...notes,
  ].join('\n');
}

/** Gradescope's autograder results.json for one submission. */
export function gradescopeResults(exercise: Exercise, results: readonly BatchResult[], notes: readonly string[] = []): Record<string, unknown> {
  const rows = perQuestion(exercise, results);
  return {
    score: totals(rows).score,
    output: overview(exercise, rows, notes),
    output_format: 'text',
    test_output_format: 'text',
    tests: rows.map(({ question, result }, i) => ({
      name: question.prompt ? `${question.id}: ${question.prompt}` : question.id,
      number: String(i + 1),
      score: round(result?.score ?? 0),
      max_score: round(question.points),
      status: result && result.score >= question.points ? 'passed' : 'failed',
      output: describe(result),
      visibility: question.visibility,
      ...(result?.mistakes.length ? { tags: [...result.mistakes] } : {}),
    })),
  };
}

/** PrairieLearn's external grader results for one submission (`gradable: false` when nothing in it could be read). */
export function prairieLearnResults(exercise: Exercise, results: readonly BatchResult[], notes: readonly string[] = []): Record<string, unknown> {
  const rows = perQuestion(exercise, results);
  const readable = rows.some((r) => r.result && r.result.verdict !== 'invalid');
  if (!readable) {
    const errors = rows.map(({ question, result }) => `${question.id}: ${result ? result.feedback : NO_ANSWER}`);
    return { gradable: false, format_errors: [...errors, ...notes], message: overview(exercise, rows, notes) };
  }
  const { score, points } = totals(rows);
  return {
    gradable: true,
    score: points > 0 ? round(score / points) : 0,
    message: overview(exercise, rows, notes),
    output: rows.map(({ question, result }) => `${question.id}: ${describe(result)}`).join('\n\n'),
    tests: rows.map(({ question, result }) => ({
      name: question.id,
      description: question.prompt,
      points: round(result?.score ?? 0),
      max_points: round(question.points),
      message: result ? result.feedback : NO_ANSWER,
      output: result ? `${result.verdict}${result.mistake ? ` (${mistakeTitle(result.mistake)})` : ''}` : 'not answered',
    })),
  };
}
