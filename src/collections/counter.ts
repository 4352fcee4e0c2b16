/**
 * `collections.Counter`: a dict subclass counting hashable items, with
 * `most_common`, `elements`, `update`/`subtract` (adding counts), `total`,
 * a missing key counting 0 and CPython's repr (most common first).
 */
import { PyError } from '../tensor/errors.js';
import { PyDict } from '../program/dict.js';
import { iterate } from '../program/iteration.js';
import { binary, compare, mappingItems, truthy } from '../program/operators.js';
import { repr } from '../program/repr.js';
import { dictClass, MethodDescriptor, PyClass, PyTuple, type CallArgs, type PyValue } from '../program/values.js';

/** Adds (sign 1) or subtracts (-1) the counts of a mapping or the items of an iterable, as Counter.update/subtract do. */
function addCounts(self: PyDict, c: CallArgs, name: string, sign: 1 | -1): void {
  if (c.args.length > 1) throw new PyError('TypeError', `expected at most 1 argument, got ${c.args.length}`);
  const op = sign === 1 ? '+' : '-';
  const arg = c.args[0];
  if (arg !== undefined && arg !== null) {
    if (arg instanceof PyDict) {
      for (const [k, v] of mappingItems(arg)) self.set(k, binary(op, self.get(k) ?? 0n, v));
    } else {
      for (const k of iterate(arg)) self.set(k, binary(op, self.get(k) ?? 0n, 1n));
    }
  }
  for (const [k, v] of c.kwargs) self.set(k, binary(op, self.get(k) ?? 0n, v));
  void name;
}

/** The items by count, largest first, ties in insertion order (sorted is stable). */
function byCount(self: PyDict): [PyValue, PyValue][] {
  const items = self.snapshot().map((e) => [e.key, e.value] as [PyValue, PyValue]);
  return items.sort((a, b) => (truthy(compare('>', a[1], b[1])) ? -1 : truthy(compare('<', a[1], b[1])) ? 1 : 0));
}

export const counterClass = new PyClass('Counter', [dictClass], new Map(), {
  module: 'collections',
  construct: (cls, call) => {
    const d = new PyDict();
    d.cls = cls;
    addCounts(d, call, 'Counter', 1);
    return d;
  },
});

function method(name: string, fn: (self: PyDict, call: CallArgs) => PyValue): void {
  counterClass.dict.set(name, new MethodDescriptor(name, counterClass, fn as (self: PyValue, call: CallArgs) => PyValue));
}

method('__missing__', () => 0n);
method('update', (self, c) => (addCounts(self, c, 'update', 1), null));
method('subtract', (self, c) => (addCounts(self, c, 'subtract', -1), null));
method('total', (self) => self.snapshot().reduce<PyValue>((sum, e) => binary('+', sum, e.value), 0n));
method('most_common', (self, c) => {
  const n = c.args[0] ?? c.kwargs.get('n') ?? null;
  const items = byCount(self).map(([k, v]) => new PyTuple([k, v]));
  if (n === null) return items;
  if (typeof n !== 'bigint') throw new PyError('TypeError', `'${typeof n === 'number' ? 'float' : 'str'}' object cannot be interpreted as an integer`);
  return items.slice(0, Math.max(0, Number(n)));
});
method('elements', (self) => {
  const out: PyValue[] = [];
  for (const e of self.snapshot()) {
    if (typeof e.value !== 'bigint' && typeof e.value !== 'boolean') throw new PyError('TypeError', `'${typeof e.value === 'number' ? 'float' : 'str'}' object cannot be interpreted as an integer`);
    for (let i = 0n; i < BigInt(e.value); i++) out.push(e.key);
  }
  return out;
});
method('__repr__', (self) => {
  if (self.size === 0) return `${self.cls.name}()`;
  return `${self.cls.name}({${byCount(self).map(([k, v]) => `${repr(k)}: ${repr(v)}`).join(', ')}})`;
});
