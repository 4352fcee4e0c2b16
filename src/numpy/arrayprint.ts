/**
 * numpy 1.24's array printing with its default options (precision 8,
 * floatmode 'maxprec', linewidth 75, threshold 1000, edgeitems 3), written
 * after the algorithm of numpy/core/arrayprint.py: one format for all the
 * elements (positional, or scientific when the magnitudes are far apart),
 * each float the shortest digits that identify it in its dtype, cut at 8
 * digits after the point; columns padded to a common width; rows wrapped
 * at the line width with a hanging indent; large arrays summarised.
 */
import { fixedDigits, isNegative, significantDigits } from '../tensor/decimal.js';
import type { NpDType } from './dtypes.js';

const PRECISION = 8;
const LINE_WIDTH = 75;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;

/** Shortest digits of a finite nonzero |x| that read back as x in its dtype. */
export function shortestDigits(x: number, dtype: NpDType): { digits: string; exp: number } {
  if (dtype === 'float32') {
    for (let p = 0; p < 9; p++) {
      const d = significantDigits(x, p);
      if (Math.fround(Number(`${d.digits[0]}.${d.digits.slice(1)}e${d.exp}`)) === Math.abs(x)) return { digits: d.digits.replace(/0+$/, '') || '0', exp: d.exp };
    }
  }
  const [mant, e] = Math.abs(x).toExponential().split('e') as [string, string];
  return { digits: mant.replace('.', ''), exp: Number(e) };
}

/** numpy's repr of a float scalar (`np.float32(0.1)` prints 0.1): Python's float repr rules over the dtype's shortest digits. */
export function floatScalarRepr(x: number, dtype: NpDType): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const sign = isNegative(x) ? '-' : '';
  if (x === 0) return `${sign}0.0`;
  const { digits, exp } = shortestDigits(x, dtype);
  if (exp < -4 || exp >= 16) {
    const frac = digits.slice(1);
    return `${sign}${digits[0]}${frac ? '.' + frac : ''}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return sign + positionalParts(digits, exp).join('.').replace(/\.$/, '.0');
}

/** Integer and fraction digits of digits×10^exp written out. */
function positionalParts(digits: string, exp: number): [string, string] {
  if (exp >= 0) return [digits.slice(0, exp + 1).padEnd(exp + 1, '0'), digits.slice(exp + 1)];
  return ['0', '0'.repeat(-exp - 1) + digits];
}

/** dragon4_positional(x, precision=8, unique=True, trim='.'): sign, integer part, fraction (maybe empty). */
function positional(x: number, dtype: NpDType): [string, string] {
  const sign = isNegative(x) ? '-' : '';
  if (x === 0) return [`${sign}0`, ''];
  const { digits, exp } = shortestDigits(x, dtype);
  let [int, frac] = positionalParts(digits, exp);
  if (frac.length > PRECISION) {
    [int, frac] = fixedDigits(x, PRECISION).split('.') as [string, string];
    frac = frac.replace(/0+$/, '');
  }
  return [sign + int, frac];
}

/** dragon4_scientific(x, precision=8, unique=True): sign+first digit, fraction digits, exponent. */
function scientific(x: number, dtype: NpDType): { int: string; frac: string; exp: number } {
  const sign = isNegative(x) ? '-' : '';
  if (x === 0) return { int: `${sign}0`, frac: '', exp: 0 };
  let { digits, exp } = shortestDigits(x, dtype);
  if (digits.length - 1 > PRECISION) {
    ({ digits, exp } = significantDigits(x, PRECISION));
    digits = digits.replace(/0+$/, '') || '0';
  }
  return { int: sign + digits[0], frac: digits.slice(1), exp };
}

type Formatter = (x: number) => string;

function floatFormatter(data: readonly number[], dtype: NpDType): Formatter {
  const finite = data.filter((v) => Number.isFinite(v));
  const nonZero = finite.filter((v) => v !== 0).map(Math.abs);
  let expFormat = false;
  if (nonZero.length > 0) {
    const max = Math.max(...nonZero);
    const min = Math.min(...nonZero);
    const ratio = dtype === 'float32' ? Math.fround(max / min) : max / min;
    expFormat = max >= 1e8 || min < 0.0001 || ratio > 1000;
  }
  let padLeft = 0;
  let padRight = 0;
  let format: Formatter;
  if (finite.length === 0) {
    format = () => '';
  } else if (expFormat) {
    const parts = finite.map((v) => scientific(v, dtype));
    const expSize = Math.max(...parts.map((p) => String(Math.abs(p.exp)).padStart(2, '0').length));
    const precision = Math.max(...parts.map((p) => p.frac.length));
    padLeft = Math.max(...parts.map((p) => p.int.length));
    padRight = expSize + 2 + precision;
    // every element with `precision` digits after the point: Dragon4 keeps generating the exact value's digits past the shortest
    format = (v) => {
      const sign = isNegative(v) ? '-' : '';
      const d = v === 0 ? { digits: '0'.repeat(precision + 1), exp: 0 } : significantDigits(v, precision);
      const e = `e${d.exp < 0 ? '-' : '+'}${String(Math.abs(d.exp)).padStart(expSize, '0')}`;
      return `${(sign + d.digits[0]).padStart(padLeft)}.${d.digits.slice(1)}${e}`;
    };
  } else {
    const parts = finite.map((v) => positional(v, dtype));
    padLeft = Math.max(...parts.map((p) => p[0].length));
    padRight = Math.max(...parts.map((p) => p[1].length));
    format = (v) => {
      const [int, frac] = positional(v, dtype);
      return `${int.padStart(padLeft)}.${frac.padEnd(padRight)}`;
    };
  }
  if (finite.length !== data.length) {
    const negInf = data.some((v) => v === -Infinity);
    const offset = padRight + 1;
    padLeft = Math.max(padLeft, 3 - offset, 3 + (negInf ? 1 : 0) - offset);
  }
  return (v) => {
    if (Number.isFinite(v)) return format(v);
    const text = Number.isNaN(v) ? 'nan' : v < 0 ? '-inf' : 'inf';
    return text.padStart(padLeft + padRight + 1);
  };
}

function formatterFor(data: readonly number[], dtype: NpDType, is0d: boolean): Formatter {
  if (dtype === 'bool') return (v) => (v ? (is0d ? 'True' : ' True') : 'False');
  if (dtype === 'int64') {
    const text = (v: number) => BigInt(v).toString();
    const width = data.length === 0 ? 0 : Math.max(...data.map((v) => text(v).length));
    return (v) => text(v).padStart(width);
  }
  return floatFormatter(data, dtype);
}

/** The shape and row-major values of an array to print. */
export interface Printable {
  shape: readonly number[];
  values: ArrayLike<number>;
  dtype: NpDType;
}

/** Index into the row-major values. */
function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i]!;
  }
  return out;
}

/** The values numpy looks at to choose the format of a summarised array (its edges). */
function edgeValues(a: Printable, summarise: boolean): number[] {
  const st = strides(a.shape);
  const out: number[] = [];
  const walk = (axis: number, base: number): void => {
    if (axis === a.shape.length) {
      out.push(a.values[base]!);
      return;
    }
    const n = a.shape[axis]!;
    const indices = summarise && n > 2 * EDGE_ITEMS ? [...range(0, EDGE_ITEMS), ...range(n - EDGE_ITEMS, n)] : range(0, n);
    for (const i of indices) walk(axis + 1, base + i * st[axis]!);
  };
  walk(0, 0);
  return out;
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}

function extendLine(s: string, line: string, word: string, width: number, prefix: string): [string, string] {
  let wrap = line.length + word.length > width;
  if (line.length <= prefix.length) wrap = false;
  if (wrap) {
    s += line.trimEnd() + '\n';
    line = prefix;
  }
  return [s, line + word];
}

function extendLinePretty(s: string, line: string, word: string, width: number, prefix: string): [string, string] {
  const words = word.split('\n');
  if (words.length === 1) return extendLine(s, line, word, width, prefix);
  const maxLen = Math.max(...words.map((w) => w.length));
  let indent: string;
  if (line.length + maxLen > width && line.length > prefix.length) {
    s += line.trimEnd() + '\n';
    line = prefix + words[0];
    indent = prefix;
  } else {
    indent = ' '.repeat(line.length);
    line += words[0];
  }
  for (const w of words.slice(1)) {
    s += line.trimEnd() + '\n';
    line = indent + w;
  }
  return [s, line + ' '.repeat(maxLen - words[words.length - 1]!.length)];
}

/** numpy's array2string: `prefix` is what precedes the text on its first line (`array(`), `suffix` what follows. */
export function array2string(a: Printable, separator: string, prefix: string, suffix: string): string {
  const size = a.values.length;
  if (size === 0) return '[]';
  const summarise = size > THRESHOLD;
  const format = formatterFor(edgeValues(a, summarise), a.dtype, a.shape.length === 0);
  const st = strides(a.shape);
  const width = LINE_WIDTH - suffix.length;
  const recurse = (axis: number, base: number, hanging: string, currWidth: number): string => {
    if (axis === a.shape.length) return format(a.values[base]!);
    const nextHanging = hanging + ' ';
    const nextWidth = currWidth - 1;
    const n = a.shape[axis]!;
    const showSummary = summarise && 2 * EDGE_ITEMS < n;
    const leading = showSummary ? EDGE_ITEMS : 0;
    const trailing = showSummary ? EDGE_ITEMS : n;
    const axesLeft = a.shape.length - axis;
    const at = (i: number) => base + i * st[axis]!;
    let s = '';
    if (axesLeft === 1) {
      const elemWidth = currWidth - Math.max(separator.trimEnd().length, 1);
      let line = hanging;
      for (let i = 0; i < leading; i++) {
        [s, line] = extendLinePretty(s, line, recurse(axis + 1, at(i), nextHanging, nextWidth), elemWidth, hanging);
        line += separator;
      }
      if (showSummary) {
        [s, line] = extendLine(s, line, '...', elemWidth, hanging);
        line += separator;
      }
      for (let i = trailing; i > 1; i--) {
        [s, line] = extendLinePretty(s, line, recurse(axis + 1, at(n - i), nextHanging, nextWidth), elemWidth, hanging);
        line += separator;
      }
      [s, line] = extendLinePretty(s, line, recurse(axis + 1, at(n - 1), nextHanging, nextWidth), elemWidth, hanging);
      s += line;
    } else {
      const lineSep = separator.trimEnd() + '\n'.repeat(axesLeft - 1);
      for (let i = 0; i < leading; i++) s += hanging + recurse(axis + 1, at(i), nextHanging, nextWidth) + lineSep;
      if (showSummary) s += hanging + '...' + lineSep;
      for (let i = trailing; i > 1; i--) s += hanging + recurse(axis + 1, at(n - i), nextHanging, nextWidth) + lineSep;
      s += hanging + recurse(axis + 1, at(n - 1), nextHanging, nextWidth);
    }
    return '[' + s.slice(hanging.length) + ']';
  };
  return recurse(0, 0, ' ' + ' '.repeat(prefix.length), width);
}

/** `repr(a)`: `array([1., 2.], dtype=float32)`. */
export function arrayRepr(a: Printable): string {
  const implied = (a.dtype === 'float64' || a.dtype === 'int64' || a.dtype === 'bool') && a.values.length > 0;
  const prefix = 'array(';
  const suffix = implied ? ')' : ',';
  let body: string;
  if (a.values.length > 0 || (a.shape.length === 1 && a.shape[0] === 0)) body = array2string(a, ', ', prefix, suffix);
  else body = `[], shape=(${a.shape.join(', ')}${a.shape.length === 1 ? ',' : ''})`;
  const text = prefix + body + suffix;
  if (implied) return text;
  const dtypeText = `dtype=${a.dtype})`;
  const lastLine = text.length - (text.lastIndexOf('\n') + 1);
  const spacer = lastLine + dtypeText.length + 1 > LINE_WIDTH ? '\n' + ' '.repeat(prefix.length) : ' ';
  return text + spacer + dtypeText;
}

/** `str(a)` of an array with dimensions (a 0-d array prints as its scalar). */
export function arrayStr(a: Printable): string {
  return array2string(a, ' ', '', '');
}
