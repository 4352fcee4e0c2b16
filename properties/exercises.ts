/**
 * Exercises generated from the property arbitraries: a random program of
 * the chosen level, printed as a script, with questions on its gradients
 * and its printed output, and the answer key dzdx computes for it.
 *
 * Levels: 1 one op; 2 a chain of ops over two leaves; 3 with a no_grad or
 * detach cut; 4 with a .data mutation after the forward pass; 5 with a
 * gradient argument and a second backward call (accumulation).
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import { nestValues } from '../src/check/at-values.js';
import { buildKey, parseExercise, type ExerciseKey, type Expected } from '../src/grade/index.js';
import { CORE, programArb, type ProgramOptions } from './arbitraries.js';
import { printProgram, type Program } from './program.js';

export const LEVELS = [1, 2, 3, 4, 5] as const;

/** Ops students meet first; the rest of the registry (clamp, where, indexing…) is for the property suite. */
const EXERCISE_OPS = ['neg', 'exp', 'log', 'sin', 'cos', 'tanh', 'sigmoid', 'relu', 'sqrt', 'add', 'sub', 'mul', 'div', 'pow', 'sum', 'mean'];

function levelOptions(level: number): ProgramOptions {
  const base: ProgramOptions = { ...CORE, ops: EXERCISE_OPS, dtypes: ['float32'], maxRank: 1, maxDim: 3, broadcasting: false, rootReduce: 'sum' };
  if (level <= 1) return { ...base, maxLeaves: 1, maxSteps: 1 };
  const chain: ProgramOptions = { ...base, maxLeaves: 2, maxSteps: 3 };
  if (level === 2) return chain;
  if (level === 3) return { ...chain, cuts: true };
  if (level === 4) return { ...chain, dataMutations: 'end', minMutations: 1 };
  return { ...chain, cuts: true, dataMutations: 'end', gradientArg: true, rootReduce: 'gradient', secondBackward: true };
}

/** The names a value depends on, through the value steps (cut or not). */
function dependencies(p: Program, name: string, seen = new Set<string>()): Set<string> {
  const step = p.steps.find((s) => s.kind === 'value' && s.name === name);
  if (step?.kind !== 'value') return seen;
  for (const a of step.args) {
    if ('ref' in a && !seen.has(a.ref)) {
      seen.add(a.ref);
      dependencies(p, a.ref, seen);
    }
  }
  return seen;
}

/** Whether a program is worth a student's time and shows what its level is about. */
function fits(level: number, p: Program): boolean {
  const backwards = p.steps.filter((s) => s.kind === 'backward');
  if (backwards.length === 0) return false;
  const used = dependencies(p, backwards[0]!.root);
  const values = p.steps.filter((s) => s.kind === 'value');
  const leaf = p.leaves.find((l) => l.requiresGrad)!;
  if (!used.has(leaf.name) || leaf.values.every((v) => v === 0)) return false;
  if (values.filter((s) => used.has(s.name) || s.name === backwards[0]!.root).length < Math.min(level, 3)) return false;
  if (level === 3) return values.some((s) => s.cut && used.has(s.name));
  if (level === 4) {
    const firstValue = p.steps.findIndex((s) => s.kind === 'value');
    return p.steps.some((s, i) => s.kind === 'data' && i > firstValue && used.has(s.target));
  }
  if (level === 5) return backwards.length >= 2 && backwards.some((b) => b.gradient);
  return true;
}

export interface GeneratedExercise {
  name: string;
  script: string;
  /** The exercise file (YAML). */
  exercise: string;
  key: ExerciseKey;
}

/** `count` exercises of `level` from `seed`: the same ones every time. */
export function generateExercises(count: number, seed: number, level: number): GeneratedExercise[] {
  const arb = programArb(levelOptions(level));
  const out: GeneratedExercise[] = [];
  const tries = fc.sample(arb, { seed, numRuns: Math.max(500, count * 400) });
  for (const program of tries) {
    if (out.length === count) break;
    if (!fits(level, program)) continue;
    const generated = toExercise(program, level, `level${level}-${String(out.length + 1).padStart(3, '0')}`);
    if (generated) out.push(generated);
  }
  return out;
}

function toExercise(program: Program, level: number, name: string): GeneratedExercise | null {
  const script = printProgram(program);
  const lines = script.split('\n');
  const leaf = program.leaves.find((l) => l.requiresGrad)!.name;
  const printLine = lines.findIndex((l) => l === `print(${leaf}.grad)`) + 1;
  const questions: Record<string, unknown>[] = [
    { id: 'grad', kind: 'gradient', prompt: `What is ${leaf}.grad at the end of the script?`, tensor: leaf, points: 2 },
  ];
  if (level <= 3) questions.push({ id: 'formula', kind: 'derivative', prompt: `The first backward call's gradient of ${leaf}, as a formula of the leaves`, wrt: leaf });
  if (printLine > 0) questions.push({ id: 'printed', kind: 'print', prompt: `What does line ${printLine} print?`, line: printLine });
  const build = () => {
    const exercise = stringify({ title: `dzdx exercise ${name} (level ${level})`, script, questions }, { blockQuote: 'literal', lineWidth: 0 });
    return { name, script, exercise, key: buildKey(parseExercise(exercise)) };
  };
  try {
    const generated = build();
    // A formula question only where one formula holds for every element (`2 * x`, not `x[0]`-wise), on one line.
    const formula = generated.key.questions.find((q) => q.question.kind === 'derivative');
    if (!formula || (formula.formula && !/[[\n]/.test(formula.formula))) return generated;
    questions.splice(questions.findIndex((q) => q.kind === 'derivative'), 1);
    return build();
  } catch {
    return null; // a program the key cannot be built for (an error before the question): draw another
  }
}

/** The key as students' right answers, readable (values as nested lists, printed text, errors). */
export function answerKeyJson(key: ExerciseKey): string {
  const show = (e: Expected): unknown => {
    switch (e.kind) {
      case 'values':
        return nestValues(e.values, e.shape);
      case 'none':
        return 'None';
      case 'formula':
        return e.node.toString();
      case 'printed':
        return e.text;
      case 'raises':
        return e.error ? `${e.error.type}: ${e.error.message}` : 'no error';
      case 'run':
        return e.run.stdout;
    }
  };
  return JSON.stringify(
    key.questions.map((q) => ({
      id: q.question.id,
      kind: q.question.kind,
      // A derivative question asks for the formula; its values are shown too.
      answer: q.question.kind === 'derivative' && q.formula ? q.formula : show(q.expected),
      ...(q.question.kind === 'derivative' ? { values: show(q.expected) } : {}),
      mistakes: q.variants.map((v) => ({ kind: v.mistake, answer: show(v.expected) })),
    })),
    null,
    1,
  ) + '\n';
}
