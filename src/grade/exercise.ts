/**
 * The exercise file format (YAML, or JSON, which is YAML too): a script or
 * an expression, and questions with points and tolerances. Validated here
 * with errors that give the line and column of the offending value.
 */
import { isMap, isScalar, parseDocument, type Document } from 'yaml';
import { TextPositionError } from '../symbolic/expression.js';
import { mistakeKinds, mistakeName, type MistakeName } from './mistakes.js';
import { PARAM_KINDS, placeholders, type ParamSpec } from './params.js';

export type QuestionKind = 'gradient' | 'derivative' | 'print' | 'raises' | 'script';

/** Gradescope's visibility of a test: https://gradescope-autograders.readthedocs.io/en/latest/specs/ */
export const VISIBILITIES = ['visible', 'hidden', 'after_due_date', 'after_published'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export interface Tolerance {
  rtol: number;
  atol: number;
}

interface QuestionBase {
  id: string;
  kind: QuestionKind;
  points: number;
  /** The question as shown to students. */
  prompt: string;
  /** Fraction of the points an answer with this named mistake (or pair, `a+b`) still earns. */
  partial: Record<MistakeName, number>;
  /** Shown after a wrong (or partly right) answer. */
  hint: string;
  /** The teacher's text for a named mistake (or pair), in place of dzdx's. */
  feedback: Record<MistakeName, string>;
  /** When Gradescope shows students this question's result. */
  visibility: Visibility;
  /** 1-based line of the question in the exercise file, for messages. */
  fileLine: number;
}

/** The values of `tensor.grad` after a line ran, after the k-th backward call, or at the end. */
export interface GradientQuestion extends QuestionBase {
  kind: 'gradient';
  tensor: string;
  afterLine: number | null;
  afterBackward: number | null;
  tolerance: Tolerance;
}

/**
 * d(out)/d(wrt) as a formula: of the exercise's `expression`, or of the
 * script's k-th backward call (then the formula is read element by element
 * at the script's values of the leaves it names).
 */
export interface DerivativeQuestion extends QuestionBase {
  kind: 'derivative';
  wrt: string;
  backward: number;
  tolerance: Tolerance;
}

/** What the `print` on a line shows. */
export interface PrintQuestion extends QuestionBase {
  kind: 'print';
  line: number;
  tolerance: Tolerance;
}

/** Whether the script raises, and which error. */
export interface RaisesQuestion extends QuestionBase {
  kind: 'raises';
}

/**
 * Code as the answer: the student's script (after the `given` code), run on
 * the tape with the usual bounds, its printed output or the gradients it
 * leaves compared with the key's (the exercise's script, or `solution`).
 */
export interface ScriptQuestion extends QuestionBase {
  kind: 'script';
  compare: 'output' | 'gradients';
  /** Whose `.grad` at the end is compared (compare: gradients). */
  tensors: string[];
  /** Code run before the student's (their code's lines are counted from its own first line). */
  given: string;
  /** The reference solution, when it is not the exercise's script. */
  solution: string | null;
  tolerance: Tolerance;
}

export type Question = GradientQuestion | DerivativeQuestion | PrintQuestion | RaisesQuestion | ScriptQuestion;

export interface Exercise {
  title: string;
  script: string | null;
  /** `z = x^2 + x^3`: derivative questions without a script are about it. */
  expression: string | null;
  questions: Question[];
  /** 1-based line of the `script` key in the exercise file (0 without a script). */
  scriptLine: number;
  /** Values drawn per student (`{{name}}` in the texts), and the salt of the draw. */
  params: ParamSpec[];
  seed: string;
}

export class ExerciseError extends TextPositionError {
  constructor(message: string, text: string, index: number) {
    super(message, text, index);
    this.name = 'ExerciseError';
  }

  /** An error found after parsing (building the key), at a line of the exercise file. */
  static atLine(message: string, line: number): ExerciseError {
    return new ExerciseError(message, '\n'.repeat(line - 1), line - 1);
  }
}

export const EXERCISE_LIMITS = { maxChars: 200_000, maxQuestions: 100, maxScriptChars: 100_000 } as const;

/** PyTorch prints 4 decimals (or 5 significant digits): answers copied from print agree to this. */
export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-4, atol: 1e-4 };

/** Whether every value is within atol + rtol·|right| of the right one (NaN matches NaN, infinities themselves). */
export function closeAll(a: readonly number[], b: readonly number[], { rtol, atol }: Tolerance): boolean {
  return a.length === b.length && a.every((x, i) => {
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
    if (!Number.isFinite(x) || !Number.isFinite(y)) return x === y;
    return Math.abs(x - y) <= atol + rtol * Math.abs(y);
  });
}

type Path = (string | number)[];

const TOP_KEYS = new Set(['title', 'script', 'expression', 'questions', 'params', 'seed']);
const QUESTION_KEYS: Record<QuestionKind, readonly string[]> = {
  gradient: ['tensor', 'after_line', 'after_backward', 'tolerance'],
  derivative: ['wrt', 'backward', 'tolerance'],
  print: ['line', 'tolerance'],
  raises: [],
  script: ['compare', 'tensors', 'given', 'solution', 'tolerance'],
};
const COMMON_KEYS = ['id', 'kind', 'points', 'prompt', 'partial', 'hint', 'feedback', 'visibility'];

export function parseExercise(text: string): Exercise {
  if (text.length > EXERCISE_LIMITS.maxChars) {
    throw new ExerciseError(`the exercise file has ${text.length} characters; at most ${EXERCISE_LIMITS.maxChars} are allowed`, text, EXERCISE_LIMITS.maxChars);
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first) throw new ExerciseError(first.message.split('\n')[0]!, text, first.pos[0]);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    throw new ExerciseError(e instanceof Error ? e.message : String(e), text, 0);
  }
  return new Validator(text, doc).exercise(data);
}

class Validator {
  constructor(
    private readonly text: string,
    private readonly doc: Document,
  ) {}

  private offset(path: Path, atKey = false): number {
    if (atKey && path.length) {
      const parent = this.doc.getIn(path.slice(0, -1), true);
      const pair = isMap(parent) ? parent.items.find((item) => isScalar(item.key) && item.key.value === path.at(-1)) : undefined;
      const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (range) return range[0];
    }
    for (let p = path; ; p = p.slice(0, -1)) {
      const node = p.length ? this.doc.getIn(p, true) : this.doc.contents;
      const range = (node as { range?: [number, number, number] } | null)?.range;
      if (range) return range[0];
      if (!p.length) return 0;
    }
  }

  /** An error at the value of `path` (or at its key, for a key that should not be there). */
  fail(path: Path, message: string, atKey = false): never {
    const where = path.length ? `${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '')}: ` : '';
    throw new ExerciseError(where + message, this.text, this.offset(path, atKey));
  }

  private record(value: unknown, path: Path, allowed: ReadonlySet<string>): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'expected a mapping of keys to values');
    for (const key of Object.keys(value)) {
      if (!allowed.has(key)) this.fail([...path, key], `unknown key '${key}' (allowed: ${[...allowed].join(', ')})`, true);
    }
    return value as Record<string, unknown>;
  }

  private string(value: unknown, path: Path, maxChars: number): string {
    if (typeof value !== 'string') this.fail(path, 'expected text');
    if (value.length > maxChars) this.fail(path, `has ${value.length} characters; at most ${maxChars} are allowed`);
    return value;
  }

  private number(value: unknown, path: Path, check: (n: number) => boolean, what: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) this.fail(path, `expected ${what}`);
    return value;
  }

  private positiveInt(value: unknown, path: Path): number {
    return this.number(value, path, (n) => Number.isInteger(n) && n >= 1, 'a whole number of at least 1');
  }

  private tolerance(value: unknown, path: Path, fallback: Tolerance): Tolerance {
    if (value === undefined) return fallback;
    const t = this.record(value, path, new Set(['rtol', 'atol']));
    const get = (k: 'rtol' | 'atol') =>
      t[k] === undefined ? fallback[k] : this.number(t[k], [...path, k], (n) => n >= 0 && n < 1, 'a number in [0, 1)');
    return { rtol: get('rtol'), atol: get('atol') };
  }

  exercise(data: unknown): Exercise {
    const top = this.record(data, [], TOP_KEYS);
    const script = top.script === undefined ? null : this.string(top.script, ['script'], EXERCISE_LIMITS.maxScriptChars);
    const expression = top.expression === undefined ? null : this.string(top.expression, ['expression'], 10_000);
    if (script === null && expression === null) this.fail([], "an exercise needs a 'script' or an 'expression'");
    if (!Array.isArray(top.questions) || top.questions.length === 0) this.fail(['questions'], 'expected a list of at least one question');
    if (top.questions.length > EXERCISE_LIMITS.maxQuestions) this.fail(['questions'], `at most ${EXERCISE_LIMITS.maxQuestions} questions are allowed`);
    const params = this.params(top.params);
    const questions = top.questions.map((q, i) => this.question(q, ['questions', i], script, expression));
    const seen = new Set<string>();
    questions.forEach((q, i) => {
      if (seen.has(q.id)) this.fail(['questions', i, 'id'], `the id '${q.id}' is used twice`);
      seen.add(q.id);
    });
    const title = top.title === undefined ? 'exercise' : this.string(top.title, ['title'], 500);
    const seed = top.seed === undefined ? '' : String(this.scalar(top.seed, ['seed']));
    const exercise: Exercise = { title, script, expression, questions, scriptLine: script === null ? 0 : this.lineOf(['script']), params, seed };
    this.checkPlaceholders(exercise);
    return exercise;
  }

  private scalar(value: unknown, path: Path): string | number {
    if (typeof value !== 'string' && typeof value !== 'number') this.fail(path, 'expected text or a number');
    if (String(value).length > 200) this.fail(path, 'at most 200 characters');
    return value;
  }

  /** `params: {a: {int: [1, 5]}, b: {choice: [0.5, 2]}, c: {uniform: [-1, 1], decimals: 2}}` */
  private params(value: unknown): ParamSpec[] {
    if (value === undefined) return [];
    const raw = this.record(value, ['params'], new Set(Object.keys(Object(value))));
    const names = Object.keys(raw);
    if (names.length > 20) this.fail(['params'], 'at most 20 params');
    return names.map((name) => {
      const path = ['params', name];
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) this.fail(path, `'${name}' is not a param name (a letter, then letters, digits, _)`, true);
      const spec = this.record(raw[name], path, new Set([...PARAM_KINDS, 'decimals']));
      const kinds = PARAM_KINDS.filter((k) => spec[k] !== undefined);
      if (kinds.length !== 1) this.fail(path, `give one of ${PARAM_KINDS.join(', ')}`);
      const kind = kinds[0]!;
      const list = spec[kind];
      const numbers = (n: unknown, at: Path) => this.number(n, at, (x) => Math.abs(x) <= 1e6, 'a number of magnitude at most 1e6');
      if (!Array.isArray(list) || list.length === 0 || list.length > 100) this.fail([...path, kind], kind === 'choice' ? 'expected a list of 1 to 100 numbers' : 'expected [low, high]');
      const values = list.map((n, i) => numbers(n, [...path, kind, i]));
      const decimals = spec.decimals === undefined ? null : this.number(spec.decimals, [...path, 'decimals'], (n) => Number.isInteger(n) && n >= 0 && n <= 6, 'a whole number from 0 to 6');
      if (kind === 'choice') {
        if (decimals !== null) this.fail([...path, 'decimals'], "'decimals' applies to uniform only", true);
        return { name, kind, values };
      }
      if (values.length !== 2 || values[0]! > values[1]!) this.fail([...path, kind], 'expected [low, high] with low <= high');
      if (kind === 'int') {
        if (!values.every(Number.isInteger)) this.fail([...path, kind], 'expected whole numbers');
        if (decimals !== null) this.fail([...path, 'decimals'], "'decimals' applies to uniform only", true);
        return { name, kind, min: values[0]!, max: values[1]! };
      }
      return { name, kind, min: values[0]!, max: values[1]!, decimals: decimals ?? 1 };
    });
  }

  /** Every `{{name}}` names a param. */
  private checkPlaceholders(exercise: Exercise): void {
    const known = new Set(exercise.params.map((p) => p.name));
    const texts: [string | null, Path][] = [
      [exercise.script, ['script']],
      [exercise.expression, ['expression']],
      ...exercise.questions.flatMap((q, i): [string | null, Path][] => [
        [q.prompt, ['questions', i, 'prompt']],
        [q.hint, ['questions', i, 'hint']],
        ...Object.keys(q.feedback).map((k): [string, Path] => [q.feedback[k]!, ['questions', i, 'feedback', k]]),
        ...(q.kind === 'script' ? ([[q.given, ['questions', i, 'given']], [q.solution, ['questions', i, 'solution']]] as [string | null, Path][]) : []),
      ]),
    ];
    for (const [text, path] of texts) {
      if (!text) continue;
      for (const name of placeholders(text)) {
        if (known.has(name)) continue;
        const at = this.text.indexOf(`{{${name}}}`, this.offset(path));
        throw new ExerciseError(`${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '')}: {{${name}}} names no param${known.size ? ` (params: ${[...known].join(', ')})` : " (declare it under 'params')"}`, this.text, at >= 0 ? at : this.offset(path));
      }
    }
  }

  private question(value: unknown, path: Path, script: string | null, expression: string | null): Question {
    const raw = this.record(value, path, new Set([...COMMON_KEYS, ...Object.values(QUESTION_KEYS).flat()]));
    const kinds = Object.keys(QUESTION_KEYS) as QuestionKind[];
    if (typeof raw.kind !== 'string' || !kinds.includes(raw.kind as QuestionKind)) {
      this.fail([...path, 'kind'], `expected one of ${kinds.join(', ')}`);
    }
    const kind = raw.kind as QuestionKind;
    for (const key of Object.keys(raw)) {
      if (!COMMON_KEYS.includes(key) && !QUESTION_KEYS[kind].includes(key)) this.fail([...path, key], `'${key}' does not apply to a ${kind} question`, true);
    }
    const index = path[1] as number;
    const id = raw.id === undefined ? `q${index + 1}` : this.string(raw.id, [...path, 'id'], 100);
    if (!/^[A-Za-z0-9_.-]+$/.test(id)) this.fail([...path, 'id'], 'an id is letters, digits, _ . and -');
    const partial: Record<MistakeName, number> = {};
    for (const [k, v] of this.mistakeMap(raw.partial, [...path, 'partial'])) partial[k] = this.number(v, [...path, 'partial', k], (n) => n >= 0 && n <= 1, 'a fraction between 0 and 1');
    const feedback: Record<MistakeName, string> = {};
    for (const [k, v] of this.mistakeMap(raw.feedback, [...path, 'feedback'])) feedback[k] = this.string(v, [...path, 'feedback', k], 2000);
    const base = {
      id,
      points: raw.points === undefined ? 1 : this.number(raw.points, [...path, 'points'], (n) => n > 0 && n <= 1000, 'a number of points in (0, 1000]'),
      prompt: raw.prompt === undefined ? '' : this.string(raw.prompt, [...path, 'prompt'], 2000),
      partial,
      hint: raw.hint === undefined ? '' : this.string(raw.hint, [...path, 'hint'], 2000),
      feedback,
      visibility: raw.visibility === undefined ? 'visible' : VISIBILITIES.includes(raw.visibility as Visibility) ? (raw.visibility as Visibility) : this.fail([...path, 'visibility'], `expected one of ${VISIBILITIES.join(', ')}`),
      fileLine: this.lineOf(path),
    };
    const scriptLines = script?.split(/\r\n|\r|\n/).length ?? 0;
    const line = (key: string) => {
      const n = this.positiveInt(raw[key], [...path, key]);
      if (n > scriptLines) this.fail([...path, key], `the script has ${scriptLines} lines`);
      return n;
    };
    const needScript = () => script === null && this.fail([...path, 'kind'], `a ${kind} question needs the exercise's 'script'`);
    switch (kind) {
      case 'gradient': {
        needScript();
        if (raw.after_line !== undefined && raw.after_backward !== undefined) this.fail([...path, 'after_backward'], "give 'after_line' or 'after_backward', not both");
        return {
          ...base,
          kind,
          tensor: this.name(raw.tensor, [...path, 'tensor']),
          afterLine: raw.after_line === undefined ? null : line('after_line'),
          afterBackward: raw.after_backward === undefined ? null : this.positiveInt(raw.after_backward, [...path, 'after_backward']),
          tolerance: this.tolerance(raw.tolerance, [...path, 'tolerance'], DEFAULT_TOLERANCE),
        };
      }
      case 'derivative':
        if (script === null && expression === null) needScript();
        if (script !== null && expression !== null) this.fail(path, "with both a 'script' and an 'expression', a derivative question is ambiguous");
        return {
          ...base,
          kind,
          wrt: this.name(raw.wrt, [...path, 'wrt']),
          backward: raw.backward === undefined ? 1 : this.positiveInt(raw.backward, [...path, 'backward']),
          tolerance: this.tolerance(raw.tolerance, [...path, 'tolerance'], DEFAULT_TOLERANCE),
        };
      case 'print':
        needScript();
        return { ...base, kind, line: line('line'), tolerance: this.tolerance(raw.tolerance, [...path, 'tolerance'], DEFAULT_TOLERANCE) };
      case 'raises':
        needScript();
        return { ...base, kind };
      case 'script': {
        const compare = raw.compare === undefined ? 'output' : raw.compare;
        if (compare !== 'output' && compare !== 'gradients') this.fail([...path, 'compare'], "expected 'output' or 'gradients'");
        const tensors = raw.tensors === undefined ? [] : Array.isArray(raw.tensors) ? raw.tensors.map((t, j) => this.name(t, [...path, 'tensors', j])) : this.fail([...path, 'tensors'], 'expected a list of tensor names');
        if (compare === 'gradients' && tensors.length === 0) this.fail([...path, 'compare'], "compare: gradients needs 'tensors' (whose .grad to compare)");
        const solution = raw.solution === undefined ? null : this.string(raw.solution, [...path, 'solution'], EXERCISE_LIMITS.maxScriptChars);
        if (solution === null && script === null) this.fail([...path, 'kind'], "a script question needs the exercise's 'script' or its own 'solution'");
        return {
          ...base,
          kind,
          compare,
          tensors,
          given: raw.given === undefined ? '' : this.string(raw.given, [...path, 'given'], EXERCISE_LIMITS.maxScriptChars),
          solution,
          tolerance: this.tolerance(raw.tolerance, [...path, 'tolerance'], DEFAULT_TOLERANCE),
        };
      }
    }
  }

  /** A map keyed by mistake names (`sign-error`, or a pair `ignored-cut+forgot-accumulation`), keys normalised. */
  private mistakeMap(value: unknown, path: Path): [MistakeName, unknown][] {
    if (value === undefined) return [];
    const map = this.record(value, path, new Set(Object.keys(Object(value))));
    return Object.entries(map).map(([k, v]) => {
      const kinds = mistakeKinds(k);
      if (!kinds || (kinds.length === 2 && kinds[0] === kinds[1])) this.fail([...path, k], `unknown mistake '${k}' (a mistake of the README's table, or two joined by '+')`, true);
      return [mistakeName(kinds), v];
    });
  }

  private name(value: unknown, path: Path): string {
    const s = this.string(value, path, 100);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) this.fail(path, `'${s}' is not a variable name`);
    return s;
  }

  private lineOf(path: Path): number {
    const offset = this.offset(path);
    return this.text.slice(0, offset).split(/\r\n|\r|\n/).length;
  }
}
