/**
 * Grading one answer against a question's key: right, wrong (with the
 * mistake named when a variant explains it, and partial credit where the
 * exercise gives it), or invalid (with the position of what could not be
 * read). Never throws for anything a student can type.
 */
import { clip, clipMessage } from '../program/excerpt.js';
import { TextPositionError } from '../symbolic/expression.js';
import { ANSWER_LIMITS, parseAnswer, parseFormula, type ParsedAnswer, type ValueAnswer } from './answer.js';
import { closeAll, type Exercise, type Question, type Tolerance } from './exercise.js';
import { buildKey, joinFeedback, type Expected, type ExerciseKey, type QuestionKey, type VariantKey } from './key.js';
import type { MistakeKind, MistakeName } from './mistakes.js';
import { formulaValuesAt, sameFormula } from './formula.js';
import { comparePrinted } from './printed.js';
import { drawValues } from './params.js';
import { runAnswerScript, type ScriptRun } from './script-answer.js';

export type Verdict = 'right' | 'partial' | 'wrong' | 'invalid';

export interface GradeResult {
  question: string;
  verdict: Verdict;
  score: number;
  points: number;
  /** The mistake the answer matches, when one does: one kind, or two joined by '+'. */
  mistake: MistakeName | null;
  /** Its kinds (one, or two for a pair). */
  mistakes: MistakeKind[];
  feedback: string;
  /** The question's hint, given with a wrong or partly right answer. */
  hint?: string;
  /** For an invalid answer: where in it (1-based). */
  line?: number;
  col?: number;
}

/** What an answer is, once read: comparable with an Expected. */
type Candidate = Expected | { kind: 'invalid'; message: string; line?: number; col?: number };

/** The credit for a named mistake: the question's own for it, or for a pair the product of its members'. */
export function partialCredit(question: Question, variant: Pick<VariantKey, 'mistake' | 'kinds'>): number {
  const own = question.partial[variant.mistake];
  if (own !== undefined) return own;
  if (variant.kinds.length < 2) return 0;
  return variant.kinds.reduce((product, k) => product * (question.partial[k] ?? 0), 1);
}

/** A named mistake's feedback: the teacher's text for it (or for each of a pair's mistakes) where given, else dzdx's. */
function mistakeFeedback(question: Question, variant: VariantKey): string {
  const own = question.feedback[variant.mistake];
  if (own !== undefined) return own;
  if (variant.kinds.length < 2) return variant.feedback;
  return joinFeedback(variant.kinds.map((k, i) => question.feedback[k] ?? variant.parts[i] ?? ''));
}

export function gradeAnswer(key: QuestionKey, answer: string): GradeResult {
  const { question } = key;
  const result = (verdict: Verdict, feedback: string, variant: VariantKey | null = null, score = verdict === 'right' ? question.points : 0): GradeResult => {
    const hint = question.hint && (verdict === 'wrong' || verdict === 'partial') ? question.hint : '';
    return {
      question: question.id,
      verdict,
      score,
      points: question.points,
      mistake: variant?.mistake ?? null,
      mistakes: variant?.kinds ?? [],
      feedback: hint ? `${feedback} Hint: ${hint}` : feedback,
      ...(hint ? { hint } : {}),
    };
  };
  let candidate: Candidate;
  try {
    candidate = read(key, answer);
  } catch (e) {
    if (e instanceof TextPositionError) return { ...result('invalid', `cannot read the answer: ${clipMessage(e.message)} (line ${e.line}, column ${e.col})`), line: e.line, col: e.col };
    if (e instanceof RangeError) return result('invalid', 'cannot read the answer: it nests too deeply');
    throw e;
  }
  if (candidate.kind === 'invalid') return { ...result('invalid', clipMessage(candidate.message)), ...(candidate.line ? { line: candidate.line, col: candidate.col } : {}) };
  const tolerance = 'tolerance' in question ? question.tolerance : { rtol: 0, atol: 0 };
  const verdict = compare(candidate, key.expected, tolerance);
  const why = key.notes.length ? ` ${key.notes.join(' ')}` : '';
  if (verdict.same) return result('right', `Right.${verdict.detail ? ` ${verdict.detail}` : ''}`);
  for (const variant of key.variants) {
    if (!compare(candidate, variant.expected, tolerance).same) continue;
    const fraction = partialCredit(question, variant);
    return result(fraction > 0 ? 'partial' : 'wrong', `${fraction > 0 ? 'Partly right' : 'Wrong'}. ${mistakeFeedback(question, variant)}${why}`, variant, question.points * fraction);
  }
  return result('wrong', `Wrong. ${verdict.detail || 'The answer matches neither the right answer nor a known mistake.'}${why}`);
}

const keys = new WeakMap<Exercise, Map<string, ExerciseKey>>();

/**
 * The key of an exercise for a student (their drawn values, or the values
 * given), built on first use and kept for the exercise's lifetime.
 */
export function keyFor(exercise: Exercise, student = '', values?: Readonly<Record<string, unknown>>): ExerciseKey {
  let perStudent = keys.get(exercise);
  if (!perStudent) keys.set(exercise, (perStudent = new Map()));
  // Students who drew the same values share a key.
  const id = exercise.params.length ? JSON.stringify([...drawValues(exercise, student, values).literals]) : '';
  let key = perStudent.get(id);
  if (!key) perStudent.set(id, (key = buildKey(exercise, { student, values })));
  return key;
}

/**
 * Grade one answer to one question. Given an exercise rather than its key,
 * the key is built on first use and kept (per student, for an exercise
 * that draws its values per student).
 */
export function grade(exercise: ExerciseKey | Exercise, questionId: string, answer: string, student = ''): GradeResult {
  const key = 'exercise' in exercise ? exercise : keyFor(exercise, student);
  const q = key.questions.find((k) => k.question.id === questionId);
  if (!q) {
    return { question: questionId, verdict: 'invalid', score: 0, points: 0, mistake: null, mistakes: [], feedback: clipMessage(`the exercise has no question '${clip(questionId)}' (it has ${key.questions.map((k) => k.question.id).join(', ')})`) };
  }
  return gradeAnswer(q, answer);
}

function read(key: QuestionKey, answer: string): Candidate {
  const { question, expected } = key;
  if (answer.length > ANSWER_LIMITS.maxChars) {
    return { kind: 'invalid', message: `the answer has ${answer.length} characters; at most ${ANSWER_LIMITS.maxChars} are allowed` };
  }
  switch (question.kind) {
    case 'print':
      return { kind: 'printed', text: answer };
    case 'raises':
      return readRaises(answer);
    case 'derivative':
      if (expected.kind === 'formula') {
        const { node, variables } = parseFormula(answer);
        return { kind: 'formula', node, variables };
      }
      return asValues(key, parseAnswer(answer), true);
    case 'gradient':
      return asValues(key, parseAnswer(answer), false);
    case 'script': {
      const run = runAnswerScript(answer, question);
      if (run.exitCode === 2) {
        const where = run.line ? ` (line ${run.line}, column ${run.col})` : '';
        return { kind: 'invalid', message: `cannot run the answer: ${run.message}${where}`, line: run.line, col: run.col };
      }
      return { kind: 'run', run, compare: question.compare };
    }
  }
}

/** Values from an answer; a formula of the leaves is read at their values, element by element. */
function asValues(key: QuestionKey, parsed: ParsedAnswer, formulaOnly: boolean): Candidate {
  if (parsed.kind === 'none') return formulaOnly ? { kind: 'invalid', message: 'expected a formula, not None' } : parsed;
  if (parsed.kind === 'values') {
    if (formulaOnly && parsed.shape.length > 0) return { kind: 'invalid', message: 'expected a formula (such as 2*x), not a list of values' };
    return formulaOnly ? constantFormula(key, parsed) : { kind: 'values', values: parsed.values, shape: parsed.shape };
  }
  if (key.expected.kind !== 'values') return { kind: 'invalid', message: 'expected values, not a formula' };
  const n = key.expected.values.length;
  const evaluated = formulaValuesAt(parsed.formula, key.leafValues, n);
  if (typeof evaluated === 'string') return { kind: 'invalid', message: evaluated };
  return { kind: 'values', values: evaluated, shape: key.expected.shape };
}

function constantFormula(key: QuestionKey, parsed: ValueAnswer): Candidate {
  const shape = key.expected.kind === 'values' ? key.expected.shape : [];
  const n = shape.reduce((a, b) => a * b, 1);
  return { kind: 'values', values: Array.from({ length: n }, () => parsed.values[0]!), shape };
}

const NO_ERROR = /^(no|none|no error|nothing|it does not raise|does not raise|no exception)\.?$/i;

function readRaises(answer: string): Candidate {
  const last = answer.trim().split('\n').at(-1)!.trim();
  if (NO_ERROR.test(last)) return { kind: 'raises', error: null };
  const m = /^([A-Za-z_][\w.]*(?:Error|Exception|Warning))(?::\s*([\s\S]*))?$/.exec(last);
  if (!m) return { kind: 'invalid', message: "expected 'no error' or an error such as RuntimeError: <message>" };
  return { kind: 'raises', error: { type: m[1]!, message: m[2]?.trim() ?? '' } };
}

interface Comparison {
  same: boolean;
  /** What differs (or, for a right answer, anything worth adding). */
  detail: string;
}

function compare(candidate: Expected, expected: Expected, tolerance: Tolerance): Comparison {
  switch (expected.kind) {
    case 'none':
      return candidate.kind === 'none' ? { same: true, detail: '' } : { same: false, detail: 'The gradient is None here: no backward call has reached this tensor.' };
    case 'values':
      if (candidate.kind === 'none') return { same: false, detail: 'The gradient is not None here.' };
      if (candidate.kind !== 'values') return { same: false, detail: '' };
      if (candidate.shape.join() !== expected.shape.join() && !(candidate.values.length === expected.values.length && candidate.shape.length === 0)) {
        return { same: false, detail: `The shape is [${expected.shape.join(', ')}], not [${candidate.shape.join(', ')}].` };
      }
      return { same: closeAll(candidate.values, expected.values, tolerance), detail: '' };
    case 'formula':
      return candidate.kind === 'formula' ? sameFormula(candidate, expected) : { same: false, detail: '' };
    case 'printed':
      return candidate.kind === 'printed' ? comparePrinted(candidate.text, expected.text, tolerance) : { same: false, detail: '' };
    case 'raises': {
      if (candidate.kind !== 'raises') return { same: false, detail: '' };
      const [got, want] = [candidate.error, expected.error];
      if (!want) return { same: got === null, detail: 'The script runs to its end without an error.' };
      if (!got) return { same: false, detail: `The script raises ${want.type}: ${want.message}` };
      if (got.type !== want.type) return { same: false, detail: `It raises ${want.type}, not ${got.type}.` };
      const norm = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();
      const [g, w] = [norm(got.message), norm(want.message)];
      // The message may be cut short, but not to a few words that many errors share.
      if (g && !(g === w || (g.length >= Math.min(20, w.length) && w.startsWith(g)))) {
        return { same: false, detail: `Right type; PyTorch's message is: ${want.message}` };
      }
      return { same: true, detail: got.message ? '' : `PyTorch's message: ${want.message}` };
    }
    case 'run':
      return candidate.kind === 'run' ? compareRuns(candidate.run, expected.run, expected.compare, tolerance) : { same: false, detail: '' };
  }
}

function compareRuns(got: ScriptRun, want: ScriptRun, what: 'output' | 'gradients', tolerance: Tolerance): Comparison {
  if (want.error?.type !== got.error?.type) {
    return { same: false, detail: got.error ? `Your script stops with ${got.error.type}: ${got.error.message}` : `The script should stop with ${want.error!.type}.` };
  }
  if (what === 'output') {
    const printed = comparePrinted(got.stdout, want.stdout, tolerance);
    return printed.same ? printed : { same: false, detail: printed.detail || 'Your script prints something else.' };
  }
  for (const [name, g] of want.grads) {
    if (!got.grads.has(name)) return { same: false, detail: `Your script has no tensor named ${name}.` };
    const h = got.grads.get(name)!;
    if (g === null || h === null) {
      if (g !== h) return { same: false, detail: g === null ? `${name}.grad should be None at the end.` : `${name}.grad is None at the end of your script.` };
      continue;
    }
    if (g.shape.join() !== h.shape.join()) return { same: false, detail: `${name}.grad has shape [${h.shape.join(', ')}], not [${g.shape.join(', ')}].` };
    if (!closeAll(h.values, g.values, tolerance)) return { same: false, detail: '' };
  }
  return { same: true, detail: '' };
}
