/**
 * Running a program on an engine, step by step, against what PyTorch does.
 *
 * The expectation comes from `dzdx check` of the program printed as a
 * PyTorch script (the symbolic gradients of every backward call, the
 * errors PyTorch raises: version, backward through freed tensors, no grad)
 * and from the program evaluator (each value and whether it requires
 * grad). The engine runs the same steps (cuts, `.data` writes, in-place
 * ops, backward calls with retain_graph/create_graph, grad resets) and is
 * compared after each one; the first difference is the failure, and the
 * counterexample is the script up to that step, printing the engine's
 * values next to PyTorch's.
 */
import { check } from '../src/check/check.js';
import { EngineFailure, errorKindOf, type AutogradEngine, type EngineErrorKind, type MutationOp } from './engine-api.js';
import { Evaluator, nestedList, pyNum, printProgramParts, type PrintedProgram, type Program } from './program.js';

/** What PyTorch does at one step. */
export interface ExpectedStep {
  /** A value step: its values, shape and requires_grad. */
  values?: number[];
  shape?: number[];
  requiresGrad?: boolean;
  /** A backward call PyTorch refuses (the script ends there). */
  error?: { kind: EngineErrorKind; message: string };
  /** The grads of the leaves that require grad, after a backward (null: None). */
  grads?: Map<string, number[] | null>;
  /** gradbackward: whether `x.grad` after `backward(create_graph=True)` has a history in PyTorch. */
  gRequiresGrad?: boolean;
}

export interface Expected {
  steps: ExpectedStep[];
  printed: PrintedProgram;
  float32: boolean;
}

const PREDICTED: Record<string, EngineErrorKind> = { version: 'version', 'backward-twice': 'freed', 'no-grad': 'noGrad' };

/**
 * PyTorch's behaviour for each step of `p`, or null when dzdx cannot tell
 * (its own tape and symbolic side disagree, or an error no engine is
 * checked for).
 */
export function expectedRun(p: Program): Expected | null {
  const printed = printProgramParts(p);
  const script = [...printed.header, ...printed.steps.flat()].join('\n') + '\n';
  // The same program is often checked again (shrinking, another engine with the same ops and seed).
  if (cache.has(script)) return cache.get(script)!;
  const expected = computeExpected(p, printed, script);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(script, expected);
  return expected;
}

const CACHE_SIZE = 4000;
const cache = new Map<string, Expected | null>();

function computeExpected(p: Program, printed: PrintedProgram, script: string): Expected | null {
  const report = check(script, { formulas: false, finiteDifferences: false });
  if (report.exitCode === 2 || report.calls.some((c) => c.verdict !== 'agree')) return null;
  const calls = new Map(report.calls.map((c) => [c.line, c]));
  const lineOf = (step: number, offset: number) => printed.header.length + printed.steps.slice(0, step).reduce((n, l) => n + l.length, 0) + offset + 1;
  const grads = new Map<string, number[] | null>(p.leaves.filter((l) => l.requiresGrad).map((l) => [l.name, null]));
  const addCall = (line: number): ExpectedStep | null => {
    const call = calls.get(line);
    if (!call) return null;
    if (call.expectedError?.length) {
      const kind = call.expectedError.map((e) => PREDICTED[e]).find((k) => k !== undefined);
      return kind ? { error: { kind, message: call.actualError ?? '' } } : null;
    }
    for (const t of call.targets) {
      const before = grads.get(t.name) ?? t.expected.map(() => 0);
      grads.set(t.name, t.expected.map((v, i) => before[i]! + v));
    }
    return { grads: new Map(grads) };
  };
  const ev = new Evaluator(p.leaves);
  const steps: ExpectedStep[] = [];
  for (const [i, s] of p.steps.entries()) {
    ev.apply(s);
    let e: ExpectedStep | null = {};
    if (s.kind === 'value') {
      const t = ev.get(s.name);
      e = { values: [...t.values], shape: [...t.shape], requiresGrad: t.requiresGrad };
    } else if (s.kind === 'backward') {
      e = addCall(lineOf(i, 0));
    } else if (s.kind === 'reset') {
      const g = grads.get(s.leaf);
      if (s.how === 'zero_' && !g) return null; // None.zero_(): a Python error, not an engine's
      grads.set(s.leaf, s.how === 'none' ? null : g!.map(() => 0));
    } else if (s.kind === 'gradbackward') {
      grads.set(s.leaf, null);
      const call = calls.get(lineOf(i, 3));
      e = call ? addCall(lineOf(i, 3)) : { grads: new Map(grads) };
      if (e) e.gRequiresGrad = call !== undefined;
    } else if (s.kind === 'gradgrad') {
      return null; // autograd.grad: not an engine step
    }
    if (!e) return null;
    steps.push(e);
    if (e.error) break;
  }
  return { steps, printed, float32: p.leaves.some((l) => l.dtype === 'float32') };
}

/** Where and how an engine parts from PyTorch. */
export interface Mismatch {
  step: number;
  message: string;
  /** Lines printed after the step (engine's values next to PyTorch's), or a backward call wrapped in try. */
  after: string[];
  /** The engine's error at a backward call (null: none) when the call is to be wrapped in try. */
  callError?: string | null;
}

export function tolerance(float32: boolean): { rtol: number; atol: number } {
  return float32 ? { rtol: 1e-4, atol: 1e-5 } : { rtol: 1e-6, atol: 1e-9 };
}

/** Equal within tolerances relative to the largest value (None equals zeros). */
export function allClose(a: readonly number[] | null, b: readonly number[] | null, rtol: number, atol: number): boolean {
  if (a === null || b === null) return (a ?? b ?? []).every((v) => v === 0);
  const finite = [...a, ...b].map(Math.abs).filter(Number.isFinite);
  const scale = Math.max(1, ...finite);
  return (
    a.length === b.length &&
    a.every((v, i) => {
      const w = b[i]!;
      if (Number.isNaN(v) && Number.isNaN(w)) return true;
      if (!Number.isFinite(v) || !Number.isFinite(w)) return v === w;
      return Math.abs(v - w) <= atol * scale + rtol * Math.max(Math.abs(v), Math.abs(w));
    })
  );
}

export const fmt = (v: readonly number[] | null | undefined) => (v ? `[${v.map((x) => String(Number(x.toPrecision(6)))).join(', ')}]` : 'None');

/** A Python string literal of a message (printable ASCII, bounded). */
function pyString(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, ' ').slice(0, 300);
  return `'${clean.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const errorText = (e: unknown) => (e instanceof Error ? `${e.name === 'Error' ? '' : e.name + ': '}${e.message}` : String(e));

/** The Python literal of an engine's values, in the tensor's shape when it fits. */
function pyValues(values: readonly number[] | null, shape: readonly number[]): string {
  if (values === null) return 'None';
  const n = shape.reduce((a, b) => a * b, 1);
  return values.length === n ? nestedList(values, shape) : `[${values.map(pyNum).join(', ')}]`;
}

function statementOf(printed: PrintedProgram, step: number): string {
  const lines = printed.steps[step]!;
  return lines[0]!.startsWith('with ') ? lines[1]!.trim() : lines[0]!;
}

const mutationOp = (op: string): MutationOp => (op.startsWith('add') || op === '+=' ? 'add' : op.startsWith('sub') || op === '-=' ? 'sub' : 'mul');

/**
 * Run `p` on the engine step by step and compare each step with
 * `expected`; the first difference, or null when the engine did what
 * PyTorch does. An `EngineFailure` (a dead child process) propagates.
 */
export async function runAndCompare<T>(engine: AutogradEngine<T>, p: Program, expected: Expected): Promise<Mismatch | null> {
  const { rtol, atol } = tolerance(expected.float32);
  const shapes = new Map(p.leaves.map((l) => [l.name, l.shape]));
  const tensors = new Map<string, T>();
  const gradLeaves = p.leaves.filter((l) => l.requiresGrad).map((l) => l.name);
  try {
    await engine.reset?.();
    for (const l of p.leaves) tensors.set(l.name, await engine.leaf([...l.values], [...l.shape], l.dtype, l.requiresGrad));
  } catch (e) {
    if (e instanceof EngineFailure) throw e;
    const text = errorText(e);
    return { step: -1, message: `making the leaves, the engine raised ${text}`, after: [`print('engine : raised', ${pyString(text)})`, "print('PyTorch: no error')"] };
  }
  const get = (name: string) => tensors.get(name)!;

  const compareGrads = async (step: number, want: Map<string, number[] | null>): Promise<Mismatch | null> => {
    for (const name of gradLeaves) {
      const got = await engine.grad(get(name));
      const exp = want.get(name) ?? null;
      if (!allClose(got, exp, rtol, atol)) {
        const shape = shapes.get(name)!;
        return {
          step,
          message: `after \`${statementOf(expected.printed, step)}\`, ${name}.grad is ${fmt(got)} on the engine, ${fmt(exp)} in PyTorch`,
          after: [`print('engine  ${name}.grad =', ${pyValues(got, shape)})`, `print('PyTorch ${name}.grad =', None if ${name}.grad is None else ${name}.grad.tolist())`],
        };
      }
    }
    return null;
  };

  for (const [i, s] of p.steps.entries()) {
    const want = expected.steps[i];
    if (!want) return null;
    const statement = statementOf(expected.printed, i);
    const isCall = s.kind === 'backward';
    try {
      switch (s.kind) {
        case 'value': {
          const inputs = s.args.map((a) => ('ref' in a ? get(a.ref) : a.num));
          let t: T;
          if (s.cut === 'no_grad') {
            await engine.setGradEnabled!(false);
            try {
              t = await engine.op(s.op, inputs, { ...s.attrs });
            } finally {
              await engine.setGradEnabled!(true);
            }
          } else {
            t = await engine.op(s.op, inputs, { ...s.attrs });
            if (s.cut === 'detach') t = await engine.detach!(t);
            if (s.cut === 'data') t = await engine.data!(t);
          }
          tensors.set(s.name, t);
          shapes.set(s.name, want.shape!);
          if (engine.requiresGrad) {
            const r = await engine.requiresGrad(t);
            if (r !== want.requiresGrad) {
              return {
                step: i,
                message: `\`${statement}\`: ${s.name}.requires_grad is ${pyBool(r)} on the engine, ${pyBool(want.requiresGrad!)} in PyTorch`,
                after: [`print('engine  ${s.name}.requires_grad =', ${pyBool(r)})`, `print('PyTorch ${s.name}.requires_grad =', ${s.name}.requires_grad)`],
              };
            }
          }
          if (engine.values) {
            const v = await engine.values(t);
            if (!allClose(v, want.values!, rtol, atol) || v.length !== want.values!.length) {
              return {
                step: i,
                message: `\`${statement}\`: ${s.name} is ${fmt(v)} on the engine, ${fmt(want.values)} in PyTorch`,
                after: [`print('engine  ${s.name} =', ${pyValues(v, want.shape!)})`, `print('PyTorch ${s.name} =', ${s.name}.tolist())`],
              };
            }
          }
          break;
        }
        case 'data':
          await engine.mutateData!(get(s.target), mutationOp(s.op), s.value);
          break;
        case 'inplace':
          await engine.inPlace!(get(s.target), mutationOp(s.op), s.value);
          break;
        case 'reset':
          if (s.how === 'none' && engine.clearGrad) await engine.clearGrad(get(s.leaf));
          else await engine.zeroGrad!(get(s.leaf));
          break;
        case 'backward': {
          await engine.backward(get(s.root), s.gradient ? [...s.gradient] : undefined, { retainGraph: s.retainGraph ?? s.createGraph ?? false, createGraph: s.createGraph ?? false });
          if (want.error) {
            return {
              step: i,
              message: `\`${statement}\`: PyTorch raises ${describeKind(want.error.kind)} ("${want.error.message.slice(0, 90)}…"); the engine raised nothing`,
              after: [],
              callError: null,
            };
          }
          const m = await compareGrads(i, want.grads!);
          if (m) return m;
          break;
        }
        case 'gradbackward': {
          // `g = x.grad; x.grad = None`, then a backward from g when it has a history. Whether a
          // zero derivative keeps a history (PyTorch's relu'' does) is the engine's business: only
          // the grads are compared, an engine's missing history counting as None.
          const leaf = get(s.leaf);
          const g = await engine.gradTensor!(leaf);
          if (engine.clearGrad) await engine.clearGrad(leaf);
          else await engine.zeroGrad!(leaf);
          const has = g !== null && (engine.requiresGrad ? await engine.requiresGrad(g) : true);
          if (want.gRequiresGrad && has) {
            try {
              await engine.backward(await engine.op(s.reduce, [g], { dim: -1 }), undefined, { retainGraph: true });
            } catch (e) {
              if (errorKindOf(e) !== 'noGrad') throw e;
            }
          }
          const m = await compareGrads(i, want.grads!);
          if (m) return m;
          break;
        }
        case 'gradgrad':
          throw new Error('internal: autograd.grad steps are not engine steps');
      }
    } catch (e) {
      if (e instanceof EngineFailure) throw e;
      const kind = errorKindOf(e);
      if (isCall && want.error && kind === want.error.kind) return null; // PyTorch's error, as PyTorch raises it: the script ends here
      const text = errorText(e);
      if (isCall) {
        return {
          step: i,
          message: `\`${statement}\`: the engine raised ${text}; ${want.error ? `PyTorch raises ${describeKind(want.error.kind)} ("${want.error.message.slice(0, 90)}…")` : 'PyTorch raises nothing'}`,
          after: [],
          callError: text,
        };
      }
      return { step: i, message: `\`${statement}\`: the engine raised ${text}; PyTorch raises nothing`, after: [`print('engine : raised', ${pyString(text)})`, "print('PyTorch: no error')"] };
    }
  }
  return null;
}

const pyBool = (b: boolean) => (b ? 'True' : 'False');

function describeKind(kind: EngineErrorKind): string {
  return kind === 'version' ? 'the version error' : kind === 'freed' ? 'the backward-twice error' : 'the no-grad error';
}

/**
 * The failing sequence as a PyTorch script: the program up to the step
 * where the engine parts from PyTorch, then the engine's values next to
 * PyTorch's (for a backward that one of them refuses, the call in a try).
 */
export function counterexampleScript(expected: Expected, m: Mismatch, note: string): string {
  const { header, steps } = expected.printed;
  const lines = [...header.slice(0, 1), `# ${note}`, ...header.slice(1), ...steps.slice(0, Math.max(m.step, 0)).flat()];
  if (m.step < 0) return [...lines, '# the engine and PyTorch part here:', ...m.after].join('\n') + '\n';
  const own = steps[m.step]!;
  if (m.callError !== undefined) {
    lines.push('# the engine and PyTorch part here:', 'try:', `    ${own[0]}`, "    print('PyTorch: no error')", 'except RuntimeError as e:', "    print('PyTorch: RuntimeError:', e)");
    lines.push(m.callError === null ? "print('engine : no error')" : `print('engine : raised', ${pyString(m.callError)})`);
  } else {
    lines.push(...own, '# the engine and PyTorch part here:', ...m.after);
  }
  return lines.join('\n') + '\n';
}
