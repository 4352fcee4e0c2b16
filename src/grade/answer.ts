/**
 * Students' answers are untrusted text. This reads the value forms (a
 * number, nested lists, a tensor as PyTorch prints it, `None`) with a
 * small hand-written parser, bounded in length and depth, and formulas
 * with the checker's restricted formula parser (src/symbolic/expression.ts):
 * nothing is evaluated that is not arithmetic on numbers.
 */
import { ExpressionError, parseUserExpression, TextPositionError, type ParsedExpression } from '../symbolic/expression.js';

export const ANSWER_LIMITS = { maxChars: 20_000, maxDepth: 32, maxElements: 100_000 } as const;

export class AnswerError extends TextPositionError {
  constructor(message: string, text: string, index: number) {
    super(message, text, index);
    this.name = 'AnswerError';
  }
}

/** A tensor, list or number: row-major values and shape, with a tensor's printed extras. */
export interface ValueAnswer {
  kind: 'values';
  values: number[];
  shape: number[];
  /** `tensor(...)` rather than a bare list or number. */
  isTensor: boolean;
  /** `dtype=torch.float64`, `requires_grad=True`, `grad_fn=<MulBackward0>` as written. */
  extras: Map<string, string>;
}

export type ParsedAnswer = ValueAnswer | { kind: 'none' } | { kind: 'formula'; formula: ParsedExpression };

function bounded(text: string): void {
  if (text.length > ANSWER_LIMITS.maxChars) {
    throw new AnswerError(`the answer has ${text.length} characters; at most ${ANSWER_LIMITS.maxChars} are allowed`, text, ANSWER_LIMITS.maxChars);
  }
}

/** Any answer to a gradient question: values, None, or a formula of the leaves. */
export function parseAnswer(text: string): ParsedAnswer {
  bounded(text);
  if (text.trim() === 'None') return { kind: 'none' };
  // Values or a formula: whichever reads the text; when neither does, the error that got further.
  let valuesError: AnswerError;
  try {
    return parseValues(text);
  } catch (e) {
    if (!(e instanceof AnswerError)) throw e;
    valuesError = e;
  }
  try {
    return { kind: 'formula', formula: parseFormula(text) };
  } catch (e) {
    if (!(e instanceof AnswerError)) throw e;
    throw valuesError.index > e.index ? valuesError : e;
  }
}

/** A formula in mathjs or Python syntax; `torch.`, `math.` and `np.` before a function name are accepted. */
export function parseFormula(text: string): ParsedExpression {
  bounded(text);
  // Blank the module prefix out rather than cut it, so error positions stay right.
  const plain = text.replace(/\b(torch|math|np|numpy)\.(?=[A-Za-z_])/g, (m) => ' '.repeat(m.length));
  try {
    return parseUserExpression(plain);
  } catch (e) {
    if (e instanceof ExpressionError) throw new AnswerError(e.message, text, e.index);
    throw e;
  }
}

/** A number, nested lists, or `tensor(...)`, the whole text. */
export function parseValues(text: string): ValueAnswer {
  bounded(text);
  const reader = new ValueReader(text, 0);
  const value = reader.value();
  reader.space();
  if (reader.i < text.length) reader.fail(`unexpected ${JSON.stringify(text[reader.i])} after the value`);
  return value;
}

/** Read one `tensor(...)` at `start`, for printed output; returns it and where it ends. */
export function readTensorAt(text: string, start: number): { value: ValueAnswer; end: number } {
  const reader = new ValueReader(text, start);
  const value = reader.value();
  return { value, end: reader.i };
}

const NUMBER = /[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf)/y;
const NAME = /[A-Za-z_][A-Za-z0-9_.]*/y;

class ValueReader {
  private elements = 0;

  constructor(
    readonly text: string,
    public i: number,
  ) {}

  fail(message: string, at = this.i): never {
    throw new AnswerError(message, this.text, at);
  }

  space(): void {
    while (this.i < this.text.length && /\s/.test(this.text[this.i]!)) this.i++;
  }

  private sticky(re: RegExp): string | null {
    re.lastIndex = this.i;
    const m = re.exec(this.text);
    if (!m) return null;
    this.i += m[0].length;
    return m[0];
  }

  private expect(c: string): void {
    this.space();
    if (this.text[this.i] !== c) this.fail(`expected '${c}'${this.i < this.text.length ? '' : ' before the end'}`);
    this.i++;
  }

  value(): ValueAnswer {
    this.space();
    const start = this.i;
    const name = this.sticky(NAME);
    if (name === 'tensor' || name === 'torch.tensor') return this.tensor();
    this.i = start;
    const { values, shape } = this.nested(0);
    return { kind: 'values', values, shape, isTensor: false, extras: new Map() };
  }

  private tensor(): ValueAnswer {
    this.expect('(');
    const { values, shape } = this.nested(0);
    const extras = new Map<string, string>();
    for (;;) {
      this.space();
      if (this.text[this.i] === ')') {
        this.i++;
        return { kind: 'values', values, shape, isTensor: true, extras };
      }
      if (this.text[this.i] !== ',') this.fail(`expected ',' or ')'${this.i < this.text.length ? '' : ' before the end'}`);
      this.i++;
      this.space();
      const at = this.i;
      const key = this.sticky(NAME);
      this.space();
      if (!key || this.text[this.i] !== '=') this.fail('expected a keyword argument such as requires_grad=True', at);
      this.i++;
      this.space();
      const value = this.text[this.i] === '<' ? this.angle() : this.sticky(NAME);
      if (value === null) this.fail(`expected a value for ${key}`);
      if (extras.has(key)) this.fail(`${key} is given twice`, at);
      extras.set(key, value);
    }
  }

  private angle(): string {
    const end = this.text.indexOf('>', this.i);
    if (end < 0 || end - this.i > 100) this.fail("expected '>'");
    const inner = this.text.slice(this.i, end + 1);
    this.i = end + 1;
    return inner;
  }

  /** A number or a bracketed list of equal-shaped items. */
  private nested(depth: number): { values: number[]; shape: number[] } {
    if (depth > ANSWER_LIMITS.maxDepth) this.fail(`lists nest more than ${ANSWER_LIMITS.maxDepth} deep`);
    this.space();
    if (this.text[this.i] !== '[' && this.text[this.i] !== '(') {
      const at = this.i;
      const n = this.sticky(NUMBER);
      if (n === null) this.fail(this.i < this.text.length ? `expected a number or '['` : 'expected a value before the end');
      if (++this.elements > ANSWER_LIMITS.maxElements) this.fail(`more than ${ANSWER_LIMITS.maxElements} numbers`, at);
      return { values: [Number(n.replace(/inf$/, 'Infinity').replace(/^([-+]?)nan$/, 'NaN'))], shape: [] };
    }
    const close = this.text[this.i] === '[' ? ']' : ')';
    this.i++;
    const items: { values: number[]; shape: number[]; at: number }[] = [];
    for (;;) {
      this.space();
      if (this.text[this.i] === close) {
        this.i++;
        break;
      }
      if (items.length) {
        if (this.text[this.i] !== ',') this.fail(`expected ',' or '${close}'${this.i < this.text.length ? '' : ' before the end'}`);
        this.i++;
        this.space();
        if (this.text[this.i] === close) {
          this.i++;
          break;
        }
      }
      const at = this.i;
      items.push({ ...this.nested(depth + 1), at });
    }
    const shape = items[0]?.shape ?? [];
    for (const item of items) {
      if (item.shape.join() !== shape.join()) this.fail(`the lists are ragged: this item has shape [${item.shape}], the first [${shape}]`, item.at);
    }
    return { values: items.flatMap((x) => x.values), shape: [items.length, ...shape] };
  }
}
