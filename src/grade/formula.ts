/**
 * Formula answers: read at the script's values of the leaves, or compared
 * with the right formula at random points (the WeBWorK/STACK practice),
 * with mathjs's simplification deciding when too few points are defined.
 */
import type { MathNode } from 'mathjs';
import { compileNode } from '../symbolic/compile.js';
import { printedSize, sameValues, simplifyWithinBudget } from '../symbolic/display.js';
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

/**
 * Whether an answer formula is the expected one: equal values (relative
 * 1e-9) at 20 random points, or mathjs's simplification of the difference
 * to 0 when the formulas are defined at too few of them.
 */
export function sameFormula(
  answer: { node: MathNode; variables: readonly string[] },
  expected: { node: MathNode; variables: readonly string[] },
): { same: boolean; detail: string } {
  const unknown = answer.variables.filter((v) => !expected.variables.includes(v));
  if (unknown.length) return { same: false, detail: `The formula uses ${unknown.join(', ')}, which the expression does not have.` };
  if (answer.node.toString() === expected.node.toString()) return { same: true, detail: '' };
  if (sameValues(answer.node, expected.node)) return { same: true, detail: '' };
  if (!sameValues(answer.node, expected.node, 20, 0)) return { same: false, detail: '' };
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
