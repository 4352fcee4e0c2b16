/** The methods of Python's list and tuple. */
import { LimitError, PyError } from '../tensor/errors.js';
import { callValue } from './objects.js';
import { toArray } from './iteration.js';
import { intArg, method, named, positional } from './method-util.js';
import { compare, eqBool, MAX_SEQUENCE, truthy } from './operators.js';
import { repr } from './repr.js';
import { indexValue } from './subscript.js';
import { listClass, PyTuple, tupleClass, type CallArgs, type PyValue } from './values.js';

/** Where `index(x, start, end)` searches: slice-like bounds clamped to the sequence. */
function bounds(n: number, start: PyValue | undefined, end: PyValue | undefined): [number, number] {
  const clamp = (v: PyValue | undefined, fallback: number) => {
    if (v === undefined) return fallback;
    let i = indexValue(v, 'slice indices');
    if (i < 0) i = Math.max(0, i + n);
    return Math.min(i, n);
  };
  return [clamp(start, 0), clamp(end, n)];
}

/** Python's list.sort: stable, by `<` only (a key computed once per item), reverse keeping equal items in order. */
export function sortValues(items: PyValue[], key: PyValue | undefined, reverse: boolean): PyValue[] {
  const keys = key === undefined || key === null ? items : items.map((v) => callValue(key, [v]));
  const order = items.map((_, i) => i);
  const less = (a: PyValue, b: PyValue) => truthy(compare('<', a, b));
  order.sort((i, j) => {
    const [a, b] = reverse ? [keys[j]!, keys[i]!] : [keys[i]!, keys[j]!];
    if (less(a, b)) return -1;
    if (less(b, a)) return 1;
    return 0;
  });
  return order.map((i) => items[i]!);
}

export function sortArgs(call: CallArgs, name: string): { key: PyValue | undefined; reverse: boolean } {
  if (call.args.length > 0) throw new PyError('TypeError', `${name}() takes no positional arguments`);
  const [key, reverse] = named({ args: [], kwargs: call.kwargs }, name, ['key', 'reverse']);
  return { key, reverse: reverse === undefined ? false : truthy(reverse) };
}

const list = listClass;

method<PyValue[]>(list, 'append', (self, c) => {
  const [v] = positional(c, 'append', 1, 1);
  if (self.length >= MAX_SEQUENCE) throw new LimitError(`a list of more than ${MAX_SEQUENCE} items is longer than dzdx's limit`);
  self.push(v!);
  return null;
});
method<PyValue[]>(list, 'extend', (self, c) => {
  const items = toArray(positional(c, 'extend', 1, 1)[0]!);
  if (self.length + items.length > MAX_SEQUENCE) throw new LimitError(`a list of more than ${MAX_SEQUENCE} items is longer than dzdx's limit`);
  for (const v of items) self.push(v);
  return null;
});
method<PyValue[]>(list, 'insert', (self, c) => {
  const [index, v] = positional(c, 'insert', 2, 2);
  let i = Number(intArg(index));
  if (i < 0) i = Math.max(0, i + self.length);
  self.splice(Math.min(i, self.length), 0, v!);
  return null;
});
method<PyValue[]>(list, 'pop', (self, c) => {
  const [index] = positional(c, 'pop', 0, 1);
  if (self.length === 0) throw new PyError('IndexError', 'pop from empty list');
  const i = index === undefined ? self.length - 1 : Number(intArg(index));
  const j = i < 0 ? i + self.length : i;
  if (j < 0 || j >= self.length) throw new PyError('IndexError', 'pop index out of range');
  return self.splice(j, 1)[0]!;
});
method<PyValue[]>(list, 'remove', (self, c) => {
  const [v] = positional(c, 'remove', 1, 1);
  const i = self.findIndex((x) => eqBool(x, v!));
  if (i < 0) throw new PyError('ValueError', 'list.remove(x): x not in list');
  self.splice(i, 1);
  return null;
});
method<PyValue[]>(list, 'index', (self, c) => {
  const [v, start, end] = positional(c, 'index', 1, 3);
  const [a, b] = bounds(self.length, start, end);
  for (let i = a; i < b && i < self.length; i++) if (eqBool(self[i]!, v!)) return BigInt(i);
  throw new PyError('ValueError', `${repr(v!)} is not in list`);
});
method<PyValue[]>(list, 'count', (self, c) => {
  const [v] = positional(c, 'count', 1, 1);
  let n = 0;
  for (const x of self) if (eqBool(x, v!)) n++;
  return BigInt(n);
});
method<PyValue[]>(list, 'sort', (self, c) => {
  const { key, reverse } = sortArgs(c, 'sort');
  const sorted = sortValues(self.slice(), key, reverse);
  for (let i = 0; i < sorted.length; i++) self[i] = sorted[i]!;
  return null;
});
method<PyValue[]>(list, 'reverse', (self, c) => {
  positional(c, 'reverse', 0, 0);
  self.reverse();
  return null;
});
method<PyValue[]>(list, 'copy', (self, c) => (positional(c, 'copy', 0, 0), self.slice()));
method<PyValue[]>(list, 'clear', (self, c) => {
  positional(c, 'clear', 0, 0);
  self.length = 0;
  return null;
});

method<PyTuple>(tupleClass, 'index', (self, c) => {
  const [v, start, end] = positional(c, 'index', 1, 3);
  const items = self.items;
  const [a, b] = bounds(items.length, start, end);
  for (let i = a; i < b; i++) if (eqBool(items[i]!, v!)) return BigInt(i);
  throw new PyError('ValueError', 'tuple.index(x): x not in tuple');
});
method<PyTuple>(tupleClass, 'count', (self, c) => {
  const [v] = positional(c, 'count', 1, 1);
  let n = 0;
  for (const x of self.items) if (eqBool(x, v!)) n++;
  return BigInt(n);
});
