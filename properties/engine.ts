/**
 * Run the property suite against ANY autograd engine.
 *
 * Write an adapter (a module whose default export is an `AutogradEngine`,
 * properties/engine-api.ts; or a child process speaking the line protocol
 * of docs/engine-protocol.md), then `npx dzdx props --engine ./my-engine.js`
 * (or `--engine-cmd "python3 my_adapter.py"`). Programs are generated from
 * the ops and capabilities the engine declares, run on it step by step,
 * and compared with PyTorch's semantics (dzdx's symbolic expected gradients
 * of the same program printed as a PyTorch script, and the errors PyTorch
 * raises). A property whose capabilities the engine lacks is "not checked".
 */
import fc from 'fast-check';
import { CORE, programArb, type ProgramOptions } from './arbitraries.js';
import { capabilitiesOf, engineProblem, EngineFailure, type AutogradEngine, type Capability } from './engine-api.js';
import { allClose, counterexampleScript, expectedRun, fmt, runAndCompare, tolerance } from './engine-run.js';
import { evaluate, firstBackwardOnly, numelOf, opSpecs, printProgram, withGradient, type BackwardStep, type Program, type Step } from './program.js';
import { DEFAULT_SEED, outcome, PropertyFailure, type RunOptions, type RunOutcome } from './suite.js';

export * from './engine-api.js';

/** The program options for an engine: its ops, shapes, dtypes and what its capabilities allow. */
export function engineOptions(engine: AutogradEngine<any>, extra: ProgramOptions = {}): ProgramOptions {
  const problem = engineProblem(engine);
  if (problem) throw new Error(`engine ${engine.name ?? '(no name)'}: ${problem}`);
  const caps = capabilitiesOf(engine);
  const known = new Set(opSpecs().keys());
  const ops = engine.ops.filter((o) => known.has(o));
  if (ops.length === 0) throw new Error(`engine ${engine.name}: none of its ops (${engine.ops.join(', ')}) is one dzdx generates (${[...known].join(', ')})`);
  if (!ops.includes('sum') && !ops.includes('mean')) throw new Error(`engine ${engine.name}: the suite needs a sum or mean op (to make scalar roots)`);
  return {
    ...CORE,
    kinks: true,
    ops,
    broadcasting: caps.has('broadcasting'),
    maxRank: engine.maxRank ?? 2,
    dtypes: engine.dtypes ?? ['float32', 'float64'],
    gradientArg: true,
    constantLeaves: caps.has('constantLeaves'),
    accept: (op, attrs, shapes) => {
      const kind = opSpecs().get(op)?.kind;
      if (kind === 'reduce' && (attrs.dim ?? -1) >= 0 && !caps.has('reduceDims')) return false;
      if ((kind === 'elementwise' || kind === 'where') && !caps.has('broadcasting') && shapes.some((s) => s.join() !== shapes[0]!.join())) return false;
      return true;
    },
    ...extra,
  };
}

function engineFailure(engine: AutogradEngine<any>, message: string): never {
  throw new PropertyFailure(`engine ${engine.name}: ${message}`);
}

const NOTE = 'the failing sequence; python3 (with PyTorch) prints the engine\'s values next to PyTorch\'s';

/** The whole program on the engine, step by step, equals PyTorch's behaviour (values, requires_grad, grads, errors). */
export async function programMatchesPyTorch(engine: AutogradEngine<any>, p: Program): Promise<void> {
  const expected = expectedRun(p);
  fc.pre(expected !== null);
  const m = await runAndCompare(engine, p, expected!);
  if (m) throw new PropertyFailure(`engine ${engine.name}: ${m.message}`, counterexampleScript(expected!, m, `dzdx props: ${NOTE} (engine ${engine.name})`));
}

const lastBackward = (p: Program) => p.steps.at(-1) as BackwardStep;

/** Two backward calls accumulate, and after `zero_()` / `= None` (resetGrad) one more gives the first gradient. */
export function accumulationProgram(p: Program, resets: boolean): Program {
  const base = firstBackwardOnly(p);
  const bw = { ...lastBackward(base), retainGraph: true };
  const leaf = [...evaluate(base).reachedLeaves(bw.root)][0];
  const steps: Step[] = [...base.steps.slice(0, -1), bw, bw];
  if (resets && leaf) steps.push({ kind: 'reset', leaf, how: 'zero_' }, bw, { kind: 'reset', leaf, how: 'none' }, bw);
  return { leaves: base.leaves, steps };
}

/** A second backward on the same graph, the first with or without retain_graph. */
export function secondBackwardProgram(p: Program, retain: boolean): Program {
  const base = firstBackwardOnly(p);
  const bw = lastBackward(base);
  return { leaves: base.leaves, steps: [...base.steps.slice(0, -1), { ...bw, retainGraph: retain }, { ...bw, retainGraph: false }] };
}

/** The program with every leaf a constant (requires_grad=False): backward raises PyTorch's no-grad error. */
export function allConstant(p: Program): Program {
  return { leaves: p.leaves.map((l) => ({ ...l, requiresGrad: false })), steps: p.steps };
}

/** A program's value steps and its first backward on the engine: the grads of the leaves that require grad. */
async function gradsOnEngine<T>(engine: AutogradEngine<T>, p: Program): Promise<Map<string, number[] | null>> {
  await engine.reset?.();
  const tensors = new Map<string, T>();
  for (const l of p.leaves) tensors.set(l.name, await engine.leaf([...l.values], [...l.shape], l.dtype, l.requiresGrad));
  for (const s of p.steps) {
    if (s.kind === 'value') tensors.set(s.name, await engine.op(s.op, s.args.map((a) => ('ref' in a ? tensors.get(a.ref)! : a.num)), { ...s.attrs }));
    else if (s.kind === 'backward') {
      await engine.backward(tensors.get(s.root)!, s.gradient ? [...s.gradient] : undefined);
      break;
    }
  }
  const out = new Map<string, number[] | null>();
  for (const l of p.leaves.filter((x) => x.requiresGrad)) out.set(l.name, await engine.grad(tensors.get(l.name)!));
  return out;
}

export interface EngineLinearInput {
  program: Program;
  g1: number[];
  g2: number[];
  a: number;
  b: number;
}

/** backward(a·g1 + b·g2) = a·backward(g1) + b·backward(g2) on the engine. */
export async function engineLinearInGradient(engine: AutogradEngine<any>, input: EngineLinearInput): Promise<void> {
  const base = firstBackwardOnly(input.program);
  const bw = base.steps.at(-1);
  fc.pre(bw?.kind === 'backward');
  const root = evaluate(base).get((bw as BackwardStep).root);
  fc.pre(!root.isLeaf && root.requiresGrad);
  const n = numelOf(root.shape);
  const g1 = Array.from({ length: n }, (_, i) => input.g1[i % input.g1.length]!);
  const g2 = Array.from({ length: n }, (_, i) => input.g2[i % input.g2.length]!);
  const mix = g1.map((v, i) => input.a * v + input.b * g2[i]!);
  const r1 = await gradsOnEngine(engine, withGradient(base, g1));
  const r2 = await gradsOnEngine(engine, withGradient(base, g2));
  const r3 = await gradsOnEngine(engine, withGradient(base, mix));
  const { rtol, atol } = tolerance(base.leaves.some((l) => l.dtype === 'float32'));
  for (const [name, got] of r3) {
    const x = r1.get(name);
    const y = r2.get(name);
    if (!got || !x || !y) continue;
    const combined = x.map((v, i) => input.a * v + input.b * y[i]!);
    if (!allClose(got, combined, rtol * 10, atol * 10)) {
      engineFailure(engine, `${name}: backward(${input.a}·g1 + ${input.b}·g2) gave ${fmt(got)}, ${input.a}·backward(g1) + ${input.b}·backward(g2) = ${fmt(combined)}`);
    }
  }
}

export interface EngineProperty<I = any> {
  name: string;
  says: string;
  /** Capabilities it needs, all of them; `anyOf`: at least one of those. Without them: not checked. */
  needs: readonly Capability[];
  anyOf?: readonly Capability[];
  arbitrary(engine: AutogradEngine<any>): fc.Arbitrary<I>;
  check(engine: AutogradEngine<any>, input: I): Promise<void>;
  show(input: I): string;
  runs: number;
}

const gradientPool = fc.array(fc.integer({ min: -4, max: 4 }).map((k) => k / 2 + 0), { minLength: 1, maxLength: 6 });
const caps = (engine: AutogradEngine<any>) => capabilitiesOf(engine);
const cutKindsOf = (engine: AutogradEngine<any>) => {
  const c = caps(engine);
  return [c.has('noGrad') ? 'no_grad' : null, c.has('detach') ? 'detach' : null, c.has('data') ? 'data' : null].filter((k) => k !== null);
};
const programProperty = (def: Omit<EngineProperty<Program>, 'check' | 'show'>): EngineProperty<Program> => ({ ...def, check: programMatchesPyTorch, show: printProgram });

/** The engine properties; each runs only when the engine has the capabilities it needs. */
export const ENGINE_PROPERTIES: EngineProperty[] = [
  programProperty({
    name: 'engineGradientsEqualExpected',
    says: "values, requires_grad and gradients equal PyTorch's (kinks, broadcasting, reductions, matmul, ties, gradient arguments, constant leaves)",
    needs: [],
    arbitrary: (engine) => programArb(engineOptions(engine)),
    runs: 400,
  }),
  {
    name: 'engineAccumulates',
    says: 'two backward calls (retain_graph) give twice the gradient; after grad.zero_() and grad = None, the first again',
    needs: ['retainGraph'],
    arbitrary: (engine) => programArb(engineOptions(engine)).map((p) => accumulationProgram(p, caps(engine).has('resetGrad'))),
    check: programMatchesPyTorch,
    show: printProgram,
    runs: 150,
  } satisfies EngineProperty<Program>,
  {
    name: 'engineLinearInGradient',
    says: 'backward(a·g1 + b·g2) = a·backward(g1) + b·backward(g2)',
    needs: [],
    arbitrary: (engine) => fc.record({ program: programArb({ ...engineOptions(engine), constantLeaves: false }), g1: gradientPool, g2: gradientPool, a: fc.constantFrom(1, 2, -1, 0.5), b: fc.constantFrom(1, -1, 0.5, 2) }),
    check: engineLinearInGradient,
    show: (input: EngineLinearInput) => `# a = ${input.a}, b = ${input.b}, g1 = ${JSON.stringify(input.g1)}, g2 = ${JSON.stringify(input.g2)} (cycled to the root's size)\n${printProgram(firstBackwardOnly(input.program))}`,
    runs: 100,
  } satisfies EngineProperty<EngineLinearInput>,
  {
    name: 'engineRequiresGrad',
    says: 'a result requires grad when some operand does; backward from a tensor that does not require grad raises the no-grad error',
    needs: ['constantLeaves'],
    arbitrary: (engine) =>
      fc.record({ program: programArb({ ...engineOptions(engine), constantLeaves: true }), constant: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }) })
        .map(({ program, constant }) => (constant ? allConstant(program) : program)),
    check: programMatchesPyTorch,
    show: printProgram,
    runs: 150,
  } satisfies EngineProperty<Program>,
  programProperty({
    name: 'engineCuts',
    says: 'values made under no_grad, by detach() or read through .data are constants for the gradient',
    needs: [],
    anyOf: ['noGrad', 'detach', 'data'],
    arbitrary: (engine) => programArb({ ...engineOptions(engine), cuts: cutKindsOf(engine) as ('no_grad' | 'detach' | 'data')[] }),
    runs: 200,
  }),
  programProperty({
    name: 'engineDataMutation',
    says: '.data writes are live: ops that saved the tensor compute with its new values (2 * x unaffected, x ** 2 affected); no version error',
    needs: ['data'],
    arbitrary: (engine) => programArb({ ...engineOptions(engine), dataMutations: true, minMutations: 1 }),
    runs: 200,
  }),
  programProperty({
    name: 'engineVersionCounter',
    says: "an in-place op on a tensor an op saved makes backward raise PyTorch's version error; on an unsaved one, none",
    needs: ['inPlace'],
    arbitrary: (engine) => programArb({ ...engineOptions(engine), inPlace: true, minMutations: 1 }),
    runs: 200,
  }),
  {
    name: 'engineFreedGraph',
    says: "a backward without retain_graph frees the saved tensors: another backward through them raises PyTorch's error (with retain_graph, it accumulates)",
    needs: ['freeGraph'],
    arbitrary: (engine) =>
      fc.record({ program: programArb(engineOptions(engine)), retain: caps(engine).has('retainGraph') ? fc.boolean() : fc.constant(false) })
        .map(({ program, retain }) => secondBackwardProgram(program, retain)),
    check: programMatchesPyTorch,
    show: printProgram,
    runs: 150,
  } satisfies EngineProperty<Program>,
  programProperty({
    name: 'engineCreateGraph',
    says: 'backward(create_graph=True) gives grads with a history; a backward from them gives the second derivatives',
    needs: ['createGraph'],
    arbitrary: (engine) => programArb({ ...engineOptions(engine), gradgrad: 'backward', gradientArg: false }),
    runs: 150,
  }),
];

/** Why `def` cannot run on `engine` (a capability it lacks), or null. */
export function missingCapabilities(def: EngineProperty, engine: AutogradEngine<any>): string | null {
  const c = caps(engine);
  const missing = def.needs.filter((n) => !c.has(n));
  if (missing.length) return `the engine does not declare ${missing.join(', ')}`;
  if (def.anyOf && !def.anyOf.some((n) => c.has(n))) return `the engine declares none of ${def.anyOf.join(', ')}`;
  return null;
}

/** An outcome for a property that did not run. */
export function notCheckedOutcome(name: string, why: string, seed: number): RunOutcome {
  return { name, passed: false, runs: 0, skipped: 0, shrinks: 0, timeMs: 0, seed, path: null, counterexample: null, error: null, replay: null, notChecked: why };
}

/**
 * Run one engine property under fast-check. When the engine itself fails
 * (a child process crashed, hung or broke the protocol), the property
 * stops there: the outcome names what happened and the program that was
 * running, unshrunk.
 */
export async function runEngineProperty(def: EngineProperty, engine: AutogradEngine<any>, options: RunOptions = {}, replayExtra = ''): Promise<RunOutcome> {
  const seed = options.seed ?? DEFAULT_SEED;
  const why = missingCapabilities(def, engine);
  if (why) return notCheckedOutcome(def.name, why, seed);
  let done = 0;
  let fatal: EngineFailure | null = null;
  const started = Date.now();
  const details = await fc.check(
    fc.asyncProperty(def.arbitrary(engine), async (input) => {
      if (fatal) return; // the engine is gone: later runs pass, so fast-check keeps the first failure
      done++;
      options.onRun?.(done);
      try {
        await def.check(engine, input);
      } catch (e) {
        if (e instanceof EngineFailure) fatal = e;
        throw e;
      }
    }),
    { seed, numRuns: options.runs ?? def.runs, ...(options.path ? { path: options.path } : {}), maxSkipsPerRun: 1000, endOnFailure: options.noShrink ?? false },
  );
  const o = outcome(def.name, details, started, seed, def.show, replayExtra);
  if (fatal) return { ...o, error: `the engine failed: ${(fatal as EngineFailure).message}`, replay: o.replay };
  return o;
}

/** Load an adapter module: its default export (or `engine` export). */
export async function loadEngine(file: string): Promise<AutogradEngine<any>> {
  const { pathToFileURL } = await import('node:url');
  const { resolve } = await import('node:path');
  const mod = (await import(pathToFileURL(resolve(file)).href)) as { default?: AutogradEngine<any>; engine?: AutogradEngine<any> };
  const engine = mod.default ?? mod.engine;
  if (!engine || typeof engine !== 'object') throw new Error(`${file}: the default export is not an AutogradEngine (name, ops, leaf, op, backward, grad)`);
  const problem = engineProblem(engine);
  if (problem) throw new Error(`${file}: the default export is not an AutogradEngine as declared: ${problem}`);
  return engine;
}
