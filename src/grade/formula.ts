/**
 * Formula answers: read at the script's values of the leaves, or compared
 * with the right formula at random points (the WeBWorK/STACK practice),
 * with mathjs's simplification deciding when too few points are defined.
 */
import type { MathNode } from 'mathjs';
import { compileNode } from '../symbolic/compile.js';
import { printedSize, simplifyWithinBudget } from '../symbolic/display.js';
import type { ParsedExpression } from '../symbolic/expression.js';
import { getMath } from '../symbolic/mathjs.js';

/** The formula's value at each of `n` elements, its variables bound to the leaves' values; or why it cannot be read. */
export function formulaValuesAt(formula: ParsedExpression, leafValues: ReadonlyMap<string, number[]>, n: number): number[] | string {
  for (const v of formula.variables) {
    const values = leafValues.get(v);
    if (!values) return `unknown variable '${v}'${leafValues.size ? ` (the formula may use ${[...leafValues.keys()].join(', ')})` : ''}`;
    if (values.length !== n && values.length !== 1) return `'${v}' has ${values.length} elements, the answer ${n}: write the formula for one element`;
  }
  const f = compileNode(formula.node, formula.variables);
  const point = new Float64Array(formula.variables.length);
  return Array.from({ length: n }, (_, k) => {
    formula.variables.forEach((v, j) => {
      const values = leafValues.get(v)!;
      point[j] = values[values.length === 1 ? 0 : k]!;
    });
    return f(point);
  });
}

/** Points the formulas of an exercise are compared at: half in [-3, 3], half of magnitude 0.1 to 30 (deterministic). */
const POINTS = 20;
const MAX_POINTS = 3 * POINTS;
const MIN_DEFINED = 5;
const REL_TOL = 1e-9;
const ABS_TOL = 1e-12;

function pointsFor(count: number): Float64Array[] {
  let s = 0x5eed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: MAX_POINTS }, (_, p) => Float64Array.from({ length: count }, () => (p % 2 === 0 ? rand() * 6 - 3 : (rand() < 0.5 ? -1 : 1) * 10 ** (rand() * 2.5 - 1))));
}

/** A formula's values at the comparison points of its exercise's variables (cached: the key's formulas are compared with every answer). */
const sampled = new WeakMap<MathNode, { variables: string; values: Float64Array | null }>();
function samples(node: MathNode, variables: readonly string[]): Float64Array | null {
  const key = variables.join(',');
  const known = sampled.get(node);
  if (known && known.variables === key) return known.values;
  let values: Float64Array | null;
  try {
    const f = compileNode(node, variables);
    values = Float64Array.from(pointsFor(variables.length), (point) => f(point));
  } catch {
    values = null;
  }
  sampled.set(node, { variables: key, values });
  return values;
}

function close(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= Math.max(REL_TOL * Math.max(Math.abs(a), Math.abs(b)), ABS_TOL);
}

/** Equal at the first 20 points, or more (up to 60) until 5 had a value; null: defined at too few to tell. */
function sameAtPoints(a: Float64Array, b: Float64Array): boolean | null {
  let defined = 0;
  for (let p = 0; p < MAX_POINTS; p++) {
    if (p >= POINTS && defined >= MIN_DEFINED) return true;
    if (!close(a[p]!, b[p]!)) return false;
    if (!Number.isNaN(a[p]!)) defined++;
  }
  return defined >= MIN_DEFINED ? true : null;
}

/**
 * Whether an answer formula is the expected one: equal values (relative
 * 1e-9) at 20 random points (more, up to 60, until 5 are defined), or
 * mathjs's simplification of the difference to 0 when the formulas are
 * defined at too few of them.
 */
export function sameFormula(
  answer: { node: MathNode; variables: readonly string[] },
  expected: { node: MathNode; variables: readonly string[] },
): { same: boolean; detail: string } {
  const unknown = answer.variables.filter((v) => !expected.variables.includes(v));
  if (unknown.length) return { same: false, detail: `The formula uses ${unknown.join(', ')}, which the expression does not have.` };
  if (answer.node === expected.node) return { same: true, detail: '' };
  const [a, b] = [samples(answer.node, expected.variables), samples(expected.node, expected.variables)];
  if (!a || !b) return { same: false, detail: '' };
  const same = sameAtPoints(a, b);
  if (same !== null) return { same, detail: '' };
  // Defined at too few points to tell: mathjs decides, or no one does.
  if (symbolicallyZero(answer.node, expected.node)) return { same: true, detail: '' };
  return {
    same: false,
    detail: `dzdx cannot decide: both formulas are undefined at most sample points, and mathjs did not simplify their difference to 0 (it tries up to ${SIMPLIFY_MAX_NODES} nodes). A teacher should look at this answer.`,
  };
}

/**
 * mathjs's simplify is exponential on some inputs, so it decides only for
 * differences up to this size (then it takes at most a few hundred ms):
 * a size bound, not a time one, so that a verdict never depends on load.
 */
export const SIMPLIFY_MAX_NODES = 80;
/** A guard against a pathological small input, never the usual limit. */
const SIMPLIFY_GUARD_MS = 2000;

/** mathjs's simplify of (a) - (b): true only when it reaches 0. */
function symbolicallyZero(a: MathNode, b: MathNode): boolean {
  const math = getMath();
  const difference = new math.OperatorNode('-', 'subtract', [a, b] as never);
  if (printedSize(difference) > SIMPLIFY_MAX_NODES) return false;
  const simplified = simplifyWithinBudget(difference, SIMPLIFY_GUARD_MS);
  return simplified?.type === 'ConstantNode' && (simplified as unknown as { value: number }).value === 0;
}
