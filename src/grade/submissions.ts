/**
 * What students hand in, read into answer rows: a class's answers as CSV
 * or JSON Lines, a Jupyter notebook per student, or PrairieLearn's
 * `data.json`. Untrusted and often imperfect: a row that cannot be read
 * becomes a row with its problem (graded invalid, with its line), and the
 * others are read on; only a file that is not answers at all is an error.
 */
import { NotebookError, parseNotebook } from '../notebook/index.js';
import { readCsv } from './csv.js';
import type { Exercise } from './exercise.js';
import { notebookAnswers } from './notebook-answers.js';

export interface AnswerRow {
  student: string;
  question: string;
  answer: string;
  /** Where the row came from: `answers.csv:12`, `hw.ipynb:cell 7`. */
  where: string;
  /** Why the row could not be read (it is graded invalid, the others go on). */
  problem?: string;
  /** The notebook cell the answer is (positions in the answer are the cell's lines and columns). */
  cell?: { fileName: string; number: number };
  /** Params' values given with the answer (PrairieLearn), instead of the student's draw. */
  values?: Record<string, number>;
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

export type AnswersFormat = 'csv' | 'jsonl' | 'notebook' | 'prairielearn';

/** The format of an answers file, by its name (and for JSON, its content). */
export function answersFormat(fileName: string, text: string): AnswersFormat {
  if (/\.ipynb$/i.test(fileName)) return 'notebook';
  if (/\.(jsonl|ndjson)$/i.test(fileName)) return 'jsonl';
  if (/\.json$/i.test(fileName)) return /"submitted_answers"\s*:/.test(text) ? 'prairielearn' : 'jsonl';
  return 'csv';
}

/**
 * Rows of an answers file. `student` names the student of a notebook or a
 * PrairieLearn submission (default: the notebook's metadata `dzdx.student`,
 * else its file name; PrairieLearn's variant seed).
 */
export function readAnswers(text: string, format: AnswersFormat, exercise: Exercise, fileName: string, student?: string): AnswerRow[] {
  if (text.length > BATCH_LIMITS.maxFileChars) throw new AnswersFileError(`the answers file has more than ${BATCH_LIMITS.maxFileChars} characters`, 1);
  switch (format) {
    case 'csv':
      return fromCsv(text, exercise, fileName);
    case 'jsonl':
      return fromJsonLines(text, exercise, fileName);
    case 'notebook':
      return fromNotebook(text, exercise, fileName, student);
    case 'prairielearn':
      return fromPrairieLearn(text, exercise, fileName, student);
  }
}

function rowOf(record: Record<string, unknown>, exercise: Exercise, where: string, line: number): AnswerRow {
  const field = (name: string) => (record[name] === undefined || record[name] === null ? undefined : String(record[name]));
  const only = exercise.questions.length === 1 ? exercise.questions[0]!.id : undefined;
  const student = field('student') ?? `row ${line}`;
  const question = field('question') ?? only;
  const answer = field('answer');
  if (answer === undefined) return { student, question: question ?? '', answer: '', where, problem: "the row has no 'answer'" };
  if (question === undefined) return { student, question: '', answer, where, problem: `the row names no 'question', and the exercise has ${exercise.questions.length}` };
  return { student, question, answer, where };
}

function limit(rows: AnswerRow[], line: number): void {
  if (rows.length >= BATCH_LIMITS.maxRows) throw new AnswersFileError(`more than ${BATCH_LIMITS.maxRows} answers`, line);
}

function fromCsv(text: string, exercise: Exercise, fileName: string): AnswerRow[] {
  const { records, problems } = readCsv(text);
  const header = records.shift();
  if (!header) {
    if (problems.length) throw new AnswersFileError(problems[0]!.message, problems[0]!.line);
    return [];
  }
  const columns = header.fields.map((f) => f.trim().toLowerCase());
  if (!columns.includes('answer')) throw new AnswersFileError(`the header has no 'answer' column (it has ${columns.join(', ')})`, header.line);
  const answerLast = columns.at(-1) === 'answer';
  const rows: (AnswerRow & { line: number })[] = problems.filter((p) => p.line > header.line).map((p) => ({ student: `line ${p.line}`, question: '', answer: '', where: `${fileName}:${p.line}`, problem: p.message, line: p.line }));
  for (const { fields, line } of records) {
    limit(rows, line);
    const where = `${fileName}:${line}`;
    let values = fields;
    if (fields.length > columns.length && answerLast) values = [...fields.slice(0, columns.length - 1), fields.slice(columns.length - 1).join(',')];
    if (values.length !== columns.length) {
      rows.push({ student: fields[columns.indexOf('student')] ?? `line ${line}`, question: '', answer: '', where, problem: `the row has ${fields.length} fields, the header ${columns.length}`, line });
      continue;
    }
    rows.push({ ...rowOf(Object.fromEntries(columns.map((c, k) => [c, values[k]])), exercise, where, line), line });
  }
  return rows.sort((a, b) => a.line - b.line).map(({ line: _line, ...row }) => row);
}

function fromJsonLines(text: string, exercise: Exercise, fileName: string): AnswerRow[] {
  const rows: AnswerRow[] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    limit(rows, i + 1);
    const where = `${fileName}:${i + 1}`;
    let record: unknown;
    try {
      record = JSON.parse(raw);
    } catch (e) {
      rows.push({ student: `line ${i + 1}`, question: '', answer: '', where, problem: `not JSON: ${(e as Error).message}` });
      return;
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      rows.push({ student: `line ${i + 1}`, question: '', answer: '', where, problem: 'expected a JSON object {"student", "question", "answer"}' });
      return;
    }
    rows.push(rowOf(record as Record<string, unknown>, exercise, where, i + 1));
  });
  return rows;
}

const baseName = (fileName: string) => fileName.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');

/** One row per question of the exercise: the cell that answers it, or the reason there is none. */
function fromNotebook(text: string, exercise: Exercise, fileName: string, student?: string): AnswerRow[] {
  let name = student ?? baseName(fileName);
  try {
    const notebook = parseNotebook(text, { fileName });
    const meta = notebook.metadata.dzdx as { student?: unknown } | undefined;
    if (student === undefined && typeof meta?.student === 'string' && meta.student.trim()) name = meta.student.trim();
    const { answers } = notebookAnswers(notebook, exercise.questions);
    return exercise.questions.map((q) => {
      const a = answers.get(q.id);
      if (!a) {
        return { student: name, question: q.id, answer: '', where: fileName, problem: `no cell answers question '${q.id}' (tag the cell '${q.id}', or begin it with the comment '# question: ${q.id}')` };
      }
      return { student: name, question: q.id, answer: a.text, where: `${fileName}:cell ${a.cell.number}`, cell: { fileName, number: a.cell.number } };
    });
  } catch (e) {
    if (!(e instanceof NotebookError)) throw e;
    return exercise.questions.map((q) => ({ student: name, question: q.id, answer: '', where: fileName, problem: e.format() }));
  }
}

/**
 * PrairieLearn's `/grade/data/data.json`: `submitted_answers` keyed by
 * question id (the names of the question's input elements), `params` for
 * an exercise's params when the question's server.py set them (else the
 * variant seed draws them, as a student id would).
 */
function fromPrairieLearn(text: string, exercise: Exercise, fileName: string, student?: string): AnswerRow[] {
  const { data, submission } = prairieLearnData(text, exercise);
  const submitted = data.submitted_answers as Record<string, unknown>;
  const name = student ?? submission.student;
  return exercise.questions.flatMap((q) => {
    const answer = submitted[q.id];
    if (answer === undefined || answer === null) return [];
    return [{ student: name, question: q.id, answer: typeof answer === 'string' ? answer : JSON.stringify(answer), where: `${fileName}:submitted_answers.${q.id}`, ...(submission.values ? { values: submission.values } : {}) }];
  });
}

/**
 * Who a PrairieLearn submission is (its variant's seed, which draws the
 * exercise's params as a student id would) and the params' values when
 * data.json's `params` give all of them (the question's server.py set them).
 */
export function prairieLearnSubmission(text: string, exercise: Exercise): { student: string; values?: Record<string, number> } {
  return prairieLearnData(text, exercise).submission;
}

function prairieLearnData(text: string, exercise: Exercise) {
  let data: { submitted_answers?: unknown; params?: unknown; variant_seed?: unknown };
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new AnswersFileError(`not JSON: ${(e as Error).message}`, 1);
  }
  const submitted = data.submitted_answers;
  if (typeof submitted !== 'object' || submitted === null || Array.isArray(submitted)) throw new AnswersFileError("PrairieLearn's data.json has no 'submitted_answers' object", 1);
  const params = typeof data.params === 'object' && data.params !== null ? (data.params as Record<string, unknown>) : {};
  const values: Record<string, number> = {};
  for (const p of exercise.params) if (typeof params[p.name] === 'number') values[p.name] = params[p.name] as number;
  const student = data.variant_seed === undefined ? 'submission' : String(data.variant_seed);
  const given = exercise.params.length > 0 && exercise.params.every((p) => p.name in values);
  return { data, submission: { student, ...(given ? { values } : {}) } };
}
