/**
 * `dzdx grade EXERCISE [ANSWERS]`: one answer (`--answer`), or a whole
 * class from CSV / JSON Lines, graded in parallel workers when large.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { formatInputError } from '../src/check/expression-report.js';
import { AnswersFileError, formatSummary, gradeRows, readAnswers, summarize, writeResults, type AnswerRow, type BatchResult } from '../src/grade/batch.js';
import { ExerciseError, parseExercise } from '../src/grade/exercise.js';
import { clipMessage } from '../src/program/excerpt.js';
import { buildKey, type ExerciseKey } from '../src/grade/key.js';
import { grade } from '../src/grade/grade.js';

export interface GradeArgs {
  exercise: string;
  answers?: string;
  answer?: string;
  question?: string;
  format?: 'csv' | 'jsonl';
  out?: string;
  workers?: number;
  progress?: boolean;
  json?: boolean;
}

/** Below this many answers one thread is faster than starting workers. */
const PARALLEL_FROM = 4000;

function fail(message: string): number {
  process.stderr.write(`dzdx grade: ${message}\n`);
  return 2;
}

function loadKey(file: string, text: string): ExerciseKey | string {
  try {
    return buildKey(parseExercise(text));
  } catch (e) {
    if (e instanceof ExerciseError) return formatInputError(e, file, text);
    throw e;
  }
}

export async function gradeCommand(args: GradeArgs, read: (file: string) => string): Promise<number> {
  const exerciseText = read(args.exercise);
  const key = loadKey(args.exercise, exerciseText);
  if (typeof key === 'string') return fail(`invalid exercise\n${key}`);
  if (args.answers === undefined) {
    if (args.answer === undefined) return fail('give an answers file (CSV or JSON Lines) or --answer TEXT');
    const question = args.question ?? (key.questions.length === 1 ? key.questions[0]!.question.id : undefined);
    if (question === undefined) return fail(`--question is needed: the exercise has ${key.questions.map((q) => q.question.id).join(', ')}`);
    const result = grade(key, question, args.answer);
    process.stdout.write(args.json ? JSON.stringify(result, null, 1) + '\n' : `${result.verdict} (${result.score}/${result.points})${result.mistake ? ` [${result.mistake}]` : ''}: ${result.feedback}\n`);
    return result.verdict === 'invalid' ? 2 : 0;
  }
  const format = args.format ?? (/\.(jsonl|ndjson)$/i.test(args.answers) ? 'jsonl' : 'csv');
  const answersText = read(args.answers);
  let rows: AnswerRow[];
  try {
    rows = readAnswers(answersText, format, key);
  } catch (e) {
    if (e instanceof AnswersFileError) return fail(`${args.answers}:${e.line}: ${clipMessage(e.message)}`);
    throw e;
  }
  const showProgress = args.progress ?? process.stderr.isTTY;
  const bar = progressBar(rows.length, showProgress);
  const workers = Math.max(1, Math.min(args.workers ?? (rows.length >= PARALLEL_FROM ? availableParallelism() : 1), 16));
  const results = workers > 1 && rows.length > 1 ? await gradeInWorkers(exerciseText, rows, workers, bar) : gradeRows(key, rows, bar);
  bar(rows.length, true);
  const outFormat = args.out && /\.json$/i.test(args.out) ? 'json' : 'csv';
  const written = writeResults(results, outFormat);
  if (args.out) writeFileSync(args.out, written);
  else process.stdout.write(written);
  process.stderr.write(formatSummary(summarize(results)));
  return 0;
}

function progressBar(total: number, enabled: boolean): (done: number, last?: boolean) => void {
  let shown = -1;
  return (done, last = false) => {
    if (!enabled) return;
    const percent = Math.floor((100 * done) / Math.max(1, total));
    if (percent === shown && !last) return;
    shown = percent;
    const filled = Math.round(percent / 5);
    process.stderr.write(`\rgrading [${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${done}/${total}${last ? '\n' : ''}`);
  };
}

/** Split the rows over worker threads, each building its own key from the exercise text. */
async function gradeInWorkers(exerciseText: string, rows: readonly AnswerRow[], workers: number, bar: (done: number) => void): Promise<BatchResult[]> {
  const size = Math.ceil(rows.length / workers);
  const done = new Array<number>(workers).fill(0);
  const parts = await Promise.all(
    Array.from({ length: workers }, (_, w) =>
      new Promise<BatchResult[]>((resolve, reject) => {
        const worker = new Worker(new URL('./grade-worker.js', import.meta.url), { workerData: { exerciseText, rows: rows.slice(w * size, (w + 1) * size) } });
        worker.on('message', (m: { progress?: number; results?: BatchResult[] }) => {
          if (m.results) resolve(m.results);
          else {
            done[w] = m.progress!;
            bar(done.reduce((a, b) => a + b, 0));
          }
        });
        worker.on('error', reject);
        worker.on('exit', (code) => code !== 0 && reject(new Error(`a grading worker stopped with exit code ${code}`)));
      }),
    ),
  );
  return parts.flat();
}
