/**
 * Python's three ways of formatting: `format(value, spec)` (and f-string
 * fields) through each type's `__format__`, `str.format` with its
 * replacement fields, and printf-style `%` formatting. Numbers go through
 * pyformat.ts, which follows CPython digit for digit.
 */
import { Tensor } from '../autograd/tensor.js';
import { LimitError, PyError } from '../tensor/errors.js';
import { PyDict } from './dict.js';
import { newException, exceptionClassNamed, RaisedError } from './exceptions.js';
import { callBound, getAttr, lookupSpecial } from './objects.js';
import { MAX_FORMAT_WIDTH, pyFormat } from './pyformat.js';
import { repr, str } from './repr.js';
import { getItem } from './subscript.js';
import { itemOf } from './tensor-attrs.js';
import { objectClass, MethodDescriptor, PyInstance, PyTuple, typeOf, type Kwargs, type PyValue } from './values.js';

const valueError = (message: string) => new PyError('ValueError', message);
const typeError = (message: string) => new PyError('TypeError', message);

function keyError(key: PyValue): Error {
  const exc = newException(exceptionClassNamed('KeyError'), [key]);
  return new RaisedError(exc, repr(key));
}

/** `ascii(v)`: the repr with non-ASCII characters escaped. */
export function ascii(v: PyValue): string {
  let out = '';
  for (const ch of repr(v)) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) out += ch;
    else if (code < 0x100) out += '\\x' + code.toString(16).padStart(2, '0');
    else if (code < 0x10000) out += '\\u' + code.toString(16).padStart(4, '0');
    else out += '\\U' + code.toString(16).padStart(8, '0');
  }
  return out;
}

export function convert(v: PyValue, conversion: 'r' | 's' | 'a' | null): PyValue {
  if (conversion === 'r') return repr(v);
  if (conversion === 's') return str(v);
  if (conversion === 'a') return ascii(v);
  return v;
}

/** `format(str, spec)`: fill, alignment (left by default), width and precision (truncation). */
function formatString(s: string, spec: string): string {
  const m = /^(?:([\s\S])?([<>=^]))?([-+ ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([a-zA-Z%])?$/.exec(spec);
  if (!m) throw valueError('Invalid format specifier');
  const [, fill, align, sign, alt, zero, width, grouping, precision, type] = m;
  if (type !== undefined && type !== 's') throw valueError(`Unknown format code '${type}' for object of type 'str'`);
  if (sign !== undefined) throw valueError('Sign not allowed in string format specifier');
  if (alt !== undefined) throw valueError('Alternate form (#) not allowed in string format specifier');
  if (grouping !== undefined) throw valueError(`Cannot specify '${grouping}' with 's'.`);
  const alignment = align ?? (zero !== undefined && fill === undefined ? '=' : '<');
  if (alignment === '=') throw valueError("'=' alignment not allowed in string format specifier");
  const w = width === undefined ? 0 : Number(width);
  if (width !== undefined && (width.length > 8 || w > MAX_FORMAT_WIDTH)) throw new LimitError(`a format width over ${MAX_FORMAT_WIDTH} is larger than dzdx's limit`);
  const text = precision === undefined ? s : [...s].slice(0, Number(precision)).join('');
  const padChar = fill ?? (zero !== undefined ? '0' : ' ');
  const n = Math.max(0, w - [...text].length);
  if (alignment === '>') return padChar.repeat(n) + text;
  if (alignment === '^') return padChar.repeat(n >> 1) + text + padChar.repeat(n - (n >> 1));
  return text + padChar.repeat(n);
}

/** `object.__format__`: only the empty spec. */
function objectFormat(v: PyValue, spec: string): string {
  if (spec !== '') throw typeError(`unsupported format string passed to ${typeOf(v).name}.__format__`);
  return str(v);
}

const objectFormatDescriptor = new MethodDescriptor('__format__', objectClass, (self, call) => {
  const spec = call.args[0];
  if (typeof spec !== 'string') throw typeError(`format_spec must be a str, not ${typeOf(spec ?? null).name}`);
  return objectFormat(self, spec);
});
objectClass.dict.set('__format__', objectFormatDescriptor);

/** Python's `format(value, spec)`: each type's `__format__`. */
export function formatValue(v: PyValue, spec: string): string {
  switch (typeof v) {
    case 'string':
      return spec === '' ? v : formatString(v, spec);
    case 'number':
      return pyFormat(v, false, spec);
    case 'bigint':
      return pyFormat(v, true, spec);
    case 'boolean':
      return spec === '' ? (v ? 'True' : 'False') : pyFormat(v ? 1n : 0n, true, spec);
  }
  if (v instanceof Tensor) {
    // Tensor.__format__: a 0-d tensor formats as its item, others only with an empty spec.
    if (v.shape.length === 0) return formatValue(itemOf(v), spec);
    return objectFormat(v, spec);
  }
  if (v instanceof PyInstance) {
    const f = lookupSpecial(v, '__format__');
    if (f !== undefined && f !== objectFormatDescriptor) {
      const r = callBound(f, v, [spec]);
      if (typeof r !== 'string') throw typeError(`__format__ must return a str, not ${typeOf(r).name}`);
      return r;
    }
  }
  return objectFormat(v, spec);
}

/** A replacement field's name: the argument, then `.attr` and `[key]` accessors. */
function resolveField(name: string, auto: { next: number; mode: 'auto' | 'manual' | null }, args: readonly PyValue[], kwargs: Kwargs | PyDict): PyValue {
  const m = /^[^.[]*/.exec(name)!;
  const first = m[0];
  let value: PyValue;
  if (first === '') {
    if (auto.mode === 'manual') throw valueError('cannot switch from manual field specification to automatic field numbering');
    auto.mode = 'auto';
    const i = auto.next++;
    if (i >= args.length) throw new PyError('IndexError', `Replacement index ${i} out of range for positional args tuple`);
    value = args[i]!;
  } else if (/^\d+$/.test(first)) {
    if (auto.mode === 'auto') throw valueError('cannot switch from automatic field numbering to manual field specification');
    auto.mode = 'manual';
    const i = Number(first);
    if (i >= args.length) throw new PyError('IndexError', `Replacement index ${i} out of range for positional args tuple`);
    value = args[i]!;
  } else {
    const v = kwargs instanceof PyDict ? kwargs.get(first) : kwargs.get(first);
    if (v === undefined) throw keyError(first);
    value = v;
  }
  let rest = name.slice(first.length);
  while (rest.length > 0) {
    if (rest[0] === '.') {
      const attr = /^\.([^.[]*)/.exec(rest)![1]!;
      if (attr === '') throw valueError('Empty attribute in format string');
      value = getAttr(value, attr);
      rest = rest.slice(attr.length + 1);
    } else if (rest[0] === '[') {
      const close = rest.indexOf(']');
      if (close < 0) throw valueError("Missing ']' in format string");
      const key = rest.slice(1, close);
      if (key === '') throw valueError('Empty attribute in format string');
      value = getItem(value, /^\d+$/.test(key) ? BigInt(key) : key);
      rest = rest.slice(close + 1);
      if (rest.length > 0 && rest[0] !== '.' && rest[0] !== '[') throw valueError("Only '.' or '[' may follow ']' in format field specifier");
    } else {
      throw valueError("Only '.' or '[' may follow ']' in format field specifier");
    }
  }
  return value;
}

/** `template.format(*args, **kwargs)` (and `format_map` with a dict). */
export function strFormat(template: string, args: readonly PyValue[], kwargs: Kwargs | PyDict, depth = 2, auto = { next: 0, mode: null as 'auto' | 'manual' | null }): string {
  if (depth < 0) throw valueError('Max string recursion exceeded');
  let out = '';
  let i = 0;
  const n = template.length;
  while (i < n) {
    const ch = template[i]!;
    if (ch === '}') {
      if (template[i + 1] === '}') {
        out += '}';
        i += 2;
        continue;
      }
      throw valueError("Single '}' encountered in format string");
    }
    if (ch !== '{') {
      out += ch;
      i++;
      continue;
    }
    if (template[i + 1] === '{') {
      out += '{';
      i += 2;
      continue;
    }
    // A field: name [!conversion] [:spec], the spec may hold nested {fields}.
    let j = i + 1;
    let name = '';
    while (j < n && template[j] !== '}' && template[j] !== '!' && template[j] !== ':') {
      if (template[j] === '[') {
        const close = template.indexOf(']', j);
        if (close < 0) break;
        name += template.slice(j, close + 1);
        j = close + 1;
        continue;
      }
      if (template[j] === '{') throw valueError("unexpected '{' in field name");
      name += template[j++];
    }
    if (j >= n) throw valueError(template[n - 1] === '{' || name === '' ? "Single '{' encountered in format string" : "expected '}' before end of string");
    let conversion: 'r' | 's' | 'a' | null = null;
    if (template[j] === '!') {
      const c = template[j + 1];
      if (c === undefined || j + 2 > n) throw valueError('end of string while looking for conversion specifier');
      if (template[j + 2] !== ':' && template[j + 2] !== '}') throw valueError("expected ':' after conversion specifier");
      if (c !== 'r' && c !== 's' && c !== 'a') throw valueError(`Unknown conversion specifier ${c}`);
      conversion = c;
      j += 2;
    }
    let spec = '';
    if (template[j] === ':') {
      let level = 1;
      let k = j + 1;
      for (; k < n; k++) {
        if (template[k] === '{') level++;
        else if (template[k] === '}' && --level === 0) break;
      }
      if (k >= n) throw valueError("expected '}' before end of string");
      spec = template.slice(j + 1, k);
      j = k;
    }
    if (template[j] !== '}') throw valueError("expected '}' before end of string");
    const value = resolveField(name, auto, args, kwargs);
    const fullSpec = spec.includes('{') ? strFormat(spec, args, kwargs, depth - 1, auto) : spec;
    out += formatValue(convert(value, conversion), fullSpec);
    checkLength(out.length);
    i = j + 1;
  }
  return out;
}

function checkLength(n: number): void {
  if (n > MAX_FORMAT_WIDTH) throw new LimitError(`a formatted string of more than ${MAX_FORMAT_WIDTH} characters is longer than dzdx's limit`);
}

/** An int for %d and friends (floats and one-element tensors truncate), or Python's TypeError. */
function percentInt(v: PyValue, type: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  const integerOnly = 'oxXc'.includes(type);
  if (typeof v === 'number' && !integerOnly) {
    if (Number.isNaN(v)) throw valueError('cannot convert float NaN to integer');
    if (!Number.isFinite(v)) throw new PyError('OverflowError', 'cannot convert float infinity to integer');
    return BigInt(Math.trunc(v));
  }
  if (v instanceof Tensor && v.numel === 1) {
    const item = itemOf(v);
    if (typeof item === 'number' && integerOnly) throw typeError(`%${type} format: an integer is required, not Tensor`);
    return percentInt(item, type);
  }
  const what = integerOnly ? 'an integer is required' : 'a real number is required';
  throw typeError(`%${type} format: ${what}, not ${typeOf(v).name}`);
}

function percentFloat(v: PyValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Tensor && v.numel === 1) return Number(v.item());
  throw typeError(`must be real number, not ${typeOf(v).name}`);
}

/** `template % values`. */
export function percentFormat(template: string, values: PyValue): string {
  const isMapping = values instanceof PyDict || (values instanceof PyInstance && lookupSpecial(values, '__getitem__') !== undefined && !(values instanceof PyTuple));
  const args = values instanceof PyTuple ? values.items : [values];
  let next = 0;
  let usedMapping = false;
  const take = (): PyValue => {
    if (next >= args.length) throw typeError('not enough arguments for format string');
    return args[next++]!;
  };
  let out = '';
  let i = 0;
  const n = template.length;
  while (i < n) {
    const pct = template.indexOf('%', i);
    if (pct < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, pct);
    let j = pct + 1;
    if (j >= n) throw valueError('incomplete format');
    let key: string | null = null;
    if (template[j] === '(') {
      let level = 1;
      let k = j + 1;
      for (; k < n && level > 0; k++) {
        if (template[k] === '(') level++;
        else if (template[k] === ')') level--;
      }
      if (level > 0) throw valueError('incomplete format key');
      key = template.slice(j + 1, k - 1);
      j = k;
      if (!isMapping) throw typeError('format requires a mapping');
      usedMapping = true;
    }
    const flags = new Set<string>();
    while (j < n && '-+ #0'.includes(template[j]!)) flags.add(template[j++]!);
    let width = 0;
    if (template[j] === '*') {
      const w = take();
      if (typeof w !== 'bigint') throw typeError('* wants int');
      width = Number(w);
      if (width < 0) {
        flags.add('-');
        width = -width;
      }
      j++;
    } else {
      const m = /^\d+/.exec(template.slice(j, j + 12));
      if (m) {
        width = Number(m[0]);
        j += m[0].length;
      }
    }
    let precision: number | null = null;
    if (template[j] === '.') {
      j++;
      if (template[j] === '*') {
        const p = take();
        if (typeof p !== 'bigint') throw typeError('* wants int');
        precision = Math.max(0, Number(p));
        j++;
      } else {
        const m = /^\d+/.exec(template.slice(j, j + 12));
        precision = m ? Number(m[0]) : 0;
        if (m) j += m[0].length;
      }
    }
    if (width > MAX_FORMAT_WIDTH || (precision ?? 0) > MAX_FORMAT_WIDTH) throw new LimitError(`a format width or precision over ${MAX_FORMAT_WIDTH} is larger than dzdx's limit`);
    while (j < n && 'hlL'.includes(template[j]!)) j++;
    if (j >= n) throw valueError('incomplete format');
    const type = template[j]!;
    j++;
    if (type === '%') {
      out += '%';
      i = j;
      continue;
    }
    const value = key !== null ? mappingValue(values, key) : take();
    out += percentOne(type, value, flags, width, precision, j - 1);
    checkLength(out.length);
    i = j;
  }
  if (next < args.length && !(isMapping && (usedMapping || args.length === 1))) {
    throw typeError('not all arguments converted during string formatting');
  }
  return out;
}

function mappingValue(values: PyValue, key: string): PyValue {
  if (values instanceof PyDict) {
    const v = values.get(key);
    if (v === undefined) throw keyError(key);
    return v;
  }
  return getItem(values, key);
}

function padField(text: string, sign: string, flags: Set<string>, width: number, numeric: boolean): string {
  const len = sign.length + text.length;
  if (len >= width) return sign + text;
  if (flags.has('-')) return sign + text + ' '.repeat(width - len);
  if (numeric && flags.has('0')) return sign + '0'.repeat(width - len) + text;
  return ' '.repeat(width - len) + sign + text;
}

function percentOne(type: string, value: PyValue, flags: Set<string>, width: number, precision: number | null, at: number): string {
  const signOf = (negative: boolean) => (negative ? '-' : flags.has('+') ? '+' : flags.has(' ') ? ' ' : '');
  switch (type) {
    case 's':
    case 'r':
    case 'a': {
      let text = type === 's' ? str(value) : type === 'r' ? repr(value) : ascii(value);
      if (precision !== null) text = [...text].slice(0, precision).join('');
      return padField(text, '', flags, width, false);
    }
    case 'd':
    case 'i':
    case 'u':
    case 'o':
    case 'x':
    case 'X': {
      const v = percentInt(value, type);
      const base = type === 'o' ? 8 : type === 'x' || type === 'X' ? 16 : 10;
      let digits = (v < 0n ? -v : v).toString(base);
      if (type === 'X') digits = digits.toUpperCase();
      if (precision !== null && digits.length < precision) digits = '0'.repeat(precision - digits.length) + digits;
      const prefix = flags.has('#') && base !== 10 ? '0' + (type === 'o' ? 'o' : type) : '';
      return padField(digits, signOf(v < 0n) + prefix, flags, width, true);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      const x = percentFloat(value);
      const spec = `${flags.has('+') ? '+' : flags.has(' ') ? ' ' : ''}${flags.has('#') ? '#' : ''}.${precision ?? 6}${type}`;
      const body = pyFormat(x, false, spec);
      const signed = /^[-+ ]/.test(body);
      const sign = signed ? body[0]! : '';
      return padField(signed ? body.slice(1) : body, sign, flags, width, Number.isFinite(x));
    }
    case 'c': {
      let ch: string;
      if (typeof value === 'string') {
        if ([...value].length !== 1) throw typeError('%c requires int or char');
        ch = value;
      } else {
        if (typeof value !== 'bigint' && typeof value !== 'boolean') throw typeError('%c requires int or char');
        const code = percentInt(value, 'c');
        if (code < 0n || code >= 0x110000n) throw new PyError('OverflowError', '%c arg not in range(0x110000)');
        ch = String.fromCodePoint(Number(code));
      }
      return padField(ch, '', flags, width, false);
    }
    default: {
      const code = type.codePointAt(0)!;
      throw valueError(`unsupported format character '${type}' (0x${code.toString(16)}) at index ${at}`);
    }
  }
}
