/**
 * Run the property suite against ANY autograd engine.
 *
 * Write an adapter (a module whose default export is an `AutogradEngine`),
 * then `npx dzdx props --engine ./my-engine.js`. The runner generates
 * programs from the ops the engine declares, runs each on the engine
 * (leaves, ops, backward, grads) and compares the engine's gradients with
 * dzdx's symbolic expected gradients for the same program printed as a
 * PyTorch script (`check(printProgram(p))`), so an engine is held to
 * PyTorch's semantics, kinks included (relu'(0) = 0, abs'(0) = 0, clamp's
 * bounds inclusive, maximum's ties split in half).
 */
import fc from 'fast-check';
import { check } from '../src/check/check.js';
import { CORE, programArb, type ProgramOptions } from './arbitraries.js';
import { evaluate, firstBackwardOnly, numelOf, opSpecs, printProgram, withGradient, type Program, type ValueStep } from './program.js';
import { DEFAULT_SEED, outcome, PropertyFailure, type RunOptions, type RunOutcome } from './suite.js';

export type EngineDType = 'float32' | 'float64';

/**
 * An autograd engine, as the property suite sees it. `T` is the engine's
 * tensor (or value) type.
 *
 * Op names and operand order are those of dzdx's op registry
 * (`registry.get(name).symbolic.form`, with `a`, `b` the operands):
 * `add sub mul div neg exp log sin cos tanh sigmoid relu sqrt abs …`;
 * `rsub(a, n)` is `n - a`; `pow(a)` takes `attrs.exponent`;
 * `clamp(a)` takes `attrs.min` and `attrs.max`; `where(c, a, b)` is
 * `c > attrs.threshold ? a : b`; `sum(a)` / `mean(a)` take `attrs.dim`
 * (-1: all elements) and `attrs.keepdim` (0/1); `matmul(a, b)`;
 * `select(a)` takes `attrs.dim`, `attrs.index`; `slice(a)` takes
 * `attrs.start`, `attrs.stop` (along dim 0). An operand may be a plain
 * number (a Python scalar) where the op allows one.
 */
export interface AutogradEngine<T = unknown> {
  /** Shown in reports. */
  name: string;
  /** The ops it implements; programs are generated from these only. */
  ops: readonly string[];
  /** Binary ops broadcast tensors of different shapes; default false (same shapes, and numbers). */
  broadcasting?: boolean;
  /** `sum`/`mean` over one dim (attrs.dim >= 0); default false (all elements only). */
  reduceDims?: boolean;
  /** Dtypes of the leaves it gets; default both. An engine computing in doubles says `['float64']`. */
  dtypes?: readonly EngineDType[];
  /** A leaf tensor (row-major values). */
  leaf(values: number[], shape: number[], dtype: EngineDType, requiresGrad: boolean): T;
  /** An op applied to earlier tensors or numbers. */
  op(name: string, inputs: (T | number)[], attrs?: Record<string, number>): T;
  /** Backpropagate from `root`, accumulating into the leaves' grads; `gradient` (row-major, root's shape) seeds it, default 1 for a scalar root. Must allow a second call on the same graph (PyTorch's retain_graph=True). */
  backward(root: T, gradient?: number[]): void;
  /** A leaf's accumulated gradient (row-major), or null when none reached it. */
  grad(leaf: T): number[] | null;
  /** Reset a leaf's gradient (as `x.grad.zero_()` / `x.grad = None`). */
  zeroGrad?(leaf: T): void;
}

/** The program options for an engine: its ops, shapes and dtypes, no cuts or mutations. */
export function engineOptions(engine: AutogradEngine<any>, extra: ProgramOptions = {}): ProgramOptions {
  const known = new Set(opSpecs().keys());
  const ops = engine.ops.filter((o) => known.has(o));
  if (ops.length === 0) throw new Error(`engine ${engine.name}: none of its ops (${engine.ops.join(', ')}) is one dzdx generates (${[...known].join(', ')})`);
  const reduce = ops.includes('sum') ? 'sum' : ops.includes('mean') ? 'mean' : null;
  if (reduce === null) throw new Error(`engine ${engine.name}: the suite needs a sum or mean op (to make scalar roots)`);
  return {
    ...CORE,
    kinks: true,
    ops,
    broadcasting: engine.broadcasting ?? false,
    maxRank: engine.broadcasting ? 2 : 1,
    dtypes: engine.dtypes ?? ['float32', 'float64'],
    gradientArg: true,
    accept: (op, attrs, shapes) => {
      if ((op === 'sum' || op === 'mean') && (attrs.dim ?? -1) >= 0 && !engine.reduceDims) return false;
      if (!engine.broadcasting && shapes.some((s) => s.join() !== shapes[0]!.join())) return false;
      return true;
    },
    ...extra,
  };
}

/** Run a program's value steps and its first backward on an engine; the leaves' grads by name. */
export function runOnEngine<T>(engine: AutogradEngine<T>, p: Program, times = 1, resetBetween = false): Map<string, (number[] | null)[]> {
  const values = new Map<string, T>();
  const leaves = new Map<string, T>();
  for (const l of p.leaves) {
    const t = engine.leaf([...l.values], [...l.shape], l.dtype, l.requiresGrad);
    values.set(l.name, t);
    if (l.requiresGrad) leaves.set(l.name, t);
  }
  const grads = new Map<string, (number[] | null)[]>([...leaves.keys()].map((n) => [n, []]));
  for (const s of p.steps) {
    if (s.kind === 'value') {
      if (s.cut) throw new Error('runOnEngine: cuts are not part of the engine subset');
      const inputs = s.args.map((a) => ('ref' in a ? values.get(a.ref)! : a.num));
      values.set(s.name, engine.op(s.op, inputs, { ...s.attrs }));
    } else if (s.kind === 'backward') {
      for (let i = 0; i < times; i++) {
        if (i > 0 && resetBetween) for (const t of leaves.values()) engine.zeroGrad?.(t);
        engine.backward(values.get(s.root)!, s.gradient ? [...s.gradient] : undefined);
        for (const [n, t] of leaves) {
          const g = engine.grad(t);
          grads.get(n)!.push(g ? [...g] : null);
        }
      }
      return grads;
    } else {
      throw new Error(`runOnEngine: ${s.kind} steps are not part of the engine subset`);
    }
  }
  return grads;
}

/** dzdx's symbolic expected gradients of a program's first backward call, by leaf name. */
export function expectedGradients(p: Program): Map<string, number[]> | null {
  const report = check(printProgram(firstBackwardOnly(p)), { formulas: false });
  const call = report.calls.find((c) => c.kind === 'backward');
  if (!call || call.actualError || call.expectedError?.length) return null;
  return new Map(call.targets.map((t) => [t.name, t.expected]));
}

function tolerance(p: Program) {
  return p.leaves.some((l) => l.dtype === 'float32') ? { rtol: 1e-4, atol: 1e-5 } : { rtol: 1e-6, atol: 1e-9 };
}

function allClose(a: readonly number[], b: readonly number[], rtol: number, atol: number): boolean {
  const scale = Math.max(1, ...a.map(Math.abs).filter(Number.isFinite), ...b.map(Math.abs).filter(Number.isFinite));
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

const fmt = (v: readonly number[] | null) => (v ? `[${v.map((x) => (Number.isInteger(x) ? String(x) : x.toPrecision(6))).join(', ')}]` : 'None');

function engineFailure(engine: AutogradEngine<any>, message: string): never {
  throw new PropertyFailure(`engine ${engine.name}: ${message}`);
}

/** The engine's gradients equal dzdx's symbolic expected ones. */
export function gradientsEqualExpected(engine: AutogradEngine<any>, p: Program): void {
  const expected = expectedGradients(p);
  fc.pre(expected !== null);
  const got = runOnEngine(engine, firstBackwardOnly(p));
  const { rtol, atol } = tolerance(p);
  for (const [name, grads] of got) {
    const want = expected!.get(name) ?? null;
    const g = grads[0] ?? null;
    const wantOrZero = want ?? null;
    if (wantOrZero === null) {
      if (g && g.some((v) => v !== 0)) engineFailure(engine, `${name}.grad should be None (or zero): nothing reaches it; the engine has ${fmt(g)}`);
      continue;
    }
    if (!g || !allClose(g, wantOrZero, rtol, atol)) engineFailure(engine, `${name}.grad is ${fmt(g)}, expected ${fmt(wantOrZero)}`);
  }
}

/** Two backward calls accumulate exactly twice the gradient; zeroGrad (if the engine has it) resets. */
export function engineAccumulates(engine: AutogradEngine<any>, p: Program): void {
  const expected = expectedGradients(p);
  fc.pre(expected !== null);
  const first = firstBackwardOnly(p);
  const twice = runOnEngine(engine, first, 2);
  for (const [name, [g1, g2]] of twice) {
    if (!g1 || !g2) continue;
    if (!allClose(g2, g1.map((v) => 2 * v), 1e-12, 1e-12)) engineFailure(engine, `after two backward calls ${name}.grad is ${fmt(g2)}, not twice the first ${fmt(g1)}`);
  }
  if (!engine.zeroGrad) return;
  const reset = runOnEngine(engine, first, 2, true);
  for (const [name, [g1, g2]] of reset) {
    if (!g1) continue;
    if (!g2 || !allClose(g2, g1, 1e-12, 1e-12)) engineFailure(engine, `after zeroGrad and a second backward ${name}.grad is ${fmt(g2)}, not the first ${fmt(g1)}`);
  }
}

export interface EngineLinearInput {
  program: Program;
  g1: number[];
  g2: number[];
  a: number;
  b: number;
}

/** backward(a·g1 + b·g2) = a·backward(g1) + b·backward(g2) on the engine. */
export function engineLinearInGradient(engine: AutogradEngine<any>, input: EngineLinearInput): void {
  const base = firstBackwardOnly(input.program);
  const bw = base.steps.find((s) => s.kind === 'backward');
  fc.pre(!!bw && bw.kind === 'backward');
  const root = evaluate(base).get((bw as { root: string }).root);
  const n = numelOf(root.shape);
  const g1 = Array.from({ length: n }, (_, i) => input.g1[i % input.g1.length]!);
  const g2 = Array.from({ length: n }, (_, i) => input.g2[i % input.g2.length]!);
  const mix = g1.map((v, i) => input.a * v + input.b * g2[i]!);
  const [r1, r2, r3] = [g1, g2, mix].map((g) => runOnEngine(engine, withGradient(base, g)));
  const { rtol, atol } = tolerance(base);
  for (const [name, [got]] of r3!) {
    const x = r1!.get(name)?.[0];
    const y = r2!.get(name)?.[0];
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
  arbitrary(engine: AutogradEngine<any>): fc.Arbitrary<I>;
  check(engine: AutogradEngine<any>, input: I): void;
  show(input: I): string;
  runs: number;
}

const gradientPool = fc.array(fc.integer({ min: -4, max: 4 }).map((k) => k / 2 + 0), { minLength: 1, maxLength: 6 });

/** The properties that make sense for any engine. */
export const ENGINE_PROPERTIES: EngineProperty[] = [
  {
    name: 'engineGradientsEqualExpected',
    says: "the engine's gradients equal dzdx's symbolic expected gradients (PyTorch's semantics, kinks included)",
    arbitrary: (engine) => programArb(engineOptions(engine)),
    check: gradientsEqualExpected,
    show: (p: Program) => printProgram(firstBackwardOnly(p)),
    runs: 300,
  } satisfies EngineProperty<Program>,
  {
    name: 'engineAccumulates',
    says: 'two backward calls give exactly twice the gradient; zeroGrad resets it',
    arbitrary: (engine) => programArb(engineOptions(engine)),
    check: engineAccumulates,
    show: (p: Program) => printProgram(firstBackwardOnly(p)),
    runs: 100,
  } satisfies EngineProperty<Program>,
  {
    name: 'engineLinearInGradient',
    says: 'backward(a·g1 + b·g2) = a·backward(g1) + b·backward(g2)',
    arbitrary: (engine) =>
      fc.record({
        program: programArb({ ...engineOptions(engine), gradientArg: true }),
        g1: gradientPool,
        g2: gradientPool,
        a: fc.constantFrom(1, 2, -1, 0.5),
        b: fc.constantFrom(1, -1, 0.5, 2),
      }),
    check: engineLinearInGradient,
    show: (input: EngineLinearInput) => `# a = ${input.a}, b = ${input.b}, g1 = ${JSON.stringify(input.g1)}, g2 = ${JSON.stringify(input.g2)} (cycled to the root's size)\n${printProgram(firstBackwardOnly(input.program))}`,
    runs: 100,
  } satisfies EngineProperty<EngineLinearInput>,
];

/** Run one engine property under fast-check; the outcome's replay names the engine file when given. */
export function runEngineProperty(def: EngineProperty, engine: AutogradEngine<any>, options: RunOptions = {}, engineFile?: string): RunOutcome {
  const seed = options.seed ?? DEFAULT_SEED;
  let done = 0;
  const started = Date.now();
  const details = fc.check(
    fc.property(def.arbitrary(engine), (input) => {
      done++;
      options.onRun?.(done);
      def.check(engine, input);
    }),
    { seed, numRuns: options.runs ?? def.runs, ...(options.path ? { path: options.path } : {}), maxSkipsPerRun: 1000 },
  );
  return outcome(def.name, details, started, seed, def.show, engineFile ? ` --engine ${engineFile}` : '');
}

/** Load an adapter module: its default export (or `engine` export). */
export async function loadEngine(file: string): Promise<AutogradEngine<any>> {
  const { pathToFileURL } = await import('node:url');
  const { resolve } = await import('node:path');
  const mod = (await import(pathToFileURL(resolve(file)).href)) as { default?: AutogradEngine<any>; engine?: AutogradEngine<any> };
  const engine = mod.default ?? mod.engine;
  if (!engine || typeof engine.op !== 'function' || typeof engine.leaf !== 'function' || typeof engine.backward !== 'function' || typeof engine.grad !== 'function') {
    throw new Error(`${file}: the default export is not an AutogradEngine (name, ops, leaf, op, backward, grad)`);
  }
  return engine;
}

export type { ValueStep };
