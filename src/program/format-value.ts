/** Python's `format(value, spec)` for f-string fields. */
import { Tensor } from '../autograd/tensor.js';
import { PyError } from '../tensor/errors.js';
import { pyFormat } from './pyformat.js';
import { itemOf } from './tensor-attrs.js';
import { str, type PyValue } from './values.js';

/** Python's `format(value, spec)`; a 0-d tensor formats as its item, as Tensor.__format__ does. */
export function formatValue(v: PyValue, spec: string): string {
  if (v instanceof Tensor && v.shape.length === 0) return formatValue(itemOf(v), spec);
  if (spec === '') return str(v);
  if (typeof v === 'number') return pyFormat(v, false, spec);
  if (typeof v === 'bigint' || typeof v === 'boolean') return pyFormat(Number(v), true, spec);
  return formatString(str(v), spec);
}

/** `format(str, spec)`: fill, alignment (left by default) and width. */
function formatString(s: string, spec: string): string {
  const m = /^(?:(.)?([<>^]))?(\d*)$/.exec(spec);
  if (!m) throw new PyError('ValueError', `Invalid format specifier '${spec}' for object of type 'str'`);
  const fill = m[1] ?? ' ';
  const width = Number(m[3] || 0);
  const pad = Math.max(0, width - s.length);
  if (m[2] === '>') return fill.repeat(pad) + s;
  if (m[2] === '^') return fill.repeat(Math.floor(pad / 2)) + s + fill.repeat(pad - Math.floor(pad / 2));
  return s + fill.repeat(pad);
}

