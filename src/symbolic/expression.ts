/**
 * Parsing of untrusted, user-typed formulas (`z = x^2 + x^3`, `2*x + 3*x**2`).
 *
 * Two passes, both before anything else sees the text:
 *  1. our own scanner, which knows the positions mathjs trees lack: it
 *     rejects every character and construct outside the subset, bounds size
 *     and nesting BEFORE mathjs's recursive-descent parser runs (so
 *     `((((…` or `x^x^x^…` cannot overflow its stack), and rewrites
 *     Python's `**` to `^`;
 *  2. mathjs `parse`, then an allow-list walk over the tree (defence in
 *     depth: it repeats every check the scanner makes).
 * Nothing is evaluated by mathjs; compile.ts turns the tree into closures.
 */
import type { MathNode } from 'mathjs';
import { EXTRA_FUNCTIONS, getMath } from './mathjs.js';

export const EXPRESSION_LIMITS = {
  maxChars: 10_000,
  /** Brackets, function calls, `^` towers and unary signs. */
  maxNesting: 100,
  maxNodes: 5_000,
  /** Tree depth counting long sums/products, which recurse in mathjs too. */
  maxTreeDepth: 1_000,
  /** Largest magnitude of a literal exponent (`x^1e9` is refused). */
  maxExponent: 1_000,
} as const;

/** Functions a user formula may call, with their [min, max] argument counts. */
export const USER_FUNCTIONS: ReadonlyMap<string, readonly [number, number]> = new Map<string, readonly [number, number]>([
  ...['exp', 'sin', 'cos', 'tan', 'tanh', 'sqrt', 'abs', 'sigmoid', 'relu', 'softplus', 'square', 'rsqrt']
    .map((n) => [n, [1, 1]] as const),
  ['log', [1, 2]], ['clamp', [3, 3]],
  ...['max', 'maximum', 'min', 'minimum'].map((n) => [n, [2, 2]] as const),
]);

type Node = MathNode & Record<string, unknown>;

const FORBIDDEN_NAMES = new Set(['constructor', '__proto__', 'prototype']);
/** Words mathjs's parser reads as operators (`x mod y`, `5 cm to inch`). */
const KEYWORDS = new Set(['mod', 'to', 'in', 'and', 'or', 'xor', 'not']);
const OPERATORS = new Map([
  ['add', '+'], ['subtract', '-'], ['multiply', '*'], ['divide', '/'], ['pow', '^'],
  ['unaryMinus', '-'], ['unaryPlus', '+'],
]);

/** An error at a position in a user's text: 0-based `index`, 1-based `line` and `col` (as script errors). */
export class TextPositionError extends Error {
  readonly index: number;
  readonly line: number;
  readonly col: number;

  constructor(message: string, text: string, index: number) {
    super(message);
    this.index = Math.max(0, Math.min(index, text.length));
    const before = text.slice(0, this.index).split(/\r\n|\r|\n/);
    this.line = before.length;
    this.col = before[before.length - 1]!.length + 1;
  }
}

export class ExpressionError extends TextPositionError {
  constructor(message: string, text: string, index: number) {
    super(message, text, index);
    this.name = 'ExpressionError';
  }
}

export interface ParsedExpression {
  readonly text: string;
  /** `z` for `z = x^2`; null when the text is a bare formula. */
  readonly target: string | null;
  /** The formula (the right-hand side of an assignment). */
  readonly node: MathNode;
  /** Free symbols in order of first appearance, without the constants pi and e. */
  readonly variables: readonly string[];
}

/** Why `name` may not be a variable, or null when it may. */
function badSymbol(name: string): string | null {
  if (FORBIDDEN_NAMES.has(name)) return `the name '${name}' is not allowed`;
  if (KEYWORDS.has(name)) return `'${name}' is not supported`;
  if (name === 'pi' || name === 'e') return null;
  if (name in getMath() || name in EXTRA_FUNCTIONS) return `'${name}' is a mathjs function or constant; it cannot be a variable`;
  return null;
}

interface Frame {
  call: { name: string; index: number; args: number; empty: boolean } | null;
  chain: number; // open `^` and unary operators in this bracket
  adds: number; // + and - so far in this bracket (left-deep chain)
  muls: number; // * and / in the current term
}

const NUMBER = /[0-9]*\.?[0-9]*(?:[eE][+-]?[0-9]+)?/y;
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;

/** Pass 1. Returns the text for mathjs (same length: positions carry over). */
function scan(text: string, numbers: Map<number, number>): string {
  const L = EXPRESSION_LIMITS;
  const fail = (message: string, index: number): never => {
    throw new ExpressionError(message, text, index);
  };
  const out = text.split('');
  const frames: Frame[] = [{ call: null, chain: 0, adds: 0, muls: 0 }];
  let top = frames[0]!;
  let expectOperand = true;
  let afterPow = false; // the operand after `^` (through unary signs)
  let pendingCall: Frame['call'] = null;
  let tokens = 0;
  let targetSeen = false;
  let nodes = 0;
  const grow = (index: number, nodeCount = 1): void => {
    nodes += nodeCount;
    if (nodes > L.maxNodes) fail(`expression too large (more than ${L.maxNodes} nodes)`, index);
    let nesting = frames.length - 1;
    let depth = frames.length - 1;
    for (const f of frames) { nesting += f.chain; depth += f.chain + f.adds + f.muls; }
    if (nesting > L.maxNesting) fail(`expression nested too deeply (more than ${L.maxNesting} levels)`, index);
    if (depth > L.maxTreeDepth) fail(`expression too deep (more than ${L.maxTreeDepth} levels of sums and products)`, index);
  };
  const operand = (index: number): void => {
    if (!expectOperand) fail("implicit multiplication is not supported: write '*'", index);
    if (top.call) top.call.empty = false;
  };

  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const start = i;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      // mathjs ends a statement at a newline outside brackets: make it a space.
      out[i] = ' ';
      i++;
      continue;
    }
    tokens++;
    const wasAfterPow: boolean = afterPow;
    afterPow = false;
    if ((c >= '0' && c <= '9') || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text)!;
      i += m[0].length;
      if (text[i] === '.') fail('malformed number', i);
      // mathjs reads `2.^x` as the elementwise `2 .^ x`.
      if (m[0].endsWith('.') && /[*/^']/.test(text[i] ?? '')) {
        fail('elementwise operators are not supported', i - 1);
      }
      operand(start);
      const value = Number(m[0]);
      if (!Number.isFinite(value)) fail('number out of range', start);
      if (wasAfterPow && Math.abs(value) > L.maxExponent) {
        fail(`exponent too large (magnitude above ${L.maxExponent})`, start);
      }
      if (!numbers.has(value)) numbers.set(value, start);
      grow(start);
      expectOperand = false;
    } else if (/[A-Za-z_]/.test(c)) {
      IDENTIFIER.lastIndex = i;
      const m = IDENTIFIER.exec(text)!;
      const name = m[0];
      i += name.length;
      if (KEYWORDS.has(name)) fail(`'${name}' is not supported`, start);
      operand(start);
      let j = i;
      while (text[j] === ' ' || text[j] === '\t') j++;
      if (text[j] === '(') {
        if (!USER_FUNCTIONS.has(name)) fail(`unknown function '${name}'`, start);
        pendingCall = { name, index: start, args: 0, empty: true };
        grow(start);
      } else {
        const why = badSymbol(name);
        if (why !== null) fail(why, start);
        grow(start);
        expectOperand = false;
      }
    } else if (c === '(') {
      if (pendingCall === null) operand(start);
      frames.push((top = { call: pendingCall, chain: 0, adds: 0, muls: 0 }));
      grow(start, pendingCall === null ? 1 : 0);
      pendingCall = null;
      expectOperand = true;
      i++;
    } else if (c === ')') {
      if (frames.length === 1) fail("unmatched ')'", start);
      const call = frames.pop()!.call;
      top = frames[frames.length - 1]!;
      if (call !== null) {
        const args = call.empty ? 0 : call.args + 1;
        const [lo, hi] = USER_FUNCTIONS.get(call.name)!;
        if (args < lo || args > hi) {
          const want = lo === hi ? `${lo}` : `${lo} or ${hi}`;
          fail(`${call.name} takes ${want} argument${hi === 1 ? '' : 's'}, not ${args}`, call.index);
        }
      }
      expectOperand = false;
      i++;
    } else if (c === ',') {
      if (top.call === null) return fail("unexpected ','", start);
      top.call.args++;
      top.chain = top.adds = top.muls = 0;
      expectOperand = true;
      i++;
    } else if (c === '+' || c === '-') {
      if (expectOperand) {
        top.chain++; // unary sign: binds tighter than * and +
        afterPow = wasAfterPow;
      } else {
        top.chain = top.muls = 0;
        top.adds++;
      }
      grow(start);
      expectOperand = true;
      i++;
    } else if (c === '*' || c === '/' || c === '^') {
      if (c === '*' && text[i + 1] === '*') {
        out[i] = '^'; // Python's power operator; the space keeps positions
        out[++i] = ' ';
      }
      if (out[start] === '^') {
        top.chain++; // right-associative: x^y^z nests
        afterPow = true;
      } else {
        top.chain = 0;
        top.muls++;
      }
      grow(start);
      expectOperand = true;
      i++;
    } else if (c === '=') {
      if (text[i + 1] === '=') fail("comparisons are not supported", start);
      if (targetSeen || frames.length > 1 || tokens !== 2 || expectOperand) {
        fail("'=' is only allowed as 'name = formula'", start);
      }
      targetSeen = true;
      expectOperand = true;
      i++;
    } else if (c === '.') {
      fail("unexpected '.' (property access and elementwise operators are not supported)", start);
    } else {
      fail(`unexpected character ${JSON.stringify(c)}`, start);
    }
  }
  return out.join('');
}

/** Pass 2: allow-list walk over the mathjs tree. */
function validate(root: MathNode, text: string, numbers: Map<number, number>): ParsedExpression {
  const L = EXPRESSION_LIMITS;
  const fail = (message: string, index = 0): never => {
    throw new ExpressionError(message, text, index);
  };
  const variables: string[] = [];
  let nodes = 0;
  const walk = (node: MathNode, nesting: number, depth: number): void => {
    if (++nodes > L.maxNodes) fail(`expression too large (more than ${L.maxNodes} nodes)`);
    if (nesting > L.maxNesting) fail(`expression nested too deeply (more than ${L.maxNesting} levels)`);
    if (depth > L.maxTreeDepth) fail(`expression too deep (more than ${L.maxTreeDepth} levels)`);
    const n = node as Node;
    switch (node.type) {
      case 'ConstantNode':
        if (typeof n.value !== 'number' || !Number.isFinite(n.value)) fail('only finite numbers are allowed');
        return;
      case 'SymbolNode': {
        const name = n.name as string;
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(`invalid name '${name}'`);
        const why = badSymbol(name);
        if (why !== null) fail(why, text.indexOf(name));
        if (name !== 'pi' && name !== 'e' && !variables.includes(name)) variables.push(name);
        return;
      }
      case 'ParenthesisNode':
        walk(n.content as MathNode, nesting + 1, depth + 1);
        return;
      case 'OperatorNode': {
        const args = n.args as MathNode[];
        const fn = n.fn as string;
        const unary = fn === 'unaryMinus' || fn === 'unaryPlus';
        if (OPERATORS.get(fn) !== n.op || n.implicit === true || args.length !== (unary ? 1 : 2)) {
          fail(`operator '${String(n.op)}' is not supported`);
        }
        if (fn === 'pow') {
          let e = args[1] as Node;
          while (e.type === 'ParenthesisNode' || (e.type === 'OperatorNode' && (e.args as MathNode[]).length === 1)) {
            e = (e.type === 'ParenthesisNode' ? e.content : (e.args as MathNode[])[0]) as Node;
          }
          const v = e.value;
          if (e.type === 'ConstantNode' && typeof v === 'number' && Math.abs(v) > L.maxExponent) {
            fail(`exponent too large (magnitude above ${L.maxExponent})`, numbers.get(v) ?? 0);
          }
        }
        const flat = fn === 'add' || fn === 'subtract' || fn === 'multiply' || fn === 'divide';
        for (const a of args) walk(a, nesting + (flat ? 0 : 1), depth + 1);
        return;
      }
      case 'FunctionNode': {
        const fnNode = n.fn as Node;
        const name = fnNode.type === 'SymbolNode' ? (fnNode.name as string) : '';
        const arity = USER_FUNCTIONS.get(name);
        const args = n.args as MathNode[];
        if (arity === undefined) fail(`unknown function '${name}'`, name ? text.indexOf(name) : 0);
        if (args.length < arity![0] || args.length > arity![1]) fail(`wrong number of arguments to ${name}`, text.indexOf(name));
        for (const a of args) walk(a, nesting + 1, depth + 1);
        return;
      }
      default:
        fail(`${node.type} is not supported`);
    }
  };

  let target: string | null = null;
  let node = root;
  if (root.type === 'AssignmentNode') {
    const a = root as Node;
    const object = a.object as Node;
    if (object.type !== 'SymbolNode' || a.index) fail("'=' is only allowed as 'name = formula'");
    target = object.name as string;
    const why = badSymbol(target);
    if (why !== null || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(target)) fail(why ?? `invalid name '${target}'`);
    node = a.value as MathNode;
  }
  walk(node, 0, 0);
  return { text, target, node, variables };
}

/** Parses and validates an untrusted formula; throws ExpressionError with a position. */
export function parseUserExpression(text: string): ParsedExpression {
  if (typeof text !== 'string') throw new ExpressionError('expression must be a string', '', 0);
  if (text.length > EXPRESSION_LIMITS.maxChars) {
    throw new ExpressionError(`expression too long (more than ${EXPRESSION_LIMITS.maxChars} characters)`, text, EXPRESSION_LIMITS.maxChars);
  }
  if (text.trim() === '') throw new ExpressionError('empty expression', text, 0);
  const numbers = new Map<number, number>();
  const mathText = scan(text, numbers);
  let root: MathNode;
  try {
    root = getMath().parse(mathText);
  } catch (err) {
    const char = (err as { char?: unknown }).char;
    const message = err instanceof Error ? err.message.replace(/ \(char \d+\)$/, '') : 'syntax error';
    throw new ExpressionError(message, text, typeof char === 'number' ? char - 1 : 0);
  }
  return validate(root, text, numbers);
}
