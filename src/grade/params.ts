/**
 * Values drawn per student: an exercise's `params` give each student their
 * own numbers in the script (and the texts), written `{{name}}`. The draw
 * is seeded by a hash of the exercise's `seed`, the student's id and the
 * param's name, so a student gets the same values every time (and on every
 * machine), and adding a param leaves the others' values alone.
 */
import type { Exercise, Question } from './exercise.js';

export const PARAM_KINDS = ['int', 'uniform', 'choice'] as const;

export type ParamSpec =
  /** A whole number in [min, max]. */
  | { name: string; kind: 'int'; min: number; max: number }
  /** A number in [min, max], rounded to `decimals` places (written with them: `2.0`). */
  | { name: string; kind: 'uniform'; min: number; max: number; decimals: number }
  /** One of the values. */
  | { name: string; kind: 'choice'; values: number[] };

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The names a text's `{{name}}` placeholders use. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/** cyrb53: a 53-bit string hash, the same everywhere (no node:crypto: the grader also runs in browsers). */
function hash(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** A number in [0, 1) from the hash (mulberry32 step on the low bits mixed with the high ones). */
function uniform01(seed: number): number {
  let t = (seed + 0x6d2b79f5) >>> 0;
  t ^= Math.floor(seed / 4294967296);
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * The student's value of each param, as a number and as the literal written
 * into the texts; `given` values (PrairieLearn's params of a variant) are
 * taken as they are, when they are numbers.
 */
export function drawValues(exercise: Pick<Exercise, 'params' | 'seed'>, student: string, given?: Readonly<Record<string, unknown>>): { values: Record<string, number>; literals: Map<string, string> } {
  const values: Record<string, number> = Object.create(null);
  const literals = new Map<string, string>();
  for (const p of exercise.params) {
    const u = uniform01(hash(`${exercise.seed}\u0000${student}\u0000${p.name}`));
    const fixed = given && Object.hasOwn(given, p.name) && typeof given[p.name] === 'number' && Number.isFinite(given[p.name]) ? (given[p.name] as number) : null;
    let value: number;
    let literal: string;
    switch (p.kind) {
      case 'int':
        value = fixed !== null ? Math.round(fixed) : p.min + Math.min(p.max - p.min, Math.floor(u * (p.max - p.min + 1)));
        literal = String(value);
        break;
      case 'uniform':
        literal = (fixed ?? p.min + u * (p.max - p.min)).toFixed(p.decimals);
        value = Number(literal);
        if (Object.is(value, -0) || value === 0) literal = literal.replace(/^-/, '');
        break;
      case 'choice':
        value = fixed ?? p.values[Math.min(p.values.length - 1, Math.floor(u * p.values.length))]!;
        literal = pythonNumber(value);
        break;
    }
    values[p.name] = value;
    literals.set(p.name, literal);
  }
  return { values, literals };
}

/** A number as Python source: whole numbers without a point, others in the shortest form that reads back. */
function pythonNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2');
}

const fill = (text: string, literals: ReadonlyMap<string, string>) => text.replace(PLACEHOLDER, (m, name: string) => literals.get(name) ?? m);

/** The exercise as one student sees it: every `{{name}}` replaced by their value. */
export function instantiate(exercise: Exercise, student: string, given?: Readonly<Record<string, unknown>>): { exercise: Exercise; values?: Record<string, number> } {
  if (exercise.params.length === 0) return { exercise };
  const { values, literals } = drawValues(exercise, student, given);
  const f = (text: string) => fill(text, literals);
  const mapValues = (r: Record<string, string>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, f(v)]));
  const questions = exercise.questions.map((q): Question => {
    const common = { ...q, prompt: f(q.prompt), hint: f(q.hint), feedback: mapValues(q.feedback) };
    return common.kind === 'script' ? { ...common, given: f(common.given), solution: common.solution === null ? null : f(common.solution) } : common;
  });
  return {
    exercise: {
      ...exercise,
      script: exercise.script === null ? null : f(exercise.script),
      expression: exercise.expression === null ? null : f(exercise.expression),
      questions,
    },
    values,
  };
}
