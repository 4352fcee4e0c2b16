/**
 * The properties: plain functions over generated inputs (programs, mostly),
 * usable from vitest and from `dzdx props`. Each throws a
 * `PropertyFailure` saying what went wrong; `runProperty` runs one under
 * fast-check with a seed and, on failure, reports the shrunk counterexample
 * as a runnable script and the exact replay command.
 */
import fc from 'fast-check';
import { check, type CallReport, type CheckReport } from '../src/check/check.js';
import { registry, runScript } from '../src/index.js';
import { compileNode } from '../src/symbolic/compile.js';
import { deriveNode } from '../src/symbolic/derive.js';
import { nodeBuilders } from '../src/symbolic/mathjs.js';
import { formatTensor } from '../src/tensor/format.js';
import { ALL_FEATURES, CORE, dtypeArb, powAtZeroExponent, programArb, shapeArb } from './arbitraries.js';
import { parsePrinted, parseTensor, printedTolerance, type ParsedTensor } from './parse-tensor.js';
import {
  cutEverything,
  DomainError,
  evaluate,
  firstBackwardOnly,
  hasCuts,
  numelOf,
  printProgram,
  replaceCutsByConstants,
  withCuts,
  withGradient,
  withoutDataMutations,
  type BackwardStep,
  type Program,
  type Step,
} from './program.js';

export class PropertyFailure extends Error {
  /** `script`: the counterexample as it failed, when the property printed it itself (engine failures). */
  constructor(
    message: string,
    readonly script?: string,
  ) {
    super(message);
    this.name = 'PropertyFailure';
  }
}

function fail(message: string): never {
  throw new PropertyFailure(message);
}

/** A property over inputs of type I. */
export interface PropertyDef<I = unknown> {
  name: string;
  /** One sentence: what it says. */
  says: string;
  arbitrary(): fc.Arbitrary<I>;
  /** Throws PropertyFailure when the property does not hold; `fc.pre(false)` when it does not apply. */
  check(input: I): void;
  /** The input as runnable script(s), for a counterexample. */
  show(input: I): string;
  /** Runs `dzdx props` does by default. */
  runs: number;
}

// ---------------------------------------------------------------------------
// Helpers

const SCRIPT_LIMITS = { maxSeconds: 2, maxOps: 20_000 };

function checked(p: Program): { script: string; report: CheckReport } {
  const script = printProgram(p);
  return { script, report: check(script, { formulas: false }) };
}

function backwardSteps(p: Program): BackwardStep[] {
  return p.steps.filter((s): s is BackwardStep => s.kind === 'backward');
}

/** The report's calls that are `.backward()` calls, in order. */
const backwardCalls = (r: CheckReport) => r.calls.filter((c) => c.kind === 'backward');

function describeCall(c: CallReport): string {
  const head = `line ${c.line}: ${c.statement}: ${c.verdict}`;
  if (c.actualError || c.expectedError?.length) {
    return `${head}\n    expected error: ${c.expectedError?.join(', ') || 'none'}\n    actual error: ${c.actualError ?? 'none'}`;
  }
  const rows = c.targets.map(
    (t) => `    d/d${t.name}: expected ${fmt(t.expected)}, actual ${t.actual ? fmt(t.actual) : 'None'}, finite differences ${t.finiteDifferences ? fmt(t.finiteDifferences) : '-'} (${t.verdict})`,
  );
  return [head, ...rows, ...c.notes.map((n) => `    note: ${n}`)].join('\n');
}

const fmt = (v: readonly number[]) => `[${v.map((x) => (Number.isInteger(x) ? String(x) : x.toPrecision(6))).join(', ')}]`;

function close(a: number, b: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= atol + rtol * Math.max(Math.abs(a), Math.abs(b));
}

function allClose(a: readonly number[], b: readonly number[], rtol: number, atol: number): boolean {
  const scale = Math.max(1, ...a.map(Math.abs).filter(Number.isFinite), ...b.map(Math.abs).filter(Number.isFinite));
  return a.length === b.length && a.every((v, i) => close(v, b[i]!, rtol, atol * scale));
}

function leafDtypes(p: Program): Set<string> {
  return new Set(p.leaves.map((l) => l.dtype));
}

/** Tolerances for tape values: float32 unless the whole program is float64. */
function tapeTolerance(p: Program): { rtol: number; atol: number } {
  return leafDtypes(p).has('float32') ? { rtol: 1e-4, atol: 1e-5 } : { rtol: 1e-9, atol: 1e-12 };
}

// ---------------------------------------------------------------------------
// The properties

/** Every backward()/autograd.grad() call in `check(printProgram(p))` agrees, predicted errors included. */
export function tapeEqualsSymbolic(p: Program): void {
  const { report } = checked(p);
  if (report.exitCode === 2) fail(`the script is outside the subset:\n${report.stderr}`);
  const bad = report.calls.filter((c) => c.verdict !== 'agree');
  if (bad.length) fail(`tape and symbolic side disagree:\n${bad.map(describeCall).join('\n')}`);
  if (!report.ok) fail(`the script failed with an error no backward call predicted:\n${report.stderr.trim().split('\n').at(-1)}`);
}

/**
 * Expected ≈ finite differences where nothing separates them: with no
 * cut, mutation or kink, of the program itself; with cuts, of the program
 * whose cut values are replaced by constant leaves.
 */
export function symbolicEqualsFiniteDifferences(p: Program): void {
  const ev = evaluate(p);
  fc.pre(!ev.facts.nearKink && ev.facts.dataMutations === 0 && ev.facts.inPlace === 0);
  const first = firstBackwardOnly(p);
  const { report } = checked(first);
  const call = report.calls.find((c) => c.kind === 'backward');
  fc.pre(!!call && !call.actualError && !call.expectedError?.length);
  let fdSource = call!;
  let note = '';
  if (hasCuts(first)) {
    const constant = replaceCutsByConstants(first);
    const again = checked(constant).report.calls.find((c) => c.kind === 'backward');
    note = `\n(finite differences of the program with its cut values as constants:\n${printProgram(constant)})`;
    if (!again || again.actualError || again.expectedError?.length) {
      // Every path to the root was cut: the original gradient must then be all zeros.
      const nonzero = call!.targets.filter((t) => t.expected.some((v) => v !== 0));
      if (nonzero.length) fail(`the program with constants has no gradient, but expected is nonzero for ${nonzero.map((t) => t.name).join(', ')}${note}`);
      return;
    }
    fdSource = again;
  }
  for (const t of call!.targets) {
    const other = fdSource.targets.find((u) => u.name === t.name);
    const fd = other?.finiteDifferences ?? (other ? null : t.expected.map(() => 0));
    if (!fd) continue;
    const expected = other?.sampled ? other.sampled.map((k) => t.expected[k]!) : t.expected;
    if (!allClose(expected, fd, 2e-3, 2e-4)) {
      fail(`d/d${t.name}: expected ${fmt(expected)} but finite differences give ${fmt(fd)}${note}`);
    }
  }
}

/**
 * A `.data` mutation changes exactly the gradients of the ops that saved
 * the mutated tensor: if no op backward runs saved it, the gradients are
 * exactly those without the mutation; if the one op saved it (and not its
 * result), they are exactly those of the op run on the mutated values.
 */
function inDomain(p: Program): boolean {
  try {
    evaluate(p);
    return true;
  } catch (e) {
    if (e instanceof DomainError) return false;
    throw e;
  }
}

export function dataMutationHitsSavers(p: Program): void {
  const first = firstBackwardOnly(p);
  const mutations = first.steps.filter((s) => s.kind === 'data');
  fc.pre(mutations.length > 0);
  const ev = evaluate(first);
  const root = backwardSteps(first)[0]?.root;
  fc.pre(!!root);
  const savers = mutations.flatMap((m) => ev.saversOf(m.target, root!));
  const { report } = checked(first);
  const call = backwardCalls(report)[0];
  fc.pre(!!call && !call.actualError);
  if (call!.verdict !== 'agree') fail(`tape and symbolic side disagree:\n${describeCall(call!)}`);
  if (savers.length === 0) {
    const without = checked(withoutDataMutations(first)).report;
    const base = backwardCalls(without)[0];
    for (const t of call!.targets) {
      const u = base?.targets.find((x) => x.name === t.name);
      if (!u || JSON.stringify(u.actual) !== JSON.stringify(t.actual)) {
        fail(`no op on the backward path saved ${mutations.map((m) => m.target).join(', ')}, yet d/d${t.name} changed with the mutation: ${u?.actual ? fmt(u.actual) : 'None'} without, ${t.actual ? fmt(t.actual) : 'None'} with`);
      }
    }
    return;
  }
  // The single-op family: leaves, one op, maybe its sum or mean, then `leaf.data ...`.
  const values = first.steps.filter((s) => s.kind === 'value');
  fc.pre(values.slice(1).every((s) => s.op === 'sum' || s.op === 'mean'));
  const leafMutated = mutations.every((m) => first.leaves.some((l) => l.name === m.target));
  const resultSaved = savers.some((n) => n.saved.some((s) => s.slot < 0));
  fc.pre(values.length <= 2 && mutations.length === 1 && leafMutated && !resultSaved);
  // The same op run on the mutated values from the start.
  const target = mutations[0]!.target;
  const mutatedLeaf = ev.get(target);
  const fresh: Program = {
    leaves: first.leaves.map((l) => (l.name === target ? { ...l, values: mutatedLeaf.values } : l)),
    steps: first.steps.filter((s) => s.kind !== 'data'),
  };
  // The mutated values may leave the op's domain (asin of 1.5): then there is nothing to compare with.
  fc.pre(inDomain(fresh));
  const freshCall = backwardCalls(checked(fresh).report)[0];
  for (const t of call!.targets) {
    const u = freshCall?.targets.find((x) => x.name === t.name);
    if (!u || JSON.stringify(u.actual) !== JSON.stringify(t.actual)) {
      fail(`${savers[0]!.op} saved ${target}, so backward should compute with the mutated ${target}: d/d${t.name} is ${t.actual ? fmt(t.actual) : 'None'}, but the op run on the mutated values gives ${u?.actual ? fmt(u.actual) : 'None'}\n(that program:\n${printProgram(fresh)})`);
    }
  }
}

/**
 * The same program with its cuts written as `.detach()` and as
 * `with torch.no_grad():` prints the same; cutting every op leaves nothing
 * to differentiate: PyTorch's "element 0 of tensors does not require grad".
 */
export function detachEqualsNoGrad(p: Program): void {
  // A view taken under no_grad still requires grad in PyTorch (a leaf that fills no grad), while
  // its .detach() does not: the two cuts differ there, so only cuts of non-view ops are compared.
  fc.pre(!p.steps.some((s) => s.kind === 'value' && s.cut && registry.get(s.op)?.view));
  const detached = runScript(printProgram(withCuts(p, 'detach')), { limits: SCRIPT_LIMITS });
  const noGrad = runScript(printProgram(withCuts(p, 'no_grad')), { limits: SCRIPT_LIMITS });
  if (hasCuts(p) && (detached.stdout !== noGrad.stdout || detached.exitCode !== noGrad.exitCode)) {
    fail(`.detach() and no_grad differ:\n--- with .detach() (exit ${detached.exitCode}):\n${detached.stdout}${lastLine(detached.stderr)}\n--- with no_grad (exit ${noGrad.exitCode}):\n${noGrad.stdout}${lastLine(noGrad.stderr)}`);
  }
  const cut = cutEverything(p);
  fc.pre(cut.steps.some((s) => s.kind === 'backward' || s.kind === 'gradgrad'));
  const everything = check(printProgram(cut), { formulas: false });
  const message = 'RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn';
  if (everything.exitCode !== 1 || lastLine(everything.stderr) !== message) {
    fail(`with every op cut, expected exit 1 and \`${message}\`, got exit ${everything.exitCode} and \`${lastLine(everything.stderr)}\``);
  }
  const first = everything.calls[0];
  if (!first || first.verdict !== 'agree' || !first.expectedError?.includes('no-grad')) {
    fail(`dzdx check did not predict the error:\n${first ? describeCall(first) : 'no call'}`);
  }
}

const lastLine = (s: string) => s.trim().split('\n').at(-1) ?? '';

/**
 * Two backward calls (retain_graph) leave exactly twice the gradient;
 * `x.grad.zero_()` and `x.grad = None` reset it (one more backward gives
 * the first gradient again).
 */
export function accumulatesTwice(p: Program): void {
  const base = firstBackwardOnly(p);
  const bw = backwardSteps(base)[0];
  fc.pre(!!bw);
  const ev = evaluate(base);
  const reached = [...ev.reachedLeaves(bw!.root)];
  fc.pre(reached.length > 0);
  const leaf = reached[0]!;
  const again = { ...bw!, retainGraph: true };
  const steps: Step[] = [
    ...base.steps.slice(0, -1),
    again,
    again,
    { kind: 'reset', leaf, how: 'zero_' },
    again,
    { kind: 'reset', leaf, how: 'none' },
    again,
  ];
  const prog: Program = { leaves: base.leaves, steps };
  const { report } = checked(prog);
  const calls = backwardCalls(report);
  fc.pre(calls.length > 0 && !calls[0]!.actualError);
  if (calls.length !== 4 || report.exitCode !== 0) fail(`expected 4 backward calls and exit 0, got ${calls.length} and exit ${report.exitCode}: ${lastLine(report.stderr)}`);
  const bad = calls.filter((c) => c.verdict !== 'agree');
  if (bad.length) fail(`tape and symbolic side disagree:\n${bad.map(describeCall).join('\n')}`);
  // The second call adds exactly the first call's gradient (g + g = 2g has no rounding); after a
  // reset, the reset leaf gets exactly g again; other leaves keep accumulating (with rounding).
  for (const [i, c] of calls.entries()) {
    for (const t of c.targets) {
      const t0 = calls[0]!.targets.find((u) => u.name === t.name);
      const exact = i === 1 || t.name === leaf;
      const same = exact ? JSON.stringify(t.actual) === JSON.stringify(t0?.actual) : !!t.actual && !!t0?.actual && allClose(t.actual, t0.actual, 1e-5, 1e-6);
      if (!same) fail(`backward call ${i + 1} added ${t.actual ? fmt(t.actual) : 'None'} to ${t.name}.grad, the first added ${t0?.actual ? fmt(t0.actual) : 'None'}`);
    }
  }
  // The printed .grad values: g, 2g, 0 (after zero_), g, None, g for the reset leaf.
  const names = p.leaves.filter((l) => l.requiresGrad).map((l) => l.name);
  const printed = parsePrinted(report.stdout);
  const n = names.length;
  const k = names.indexOf(leaf);
  const at = (block: number, extra: number) => printed[block * n + extra + k];
  const g1 = at(0, 0);
  const g2 = at(1, 0);
  const zeroed = printed[2 * n];
  const g3 = at(2, 1);
  const none = printed[3 * n + 1];
  const g4 = at(3, 2);
  if (!g1 || !g2 || !zeroed || !g3 || none !== null || !g4) fail(`unexpected printed values for ${leaf}.grad:\n${report.stdout}`);
  expectPrinted(g2!, g1!.values.map((v) => 2 * v), `${leaf}.grad after two backward calls is not twice the first`);
  expectPrinted(zeroed!, g1!.values.map(() => 0), `${leaf}.grad.zero_() did not zero it`);
  expectPrinted(g3!, g1!.values, `backward after ${leaf}.grad.zero_() did not give the first gradient`);
  expectPrinted(g4!, g1!.values, `backward after ${leaf}.grad = None did not give the first gradient`);
}

function expectPrinted(t: ParsedTensor, values: readonly number[], message: string): void {
  const ok = t.values.length === values.length && t.values.every((v, i) => close(v, values[i]!, 0, 2 * printedTolerance(t.texts[i]!, v) + 1e-12 + Math.abs(v) * 1e-6));
  if (!ok) fail(`${message}: printed ${fmt(t.values)}, expected ${fmt(values)}`);
}

/** The input of linearInGradient: a program, two gradients and two coefficients. */
export interface LinearInput {
  program: Program;
  g1: number[];
  g2: number[];
  a: number;
  b: number;
}

function gradientOfShape(pool: readonly number[], n: number): number[] {
  return Array.from({ length: n }, (_, i) => pool[i % pool.length]!);
}

/** The three programs of linearInGradient (with g1, g2 and a·g1 + b·g2). */
export function linearPrograms(input: LinearInput): [Program, Program, Program] | null {
  const base = firstBackwardOnly(input.program);
  const bw = backwardSteps(base)[0];
  if (!bw) return null;
  const ev = evaluate(base);
  const root = ev.get(bw.root);
  if (root.isLeaf) return null;
  const n = numelOf(root.shape);
  const g1 = gradientOfShape(input.g1, n);
  const g2 = gradientOfShape(input.g2, n);
  const mix = g1.map((v, i) => input.a * v + input.b * g2[i]!);
  return [withGradient(base, g1), withGradient(base, g2), withGradient(base, mix)];
}

/** backward(a·g1 + b·g2) = a·backward(g1) + b·backward(g2). */
export function linearInGradient(input: LinearInput): void {
  const programs = linearPrograms(input);
  fc.pre(programs !== null);
  const [c1, c2, c3] = programs!.map((q) => backwardCalls(checked(q).report)[0]);
  fc.pre(!!c1 && !!c2 && !!c3 && !c1.actualError && !c2.actualError && !c3.actualError);
  const { rtol, atol } = tapeTolerance(input.program);
  for (const t of c3!.targets) {
    const t1 = c1!.targets.find((u) => u.name === t.name)?.actual;
    const t2 = c2!.targets.find((u) => u.name === t.name)?.actual;
    if (!t.actual || !t1 || !t2) continue;
    const combined = t1.map((v, i) => input.a * v + input.b * t2[i]!);
    if (!allClose(t.actual, combined, rtol * 10, atol * 10)) {
      fail(`d/d${t.name}: backward(${input.a}·g1 + ${input.b}·g2) gave ${fmt(t.actual)}, ${input.a}·backward(g1) + ${input.b}·backward(g2) = ${fmt(combined)}`);
    }
  }
}

const VERSION_ERROR =
  /^one of the variables needed for gradient computation has been modified by an inplace operation: \[torch\.(Float|Double)Tensor \[([\d, ]*)\]\](, which is output \d+ of \w+,)? is at version (\d+); expected version (\d+) instead\. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch\.autograd\.set_detect_anomaly\(True\)\.$/;

/** An in-place change of a tensor backward needs raises PyTorch's version error; of any other tensor, no error. */
export function versionCheck(p: Program): void {
  const first = firstBackwardOnly(p);
  fc.pre(first.steps.some((s) => s.kind === 'inplace'));
  const bw = backwardSteps(first)[0];
  fc.pre(!!bw);
  const ev = evaluate(first);
  const root = ev.get(bw!.root);
  fc.pre(root.requiresGrad);
  const stale = ev.staleSaved(bw!.root);
  const { report } = checked(first);
  const call = backwardCalls(report)[0];
  if (!call) fail(`no backward call ran: ${lastLine(report.stderr)}`);
  if (call!.verdict !== 'agree') fail(`tape and symbolic side disagree:\n${describeCall(call!)}`);
  const error = call!.actualError;
  if (stale.length === 0) {
    if (error) fail(`no saved tensor was changed in place, yet backward failed: ${error}`);
    return;
  }
  const m = error ? VERSION_ERROR.exec(error) : null;
  if (!m) fail(`${stale.map((s) => `${s.name} (saved by ${s.node.op})`).join(', ')} changed in place after being saved, so PyTorch's version error was expected; got ${error ? `\`${error}\`` : 'no error'}`);
  const dtype = m![1] === 'Float' ? 'float32' : 'float64';
  const shape = m![2]!;
  const matches = stale.some((s) => {
    const t = ev.get(s.name);
    return t.dtype === dtype && s.shape.join(', ') === shape && Number(m![4]) === t.version;
  });
  if (!matches) fail(`the version error names a tensor [${shape}] ${dtype} at version ${m![4]}, none of the changed saved tensors: ${stale.map((s) => `${s.name} [${s.shape}] at version ${ev.get(s.name).version}`).join(', ')}`);
  if (!report.stderr.trim().endsWith(`RuntimeError: ${error}`)) fail(`stderr does not end with the RuntimeError line:\n${report.stderr}`);
}

/**
 * autograd.grad(create_graph=True) then grad again equals the symbolic
 * second derivative: deriveNode twice on the forward expression built
 * from the program (registry forms), compiled with compileNode.
 */
export function secondDerivative(p: Program): void {
  const first = firstBackwardOnly(p);
  const bw = backwardSteps(first)[0];
  fc.pre(!!bw && !bw.gradient);
  const ev = evaluate(first, true);
  const root = ev.get(bw!.root);
  fc.pre(root.shape.length === 0 && !root.isLeaf);
  const leafName = [...ev.reachedLeaves(bw!.root)][0];
  fc.pre(leafName !== undefined);
  fc.pre(!powAtZeroExponent(ev, first.steps)); // TODO(dzdx bug 9): see arbitraries.ts
  fc.pre(!ev.facts.maskedKink); // a norm or std at 0: PyTorch's second derivative there is NaN or 0 (README, known differences)
  const prog: Program = { leaves: first.leaves, steps: [...first.steps.slice(0, -1), { kind: 'gradgrad', root: bw!.root, leaf: leafName! }] };
  const { report } = checked(prog);
  if (report.exitCode !== 0) fail(`the script failed: ${lastLine(report.stderr)}`);
  const leaf = ev.get(leafName!);
  const variables = [...ev.tensors.values()].filter((t) => t.isLeaf && first.leaves.some((l) => l.name === t.name)).flatMap((t) => t.values.map((_, i) => `${t.name}_${i}`));
  const point = [...ev.tensors.values()].filter((t) => t.isLeaf && first.leaves.some((l) => l.name === t.name)).flatMap((t) => t.values);
  const z = root.nodes![0]!;
  const wrt = leaf.values.map((_, i) => `${leafName}_${i}`);
  const d1 = wrt.map((v) => deriveNode(z, v));
  const b = nodeBuilders();
  const s = d1.reduce((acc, d) => b.op('+', 'add', [acc, d]));
  const d2 = wrt.map((v) => deriveNode(s, v));
  const g = d1.map((d) => compileNode(d, variables)(point));
  const h = d2.map((d) => compileNode(d, variables)(point));
  const { rtol, atol } = leafDtypes(first).has('float32') ? { rtol: 2e-3, atol: 1e-4 } : { rtol: 1e-7, atol: 1e-9 };
  const [gCall, hCall] = report.calls;
  if (!gCall || gCall.verdict !== 'agree') fail(`the first autograd.grad call disagrees:\n${gCall ? describeCall(gCall) : 'missing'}`);
  const gActual = gCall!.targets[0]?.actual ?? [];
  if (!allClose(gActual, g, rtol, atol)) fail(`first derivative d/d${leafName}: tape ${fmt(gActual)}, symbolic ${fmt(g)}`);
  if (!hCall) {
    // g had no history: the second derivative must be 0.
    if (!allClose(h, h.map(() => 0), rtol, atol)) fail(`g_${leafName} has no history but the symbolic second derivative is ${fmt(h)}`);
    return;
  }
  if (hCall.verdict !== 'agree') fail(`the second autograd.grad call disagrees:\n${describeCall(hCall)}`);
  // allow_unused: None when g does not depend on the leaf (then the second derivative is 0).
  const hActual = hCall.targets[0]?.actual ?? h.map(() => 0);
  if (!allClose(hActual, h, rtol, atol)) fail(`second derivative (sum of the Hessian's rows) for ${leafName}: tape ${fmt(hActual)}, deriveNode twice ${fmt(h)}`);
}

/** Input of printingRoundTrips: a tensor to format, or a program whose printed grads are read back. */
export type PrintingInput = { tensor: { values: number[]; shape: number[]; dtype: 'float32' | 'float64' } } | { program: Program };

/** Every tensor dzdx prints parses back to its values within the printed precision. */
export function printingRoundTrips(input: PrintingInput): void {
  if ('tensor' in input) {
    const { shape, dtype } = input.tensor;
    const values = input.tensor.values.map((v) => (dtype === 'float32' ? Math.fround(v) : v));
    const text = formatTensor(values, shape, dtype);
    let parsed: ParsedTensor;
    try {
      parsed = parseTensor(text);
    } catch (e) {
      fail(`cannot parse ${text}: ${(e as Error).message}`);
    }
    if (parsed!.shape.join() !== shape.join()) fail(`printed shape [${parsed!.shape}] is not [${shape}]:\n${text}`);
    if ((dtype === 'float64') !== (parsed!.dtype === 'torch.float64')) fail(`dtype suffix wrong for ${dtype}:\n${text}`);
    parsed!.values.forEach((v, i) => {
      if (!close(v, values[i]!, 0, printedTolerance(parsed!.texts[i]!, values[i]!))) fail(`element ${i}: ${values[i]} printed as ${parsed!.texts[i]} in\n${text}`);
    });
    return;
  }
  const first = firstBackwardOnly(input.program);
  const { report } = checked(first);
  const call = backwardCalls(report)[0];
  fc.pre(!!call && !call.actualError);
  const names = first.leaves.filter((l) => l.requiresGrad).map((l) => l.name);
  const printed = parsePrinted(report.stdout);
  names.forEach((name, i) => {
    const target = call!.targets.find((t) => t.name === name);
    const shown = printed[i];
    if (!target?.actual) return;
    if (!shown) fail(`${name}.grad printed as None but holds ${fmt(target.actual)}`);
    shown!.values.forEach((v, k) => {
      const value = target.actual![k]!;
      if (!close(v, value, 0, printedTolerance(shown!.texts[k]!, value))) fail(`${name}.grad element ${k}: ${value} printed as ${shown!.texts[k]}`);
    });
  });
}

/** Input of parserNeverCrashes. */
export type TextInput = { text: string } | { program: Program; edits: { at: number; kind: number; text: string }[] };

/** The script text of a parserNeverCrashes input. */
export function textOf(input: TextInput): string {
  if ('text' in input) return input.text;
  let s = printProgram(input.program);
  for (const e of input.edits) {
    const at = s.length ? e.at % (s.length + 1) : 0;
    switch (e.kind % 5) {
      case 0: // delete a character
        s = s.slice(0, at) + s.slice(at + 1);
        break;
      case 1: // insert text
        s = s.slice(0, at) + e.text + s.slice(at);
        break;
      case 2: // replace a character
        s = s.slice(0, at) + e.text.slice(0, 1) + s.slice(at + 1);
        break;
      case 3: {
        // duplicate a line
        const lines = s.split('\n');
        const i = at % lines.length;
        lines.splice(i, 0, lines[i]!);
        s = lines.join('\n');
        break;
      }
      default: {
        // swap two lines
        const lines = s.split('\n');
        const i = at % lines.length;
        const j = (i + 1) % lines.length;
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        s = lines.join('\n');
      }
    }
  }
  return s;
}

// Python says "argument of type 'int' is not iterable" and "'int' object is not iterable" too.
const JS_LEAKS = /Cannot read propert|is not a function|(?<!(object|') )is not iterable|Maximum call stack|Invalid array length|\.[jt]s:\d+|\n\s+at [\w.<>]+ \(|internal:|\[object Object\]/;

/** runScript on any text ends with exit 0, 1 or 2 and never shows a JavaScript error. */
export function parserNeverCrashes(input: TextInput): void {
  const text = textOf(input);
  let result;
  try {
    result = runScript(text, { limits: SCRIPT_LIMITS });
  } catch (e) {
    fail(`runScript threw ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e)}`);
  }
  if (![0, 1, 2].includes(result!.exitCode)) fail(`exit code ${result!.exitCode}`);
  const leak = JS_LEAKS.exec(result!.stdout + result!.stderr);
  if (leak) fail(`the output shows a JavaScript error (${JSON.stringify(leak[0])}):\n${result!.stderr}`);
}

// ---------------------------------------------------------------------------
// The suite

const show = (p: Program) => printProgram(p);

const TEXT_CHARS = fc.constantFrom(...'abcxyz_0123456789 .,:;()[]{}+-*/@=<>!#\'"\\\n\t'.split(''), 'torch', 'tensor', 'backward', 'grad', 'def ', 'for ', 'in ', 'range(', 'with ', 'no_grad()', 'import ', 'print(', 'if ', 'else:', 'lambda', '**', '    ', 'requires_grad=True', '1e309', 'None', 'True');

export const textArb: fc.Arbitrary<TextInput> = fc.oneof(
  fc.record({ text: fc.string({ maxLength: 120 }) }),
  fc.record({ text: fc.array(TEXT_CHARS, { maxLength: 40 }).map((a) => a.join('')) }),
  fc.record({
    program: programArb({ ...ALL_FEATURES, maxSteps: 3 }),
    edits: fc.array(fc.record({ at: fc.nat(2000), kind: fc.nat(4), text: fc.oneof(fc.string({ maxLength: 3 }), TEXT_CHARS) }), { minLength: 1, maxLength: 4 }),
  }),
);

const printableValues = (n: number) =>
  fc.array(
    fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: -40, max: 40 }).map((k) => k / 4) },
      { weight: 3, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
      { weight: 2, arbitrary: fc.tuple(fc.double({ min: 1, max: 10, noNaN: true }), fc.integer({ min: -12, max: 12 })).map(([m, e]) => m * 10 ** e) },
      { weight: 1, arbitrary: fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e-5, 123456789) },
    ),
    { minLength: n, maxLength: n },
  );

export const printingArb: fc.Arbitrary<PrintingInput> = fc.oneof(
  fc
    .tuple(shapeArb({ maxRank: 3, maxDim: 4 }), dtypeArb)
    .chain(([shape, dtype]) => printableValues(numelOf(shape)).map((values) => ({ tensor: { values, shape, dtype } }))),
  programArb({ ...CORE, gradientArg: true, cuts: true, kinks: true }).map((program) => ({ program })),
);

const linearArb: fc.Arbitrary<LinearInput> = fc.record({
  program: programArb({ ...CORE, cuts: true, kinks: true, constantLeaves: true, gradientArg: true, dataMutations: true }),
  g1: fc.array(fc.integer({ min: -4, max: 4 }).map((k) => k / 2 + 0), { minLength: 1, maxLength: 6 }),
  g2: fc.array(fc.integer({ min: -4, max: 4 }).map((k) => k / 2 + 0), { minLength: 1, maxLength: 6 }),
  a: fc.constantFrom(1, 2, -1, 0.5, -0.5, 0),
  b: fc.constantFrom(1, -1, 0.5, 2, -2, 0),
});

/** The single-op family of dataMutationHitsSavers: y = op(x[, w]), loss = y.sum(), then `x.data …`. */
const singleOpMutationArb = (): fc.Arbitrary<Program> =>
  programArb({ ...CORE, maxSteps: 1, maxLeaves: 2, constantLeaves: true, dataMutations: 'end', kinks: true, minMutations: 1 });

export const PROGRAM_PROPERTIES: PropertyDef<any>[] = [
  {
    name: 'tapeEqualsSymbolic',
    says: 'every backward()/autograd.grad() call of a random program has verdict agree in dzdx check (predicted errors included)',
    arbitrary: () => programArb(ALL_FEATURES),
    check: tapeEqualsSymbolic,
    show,
    runs: 200,
  } satisfies PropertyDef<Program>,
  {
    name: 'symbolicEqualsFiniteDifferences',
    says: 'without mutations or kinks, expected = finite differences (of the program with cut values as constants, when there are cuts)',
    arbitrary: () => programArb({ ...CORE, cuts: true, constantLeaves: true, gradientArg: true }),
    check: symbolicEqualsFiniteDifferences,
    show,
    runs: 150,
  } satisfies PropertyDef<Program>,
  {
    name: 'dataMutationHitsSavers',
    says: 'a .data mutation changes exactly the gradients of the ops that saved the mutated tensor (2 * x unaffected, x ** 2 affected)',
    arbitrary: () => fc.oneof(singleOpMutationArb(), programArb({ ...CORE, cuts: true, kinks: true, constantLeaves: true, gradientArg: true, dataMutations: 'end', minMutations: 1 })),
    check: dataMutationHitsSavers,
    show,
    runs: 150,
  } satisfies PropertyDef<Program>,
  {
    name: 'detachEqualsNoGrad',
    says: 'cuts by .detach() and by no_grad give the same output; cutting everything gives "element 0 of tensors does not require grad"',
    arbitrary: () => programArb({ ...ALL_FEATURES, cuts: true }),
    check: detachEqualsNoGrad,
    show,
    runs: 100,
  } satisfies PropertyDef<Program>,
  {
    name: 'accumulatesTwice',
    says: 'two backward calls (retain_graph) give exactly twice the gradient; grad.zero_() and grad = None reset it',
    arbitrary: () => programArb({ ...CORE, cuts: true, kinks: true, constantLeaves: true, gradientArg: true, dataMutations: true }),
    check: accumulatesTwice,
    show: (p) => show(p),
    runs: 100,
  } satisfies PropertyDef<Program>,
  {
    name: 'linearInGradient',
    says: 'backward(a·g1 + b·g2) = a·backward(g1) + b·backward(g2)',
    arbitrary: () => linearArb,
    check: linearInGradient,
    show: (input) => {
      const ps = linearPrograms(input);
      return ps ? `# with a·g1 + b·g2 (a = ${input.a}, b = ${input.b}):\n${printProgram(ps[2])}\n# with g1:\n${printProgram(ps[0])}\n# with g2:\n${printProgram(ps[1])}` : printProgram(input.program);
    },
    runs: 100,
  } satisfies PropertyDef<LinearInput>,
  {
    name: 'versionCheck',
    says: "an in-place change of a tensor saved for backward raises PyTorch's version error; of an unsaved one, no error",
    arbitrary: () => programArb({ ...CORE, inPlace: true, cuts: true, kinks: true, constantLeaves: true, gradientArg: true, minMutations: 1 }),
    check: versionCheck,
    show,
    runs: 150,
  } satisfies PropertyDef<Program>,
  {
    name: 'secondDerivative',
    says: 'autograd.grad(create_graph=True) then grad again equals deriveNode applied twice to the forward expression',
    arbitrary: () => programArb({ ...CORE, kinks: true, maxSteps: 4 }),
    check: secondDerivative,
    show: (p) => {
      const first = firstBackwardOnly(p);
      const bw = backwardSteps(first)[0];
      if (!bw) return printProgram(p);
      const ev = evaluate(first);
      const leaf = [...ev.reachedLeaves(bw.root)][0];
      return leaf ? printProgram({ leaves: first.leaves, steps: [...first.steps.slice(0, -1), { kind: 'gradgrad', root: bw.root, leaf }] }) : printProgram(p);
    },
    runs: 100,
  } satisfies PropertyDef<Program>,
  {
    name: 'printingRoundTrips',
    says: 'every printed tensor parses back to its values within the printed precision (4 decimals, 5 significant digits)',
    arbitrary: () => printingArb,
    check: printingRoundTrips,
    show: (input) => ('tensor' in input ? `# formatTensor(${JSON.stringify(input.tensor.values)}, [${input.tensor.shape}], '${input.tensor.dtype}')\n` : printProgram(input.program)),
    runs: 200,
  } satisfies PropertyDef<PrintingInput>,
  {
    name: 'parserNeverCrashes',
    says: 'runScript on arbitrary text exits 0, 1 or 2 and never throws or prints a JavaScript error',
    arbitrary: () => textArb,
    check: parserNeverCrashes,
    show: (input) => textOf(input),
    runs: 300,
  } satisfies PropertyDef<TextInput>,
];

// ---------------------------------------------------------------------------
// Running

export interface RunOptions {
  seed?: number;
  runs?: number;
  /** fast-check's replay path (from a failure report). */
  path?: string;
  /** Called after each run (including shrinking runs). */
  onRun?: (done: number) => void;
  /** Stop at the first failure, without shrinking it (default: shrink). */
  noShrink?: boolean;
}

export interface RunOutcome {
  name: string;
  passed: boolean;
  runs: number;
  skipped: number;
  shrinks: number;
  timeMs: number;
  seed: number;
  path: string | null;
  /** The shrunk counterexample as runnable script(s). */
  counterexample: string | null;
  error: string | null;
  /** The command that replays the failure. */
  replay: string | null;
  /** Not run, and why (an engine property whose capabilities the engine lacks): neither passed nor failed. */
  notChecked?: string;
}

/** Seed used when none is given: fixed, so `dzdx props` is reproducible. */
export const DEFAULT_SEED = 20261128;

export function runProperty<I>(def: PropertyDef<I>, options: RunOptions = {}, replayExtra = ''): RunOutcome {
  const seed = options.seed ?? DEFAULT_SEED;
  const numRuns = options.runs ?? def.runs;
  let done = 0;
  const started = Date.now();
  const details = fc.check(
    fc.property(def.arbitrary(), (input) => {
      done++;
      options.onRun?.(done);
      def.check(input);
    }),
    { seed, numRuns, ...(options.path ? { path: options.path } : {}), maxSkipsPerRun: 1000, endOnFailure: options.noShrink ?? false },
  );
  return outcome(def.name, details, started, seed, (input: I) => def.show(input), replayExtra);
}

export function outcome<I>(name: string, details: fc.RunDetails<[I]>, started: number, seed: number, show: (input: I) => string, replayExtra: string): RunOutcome {
  const failed = details.failed;
  let counterexample: string | null = null;
  const err = details.errorInstance;
  if (failed && err instanceof PropertyFailure && err.script) {
    counterexample = err.script;
  } else if (failed && details.counterexample) {
    try {
      counterexample = show(details.counterexample[0]);
    } catch (e) {
      counterexample = `(could not print the counterexample: ${(e as Error).message})\n${JSON.stringify(details.counterexample[0])}`;
    }
  }
  const error = failed ? (err instanceof PropertyFailure ? err.message : err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err ?? 'failed')) : null;
  return {
    name,
    passed: !failed,
    runs: details.numRuns,
    skipped: details.numSkips,
    shrinks: details.numShrinks,
    timeMs: Date.now() - started,
    seed: details.seed,
    path: details.counterexamplePath,
    counterexample,
    error,
    replay: failed ? `npx dzdx props --property ${name} --seed ${details.seed}${details.counterexamplePath ? ` --path ${details.counterexamplePath}` : ''}${replayExtra}` : null,
  };
}

/** A failure as text: the property, what went wrong, the shrunk program as a script, the replay command. */
export function formatFailure(o: RunOutcome): string {
  return [
    `property ${o.name} failed after ${o.runs} runs and ${o.shrinks} shrinks (seed ${o.seed}):`,
    '',
    (o.error ?? '').trim(),
    '',
    'shrunk counterexample:',
    '',
    (o.counterexample ?? '').trimEnd(),
    '',
    `replay: ${o.replay}`,
  ].join('\n');
}

/** Run a property and throw a readable Error on failure (for vitest). */
export function assertProperty<I>(def: PropertyDef<I>, options: RunOptions = {}): RunOutcome {
  const o = runProperty(def, options);
  if (!o.passed) throw new Error(formatFailure(o));
  return o;
}

export function findProperty(name: string): PropertyDef<any> | undefined {
  return PROGRAM_PROPERTIES.find((p) => p.name === name);
}
