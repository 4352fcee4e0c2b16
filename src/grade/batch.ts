/**
 * Grading a class: answer rows (submissions.ts) graded one by one, each
 * with its student's key, results written as CSV or JSON, and a summary
 * (score distribution, most common mistakes). A row is graded the same
 * way wherever and whenever it is graded (one thread or several, in one run
 * or resumed), so results never depend on how a batch was run.
 */
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { formatCellPosition } from '../notebook/index.js';
import type { Exercise } from './exercise.js';
import { grade, keyFor, type GradeResult } from './grade.js';
import { mistakeTitle, type MistakeName } from './mistakes.js';
import type { AnswerRow } from './submissions.js';

export { readAnswers, answersFormat, prairieLearnSubmission, AnswersFileError, BATCH_LIMITS, type AnswerRow, type AnswersFormat } from './submissions.js';

export interface BatchResult extends GradeResult {
  student: string;
  /** Where the answer came from (`answers.csv:12`, `hw.ipynb:cell 7`). */
  where: string;
}

export function gradeRow(exercise: Exercise, row: AnswerRow): BatchResult {
  const question = exercise.questions.find((q) => q.id === row.question);
  if (row.problem !== undefined) {
    return { student: row.student, where: row.where, question: row.question, verdict: 'invalid', score: 0, points: question?.points ?? 0, mistake: null, mistakes: [], feedback: `${row.where}: ${row.problem}` };
  }
  const result = grade(keyFor(exercise, row.student, row.values), row.question, row.answer);
  if (row.cell && result.line !== undefined) {
    const at = formatCellPosition({ fileName: row.cell.fileName, cell: row.cell.number, line: result.line, col: result.col ?? 1 });
    return { student: row.student, where: row.where, ...result, feedback: `${result.feedback} (${at})` };
  }
  return { student: row.student, where: row.where, ...result };
}

export function gradeRows(exercise: Exercise, rows: readonly AnswerRow[], progress?: (done: number) => void): BatchResult[] {
  return rows.map((row, i) => {
    if (progress && i % 256 === 0) progress(i);
    return gradeRow(exercise, row);
  });
}

const COLUMNS = ['student', 'question', 'verdict', 'score', 'points', 'mistake', 'feedback'] as const;

export function writeResults(results: readonly BatchResult[], format: 'csv' | 'json'): string {
  const records = results.map((r) => ({ ...Object.fromEntries(COLUMNS.map((c) => [c, r[c] ?? ''])), where: r.where, ...(r.line ? { line: r.line, col: r.col } : {}) }));
  if (format === 'json') return JSON.stringify(records, null, 1) + '\n';
  return stringifyCsv(records.map((r) => COLUMNS.map((c) => (r as Record<string, unknown>)[c])), { header: true, columns: [...COLUMNS] });
}

export interface BatchSummary {
  answers: number;
  verdicts: Record<'right' | 'partial' | 'wrong' | 'invalid', number>;
  /** Per student: total score out of the points of the questions they answered. */
  students: number;
  /** How many students scored in each tenth of the points (0–10 %, …, 90–100 %). */
  distribution: number[];
  mistakes: { kind: MistakeName; title: string; count: number }[];
}

export function summarize(results: readonly BatchResult[]): BatchSummary {
  const verdicts = { right: 0, partial: 0, wrong: 0, invalid: 0 };
  const perStudent = new Map<string, { score: number; points: number }>();
  const mistakes = new Map<MistakeName, number>();
  for (const r of results) {
    verdicts[r.verdict]++;
    const s = perStudent.get(r.student) ?? { score: 0, points: 0 };
    s.score += r.score;
    s.points += r.points;
    perStudent.set(r.student, s);
    if (r.mistake) mistakes.set(r.mistake, (mistakes.get(r.mistake) ?? 0) + 1);
  }
  const distribution = Array.from({ length: 10 }, () => 0);
  for (const { score, points } of perStudent.values()) distribution[Math.min(9, Math.floor((10 * score) / (points || 1)))]!++;
  return {
    answers: results.length,
    verdicts,
    students: perStudent.size,
    distribution,
    mistakes: [...mistakes].sort((a, b) => b[1] - a[1]).map(([kind, count]) => ({ kind, title: mistakeTitle(kind), count })),
  };
}

export function formatSummary(s: BatchSummary): string {
  const lines = [`${s.answers} answer${s.answers === 1 ? '' : 's'} from ${s.students} student${s.students === 1 ? '' : 's'}: ${s.verdicts.right} right, ${s.verdicts.partial} partly right, ${s.verdicts.wrong} wrong, ${s.verdicts.invalid} unreadable`, 'score distribution (students per tenth of the points):'];
  const widest = Math.max(1, ...s.distribution);
  s.distribution.forEach((n, i) => {
    const label = `${i * 10}-${i * 10 + 10}%`;
    lines.push(`  ${label.padStart(7)}  ${'#'.repeat(Math.round((30 * n) / widest)).padEnd(30)} ${n}`);
  });
  lines.push(s.mistakes.length ? 'most common mistakes:' : 'no named mistakes');
  for (const m of s.mistakes) lines.push(`  ${String(m.count).padStart(6)}  ${m.title}`);
  return lines.join('\n') + '\n';
}
