/**
 * One checked run of an exercise's script, remembering what its questions
 * ask about: the gradients of named tensors after a line or after the k-th
 * backward call, what each print line wrote, the error it ended with, and
 * every backward call's report (with the expression it was derived from).
 */
import { Tensor } from '../autograd/tensor.js';
import { check, type CallDetail, type CallReport } from '../check/check.js';

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
  /** The last snapshot taken right after the statement on a line ran. */
  afterLine: Map<number, GradSnapshot>;
  /** Snapshots right after each backward call, in order. */
  afterCall: GradSnapshot[];
  atEnd: GradSnapshot;
  calls: { report: CallReport; detail: CallDetail }[];
}

export function captureRun(source: string, request: CaptureRequest): RunCapture {
  const bound = new Map<string, unknown>();
  const printed = new Map<number, string>();
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

  const report = check(source, {
    formulas: true,
    observe: {
      statement(line) {
        if (line !== current) leaving();
        current = line;
      },
      assigned: (name, value) => bound.set(name, value),
      stdout(text) {
        if (request.printLines.has(current)) printed.set(current, (printed.get(current) ?? '') + text);
      },
      call(callReport, detail) {
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
    afterLine,
    afterCall,
    atEnd: snapshot(),
    calls,
  };
}

function lastError(stderr: string): { type: string; message: string } | null {
  const last = stderr.trimEnd().split('\n').at(-1) ?? '';
  const m = /^([A-Za-z_][\w.]*)(?::\s?(.*))?$/.exec(last);
  return m ? { type: m[1]!, message: m[2] ?? '' } : null;
}
