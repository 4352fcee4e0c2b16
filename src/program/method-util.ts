/** Helpers for the methods of built-in types: defining them and reading their arguments as CPython does. */
import { PyError } from '../tensor/errors.js';
import { Builtin, MethodDescriptor, PyProperty, typeOf, type CallArgs, type PyClass, type PyValue } from './values.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function method<T = any>(cls: PyClass, name: string, fn: (self: T, call: CallArgs) => PyValue): void {
  cls.dict.set(name, new MethodDescriptor(name, cls, fn as (self: PyValue, call: CallArgs) => PyValue));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function property<T = any>(cls: PyClass, name: string, get: (self: T) => PyValue): void {
  cls.dict.set(name, new PyProperty(new Builtin(name, (call) => get(call.args[0] as T)), null, null, null));
}

/** Positional arguments of a method that takes no keywords, counted with CPython's messages. */
export function positional(call: CallArgs, name: string, min: number, max: number): PyValue[] {
  if (call.kwargs.size > 0) throw new PyError('TypeError', `${name}() takes no keyword arguments`);
  const n = call.args.length;
  if (n < min) {
    if (min === max) throw new PyError('TypeError', `${name}() takes exactly ${plural(min, 'argument')} (${n} given)`);
    throw new PyError('TypeError', `${name} expected at least ${plural(min, 'argument')}, got ${n}`);
  }
  if (n > max) {
    if (max === 0) throw new PyError('TypeError', `${name}() takes no arguments (${n} given)`);
    if (min === max) throw new PyError('TypeError', `${name}() takes exactly ${plural(max, 'argument')} (${n} given)`);
    throw new PyError('TypeError', `${name} expected at most ${plural(max, 'argument')}, got ${n}`);
  }
  return call.args;
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Arguments by name for methods that take keywords (`split(sep=None, maxsplit=-1)`). */
export function named(call: CallArgs, name: string, params: string[]): (PyValue | undefined)[] {
  const out: (PyValue | undefined)[] = new Array(params.length).fill(undefined);
  if (call.args.length > params.length) {
    throw new PyError('TypeError', `${name}() takes at most ${plural(params.length, 'argument')} (${call.args.length} given)`);
  }
  call.args.forEach((v, i) => (out[i] = v));
  for (const [k, v] of call.kwargs) {
    const i = params.indexOf(k);
    if (i < 0) throw new PyError('TypeError', `${name}() got an unexpected keyword argument '${k}'`);
    if (out[i] !== undefined) throw new PyError('TypeError', `argument for ${name}() given by name ('${k}') and position (${i + 1})`);
    out[i] = v;
  }
  return out;
}

/** An int argument (bool too), with Python's message for anything else. */
export function intArg(v: PyValue | undefined, fallback?: bigint): bigint {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  throw new PyError('TypeError', `'${typeOf(v ?? null).name}' object cannot be interpreted as an integer`);
}

export function strArg(v: PyValue | undefined, message: string): string {
  if (typeof v !== 'string') throw new PyError('TypeError', message.replace('%T', typeOf(v ?? null).name));
  return v;
}
