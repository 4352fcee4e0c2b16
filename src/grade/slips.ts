/**
 * Mistakes made in every backward call rather than in the program: the
 * call's contribution put into `.grad` instead of added to it (accumulation
 * forgotten), or its derivative taken with a classic slip
 * (src/symbolic/derive.ts) or with the opposite sign. A student who slips,
 * slips in every call: capture.ts applies a transform to each call that
 * reaches a tensor, as the run goes, so what the script does with `.grad`
 * afterwards (prints it, steps with it) sees the mistaken values too.
 */
import type { MathNode } from 'mathjs';
import type { CallDetail, CallReport } from '../check/check.js';
import { compileNode } from '../symbolic/compile.js';
import { deriveNode, type DerivativeMistake } from '../symbolic/derive.js';
import type { MistakeKind } from './mistakes.js';

/** One call-level mistake. */
export interface CallMistake {
  kind: MistakeKind;
  /** Unique among call mistakes (sign-error has three forms). */
  id: string;
  /** The derivative slip, for the slips of derive.ts. */
  slip?: DerivativeMistake;
  negate?: boolean;
  forgetAccumulation?: boolean;
  feedback: string;
}

export const CALL_MISTAKES: readonly CallMistake[] = [
  {
    kind: 'forgot-accumulation',
    id: 'forgot-accumulation',
    forgetAccumulation: true,
    feedback: '.grad accumulates: every backward call adds its gradient to what earlier calls left there, until it is reset (x.grad.zero_() or x.grad = None). This is each call\'s gradient put in place of what was there.',
  },
  { kind: 'dropped-inner-factor', id: 'drop-inner', slip: 'drop-inner', feedback: "This is the derivative without the chain rule's inner factor: the derivative of f(u) is f'(u)·u', and the factor u' is missing." },
  { kind: 'power-off-by-one', id: 'power-off-by-one', slip: 'power-off-by-one', feedback: 'The power rule lowers the exponent by one: the derivative of u^n is n·u^(n-1), not n·u^n.' },
  { kind: 'sign-error', id: 'sign-cos', slip: 'sign-cos', feedback: "Sign error: the derivative of cos(u) is -sin(u)·u'." },
  { kind: 'sign-error', id: 'sign-subtract', slip: 'sign-subtract', feedback: "Sign error: the derivative of a - b is a' - b'." },
  { kind: 'sign-error', id: 'negated', negate: true, feedback: 'The answer has the opposite sign of the gradient: check the signs of each factor.' },
];

/** Call mistakes made together (one, or two of different kinds). */
export interface CallTransform {
  mistakes: readonly CallMistake[];
}

export function combinableCalls(a: CallMistake, b: CallMistake): boolean {
  return a.kind !== b.kind;
}

/** What a transform makes of one target of one call. */
export type TargetOutcome =
  /** The contribution the mistaken student computes, and the gradient they hold after the call. */
  | { kind: 'values'; contribution: number[]; grad: number[] | null; changed: boolean }
  /** The call's gradient is not the derivative of its objective (a `.data` change of a saved tensor, a cut, a kink), so a slip cannot be modelled. */
  | { kind: 'unknown' };

const close = (a: readonly number[], b: readonly number[]): boolean => {
  const scale = Math.max(1, ...b.map(Math.abs));
  return a.length === b.length && a.every((x, k) => Math.abs(x - b[k]!) <= 1e-5 * scale + 1e-4 * Math.abs(b[k]!) || (Number.isNaN(x) && Number.isNaN(b[k]!)));
};

/** Whether the slips give the same derivative formula as no slip, element by element. */
function untouched(objective: CallDetail['objective'], symbols: readonly (string | null)[], slips: DerivativeMistake[]): boolean {
  if (!objective || symbols.some((s) => s === null)) return false;
  try {
    return symbols.every((s) => deriveNode(objective, s!, slips).toString() === deriveNode(objective, s!).toString());
  } catch {
    return false;
  }
}

/**
 * One target of one call under the transform: `right` is the call's right
 * contribution (the report's expected), `after` the gradient the tape left
 * (null when the call fills no `.grad`: autograd.grad), `actual` what the
 * call added to it.
 */
export function transformTarget(transform: CallTransform, report: CallReport, detail: CallDetail, index: number, after: readonly number[] | null): TargetOutcome {
  const target = report.targets[index]!;
  const right = target.expected;
  const actual = target.actual ?? right;
  // m: what the student adds to .grad; mRight: the same against the report's expected values.
  let m: readonly number[] = actual;
  let mRight: readonly number[] = right;
  let changed = false;
  const slips = transform.mistakes.flatMap((x) => (x.slip ? [x.slip] : []));
  if (slips.length) {
    const symbols = detail.symbols[index]!;
    const { variables, point } = detail;
    const derivative = (objective: CallDetail['objective'], at: Float64Array, mistakes: DerivativeMistake[]): number[] | null => {
      if (!objective || symbols.some((s) => s === null)) return null;
      try {
        return symbols.map((s) => compileNode(deriveNode(objective, s!, mistakes), variables)(at));
      } catch {
        return null;
      }
    };
    // The call's gradient as the derivative of an objective (autograd's view, cuts as constants; or the
    // program's), at the leaves' values as the script made them, or as they are now (after a `.data`
    // change that every op on the path which saved the leaf reads).
    const now = Float64Array.from(point);
    detail.tensors.forEach((t, i) =>
      t.array.values().forEach((v, k) => {
        const at = variables.indexOf(detail.symbols[i]?.[k] ?? '');
        if (at >= 0) now[at] = v;
      }),
    );
    const points = now.every((v, k) => v === point[k]) ? [point] : [point, now];
    let plain: number[] | null = null;
    let slipped: number[] | null = null;
    for (const o of new Set([detail.autogradObjective, detail.objective])) {
      for (const at of points) {
        const p = derivative(o, at, []);
        if (p === null || !close(p, right)) continue;
        plain = p;
        slipped = derivative(o, at, slips);
        break;
      }
      if (plain) break;
    }
    if (!plain || !slipped) {
      // Not modelled, unless the slip leaves the derivative's formula alone (no op it is about on the path).
      if (!untouched(detail.autogradObjective ?? detail.objective, symbols, slips)) return { kind: 'unknown' };
    } else if (!close(slipped, plain)) {
      m = mRight = slipped;
      changed = true;
    }
  }
  if (transform.mistakes.some((x) => x.negate)) {
    m = m.map((v) => -v);
    mRight = mRight.map((v) => -v);
    changed ||= m.some((v) => v !== 0);
  }
  let grad: number[] | null = null;
  if (after) {
    const held = after.map((g, k) => g - actual[k]!);
    if (transform.mistakes.some((x) => x.forgetAccumulation)) {
      changed ||= held.some((h) => h !== 0);
      grad = [...m];
    } else grad = held.map((h, k) => h + m[k]!);
  }
  return { kind: 'values', contribution: [...mRight], grad, changed };
}

/**
 * Whether a call mistake can change anything in a run: a slip only where
 * some call's objective holds an op it is about (a cos, a power, a
 * subtraction, a function or power for the inner factor), accumulation
 * only where there were two backward calls. A mistake that cannot change a
 * run need not be run: the run would be the same.
 */
export function mayChange(mistake: CallMistake, calls: readonly { report: CallReport; detail: CallDetail }[]): boolean {
  if (mistake.forgetAccumulation) return calls.filter((c) => c.report.kind === 'backward').length >= 2;
  if (mistake.negate) return calls.length > 0;
  const touches = (node: MathNode): boolean => {
    const n = node as MathNode & { fn?: unknown; args?: MathNode[]; op?: string };
    if (node.type === 'FunctionNode') {
      const name = (n.fn as { name?: string } | undefined)?.name;
      return mistake.slip === 'sign-cos' ? name === 'cos' : mistake.slip === 'drop-inner';
    }
    if (node.type !== 'OperatorNode') return false;
    if (n.fn === 'pow') return mistake.slip === 'drop-inner' || (mistake.slip === 'power-off-by-one' && n.args?.[1]?.type === 'ConstantNode');
    return mistake.slip === 'sign-subtract' && n.fn === 'subtract' && (n.args?.length ?? 0) === 2;
  };
  const seen = new Set<MathNode>();
  const stack = calls.flatMap((c) => [c.detail.autogradObjective, c.detail.objective].filter((o): o is MathNode => o !== null));
  while (stack.length) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    if (touches(node)) return true;
    node.forEach((child) => stack.push(child));
  }
  return false;
}
