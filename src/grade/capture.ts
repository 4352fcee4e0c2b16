/**
 * One checked run of an exercise's script, remembering what its questions
 * ask about: the gradients of named tensors after a line or after the k-th
 * backward call, what each print line wrote, the error it ended with, and
 * every backward call's report (with the expression it was derived from).
 * With a call transform (slips.ts), every backward call's effect on `.grad`
 * is replaced by the mistaken one as the run goes.
 */
import { Tensor } from '../autograd/tensor.js';
import { check, type CallDetail, type CallReport } from '../check/check.js';
import { lastError } from './script-answer.js';
import { transformTarget, type CallTransform } from './slips.js';

/** `t.grad` at one moment: null when it was None. */
export interface GradValue {
  values: number[];
  shape: number[];
  dtype: string;
}

export interface GradSnapshot {
  grads: Map<string, GradValue | null>;
  /** How many backward()/autograd.grad() calls had run. */
  callCount: number;
}

export interface CaptureRequest {
  names: ReadonlySet<string>;
  afterLines: ReadonlySet<number>;
  printLines: ReadonlySet<number>;
}

export interface RunCapture {
  exitCode: 0 | 1 | 2;
  stdout: string;
  stderr: string;
  /** The uncaught error (`RuntimeError`, its message), when the script raised one. */
  error: { type: string; message: string } | null;
  /** What the statements on a line printed (every time they ran). */
  printed: Map<number, string>;
  /** How many backward calls had run when each print line last printed. */
  printedAfter: Map<number, number>;
  /** The last snapshot taken right after the statement on a line ran. */
  afterLine: Map<number, GradSnapshot>;
  /** Snapshots right after each backward call, in order. */
  afterCall: GradSnapshot[];
  atEnd: GradSnapshot;
  calls: { report: CallReport; detail: CallDetail }[];
  /** Per call, each target's contribution as the (mistaken) student computes it: the report's expected values without a transform. */
  contributions: Map<string, number[]>[];
  /** How many calls the transform could be modelled for: what happens after that call is unknown (Infinity: every call). */
  validCalls: number;
  /** Whether the transform changed any call (without one, the run is the untransformed one). */
  changed: boolean;
}

export interface CaptureOptions {
  /** The check's display formulas and finite differences: wanted for the script's own run only. */
  full?: boolean;
  transform?: CallTransform;
}

export function captureRun(source: string, request: CaptureRequest, options: CaptureOptions = {}): RunCapture {
  const { transform, full = true } = options;
  const bound = new Map<string, unknown>();
  const printed = new Map<number, string>();
  const printedAfter = new Map<number, number>();
  const contributions: Map<string, number[]>[] = [];
  let validCalls = Infinity;
  let changed = false;
  const afterLine = new Map<number, GradSnapshot>();
  const afterCall: GradSnapshot[] = [];
  const calls: RunCapture['calls'] = [];
  let current = 0;

  const snapshot = (): GradSnapshot => {
    const grads = new Map<string, GradValue | null>();
    for (const name of request.names) {
      const t = bound.get(name);
      if (!(t instanceof Tensor)) continue;
      const g = t.grad;
      grads.set(name, g ? { values: Array.from(g.array.values()), shape: [...g.shape], dtype: g.dtype } : null);
    }
    return { grads, callCount: calls.length };
  };
  const leaving = () => {
    if (request.afterLines.has(current)) afterLine.set(current, snapshot());
  };

  const mistaken = (callReport: CallReport, detail: CallDetail): Map<string, number[]> => {
    const out = new Map<string, number[]>();
    callReport.targets.forEach((target, i) => {
      if (!transform) {
        out.set(target.name, target.expected);
        return;
      }
      const tensor = detail.tensors[i];
      const grad = callReport.kind === 'backward' ? (tensor?.grad ?? null) : null;
      const outcome = grad?.gradFn ? ({ kind: 'unknown' } as const) : transformTarget(transform, callReport, detail, i, grad ? Array.from(grad.array.values()) : null);
      if (outcome.kind === 'unknown') {
        validCalls = Math.min(validCalls, calls.length);
        return;
      }
      changed ||= outcome.changed;
      out.set(target.name, outcome.contribution);
      if (grad && outcome.grad && outcome.changed) grad.array.assign(outcome.grad);
    });
    return out;
  };

  const report = check(source, {
    formulas: full,
    finiteDifferences: full,
    observe: {
      statement(line) {
        if (line !== current) leaving();
        current = line;
      },
      assigned: (name, value) => bound.set(name, value),
      stdout(text) {
        if (!request.printLines.has(current)) return;
        printed.set(current, (printed.get(current) ?? '') + text);
        printedAfter.set(current, calls.length);
      },
      call(callReport, detail) {
        contributions.push(mistaken(callReport, detail));
        calls.push({ report: callReport, detail });
        afterCall.push(snapshot());
      },
    },
  });
  leaving();
  return {
    exitCode: report.exitCode,
    stdout: report.stdout,
    stderr: report.stderr,
    error: report.exitCode === 1 ? lastError(report.stderr) : null,
    printed,
    printedAfter,
    afterLine,
    afterCall,
    atEnd: snapshot(),
    calls,
    contributions,
    validCalls,
    changed,
  };
}
