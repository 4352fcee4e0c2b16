/**
 * Our compiler from a mathjs tree to plain JavaScript closures.
 *
 * mathjs's own `evaluate` goes through typed-function dispatch on every
 * node (and would run functions of user text); these closures call Math.*
 * directly and are 40x+ faster. No `Function`, no `eval`.
 *
 * Trees built by the symbolic checker are DAGs: the same node object is
 * used in several places (`y = x*x; z = y*y` …). Compilation caches per node
 * object, so its size is linear in the number of distinct nodes, and every
 * shared node gets a slot that is computed once per call, in dependency
 * order, so evaluation is linear as well (a naive closure tree would
 * re-evaluate a depth-1000 chain of shared squares 2^1000 times).
 */
import type { MathNode } from 'mathjs';
import { EXTRA_FUNCTIONS } from './mathjs.js';

export type Values = Float64Array | readonly number[];
export type CompiledFormula = (values: Values) => number;
type Closure = (v: Values) => number;

export class CompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompileError';
  }
}

const x1 = (f: (x: number) => number) => f;
/** Every function a formula (or a derivative of one) may contain, by arity. */
const UNARY = new Map<string, (x: number) => number>([
  ['exp', Math.exp], ['expm1', Math.expm1], ['log', Math.log], ['log1p', Math.log1p],
  ['log2', Math.log2], ['log10', Math.log10], ['sqrt', Math.sqrt], ['cbrt', Math.cbrt],
  ['abs', Math.abs], ['sign', Math.sign],
  ['sin', Math.sin], ['cos', Math.cos], ['tan', Math.tan],
  ['asin', Math.asin], ['acos', Math.acos], ['atan', Math.atan],
  ['sinh', Math.sinh], ['cosh', Math.cosh], ['tanh', Math.tanh],
  ['asinh', Math.asinh], ['acosh', Math.acosh], ['atanh', Math.atanh],
  // mathjs's derivatives use the reciprocal functions (tan' = sec^2, tanh' = sech^2).
  ['sec', x1((x) => 1 / Math.cos(x))], ['csc', x1((x) => 1 / Math.sin(x))],
  ['cot', x1((x) => 1 / Math.tan(x))], ['sech', x1((x) => 1 / Math.cosh(x))],
  ['csch', x1((x) => 1 / Math.sinh(x))], ['coth', x1((x) => 1 / Math.tanh(x))],
  ['square', x1((x) => x * x)], ['cube', x1((x) => x * x * x)],
  ['floor', Math.floor], ['ceil', Math.ceil],
  ...(['sigmoid', 'relu', 'softplus', 'rsqrt', 'step', 'above', 'heaviside', 'erf', 'round', 'trunc', 'msqrt'] as const)
    .map((n) => [n, EXTRA_FUNCTIONS[n] as (x: number) => number] as const),
]);
const BINARY = new Map<string, (a: number, b: number) => number>([
  ['pow', Math.pow], ['atan2', Math.atan2],
  ['log', (x, base) => Math.log(x) / Math.log(base)],
  ['max', Math.max], ['maximum', Math.max], ['min', Math.min], ['minimum', Math.min],
  ['divz', EXTRA_FUNCTIONS.divz!],
]);
/** Comparisons and logic (the conditions of `pick`: pow's masks), as 1 or 0; NaN compares false, as in PyTorch. */
const LOGIC = new Map<string, (a: number, b: number) => boolean>([
  ['equal', (a, b) => a === b], ['unequal', (a, b) => a !== b],
  ['smaller', (a, b) => a < b], ['smallerEq', (a, b) => a <= b],
  ['larger', (a, b) => a > b], ['largerEq', (a, b) => a >= b],
  ['and', (a, b) => a !== 0 && b !== 0], ['or', (a, b) => a !== 0 || b !== 0],
]);
const TERNARY = new Map<string, (a: number, b: number, c: number) => number>([
  ['clamp', EXTRA_FUNCTIONS.clamp!], ['between', EXTRA_FUNCTIONS.between!],
  ['hardtanh', EXTRA_FUNCTIONS.hardtanh!], ['within', EXTRA_FUNCTIONS.within!], ['pick', EXTRA_FUNCTIONS.pick!], ['branch', EXTRA_FUNCTIONS.branch!],
]);
const CONSTANTS = new Map([['pi', Math.PI], ['e', Math.E]]);

export interface CompileStats {
  /** Distinct node objects compiled. */
  nodes: number;
  /** Closures created (at most two per distinct node). */
  closures: number;
  /** Shared nodes given a slot computed once per call. */
  slots: number;
}

type Node = MathNode & Record<string, unknown>;

/** Counts how many parents each distinct node has (for the DAG slots); a root counts as one. */
function countParents(roots: readonly MathNode[]): Map<MathNode, number> {
  const parents = new Map<MathNode, number>();
  const stack: MathNode[] = [];
  for (const root of roots) {
    const seen = parents.get(root);
    parents.set(root, (seen ?? 0) + 1);
    if (seen === undefined) stack.push(root);
  }
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const child of childrenOf(node)) {
      const seen = parents.get(child);
      parents.set(child, (seen ?? 0) + 1);
      if (seen === undefined) stack.push(child);
    }
  }
  return parents;
}

function childrenOf(node: MathNode): MathNode[] {
  const n = node as Node;
  switch (node.type) {
    case 'ParenthesisNode': return [n.content as MathNode];
    case 'AssignmentNode': return [n.value as MathNode];
    case 'OperatorNode':
    case 'FunctionNode': return n.args as MathNode[];
    default: return [];
  }
}

/** The variables a formula reads (symbols other than pi and e), each once; DAG-safe. */
export function freeVariables(root: MathNode): string[] {
  const names = new Set<string>();
  for (const node of countParents([root]).keys()) {
    const name = (node as Node).name;
    if (node.type === 'SymbolNode' && typeof name === 'string' && !CONSTANTS.has(name)) names.add(name);
  }
  return [...names];
}

export function compileNodeWithStats(
  root: MathNode,
  variables: readonly string[],
): { fn: CompiledFormula; stats: CompileStats } {
  const { tops, steps, stats } = compileRoots([root], variables);
  const top = tops[0]!;
  const fn: CompiledFormula =
    steps.length === 0
      ? top
      : (v) => {
          for (let k = 0; k < steps.length; k++) steps[k]!(v);
          return top(v);
        };
  return { fn, stats };
}

/**
 * Several formulas compiled together, evaluated together: the parts they
 * share (the gradient of each element of a layer runs through the same
 * forward pass) are compiled and computed once.
 */
export function compileNodes(roots: readonly MathNode[], variables: readonly string[]): (values: Values) => number[] {
  const { tops, steps } = compileRoots(roots, variables);
  return (v) => {
    for (let k = 0; k < steps.length; k++) steps[k]!(v);
    return tops.map((top) => top(v));
  };
}

/** Closures for the roots, and the steps that fill the slots of shared nodes (run first, in order). */
function compileRoots(
  roots: readonly MathNode[],
  variables: readonly string[],
): { tops: Closure[]; steps: ((v: Values) => void)[]; stats: CompileStats } {
  const index = new Map<string, number>();
  variables.forEach((name, i) => { if (!index.has(name)) index.set(name, i); });
  const parents = countParents(roots);
  const cache = new Map<MathNode, Closure>();
  const steps: ((v: Values) => void)[] = [];
  const stats: CompileStats = { nodes: 0, closures: 0, slots: 0 };
  const slots: number[] = [];

  const build = (node: MathNode): Closure => {
    const cached = cache.get(node);
    if (cached !== undefined) return cached;
    stats.nodes++;
    let f = direct(node as Node);
    const isLeaf = node.type === 'ConstantNode' || node.type === 'SymbolNode';
    if ((parents.get(node) ?? 0) > 1 && !isLeaf) {
      // Shared: compute once per call into a slot; parents read the slot.
      const s = stats.slots++;
      slots.push(0);
      const compute = f;
      steps.push((v) => { slots[s] = compute(v); });
      f = () => slots[s]!;
      stats.closures += 2;
    }
    cache.set(node, f);
    return f;
  };

  const direct = (n: Node): Closure => {
    switch (n.type) {
      case 'ConstantNode': {
        const value = n.value;
        if (typeof value !== 'number') throw new CompileError(`unsupported constant ${String(value)}`);
        stats.closures++;
        return constant(value);
      }
      case 'SymbolNode': {
        const name = n.name as string;
        const i = index.get(name);
        stats.closures++;
        if (i !== undefined) return (v) => v[i]!;
        const c = CONSTANTS.get(name);
        if (c === undefined) throw new CompileError(`unknown variable '${name}'`);
        return constant(c);
      }
      case 'ParenthesisNode': return build(n.content as MathNode);
      case 'AssignmentNode': return build(n.value as MathNode);
      case 'OperatorNode': return operator(n.fn as string, (n.args as MathNode[]).map(build));
      case 'FunctionNode': {
        const fnNode = n.fn as Node;
        const name = fnNode.type === 'SymbolNode' ? (fnNode.name as string) : '';
        return call(name, (n.args as MathNode[]).map(build));
      }
      default:
        throw new CompileError(`cannot compile ${n.type}`);
    }
  };

  // Closures are shared code, so their calls are megamorphic: specializing
  // constant operands and the common functions saves most of the calls.
  const constants = new Map<Closure, number>();
  const constant = (value: number): Closure => {
    const f: Closure = () => value;
    constants.set(f, value);
    return f;
  };

  const operator = (fn: string, a: Closure[]): Closure => {
    stats.closures++;
    const [p, q] = a as [Closure, Closure];
    if (a.length === 1) {
      if (fn === 'unaryMinus') return (v) => -p(v);
      if (fn === 'unaryPlus') return p;
      if (fn === 'not') return (v) => (p(v) === 0 ? 1 : 0);
    } else if (a.length === 2) {
      const c = constants.get(q);
      const k = constants.get(p);
      if (c !== undefined) {
        switch (fn) {
          case 'add': return (v) => p(v) + c;
          case 'subtract': return (v) => p(v) - c;
          case 'multiply': return (v) => p(v) * c;
          case 'divide': return (v) => p(v) / c;
          // Math.pow(x, 2) === x * x for every double; not so for other exponents.
          case 'pow': return c === 2 ? (v) => { const x = p(v); return x * x; } : (v) => Math.pow(p(v), c);
        }
      } else if (k !== undefined) {
        switch (fn) {
          case 'add': return (v) => k + q(v);
          case 'subtract': return (v) => k - q(v);
          case 'multiply': return (v) => k * q(v);
          case 'divide': return (v) => k / q(v);
          case 'pow': return (v) => Math.pow(k, q(v));
        }
      }
      switch (fn) {
        case 'add': return (v) => p(v) + q(v);
        case 'subtract': return (v) => p(v) - q(v);
        case 'multiply': return (v) => p(v) * q(v);
        case 'divide': return (v) => p(v) / q(v);
        case 'pow': return (v) => Math.pow(p(v), q(v));
      }
      const test = LOGIC.get(fn);
      if (test !== undefined) return (v) => (test(p(v), q(v)) ? 1 : 0);
    } else if (a.length > 2 && (fn === 'add' || fn === 'multiply')) {
      // simplify and derivative build n-ary sums and products.
      const add = fn === 'add';
      return (v) => {
        let acc = a[0]!(v);
        for (let k = 1; k < a.length; k++) acc = add ? acc + a[k]!(v) : acc * a[k]!(v);
        return acc;
      };
    }
    throw new CompileError(`unsupported operator ${fn} with ${a.length} operands`);
  };

  const call = (name: string, a: Closure[]): Closure => {
    stats.closures++;
    const [p, q, r] = a as [Closure, Closure, Closure];
    if (a.length === 1) {
      // The usual functions get their own closure (must agree with UNARY).
      switch (name) {
        case 'exp': return (v) => Math.exp(p(v));
        case 'log': return (v) => Math.log(p(v));
        case 'sin': return (v) => Math.sin(p(v));
        case 'cos': return (v) => Math.cos(p(v));
        case 'tanh': return (v) => Math.tanh(p(v));
        case 'sqrt': return (v) => Math.sqrt(p(v));
        case 'sigmoid': return (v) => 1 / (1 + Math.exp(-p(v)));
        case 'relu': return (v) => { const x = p(v); return x > 0 ? x : x <= 0 ? 0 : NaN; };
      }
      const f1 = UNARY.get(name);
      if (f1 !== undefined) return (v) => f1(p(v));
    }
    const f2 = a.length === 2 ? BINARY.get(name) : undefined;
    if (f2 !== undefined) return (v) => f2(p(v), q(v));
    const f3 = a.length === 3 ? TERNARY.get(name) : undefined;
    if (f3 !== undefined) return (v) => f3(p(v), q(v), r(v));
    if (name === 'zerocount') {
      return (v) => {
        let n = 0;
        for (let k = 0; k < a.length; k++) if (a[k]!(v) === 0) n++;
        return n;
      };
    }
    throw new CompileError(`unsupported function ${name} with ${a.length} argument(s)`);
  };

  return { tops: roots.map(build), steps, stats };
}

/**
 * Compiles a formula over `variables` (values are given in that order;
 * `pi` and `e` are constants unless listed as variables). Throws
 * CompileError on anything outside the supported node types and functions.
 */
export function compileNode(node: MathNode, variables: readonly string[]): CompiledFormula {
  return compileNodeWithStats(node, variables).fn;
}
