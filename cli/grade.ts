/**
 * `dzdx grade EXERCISE [ANSWERS...]`: one answer (`--answer`), a class from
 * CSV / JSON Lines, students' notebooks, or a PrairieLearn data.json;
 * results as CSV, JSON, Gradescope's results.json or PrairieLearn's. Long
 * runs are journaled (grade-journal.ts): killed, they go on with --resume.
 */
import '../src/all-libraries.js'; // students' scripts may import any library
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { formatInputError } from '../src/check/expression-report.js';
import { AnswersFileError, answersFormat, formatSummary, gradeRow, prairieLearnSubmission, readAnswers, summarize, writeResults, type AnswerRow, type AnswersFormat, type BatchResult } from '../src/grade/batch.js';
import { ExerciseError, parseExercise, type Exercise } from '../src/grade/exercise.js';
import { grade, keyFor } from '../src/grade/grade.js';
import { instantiate } from '../src/grade/params.js';
import { gradescopeResults, prairieLearnResults } from '../src/grade/platforms.js';
import { renderNotebook, renderText } from '../src/grade/render.js';
import { clipMessage } from '../src/program/excerpt.js';
import { fingerprint, Journal, JournalError, writeAtomically } from './grade-journal.js';

export type ResultsFormat = 'csv' | 'json' | 'gradescope' | 'prairielearn';

export interface GradeArgs {
  exercise: string;
  answers?: string[];
  answer?: string;
  question?: string;
  student?: string;
  answersFormat?: AnswersFormat;
  format?: ResultsFormat;
  out?: string;
  resume?: boolean;
  workers?: number;
  progress?: boolean;
  json?: boolean;
  render?: 'text' | 'notebook';
}

/** Below this many answers one thread is faster than starting workers. */
const PARALLEL_FROM = 4000;
/** Rows graded between journal writes (and chances to stop on Ctrl-C). */
const CHUNK = 200;

function fail(message: string): number {
  process.stderr.write(`dzdx grade: ${message}\n`);
  return 2;
}

class Interrupted extends Error {}

export async function gradeCommand(args: GradeArgs, read: (file: string) => string): Promise<number> {
  const exerciseText = read(args.exercise);
  let exercise: Exercise;
  try {
    exercise = parseExercise(exerciseText);
    keyFor(exercise, args.student ?? ''); // the script runs here: an exercise that cannot be graded fails now
  } catch (e) {
    if (e instanceof ExerciseError) return fail(`invalid exercise\n${formatInputError(e, args.exercise, exerciseText)}`);
    throw e;
  }
  const answers = args.answers ?? [];
  if (exercise.params.length && args.student === undefined && (args.render || args.answer !== undefined)) {
    return fail('this exercise draws its values per student (params): give --student ID');
  }
  if (args.render) {
    process.stdout.write(args.render === 'notebook' ? renderNotebook(exercise, args.student ?? '') : renderText(exercise, args.student ?? ''));
    return 0;
  }
  if (args.answer !== undefined) {
    if (answers.length) return fail('give answers files or --answer, not both');
    const question = args.question ?? (exercise.questions.length === 1 ? exercise.questions[0]!.id : undefined);
    if (question === undefined) return fail(`--question is needed: the exercise has ${exercise.questions.map((q) => q.id).join(', ')}`);
    const result = grade(keyFor(exercise, args.student ?? ''), question, args.answer);
    process.stdout.write(args.json ? JSON.stringify(result, null, 1) + '\n' : `${result.verdict} (${result.score}/${result.points})${result.mistake ? ` [${result.mistake}]` : ''}: ${result.feedback}\n`);
    return result.verdict === 'invalid' ? 2 : 0;
  }
  const format: ResultsFormat = args.format ?? (args.out && /\.json$/i.test(args.out) ? 'json' : 'csv');
  const platform = format === 'gradescope' || format === 'prairielearn';
  if (!answers.length && !platform) return fail('give answers files (CSV, JSON Lines, notebooks, a PrairieLearn data.json) or --answer TEXT');
  if (args.resume && !args.out) return fail('--resume needs --out FILE (the journal is kept beside it)');

  // Read every input; a file that is not answers at all stops here, a bad row does not.
  const rows: AnswerRow[] = [];
  const texts: string[] = [];
  const classFiles: string[] = [];
  let submission: { student?: string; values?: Record<string, number> } = {};
  for (const file of answers) {
    let text: string;
    try {
      text = read(file);
    } catch (e) {
      return fail(`cannot read ${file}: ${(e as Error).message}`);
    }
    texts.push(text);
    const kind = args.answersFormat ?? answersFormat(file, text);
    if (kind === 'csv' || kind === 'jsonl') classFiles.push(file);
    try {
      if (kind === 'prairielearn') submission = prairieLearnSubmission(text, exercise);
      rows.push(...readAnswers(text, kind, exercise, file, args.student));
    } catch (e) {
      if (e instanceof AnswersFileError) return fail(`${file}:${e.line}: ${clipMessage(e.message)}`);
      throw e;
    }
  }
  const malformed = rows.filter((r) => r.problem !== undefined);
  for (const r of malformed) process.stderr.write(`dzdx grade: ${r.where}: ${r.problem}\n`);
  if (platform) {
    // One submission: its files (a notebook, data.json) are one student's, whatever each says.
    const students = new Set(rows.filter((r) => classFiles.some((f) => r.where.startsWith(`${f}:`))).map((r) => r.student));
    if (students.size > 1) return fail(`${format === 'gradescope' ? 'Gradescope' : 'PrairieLearn'} results are for one submission, and ${classFiles.join(', ')} holds answers of ${students.size} students`);
    const student = args.student ?? submission.student ?? rows[0]?.student ?? '';
    for (const r of rows) {
      r.student = student;
      if (submission.values) r.values = submission.values;
    }
  }

  let results: BatchResult[];
  try {
    results = await gradeAll(exerciseText, exercise, rows, args, texts);
  } catch (e) {
    if (e instanceof Interrupted) {
      process.stderr.write(`\ndzdx grade: interrupted; what was graded is kept in ${args.out ? `${args.out}.journal: run again with --resume to go on` : 'no journal (give --out FILE to keep it)'}\n`);
      return 130;
    }
    if (e instanceof JournalError) return fail(e.message);
    const code = (e as NodeJS.ErrnoException).code;
    if (code) return writeFailure(e as NodeJS.ErrnoException, args.out);
    throw e;
  }

  const notes = malformed.map((r) => `${r.where}: ${r.problem}`);
  // The exercise as this submission's student saw it (their values in the prompts).
  const shown = rows[0] ? instantiate(exercise, rows[0].student, rows[0].values).exercise : exercise;
  const written =
    format === 'gradescope' ? JSON.stringify(gradescopeResults(shown, results, rows.length ? notes : ['No answers were found in the submission (a notebook, or a CSV / JSON Lines file of answers).']), null, 1) + '\n'
    : format === 'prairielearn' ? JSON.stringify(prairieLearnResults(shown, results, rows.length ? notes : ['No answers were found in the submission.']), null, 1) + '\n'
    : writeResults(results, format);
  if (args.out) {
    try {
      writeAtomically(args.out, written);
    } catch (e) {
      return writeFailure(e as NodeJS.ErrnoException, args.out);
    }
    journalOf?.remove();
  } else process.stdout.write(written);
  process.stderr.write(formatSummary(summarize(results)));
  return malformed.length ? 1 : 0;
}

function writeFailure(e: NodeJS.ErrnoException, out: string | undefined): number {
  const full = e.code === 'ENOSPC' || e.code === 'EDQUOT' ? ' (the disk is full)' : '';
  process.stderr.write(`dzdx grade: cannot write ${e.path ?? out ?? 'the results'}: ${e.code}${full}; ${out ? `what was graded is kept in ${out}.journal: run again with --resume once this is fixed` : ''}\n`);
  journalOf?.close();
  journalOf = null;
  return 1;
}

let journalOf: Journal<BatchResult> | null = null;

/** Grade every row (those the journal does not hold yet), on this thread or in workers, journaling as it goes. */
async function gradeAll(exerciseText: string, exercise: Exercise, rows: readonly AnswerRow[], args: GradeArgs, texts: readonly string[]): Promise<BatchResult[]> {
  let journal: Journal<BatchResult> | null = null;
  if (args.out) {
    const opened = Journal.open<BatchResult>(args.out, fingerprint([exerciseText, ...texts, args.student ?? '', args.answersFormat ?? '']), rows.length, args.resume ?? false);
    journal = journalOf = opened.journal;
    if (opened.note) process.stderr.write(`dzdx grade: ${opened.note}\n`);
  }
  const done = journal?.done ?? new Map<number, BatchResult>();
  const todo = rows.map((_, i) => i).filter((i) => !done.has(i));
  const bar = progressBar(rows.length, args.progress ?? process.stderr.isTTY);
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const save = (records: [number, BatchResult][]) => {
      if (journal) journal.append(records);
      else for (const [i, r] of records) done.set(i, r);
      bar(done.size);
    };
    const workers = Math.max(1, Math.min(args.workers ?? (todo.length >= PARALLEL_FROM ? availableParallelism() : 1), 16));
    if (workers > 1 && todo.length > 1) await inWorkers(exerciseText, rows, todo, workers, save, () => stop);
    else {
      for (let at = 0; at < todo.length; at += CHUNK) {
        if (stop) throw new Interrupted();
        save(todo.slice(at, at + CHUNK).map((i) => [i, gradeRow(exercise, rows[i]!)]));
        // Let a Ctrl-C be noticed between chunks.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    if (stop) throw new Interrupted();
    bar(rows.length, true);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  return rows.map((_, i) => done.get(i)!);
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

/**
 * The rows to grade split over worker threads (contiguous shares, so a
 * student's answers, which share a key, mostly go to one worker), each
 * building its own keys from the exercise text and sending results back in
 * chunks as it goes.
 */
async function inWorkers(exerciseText: string, rows: readonly AnswerRow[], todo: readonly number[], workers: number, save: (records: [number, BatchResult][]) => void, stopped: () => boolean): Promise<void> {
  const size = Math.ceil(todo.length / workers);
  const running: Worker[] = [];
  const poll = setInterval(() => {
    if (stopped()) for (const w of running) void w.terminate();
  }, 50);
  try {
    await Promise.all(
      Array.from({ length: workers }, (_, w) => {
        const share = todo.slice(w * size, (w + 1) * size).map((i) => [i, rows[i]!] as const);
        if (!share.length) return Promise.resolve();
        return new Promise<void>((resolve, reject) => {
          const worker = new Worker(new URL('./grade-worker.js', import.meta.url), { workerData: { exerciseText, rows: share, chunk: CHUNK } });
          running.push(worker);
          worker.on('message', (m: { results?: [number, BatchResult][]; end?: boolean }) => {
            try {
              if (m.results) save(m.results);
              if (m.end) resolve();
            } catch (e) {
              reject(e);
              for (const other of running) void other.terminate();
            }
          });
          worker.on('error', reject);
          worker.on('exit', (code) => (stopped() ? reject(new Interrupted()) : code !== 0 && reject(new Error(`a grading worker stopped with exit code ${code}`))));
        });
      }),
    );
  } finally {
    clearInterval(poll);
  }
}
