/**
 * `collections.namedtuple(typename, field_names, *, rename=False,
 * defaults=None, module=None)`: a tuple subclass whose instances are
 * tuples with named fields, printed `P(x=1, y=2)`, with `_fields`,
 * `_asdict()`, `_replace()`, `_make()` and CPython's error messages.
 */
import { PyError } from '../tensor/errors.js';
import { bind } from '../program/args.js';
import { PyDict } from '../program/dict.js';
import { iterate } from '../program/iteration.js';
import { repr } from '../program/repr.js';
import { Builtin, MethodDescriptor, PyClass, PyClassMethod, PyProperty, PyTuple, tupleClass, typeOf, type CallArgs, type PyValue } from '../program/values.js';

/** An instance of a namedtuple class: a tuple whose class is that class. */
export class NamedTupleValue extends PyTuple {
  constructor(
    readonly cls: PyClass,
    items: PyValue[],
  ) {
    super(items);
  }

  override pyType(): PyClass {
    return this.cls;
  }
}

const typeError = (message: string) => new PyError('TypeError', message);
const valueError = (message: string) => new PyError('ValueError', message);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '),
);

/** The field names as CPython's namedtuple validates them (a string is split on commas and spaces). */
function fieldNames(spec: PyValue, rename: boolean): string[] {
  const raw = typeof spec === 'string' ? spec.replace(/,/g, ' ').split(/\s+/).filter((s) => s !== '') : [...iterate(spec)].map((v) => {
    if (typeof v !== 'string') throw typeError('Type names and field names must be strings');
    return v;
  });
  const seen = new Set<string>();
  const names = raw.map((name, i) => {
    if (rename && (!IDENTIFIER.test(name) || KEYWORDS.has(name) || name.startsWith('_') || seen.has(name))) name = `_${i}`;
    seen.add(name);
    return name;
  });
  const checked = new Set<string>();
  for (const name of names) {
    if (!IDENTIFIER.test(name)) throw valueError(`Type names and field names must be valid identifiers: ${repr(name)}`);
    if (KEYWORDS.has(name)) throw valueError(`Type names and field names cannot be a keyword: ${repr(name)}`);
    if (name.startsWith('_') && !rename) throw valueError(`Field names cannot start with an underscore: ${repr(name)}`);
    if (checked.has(name)) throw valueError(`Encountered duplicate field name: ${repr(name)}`);
    checked.add(name);
  }
  return names;
}

function fieldsOf(v: PyValue): string[] {
  const f = typeOf(v).lookup('_fields');
  return f instanceof PyTuple ? f.items.map(String) : [];
}

export const namedtuple = new Builtin(
  'namedtuple',
  (call: CallArgs) => {
    const a = bind('namedtuple', call, ['typename', 'field_names', 'rename=', 'defaults=', 'module=']);
    const typename = a.typename;
    if (typeof typename !== 'string') throw typeError('Type names and field names must be strings');
    if (!IDENTIFIER.test(typename)) throw valueError(`Type names and field names must be valid identifiers: ${repr(typename)}`);
    if (KEYWORDS.has(typename)) throw valueError(`Type names and field names cannot be a keyword: ${repr(typename)}`);
    const fields = fieldNames(a.field_names!, a.rename === true);
    const defaults = a.defaults === undefined || a.defaults === null ? [] : [...iterate(a.defaults)];
    if (defaults.length > fields.length) throw typeError('Got more default values than field names');
    const firstDefault = fields.length - defaults.length;

    const make = (cls: PyClass, c: CallArgs): NamedTupleValue => {
      const items: (PyValue | undefined)[] = new Array(fields.length).fill(undefined);
      if (c.args.length > fields.length) {
        const most = fields.length + 1;
        const takes = firstDefault === fields.length ? `${most} positional argument${most === 1 ? '' : 's'}` : `from ${firstDefault + 1} to ${most} positional arguments`;
        throw typeError(`${typename}.__new__() takes ${takes} but ${c.args.length + 1} were given`);
      }
      c.args.forEach((v, i) => (items[i] = v));
      for (const [k, v] of c.kwargs) {
        const i = fields.indexOf(k);
        if (i < 0) throw typeError(`${typename}.__new__() got an unexpected keyword argument '${k}'`);
        if (items[i] !== undefined) throw typeError(`${typename}.__new__() got multiple values for argument '${k}'`);
        items[i] = v;
      }
      const missing = fields.filter((_, i) => items[i] === undefined && i < firstDefault);
      if (missing.length > 0) {
        const quoted = missing.map((m) => `'${m}'`);
        const list = quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
        throw typeError(`${typename}.__new__() missing ${missing.length} required positional argument${missing.length === 1 ? '' : 's'}: ${list}`);
      }
      return new NamedTupleValue(cls, items.map((v, i) => (v === undefined ? defaults[i - firstDefault]! : v)));
    };

    const cls = new PyClass(typename, [tupleClass], new Map(), { module: typeof a.module === 'string' ? a.module : '__main__', construct: make });
    fields.forEach((field, i) => {
      cls.dict.set(field, new PyProperty(new Builtin(field, (c) => (c.args[0] as PyTuple).items[i]!), null, null, null));
    });
    cls.dict.set('_fields', new PyTuple([...fields]));
    const defaultsDict = new PyDict();
    defaults.forEach((v, i) => defaultsDict.set(fields[firstDefault + i]!, v));
    cls.dict.set('_field_defaults', defaultsDict);
    const method = (name: string, fn: (self: PyValue, c: CallArgs) => PyValue) => cls.dict.set(name, new MethodDescriptor(name, cls, fn));
    method('__repr__', (self) => {
      const t = self as PyTuple;
      return `${typeOf(self).name}(${fieldsOf(self).map((f, i) => `${f}=${repr(t.items[i]!)}`).join(', ')})`;
    });
    method('_asdict', (self) => {
      const d = new PyDict();
      fieldsOf(self).forEach((f, i) => d.set(f, (self as PyTuple).items[i]!));
      return d;
    });
    method('_replace', (self, c) => {
      if (c.args.length > 0) throw typeError(`${typename}._replace() takes 1 positional argument but ${c.args.length + 1} were given`);
      const items = [...(self as PyTuple).items];
      const unknown: string[] = [];
      for (const [k, v] of c.kwargs) {
        const i = fields.indexOf(k);
        if (i < 0) unknown.push(k);
        else items[i] = v;
      }
      if (unknown.length > 0) throw valueError(`Got unexpected field names: [${unknown.map((k) => repr(k)).join(', ')}]`);
      return new NamedTupleValue(typeOf(self), items);
    });
    cls.dict.set(
      '_make',
      new PyClassMethod(
        new Builtin('_make', (c) => {
          const items = [...iterate(c.args[1] ?? null)];
          if (items.length !== fields.length) throw typeError(`Expected ${fields.length} arguments, got ${items.length}`);
          return new NamedTupleValue(c.args[0] as PyClass, items);
        }),
      ),
    );
    return cls;
  },
  undefined,
  'collections',
);
