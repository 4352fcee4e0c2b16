/**
 * The one place that loads mathjs.
 *
 * `import 'mathjs'` costs 1.1-1.5 s (hundreds of ESM files); the single-file
 * browser build loads in ~80 ms, so we require that, and only when the
 * symbolic side is first used: `dzdx run` never pays for it.
 *
 * We work on our own instance, created from the library's default one, so
 * that registering our functions (sigmoid, relu, the derivative helpers)
 * never mutates the shared default instance other code may hold. Nothing
 * from user text is ever evaluated by either instance: user formulas are
 * parsed, validated and compiled by our own code (expression.ts, compile.ts).
 */
import { createRequire } from 'node:module';
import type { ConfigOptions, MathJsInstance, MathNode } from 'mathjs';
import { erf, roundHalfEven } from '../tensor/special.js';

let shared: MathJsInstance | undefined;
let own: MathJsInstance | undefined;

/** The library's default instance. Never mutated by dzdx; exposed so tests can check that. */
export function sharedMath(): MathJsInstance {
  if (shared === undefined) {
    const require = createRequire(import.meta.url);
    shared = require('mathjs/lib/browser/math.js') as MathJsInstance;
  }
  return shared;
}

/**
 * Scalar versions of the functions dzdx adds. They are registered only so
 * that mathjs can print them (LaTeX) and so that tests can compare our
 * compiler with mathjs evaluation; compile.ts has its own implementations
 * and must agree with these.
 */
export const EXTRA_FUNCTIONS: Readonly<Record<string, (...args: number[]) => number>> = {
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  // NaN stays NaN (PyTorch's relu(nan) is nan).
  relu: (x) => (x > 0 ? x : x <= 0 ? 0 : NaN),
  // PyTorch's softplus (beta 1, threshold 20): linear above the threshold.
  softplus: (x) => (x > 20 ? x : Math.log1p(Math.exp(x))),
  clamp: (x, lo, hi) => Math.min(Math.max(x, lo), hi),
  maximum: (a, b) => Math.max(a, b),
  minimum: (a, b) => Math.min(a, b),
  rsqrt: (x) => 1 / Math.sqrt(x),
  // Derivative helpers (see derive.ts): indicator functions with PyTorch's
  // values at the kinks.
  step: (x) => (x > 0 ? 1 : x <= 0 ? 0 : NaN),
  // PyTorch's threshold kernels (relu's backward) test `y <= 0`, so a NaN lets the gradient through.
  above: (x) => (x <= 0 ? 0 : 1),
  heaviside: (x) => (x > 0 ? 1 : x < 0 ? 0 : x === 0 ? 0.5 : NaN),
  between: (x, lo, hi) =>
    Number.isNaN(x) || Number.isNaN(lo) || Number.isNaN(hi) ? NaN : lo <= x && x <= hi ? 1 : 0,
  // hardtanh's backward lets the gradient through strictly inside the bounds (`x <= lo || x >= hi ? 0 : g`).
  hardtanh: (x, lo, hi) => (Number.isNaN(x) ? x : Math.min(Math.max(x, lo), hi)),
  within: (x, lo, hi) => (x <= lo || x >= hi ? 0 : 1),
  erf,
  // sqrt whose derivative is 0 where it is 0 (std's and the 2-norm's backward mask that point).
  msqrt: Math.sqrt,
  // c ? a : b (a backward formula's branch on a saved value, as prod's on zeros).
  pick: (c, a, b) => (c !== 0 ? a : b),
  // a / b, and 0 where b = 0 (the masked divisions of PyTorch's backward formulas).
  divz: (a, b) => (b === 0 ? 0 : a / b),
  // torch.round rounds half to even.
  round: roundHalfEven,
  trunc: Math.trunc,
};

/** LaTeX for the added functions that have a usual notation (display.ts prints them). */
export const TEX: Readonly<Record<string, (arg: string) => string>> = {
  sigmoid: (arg) => `\\sigma\\left(${arg}\\right)`,
  rsqrt: (arg) => `\\frac{1}{\\sqrt{${arg}}}`,
  msqrt: (arg) => `\\sqrt{${arg}}`,
};

/**
 * dzdx's own mathjs instance (created on first use): parse, node classes,
 * derivative, simplify, toTex. Our functions are not imported into it:
 * `math.import` costs more than loading mathjs (it builds every lazy
 * function), and nothing needs them there: compile.ts evaluates them,
 * derive.ts differentiates them, simplify treats them as opaque calls and
 * display.ts prints their LaTeX.
 */
export function getMath(): MathJsInstance {
  if (own === undefined) {
    // On an instance, `create` is already bound to the library's factories:
    // its one argument is the config (the typings describe the unbound form).
    const create = sharedMath().create as unknown as (config?: ConfigOptions) => MathJsInstance;
    own = create({});
    // dzdx's formulas have no units. Unit is an optional dependency of
    // SymbolNode; left out, building the node classes skips the Unit class
    // and the typed functions it needs (round, ceil, fix, floor, ...: about
    // half of the cost of the first derivative), and a variable named like
    // a unit (b, m, s) prints as itself in LaTeX, not as \mathrm{b}.
    (own as { Unit?: unknown }).Unit = undefined;
  }
  return own;
}

/** Node constructors of our instance, with plain signatures (mathjs's typings are generic-heavy). */
export interface NodeBuilders {
  num(value: number): MathNode;
  sym(name: string): MathNode;
  op(op: string, fn: string, args: MathNode[]): MathNode;
  call(name: string, args: MathNode[]): MathNode;
}

let builders: NodeBuilders | undefined;

export function nodeBuilders(): NodeBuilders {
  if (builders === undefined) {
    const m = getMath();
    const Op = m.OperatorNode as unknown as new (op: string, fn: string, args: MathNode[]) => MathNode;
    const Fn = m.FunctionNode as unknown as new (fn: MathNode, args: MathNode[]) => MathNode;
    builders = {
      num: (value) => new m.ConstantNode(value),
      sym: (name) => new m.SymbolNode(name),
      op: (op, fn, args) => new Op(op, fn, args),
      call: (name, args) => new Fn(new m.SymbolNode(name), args),
    };
  }
  return builders;
}
