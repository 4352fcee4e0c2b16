/**
 * Python's iteration protocol: `for` loops and every builtin that consumes
 * an iterable go through `iterate`, which follows `__iter__`/`__next__`
 * (and the old `__getitem__` protocol) of script classes, iterates lists
 * live (appending while iterating is seen, as in Python) and counts every
 * step of a range against the run's step bound.
 */
import { Tensor } from '../autograd/tensor.js';
import { PyError } from '../tensor/errors.js';
import * as F from '../ops/functional.js';
import { PyDict } from './dict.js';
import { exceptionClassOf } from './exceptions.js';
import { callBound, lookupSpecial, tick } from './objects.js';
import { PySet } from './set.js';
import { objectClass, PyClass, PyInstance, PyIterator, PyObject, PyRange, PyTuple, typeOf, type PyValue } from './values.js';

const iteratorClasses = new Map<string, PyClass>();

/** The class of an iterator kind (`list_iterator`, `map`, `generator` ...), made once. */
export function iteratorClass(name: string): PyClass {
  let c = iteratorClasses.get(name);
  if (!c) {
    c = new PyClass(name, [objectClass], new Map(), { builtin: true, final: true });
    iteratorClasses.set(name, c);
  }
  return c;
}

export function registerIteratorClass(cls: PyClass): void {
  iteratorClasses.set(cls.name, cls);
}

function* listValues(list: PyValue[]): Generator<PyValue> {
  for (let i = 0; i < list.length; i++) yield list[i]!;
}

function* rangeValues(r: PyRange): Generator<PyValue> {
  const { start, stop, step } = r;
  if (step > 0n) {
    for (let i = start; i < stop; i += step) {
      tick();
      yield i;
    }
  } else {
    for (let i = start; i > stop; i += step) {
      tick();
      yield i;
    }
  }
}

function* dictKeys(d: PyDict): Generator<PyValue> {
  for (const e of d.entries()) yield e.key;
}

/** `__next__` until StopIteration. */
function* nextCalls(it: PyValue, next: PyValue): Generator<PyValue> {
  for (;;) {
    let v: PyValue;
    try {
      v = callBound(next, it, []);
    } catch (e) {
      if (e instanceof PyError && exceptionClassOf(e).name === 'StopIteration') return;
      throw e;
    }
    yield v;
  }
}

/** The old protocol: `__getitem__(0)`, `__getitem__(1)` ... until IndexError. */
function* getitemCalls(obj: PyValue, getitem: PyValue): Generator<PyValue> {
  for (let i = 0n; ; i++) {
    let v: PyValue;
    try {
      v = callBound(getitem, obj, [i]);
    } catch (e) {
      if (e instanceof PyError && (e.pyType === 'IndexError' || e.pyType === 'StopIteration')) return;
      throw e;
    }
    yield v;
  }
}

function* iteratorValues(it: PyIterator): Generator<PyValue> {
  for (;;) {
    const v = it.next();
    if (v === undefined) return;
    yield v;
  }
}

const notIterable = (v: PyValue) => new PyError('TypeError', `'${typeOf(v).name}' object is not iterable`);

/** The values of any iterable, as a JavaScript iterable. */
export function iterate(v: PyValue): Iterable<PyValue> {
  if (Array.isArray(v)) return listValues(v);
  if (v instanceof PyTuple) return v.items;
  if (typeof v === 'string') return v;
  if (v instanceof PyRange) return rangeValues(v);
  if (v instanceof PyIterator) return iteratorValues(v);
  if (v instanceof PyDict) return dictKeys(v);
  if (v instanceof PySet) return v;
  if (v instanceof Tensor) {
    if (v.shape.length === 0) throw new PyError('TypeError', 'iteration over a 0-d tensor');
    // Tensor.__iter__ is `iter(self.unbind(0))`: one UnbindBackward0 node for all rows.
    return F.unbind(v, 0);
  }
  if (v instanceof PyInstance) {
    const it = lookupSpecial(v, '__iter__');
    if (it === null) throw notIterable(v);
    if (it !== undefined) {
      const r = callBound(it, v, []);
      if (r instanceof PyIterator) return iteratorValues(r);
      const next = lookupSpecial(r, '__next__');
      if (next === undefined || !(r instanceof PyInstance)) {
        throw new PyError('TypeError', `iter() returned non-iterator of type '${typeOf(r).name}'`);
      }
      return nextCalls(r, next);
    }
    const getitem = lookupSpecial(v, '__getitem__');
    if (getitem !== undefined) return getitemCalls(v, getitem);
  }
  if (v instanceof PyObject && typeof (v as Partial<Iterable<PyValue>>)[Symbol.iterator] === 'function') return v as unknown as Iterable<PyValue>;
  throw notIterable(v);
}

/** The iterator kind Python names for `iter(v)`. */
function iteratorKind(v: PyValue): string {
  if (Array.isArray(v)) return 'list_iterator';
  if (v instanceof PyTuple) return 'tuple_iterator';
  if (typeof v === 'string') return 'str_ascii_iterator';
  if (v instanceof PyRange) return 'range_iterator';
  if (v instanceof PyDict) return 'dict_keyiterator';
  if (v instanceof PySet) return 'set_iterator';
  return 'iterator';
}

/** `iter(v)`: the iterator object itself for iterators, else a new one. */
export function getIterator(v: PyValue): PyValue {
  if (v instanceof PyIterator) return v;
  if (v instanceof PyInstance) {
    const it = lookupSpecial(v, '__iter__');
    if (it !== undefined && it !== null) {
      const r = callBound(it, v, []);
      if (!(r instanceof PyIterator) && lookupSpecial(r, '__next__') === undefined) {
        throw new PyError('TypeError', `iter() returned non-iterator of type '${typeOf(r).name}'`);
      }
      return r;
    }
  }
  const values = iterate(v);
  return new PyIterator(iteratorClass(iteratorKind(v)), values[Symbol.iterator]());
}

/** `next(it)`: the next value, or undefined when exhausted. */
export function nextValue(it: PyValue): PyValue | undefined {
  if (it instanceof PyIterator) return it.next();
  const next = lookupSpecial(it, '__next__');
  if (next === undefined || !(it instanceof PyInstance)) throw new PyError('TypeError', `'${typeOf(it).name}' object is not an iterator`);
  try {
    return callBound(next, it, []);
  } catch (e) {
    if (e instanceof PyError && exceptionClassOf(e).name === 'StopIteration') return undefined;
    throw e;
  }
}

/** A new iterator object of kind `name` over JavaScript values. */
export function makeIterator(name: string, values: Iterator<PyValue>, label: string | null = null): PyIterator {
  return new PyIterator(iteratorClass(name), values, label);
}

/** All values of an iterable, as an array. */
export function toArray(v: PyValue): PyValue[] {
  if (Array.isArray(v)) return v.slice();
  if (v instanceof PyTuple) return v.items.slice();
  return Array.from(iterate(v));
}
