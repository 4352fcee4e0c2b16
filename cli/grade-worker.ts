/** A worker thread of `dzdx grade`: builds keys from the exercise text and grades its share of the rows, sending results in chunks. */
import '../src/all-libraries.js'; // students' scripts may import any library
import { parentPort, workerData } from 'node:worker_threads';
import { gradeRow, type AnswerRow, type BatchResult } from '../src/grade/batch.js';
import { parseExercise } from '../src/grade/exercise.js';

const { exerciseText, rows, chunk } = workerData as { exerciseText: string; rows: [number, AnswerRow][]; chunk: number };
const exercise = parseExercise(exerciseText);
let results: [number, BatchResult][] = [];
for (const [i, row] of rows) {
  results.push([i, gradeRow(exercise, row)]);
  if (results.length >= chunk) {
    parentPort!.postMessage({ results });
    results = [];
  }
}
parentPort!.postMessage({ results, end: true });
