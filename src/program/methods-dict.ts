/** The methods of Python's dict (with its live views) and of set / frozenset. */
import { PyError } from '../tensor/errors.js';
import { PyDict } from './dict.js';
import { exceptionClassNamed, newException, RaisedError } from './exceptions.js';
import { iterate, makeIterator, registerIteratorClass } from './iteration.js';
import { method, positional } from './method-util.js';
import { callValue } from './objects.js';
import { eqBool, mappingItems } from './operators.js';
import { repr } from './repr.js';
import { PySet } from './set.js';
import { Builtin, dictClass, frozensetClass, objectClass, PyClass, PyClassMethod, PyObject, PyTuple, setClass, typeOf, type CallArgs, type PyValue } from './values.js';

function keyError(key: PyValue): Error {
  return new RaisedError(newException(exceptionClassNamed('KeyError'), [key]), repr(key));
}

type ViewClasses = Record<'keys' | 'values' | 'items', PyClass>;
const viewFamilies = new Map<string, ViewClasses>();

/** The view classes `dict_keys`, ... or, for a dict subclass with views of its own (OrderedDict), `odict_keys`, ... */
export function viewClassesFor(prefix: string): ViewClasses {
  let v = viewFamilies.get(prefix);
  if (!v) {
    const make = (k: string) => new PyClass(`${prefix}_${k}`, [objectClass], new Map(), { builtin: true, final: true });
    v = { keys: make('keys'), values: make('values'), items: make('items') };
    viewFamilies.set(prefix, v);
    for (const cls of Object.values(v)) {
      method<DictView>(cls, 'isdisjoint', (self, c) => {
        const [other] = positional(c, 'isdisjoint', 1, 1);
        for (const x of iterate(other!)) if (self.contains(x)) return false;
        return true;
      });
    }
  }
  return v;
}
for (const name of ['dict_keyiterator', 'dict_valueiterator', 'dict_itemiterator']) {
  registerIteratorClass(new PyClass(name, [objectClass], new Map(), { builtin: true, final: true }));
}

/** `d.keys()`, `d.values()`, `d.items()`: live views of a dict. */
export class DictView extends PyObject {
  readonly unhashable = true;

  constructor(
    readonly dict: PyDict,
    readonly kind: 'keys' | 'values' | 'items',
    private readonly classes: ViewClasses = viewClassesFor('dict'),
  ) {
    super();
  }

  pyType(): PyClass {
    return this.classes[this.kind];
  }

  get size(): number {
    return this.dict.size;
  }

  [Symbol.iterator](): Generator<PyValue> {
    return this.values();
  }

  *values(): Generator<PyValue> {
    for (const e of this.dict.entries()) {
      yield this.kind === 'keys' ? e.key : this.kind === 'values' ? e.value : new PyTuple([e.key, e.value]);
    }
  }

  contains(v: PyValue): boolean {
    if (this.kind === 'keys') return this.dict.has(v);
    if (this.kind === 'values') return this.dict.snapshot().some((e) => eqBool(e.value, v));
    if (!(v instanceof PyTuple) || v.items.length !== 2) return false;
    const found = this.dict.get(v.items[0]!);
    return found !== undefined && eqBool(found, v.items[1]!);
  }

  repr(): string {
    return `${typeOf(this).name}([${[...this.values()].map(repr).join(', ')}])`;
  }
}

const d = dictClass;

method<PyDict>(d, 'keys', (self, c) => (positional(c, 'keys', 0, 0), new DictView(self, 'keys')));
method<PyDict>(d, 'values', (self, c) => (positional(c, 'values', 0, 0), new DictView(self, 'values')));
method<PyDict>(d, 'items', (self, c) => (positional(c, 'items', 0, 0), new DictView(self, 'items')));
method<PyDict>(d, 'get', (self, c) => {
  const [key, fallback] = positional(c, 'get', 1, 2);
  return self.get(key!) ?? fallback ?? null;
});
method<PyDict>(d, 'pop', (self, c) => {
  const [key, fallback] = positional(c, 'pop', 1, 2);
  const e = self.delete(key!);
  if (e) return e.value;
  if (fallback !== undefined) return fallback;
  throw keyError(key!);
});
method<PyDict>(d, 'popitem', (self, c) => {
  positional(c, 'popitem', 0, 0);
  const e = self.edge(true);
  if (!e) throw keyError('popitem(): dictionary is empty');
  self.delete(e.key);
  return new PyTuple([e.key, e.value]);
});
method<PyDict>(d, 'setdefault', (self, c) => {
  const [key, fallback] = positional(c, 'setdefault', 1, 2);
  const v = self.get(key!);
  if (v !== undefined) return v;
  self.set(key!, fallback ?? null);
  return fallback ?? null;
});
method<PyDict>(d, 'update', (self, c) => {
  dictUpdate(self, c, 'update');
  return null;
});
method<PyDict>(d, 'clear', (self, c) => {
  positional(c, 'clear', 0, 0);
  self.clear();
  return null;
});
method<PyDict>(d, 'copy', (self, c) => {
  positional(c, 'copy', 0, 0);
  const copy = self.copyInto(new PyDict());
  if (self.cls !== dictClass) {
    copy.cls = self.cls;
    copy.defaultFactory = self.defaultFactory;
  }
  return copy;
});
d.dict.set(
  'fromkeys',
  new PyClassMethod(
    new Builtin('fromkeys', (c) => {
      const [, iterable, value] = positional(c, 'fromkeys', 2, 3);
      return fromkeys(iterable!, value ?? null);
    }),
  ),
);

/** `dict.update(other, **kw)` and the `dict(...)` constructor. */
export function dictUpdate(self: PyDict, c: CallArgs, name: string): void {
  if (c.args.length > 1) throw new PyError('TypeError', `${name} expected at most 1 argument, got ${c.args.length}`);
  if (c.args.length === 1) for (const [k, v] of mappingItems(c.args[0]!)) self.set(k, v);
  for (const [k, v] of c.kwargs) self.set(k, v);
}

/** `dict.fromkeys(iterable, value=None)`. */
export function fromkeys(iterable: PyValue, value: PyValue): PyDict {
  const out = new PyDict();
  for (const k of iterate(iterable)) out.set(k, value);
  return out;
}


/** Elements of the arguments of `union`, `update` ...: each an iterable. */
function asSet(v: PyValue): PySet {
  if (v instanceof PySet) return v;
  const s = new PySet();
  s.addAll(iterate(v));
  return s;
}

for (const cls of [setClass, frozensetClass]) {
  method<PySet>(cls, 'copy', (self, c) => (positional(c, 'copy', 0, 0), self.frozen ? self : self.copy()));
  method<PySet>(cls, 'union', (self, c) => {
    const r = self.copy();
    for (const o of c.args) r.update(asSet(o));
    return r;
  });
  method<PySet>(cls, 'intersection', (self, c) => {
    let r = self.copy();
    for (const o of c.args) {
      const other = asSet(o);
      const [small, big] = other.size > r.size ? [r, other] : [other, r];
      const next = new PySet(self.frozen);
      for (const k of small) if (big.has(k)) next.add(k);
      r = next;
    }
    return r;
  });
  method<PySet>(cls, 'difference', (self, c) => {
    const r = new PySet(self.frozen);
    const others = c.args.map(asSet);
    for (const k of self) if (!others.some((o) => o.has(k))) r.add(k);
    return r;
  });
  method<PySet>(cls, 'symmetric_difference', (self, c) => {
    const r = asSet(positional(c, 'symmetric_difference', 1, 1)[0]!).copy(self.frozen);
    for (const k of self) if (!r.discard(k)) r.add(k);
    return r;
  });
  method<PySet>(cls, 'issubset', (self, c) => {
    const other = asSet(positional(c, 'issubset', 1, 1)[0]!);
    return [...self].every((k) => other.has(k));
  });
  method<PySet>(cls, 'issuperset', (self, c) => {
    const other = asSet(positional(c, 'issuperset', 1, 1)[0]!);
    return [...other].every((k) => self.has(k));
  });
  method<PySet>(cls, 'isdisjoint', (self, c) => {
    for (const k of iterate(positional(c, 'isdisjoint', 1, 1)[0]!)) if (self.has(k)) return false;
    return true;
  });
}
method<PySet>(setClass, 'add', (self, c) => {
  self.add(positional(c, 'add', 1, 1)[0]!);
  return null;
});
method<PySet>(setClass, 'remove', (self, c) => {
  const [k] = positional(c, 'remove', 1, 1);
  if (!self.discard(k!)) throw keyError(k!);
  return null;
});
method<PySet>(setClass, 'discard', (self, c) => {
  self.discard(positional(c, 'discard', 1, 1)[0]!);
  return null;
});
method<PySet>(setClass, 'pop', (self, c) => {
  positional(c, 'pop', 0, 0);
  const first = self[Symbol.iterator]().next();
  if (first.done) throw keyError('pop from an empty set');
  self.discard(first.value);
  return first.value;
});
method<PySet>(setClass, 'clear', (self, c) => {
  positional(c, 'clear', 0, 0);
  self.clear();
  return null;
});
method<PySet>(setClass, 'update', (self, c) => {
  for (const o of c.args) self.update(asSet(o));
  return null;
});
for (const [name, op] of [
  ['intersection_update', 'intersection'],
  ['difference_update', 'difference'],
  ['symmetric_difference_update', 'symmetric_difference'],
] as const) {
  method<PySet>(setClass, name, (self, c) => {
    const r = callValue(setClass.dict.get(op)!, [self, ...c.args]) as PySet;
    self.clear();
    self.update(r);
    return null;
  });
}

export function dictViewIterator(view: DictView) {
  const name = view.kind === 'keys' ? 'dict_keyiterator' : view.kind === 'values' ? 'dict_valueiterator' : 'dict_itemiterator';
  return makeIterator(name, view.values());
}
