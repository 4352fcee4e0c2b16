/**
 * The values of a quick expression's variables, as typed after `--at`:
 * `x=[[1,2],[3,4]]`, `x=1, y=[1,2]`, `x=1;y=2` (newlines separate too).
 *
 * A small hand-written parser over untrusted text: numbers (`-1.5e-3`,
 * `.5`, `+2`) and nested brackets only, nothing is evaluated, and the text,
 * the nesting and the count of numbers are bounded. Every error carries a
 * position in the text. The library's record form
 * (`{ x: [[1, 2], [3, 4]] }`) is rendered to the same text and parsed by the
 * same code, so it gets the same checks (and positions in that rendering).
 *
 * No mathjs here: this module is cheap to load.
 */
import type { NestedNumbers } from '../index.js';
import { TextPositionError } from '../symbolic/expression.js';

export type { NestedNumbers };

export const AT_LIMITS = {
  maxChars: 100_000,
  /** Brackets inside one value. */
  maxDepth: 32,
  /** Numbers over all the values. */
  maxNumbers: 1_000_000,
} as const;

/** A bad `--at` text (or values record), with a position in that text. */
export class AtValuesError extends TextPositionError {
  /** The text the position refers to (the `--at` text, or the rendering of a record). */
  readonly text: string;

  constructor(message: string, text: string, index: number) {
    super(message, text, index);
    this.name = 'AtValuesError';
    this.text = text;
  }
}

/** One `name=value` of the text. */
export interface AtEntry {
  name: string;
  /** Offsets of the name and of the value in the text. */
  nameIndex: number;
  valueIndex: number;
  /** [] for a number. */
  shape: number[];
  /** Row-major. */
  values: number[];
}

export interface ParsedAt {
  text: string;
  entries: AtEntry[];
}

const FORBIDDEN_NAMES = new Set(['constructor', '__proto__', 'prototype']);
const NUMBER = /[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/** Parses `--at` text into entries with their positions. Throws AtValuesError. */
export function parseAtEntries(text: string, options: { maxChars?: number } = {}): ParsedAt {
  if (typeof text !== 'string') throw new AtValuesError('values must be given as text', '', 0);
  const maxChars = options.maxChars ?? AT_LIMITS.maxChars;
  if (text.length > maxChars) throw new AtValuesError(`values too long (more than ${maxChars} characters)`, text, maxChars);
  const fail = (message: string, index: number): never => {
    throw new AtValuesError(message, text, index);
  };
  let i = 0;
  let numbers = 0;
  let newline = false;
  const skipSpace = (): void => {
    newline = false;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '\n' || c === '\r') newline = true;
      else if (c !== ' ' && c !== '\t') break;
      i++;
    }
  };
  const describe = (c: string | undefined): string => (c === undefined ? 'the end' : JSON.stringify(c));

  const entries: AtEntry[] = [];
  const seen = new Map<string, number>();

  const parseNumber = (): number => {
    const start = i;
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m === null) {
      const c = text[i];
      if (c !== undefined && /[A-Za-z_]/.test(c)) {
        NAME.lastIndex = i;
        const word = NAME.exec(text)![0];
        fail(`expected a number, not '${word.length > 20 ? `${word.slice(0, 20)}…` : word}' (values are numbers and [lists])`, start);
      }
      fail(`expected a number or '[', found ${describe(c)}`, start);
    }
    i += m![0].length;
    if (i < text.length && /[A-Za-z0-9_.]/.test(text[i]!)) fail('malformed number', start);
    const value = Number(m![0]);
    if (!Number.isFinite(value)) fail('number out of range (values must be finite)', start);
    if (++numbers > AT_LIMITS.maxNumbers) fail(`too many numbers (more than ${AT_LIMITS.maxNumbers})`, start);
    return value;
  };

  const parseValue = (): { shape: number[]; values: number[] } => {
    const shape: number[] = [];
    const values: number[] = [];
    /** The depth numbers sit at, once the first one is seen. */
    let rank: number | null = null;
    const value = (depth: number): void => {
      skipSpace();
      const start = i;
      if (text[i] !== '[') {
        const v = parseNumber();
        if (rank === null) rank = depth;
        else if (depth !== rank) fail(`ragged list: expected a list of ${shape[depth]} here, as elsewhere at this depth`, start);
        values.push(v);
        return;
      }
      if (depth + 1 > AT_LIMITS.maxDepth) fail(`values nested too deeply (more than ${AT_LIMITS.maxDepth} levels)`, start);
      if (rank !== null && depth >= rank) fail('ragged list: expected a number here, as elsewhere at this depth', start);
      i++;
      skipSpace();
      if (text[i] === ']') fail('empty lists are not supported', start);
      let count = 0;
      for (;;) {
        skipSpace();
        const known = shape[depth];
        if (known !== undefined && count === known) {
          fail(`ragged list: more than ${known} elements, where the first list at this depth has ${known}`, i);
        }
        value(depth + 1);
        count++;
        skipSpace();
        const c = text[i];
        if (c === ',') {
          i++;
          skipSpace();
          if (text[i] === ']') {
            i++;
            break;
          }
        } else if (c === ']') {
          i++;
          break;
        } else if (c === undefined) {
          fail("'[' was never closed", start);
        } else {
          fail(`expected ',' or ']', found ${describe(c)}`, i);
        }
      }
      const known = shape[depth];
      if (known === undefined) shape[depth] = count;
      else if (count !== known) {
        fail(`ragged list: ${count} element${count === 1 ? '' : 's'}, where the first list at this depth has ${known}`, start);
      }
    };
    value(0);
    return { shape: shape.slice(0, rank ?? 0), values };
  };

  skipSpace();
  while (i < text.length) {
    const nameIndex = i;
    NAME.lastIndex = i;
    const m = NAME.exec(text);
    if (m === null) fail(`expected a variable name, found ${describe(text[i])} (write name=value)`, i);
    const name = m![0];
    i += name.length;
    if (FORBIDDEN_NAMES.has(name)) fail(`the name '${name}' is not allowed`, nameIndex);
    if (seen.has(name)) fail(`'${name}' is given a value twice`, nameIndex);
    seen.set(name, nameIndex);
    skipSpace();
    if (text[i] !== '=') fail(`expected '=' after '${name}', found ${describe(text[i])}`, i);
    i++;
    skipSpace();
    const valueIndex = i;
    const { shape, values } = parseValue();
    entries.push({ name, nameIndex, valueIndex, shape, values });
    skipSpace();
    if (i >= text.length) break;
    const c = text[i]!;
    if (c === ',' || c === ';') {
      i++;
      skipSpace();
    } else if (!newline) {
      fail(`expected ',' or ';' between values, found ${describe(c)}`, i);
    }
  }
  if (entries.length === 0) fail('no values given (write name=value, e.g. x=[1,2])', 0);
  return { text, entries };
}

/** Nested lists of `values` in `shape` (a number for shape []). */
export function nestValues(values: readonly number[], shape: readonly number[]): NestedNumbers {
  if (shape.length === 0) return values[0]!;
  let k = 0;
  const build = (dim: number): NestedNumbers =>
    dim === shape.length ? values[k++]! : Array.from({ length: shape[dim]! }, () => build(dim + 1));
  return build(0);
}

/**
 * `x=[[1,2],[3,4]]`, `x=1, y=[1,2]`, `x=1;y=2` → `{ x: [[1, 2], [3, 4]], … }`.
 * Throws AtValuesError with a position for anything else.
 */
export function parseAt(text: string): Record<string, NestedNumbers> {
  const out: Record<string, NestedNumbers> = {};
  for (const e of parseAtEntries(text).entries) {
    Object.defineProperty(out, e.name, { value: nestValues(e.values, e.shape), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * A values record written as `--at` text (bounded: it stops at the first
 * value that is not a finite number or a list, past the depth or number
 * limits, or at a cycle), so that records and text get the same checks.
 */
export function renderAt(at: Record<string, NestedNumbers>): string {
  if (at === null || typeof at !== 'object' || Array.isArray(at)) {
    throw new AtValuesError('values must be an object of name: number or nested lists', '', 0);
  }
  let out = '';
  let numbers = 0;
  const fail = (message: string): never => {
    throw new AtValuesError(message, out, out.length);
  };
  const write = (v: unknown, depth: number): void => {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) fail(`${String(v)} is not a finite number`);
      if (++numbers > AT_LIMITS.maxNumbers) fail(`too many numbers (more than ${AT_LIMITS.maxNumbers})`);
      out += Object.is(v, -0) ? '-0' : String(v);
    } else if (Array.isArray(v)) {
      if (depth + 1 > AT_LIMITS.maxDepth) fail(`values nested too deeply (more than ${AT_LIMITS.maxDepth} levels)`);
      out += '[';
      v.forEach((item, k) => {
        if (k > 0) out += ', ';
        write(item, depth + 1);
      });
      out += ']';
    } else {
      fail(`expected a number or a list, found ${typeof v === 'boolean' ? 'a boolean' : v === null ? 'null' : `a ${typeof v}`}`);
    }
  };
  Object.keys(at).forEach((name, k) => {
    if (k > 0) out += ', ';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(`invalid variable name ${JSON.stringify(name.slice(0, 40))}`);
    out += `${name}=`;
    write(at[name], 0);
  });
  return out;
}
