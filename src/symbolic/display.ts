/**
 * Showing a formula to people: a light, value-preserving tidy, and mathjs
 * `simplify` when it is cheap enough and provably harmless at sample points.
 *
 * mathjs simplify is slow and can change values:
 *  - simplifyCore simplifies the left side of every + and * twice, which is
 *    exponential in the length of a sum or product (21-69 s on ten terms);
 *    marking `add` and `multiply` non-trivial in the context makes that
 *    linear, but a single commutative rule pass can still take ~0.2 s, so we
 *    also interleave a deadline check between rules and give up past it;
 *  - `(x^2)^0.5` becomes `x` (mathjs issue 3329), so every simplified form
 *    is compared with the original at random points and dropped if it
 *    differs anywhere.
 */
import type { MathNode } from 'mathjs';
import { compileNode, freeVariables } from './compile.js';
import { getMath, nodeBuilders, TEX } from './mathjs.js';
import { combineLikeTerms } from './naming.js';

export interface DisplayOptions {
  /** Time allowed for simplify, in ms (a rule pass in progress may overrun it). */
  budgetMs?: number;
  /** Formulas larger than this (counting shared subtrees each time) are only tidied. */
  maxNodes?: number;
}

export interface DisplayedFormula {
  text: string;
  latex: string;
  /** Conventions a reader needs for the functions shown (`heaviside(0) = 1/2 …`). */
  conventions: string[];
  /** True when the shown form is mathjs's simplification (verified by evaluation). */
  simplified: boolean;
}

/** Beyond this many nodes (shared subtrees counted each time) a formula is not printed. */
const PRINT_LIMIT = 20_000;
const SAMPLE_POINTS = 20;
const REL_TOL = 1e-9;
const ABS_TOL = 1e-12;

type Node = MathNode & Record<string, unknown>;

/** The number of a constant (also `-c`), else undefined. */
function constValue(node: MathNode): number | undefined {
  const n = node as Node;
  if (node.type === 'ConstantNode' && typeof n.value === 'number') return n.value;
  if (node.type === 'OperatorNode' && n.fn === 'unaryMinus') {
    const inner = (n.args as MathNode[])[0]!;
    if (inner.type === 'ConstantNode' && typeof (inner as Node).value === 'number') return -((inner as Node).value as number);
  }
  return undefined;
}

const FOLD: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b, subtract: (a, b) => a - b, multiply: (a, b) => a * b,
  divide: (a, b) => a / b, pow: (a, b) => Math.pow(a, b),
};

/**
 * Value-preserving cleanup (memoized per node, so DAGs stay DAGs): drops
 * parentheses (printing adds the needed ones), `+ 0`, `* 1`, `/ 1`, `^ 1`,
 * `--x`, turns `a + -b` into `a - b`, and folds operations on two number
 * constants. Each rewrite gives the same IEEE result as evaluating the
 * original (up to the sign of a zero), so it is safe on the formulas the
 * checker evaluates: `0 * x` is kept (NaN for infinite x), and so is
 * `2 * (3 * x)` (two roundings). For display only, `dropZeroTerms` makes
 * `0 * x` and `0 / x` zero (what they are wherever x is finite), so the
 * terms they are in disappear.
 */
export function tidyNode(root: MathNode, options: { dropZeroTerms?: boolean } = {}): MathNode {
  const dropZeros = options.dropZeroTerms ?? false;
  const b = nodeBuilders();
  const memo = new Map<MathNode, MathNode>();
  const num = (v: number): MathNode => (v < 0 || Object.is(v, -0) ? b.op('-', 'unaryMinus', [b.num(-v)]) : b.num(v));
  const neg = (x: MathNode): MathNode => {
    const n = x as Node;
    if (x.type === 'OperatorNode' && n.fn === 'unaryMinus') return (n.args as MathNode[])[0]!;
    return b.op('-', 'unaryMinus', [x]);
  };
  const isNeg = (x: MathNode): boolean => x.type === 'OperatorNode' && (x as Node).fn === 'unaryMinus';
  const inner = (x: MathNode): MathNode => ((x as Node).args as MathNode[])[0]!;

  /** `keep` is returned when no rule applies (the original node when its arguments are unchanged). */
  const rewrite = (fn: string, op: string, args: MathNode[], keep: () => MathNode): MathNode => {
    if (args.length === 1) {
      if (fn === 'unaryPlus') return args[0]!;
      if (fn === 'unaryMinus') return neg(args[0]!);
      return keep();
    }
    if (args.length !== 2) return keep();
    const [x, y] = args as [MathNode, MathNode];
    const cx = constValue(x);
    const cy = constValue(y);
    const fold = FOLD[fn];
    if (cx !== undefined && cy !== undefined && fold !== undefined) {
      const v = fold(cx, cy);
      // Same IEEE operation as at run time; only keep short decimals readable.
      if (Number.isFinite(v) && String(v).length <= 12) return num(v);
    }
    switch (fn) {
      case 'add':
        if (cx === 0) return y;
        if (cy === 0) return x;
        if (isNeg(y)) return b.op('-', 'subtract', [x, inner(y)]);
        break;
      case 'subtract':
        if (cy === 0) return x;
        if (cx === 0) return neg(y);
        if (isNeg(y)) return b.op('+', 'add', [x, inner(y)]);
        break;
      case 'multiply':
        if (dropZeros && (cx === 0 || cy === 0)) return b.num(0);
        if (cx === 1) return y;
        if (cy === 1) return x;
        if (cx === -1) return neg(y);
        if (cy === -1) return neg(x);
        if (isNeg(x) || isNeg(y)) {
          const xs = isNeg(x) ? inner(x) : x;
          const ys = isNeg(y) ? inner(y) : y;
          const product = rewrite('multiply', '*', [xs, ys], () => b.op('*', 'multiply', [xs, ys]));
          return isNeg(x) && isNeg(y) ? product : neg(product);
        }
        break;
      case 'divide':
        if (dropZeros && cx === 0) return b.num(0);
        if (cy === 1) return x;
        break;
      case 'pow':
        if (cy === 1) return x;
        if (cy === 0) return b.num(1);
        break;
    }
    return keep();
  };

  const tidy = (node: MathNode): MathNode => {
    const done = memo.get(node);
    if (done !== undefined) return done;
    const n = node as Node;
    let out: MathNode;
    switch (node.type) {
      case 'ParenthesisNode': out = tidy(n.content as MathNode); break;
      case 'OperatorNode': {
        const args = (n.args as MathNode[]).map(tidy);
        const keep = () => (same(args, n.args) ? node : b.op(n.op as string, n.fn as string, args));
        out = rewrite(n.fn as string, n.op as string, args, keep);
        break;
      }
      case 'FunctionNode': {
        const args = (n.args as MathNode[]).map(tidy);
        const fnNode = n.fn as Node;
        out = same(args, n.args) || fnNode.type !== 'SymbolNode' ? node : b.call(fnNode.name as string, args);
        break;
      }
      default: out = node;
    }
    memo.set(node, out);
    return out;
  };
  return tidy(root);
}

function same(a: readonly MathNode[], b: unknown): boolean {
  return a.every((x, i) => x === (b as MathNode[])[i]);
}

/** Node count with shared subtrees counted each time they occur (what printing would emit). */
export function printedSize(root: MathNode): number {
  const memo = new Map<MathNode, number>();
  const size = (node: MathNode): number => {
    const known = memo.get(node);
    if (known !== undefined) return known;
    const n = node as Node;
    let s = 1;
    if (node.type === 'ParenthesisNode') s += size(n.content as MathNode);
    else if (node.type === 'OperatorNode' || node.type === 'FunctionNode') {
      for (const a of n.args as MathNode[]) s += size(a);
    }
    memo.set(node, s);
    return s;
  };
  return size(root);
}

/** Deterministic PRNG (mulberry32), so a display never depends on luck. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function close(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true; // also equal infinities
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false; // else Infinity <= 1e-9 * Infinity
  return Math.abs(a - b) <= Math.max(REL_TOL * Math.max(Math.abs(a), Math.abs(b)), ABS_TOL);
}

/**
 * True when both formulas give the same values (relative tolerance 1e-9,
 * both NaN counting as equal) at `points` random points, half in [-3, 3],
 * half of magnitude 0.1 to 30. Points where both are NaN prove nothing, so
 * up to 3x as many are tried until `minDefined` points had a value; false
 * when that never happens, or when either formula cannot be compiled.
 */
export function sameValues(a: MathNode, b: MathNode, points = SAMPLE_POINTS, minDefined = 5): boolean {
  const variables = [...new Set([...freeVariables(a), ...freeVariables(b)])];
  let fa, fb;
  try {
    fa = compileNode(a, variables);
    fb = compileNode(b, variables);
  } catch {
    return false;
  }
  const rand = random(0x5eed);
  const values = new Float64Array(variables.length);
  let defined = 0;
  for (let p = 0; p < points || (defined < minDefined && p < 3 * points); p++) {
    for (let k = 0; k < values.length; k++) {
      values[k] = p % 2 === 0 ? rand() * 6 - 3 : (rand() < 0.5 ? -1 : 1) * 10 ** (rand() * 2.5 - 1);
    }
    const va = fa(values);
    const vb = fb(values);
    if (!close(va, vb)) return false;
    if (!Number.isNaN(va)) defined++;
  }
  return defined >= minDefined;
}

class OutOfTime extends Error {}

/** The most operands in one flattened sum (a + b - c …) or product (a * b / c …). */
function widestChain(root: MathNode): number {
  const family = (node: MathNode): string | null => {
    const n = node as Node;
    if (node.type !== 'OperatorNode' || (n.args as MathNode[]).length < 2) return null;
    if (n.fn === 'add' || n.fn === 'subtract') return '+';
    return n.fn === 'multiply' || n.fn === 'divide' ? '*' : null;
  };
  const memo = new Map<MathNode, number>(); // operands of the chain rooted at a node
  let widest = 1;
  const visit = (node: MathNode): number => {
    const known = memo.get(node);
    if (known !== undefined) return known;
    const n = node as Node;
    const f = family(node);
    let width = 0;
    const children = node.type === 'ParenthesisNode' ? [n.content as MathNode] : ((n.args as MathNode[] | undefined) ?? []);
    for (const child of children) {
      const w = visit(child);
      width += f !== null && family(child) === f ? w : 1;
    }
    const own = f === null ? 1 : width;
    memo.set(node, own);
    widest = Math.max(widest, own);
    return own;
  };
  visit(root);
  return widest;
}

/**
 * A guess of the longest single rule pass of simplify, in ms, before any is
 * measured. Measured on mathjs 15.2: about 0.25 ms per node, growing with the
 * square of the widest sum or product (rules like n3*n1 + n3*n2 try pairs of
 * operands): a 16-term sum of 160 nodes takes 0.2 s a pass, a 1,800-node
 * nested product 0.45 s.
 */
function expectedPassMs(node: MathNode, size: number): number {
  return 0.25 * size * Math.max(1, widestChain(node) / 6) ** 2;
}

/**
 * mathjs simplify, abandoned between two rules once the deadline has passed
 * or the longest rule pass so far would not fit before it.
 */
function simplifyWithin(node: MathNode, deadline: number, expectedPassMs: number): MathNode | null {
  const math = getMath();
  let last = performance.now();
  let longest = expectedPassMs;
  if (last + longest > deadline) return null;
  const check = (n: MathNode): MathNode => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (now + longest > deadline) throw new OutOfTime();
    return n;
  };
  const rules = math.simplify.rules.flatMap((rule) => [check, rule]);
  // Non-trivial add/multiply: stops simplifyCore's exponential re-simplification.
  const context = { add: { trivial: false }, multiply: { trivial: false } };
  try {
    // (The typings want all four properties; mathjs falls back to its default context.)
    return math.simplify(node, rules, new Map(), { context } as never);
  } catch {
    return null; // out of time, or mathjs failed (deep recursion, unsupported node)
  }
}

/**
 * mathjs simplify within `budgetMs` (a rule pass in progress may overrun
 * it; one expected not to fit is not started), or null when out of time.
 */
export function simplifyWithinBudget(node: MathNode, budgetMs: number): MathNode | null {
  return simplifyWithin(node, performance.now() + budgetMs, expectedPassMs(node, printedSize(node)));
}

/**
 * LaTeX, memoized per node: mathjs's FunctionNode.toTex prints its
 * arguments twice, which takes 2^depth for nested calls (hours at 30 levels).
 */
function latexOf(node: MathNode): string {
  const memo = new Map<MathNode, string>();
  const handler = (n: MathNode, options: object): string => {
    let tex = memo.get(n);
    if (tex === undefined) {
      const call = n as MathNode & { fn?: { name?: string }; args?: MathNode[] };
      const custom = n.type === 'FunctionNode' && call.args?.length === 1 ? TEX[call.fn?.name ?? ''] : undefined;
      tex = custom ? custom(call.args![0]!.toTex(options)) : (n as unknown as { _toTex(o: object): string })._toTex(options);
      memo.set(n, tex);
    }
    return tex;
  };
  return node.toTex({ handler } as never);
}

/**
 * A float32 constant written as the short decimal it was rounded from
 * (`1.100000023841858` is float32's 1.1): the values rows give the exact
 * numbers, the formula should read as the script does.
 */
export function shortConstants(root: MathNode): MathNode {
  const b = nodeBuilders();
  return root.transform((n: MathNode) => {
    const v = (n as Node).value;
    if (n.type !== 'ConstantNode' || typeof v !== 'number' || String(v).length <= 12 || Math.fround(v) !== v) return n;
    for (let digits = 1; digits <= 8; digits++) {
      const short = Number(v.toPrecision(digits));
      if (Math.fround(short) === v) return b.num(short);
    }
    return n;
  });
}

/** What heaviside is at 0: the one value of dzdx's helpers a reader cannot guess. */
export const HEAVISIDE_AT_ZERO = 'heaviside(0) = 1/2: PyTorch splits a tie of max or min between the two';

/**
 * dzdx's helper functions written as a reader knows them: relu's
 * derivative `above(u)` and clamp's `step(u)` as `(u > 0)`, clamp's
 * `between(x, lo, hi)` as `(lo <= x <= hi)`. Display only (the checker
 * evaluates the helpers, whose NaN handling is PyTorch's).
 */
function readableHelpers(root: MathNode): { node: MathNode; heaviside: boolean } {
  const m = getMath();
  let heaviside = false;
  const node = root.transform((n: MathNode) => {
    if (n.type !== 'FunctionNode') return n;
    const { fn, args } = n as MathNode & { fn: { name: string }; args: MathNode[] };
    if ((fn.name === 'above' || fn.name === 'step') && args.length === 1) {
      return new m.ParenthesisNode(new m.OperatorNode('>', 'larger', [args[0]!, new m.ConstantNode(0)]));
    }
    if (fn.name === 'between' && args.length === 3) {
      return new m.ParenthesisNode(new m.RelationalNode(['smallerEq', 'smallerEq'], [args[1]!, args[0]!, args[2]!]));
    }
    if (fn.name === 'heaviside') heaviside = true;
    return n;
  });
  return { node, heaviside };
}

/** Text and LaTeX of a tree as shown (short constants, readable helpers), or a note when too deep to print. */
export function printed(node: MathNode, simplified = false): DisplayedFormula {
  try {
    const shown = readableHelpers(combineLikeTerms(shortConstants(node)));
    return { text: shown.node.toString(), latex: latexOf(shown.node), conventions: shown.heaviside ? [HEAVISIDE_AT_ZERO] : [], simplified };
  } catch {
    // mathjs prints recursively: a chain thousands of levels deep overflows.
    return { text: '(formula too deep to display)', latex: '\\text{(formula too deep to display)}', conventions: [], simplified: false };
  }
}

/**
 * The tree to show for a formula: simplified by mathjs when that fits the
 * budget and gives the same values at random points, else tidied; terms
 * with a zero factor left out (see tidyNode). Not printed (see
 * displayFormula), so very large trees can still be named (naming.ts).
 */
export function displayTree(node: MathNode, options: DisplayOptions = {}): { node: MathNode; size: number; simplified: boolean } {
  const { budgetMs = 200, maxNodes = 2000 } = options;
  const deadline = performance.now() + budgetMs;
  const tidy = tidyNode(node, { dropZeroTerms: true });
  const size = printedSize(tidy);
  if (size <= maxNodes) {
    const simple = simplifyWithin(tidy, deadline, expectedPassMs(tidy, size));
    // Only a strictly smaller form is worth showing instead of the exact structure.
    const simpleSize = simple === null ? size : printedSize(simple);
    if (simple !== null && simpleSize < size && sameValues(tidy, simple)) return { node: simple, size: simpleSize, simplified: true };
  }
  return { node: tidy, size, simplified: false };
}

/** Text and LaTeX for a formula (displayTree, printed). */
export function displayFormula(node: MathNode, options: DisplayOptions = {}): DisplayedFormula {
  const shown = displayTree(node, options);
  if (shown.size > PRINT_LIMIT) {
    const note = `formula of more than ${PRINT_LIMIT} nodes, too large to display`;
    return { text: `(${note})`, latex: `\\text{(${note})}`, conventions: [], simplified: false };
  }
  return printed(shown.node, shown.simplified);
}
