/**
 * A lexical pass over the source before lezer sees it, in the manner of
 * CPython's tokenizer. It does what the lezer grammar does not:
 * - indentation errors (lezer silently accepts `unexpected indent` and bad dedents);
 * - bracket errors with Python's messages (`'(' was never closed`, `unmatched ')'`);
 * - unterminated strings (lezer accepts `'abc` up to the line end) and malformed
 *   number literals (`1.x`, `1_`, `0b2`);
 * - nesting limits: lezer's tree building recurses and overflows the JS stack
 *   on a few thousand nested brackets, so deep brackets must be refused first;
 * - spots where the lezer grammar disagrees with Python 3, fixed by patching
 *   the text given to lezer without changing its length (so offsets stay
 *   valid; the mapper reads names and numbers from the original text):
 *   `1.` / `2.e-3` are read by the grammar as `1 .attr`, so their dot becomes
 *   `0`; `print` before an operator (`print = f`) would start a Python 2 print
 *   statement, so it becomes `_rint`.
 */
import type { Pos } from './ast.js';
import type { ScriptSyntaxError } from './errors.js';
import { DEPTH_MESSAGE, MAX_DEPTH, type Ctx } from './parse-util.js';

export interface ScanResult {
  /** The source with the patches above applied, for lezer. */
  patched: string;
  /**
   * A bad string, number or bracket. It wins over any parser error: after a
   * parser error CPython tokenizes the rest of the file and reports such an
   * error instead when it finds one.
   */
  tokenError: ScriptSyntaxError | null;
  /** Any other lexical error; the caller ranks it against the parser's errors by `order`. */
  error: ScriptSyntaxError | null;
  /**
   * Where `error` ranks: indentation errors come before anything else on
   * their line; an unclosed bracket only counts when the parser has not failed
   * on the bracket's line or before (CPython reports it at the end of input).
   */
  order: Pos | null;
}

const CLOSE_TO_OPEN: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
const STRING_PREFIX = /^(?:[rRbBuUfF]|[rR][bBfF]|[bBfF][rR])$/;
/** CPython accepts these keywords right after a number (`1if x else 2`). */
const KEYWORD_AFTER_NUMBER = /^(?:and|else|for|if|in|is|not|or)/;

function isIdentChar(ch: string | undefined): boolean {
  if (ch === undefined) return false;
  const code = ch.charCodeAt(0);
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code >= 0xa1;
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

/** Why a block is expected, in CPython's words. */
function blockOwner(firstWord: string): string | null {
  if (firstWord === 'def' || firstWord === 'async') return 'function definition';
  if (firstWord === 'class') return 'class definition';
  const stmts = ['if', 'elif', 'else', 'for', 'while', 'with', 'try', 'except', 'finally', 'match', 'case'];
  return stmts.includes(firstWord) ? `'${firstWord}' statement` : null;
}

interface Indent {
  /** Width with tabs to multiples of 8, and with tabs counting 1: Python requires both to agree. */
  wide: number;
  narrow: number;
}

export function scanSource(c: Ctx): ScanResult {
  const src = c.src;
  const n = src.length;
  const patches: [number, string][] = [];
  const brackets: { ch: string; offset: number }[] = [];
  const indents: Indent[] = [{ wide: 0, narrow: 0 }];
  let atLineStart = true;
  let lineHasTokens = false;
  let lastToken = '';
  let firstWord = '';
  /** Set when the previous logical line ended with `:`, i.e. opened a block. */
  let header: { line: number; owner: string | null } | null = null;
  let headerLine = 0;

  let pending: { error: ScriptSyntaxError; order: Pos } | null = null;
  const finish = (tokenError: ScriptSyntaxError | null = null): ScanResult => ({
    patched: applyPatches(src, patches),
    tokenError,
    error: pending?.error ?? null,
    order: pending?.order ?? null,
  });
  const tokenError = (message: string, at: number) => finish(c.error('syntax', message, at));
  /** Keep the first non-token error; `col` 0 ranks it before everything else on its line. */
  const note = (message: string, at: number, col?: number) => {
    const error = c.error('syntax', message, at);
    pending ??= { error, order: { line: error.line, col: col ?? error.col } };
  };
  const missingBlock = (at: number, h: { line: number; owner: string | null }) =>
    note(`expected an indented block${h.owner ? ` after ${h.owner} on line ${h.line}` : ''}`, at, 0);

  let i = 0;
  while (i < n) {
    if (atLineStart && brackets.length === 0) {
      atLineStart = false;
      let wide = 0;
      let narrow = 0;
      let j = i;
      for (; j < n; j++) {
        const ch = src[j];
        if (ch === ' ') (wide++, narrow++);
        else if (ch === '\t') (wide = wide - (wide % 8) + 8, narrow++);
        else if (ch === '\f') (wide = 0, narrow = 0);
        else break;
      }
      i = j;
      // Blank and comment-only lines do not take part in indentation.
      if (j >= n || src[j] === '\n' || src[j] === '#') continue;
      const top = indents[indents.length - 1]!;
      const opened = header;
      header = null;
      if (opened && wide > top.wide) {
        if (narrow <= top.narrow) return (note('inconsistent use of tabs and spaces in indentation', j, 0), finish());
        indents.push({ wide, narrow });
        if (indents.length - 1 > MAX_DEPTH) throw c.error('limit', DEPTH_MESSAGE, j);
        continue;
      }
      // A parser error in CPython: later bad strings or brackets still win over it.
      if (opened) missingBlock(j, opened);
      if (wide > top.wide) return (note('unexpected indent', j, 0), finish());
      while (wide < indents[indents.length - 1]!.wide) indents.pop();
      const now = indents[indents.length - 1]!;
      if (wide !== now.wide) return (note('unindent does not match any outer indentation level', j, 0), finish());
      if (narrow !== now.narrow) return (note('inconsistent use of tabs and spaces in indentation', j, 0), finish());
      continue;
    }

    const ch = src[i]!;
    if (ch === '\n') {
      if (brackets.length === 0) {
        if (lineHasTokens && lastToken === ':') header = { line: headerLine, owner: blockOwner(firstWord) };
        lineHasTokens = false;
        atLineStart = true;
      }
      i++;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\f') {
      i++;
      continue;
    }
    if (ch === '#') {
      const end = src.indexOf('\n', i);
      i = end < 0 ? n : end;
      continue;
    }
    if (ch === '\\') {
      if (src[i + 1] !== '\n') {
        note('unexpected character after line continuation character', i + 1);
        pending!.order = c.pos(i); // ranks where the backslash is
        return finish();
      }
      i += 2; // explicit line joining: the logical line goes on
      continue;
    }
    if (!lineHasTokens) {
      lineHasTokens = true;
      headerLine = c.pos(i).line;
      firstWord = /^[A-Za-z_]\w*/.exec(src.slice(i, i + 16))?.[0] ?? '';
    }

    if (ch === "'" || ch === '"') {
      const end = skipString(c, i, i);
      if (typeof end !== 'number') return finish(end);
      i = end;
      lastToken = 's';
      continue;
    }
    if (isIdentChar(ch) && !isDigit(ch)) {
      let j = i + 1;
      while (isIdentChar(src[j])) j++;
      const word = src.slice(i, j);
      if ((src[j] === "'" || src[j] === '"') && STRING_PREFIX.test(word)) {
        const end = skipString(c, i, j);
        if (typeof end !== 'number') return finish(end);
        if (/f/i.test(word)) patchFieldNumbers(src, j, end, patches);
        i = end;
        lastToken = 's';
        continue;
      }
      if (word === 'print' && printIsAName(src, j)) patches.push([i, '_']);
      i = j;
      lastToken = 'w';
      continue;
    }
    if (isDigit(ch) || (ch === '.' && isDigit(src[i + 1]))) {
      const num = lexNumber(src, i);
      if (num.error) return tokenError(num.error, i);
      if (num.dot >= 0) patches.push([num.dot, '0']);
      i = num.end;
      lastToken = 'n';
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') {
      brackets.push({ ch, offset: i });
      if (brackets.length > MAX_DEPTH) throw c.error('limit', DEPTH_MESSAGE, i);
    } else if (ch === ')' || ch === ']' || ch === '}') {
      const open = brackets.pop();
      if (!open) return tokenError(`unmatched '${ch}'`, i);
      if (open.ch !== CLOSE_TO_OPEN[ch]) {
        const openLine = c.pos(open.offset).line;
        const where = openLine === c.pos(i).line ? '' : ` on line ${openLine}`;
        return tokenError(`closing parenthesis '${ch}' does not match opening parenthesis '${open.ch}'${where}`, i);
      }
    }
    lastToken = ch;
    i++;
  }
  const open = brackets.pop();
  if (open) note(`'${open.ch}' was never closed`, open.offset, Infinity);
  if (header) missingBlock(n, header);
  if (lineHasTokens && lastToken === ':') missingBlock(n, { line: headerLine, owner: blockOwner(firstWord) });
  return finish();
}

/**
 * The replacement fields of an f-string (`{x.item():.4f}`) are code, so a
 * `1.` in them needs the same patch as elsewhere. `from`..`to` spans the
 * quotes; quoted strings inside a field are skipped.
 */
function patchFieldNumbers(src: string, from: number, to: number, patches: [number, string][]): void {
  let depth = 0;
  for (let k = from; k < to; k++) {
    const ch = src[k]!;
    if (depth === 0) {
      if ((ch === '{' || ch === '}') && src[k + 1] === ch) k++;
      else if (ch === '{') depth = 1;
      continue;
    }
    if (ch === '{') depth++;
    else if (ch === '}') depth--;
    else if (ch === "'" || ch === '"') {
      const close = src.indexOf(ch, k + 1);
      k = close < 0 || close >= to ? to : close;
    } else if (isDigit(ch) && !isIdentChar(src[k - 1])) {
      const num = lexNumber(src, k);
      if (num.dot >= 0) patches.push([num.dot, '0']);
      k = num.end - 1;
    }
  }
}

/** In Python 3 `print = f`, `print -x`, `print, y`: `print` followed by an operator is a name. */
function printIsAName(src: string, after: number): boolean {
  let k = after;
  while (src[k] === ' ' || src[k] === '\t') k++;
  const next = src[k];
  // At the end of the file, too: lezer's Python 2 print statement would want an expression there.
  return next === undefined || (!'(.\n#\'"\\'.includes(next) && !isIdentChar(next));
}

/**
 * Read the number literal at `i` (digits, or `.` and digits) as CPython does.
 * `dot` is the offset of a dot without digits after it (`1.`, `1.e5`), or -1.
 */
function lexNumber(src: string, i: number): { end: number; dot: number; error: string | null } {
  /** Skip a digit run with single underscores between digits, starting at a digit. */
  const run = (j: number, ok: (ch: string | undefined) => boolean): number => {
    for (j++; ; ) {
      if (ok(src[j])) j++;
      else if (src[j] === '_' && ok(src[j + 1])) j += 2;
      else return j;
    }
  };
  let dot = -1;
  /** What may follow a number: no `_`, no letter unless a keyword starts there. */
  const end = (j: number, kind: string) => {
    const bad = src[j] === '_' || (isIdentChar(src[j]) && !KEYWORD_AFTER_NUMBER.test(src.slice(j, j + 4)));
    return { end: j, dot, error: bad ? `invalid ${kind} literal` : null };
  };

  const radix = src[i] === '0' ? (src[i + 1] ?? '').toLowerCase() : '';
  if (radix === 'x' || radix === 'o' || radix === 'b') {
    const kind = radix === 'x' ? 'hexadecimal' : radix === 'o' ? 'octal' : 'binary';
    const ok = radix === 'x' ? (ch?: string) => ch !== undefined && /[0-9a-fA-F]/.test(ch) : (ch?: string) => ch !== undefined && ch >= '0' && ch <= (radix === 'o' ? '7' : '1');
    let j = i + 2;
    if (src[j] === '_') j++;
    if (!ok(src[j])) return { end: j, dot, error: isDigit(src[j]) ? `invalid digit '${src[j]}' in ${kind} literal` : `invalid ${kind} literal` };
    j = run(j, ok);
    if (isDigit(src[j])) return { end: j, dot, error: `invalid digit '${src[j]}' in ${kind} literal` };
    return end(j, kind);
  }

  let j = src[i] === '.' ? i : run(i, isDigit);
  if (src[j] === '.') {
    if (isDigit(src[j + 1])) j = run(j + 1, isDigit);
    // Not before `.5`: the patched `10.5` would read as one number.
    else if (src[j + 1] === '.' && isDigit(src[j + 2])) j++;
    else dot = j++;
  }
  if (src[j] === 'e' || src[j] === 'E') {
    let k = j + 1;
    if (src[k] === '+' || src[k] === '-') k++;
    if (isDigit(src[k])) j = run(k, isDigit);
    else if (!src.startsWith('else', j)) return { end: j, dot, error: 'invalid decimal literal' };
  }
  if (src[j] === 'j' || src[j] === 'J') return end(j + 1, 'imaginary');
  return end(j, 'decimal');
}

/** Apply same-length patches: `1.` -> `10`, `print` -> `_rint`. */
function applyPatches(src: string, patches: [number, string][]): string {
  if (patches.length === 0) return src;
  const parts: string[] = [];
  let from = 0;
  for (const [at, ch] of patches) {
    parts.push(src.slice(from, at), ch);
    from = at + 1;
  }
  parts.push(src.slice(from));
  return parts.join('');
}

/**
 * Skip the string literal whose prefix starts at `start` and whose quote is at
 * `quoteAt`. Returns the offset after it, or an error for an unterminated one.
 * Inside, a backslash always protects the next character (also in raw strings).
 */
function skipString(c: Ctx, start: number, quoteAt: number): number | ScriptSyntaxError {
  const src = c.src;
  const q = src[quoteAt]!;
  const triple = src.startsWith(q + q + q, quoteAt);
  let i = quoteAt + (triple ? 3 : 1);
  for (; i < src.length; i++) {
    const ch = src[i];
    if (ch === '\\') i++;
    else if (ch === '\n' && !triple) break;
    else if (ch === q && (!triple || src.startsWith(q + q + q, i))) return i + (triple ? 3 : 1);
  }
  const detected = c.pos(Math.max(0, Math.min(i, src.length - 1))).line;
  const what = triple ? 'unterminated triple-quoted string literal' : 'unterminated string literal';
  return c.error('syntax', `${what} (detected at line ${detected})`, start);
}
