/**
 * Grading autograd exercises: exercise files, answer keys with the named
 * mistakes, grading of single answers and of batches.
 */
export { parseExercise, ExerciseError, EXERCISE_LIMITS, DEFAULT_TOLERANCE, type Exercise, type Question, type QuestionKind, type Tolerance as AnswerTolerance } from './exercise.js';
export { buildKey, type ExerciseKey, type KeyOptions, type QuestionKey, type Expected, type VariantKey } from './key.js';
export { grade, gradeAnswer, keyFor, partialCredit, type GradeResult, type Verdict } from './grade.js';
export { parseAnswer, parseValues, AnswerError, ANSWER_LIMITS } from './answer.js';
export { MISTAKE_KINDS, MISTAKE_TITLES, mistakeTitle, mistakeKinds, mistakeName, type MistakeKind, type MistakeName } from './mistakes.js';
export { drawValues, instantiate, placeholders, type ParamSpec } from './params.js';
export { renderNotebook, renderText } from './render.js';
export { notebookAnswers, type NotebookAnswer } from './notebook-answers.js';
export { gradescopeResults, prairieLearnResults } from './platforms.js';
export { gradeRow, gradeRows, readAnswers, answersFormat, summarize, formatSummary, writeResults, type AnswerRow, type BatchResult, type BatchSummary } from './batch.js';
