/**
 * `collections.deque(iterable=(), maxlen=None)`: the double-ended queue
 * replay memories are built on (`deque([], maxlen=capacity)`,
 * `random.sample(memory, k)`), a native class with CPython's methods,
 * repr and messages.
 */
import { PyError } from '../tensor/errors.js';
import { bind } from '../program/args.js';
import { iterate, iteratorClass } from '../program/iteration.js';
import { defineClass, stateOf } from '../program/native.js';
import { eqBool } from '../program/operators.js';
import { repr } from '../program/repr.js';
import { indexValue } from '../program/subscript.js';
import { NotImplemented, PyClass, PyInstance, PyIterator, typeOf, type PyValue } from '../program/values.js';

interface DequeState {
  items: PyValue[];
  maxlen: number | null;
}

const items = (self: PyValue): PyValue[] => stateOf<DequeState>(self, dequeClass).items;

/** Appends on the right, dropping from the left past maxlen. */
function pushRight(s: DequeState, v: PyValue): void {
  if (s.maxlen === 0) return;
  s.items.push(v);
  if (s.maxlen !== null && s.items.length > s.maxlen) s.items.shift();
}

function pushLeft(s: DequeState, v: PyValue): void {
  if (s.maxlen === 0) return;
  s.items.unshift(v);
  if (s.maxlen !== null && s.items.length > s.maxlen) s.items.pop();
}

function position(self: PyValue, index: PyValue): number {
  const xs = items(self);
  const i = indexValue(index, 'sequence index');
  const j = i < 0 ? i + xs.length : i;
  if (j < 0 || j >= xs.length) throw new PyError('IndexError', 'deque index out of range');
  return j;
}

const dequeIterator = iteratorClass('_collections._deque_iterator');

export const dequeClass: PyClass = defineClass<DequeState>({
  name: 'deque',
  module: 'collections',
  state: () => ({ items: [], maxlen: null }),
  methods: {
    __init__(self, call) {
      const a = bind('deque', call, ['iterable=', 'maxlen=']);
      const s = stateOf<DequeState>(self, dequeClass);
      if (a.maxlen !== undefined && a.maxlen !== null) {
        if (typeof a.maxlen !== 'bigint') throw new PyError('TypeError', `an integer is required`);
        if (a.maxlen < 0n) throw new PyError('ValueError', 'maxlen must be non-negative');
        s.maxlen = Number(a.maxlen);
      }
      s.items = [];
      if (a.iterable !== undefined) for (const v of iterate(a.iterable)) pushRight(s, v);
      return null;
    },
    append: (self, call) => (pushRight(stateOf<DequeState>(self, dequeClass), bind('append', call, ['x']).x!), null),
    appendleft: (self, call) => (pushLeft(stateOf<DequeState>(self, dequeClass), bind('appendleft', call, ['x']).x!), null),
    extend(self, call) {
      const s = stateOf<DequeState>(self, dequeClass);
      for (const v of [...iterate(bind('extend', call, ['iterable']).iterable!)]) pushRight(s, v);
      return null;
    },
    extendleft(self, call) {
      const s = stateOf<DequeState>(self, dequeClass);
      for (const v of [...iterate(bind('extendleft', call, ['iterable']).iterable!)]) pushLeft(s, v);
      return null;
    },
    pop(self, call) {
      bind('pop', call, []);
      const xs = items(self);
      if (xs.length === 0) throw new PyError('IndexError', 'pop from an empty deque');
      return xs.pop()!;
    },
    popleft(self, call) {
      bind('popleft', call, []);
      const xs = items(self);
      if (xs.length === 0) throw new PyError('IndexError', 'pop from an empty deque');
      return xs.shift()!;
    },
    clear: (self, call) => (bind('clear', call, []), (stateOf<DequeState>(self, dequeClass).items = []), null),
    rotate(self, call) {
      const a = bind('rotate', call, ['n=']);
      const xs = items(self);
      if (xs.length === 0) return null;
      const n = Number(a.n === undefined ? 1n : BigInt(indexValue(a.n, 'rotate')));
      const k = ((n % xs.length) + xs.length) % xs.length;
      xs.unshift(...xs.splice(xs.length - k, k));
      return null;
    },
    count: (self, call) => {
      const x = bind('count', call, ['x']).x!;
      return BigInt(items(self).filter((v) => eqBool(v, x)).length);
    },
    remove(self, call) {
      const x = bind('remove', call, ['value']).value!;
      const xs = items(self);
      const i = xs.findIndex((v) => eqBool(v, x));
      if (i < 0) throw new PyError('ValueError', `${repr(x)} is not in deque`);
      xs.splice(i, 1);
      return null;
    },
    __len__: (self) => BigInt(items(self).length),
    __iter__: (self) => new PyIterator(dequeIterator, items(self).slice()[Symbol.iterator]()),
    __getitem__: (self, call) => {
      if (typeOf(call.args[0] ?? null).name === 'slice') throw new PyError('TypeError', 'sequence index must be integer, not \'slice\'');
      return items(self)[position(self, call.args[0]!)]!;
    },
    __setitem__: (self, call) => {
      items(self)[position(self, call.args[0]!)] = call.args[1]!;
      return null;
    },
    __contains__: (self, call) => items(self).some((v) => eqBool(v, call.args[0]!)),
    __eq__(self, call) {
      const other = call.args[0]!;
      if (!(other instanceof PyInstance) || !other.cls.isSubclassOf(dequeClass)) return NotImplemented;
      const a = items(self);
      const b = items(other);
      return a.length === b.length && a.every((v, i) => eqBool(v, b[i]!));
    },
    __repr__(self) {
      const s = stateOf<DequeState>(self, dequeClass);
      const body = `[${s.items.map((v) => repr(v)).join(', ')}]`;
      return s.maxlen === null ? `${typeOf(self).name}(${body})` : `${typeOf(self).name}(${body}, maxlen=${s.maxlen})`;
    },
  },
  properties: {
    maxlen: { get: (self) => {
      const m = stateOf<DequeState>(self, dequeClass).maxlen;
      return m === null ? null : BigInt(m);
    } },
  },
  attributes: { __hash__: null },
});
