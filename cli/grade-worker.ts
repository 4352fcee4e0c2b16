/** A worker thread of `dzdx grade`: builds the key from the exercise text and grades its share of the rows. */
import { parentPort, workerData } from 'node:worker_threads';
import { gradeRows, type AnswerRow } from '../src/grade/batch.js';
import { parseExercise } from '../src/grade/exercise.js';
import { buildKey } from '../src/grade/key.js';

const { exerciseText, rows } = workerData as { exerciseText: string; rows: AnswerRow[] };
const key = buildKey(parseExercise(exerciseText));
const results = gradeRows(key, rows, (progress) => parentPort!.postMessage({ progress }));
parentPort!.postMessage({ results });
