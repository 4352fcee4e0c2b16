/**
 * Central finite differences in float64 of the program as a function of
 * its leaves: the derivative a calculus textbook gives (it sees through
 * cuts and ignores what autograd saved).
 */
import type { CompiledFormula } from '../symbolic/compile.js';

/**
 * d f / d h of f(point + h·e) for each group of indices (e: ones at the
 * group's indices; a leaf element's every generation moves together), with
 * a step scaled to the values (cube root of epsilon: the best balance of
 * truncation and rounding error).
 */
export function centralDifferences(f: CompiledFormula, point: Float64Array, groups: readonly (readonly number[])[]): number[] {
  const x = Float64Array.from(point);
  const shift = (group: readonly number[], h: number) => {
    for (const i of group) x[i] = point[i]! + h;
  };
  return groups.map((group) => {
    const h = 6e-6 * Math.max(1, ...group.map((i) => Math.abs(point[i]!)));
    shift(group, h);
    const up = f(x);
    shift(group, -h);
    const down = f(x);
    shift(group, 0);
    return (up - down) / (2 * h);
  });
}
