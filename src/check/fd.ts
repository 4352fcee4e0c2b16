/**
 * Central finite differences in float64 of the program as a function of
 * its leaves: the derivative a calculus textbook gives (it sees through
 * cuts and ignores what autograd saved).
 */
import type { CompiledFormula } from '../symbolic/compile.js';

/** d f / d point[i] for each i in `indices`, with a step scaled to the value (cube root of epsilon: the best balance of truncation and rounding error). */
export function centralDifferences(f: CompiledFormula, point: Float64Array, indices: readonly number[]): number[] {
  const x = Float64Array.from(point);
  return indices.map((i) => {
    const x0 = point[i]!;
    const h = 6e-6 * Math.max(1, Math.abs(x0));
    x[i] = x0 + h;
    const up = f(x);
    x[i] = x0 - h;
    const down = f(x);
    x[i] = x0;
    return (up - down) / (2 * h);
  });
}
