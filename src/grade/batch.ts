/**
 * Grading a class: answers read from CSV or JSON Lines, results written as
 * CSV or JSON, and a summary (score distribution, most common mistakes).
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { grade, type GradeResult } from './grade.js';
import type { ExerciseKey } from './key.js';
import { mistakeTitle, type MistakeName } from './mistakes.js';

export interface AnswerRow {
  student: string;
  question: string;
  answer: string;
  /** 1-based line of the row in the answers file. */
  line: number;
}

export interface BatchResult extends GradeResult {
  student: string;
}

export class AnswersFileError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'AnswersFileError';
  }
}

export const BATCH_LIMITS = { maxRows: 1_000_000, maxFileChars: 200_000_000 } as const;

/** Rows of `student,question,answer` (CSV with a header) or `{"student", "question", "answer"}` lines. */
export function readAnswers(text: string, format: 'csv' | 'jsonl', key: ExerciseKey): AnswerRow[] {
  if (text.length > BATCH_LIMITS.maxFileChars) throw new AnswersFileError(`the answers file has more than ${BATCH_LIMITS.maxFileChars} characters`, 1);
  const only = key.questions.length === 1 ? key.questions[0]!.question.id : null;
  const rows: AnswerRow[] = [];
  const add = (record: Record<string, unknown>, line: number) => {
    if (rows.length >= BATCH_LIMITS.maxRows) throw new AnswersFileError(`more than ${BATCH_LIMITS.maxRows} answers`, line);
    const field = (name: string) => (record[name] === undefined || record[name] === null ? undefined : String(record[name]));
    const answer = field('answer');
    if (answer === undefined) throw new AnswersFileError("the row has no 'answer'", line);
    const question = field('question') ?? only;
    if (question === null) throw new AnswersFileError(`the row names no 'question', and the exercise has ${key.questions.length}`, line);
    rows.push({ student: field('student') ?? `row ${line}`, question, answer, line });
  };
  if (format === 'jsonl') {
    text.split('\n').forEach((raw, i) => {
      if (!raw.trim()) return;
      let record: unknown;
      try {
        record = JSON.parse(raw);
      } catch (e) {
        throw new AnswersFileError(`not JSON: ${(e as Error).message}`, i + 1);
      }
      if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new AnswersFileError('expected a JSON object', i + 1);
      add(record as Record<string, unknown>, i + 1);
    });
    return rows;
  }
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, { columns: true, skip_empty_lines: true, info: true, bom: true, relax_column_count: false });
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new AnswersFileError(`not CSV: ${err.message}`, err.lines ?? 1);
  }
  if (records.length && !('answer' in records[0]!.record)) throw new AnswersFileError("the header has no 'answer' column", 1);
  for (const { record, info } of records) add(record, info.lines);
  return rows;
}

export function gradeRows(key: ExerciseKey, rows: readonly AnswerRow[], progress?: (done: number) => void): BatchResult[] {
  return rows.map((row, i) => {
    if (progress && i % 256 === 0) progress(i);
    return { student: row.student, ...grade(key, row.question, row.answer) };
  });
}

const COLUMNS = ['student', 'question', 'verdict', 'score', 'points', 'mistake', 'feedback'] as const;

export function writeResults(results: readonly BatchResult[], format: 'csv' | 'json'): string {
  const records = results.map((r) => ({ ...Object.fromEntries(COLUMNS.map((c) => [c, r[c] ?? ''])), ...(r.line ? { line: r.line, col: r.col } : {}) }));
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
  const lines = [`${s.answers} answers from ${s.students} students: ${s.verdicts.right} right, ${s.verdicts.partial} partly right, ${s.verdicts.wrong} wrong, ${s.verdicts.invalid} unreadable`, 'score distribution (students per tenth of the points):'];
  const widest = Math.max(1, ...s.distribution);
  s.distribution.forEach((n, i) => {
    const label = `${i * 10}-${i * 10 + 10}%`;
    lines.push(`  ${label.padStart(7)}  ${'#'.repeat(Math.round((30 * n) / widest)).padEnd(30)} ${n}`);
  });
  lines.push(s.mistakes.length ? 'most common mistakes:' : 'no named mistakes');
  for (const m of s.mistakes) lines.push(`  ${String(m.count).padStart(6)}  ${m.title}`);
  return lines.join('\n') + '\n';
}
