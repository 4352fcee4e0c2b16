/**
 * Python's `collections` as scripts use it: OrderedDict (nn.Sequential
 * examples build one), defaultdict, namedtuple (namedtuple.ts), deque
 * (deque.ts) and Counter (counter.ts). A library of its own, registered
 * with the interpreter's module registry and loaded only when a script
 * names `collections` (src/libraries.ts): the first library built on that
 * registry, and the example to follow.
 */
import { PyError } from '../tensor/errors.js';
import { counterClass } from './counter.js';
import { dequeClass } from './deque.js';
import { namedtuple } from './namedtuple.js';
import { PyDict } from '../program/dict.js';
import { dictRepr, repr } from '../program/repr.js';
import { registerLibrary } from '../program/modules.js';
import { exceptionClassNamed, newException, RaisedError } from '../program/exceptions.js';
import { DictView, dictUpdate, viewClassesFor } from '../program/methods-dict.js';
import { callValue, isCallable } from '../program/objects.js';
import { eqBool } from '../program/operators.js';
import { Builtin, dictClass, MethodDescriptor, NotImplemented, PyClass, PyProperty, PyTuple, type CallArgs, type PyValue } from '../program/values.js';

/** A dict subclass implemented in TypeScript: its instances are PyDicts whose `cls` is the subclass. */
function dictSubclass(name: string, make: (cls: PyClass, call: CallArgs) => PyDict): PyClass {
  const cls = new PyClass(name, [dictClass], new Map(), { module: 'collections', construct: (c, call) => make(c, call) });
  return cls;
}

function method(cls: PyClass, name: string, fn: (self: PyDict, call: CallArgs) => PyValue): void {
  cls.dict.set(name, new MethodDescriptor(name, cls, fn as (self: PyValue, call: CallArgs) => PyValue));
}

function keyError(key: PyValue): Error {
  return new RaisedError(newException(exceptionClassNamed('KeyError'), [key]), repr(key));
}

export const orderedDictClass = dictSubclass('OrderedDict', (cls, call) => {
  const d = new PyDict();
  d.cls = cls;
  dictUpdate(d, call, 'OrderedDict');
  return d;
});
method(orderedDictClass, '__repr__', (self) => {
  const items = self.snapshot();
  if (items.length === 0) return `${self.cls.name}()`;
  return `${self.cls.name}([${items.map((e) => `(${repr(e.key)}, ${repr(e.value)})`).join(', ')}])`;
});
const odictViews = viewClassesFor('odict');
for (const kind of ['keys', 'values', 'items'] as const) {
  method(orderedDictClass, kind, (self) => new DictView(self, kind, odictViews));
}
method(orderedDictClass, 'move_to_end', (self, call) => {
  const key = call.args[0];
  const last = call.args[1] ?? call.kwargs.get('last') ?? true;
  if (key === undefined) throw new PyError('TypeError', "move_to_end() missing required argument 'key' (pos 1)");
  if (!self.moveToEnd(key, last !== false)) throw keyError(key);
  return null;
});
method(orderedDictClass, 'popitem', (self, call) => {
  const last = call.args[0] ?? call.kwargs.get('last') ?? true;
  const e = self.edge(last !== false);
  if (!e) throw keyError('dictionary is empty');
  self.delete(e.key);
  return new PyTuple([e.key, e.value]);
});
method(orderedDictClass, '__eq__', (self, call) => {
  const other = call.args[0]!;
  if (!(other instanceof PyDict)) return NotImplemented;
  const a = self.snapshot();
  const b = other.snapshot();
  if (a.length !== b.length) return false;
  if (other.cls.isSubclassOf(orderedDictClass)) return a.every((e, i) => eqBool(e.key, b[i]!.key) && eqBool(e.value, b[i]!.value));
  return a.every((e) => {
    const v = other.get(e.key);
    return v !== undefined && eqBool(e.value, v);
  });
});

export const defaultdictClass = dictSubclass('defaultdict', (cls, call) => {
  const [factory, ...rest] = call.args;
  if (factory !== undefined && factory !== null && !isCallable(factory)) throw new PyError('TypeError', 'first argument must be callable or None');
  const d = new PyDict();
  d.cls = cls;
  d.defaultFactory = factory ?? null;
  dictUpdate(d, { args: rest, kwargs: call.kwargs }, 'defaultdict');
  return d;
});
method(defaultdictClass, '__missing__', (self, call) => {
  const key = call.args[0]!;
  if (self.defaultFactory === null) throw keyError(key);
  const value = callValue(self.defaultFactory, []);
  self.set(key, value);
  return value;
});
method(defaultdictClass, '__repr__', (self) => `${self.cls.name}(${repr(self.defaultFactory)}, ${dictRepr(self)})`);
defaultdictClass.dict.set(
  'default_factory',
  new PyProperty(new Builtin('default_factory', (call) => (call.args[0] as PyDict).defaultFactory), null, null, null),
);

registerLibrary({
  name: 'collections',
  install(modules) {
    const m = modules.module('collections');
    m.attrs.set('OrderedDict', orderedDictClass);
    m.attrs.set('defaultdict', defaultdictClass);
    m.attrs.set('namedtuple', namedtuple);
    m.attrs.set('deque', dequeClass);
    m.attrs.set('Counter', counterClass);
  },
});
