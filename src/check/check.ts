/**
 * `check(source)`: run a script on the tape with the symbolic trace
 * listening, and for every backward()/autograd.grad() call hold the
 * tape's gradients (actual) against the symbolic ones (expected) and
 * against finite differences of the program (mathematical).
 */
import type { MathNode } from 'mathjs';
import { setBackwardObserver, type BackwardCall } from '../autograd/engine.js';
import { setTapeListener } from '../autograd/record.js';
import { Tensor } from '../autograd/tensor.js';
import { clip, clipMessage } from '../program/excerpt.js';
import { runScript } from '../program/run.js';
import { toSource, type Source } from '../program/source.js';
import { compileNode, compileNodes, type CompiledFormula } from '../symbolic/compile.js';
import { ExpectedGradients, type ExpectedCall, type PredictedError } from '../symbolic/expected.js';
import { getMath } from '../symbolic/mathjs.js';
import { SymbolBuilder } from '../symbolic/nodes.js';
import { locationOf, SymbolicTrace, type FunctionApplication } from '../symbolic/trace.js';
import { explain } from './explain.js';
import { explainFunctions, functionRunsSoFar } from './explain-function.js';
import { explainHooks, hookChangesSoFar } from './explain-hooks.js';
import { centralDifferences } from './fd.js';
import { compareValues, type Tolerances, DEFAULT_TOLERANCES } from './compare.js';
import { DisplayCache, displayElementwise, EMPTY_DISPLAY } from './display.js';
import { codeOf } from './quote.js';

export interface TargetReport {
  name: string;
  shape: number[];
  dtype: string;
  /**
   * dz/d(name) as the report prints it: `name` alone when the formula is
   * the same for every element, else a line per group of elements;
   * repeated parts named (`where u = …`); a summary past
   * FORMULA_LINE_LIMIT characters a line (src/check/display.ts).
   */
  formula: string;
  latex: string;
  /** The whole formula: every element group and definition, unbounded. */
  fullFormula: string;
  fullLatex: string;
  expected: number[];
  actual: number[] | null;
  /** Central differences, for every element, or for the elements in `sampled` when the leaf is large. */
  finiteDifferences: number[] | null;
  /** Which elements finite differences were taken for, when not all (leaves past FD_SAMPLE elements). */
  sampled?: number[];
  maxAbsError: number;
  maxRelError: number;
  verdict: 'agree' | 'disagree';
}

export interface CallReport {
  kind: 'backward' | 'grad';
  /** The line in the run's text (a notebook's code cells joined); `place` names it as the file does. */
  line: number;
  /** `line 12`, or in a notebook `cell 7, line 2`. */
  place: string;
  statement: string;
  expectedError: PredictedError[] | null;
  actualError: string | null;
  targets: TargetReport[];
  /** Why actual differs from finite differences (cuts, mutations, kinks, accumulation). */
  notes: string[];
  verdict: 'agree' | 'disagree';
}

export interface CheckReport {
  exitCode: 0 | 1 | 2;
  stdout: string;
  stderr: string;
  calls: CallReport[];
  /** True when every call agrees and the script ended as PyTorch's would. */
  ok: boolean;
}

/** What a call's expected gradients were derived from, for tools built on the check (src/grade). */
export interface CallDetail {
  /** Σ gradient · output as an expression of `variables` (null when the call fails). */
  objective: MathNode | null;
  /** The same with values read through a cut as named constants (ExpectedCall.autogradObjective). */
  autogradObjective: MathNode | null;
  variables: string[];
  point: Float64Array;
  /** Per target, the symbol of each element (null for an element not a leaf's). */
  symbols: (string | null)[][];
  /** The targets' tensors (for backward calls, whose `.grad` the call filled). */
  tensors: Tensor[];
}

/** Observers of the checked run: each sees what `runScript`'s hooks see, and each call as it is reported. */
export interface CheckObserver {
  statement?: (line: number) => void;
  assigned?: (name: string, value: unknown, line: number) => void;
  stdout?: (text: string) => void;
  call?: (report: CallReport, detail: CallDetail) => void;
}

export interface CheckOptions {
  fileName?: string;
  observe?: CheckObserver;
  tolerances?: Partial<Tolerances>;
  /** Show formulas (simplified for display within a budget); off for the fastest check. */
  formulas?: boolean;
  /** Finite differences of the program (default on); off: tape against symbolic only. */
  finiteDifferences?: boolean;
  /** The seed of torch's default generator (as `dzdx run --seed`). */
  seed?: bigint;
}

const ERROR_KINDS: [PredictedError, string][] = [
  ['no-grad', 'does not require grad and does not have a grad_fn'],
  ['implicit-scalar', 'grad can be implicitly created only for scalar outputs'],
  ['shape', 'Mismatch in shape'],
  ['unused', 'appears to not have been used in the graph'],
  ['not-requiring-grad', 'One of the differentiated Tensors does not require grad'],
  ['version', 'modified by an inplace operation'],
  ['backward-twice', 'Trying to backward through the graph a second time'],
];

function errorKind(message: string): PredictedError | null {
  return ERROR_KINDS.find(([, text]) => message.includes(text))?.[0] ?? null;
}

/** Checks a script (its text, named by options.fileName) or a Source (a notebook's cells). */
export function check(script: string | Source, options: CheckOptions = {}): CheckReport {
  const source = toSource(script, options.fileName);
  const tolerances = { ...DEFAULT_TOLERANCES, ...options.tolerances };
  const builder = new SymbolBuilder(getMath());
  const trace = new SymbolicTrace(builder);
  const expectedGradients = new ExpectedGradients(trace, builder);
  const lines = source.text.split(/\r\n|\r|\n/);
  const calls: CallReport[] = [];
  const displays = new DisplayCache();
  let pending: {
    expected: ExpectedCall;
    before: (number[] | null)[];
    earlier: Map<Tensor, Tensor | null>;
    functionRuns: Map<FunctionApplication, number>;
    hookChanges: Map<number, number>;
  } | null = null;

  setTapeListener(trace);
  setBackwardObserver({
    before(call: BackwardCall) {
      const expected = expectedGradients.compute(call, trace.line);
      const before = expected.targets.map((t) => (call.kind === 'backward' && t.tensor.grad ? Array.from(t.tensor.grad.array.values()) : null));
      // The `.grad` tensors this pass will add to (leaves' for backward(), and retained grads).
      const filled = [...(call.kind === 'backward' ? expected.targets.map((t) => t.tensor) : []), ...expected.retained.map((r) => r.tensor)];
      pending = {
        expected,
        before,
        earlier: new Map(filled.map((t) => [t, t.grad])),
        functionRuns: functionRunsSoFar(trace),
        hookChanges: hookChangesSoFar(trace),
      };
      trace.paused = true;
    },
    after(call, outcome) {
      trace.paused = false;
      const { expected, before, earlier, functionRuns, hookChanges } = pending!;
      pending = null;
      // The values every formula of this call is evaluated at.
      const variables = [...trace.bindings.keys()];
      const point = Float64Array.from(variables.map((v) => trace.bindings.get(v)!));
      const report = buildCall(expected, before, outcome, { variables, point }, trace, lines, source.place, tolerances, options.formulas === false ? null : displays, options.finiteDifferences ?? true);
      report.notes.push(...explainFunctions(trace, expectedGradients, functionRuns, { variables, point }, tolerances, identifiers(lines)), ...explainHooks(trace, hookChanges));
      calls.push(report);
      options.observe?.call?.(report, { objective: expected.objective, autogradObjective: expected.autogradObjective, variables, point, symbols: expected.targets.map((t) => t.symbols), tensors: expected.targets.map((t) => t.tensor) });
      // Gradients were accumulated in place by the engine, unseen by the trace.
      for (const t of earlier.keys()) if (t.grad) trace.forget(t.grad.array.buffer);
      if (!outcome.error && !call.retainGraph) expectedGradients.freeReached(expected);
      if (!outcome.error && call.createGraph) {
        // Under create_graph a `.grad` is this pass's gradient (a copy, CopyBackwards or CloneBackward0),
        // or the earlier `.grad` plus it (AddBackward0, out of place): differentiable either way.
        const sumWithEarlier = (t: Tensor, formulas: readonly MathNode[]): readonly MathNode[] => {
          const old = earlier.get(t);
          return old ? formulas.map((f, k) => builder.sum([trace.agValueAt(locationOf(old, k)), f])) : formulas;
        };
        const pairs: [Tensor | null | undefined, readonly MathNode[]][] =
          call.kind === 'grad'
            ? (outcome.result ?? []).map((g, i) => [g, expected.targets[i]!.formulas])
            : expected.targets.map((t) => [t.tensor.grad, sumWithEarlier(t.tensor, t.formulas)]);
        for (const r of expected.retained) pairs.push([r.tensor.grad, sumWithEarlier(r.tensor, r.formulas)]);
        const differentiable = pairs.filter((p): p is [Tensor, readonly MathNode[]] => p[0] instanceof Tensor);
        expectedGradients.attachHistory(differentiable.map(([g]) => g), differentiable.map(([, f]) => f), expected.reached);
      }
    },
  });
  const observe = options.observe ?? {};
  let stdout = '';
  let run;
  try {
    run = runScript(source, {
      fileName: options.fileName,
      seed: options.seed,
      statement: (line) => {
        trace.line = line;
        observe.statement?.(line);
      },
      assigned: (name, value, line) => {
        if (value instanceof Tensor) trace.named(name, value);
        observe.assigned?.(name, value, line);
      },
      stdout: (text) => {
        stdout += text;
        observe.stdout?.(text);
      },
    });
  } finally {
    setTapeListener(null);
    setBackwardObserver(null);
  }
  // An uncaught error is expected only when it is the (predicted) error of the last backward call.
  const last = calls.at(-1);
  const expectedFailure = run.exitCode === 1 && last?.actualError != null && last.verdict === 'agree' && run.stderr.includes(last.actualError);
  return {
    exitCode: run.exitCode,
    stdout,
    stderr: run.stderr,
    calls,
    ok: (run.exitCode === 0 || expectedFailure) && calls.every((c) => c.verdict === 'agree'),
  };
}

function buildCall(
  expected: ExpectedCall,
  before: (number[] | null)[],
  outcome: { result?: readonly (Tensor | null)[]; error?: unknown },
  { variables, point }: { variables: string[]; point: Float64Array },
  trace: SymbolicTrace,
  lines: readonly string[],
  place: (line: number) => string,
  tolerances: Tolerances,
  /** Where formulas are shown from (null: not shown). */
  displays: DisplayCache | null,
  finiteDifferences: boolean,
): CallReport {
  const { call } = expected;
  const actualError = outcome.error instanceof Error ? outcome.error.message : outcome.error ? String(outcome.error) : null;
  const base = {
    kind: call.kind,
    line: expected.line,
    place: place(expected.line),
    statement: clip(codeOf(lines[expected.line - 1] ?? '')),
  };
  const predicted = expected.errors.filter((e) => e !== 'unused' || !outcome.result);
  if (predicted.length || actualError) {
    const kind = actualError ? errorKind(actualError) : null;
    const agree = actualError !== null && kind !== null && predicted.includes(kind);
    return { ...base, expectedError: predicted, actualError, targets: [], notes: explainError(predicted, expected, trace), verdict: agree ? 'agree' : 'disagree' };
  }
  const view = trace.displayView(expected.used);
  // Every target's formulas evaluated together: they share the call's forward pass.
  const all = compileNodes(expected.targets.flatMap((t) => t.formulas), variables)(point);
  const position = new Map(variables.map((v, i) => [v, i]));
  let objective: CompiledFormula | null = null;
  const targets = expected.targets.map((target, i) => {
    const values = all.splice(0, target.formulas.length);
    const actualTensor = call.kind === 'grad' ? (outcome.result?.[i] ?? null) : target.tensor.grad;
    let actual: number[] | null = actualTensor ? Array.from(actualTensor.array.values()) : null;
    if (actual && before[i]) actual = actual.map((v, k) => v - before[i]![k]!);
    const sampled = sampleIndices(target.symbols.length);
    const fd = finiteDifferences && expected.objective && target.symbols.every((s) => s !== null)
      ? centralDifferences((objective ??= compileNode(expected.objective, variables)), point, sampled.map((k) => target.generations[k]!.map((s) => position.get(s) ?? -1)))
      : null;
    // float64 tolerances only when everything on the path, inputs included, was float64.
    const allDouble = expected.reached.every((r) => r.output.dtype !== 'float32' && r.inputs.every((t) => t.dtype !== 'float32'));
    const precision = target.tensor.dtype === 'float64' && allDouble ? 'float64' : 'float32';
    const cmp = compareValues(values, actual ?? values.map(() => 0), precision, tolerances);
    const shown = displays
      ? displayElementwise(target.formulas.map((f) => view.form(f)), target.symbols.map((s) => s && view.symbol(s)), target.name, { taken: identifiers(lines), cache: displays })
      : EMPTY_DISPLAY;
    return {
      name: target.name,
      shape: [...target.tensor.shape],
      dtype: target.tensor.dtype,
      formula: shown.text,
      latex: shown.latex,
      fullFormula: shown.fullText,
      fullLatex: shown.fullLatex,
      expected: values,
      actual,
      finiteDifferences: fd,
      ...(sampled.length < values.length ? { sampled } : {}),
      maxAbsError: cmp.maxAbs,
      maxRelError: cmp.maxRel,
      verdict: cmp.ok ? ('agree' as const) : ('disagree' as const),
    };
  });
  const notes = explain(expected, targets, before, trace, lines, tolerances);
  return {
    ...base,
    expectedError: null,
    actualError: null,
    targets,
    notes,
    verdict: targets.every((t) => t.verdict === 'agree') ? 'agree' : 'disagree',
  };
}

/** The script's identifiers: names given to subexpressions of a formula must not look like one of them. */
function identifiers(lines: readonly string[]): Set<string> {
  return new Set(lines.flatMap((l) => l.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []));
}

/** Finite differences cost two runs of the program per element: past this many, an even sample. */
export const FD_SAMPLE = 64;

function sampleIndices(n: number): number[] {
  if (n <= FD_SAMPLE) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: FD_SAMPLE }, (_, i) => Math.round((i * (n - 1)) / (FD_SAMPLE - 1)));
}

function explainError(predicted: PredictedError[], expected: ExpectedCall, trace: SymbolicTrace): string[] {
  const notes: string[] = [];
  if (predicted.includes('version')) {
    for (const r of expected.reached) {
      for (const s of r.saved) {
        if (s.array.version.value !== s.version) {
          notes.push(`${trace.nameOf(s.tensor)} was saved by line ${r.line} at version ${s.version} and changed in place since (now version ${s.array.version.value}): PyTorch refuses to backward through it.`);
        }
      }
    }
  }
  if (predicted.includes('backward-twice')) {
    notes.push('an earlier backward without retain_graph=True freed the saved tensors this pass needs.');
  }
  return notes.map(clipMessage);
}

export type { MathNode };
