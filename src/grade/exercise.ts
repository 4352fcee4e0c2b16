/**
 * The exercise file format (YAML, or JSON, which is YAML too): a script or
 * an expression, and questions with points and tolerances. Validated here
 * with errors that give the line and column of the offending value.
 */
import { isMap, isScalar, parseDocument, type Document } from 'yaml';
import { TextPositionError } from '../symbolic/expression.js';
import { MISTAKE_KINDS, type MistakeKind } from './mistakes.js';

export type QuestionKind = 'gradient' | 'derivative' | 'print' | 'raises';

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
  /** Fraction of the points an answer with this named mistake still earns. */
  partial: Partial<Record<MistakeKind, number>>;
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

export type Question = GradientQuestion | DerivativeQuestion | PrintQuestion | RaisesQuestion;

export interface Exercise {
  title: string;
  script: string | null;
  /** `z = x^2 + x^3`: derivative questions without a script are about it. */
  expression: string | null;
  questions: Question[];
  /** 1-based line of the `script` key in the exercise file (0 without a script). */
  scriptLine: number;
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

const TOP_KEYS = new Set(['title', 'script', 'expression', 'questions']);
const QUESTION_KEYS: Record<QuestionKind, readonly string[]> = {
  gradient: ['tensor', 'after_line', 'after_backward', 'tolerance'],
  derivative: ['wrt', 'backward', 'tolerance'],
  print: ['line', 'tolerance'],
  raises: [],
};
const COMMON_KEYS = ['id', 'kind', 'points', 'prompt', 'partial'];

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
    const questions = top.questions.map((q, i) => this.question(q, ['questions', i], script, expression));
    const seen = new Set<string>();
    questions.forEach((q, i) => {
      if (seen.has(q.id)) this.fail(['questions', i, 'id'], `the id '${q.id}' is used twice`);
      seen.add(q.id);
    });
    const title = top.title === undefined ? 'exercise' : this.string(top.title, ['title'], 500);
    return { title, script, expression, questions, scriptLine: script === null ? 0 : this.lineOf(['script']) };
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
    const partial: Partial<Record<MistakeKind, number>> = {};
    if (raw.partial !== undefined) {
      const p = this.record(raw.partial, [...path, 'partial'], new Set(MISTAKE_KINDS));
      for (const [k, v] of Object.entries(p)) partial[k as MistakeKind] = this.number(v, [...path, 'partial', k], (n) => n >= 0 && n <= 1, 'a fraction between 0 and 1');
    }
    const base = {
      id,
      points: raw.points === undefined ? 1 : this.number(raw.points, [...path, 'points'], (n) => n > 0 && n <= 1000, 'a number of points in (0, 1000]'),
      prompt: raw.prompt === undefined ? '' : this.string(raw.prompt, [...path, 'prompt'], 2000),
      partial,
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
    }
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
