/**
 * An exercise's answer key: for every question the right answer and the
 * answers each named mistake would give. Built once per exercise (it runs
 * the script and its variants); grading an answer then only compares.
 */
import type { MathNode } from 'mathjs';
import type { CallDetail, CallReport } from '../check/check.js';
import { compileNode } from '../symbolic/compile.js';
import { displayFormula } from '../symbolic/display.js';
import { deriveNode, type DerivativeMistake } from '../symbolic/derive.js';
import { parseUserExpression } from '../symbolic/expression.js';
import { nodeBuilders } from '../symbolic/mathjs.js';
import { captureRun, type GradSnapshot, type RunCapture } from './capture.js';
import { closeAll, DEFAULT_TOLERANCE, ExerciseError, type Exercise, type Question, type Tolerance } from './exercise.js';
import { scriptVariants, type MistakeKind } from './mistakes.js';

export type Expected =
  | { kind: 'values'; values: number[]; shape: number[] }
  | { kind: 'none' }
  | { kind: 'formula'; node: MathNode; variables: readonly string[] }
  | { kind: 'printed'; text: string }
  | { kind: 'raises'; error: { type: string; message: string } | null };

export interface VariantKey {
  kind: MistakeKind;
  expected: Expected;
  feedback: string;
}

export interface QuestionKey {
  question: Question;
  expected: Expected;
  variants: VariantKey[];
  /** The check's notes on the backward call the question is about: why the right answer is right. */
  notes: string[];
  /** Leaves' values element by element (in the answer's shape), for answers written as formulas of them. */
  leafValues: Map<string, number[]>;
  /** A derivative question's right formula, readable. */
  formula?: string;
}

export interface ExerciseKey {
  exercise: Exercise;
  questions: QuestionKey[];
}

const DERIVATIVE_SLIPS: { mistake: DerivativeMistake; kind: MistakeKind; feedback: string }[] = [
  { mistake: 'drop-inner', kind: 'dropped-inner-factor', feedback: "This is the derivative without the chain rule's inner factor: the derivative of f(u) is f'(u)·u', and the factor u' is missing." },
  { mistake: 'power-off-by-one', kind: 'power-off-by-one', feedback: 'The power rule lowers the exponent by one: the derivative of u^n is n·u^(n-1), not n·u^n.' },
  { mistake: 'sign-cos', kind: 'sign-error', feedback: 'Sign error: the derivative of cos(u) is -sin(u)·u\'.' },
  { mistake: 'sign-subtract', kind: 'sign-error', feedback: "Sign error: the derivative of a - b is a' - b'." },
];
const NEGATED = "The answer has the opposite sign of the gradient: check the signs of each factor.";

export function buildKey(exercise: Exercise): ExerciseKey {
  const script = exercise.script;
  let capture: RunCapture | null = null;
  let variants: { kind: MistakeKind; feedback: string; capture: RunCapture }[] = [];
  if (script !== null) {
    const request = {
      names: new Set(exercise.questions.flatMap((q) => (q.kind === 'gradient' ? [q.tensor] : q.kind === 'derivative' ? [q.wrt] : []))),
      afterLines: new Set(exercise.questions.flatMap((q) => (q.kind === 'gradient' && q.afterLine !== null ? [q.afterLine] : []))),
      printLines: new Set(exercise.questions.flatMap((q) => (q.kind === 'print' ? [q.line] : []))),
    };
    capture = captureRun(script, request);
    if (capture.exitCode === 2) {
      throw ExerciseError.atLine(`the script is outside dzdx's subset: ${capture.stderr.split('\n')[0]!.replace(/^<script>:/, 'script line ')}`, exercise.scriptLine);
    }
    variants = scriptVariants(script).flatMap((v) => {
      const c = captureRun(v.source, request);
      return c.exitCode === 2 ? [] : [{ kind: v.kind, feedback: v.feedback, capture: c }];
    });
  }
  const questions = exercise.questions.map((question) => {
    if (question.kind === 'derivative' && script === null) return expressionKey(question, exercise.expression!);
    const key = scriptKey(question, capture!);
    for (const v of variants) {
      try {
        const { expected } = scriptKey(question, v.capture, false);
        key.variants.push({ kind: v.kind, expected, feedback: v.feedback });
      } catch (e) {
        // The variant never reaches the question (it fails earlier): nothing to match.
        if (!(e instanceof ExerciseError)) throw e;
      }
    }
    return key;
  });
  // A variant the right answer's tolerance cannot tell from it (or from an earlier one of its kind) names nothing.
  for (const q of questions) {
    const tolerance = 'tolerance' in q.question ? q.question.tolerance : DEFAULT_TOLERANCE;
    const kept: VariantKey[] = [];
    for (const v of q.variants) {
      if (sameExpected(v.expected, q.expected, tolerance) || kept.some((k) => k.kind === v.kind && sameExpected(k.expected, v.expected, tolerance))) continue;
      kept.push(v);
    }
    q.variants = kept;
  }
  return { exercise, questions };
}

function fail(question: Question, message: string): never {
  throw ExerciseError.atLine(`question ${question.id}: ${message}`, question.fileLine);
}

/**
 * The key of a question about a script, from one captured run: the
 * script's, with the derivative slips (`slipsToo`), or a variant's, whose
 * right answer alone is wanted.
 */
function scriptKey(question: Question, capture: RunCapture, slipsToo = true): QuestionKey {
  const key = (expected: Expected, call?: { report: CallReport; detail: CallDetail }): QuestionKey => ({
    question,
    expected,
    variants: [],
    notes: call?.report.notes ?? [],
    leafValues: call ? leafValues(call) : new Map(),
  });
  switch (question.kind) {
    case 'gradient': {
      const snapshot =
        question.afterLine !== null ? capture.afterLine.get(question.afterLine)
        : question.afterBackward !== null ? capture.afterCall[question.afterBackward - 1]
        : capture.atEnd;
      if (!snapshot) fail(question, question.afterLine !== null ? `line ${question.afterLine} never ran` : `the script makes fewer than ${question.afterBackward} backward calls`);
      const grad = snapshot.grads.get(question.tensor);
      if (grad === undefined) fail(question, `no tensor is named ${question.tensor} at that point`);
      const last = snapshot.callCount > 0 ? capture.calls[snapshot.callCount - 1] : undefined;
      const k = key(grad ? { kind: 'values', values: grad.values, shape: grad.shape } : { kind: 'none' }, last);
      if (slipsToo && grad && last) k.variants.push(...slips(question.tensor, grad.values, grad.shape, snapshot, capture));
      return k;
    }
    case 'derivative': {
      const call = capture.calls[question.backward - 1];
      if (!call) fail(question, `the script makes fewer than ${question.backward} backward calls`);
      const target = call.report.targets.find((t) => t.name === question.wrt);
      if (!target) fail(question, `backward call ${question.backward} (line ${call.report.line}) computes no gradient for ${question.wrt}`);
      const k = key({ kind: 'values', values: target.expected, shape: target.shape }, call);
      k.formula = target.formula;
      const zero: GradSnapshot = { grads: new Map(), callCount: question.backward };
      if (slipsToo) k.variants.push(...slips(question.wrt, target.expected, target.shape, zero, capture, true));
      return k;
    }
    case 'print': {
      const text = capture.printed.get(question.line);
      if (text === undefined) fail(question, `line ${question.line} printed nothing`);
      return key({ kind: 'printed', text }, capture.calls.filter((c) => c.report.line < question.line).at(-1));
    }
    case 'raises':
      return key({ kind: 'raises', error: capture.error }, capture.calls.at(-1));
  }
}

/** Leaf name → its elements' values, from the symbols the call's gradients are written in. */
function leafValues({ report, detail }: { report: CallReport; detail: CallDetail }): Map<string, number[]> {
  const values = new Map<string, number[]>();
  report.targets.forEach((t, i) => {
    const symbols = detail.symbols[i]!;
    if (symbols.some((s) => s === null)) return;
    values.set(t.name, symbols.map((s) => detail.point[detail.variables.indexOf(s!)]!));
  });
  return values;
}

/**
 * Mistakes about the last call before the snapshot: its contribution
 * alone (accumulation forgotten), and the snapshot's value with that
 * contribution taken with a derivative slip. Slips only where the call's
 * gradient is the textbook one (no cut, mutation or kink between, so
 * expected agrees with finite differences).
 */
function slips(name: string, value: number[], shape: number[], snapshot: GradSnapshot, capture: RunCapture, contributionOnly = false): VariantKey[] {
  const call = capture.calls[snapshot.callCount - 1];
  const index = call?.report.targets.findIndex((t) => t.name === name) ?? -1;
  if (!call || index < 0 || !call.detail.objective) return [];
  const target = call.report.targets[index]!;
  const contribution = target.actual ?? target.expected;
  const out: VariantKey[] = [];
  if (!contributionOnly && call.report.kind === 'backward' && snapshot.callCount >= 2) {
    out.push({
      kind: 'forgot-accumulation',
      expected: { kind: 'values', values: contribution, shape },
      feedback: `This is only what the backward call on line ${call.report.line} added. .grad accumulates: every backward call adds its gradient to what earlier calls left there, until it is reset (x.grad.zero_() or x.grad = None).`,
    });
  }
  const textbook = target.finiteDifferences !== null && !target.sampled && target.finiteDifferences.every((fd, k) => Math.abs(fd - target.expected[k]!) <= 1e-4 * (1 + Math.abs(fd)));
  if (!textbook) return out;
  const { objective, variables, point } = call.detail;
  const symbols = call.detail.symbols[index]!;
  const base = value.map((v, k) => (contributionOnly ? 0 : v - contribution[k]!));
  for (const slip of DERIVATIVE_SLIPS) {
    let values: number[];
    try {
      values = symbols.map((s, k) => base[k]! + compileNode(deriveNode(objective, s!, slip.mistake), variables)(point));
    } catch {
      continue;
    }
    out.push({ kind: slip.kind, expected: { kind: 'values', values, shape }, feedback: `${slip.feedback} (The backward call on line ${call.report.line}.)` });
  }
  out.push({ kind: 'sign-error', expected: { kind: 'values', values: contribution.map((c, k) => base[k]! - c), shape }, feedback: `${NEGATED} (The backward call on line ${call.report.line}.)` });
  return out;
}

/** A derivative question about the exercise's expression: formulas, compared at points. */
function expressionKey(question: Question & { kind: 'derivative' }, expression: string): QuestionKey {
  const parsed = parseUserExpression(expression);
  if (!parsed.variables.includes(question.wrt)) fail(question, `the expression has no variable ${question.wrt}`);
  const formula = (mistake?: DerivativeMistake) => deriveNode(parsed.node, question.wrt, mistake);
  const expected: Expected = { kind: 'formula', node: formula(), variables: parsed.variables };
  const b = nodeBuilders();
  const variants: VariantKey[] = DERIVATIVE_SLIPS.map((slip) => ({
    kind: slip.kind,
    expected: { kind: 'formula', node: formula(slip.mistake), variables: parsed.variables },
    feedback: slip.feedback,
  }));
  variants.push({ kind: 'sign-error', expected: { kind: 'formula', node: b.op('-', 'unaryMinus', [expected.node]), variables: parsed.variables }, feedback: NEGATED });
  return { question, expected, variants, notes: [], leafValues: new Map(), formula: displayFormula(expected.node).text };
}

/** Whether two expected answers are the same (variants equal to the right answer name no mistake). */
function sameExpected(a: Expected, b: Expected, tolerance: Tolerance): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'values': {
      const bv = b as typeof a;
      return a.shape.join() === bv.shape.join() && closeAll(bv.values, a.values, tolerance);
    }
    case 'none':
      return true;
    case 'printed':
      return a.text === (b as typeof a).text;
    case 'raises': {
      const e = (b as typeof a).error;
      return a.error?.type === e?.type && a.error?.message === e?.message;
    }
    case 'formula':
      return a.node.toString() === (b as typeof a).node.toString();
  }
}
