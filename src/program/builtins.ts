/** Python's built-in functions and exception classes, as far as the subset needs them. */
import { Tensor } from '../autograd/tensor.js';
import { PyError, type PyErrorType } from '../tensor/errors.js';
import * as F from '../ops/functional.js';
import { bind, toInt } from './args.js';
import { binary, compare } from './operators.js';
import { pyRound } from './pyformat.js';
import { itemOf } from './tensor-attrs.js';
import {
  Builtin,
  PyExceptionClass,
  PyException,
  PyRange,
  PyTuple,
  repr,
  str,
  truthy,
  typeName,
  type CallArgs,
  type PyValue,
} from './values.js';

const EXCEPTION_NAMES: (PyErrorType | 'Exception' | 'BaseException' | 'ArithmeticError' | 'LookupError')[] = [
  'BaseException', 'Exception', 'RuntimeError', 'ValueError', 'IndexError', 'TypeError', 'AttributeError',
  'NameError', 'ZeroDivisionError', 'AssertionError', 'KeyError', 'OverflowError', 'NotImplementedError',
  'RecursionError', 'ArithmeticError', 'LookupError', 'UnboundLocalError',
];

const PARENTS: Record<string, string> = {
  ZeroDivisionError: 'ArithmeticError',
  OverflowError: 'ArithmeticError',
  IndexError: 'LookupError',
  KeyError: 'LookupError',
  NotImplementedError: 'RuntimeError',
  RecursionError: 'RuntimeError',
  UnboundLocalError: 'NameError',
};

/** Does `except cls` catch this error? */
export function exceptionMatches(cls: PyExceptionClass, error: PyError): boolean {
  if (cls.name === 'Exception' || cls.name === 'BaseException') return true;
  for (let t: string | undefined = error.pyType; t; t = PARENTS[t]) if (t === cls.name) return true;
  return false;
}

/** Materialise an iterable (lists, tuples, ranges, strings, tensors along dim 0). */
export function iterate(v: PyValue): Iterable<PyValue> {
  if (Array.isArray(v)) return [...v];
  if (v instanceof PyTuple) return v.items;
  if (typeof v === 'string') return [...v];
  if (v instanceof PyRange) return rangeValues(v);
  if (v instanceof Tensor) {
    if (v.shape.length === 0) throw new PyError('TypeError', 'iteration over a 0-d tensor');
    // Tensor.__iter__ is `iter(self.unbind(0))`: one UnbindBackward0 node for all rows.
    return F.unbind(v, 0);
  }
  throw new PyError('TypeError', `'${typeName(v)}' object is not iterable`);
}

function* rangeValues(r: PyRange): Generator<PyValue> {
  for (let i = r.start; r.step > 0n ? i < r.stop : i > r.stop; i += r.step) yield i;
}

function toFloatValue(v: PyValue | undefined): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Tensor) return v.item();
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (['inf', '+inf', 'infinity', '+infinity'].includes(s)) return Infinity;
    if (['-inf', '-infinity'].includes(s)) return -Infinity;
    if (['nan', '+nan', '-nan'].includes(s)) return NaN;
    if (/^[+-]?(\d[\d_]*\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$/.test(s)) return Number(s.replace(/_/g, ''));
    throw new PyError('ValueError', `could not convert string to float: ${repr(v)}`);
  }
  throw new PyError('TypeError', `float() argument must be a string or a real number, not '${typeName(v)}'`);
}

function toIntValue(v: PyValue | undefined): bigint {
  if (v === undefined) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  const x = v instanceof Tensor ? v.item() : typeof v === 'number' ? v : NaN;
  if (typeof v === 'string') {
    if (/^\s*[+-]?\d+\s*$/.test(v)) return BigInt(v.trim());
    throw new PyError('ValueError', `invalid literal for int() with base 10: ${repr(v)}`);
  }
  if (typeof v !== 'number' && !(v instanceof Tensor)) {
    throw new PyError('TypeError', `int() argument must be a string, a bytes-like object or a real number, not '${typeName(v)}'`);
  }
  if (Number.isNaN(x)) throw new PyError('ValueError', 'cannot convert float NaN to integer');
  if (!Number.isFinite(x)) throw new PyError('OverflowError', 'cannot convert float infinity to integer');
  return BigInt(Math.trunc(x));
}

function extremum(name: 'min' | 'max', call: CallArgs): PyValue {
  const items = call.args.length === 1 ? [...iterate(call.args[0]!)] : call.args;
  if (items.length === 0) throw new PyError('ValueError', `${name}() arg is an empty sequence`);
  let best: PyValue = items[0]!;
  for (const v of items.slice(1)) if (truthy(compare(name === 'max' ? '>' : '<', v, best))) best = v;
  return best;
}

/** The builtins of one run; `print` writes through `write`. */
export function builtins(write: (text: string) => void): Map<string, PyValue> {
  const b = new Map<string, PyValue>();
  const def = (name: string, impl: (call: CallArgs) => PyValue) => b.set(name, new Builtin(name, impl));
  def('print', (call) => {
    const sep = call.kwargs.get('sep');
    const end = call.kwargs.get('end');
    for (const k of call.kwargs.keys()) {
      if (k !== 'sep' && k !== 'end' && k !== 'flush') throw new PyError('TypeError', `'${k}' is an invalid keyword argument for print()`);
    }
    write(call.args.map(str).join(sep === undefined || sep === null ? ' ' : str(sep)) + (end === undefined || end === null ? '\n' : str(end)));
    return null;
  });
  def('len', (call) => {
    const v = bind('len', call, ['obj']).obj!;
    if (v instanceof Tensor) {
      if (v.shape.length === 0) throw new PyError('TypeError', 'len() of a 0-d tensor');
      return BigInt(v.shape[0]!);
    }
    if (typeof v === 'string' || Array.isArray(v)) return BigInt(v.length);
    if (v instanceof PyTuple) return BigInt(v.items.length);
    if (v instanceof PyRange) return v.length;
    throw new PyError('TypeError', `object of type '${typeName(v)}' has no len()`);
  });
  def('range', (call) => {
    const ints = call.args.map((a) => BigInt(toInt(a, "'range' argument")));
    if (ints.length === 0 || ints.length > 3) throw new PyError('TypeError', `range expected at most 3 arguments, got ${ints.length}`);
    const [start, stop, step] = ints.length === 1 ? [0n, ints[0]!, 1n] : [ints[0]!, ints[1]!, ints[2] ?? 1n];
    if (step === 0n) throw new PyError('ValueError', 'range() arg 3 must not be zero');
    return new PyRange(start, stop, step);
  });
  def('abs', (call) => {
    const v = bind('abs', call, ['x']).x!;
    if (v instanceof Tensor) return F.abs(v);
    if (typeof v === 'bigint' || typeof v === 'boolean') return typeof v === 'boolean' ? BigInt(v) : v < 0n ? -v : v;
    if (typeof v === 'number') return Math.abs(v);
    throw new PyError('TypeError', `bad operand type for abs(): '${typeName(v)}'`);
  });
  def('float', (call) => toFloatValue(bind('float', call, ['x=']).x));
  def('int', (call) => toIntValue(bind('int', call, ['x=']).x));
  def('bool', (call) => truthy(bind('bool', call, ['x=']).x ?? false));
  def('str', (call) => str(bind('str', call, ['object=']).object ?? ''));
  def('repr', (call) => repr(bind('repr', call, ['object']).object!));
  def('round', (call) => {
    const a = bind('round', call, ['number', 'ndigits=']);
    const v = a.number instanceof Tensor ? itemOf(a.number) : a.number!;
    if (typeof v === 'bigint' || typeof v === 'boolean') return typeof v === 'boolean' ? BigInt(v) : v;
    if (typeof v !== 'number') throw new PyError('TypeError', `type ${typeName(v)} doesn't define __round__ method`);
    if (a.ndigits === undefined || a.ndigits === null) return BigInt(pyRound(v));
    return pyRound(v, toInt(a.ndigits, 'ndigits'));
  });
  def('min', (call) => extremum('min', call));
  def('max', (call) => extremum('max', call));
  def('sum', (call) => {
    const a = bind('sum', call, ['iterable', 'start=']);
    let total: PyValue = a.start ?? 0n;
    for (const v of iterate(a.iterable!)) total = binary('+', total, v);
    return total;
  });
  def('list', (call) => [...iterate(bind('list', call, ['iterable=']).iterable ?? [])]);
  def('tuple', (call) => new PyTuple([...iterate(bind('tuple', call, ['iterable=']).iterable ?? [])]));
  def('enumerate', (call) => {
    const a = bind('enumerate', call, ['iterable', 'start=']);
    const start = a.start === undefined ? 0n : BigInt(toInt(a.start, 'start'));
    return [...iterate(a.iterable!)].map((v, i) => new PyTuple([start + BigInt(i), v]));
  });
  def('zip', (call) => {
    const lists = call.args.map((a) => [...iterate(a)]);
    const n = Math.min(...lists.map((l) => l.length));
    return Array.from({ length: lists.length ? n : 0 }, (_, i) => new PyTuple(lists.map((l) => l[i]!)));
  });
  def('isinstance', (call) => {
    const a = bind('isinstance', call, ['obj', 'class_or_tuple']);
    const cls = a.class_or_tuple;
    return cls instanceof Builtin && typeName(a.obj!) === cls.name;
  });
  for (const name of EXCEPTION_NAMES) b.set(name, new PyExceptionClass(name as PyErrorType));
  return b;
}

/** Calling an exception class: `RuntimeError("msg")`. */
export function makeException(cls: PyExceptionClass, call: CallArgs): PyException {
  const message = call.args.length === 0 ? '' : call.args.length === 1 ? str(call.args[0]!) : repr(new PyTuple(call.args));
  const err = new PyError(cls.name === 'BaseException' ? 'Exception' : cls.name, message);
  return new PyException(err);
}


