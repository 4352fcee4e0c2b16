/**
 * Formula answers: read at the script's values of the leaves, or compared
 * with the right formula at random points (the WeBWorK/STACK practice),
 * with mathjs's simplification deciding when too few points are defined.
 */
import type { MathNode } from 'mathjs';
import { compileNode } from '../symbolic/compile.js';
import { sameValues } from '../symbolic/display.js';
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
  if (sameValues(answer.node, expected.node, 20, 0)) return { same: symbolicallyZero(answer.node, expected.node), detail: '' };
  return { same: false, detail: '' };
}

/** mathjs's simplify of (a) - (b), within a size bound: true only when it reaches 0. */
function symbolicallyZero(a: MathNode, b: MathNode): boolean {
  const math = getMath();
  try {
    const difference = new math.OperatorNode('-', 'subtract', [a, b] as never);
    if (difference.toString().length > 2000) return false;
    const simplified = math.simplify(difference);
    return simplified.type === 'ConstantNode' && (simplified as unknown as { value: number }).value === 0;
  } catch {
    return false;
  }
}
