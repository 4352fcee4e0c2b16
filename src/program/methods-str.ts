/**
 * The methods of Python's str, with CPython's results and errors.
 * (Strings are JavaScript strings: a character outside the Basic
 * Multilingual Plane counts as two, where Python counts one.)
 */
import { LimitError, PyError } from '../tensor/errors.js';
import { PyDict } from './dict.js';
import { UnsupportedError } from './errors.js';
import { strFormat } from './format.js';
import { iterate } from './iteration.js';
import { intArg, method, named, positional, strArg } from './method-util.js';
import { MAX_SEQUENCE } from './operators.js';
import { sliceIndices } from './subscript.js';
import { PyTuple, SliceValue, strClass, typeOf, type PyValue } from './values.js';

const WHITESPACE = '\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';
const isSpace = (ch: string) => WHITESPACE.includes(ch);
const LINE_BREAKS = '\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029';

const typeError = (message: string) => new PyError('TypeError', message);
const valueError = (message: string) => new PyError('ValueError', message);

/** The [start, end) a `find`/`count`/`startswith` works on: slice semantics over the string. */
function span(s: string, start: PyValue | undefined, end: PyValue | undefined): [number, number] | null {
  const bound = (v: PyValue | undefined) => (v === undefined || v === null ? null : v);
  if (start !== undefined && start !== null && typeof start !== 'bigint' && typeof start !== 'boolean') {
    throw typeError('slice indices must be integers or None or have an __index__ method');
  }
  const { start: a, stop: b } = sliceIndices(new SliceValue(bound(start), bound(end), null), s.length);
  const from = Math.max(0, a);
  const to = Math.max(from, b);
  // CPython: an empty needle is found at `start` only when start <= len.
  const rawStart = start === undefined || start === null ? 0 : Number(intArg(start));
  if (rawStart > s.length) return null;
  return [from, to];
}

function needle(v: PyValue | undefined): string {
  if (typeof v !== 'string') throw typeError(`must be str, not ${typeOf(v ?? null).name}`);
  return v;
}

function find(s: string, sub: string, start: PyValue | undefined, end: PyValue | undefined, reverse: boolean): number {
  const r = span(s, start, end);
  if (!r) return -1;
  const [a, b] = r;
  if (sub.length > b - a) return -1;
  if (reverse) {
    const i = s.lastIndexOf(sub, b - sub.length);
    return i >= a ? i : -1;
  }
  const i = s.indexOf(sub, a);
  return i >= 0 && i + sub.length <= b ? i : -1;
}

function stripChars(chars: PyValue | undefined, name: string): ((ch: string) => boolean) {
  if (chars === undefined || chars === null) return isSpace;
  if (typeof chars !== 'string') throw typeError(`${name} arg must be None or str`);
  return (ch) => chars.includes(ch);
}

function strip(s: string, test: (ch: string) => boolean, left: boolean, right: boolean): string {
  let a = 0;
  let b = s.length;
  if (left) while (a < b && test(s[a]!)) a++;
  if (right) while (b > a && test(s[b - 1]!)) b--;
  return s.slice(a, b);
}

function splitWhitespace(s: string, maxsplit: number, reverse: boolean): string[] {
  const out: string[] = [];
  if (!reverse) {
    let i = 0;
    const n = s.length;
    while (i < n) {
      while (i < n && isSpace(s[i]!)) i++;
      if (i >= n) break;
      if (maxsplit >= 0 && out.length === maxsplit) {
        out.push(s.slice(i));
        break;
      }
      let j = i;
      while (j < n && !isSpace(s[j]!)) j++;
      out.push(s.slice(i, j));
      i = j;
    }
    return out;
  }
  let i = s.length;
  while (i > 0) {
    while (i > 0 && isSpace(s[i - 1]!)) i--;
    if (i <= 0) break;
    if (maxsplit >= 0 && out.length === maxsplit) {
      out.push(s.slice(0, i));
      break;
    }
    let j = i;
    while (j > 0 && !isSpace(s[j - 1]!)) j--;
    out.push(s.slice(j, i));
    i = j;
  }
  return out.reverse();
}

function split(s: string, sep: PyValue | undefined, maxsplitArg: PyValue | undefined, reverse: boolean): string[] {
  const maxsplit = Number(intArg(maxsplitArg ?? -1n));
  if (sep === undefined || sep === null) return splitWhitespace(s, maxsplit, reverse);
  if (typeof sep !== 'string') throw typeError(`must be str or None, not ${typeOf(sep).name}`);
  if (sep === '') throw valueError('empty separator');
  if (maxsplit < 0) return s.split(sep);
  const out: string[] = [];
  if (!reverse) {
    let rest = s;
    while (out.length < maxsplit) {
      const i = rest.indexOf(sep);
      if (i < 0) break;
      out.push(rest.slice(0, i));
      rest = rest.slice(i + sep.length);
    }
    out.push(rest);
    return out;
  }
  let rest = s;
  while (out.length < maxsplit) {
    const i = rest.lastIndexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(i + sep.length));
    rest = rest.slice(0, i);
  }
  out.push(rest);
  return out.reverse();
}

function splitlines(s: string, keepends: boolean): string[] {
  const out: string[] = [];
  let i = 0;
  let start = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (LINE_BREAKS.includes(ch)) {
      const end = ch === '\r' && s[i + 1] === '\n' ? i + 2 : i + 1;
      out.push(s.slice(start, keepends ? end : i));
      i = start = end;
    } else {
      i++;
    }
  }
  if (start < s.length) out.push(s.slice(start));
  return out;
}

const isCased = (ch: string) => ch.toLowerCase() !== ch.toUpperCase();
const isLower = (ch: string) => isCased(ch) && ch === ch.toLowerCase() && ch !== ch.toUpperCase();
const isUpper = (ch: string) => isCased(ch) && ch === ch.toUpperCase() && ch !== ch.toLowerCase();
const titleChar = (ch: string) => (ch === 'ß' ? 'Ss' : ch.toUpperCase().length > 1 ? ch[0]!.toUpperCase() + ch.toUpperCase().slice(1).toLowerCase() : ch.toUpperCase());

function title(s: string): string {
  let out = '';
  let prevCased = false;
  for (const ch of s) {
    out += prevCased ? ch.toLowerCase() : titleChar(ch);
    prevCased = isCased(ch);
  }
  return out;
}

function padArgs(call: { args: PyValue[]; kwargs: Map<string, PyValue> }, name: string): [number, string] {
  const [width, fill] = positional(call, name, 1, 2);
  const w = Number(intArg(width));
  if (w > MAX_SEQUENCE) throw new LimitError(`a string of ${w} characters is longer than dzdx's limit of ${MAX_SEQUENCE}`);
  if (fill === undefined) return [w, ' '];
  if (typeof fill !== 'string') throw typeError(`${name}() argument 2 must be str, not ${typeOf(fill).name}`);
  if ([...fill].length !== 1) throw typeError('The fill character must be exactly one character long');
  return [w, fill];
}

function prefixes(v: PyValue | undefined, name: string): string[] {
  if (typeof v === 'string') return [v];
  if (v instanceof PyTuple) {
    return v.items.map((x) => {
      if (typeof x !== 'string') throw typeError(`tuple for ${name} must only contain str, not ${typeOf(x).name}`);
      return x;
    });
  }
  throw typeError(`${name} first arg must be str or a tuple of str, not ${typeOf(v ?? null).name}`);
}

const cls = strClass;

method<string>(cls, 'lower', (s, c) => (positional(c, 'lower', 0, 0), s.toLowerCase()));
method<string>(cls, 'upper', (s, c) => (positional(c, 'upper', 0, 0), s.toUpperCase()));
method<string>(cls, 'casefold', (s, c) => (positional(c, 'casefold', 0, 0), s.toLowerCase()));
method<string>(cls, 'swapcase', (s, c) => (positional(c, 'swapcase', 0, 0), [...s].map((ch) => (isUpper(ch) ? ch.toLowerCase() : isLower(ch) ? ch.toUpperCase() : ch)).join('')));
method<string>(cls, 'title', (s, c) => (positional(c, 'title', 0, 0), title(s)));
method<string>(cls, 'capitalize', (s, c) => {
  positional(c, 'capitalize', 0, 0);
  const chars = [...s];
  return chars.length === 0 ? '' : titleChar(chars[0]!) + chars.slice(1).join('').toLowerCase();
});
method<string>(cls, 'strip', (s, c) => strip(s, stripChars(positional(c, 'strip', 0, 1)[0], 'strip'), true, true));
method<string>(cls, 'lstrip', (s, c) => strip(s, stripChars(positional(c, 'lstrip', 0, 1)[0], 'lstrip'), true, false));
method<string>(cls, 'rstrip', (s, c) => strip(s, stripChars(positional(c, 'rstrip', 0, 1)[0], 'rstrip'), false, true));
method<string>(cls, 'split', (s, c) => {
  const [sep, maxsplit] = named(c, 'split', ['sep', 'maxsplit']);
  return split(s, sep, maxsplit, false);
});
method<string>(cls, 'rsplit', (s, c) => {
  const [sep, maxsplit] = named(c, 'rsplit', ['sep', 'maxsplit']);
  return split(s, sep, maxsplit, true);
});
method<string>(cls, 'splitlines', (s, c) => {
  const [keepends] = named(c, 'splitlines', ['keepends']);
  return splitlines(s, keepends !== undefined && keepends !== null && keepends !== false && keepends !== 0n);
});
method<string>(cls, 'join', (s, c) => {
  const [iterable] = positional(c, 'join', 1, 1);
  const parts: string[] = [];
  let total = 0;
  let i = 0;
  for (const v of iterate(iterable!)) {
    if (typeof v !== 'string') throw typeError(`sequence item ${i}: expected str instance, ${typeOf(v).name} found`);
    parts.push(v);
    total += v.length + s.length;
    if (total > MAX_SEQUENCE) throw new LimitError(`a string of more than ${MAX_SEQUENCE} characters is longer than dzdx's limit`);
    i++;
  }
  return parts.join(s);
});
method<string>(cls, 'replace', (s, c) => {
  const [old, replacement, count] = positional(c, 'replace', 2, 3);
  if (typeof old !== 'string') throw typeError(`replace() argument 1 must be str, not ${typeOf(old!).name}`);
  if (typeof replacement !== 'string') throw typeError(`replace() argument 2 must be str, not ${typeOf(replacement!).name}`);
  let n = count === undefined ? -1 : Number(intArg(count));
  if (n < 0) n = Infinity;
  let out = '';
  if (old === '') {
    const chars = [...s];
    let k = 0;
    for (let i = 0; i <= chars.length; i++) {
      if (k < n) (out += replacement), k++;
      if (i < chars.length) out += chars[i];
    }
  } else {
    let i = 0;
    let k = 0;
    for (;;) {
      const j = k < n ? s.indexOf(old, i) : -1;
      if (j < 0) break;
      out += s.slice(i, j) + replacement;
      i = j + old.length;
      k++;
    }
    out += s.slice(i);
  }
  if (out.length > MAX_SEQUENCE) throw new LimitError(`a string of more than ${MAX_SEQUENCE} characters is longer than dzdx's limit`);
  return out;
});
for (const [name, reverse, raise] of [
  ['find', false, false],
  ['rfind', true, false],
  ['index', false, true],
  ['rindex', true, true],
] as const) {
  method<string>(cls, name, (s, c) => {
    const [sub, start, end] = positional(c, name, 1, 3);
    const i = find(s, needle(sub), start, end, reverse);
    if (i < 0 && raise) throw valueError('substring not found');
    return BigInt(i);
  });
}
method<string>(cls, 'count', (s, c) => {
  const [sub, start, end] = positional(c, 'count', 1, 3);
  const n = needle(sub);
  const r = span(s, start, end);
  if (!r) return 0n;
  const [a, b] = r;
  if (n === '') return BigInt(b - a + 1);
  let k = 0;
  for (let i = s.indexOf(n, a); i >= 0 && i + n.length <= b; i = s.indexOf(n, i + n.length)) k++;
  return BigInt(k);
});
for (const [name, atEnd] of [
  ['startswith', false],
  ['endswith', true],
] as const) {
  method<string>(cls, name, (s, c) => {
    const [prefix, start, end] = positional(c, name, 1, 3);
    const options = prefixes(prefix, name);
    const r = span(s, start, end);
    if (!r) return false;
    const part = s.slice(r[0], r[1]);
    return options.some((p) => (atEnd ? part.endsWith(p) : part.startsWith(p)));
  });
}
method<string>(cls, 'removeprefix', (s, c) => {
  const p = strArg(positional(c, 'removeprefix', 1, 1)[0], 'removeprefix() argument must be str, not %T');
  return p && s.startsWith(p) ? s.slice(p.length) : s;
});
method<string>(cls, 'removesuffix', (s, c) => {
  const p = strArg(positional(c, 'removesuffix', 1, 1)[0], 'removesuffix() argument must be str, not %T');
  return p && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
});
method<string>(cls, 'center', (s, c) => {
  const [width, fill] = padArgs(c, 'center');
  const marg = width - s.length;
  if (marg <= 0) return s;
  const left = Math.floor(marg / 2) + (marg & width & 1);
  return fill.repeat(left) + s + fill.repeat(marg - left);
});
method<string>(cls, 'ljust', (s, c) => {
  const [width, fill] = padArgs(c, 'ljust');
  return s + fill.repeat(Math.max(0, width - s.length));
});
method<string>(cls, 'rjust', (s, c) => {
  const [width, fill] = padArgs(c, 'rjust');
  return fill.repeat(Math.max(0, width - s.length)) + s;
});
method<string>(cls, 'zfill', (s, c) => {
  const width = Number(intArg(positional(c, 'zfill', 1, 1)[0]));
  if (width > MAX_SEQUENCE) throw new LimitError(`a string of ${width} characters is longer than dzdx's limit of ${MAX_SEQUENCE}`);
  const fill = width - s.length;
  if (fill <= 0) return s;
  const sign = s[0] === '+' || s[0] === '-' ? s[0] : '';
  return sign + '0'.repeat(fill) + s.slice(sign.length);
});
method<string>(cls, 'expandtabs', (s, c) => {
  const [tabsize] = named(c, 'expandtabs', ['tabsize']);
  const size = Number(intArg(tabsize ?? 8n));
  let out = '';
  let col = 0;
  for (const ch of s) {
    if (ch === '\t') {
      const n = size > 0 ? size - (col % size) : 0;
      out += ' '.repeat(n);
      col += n;
    } else {
      out += ch;
      col = ch === '\n' || ch === '\r' ? 0 : col + 1;
    }
  }
  return out;
});
for (const [name, reverse] of [
  ['partition', false],
  ['rpartition', true],
] as const) {
  method<string>(cls, name, (s, c) => {
    const sep = needle(positional(c, name, 1, 1)[0]);
    if (sep === '') throw valueError('empty separator');
    const i = reverse ? s.lastIndexOf(sep) : s.indexOf(sep);
    if (i < 0) return new PyTuple(reverse ? ['', '', s] : [s, '', '']);
    return new PyTuple([s.slice(0, i), sep, s.slice(i + sep.length)]);
  });
}
method<string>(cls, 'format', (s, c) => strFormat(s, c.args, c.kwargs));
method<string>(cls, 'format_map', (s, c) => {
  const [mapping] = positional(c, 'format_map', 1, 1);
  if (!(mapping instanceof PyDict)) throw new UnsupportedError('format_map with a mapping that is not a dict is not supported');
  return strFormat(s, [], mapping);
});
method<string>(cls, 'encode', () => {
  throw new UnsupportedError('bytes (str.encode) are not supported');
});

const charTest = (name: string, test: (ch: string) => boolean, emptyIs = false) =>
  method<string>(cls, name, (s, c) => {
    positional(c, name, 0, 0);
    if (s.length === 0) return emptyIs;
    for (const ch of s) if (!test(ch)) return false;
    return true;
  });
charTest('isalpha', (ch) => /\p{L}/u.test(ch));
charTest('isdecimal', (ch) => /\p{Nd}/u.test(ch));
charTest('isdigit', (ch) => /\p{Nd}/u.test(ch) || '²³¹⁰⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉'.includes(ch));
charTest('isnumeric', (ch) => /\p{N}/u.test(ch));
charTest('isalnum', (ch) => /[\p{L}\p{N}]/u.test(ch));
charTest('isspace', isSpace);
charTest('isascii', (ch) => ch.charCodeAt(0) < 128, true);
charTest('isprintable', (ch) => !/[\p{C}\p{Z}]/u.test(ch) || ch === ' ', true);
method<string>(cls, 'islower', (s, c) => (positional(c, 'islower', 0, 0), [...s].some(isCased) && ![...s].some(isUpper)));
method<string>(cls, 'isupper', (s, c) => (positional(c, 'isupper', 0, 0), [...s].some(isCased) && ![...s].some(isLower)));
method<string>(cls, 'istitle', (s, c) => {
  positional(c, 'istitle', 0, 0);
  let prevCased = false;
  let any = false;
  for (const ch of s) {
    if (isUpper(ch) || (isCased(ch) && !isLower(ch))) {
      if (prevCased) return false;
      prevCased = true;
      any = true;
    } else if (isLower(ch)) {
      if (!prevCased) return false;
      prevCased = true;
      any = true;
    } else prevCased = false;
  }
  return any;
});
method<string>(cls, 'isidentifier', (s, c) => (positional(c, 'isidentifier', 0, 0), /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u.test(s)));
