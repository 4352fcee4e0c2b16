/**
 * Python's number-to-text rules: `repr(float)`, the format-spec mini-language
 * for floats and ints (f-string `{x:8.3f}`), and `round()`. All rounding is
 * done on the exact binary value, ties to even, as CPython does.
 */
import {
  exponentSuffix,
  fixedDigits,
  isNegative,
  pow10,
  scaledRound,
  significantDigits,
} from '../tensor/decimal.js';
import { LimitError, PyError } from '../tensor/errors.js';

/** The widest field and the most digits a format spec may ask for (Python would try to build it). */
export const MAX_FORMAT_WIDTH = 10_000_000;

/**
 * Lays out a shortest/rounded digit string `digits` (first digit has decimal
 * exponent `exp`) the way CPython's format_float_short does: exponent form
 * (`1e-05`, `1.5e+16`) or positional, optionally keeping trailing zeros.
 */
function layout(digits: string, exp: number, useExp: boolean, addDot0: boolean, keepPoint: boolean): string {
  if (useExp) {
    const frac = digits.slice(1);
    return digits[0] + (frac || keepPoint ? '.' + frac : '') + exponentSuffix(exp);
  }
  let int: string;
  let frac: string;
  if (exp >= 0) {
    int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    frac = digits.slice(exp + 1);
  } else {
    int = '0';
    frac = '0'.repeat(-exp - 1) + digits;
  }
  if (frac === '' && addDot0) frac = '0';
  return int + (frac || keepPoint ? '.' + frac : '');
}

/** Shortest round-trip digits of a finite nonzero |x| (JS and Python agree on them). */
function shortestDigits(x: number): { digits: string; exp: number } {
  const [mant, e] = Math.abs(x).toExponential().split('e') as [string, string];
  return { digits: mant.replace('.', ''), exp: Number(e) };
}

/** The unsigned repr-style body: `5.0`, `1e-05`, `inf`, `nan`. */
function reprBody(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return 'inf';
  if (x === 0) return '0.0';
  const { digits, exp } = shortestDigits(x);
  return layout(digits, exp, exp < -4 || exp >= 16, true, false);
}

/** Python's `repr(x)` / `str(x)` for a float: `5.0`, `1e-05`, `1e+16`, `-0.0`, `inf`, `nan`. */
export function pyFloatRepr(x: number): string {
  return (isNegative(x) && !Number.isNaN(x) ? '-' : '') + reprBody(x);
}

/** Python's `str(int)`, exact for integers beyond 2^53. */
export function pyIntStr(x: number): string {
  return Number.isSafeInteger(x) ? String(x) : BigInt(x).toString();
}

interface Spec {
  fill: string;
  align: string | undefined;
  sign: string;
  z: boolean;
  alt: boolean;
  width: number;
  grouping: string;
  precision: number | undefined;
  type: string;
}

const SPEC_RE = /^(?:([\s\S])?([<>=^]))?([-+ ])?(z)?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/;

function parseSpec(spec: string, typeName: string): Spec {
  const m = SPEC_RE.exec(spec);
  if (!m) throw new PyError('ValueError', `Invalid format specifier '${spec}' for object of type '${typeName}'`);
  const [, fill, align, sign, z, alt, zero, width, grouping, precision, type] = m;
  if ((width !== undefined && (width.length > 8 || Number(width) > MAX_FORMAT_WIDTH)) || (precision !== undefined && (precision.length > 8 || Number(precision) > MAX_FORMAT_WIDTH))) {
    throw new LimitError(`a format width or precision over ${MAX_FORMAT_WIDTH} is larger than dzdx's limit`);
  }
  const s: Spec = {
    fill: fill ?? ' ',
    align,
    sign: sign ?? '-',
    z: z !== undefined,
    alt: alt !== undefined,
    width: width === undefined ? 0 : Number(width),
    grouping: grouping ?? '',
    precision: precision === undefined ? undefined : Number(precision),
    type: type ?? '',
  };
  // A '0' before the width means zero padding after the sign, unless a fill or alignment was given.
  if (zero !== undefined && fill === undefined) {
    s.fill = '0';
    if (align === undefined) s.align = '=';
  }
  return s;
}

/**
 * Inserts the thousands separator into the integer digits at the start of
 * `body`. With zero padding ('0' fill, '=' alignment) Python pads the digits
 * with zeros before grouping (`+000,001`), so the padding is grouped too.
 */
function group(s: Spec, lead: number, body: string, every: number, hex = false): string {
  if (!s.grouping) return body;
  let int = (hex ? /^[0-9a-fA-F]+/ : /^\d+/).exec(body)?.[0] ?? '';
  const rest = body.slice(int.length);
  const groupedLen = (n: number): number => n + Math.floor((n - 1) / every);
  if (s.fill === '0' && s.align === '=') {
    const need = s.width - lead - rest.length;
    while (groupedLen(int.length) < need) int = '0' + int;
  }
  let out = '';
  for (let i = int.length; i > 0; i -= every) out = int.slice(Math.max(0, i - every), i) + (out ? s.grouping + out : '');
  return out + rest;
}

/** Pads sign + prefix + body to the width with the fill and alignment (numbers align right). */
function pad(s: Spec, signStr: string, body: string): string {
  const len = signStr.length + body.length;
  const n = Math.max(0, s.width - len);
  switch (s.align ?? '>') {
    case '<': return signStr + body + s.fill.repeat(n);
    case '^': return s.fill.repeat(n >> 1) + signStr + body + s.fill.repeat(n - (n >> 1));
    case '=': return signStr + s.fill.repeat(n) + body;
    default: return s.fill.repeat(n) + signStr + body;
  }
}

function signOf(s: Spec, negative: boolean): string {
  return negative ? '-' : s.sign === '+' ? '+' : s.sign === ' ' ? ' ' : '';
}

/** The unsigned body of a float under a float presentation type. */
function floatBody(x: number, s: Spec): string {
  const upper = s.type === 'E' || s.type === 'F' || s.type === 'G';
  if (!Number.isFinite(x)) {
    const t = Number.isNaN(x) ? 'nan' : 'inf';
    return upper ? t.toUpperCase() : t;
  }
  const p = s.precision;
  let body: string;
  switch (s.type) {
    case 'f': case 'F': case '%':
      body = fixedDigits(x, p ?? 6);
      if (s.alt && (p ?? 6) === 0) body += '.';
      break;
    case 'e': case 'E': {
      const { digits, exp } = significantDigits(x, p ?? 6);
      body = layout(digits, exp, true, false, s.alt);
      break;
    }
    case '':
      if (p === undefined) return reprBody(x);
      body = general(x, p, true, s.alt);
      break;
    default: // 'g', 'G', 'n'
      body = general(x, p ?? 6, false, s.alt);
  }
  return upper ? body.toUpperCase() : body;
}

/**
 * 'g' (and the no-type form with a precision, which keeps a `.0` and switches
 * to exponent notation one digit sooner): `precision` significant digits,
 * trailing zeros dropped unless '#'.
 */
function general(x: number, precision: number, addDot0: boolean, alt: boolean): string {
  const p = Math.max(precision, 1);
  let { digits, exp } = significantDigits(x, p - 1);
  if (!alt) digits = digits.replace(/(?<=.)0+$/, '');
  const useExp = exp < -4 || exp >= (addDot0 ? p - 1 : p);
  return layout(digits, exp, useExp, addDot0, alt);
}

/** Presentation types that format an int as an int; the float ones convert it to float. */
const INT_TYPES = new Set(['', 'b', 'c', 'd', 'n', 'o', 'x', 'X']);
const FLOAT_TYPES = new Set(['', 'e', 'E', 'f', 'F', 'g', 'G', 'n', '%']);

/**
 * Python's `format(value, spec)` for a float (`isInt` false) or an int
 * (`isInt` true), e.g. `pyFormat(6.25, false, '.4f')` -> `'6.2500'`.
 */
export function pyFormat(value: number | bigint, isInt: boolean, spec: string, typeName = isInt ? 'int' : 'float'): string {
  const s = parseSpec(spec, typeName);
  if (isInt && INT_TYPES.has(s.type)) {
    if (s.precision !== undefined) throw new PyError('ValueError', 'Precision not allowed in integer format specifier');
    const n = typeof value === 'bigint' ? value : BigInt(value);
    if (s.type === 'c') {
      if (/^(?:[\s\S]?[<>=^])?[-+ ]/.test(spec)) throw new PyError('ValueError', "Sign not allowed with integer format specifier 'c'");
      if (n < 0n || n >= 0x110000n) throw new PyError('OverflowError', '%c arg not in range(0x110000)');
      return pad(s, '', String.fromCodePoint(Number(n)));
    }
    const base = s.type === 'b' ? 2 : s.type === 'o' ? 8 : s.type === 'x' || s.type === 'X' ? 16 : 10;
    let digits = (n < 0n ? -n : n).toString(base);
    if (s.type === 'X') digits = digits.toUpperCase();
    const prefix = s.alt && base !== 10 ? '0' + s.type : '';
    const lead = signOf(s, n < 0n) + prefix;
    return pad(s, lead, group(s, lead.length, digits, base === 10 ? 3 : 4, base === 16));
  }
  if (!FLOAT_TYPES.has(s.type)) {
    throw new PyError('ValueError', `Unknown format code '${s.type}' for object of type '${typeName}'`);
  }
  const f = typeof value === 'bigint' ? Number(value) : value;
  if (!Number.isFinite(f) && typeof value === 'bigint') throw new PyError('OverflowError', 'int too large to convert to float');
  const x = s.type === '%' ? f * 100 : f;
  let body = floatBody(x, s) + (s.type === '%' ? '%' : '');
  let negative = isNegative(x) && !Number.isNaN(x);
  // 'z' turns a negative value that rounds to zero into a plain zero.
  if (s.z && negative && Number.isFinite(x) && !/[1-9]/.test(body.replace(/e.*$/i, ''))) negative = false;
  const sign = signOf(s, negative);
  if (Number.isFinite(x)) body = group(s, sign.length, body, 3);
  return pad(s, sign, body);
}

/**
 * Python's `round(x)` (ndigits omitted: to an integer, ties to even, -0
 * becomes 0) and `round(x, ndigits)` (to a multiple of 10^-ndigits, ties to
 * even on the exact binary value, sign of zero kept). For a Python int `x`
 * the result is exact too; the caller keeps it an int.
 */
export function pyRound(x: number, ndigits?: number): number {
  if (ndigits === undefined) {
    if (Number.isNaN(x)) throw new PyError('ValueError', 'cannot convert float NaN to integer');
    if (!Number.isFinite(x)) throw new PyError('OverflowError', 'cannot convert float infinity to integer');
    const r = Number(scaledRound(x, 0)) * (x < 0 ? -1 : 1);
    return r === 0 ? 0 : r;
  }
  if (!Number.isFinite(x) || x === 0) return x;
  // CPython's shortcuts: beyond these, rounding cannot change a double (or zeroes it).
  if (ndigits > 323) return x;
  if (ndigits < -308) return 0 * x;
  const n = scaledRound(x, ndigits);
  const text = ndigits >= 0 ? `${n}e-${ndigits}` : (n * pow10(-ndigits)).toString();
  const r = Number(text) * (isNegative(x) ? -1 : 1);
  if (!Number.isFinite(r)) throw new PyError('OverflowError', 'rounded value too large to represent');
  return r;
}
