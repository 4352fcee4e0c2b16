/**
 * Quick expressions: `dzdx check -e "z = x^2 + x^3" --at "x=[[1,2],[3,4]]"`
 * and `dzdx diff "x^2 + x^3" --wrt x`.
 *
 * The gradient of sum(z) with respect to each variable, three ways, as
 * `dzdx check` does for scripts:
 *  - actual: the expression run on the tape (the functional ops, each
 *    variable a leaf tensor), then `z.backward(onesLike(z))`;
 *  - expected: the symbolic derivative (derive.ts) of the formula, compiled
 *    (compile.ts) and evaluated elementwise at the broadcast values, summed
 *    back to each variable's shape;
 *  - finite differences: central differences of the compiled formula in
 *    float64.
 *
 * User text goes through parseUserExpression (an allow-list) and is run only
 * by our code (the tape, our compiler): never by mathjs's evaluate.
 */
import type { MathNode } from 'mathjs';
import '../ops/index.js';
import '../ops/methods.js';
import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../autograd/tensor.js';
import * as F from '../ops/functional.js';
import { NDArray } from '../tensor/ndarray.js';
import { compileNode, compileNodeWithStats, freeVariables } from '../symbolic/compile.js';
import { deriveNode } from '../symbolic/derive.js';
import { ExpressionError, parseUserExpression, type ParsedExpression } from '../symbolic/expression.js';
import { AtValuesError, parseAtEntries, renderAt, type AtEntry, type NestedNumbers } from './at-values.js';
import { compareWith, DEFAULT_TOLERANCES, type Tolerances } from './compare.js';
import { differences } from './explain.js';
import { displayElementwise, EMPTY_DISPLAY } from './display.js';
import { centralDifferences } from './fd.js';
import { nested } from './report.js';

export { AtValuesError, ExpressionError };

/** A bad request with no position in the user's text (`--wrt` naming no variable of the expression). */
export class ExpressionUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpressionUsageError';
  }
}

export const EXPRESSION_CHECK_LIMITS = {
  /** Elements of the broadcast shape of the values. */
  maxElements: 1_000_000,
  /** Elements times formula nodes: the tape's work and memory. */
  maxTapeWork: 10_000_000,
  /** Elements times the nodes of every formula evaluated (derivatives, finite differences). */
  maxEvalWork: 100_000_000,
  /** Variables of one expression (each is derived and displayed separately). */
  maxVariables: 64,
  /** Time for simplifying the displayed formulas, over all variables, in ms. */
  displayBudgetMs: 1_000,
} as const;

export type ExpressionDType = 'float32' | 'float64';

/** Values of the variables: a record (`{ x: [[1, 2], [3, 4]] }`) or `--at` text (`"x=[[1,2],[3,4]]"`). */
export type AtValues = Record<string, NestedNumbers> | string;

export interface ExpressionCheckOptions {
  /** dtype of the leaf tensors on the tape (float64 unless said). */
  dtype?: ExpressionDType;
  tolerances?: Partial<Tolerances>;
  /** Show formulas (simplified for display within a budget); off for the fastest check. */
  formulas?: boolean;
}

export interface ExpressionGradient {
  name: string;
  /** The variable's shape (its gradient's shape). */
  shape: number[];
  /** ∂z/∂name elementwise, written with the variable names, as the report prints it (src/check/display.ts). */
  formula: string;
  latex: string;
  /** The whole formula, unbounded. */
  fullFormula: string;
  fullLatex: string;
  /** Row-major, summed back over the dims the variable was broadcast along. */
  expected: number[];
  actual: number[];
  finiteDifferences: number[];
  maxAbsError: number;
  maxRelError: number;
  /** expected against actual. */
  verdict: 'agree' | 'disagree';
  /** Whether finite differences agree with expected (they need not at a kink). */
  finiteDifferencesAgree: boolean;
  /** Why finite differences differ (kinks), or why a value is missing. */
  notes: string[];
}

export interface ExpressionReport {
  expression: string;
  /** `z` of `z = …`, or null. */
  target: string | null;
  /** In order of first appearance. */
  variables: string[];
  dtype: ExpressionDType;
  /** The broadcast shape of the values: the shape of z. */
  shape: number[];
  /** z on the tape, row-major. */
  value: number[];
  gradients: ExpressionGradient[];
  /** Every gradient agrees (expected = actual). */
  ok: boolean;
  exitCode: 0 | 1;
}

type Node = MathNode & Record<string, unknown>;

/** Offset of the first use of `name` as a variable in the expression text. */
function variableIndex(text: string, name: string): number {
  const re = new RegExp(`(?<![A-Za-z0-9_.])${name}(?![A-Za-z0-9_])`, 'g');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    let j = m.index + name.length;
    while (text[j] === ' ' || text[j] === '\t') j++;
    if (text[j] !== '(' && text[j] !== '=') return m.index;
  }
  return 0;
}

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const shapeText = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** The broadcast of two shapes, or null when they do not broadcast. */
function broadcast(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** For each element of `full` (row-major), the element of `shape` broadcast onto it. */
function broadcastIndex(shape: readonly number[], full: readonly number[]): Int32Array {
  const n = numel(full);
  const out = new Int32Array(n);
  const lead = full.length - shape.length;
  const strides = new Array<number>(full.length).fill(0);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d + lead] = shape[d] === 1 ? 0 : s;
    s *= shape[d]!;
  }
  const idx = new Array<number>(full.length).fill(0);
  let src = 0;
  for (let k = 0; k < n; k++) {
    out[k] = src;
    for (let d = full.length - 1; d >= 0; d--) {
      idx[d]!++;
      src += strides[d]!;
      if (idx[d]! < full[d]!) break;
      src -= strides[d]! * idx[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** Distinct nodes of a tree (iterative: trees may be 1,000 levels deep). */
function countNodes(root: MathNode): number {
  let count = 0;
  const stack: MathNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()! as Node;
    count++;
    if (n.type === 'ParenthesisNode') stack.push(n.content as MathNode);
    else if (n.type === 'OperatorNode' || n.type === 'FunctionNode') stack.push(...(n.args as MathNode[]));
  }
  return count;
}

interface Point {
  /** The variables in evaluation order (the compiled formulas take values in this order). */
  names: string[];
  /** Each variable's values, row-major in its own shape (rounded to the dtype). */
  values: Float64Array[];
  shapes: number[][];
  /** The broadcast shape. */
  shape: number[];
  /** Per variable: the element read at each broadcast element. */
  index: Int32Array[];
  /** The entry of each variable in the at text, for positions. */
  entries: AtEntry[];
  atText: string;
}

function parseValues(at: AtValues): { text: string; entries: AtEntry[] } {
  if (typeof at === 'string') return parseAtEntries(at);
  return parseAtEntries(renderAt(at), { maxChars: Infinity });
}

/**
 * Match the values to the variables: every required variable has a value,
 * every value belongs to an allowed name, and all values broadcast together.
 */
function resolvePoint(
  parsed: ParsedExpression,
  at: AtValues,
  required: readonly string[],
  allowed: readonly string[],
  dtype: ExpressionDType,
): Point {
  const { text: atText, entries } = parseValues(at);
  const byName = new Map(entries.map((e) => [e.name, e]));
  for (const e of entries) {
    if (!allowed.includes(e.name)) {
      const known = allowed.length ? ` (its variables: ${allowed.join(', ')})` : '';
      throw new AtValuesError(`'${e.name}' is not a variable of the expression${known}`, atText, e.nameIndex);
    }
  }
  for (const name of required) {
    if (!byName.has(name)) {
      throw new ExpressionError(`no value given for '${name}' (give one with --at, e.g. ${name}=1)`, parsed.text, variableIndex(parsed.text, name));
    }
  }
  let shape: number[] = [];
  for (const e of entries) {
    const next = broadcast(shape, e.shape);
    if (next === null) {
      throw new AtValuesError(
        `the value of '${e.name}' (shape ${shapeText(e.shape)}) does not broadcast with the shape ${shapeText(shape)} of the values before it`,
        atText,
        e.valueIndex,
      );
    }
    shape = next;
    if (numel(shape) > EXPRESSION_CHECK_LIMITS.maxElements) {
      throw new AtValuesError(
        `the values broadcast to ${numel(shape)} elements (shape ${shapeText(shape)}), more than ${EXPRESSION_CHECK_LIMITS.maxElements}`,
        atText,
        e.valueIndex,
      );
    }
  }
  const names = entries.map((e) => e.name);
  const round = dtype === 'float32' ? Math.fround : (v: number) => v;
  return {
    names,
    values: entries.map((e) => Float64Array.from(e.values, round)),
    shapes: entries.map((e) => e.shape),
    shape,
    index: entries.map((e) => broadcastIndex(e.shape, shape)),
    entries,
    atText,
  };
}

/** Refuse work that would take too long or too much memory, pointing at the largest value. */
function checkWork(point: Point, work: number, limit: number, what: string): void {
  if (work <= limit) return;
  const largest = point.entries.reduce((a, b) => (b.values.length > a.values.length ? b : a));
  const n = numel(point.shape);
  throw new AtValuesError(
    `too much work: ${n} element${n === 1 ? '' : 's'} times ${what} is more than ${limit} (use fewer values or a smaller expression)`,
    point.atText,
    largest.valueIndex,
  );
}

/** Runs `f` at every broadcast element; `visit(k, values)` gets the point (reused buffer). */
function forEachElement(point: Point, visit: (k: number, values: Float64Array) => void): void {
  const n = numel(point.shape);
  const buffer = new Float64Array(point.names.length);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < buffer.length; j++) buffer[j] = point.values[j]![point.index[j]![k]!]!;
    visit(k, buffer);
  }
}

function parseExpression(text: string): ParsedExpression {
  const parsed = parseUserExpression(text);
  if (parsed.variables.length === 0) {
    throw new ExpressionError('the expression has no variables to differentiate', text, 0);
  }
  if (parsed.variables.length > EXPRESSION_CHECK_LIMITS.maxVariables) {
    const name = parsed.variables[EXPRESSION_CHECK_LIMITS.maxVariables]!;
    throw new ExpressionError(
      `too many variables (more than ${EXPRESSION_CHECK_LIMITS.maxVariables})`,
      text,
      variableIndex(text, name),
    );
  }
  return parsed;
}

// ---------------------------------------------------------------------------
// The tape

interface Kink {
  /** `relu(x) is at 0`, `max(x, y) has a tie`. */
  what: string;
  rule: string;
  count: number;
}

const UNARY: ReadonlyMap<string, (a: Tensor) => Tensor> = new Map<string, (a: Tensor) => Tensor>([
  ['exp', F.exp], ['log', F.log], ['sin', F.sin], ['cos', F.cos], ['tan', F.tan], ['tanh', F.tanh],
  ['sigmoid', F.sigmoid], ['relu', F.relu], ['sqrt', F.sqrt], ['rsqrt', F.rsqrt], ['abs', F.abs],
  ['square', F.square], ['softplus', (a) => F.softplus(a)],
]);

function shortText(node: MathNode): string {
  let s: string;
  try {
    s = node.toString();
  } catch {
    return 'a subexpression';
  }
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/** How many elements of a comparison hold (computed off the tape). */
const countTrue = (t: () => Tensor): number => noGrad(t).array.values().reduce((n, v) => n + (v !== 0 ? 1 : 0), 0);

/**
 * The formula on the tape: each allow-listed node becomes a functional op;
 * subtrees without variables are numbers (as Python numbers in a script).
 */
function runOnTape(root: MathNode, leaves: ReadonlyMap<string, Tensor>, kinks: Kink[]): Tensor {
  const hasVar = new Map<MathNode, boolean>();
  const dependsOnVariable = (node: MathNode): boolean => {
    const known = hasVar.get(node);
    if (known !== undefined) return known;
    const n = node as Node;
    let out: boolean;
    switch (node.type) {
      case 'SymbolNode': out = leaves.has(n.name as string); break;
      case 'ParenthesisNode': out = dependsOnVariable(n.content as MathNode); break;
      case 'OperatorNode':
      case 'FunctionNode': out = (n.args as MathNode[]).map(dependsOnVariable).some(Boolean); break;
      default: out = false;
    }
    hasVar.set(node, out);
    return out;
  };
  const kink = (what: string, rule: string, count: number): void => {
    if (count > 0) kinks.push({ what, rule, count });
  };
  const asTensor = (v: Tensor | number, like: Tensor): Tensor =>
    v instanceof Tensor ? v : new Tensor(NDArray.scalar(v, like.dtype));

  const run = (node: MathNode): Tensor | number => {
    if (!dependsOnVariable(node)) return compileNode(node, [])([]);
    const n = node as Node;
    switch (node.type) {
      case 'SymbolNode': return leaves.get(n.name as string)!;
      case 'ParenthesisNode': return run(n.content as MathNode);
      case 'OperatorNode': {
        const args = (n.args as MathNode[]).map(run);
        const [a, b] = args as [Tensor | number, Tensor | number];
        switch (n.fn) {
          case 'add': return F.add(a, b);
          case 'subtract': return F.sub(a, b);
          case 'multiply': return F.mul(a, b);
          case 'divide': return F.div(a, b);
          case 'pow': return F.pow(a, b);
          case 'unaryMinus': return F.neg(a as Tensor);
          case 'unaryPlus': return a;
        }
        throw new ExpressionError(`operator '${String(n.op)}' is not supported`, '', 0);
      }
      case 'FunctionNode': {
        const name = ((n.fn as Node).name as string) ?? '';
        const args = (n.args as MathNode[]).map(run);
        const unary = UNARY.get(name);
        if (unary !== undefined && args.length === 1) {
          const x = args[0] as Tensor;
          if (name === 'relu') kink(`${shortText(node)} is at 0`, "PyTorch takes relu'(0) = 0", countTrue(() => F.compare('eq', x, 0)));
          if (name === 'abs') kink(`${shortText(node)} is at 0`, "PyTorch takes abs'(0) = 0", countTrue(() => F.compare('eq', x, 0)));
          return unary(x);
        }
        if (name === 'log' && args.length === 2) {
          const [x, base] = args as [Tensor | number, Tensor | number];
          const lx = x instanceof Tensor ? F.log(x) : Math.log(x);
          const lb = base instanceof Tensor ? F.log(base) : Math.log(base);
          return F.div(lx, lb);
        }
        if (['max', 'maximum', 'min', 'minimum'].includes(name) && args.length === 2) {
          const like = (args.find((v) => v instanceof Tensor) as Tensor);
          const [a, b] = args.map((v) => asTensor(v, like)) as [Tensor, Tensor];
          kink(`${shortText(node)} has a tie`, 'PyTorch splits a tie, half the gradient to each input', countTrue(() => F.compare('eq', a, b)));
          return name.startsWith('max') ? F.maximum(a, b) : F.minimum(a, b);
        }
        if (name === 'clamp' && args.length === 3) {
          const [x, lo, hi] = args as [Tensor | number, Tensor | number, Tensor | number];
          const rule = 'PyTorch counts the bounds as inside (gradient 1)';
          if (x instanceof Tensor && typeof lo === 'number' && typeof hi === 'number') {
            kink(`${shortText(node)} is at a bound`, rule, countTrue(() => F.compare('eq', x, lo)) + countTrue(() => F.compare('eq', x, hi)));
            return F.clamp(x, lo, hi);
          }
          // Tensor bounds: max(x, lo), then min(…, hi), each a where, so a
          // value at a bound counts as inside (gradient to x), as PyTorch.
          const atLo = F.compare('lt', x, lo);
          const low = F.where(atLo, lo, x);
          const atHi = F.compare('gt', low, hi);
          kink(`${shortText(node)} is at a bound`, rule, countTrue(() => F.compare('eq', x, lo)) + countTrue(() => F.compare('eq', low, hi)));
          return F.where(atHi, hi, low);
        }
        throw new ExpressionError(`cannot run ${name} with ${args.length} argument(s)`, '', 0);
      }
    }
    throw new ExpressionError(`${node.type} is not supported`, '', 0);
  };
  const z = run(root);
  if (!(z instanceof Tensor)) throw new ExpressionError('the expression has no variables to differentiate', '', 0);
  return z;
}

// ---------------------------------------------------------------------------
// check

/**
 * Checks the gradient of sum(z) with respect to every variable of `text` at
 * `at`: tape against symbolic derivative, and both against finite
 * differences. Throws ExpressionError (a position in `text`) or
 * AtValuesError (a position in the values text) for bad input.
 */
export function checkExpression(text: string, at: AtValues, options: ExpressionCheckOptions = {}): ExpressionReport {
  const dtype: ExpressionDType = options.dtype ?? 'float64';
  if (dtype !== 'float32' && dtype !== 'float64') throw new TypeError(`dtype must be float32 or float64, not ${String(dtype)}`);
  const tolerances: Tolerances = { ...DEFAULT_TOLERANCES, ...options.tolerances };
  const parsed = parseExpression(text);
  const point = resolvePoint(parsed, at, parsed.variables, parsed.variables, dtype);
  const n = numel(point.shape);
  const nodes = countNodes(parsed.node);
  checkWork(point, n * nodes, EXPRESSION_CHECK_LIMITS.maxTapeWork, `${nodes} formula nodes`);

  // expected: the derivatives, compiled over the variables in the values' order.
  const derivatives = point.names.map((name) => deriveNode(parsed.node, name));
  const compiled = derivatives.map((d) => compileNodeWithStats(d, point.names));
  const f = compileNodeWithStats(parsed.node, point.names);
  const evalNodes = compiled.reduce((s, c) => s + c.stats.nodes, 0) + f.stats.nodes * 2 * point.names.length;
  checkWork(point, n * evalNodes, EXPRESSION_CHECK_LIMITS.maxEvalWork, `${evalNodes} nodes of the derivatives and finite differences`);

  // actual: the tape.
  const kinks: Kink[] = [];
  const leaves = new Map(
    point.names.map((name, j) => {
      const leaf = new Tensor(NDArray.fromValues(point.values[j]!, point.shapes[j]!, dtype));
      leaf.requiresGrad = true;
      return [name, leaf] as const;
    }),
  );
  const z = enableGrad(() => {
    const out = runOnTape(parsed.node, leaves, kinks);
    out.backward(F.onesLike(out));
    return out;
  });

  const expected = point.names.map((_, j) => new Float64Array(point.values[j]!.length));
  const fd = point.names.map((_, j) => new Float64Array(point.values[j]!.length));
  const indices = point.names.map((_, j) => j);
  forEachElement(point, (k, values) => {
    const diffs = centralDifferences(f.fn, values, indices);
    for (let j = 0; j < indices.length; j++) {
      const src = point.index[j]![k]!;
      expected[j]![src]! += compiled[j]!.fn(values);
      fd[j]![src]! += diffs[j]!;
    }
  });

  const budget = Math.max(20, EXPRESSION_CHECK_LIMITS.displayBudgetMs / point.names.length);
  const tolerance = dtype === 'float64' ? tolerances.float64 : tolerances.float32;
  const gradients: ExpressionGradient[] = point.names.map((name, j) => {
    const grad = leaves.get(name)!.grad;
    const notes: string[] = [];
    const exp = Array.from(expected[j]!);
    let actual: number[];
    if (grad) actual = Array.from(grad.array.values());
    else {
      actual = exp.map(() => 0);
      notes.push(`the tape gave ${name} no gradient (None); counted as zeros`);
    }
    const fdValues = Array.from(fd[j]!);
    const cmp = compareWith(exp, actual, tolerance);
    const fdCmp = compareWith(exp, fdValues, tolerances.finiteDifferences);
    if (!fdCmp.ok) {
      const kinkNotes = kinks.map((k) => `${k.what} at ${k.count} element${k.count === 1 ? '' : 's'}: ${k.rule}, where finite differences see a kink.`);
      notes.push(...new Set(kinkNotes));
      if (kinkNotes.length === 0) {
        const values = point.values[j]!;
        const byValue = point.shapes[j]!.length === 0 || new Set(values).size === values.length;
        const label = (i: number) => (byValue ? `${name} = ${nested([values[i]!], [])}` : `${name}[${i}]`);
        const smooth = fdCmp.nonFinite.length > 0 && fdCmp.finiteOk ? '.' : ': the formula is not smooth or changes fast near these values.';
        notes.push(`finite differences differ from the expected gradient${differences(fdCmp, exp, fdValues, label, 'the formula')}${smooth}`);
      }
    }
    const shown = options.formulas === false ? EMPTY_DISPLAY : displayElementwise([derivatives[j]!], [null], name, { budgetMs: budget, taken: point.names });
    return {
      name,
      shape: [...point.shapes[j]!],
      formula: shown.text,
      latex: shown.latex,
      fullFormula: shown.fullText,
      fullLatex: shown.fullLatex,
      expected: exp,
      actual,
      finiteDifferences: fdValues,
      maxAbsError: cmp.maxAbs,
      maxRelError: cmp.maxRel,
      verdict: cmp.ok ? 'agree' : 'disagree',
      finiteDifferencesAgree: fdCmp.ok,
      notes,
    };
  });
  // Report in the expression's order of variables.
  gradients.sort((a, b) => parsed.variables.indexOf(a.name) - parsed.variables.indexOf(b.name));
  const ok = gradients.every((g) => g.verdict === 'agree');
  return {
    expression: text,
    target: parsed.target,
    variables: [...parsed.variables],
    dtype,
    shape: [...point.shape],
    value: Array.from(z.array.values()),
    gradients,
    ok,
    exitCode: ok ? 0 : 1,
  };
}

// ---------------------------------------------------------------------------
// diff

export interface DiffOptions {
  /** Values to evaluate the derivative at, elementwise over their broadcast shape. */
  at?: AtValues;
  /** Time for simplifying the shown formula, in ms. */
  budgetMs?: number;
}

export interface DiffResult {
  expression: string;
  target: string | null;
  wrt: string;
  /** ∂/∂wrt, for people (simplified when that is cheap and verified). */
  formula: string;
  latex: string;
  simplified: boolean;
  /** Variables of the derivative. */
  variables: string[];
  /** With `at`: the broadcast shape and the derivative's values there (float64), row-major. */
  shape?: number[];
  values?: number[];
}

/**
 * The derivative of `text` with respect to `wrt` (the expression's only
 * variable when omitted), and with `at` its values. Throws ExpressionError
 * or AtValuesError with a position.
 */
export function diffExpression(text: string, wrt?: string, options: DiffOptions = {}): DiffResult {
  const parsed = parseExpression(text);
  let name = wrt;
  if (name === undefined) {
    if (parsed.variables.length !== 1) {
      throw new ExpressionError(
        `the expression has ${parsed.variables.length} variables (${parsed.variables.join(', ')}): name one with --wrt`,
        text,
        variableIndex(text, parsed.variables[1]!),
      );
    }
    name = parsed.variables[0]!;
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new ExpressionUsageError(`invalid variable name ${JSON.stringify(name.slice(0, 40))}`);
  }
  if (!parsed.variables.includes(name)) {
    throw new ExpressionUsageError(`'${name}' is not a variable of the expression (its variables: ${parsed.variables.join(', ')})`);
  }
  const derivative = deriveNode(parsed.node, name);
  // The whole formula (diff is asked for it), its repeated parts named.
  const shown = displayElementwise([derivative], [null], name, { budgetMs: options.budgetMs ?? 200, taken: parsed.variables });
  const variables = freeVariables(derivative);
  const result: DiffResult = {
    expression: text,
    target: parsed.target,
    wrt: name,
    formula: shown.fullText,
    latex: shown.fullLatex,
    simplified: shown.simplified,
    variables,
  };
  if (options.at === undefined) return result;
  const point = resolvePoint(parsed, options.at, variables, parsed.variables, 'float64');
  const compiled = compileNodeWithStats(derivative, point.names);
  checkWork(point, numel(point.shape) * compiled.stats.nodes, EXPRESSION_CHECK_LIMITS.maxEvalWork, `${compiled.stats.nodes} formula nodes`);
  const values: number[] = [];
  forEachElement(point, (_, v) => values.push(compiled.fn(v)));
  return { ...result, shape: [...point.shape], values };
}
