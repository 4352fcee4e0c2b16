/**
 * A custom Function whose backward is not the derivative of its forward:
 * `Cube.backward on line 9 gives 2 * x ^ 2 for x; the derivative of
 * Cube.forward is 3 * x ^ 2`. The expected side is the forward's ops
 * differentiated (the trace follows them although autograd does not); the
 * given side is what the backward returned, traced as a formula too.
 */
import type { MathNode } from 'mathjs';
import { clipMessage } from '../program/excerpt.js';
import { compileNode } from '../symbolic/compile.js';
import type { ExpectedGradients } from '../symbolic/expected.js';
import type { FunctionApplication, SymbolicTrace } from '../symbolic/trace.js';
import { compareValues, type Tolerances } from './compare.js';
import { displayElementwise } from './display.js';

/** How many backward runs each Function had seen: the runs after it belong to the next call. */
export function functionRunsSoFar(trace: SymbolicTrace): Map<FunctionApplication, number> {
  return new Map(trace.functions.map((f) => [f, f.backwards.length]));
}

export function explainFunctions(
  trace: SymbolicTrace,
  expected: ExpectedGradients,
  runsBefore: ReadonlyMap<FunctionApplication, number>,
  { variables, point }: { variables: string[]; point: Float64Array },
  tolerances: Tolerances,
  taken: Iterable<string>,
): string[] {
  const notes: string[] = [];
  for (const app of trace.functions) {
    const className = app.node.name.replace(/Backward$/, '');
    for (const run of app.backwards.slice(runsBefore.get(app) ?? 0)) {
      const wanted = expected.functionGradients(app, run.gradOutputs);
      app.inputs.forEach((input, j) => {
        const formulas = wanted[j];
        if (!formulas) return;
        const values = formulas.map((f) => compileNode(f, variables)(point));
        const given = run.gradInputs[j] ?? values.map(() => 0);
        const dtype = input.dtype === 'float64' && app.outputs.every((o) => o.dtype === 'float64') ? 'float64' : 'float32';
        if (compareValues(values, given, dtype, tolerances).ok) return;
        const symbols = app.inputNodes[j]!.map((n) => n?.leaf?.symbol ?? null);
        const name = trace.nameOf(input);
        const show = (fs: readonly MathNode[]) => displayElementwise(fs.map((f) => trace.shownForm(f)), symbols, name, { taken }).text.replace(/\n/g, '; ');
        const gave = run.gradInputs[j] === null ? 'None' : run.formulas[j] ? show(run.formulas[j]!) : `[${given.join(', ')}]`;
        // With a gradient of ones coming in, the backward's result is the derivative itself.
        const ones = run.gradOutputs.every((g) => g === null || g.every((v) => v === 1));
        const should = ones ? `the derivative of ${className}.forward is ${show(formulas)}` : `the derivative of ${className}.forward gives ${show(formulas)} for the gradient it received`;
        notes.push(clipMessage(`${className}.backward on line ${run.line} gives ${gave} for ${name}; ${should}`));
      });
    }
  }
  return notes;
}
