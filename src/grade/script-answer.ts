/**
 * Code as an answer: the student's script (after the question's `given`
 * code) run on the tape as `dzdx run` runs a script, with its bounds, and
 * what it printed, the error it ended with and the gradients it left
 * collected for comparison with the key's run.
 */
import { Tensor } from '../autograd/tensor.js';
import { runScript } from '../program/run.js';
import type { GradValue } from './capture.js';

export interface ScriptRun {
  exitCode: 0 | 1 | 2;
  stdout: string;
  error: { type: string; message: string } | null;
  /** `.grad` at the end of each tensor asked about that the script named (null: None). */
  grads: Map<string, GradValue | null>;
  stderr?: string;
  /** Where the student's code is outside the subset (exit 2), counted in their code. */
  line?: number;
  col?: number;
  message?: string;
}

/** A student's script may take this long (the default of `dzdx run` is 10 s: a class has many answers). */
export const ANSWER_SCRIPT_SECONDS = 5;

export function runAnswerScript(code: string, question: { given: string; tensors: readonly string[] }): ScriptRun {
  const given = question.given ? question.given.replace(/\n?$/, '\n') : '';
  const offset = given ? given.split('\n').length - 1 : 0;
  const bound = new Map<string, unknown>();
  const wanted = new Set(question.tensors);
  const run = runScript(given + code, {
    fileName: '<answer>',
    limits: { maxSeconds: ANSWER_SCRIPT_SECONDS },
    assigned: (name, value) => {
      if (wanted.has(name)) bound.set(name, value);
    },
  });
  const grads = new Map<string, GradValue | null>();
  for (const [name, t] of bound) {
    if (!(t instanceof Tensor)) continue;
    const g = t.grad;
    grads.set(name, g ? { values: Array.from(g.array.values()), shape: [...g.shape], dtype: g.dtype } : null);
  }
  const result: ScriptRun = { exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr, error: run.exitCode === 1 ? lastError(run.stderr) : null, grads };
  if (run.exitCode === 2) {
    const m = /^<answer>:(\d+):(\d+): (.*)$/m.exec(run.stderr);
    if (m) {
      const line = Number(m[1]);
      Object.assign(result, line > offset ? { line: line - offset, col: Number(m[2]) } : {}, { message: line > offset ? m[3]! : `the given code: ${m[3]!}` });
    } else result.message = run.stderr.trim().split('\n')[0] ?? 'outside the subset';
  }
  return result;
}

export function lastError(stderr: string): { type: string; message: string } | null {
  const last = stderr.trimEnd().split('\n').at(-1) ?? '';
  const m = /^([A-Za-z_][\w.]*)(?::\s?(.*))?$/.exec(last);
  return m ? { type: m[1]!, message: m[2] ?? '' } : null;
}
