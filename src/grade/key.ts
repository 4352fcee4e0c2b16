/**
 * An exercise's answer key: for every question the right answer and the
 * answers each named mistake would give. Built once per exercise (and per
 * student when the exercise draws its values per student): it runs the
 * script, and the script with each mistake made, alone and two at a time;
 * grading an answer then only compares.
 *
 * One rule for every kind of question: a mistake is a transformation of
 * the program (mistakes.ts: a script variant) or of every backward call
 * (slips.ts: accumulation forgotten, a derivative slip, the sign), and its
 * answer is what the transformed run shows at the moment the question asks
 * about (the gradient after a line or a call, what a print line printed,
 * the k-th call's derivative, the script's output). Ties go to the first
 * mistake in MISTAKE_KINDS order, single mistakes before pairs; a mistake
 * whose answer is the right one is never named, nor a pair with such a
 * member.
 */
import type { MathNode } from 'mathjs';
import type { CallDetail, CallReport } from '../check/check.js';
import { displayFormula } from '../symbolic/display.js';
import { deriveNode, type DerivativeMistake } from '../symbolic/derive.js';
import { parseUserExpression } from '../symbolic/expression.js';
import { nodeBuilders } from '../symbolic/mathjs.js';
import { captureRun, type CaptureRequest, type GradSnapshot, type GradValue, type RunCapture } from './capture.js';
import { closeAll, DEFAULT_TOLERANCE, ExerciseError, type Exercise, type Question, type Tolerance } from './exercise.js';
import { applyEdits, combinable, MISTAKE_KINDS, mistakeName, scriptVariants, type MistakeKind, type MistakeName, type ScriptVariant } from './mistakes.js';
import { instantiate } from './params.js';
import { runAnswerScript, type ScriptRun } from './script-answer.js';
import { CALL_MISTAKES, combinableCalls, mayChange, type CallMistake } from './slips.js';

export type Expected =
  | { kind: 'values'; values: number[]; shape: number[] }
  | { kind: 'none' }
  | { kind: 'formula'; node: MathNode; variables: readonly string[] }
  | { kind: 'printed'; text: string }
  | { kind: 'raises'; error: { type: string; message: string } | null }
  /** A script question: what the run printed, the gradients it left, the error it ended with. */
  | { kind: 'run'; run: ScriptRun; compare: 'output' | 'gradients' };

export interface VariantKey {
  /** The mistake's name: one kind, or two joined by '+' (`ignored-cut+forgot-accumulation`). */
  mistake: MistakeName;
  kinds: MistakeKind[];
  expected: Expected;
  feedback: string;
  /** The feedback of each mistake of a pair (one entry for a single mistake). */
  parts: string[];
}

export interface QuestionKey {
  question: Question;
  expected: Expected;
  /** In the order grading tries them: the first that matches is named. */
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
  /** The values the key was built with (exercises with `params`: a student's draw). */
  values?: Record<string, number>;
}

/** A single mistake's run: its capture, 'noop' (a call mistake that changes nothing: the script's own run) or 'failed' (outside the subset). */
type SingleRun = RunCapture | 'noop' | 'failed';

/** A mistake's run, with the runs of the single mistakes (for a pair's members). */
interface MistakeRun {
  candidate: Candidate;
  capture: RunCapture;
  singles: ReadonlyMap<string, SingleRun>;
}

/** One mistake, or two made together, as the transformations that make them. */
interface Candidate {
  ids: string[];
  kinds: MistakeKind[];
  program: ScriptVariant[];
  calls: CallMistake[];
  feedback: string[];
}

const rank = (k: MistakeKind) => MISTAKE_KINDS.indexOf(k);

/** Singles in MISTAKE_KINDS order, then pairs in the order of their members. */
function candidates(script: string): Candidate[] {
  const singles: Candidate[] = [
    ...scriptVariants(script).map((p) => ({ ids: [p.id], kinds: [p.kind], program: [p], calls: [], feedback: [p.feedback] })),
    ...CALL_MISTAKES.map((c) => ({ ids: [c.id], kinds: [c.kind], program: [], calls: [c], feedback: [c.feedback] })),
  ].sort((a, b) => rank(a.kinds[0]!) - rank(b.kinds[0]!));
  const pairs: Candidate[] = [];
  singles.forEach((a, i) => {
    for (const b of singles.slice(i + 1)) {
      if (a.kinds[0] === b.kinds[0]) continue;
      if (a.program.length && b.program.length && !combinable(a.program[0]!, b.program[0]!)) continue;
      if (a.calls.length && b.calls.length && !combinableCalls(a.calls[0]!, b.calls[0]!)) continue;
      pairs.push({ ids: [...a.ids, ...b.ids], kinds: [...a.kinds, ...b.kinds], program: [...a.program, ...b.program], calls: [...a.calls, ...b.calls], feedback: [...a.feedback, ...b.feedback] });
    }
  });
  return [...singles, ...pairs];
}

export interface KeyOptions {
  /** Whose values to draw, for an exercise with `params` (default: the empty id ''). */
  student?: string;
  /** The params' values, when they are given rather than drawn (PrairieLearn's params of a variant). */
  values?: Readonly<Record<string, unknown>>;
  /** Name no two mistakes at once (faster: one run per mistake). */
  singlesOnly?: boolean;
}

export function buildKey(template: Exercise, options: KeyOptions = {}): ExerciseKey {
  const { exercise, values } = instantiate(template, options.student ?? '', options.values);
  const script = exercise.script;
  let base: RunCapture | null = null;
  const runs: MistakeRun[] = [];
  if (script !== null) {
    const request: CaptureRequest = {
      names: new Set(exercise.questions.flatMap((q) => (q.kind === 'gradient' ? [q.tensor] : q.kind === 'derivative' ? [q.wrt] : q.kind === 'script' ? q.tensors : []))),
      afterLines: new Set(exercise.questions.flatMap((q) => (q.kind === 'gradient' && q.afterLine !== null ? [q.afterLine] : []))),
      printLines: new Set(exercise.questions.flatMap((q) => (q.kind === 'print' ? [q.line] : []))),
    };
    base = captureRun(script, request);
    if (base.exitCode === 2) {
      throw ExerciseError.atLine(`the script is outside dzdx's subset: ${base.stderr.split('\n')[0]!.replace(/^<script>:/, 'script line ')}`, exercise.scriptLine);
    }
    const singles = new Map<string, SingleRun>();
    for (const candidate of candidates(script)) {
      const pair = candidate.ids.length === 2;
      if (pair && (options.singlesOnly || candidate.ids.some((id) => singles.get(id) === 'failed'))) continue;
      // A call mistake that cannot change the run it is made in (no op it is about) is that run: not run again.
      const program = candidate.program[0] ? singles.get(candidate.program[0].id) : base;
      const context = program === undefined || program === 'noop' ? base : program;
      if (candidate.calls.length && typeof context !== 'string' && !candidate.calls.every((c) => mayChange(c, context.calls))) {
        if (!pair) singles.set(candidate.ids[0]!, 'noop');
        continue;
      }
      const capture = captureRun(applyEdits(script, ...candidate.program.map((p) => p.edits)), request, {
        full: false,
        transform: candidate.calls.length ? { mistakes: candidate.calls } : undefined,
      });
      const status = capture.exitCode === 2 ? 'failed' : candidate.calls.length && !capture.changed ? 'noop' : capture;
      if (!pair) singles.set(candidate.ids[0]!, status);
      if (typeof status !== 'string') runs.push({ candidate, capture, singles });
    }
  }
  const questions = exercise.questions.map((question) => {
    if (question.kind === 'derivative' && script === null) return expressionKey(question, exercise.expression!, options.singlesOnly ?? false);
    const key = scriptKey(question, base!);
    // A script question with its own solution is not about the exercise's script: its mistakes say nothing of it.
    if (question.kind !== 'raises' && !(question.kind === 'script' && question.solution !== null)) key.variants = variantsOf(question, key.expected, runs);
    return key;
  });
  return { exercise, questions, ...(values ? { values } : {}) };
}

/**
 * The variants a question names, in order, without those equal to the right
 * answer or to an earlier one. A pair is named only where each of its
 * mistakes makes a difference: its answer is not what the other mistake
 * alone gives (when that is known).
 */
function variantsOf(question: Question, right: Expected, runs: readonly MistakeRun[]): VariantKey[] {
  const tolerance = 'tolerance' in question ? question.tolerance : DEFAULT_TOLERANCE;
  const alone = (run: SingleRun): Expected | null =>
    run === 'noop' ? right : run === 'failed' ? null : (expectedAt(question, run)?.expected ?? null);
  const kept: VariantKey[] = [];
  for (const { candidate, capture, singles } of runs) {
    const at = expectedAt(question, capture);
    if (!at || sameExpected(at.expected, right, tolerance)) continue;
    if (kept.some((k) => sameExpected(k.expected, at.expected, tolerance))) continue;
    if (candidate.ids.length === 2) {
      const members = candidate.ids.map((id) => alone(singles.get(id) ?? 'failed'));
      if (members.some((m) => m !== null && sameExpected(m, at.expected, tolerance))) continue;
    }
    const where = at.lines.length ? ` (The backward call${at.lines.length > 1 ? 's' : ''} on line${at.lines.length > 1 ? 's' : ''} ${at.lines.join(', ')}.)` : '';
    const feedback = candidate.feedback.map((f, i) => (candidate.calls.length && i >= candidate.program.length ? f + where : f));
    kept.push({
      mistake: mistakeName(candidate.kinds),
      kinds: [...candidate.kinds].sort((a, b) => rank(a) - rank(b)),
      expected: at.expected,
      feedback: joinFeedback(feedback),
      parts: feedback,
    });
  }
  return kept;
}

/** One mistake's feedback, or a pair's. */
export function joinFeedback(parts: readonly string[]): string {
  return parts.length === 1 ? parts[0]! : `Two mistakes at once. ${parts[0]} And: ${parts[1]}`;
}

function fail(question: Question, message: string): never {
  throw ExerciseError.atLine(`question ${question.id}: ${message}`, question.fileLine);
}

interface At {
  expected: Expected;
  /** The backward calls before the moment, for a call mistake's feedback: lines of those a transform changed. */
  lines: number[];
  snapshot?: GradSnapshot;
  call?: { report: CallReport; detail: CallDetail };
}

/**
 * What a run shows at the moment a question asks about; for the script's
 * own run a failure is the exercise's error, for a mistaken run it only
 * means the mistake names nothing here (null).
 */
function expectedAt(question: Question, capture: RunCapture, own = false): At | null {
  const no = (message: string): null => (own ? fail(question, message) : null);
  const lines = (count: number) => [...new Set(capture.calls.slice(0, count).map((c) => c.report.line))];
  const valid = (count: number) => count <= capture.validCalls;
  switch (question.kind) {
    case 'gradient': {
      const snapshot =
        question.afterLine !== null ? capture.afterLine.get(question.afterLine)
        : question.afterBackward !== null ? capture.afterCall[question.afterBackward - 1]
        : capture.atEnd;
      if (!snapshot) return no(question.afterLine !== null ? `line ${question.afterLine} never ran` : `the script makes fewer than ${question.afterBackward} backward calls`);
      const grad = snapshot.grads.get(question.tensor);
      if (grad === undefined) return no(`no tensor is named ${question.tensor} at that point`);
      if (!valid(snapshot.callCount)) return null;
      const reaching = capture.calls.slice(0, snapshot.callCount).filter((c) => c.report.targets.some((t) => t.name === question.tensor));
      return {
        expected: grad ? { kind: 'values', values: grad.values, shape: grad.shape } : { kind: 'none' },
        lines: [...new Set(reaching.map((c) => c.report.line))],
        snapshot,
        call: reaching.at(-1) ?? capture.calls[snapshot.callCount - 1],
      };
    }
    case 'derivative': {
      const call = capture.calls[question.backward - 1];
      if (!call) return no(`the script makes fewer than ${question.backward} backward calls`);
      const target = call.report.targets.find((t) => t.name === question.wrt);
      if (!target) return no(`backward call ${question.backward} (line ${call.report.line}) computes no gradient for ${question.wrt}`);
      const values = capture.contributions[question.backward - 1]?.get(question.wrt);
      if (!valid(question.backward) || !values) return null;
      return { expected: { kind: 'values', values, shape: target.shape }, lines: [call.report.line], call };
    }
    case 'print': {
      const text = capture.printed.get(question.line);
      if (text === undefined) return no(`line ${question.line} printed nothing`);
      const count = capture.printedAfter.get(question.line)!;
      if (!valid(count)) return null;
      return { expected: { kind: 'printed', text }, lines: lines(count), call: capture.calls[count - 1] };
    }
    case 'script': {
      if (!valid(capture.calls.length)) return null;
      return { expected: { kind: 'run', run: scriptRunOf(capture, question.tensors), compare: question.compare }, lines: lines(capture.calls.length) };
    }
    case 'raises':
      return { expected: { kind: 'raises', error: capture.error }, lines: [], call: capture.calls.at(-1) };
  }
}

function scriptRunOf(capture: RunCapture, tensors: readonly string[]): ScriptRun {
  const grads = new Map<string, GradValue | null>();
  for (const name of tensors) {
    const g = capture.atEnd.grads.get(name);
    if (g !== undefined) grads.set(name, g);
  }
  return { exitCode: capture.exitCode, stdout: capture.stdout, error: capture.error, grads };
}

/** The key of a question about the script, from its own run. */
function scriptKey(question: Question, capture: RunCapture): QuestionKey {
  if (question.kind === 'script' && question.solution !== null) return solutionKey(question);
  const at = expectedAt(question, capture, true)!;
  const key: QuestionKey = {
    question,
    expected: at.expected,
    variants: [],
    notes: at.call?.report.notes ?? [],
    leafValues: at.call ? leafValues(at.call) : new Map(),
  };
  if (question.kind === 'derivative') key.formula = at.call!.report.targets.find((t) => t.name === question.wrt)!.formula;
  return key;
}

/** A script question with a solution of its own: the solution's run is the key (no mistakes named). */
function solutionKey(question: Question & { kind: 'script' }): QuestionKey {
  const run = runAnswerScript(question.solution!, question);
  if (run.exitCode === 2) fail(question, `the solution is outside dzdx's subset: ${run.message}`);
  return { question, expected: { kind: 'run', run, compare: question.compare }, variants: [], notes: [], leafValues: new Map() };
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

/** A derivative question about the exercise's expression: formulas, compared at points. */
function expressionKey(question: Question & { kind: 'derivative' }, expression: string, singlesOnly: boolean): QuestionKey {
  const parsed = parseUserExpression(expression);
  if (!parsed.variables.includes(question.wrt)) fail(question, `the expression has no variable ${question.wrt}`);
  const b = nodeBuilders();
  const right = deriveNode(parsed.node, question.wrt);
  const slipped = CALL_MISTAKES.filter((m) => !m.forgetAccumulation);
  const formula = (mistakes: readonly CallMistake[]): MathNode => {
    const node = deriveNode(parsed.node, question.wrt, mistakes.flatMap((m) => (m.slip ? [m.slip as DerivativeMistake] : [])));
    return mistakes.some((m) => m.negate) ? b.op('-', 'unaryMinus', [node]) : node;
  };
  const expected: Expected = { kind: 'formula', node: right, variables: parsed.variables };
  const sets: CallMistake[][] = slipped.map((m) => [m]);
  if (!singlesOnly) slipped.forEach((a, i) => slipped.slice(i + 1).forEach((c) => combinableCalls(a, c) && sets.push([a, c])));
  const singles = new Map<string, string>();
  const variants: VariantKey[] = [];
  for (const set of sets) {
    const node = formula(set);
    const text = node.toString();
    if (set.length === 1) singles.set(set[0]!.id, text);
    const same = (t: string | undefined) => t === undefined || t === right.toString();
    if (same(text) || set.some((m) => same(singles.get(m.id))) || variants.some((v) => v.expected.kind === 'formula' && v.expected.node.toString() === text)) continue;
    variants.push({
      mistake: mistakeName(set.map((m) => m.kind)),
      kinds: set.map((m) => m.kind),
      expected: { kind: 'formula', node, variables: parsed.variables },
      feedback: joinFeedback(set.map((m) => m.feedback)),
      parts: set.map((m) => m.feedback),
    });
  }
  return { question, expected, variants, notes: [], leafValues: new Map(), formula: displayFormula(right).text };
}

/** Whether two expected answers are the same (variants equal to the right answer name no mistake). */
export function sameExpected(a: Expected, b: Expected, tolerance: Tolerance): boolean {
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
    case 'run': {
      const [x, y] = [a.run, (b as typeof a).run];
      if (x.error?.type !== y.error?.type) return false;
      if (a.compare === 'output') return x.stdout === y.stdout;
      if (x.grads.size !== y.grads.size) return false;
      return [...x.grads].every(([name, g]) => {
        const h = y.grads.get(name);
        return h === undefined ? false : g === null || h === null ? g === h : g.shape.join() === h.shape.join() && closeAll(h.values, g.values, tolerance);
      });
    }
  }
}
