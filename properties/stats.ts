/**
 * What the program generator produces, counted (`dzdx props --stats`): the
 * shapes of the leaves, the kinds of matrix products, the dims reductions
 * run over, ties of maximum/minimum (between different tensors, or a
 * tensor with itself), constant leaves, values at kinks, cuts and
 * mutations. Bugs hide in full matrices, reductions over a dim and ties
 * between different tensors: this report shows how often the suite reaches
 * them.
 */
import fc from 'fast-check';
import { DEFAULT_SEED } from './suite.js';
import { broadcastShapes, Evaluator, numelOf, opSpecs, type Program, type TensorInfo, type ValueStep } from './program.js';

export interface GeneratorStats {
  programs: number;
  leaves: { total: number; scalar: number; vector: number; matrixWithSide1: number; fullMatrix: number; constant: number; float32: number; float64: number };
  matmuls: { total: number; vectorVector: number; matrixVector: number; vectorMatrix: number; matrixMatrix: number };
  /** Reductions in a program's body (the sum or mean that makes a root scalar is counted apart). */
  reductions: { total: number; all: number; dim0: number; dim1: number; keepdim: number; overMatrix: number; roots: number };
  extrema: { total: number; sameTensor: number; tieBetweenDifferent: number; noTie: number };
  /** Elementwise ops on two or more tensors: how many broadcast, and how many over a size-1 inner dim (`[m, 1]` against `[m, n]`). */
  broadcasting: { total: number; broadcast: number; innerDim: number };
  /** Value steps with an operand exactly at a kink (relu/abs at 0, clamp's bounds, ties, where's threshold). */
  stepsAtKink: number;
  valueSteps: number;
  ops: Record<string, number>;
  cuts: number;
  dataMutations: number;
  inPlace: number;
  backwardCalls: number;
  secondDerivatives: number;
}

function emptyStats(): GeneratorStats {
  return {
    programs: 0,
    leaves: { total: 0, scalar: 0, vector: 0, matrixWithSide1: 0, fullMatrix: 0, constant: 0, float32: 0, float64: 0 },
    matmuls: { total: 0, vectorVector: 0, matrixVector: 0, vectorMatrix: 0, matrixMatrix: 0 },
    reductions: { total: 0, all: 0, dim0: 0, dim1: 0, keepdim: 0, overMatrix: 0, roots: 0 },
    extrema: { total: 0, sameTensor: 0, tieBetweenDifferent: 0, noTie: 0 },
    broadcasting: { total: 0, broadcast: 0, innerDim: 0 },
    stepsAtKink: 0,
    valueSteps: 0,
    ops: {},
    cuts: 0,
    dataMutations: 0,
    inPlace: 0,
    backwardCalls: 0,
    secondDerivatives: 0,
  };
}

/** Some element of `a` equals the element of `b` it meets under broadcasting. */
function tied(a: TensorInfo, b: TensorInfo): boolean {
  const shape = broadcastShapes(a.shape, b.shape);
  if (!shape) return false;
  const at = (t: TensorInfo, k: number) => {
    let idx = 0;
    let stride = 1;
    let rest = k;
    const coords: number[] = [];
    for (let d = shape.length - 1; d >= 0; d--) {
      coords[d] = rest % shape[d]!;
      rest = Math.floor(rest / shape[d]!);
    }
    for (let d = t.shape.length - 1; d >= 0; d--) {
      const c = coords[d + shape.length - t.shape.length]!;
      if (t.shape[d] !== 1) idx += c * stride;
      stride *= t.shape[d]!;
    }
    return t.values[idx]!;
  };
  for (let k = 0; k < numelOf(shape); k++) if (at(a, k) === at(b, k)) return true;
  return false;
}

/** Count one program into `stats`. */
export function countProgram(p: Program, stats: GeneratorStats): void {
  stats.programs++;
  for (const l of p.leaves) {
    stats.leaves.total++;
    const s = l.shape;
    if (s.length === 0) stats.leaves.scalar++;
    else if (s.length === 1) stats.leaves.vector++;
    else if (s.every((d) => d > 1)) stats.leaves.fullMatrix++;
    else stats.leaves.matrixWithSide1++;
    if (!l.requiresGrad) stats.leaves.constant++;
    stats.leaves[l.dtype]++;
  }
  const ev = new Evaluator(p.leaves);
  const values = p.steps.filter((s) => s.kind === 'value');
  const rootReduction = values.at(-1);
  const isRoot = (s: ValueStep) => s === rootReduction && (s.op === 'sum' || s.op === 'mean') && p.steps.some((b) => b.kind === 'backward' && b.root === s.name);
  for (const step of p.steps) {
    if (step.kind === 'value' && isRoot(step)) stats.reductions.roots++;
    else if (step.kind === 'value') countValueStep(ev, step, stats);
    else if (step.kind === 'data') stats.dataMutations++;
    else if (step.kind === 'inplace') stats.inPlace++;
    else if (step.kind === 'backward') stats.backwardCalls++;
    else if (step.kind === 'gradgrad') stats.secondDerivatives++;
    const kinksBefore = ev.facts.kinkSteps;
    ev.apply(step);
    if (ev.facts.kinkSteps > kinksBefore) stats.stepsAtKink++;
  }
}

function countValueStep(ev: Evaluator, step: ValueStep, stats: GeneratorStats): void {
  stats.valueSteps++;
  stats.ops[step.op] = (stats.ops[step.op] ?? 0) + 1;
  if (step.cut) stats.cuts++;
  const spec = opSpecs().get(step.op)!;
  const operands = step.args.map((a) => ('ref' in a ? ev.get(a.ref) : null));
  if (spec.kind === 'matmul') {
    const [a, b] = operands.map((t) => t!.shape.length);
    stats.matmuls.total++;
    if (a === 2 && b === 2) stats.matmuls.matrixMatrix++;
    else if (a === 2) stats.matmuls.matrixVector++;
    else if (b === 2) stats.matmuls.vectorMatrix++;
    else stats.matmuls.vectorVector++;
  } else if (spec.kind === 'reduce') {
    stats.reductions.total++;
    const dim = step.attrs.dim ?? -1;
    if (dim < 0) stats.reductions.all++;
    else if (dim === 0) stats.reductions.dim0++;
    else stats.reductions.dim1++;
    if (step.attrs.keepdim === 1) stats.reductions.keepdim++;
    if (operands[0]!.shape.length === 2) stats.reductions.overMatrix++;
  }
  const tensors = operands.filter((t): t is TensorInfo => t !== null);
  if ((spec.kind === 'elementwise' || spec.kind === 'where') && tensors.length >= 2) {
    const out = broadcastShapes(...tensors.map((t) => t.shape))!;
    stats.broadcasting.total++;
    if (tensors.some((t) => t.shape.join() !== out.join())) stats.broadcasting.broadcast++;
    if (tensors.some((t) => t.shape.some((d, i) => d === 1 && out[out.length - t.shape.length + i]! > 1 && i > 0))) stats.broadcasting.innerDim++;
  }
  if (step.op === 'maximum' || step.op === 'minimum') {
    stats.extrema.total++;
    const [a, b] = step.args;
    if (a && b && 'ref' in a && 'ref' in b && a.ref === b.ref) stats.extrema.sameTensor++;
    else if (operands[0] && operands[1] && tied(operands[0], operands[1])) stats.extrema.tieBetweenDifferent++;
    else stats.extrema.noTie++;
  }
}

/** The generator's distribution over `count` programs of `arb`. */
export function generatorStats(arb: fc.Arbitrary<Program>, count = 1000, seed = DEFAULT_SEED): GeneratorStats {
  const stats = emptyStats();
  for (const p of fc.sample(arb, { seed, numRuns: count })) countProgram(p, stats);
  return stats;
}

const pct = (n: number, of: number) => (of === 0 ? '-' : `${((100 * n) / of).toFixed(1)} %`);

/** The report `dzdx props --stats` prints. */
export function formatStats(s: GeneratorStats, title: string): string {
  const row = (label: string, n: number, of: number) => `  ${label.padEnd(34)}${String(n).padStart(7)}  ${pct(n, of).padStart(7)}`;
  const L = s.leaves;
  const M = s.matmuls;
  const R = s.reductions;
  const E = s.extrema;
  const ops = Object.entries(s.ops).sort((a, b) => b[1] - a[1]);
  return [
    `${title}: ${s.programs} programs, ${s.valueSteps} value steps`,
    '',
    `leaves: ${L.total}`,
    row('0-d', L.scalar, L.total),
    row('1-D', L.vector, L.total),
    row('2-D with a side of 1', L.matrixWithSide1, L.total),
    row('2-D, both sides > 1 (full matrix)', L.fullMatrix, L.total),
    row('constant (requires_grad=False)', L.constant, L.total),
    row('float32', L.float32, L.total),
    row('float64', L.float64, L.total),
    '',
    `matmuls: ${M.total}`,
    row('matrix @ matrix', M.matrixMatrix, M.total),
    row('matrix @ vector', M.matrixVector, M.total),
    row('vector @ matrix', M.vectorMatrix, M.total),
    row('vector @ vector', M.vectorVector, M.total),
    '',
    `reductions (sum, mean) in the program body: ${R.total} (and ${R.roots} that make the root a scalar)`,
    row('over all elements', R.all, R.total),
    row('over dim 0', R.dim0, R.total),
    row('over dim 1', R.dim1, R.total),
    row('keepdim=True', R.keepdim, R.total),
    row('of a 2-D tensor', R.overMatrix, R.total),
    '',
    `maximum / minimum: ${E.total}`,
    row('tie between different tensors', E.tieBetweenDifferent, E.total),
    row('a tensor with itself', E.sameTensor, E.total),
    row('no tie', E.noTie, E.total),
    '',
    `elementwise ops on two or more tensors: ${s.broadcasting.total}`,
    row('broadcasting', s.broadcasting.broadcast, s.broadcasting.total),
    row('over a size-1 inner dim ([m, 1])', s.broadcasting.innerDim, s.broadcasting.total),
    '',
    row('value steps at a kink', s.stepsAtKink, s.valueSteps),
    row('cut (no_grad, detach, .data)', s.cuts, s.valueSteps),
    `  ${'.data mutations'.padEnd(34)}${String(s.dataMutations).padStart(7)}`,
    `  ${'in-place ops'.padEnd(34)}${String(s.inPlace).padStart(7)}`,
    `  ${'backward calls'.padEnd(34)}${String(s.backwardCalls).padStart(7)}`,
    `  ${'second derivatives'.padEnd(34)}${String(s.secondDerivatives).padStart(7)}`,
    '',
    `ops: ${ops.map(([op, n]) => `${op} ${n}`).join(', ')}`,
    '',
  ].join('\n');
}
