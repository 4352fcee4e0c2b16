/**
 * Python's object protocol over the values of values.ts: calling any value,
 * reading, setting and deleting attributes (with descriptors: methods bind,
 * properties compute, static and class methods), creating instances
 * (`__new__`/`__init__`), creating classes (C3 MRO), `isinstance` and
 * `super`. The interpreter runs functions defined by the script; this
 * module reaches it through the Host it registers.
 */
import { Node } from '../autograd/node.js';
import { Tensor } from '../autograd/tensor.js';
import { PyError } from '../tensor/errors.js';
import { UnsupportedError } from './errors.js';
import { isExceptionClass } from './exceptions.js';
import { knownNames } from './known-names.js';
import { placeholderName } from './modules.js';
import { nodeAttr, setTensorAttr, tensorAttr } from './tensor-attrs.js';
import {
  BoundMethod,
  Builtin,
  bumpClassEpoch,
  MethodDescriptor,
  NO_KWARGS,
  objectClass,
  PyClass,
  PyClassMethod,
  PyFunction,
  PyInstance,
  PyModule,
  PyProperty,
  PyStaticMethod,
  PySuper,
  PyTuple,
  typeClass,
  typeOf,
  type Kwargs,
  type PyValue,
} from './values.js';

/** What the object protocol needs from the running interpreter. */
export interface Host {
  /** Calls a function defined by the script; `self`, when given, is its first argument. */
  callFunction(fn: PyFunction, args: PyValue[], kwargs: Kwargs, self?: PyValue): PyValue;
  /** Counts one step of a loop run by TypeScript code (bounds runaway loops inside builtins). */
  tick(): void;
  /** A warning as Python's `warnings` module shows it (once per line and message), unless filtered out. */
  warn(message: string, category?: PyClass): void;
  /** `warnings.filterwarnings(action, category=...)`: 'ignore' hides the category (and its subclasses), 'default' shows it again. */
  filterWarnings(action: 'ignore' | 'default', category: PyClass): void;
}

let host: Host = {
  callFunction: () => {
    throw new Error('no script is running');
  },
  tick: () => {},
  warn: () => {},
  filterWarnings: () => {},
};

/** Installs the host of a run; returns the previous one (to restore). */
export function setHost(h: Host): Host {
  const old = host;
  host = h;
  return old;
}

export const tick = () => host.tick();
export const warn = (message: string, category?: PyClass) => host.warn(message, category);
export const filterWarnings = (action: 'ignore' | 'default', category: PyClass) => host.filterWarnings(action, category);

const typeError = (message: string) => new PyError('TypeError', message);

/** Context of an AttributeError, for Python's "Did you mean" suggestion when it goes uncaught. */
export const attributeErrorContext = new WeakMap<PyError, { obj: PyValue; name: string }>();

export function attributeError(obj: PyValue, name: string, message: string): PyError {
  const err = new PyError('AttributeError', message);
  attributeErrorContext.set(err, { obj, name });
  return err;
}

/** `f(*args, **kwargs)` for any callable value. */
export function callValue(f: PyValue, args: PyValue[], kwargs: Kwargs = NO_KWARGS): PyValue {
  if (f instanceof Builtin) return f.fn({ args, kwargs });
  if (f instanceof PyFunction) return host.callFunction(f, args, kwargs);
  if (f instanceof BoundMethod) return callBound(f.fn, f.self, args, kwargs);
  if (f instanceof PyClass) return instantiate(f, args, kwargs);
  if (f instanceof MethodDescriptor) {
    if (args.length === 0) throw typeError(`unbound method ${f.owner.name}.${f.name}() needs an argument`);
    if (!typeOf(args[0]!).isSubclassOf(f.owner)) {
      throw typeError(`descriptor '${f.name}' for '${f.owner.name}' objects doesn't apply to a '${typeOf(args[0]!).name}' object`);
    }
    return f.fn(args[0]!, { args: args.slice(1), kwargs });
  }
  if (f instanceof PyStaticMethod) return callValue(f.fn, args, kwargs);
  if (f instanceof PyInstance) {
    const call = f.cls.lookup('__call__');
    if (call !== undefined) return callBound(call, f, args, kwargs);
  }
  throw typeError(`'${typeOf(f).name}' object is not callable`);
}

/** Calls `fn` (a function or method read from a class) with `self` first. */
export function callBound(fn: PyValue, self: PyValue, args: PyValue[], kwargs: Kwargs = NO_KWARGS): PyValue {
  if (fn instanceof PyFunction) return host.callFunction(fn, args, kwargs, self);
  if (fn instanceof MethodDescriptor) return fn.fn(self, { args, kwargs });
  if (fn instanceof PyStaticMethod) return callValue(fn.fn, args, kwargs);
  if (fn instanceof PyClassMethod) return callValue(fn.fn, [typeOf(self), ...args], kwargs);
  return callValue(fn, [self, ...args], kwargs);
}

export function isCallable(v: PyValue): boolean {
  if (v instanceof Builtin || v instanceof PyFunction || v instanceof BoundMethod || v instanceof PyClass || v instanceof MethodDescriptor || v instanceof PyStaticMethod) return true;
  return v instanceof PyInstance && v.cls.lookup('__call__') !== undefined;
}

/** A value read from a class through an instance: functions bind, static methods unwrap, class methods bind the class. */
export function bindDescriptor(d: PyValue, obj: PyValue, cls: PyClass, name = ''): PyValue {
  if (d instanceof PyFunction || d instanceof MethodDescriptor) return new BoundMethod(obj, d);
  if (d instanceof PyStaticMethod) return d.fn;
  if (d instanceof PyClassMethod) return new BoundMethod(cls, d.fn);
  if (d instanceof PyProperty) return getProperty(d, obj, cls, name);
  if (d instanceof PyInstance && d.cls.bindTo) return d.cls.bindTo(d, obj, cls);
  return d;
}

function getProperty(p: PyProperty, obj: PyValue, cls: PyClass, name: string): PyValue {
  if (p.fget === null) throw attributeError(obj, name, `property '${name}' of '${cls.name}' object has no getter`);
  return callValue(p.fget, [obj]);
}

/** The special method `name` of a value's class (`__add__`), unbound, or undefined. */
export function lookupSpecial(v: PyValue, name: string): PyValue | undefined {
  return typeOf(v).lookup(name);
}

/** The names of a value's type that exist in real Python/PyTorch (python-names.ts). */
function knownFor(v: PyValue): ReadonlySet<string> | null {
  if (v instanceof Tensor) return knownNames('Tensor');
  if (v instanceof Node) return knownNames('Node');
  // A script's class has what its nearest built-in base has (object's __sizeof__, Exception's with_traceback).
  const base = typeOf(v).mro.find((c) => c.builtin);
  if (!base) return null;
  if (isExceptionClass(base)) return knownNames('BaseException');
  return knownNames(base.name);
}

/** Does real Python have the attribute `name` on the class `cls` (through its metaclass or a built-in base)? */
function knownOnClass(cls: PyClass, name: string): boolean {
  if (knownNames('metaclass')?.has(name)) return true;
  const base = cls.mro.find((c) => c.builtin);
  if (!base) return false;
  return (isExceptionClass(base) ? knownNames('BaseException') : knownNames(base.name))?.has(name) ?? false;
}

/** A missing attribute: outside the subset when real Python/PyTorch has it, else Python's AttributeError. */
function missing(obj: PyValue, name: string): Error {
  const known = knownFor(obj);
  const cls = typeOf(obj);
  if (known?.has(name)) {
    const what = obj instanceof Tensor ? 'tensor' : obj instanceof Node ? 'grad_fn' : cls.name;
    return new UnsupportedError(`the ${what} attribute '${name}' is not supported`);
  }
  return attributeError(obj, name, `'${cls.name}' object has no attribute '${name}'`);
}

export function getAttr(obj: PyValue, name: string): PyValue {
  if (obj instanceof PyInstance) return instanceGetAttr(obj, name);
  if (obj instanceof Tensor) {
    const v = tensorAttr(obj, name);
    if (v !== undefined) return v;
    return typeGetAttr(obj, name);
  }
  if (obj instanceof PyModule) return moduleGetAttr(obj, name);
  if (obj instanceof PyClass) return classGetAttr(obj, name);
  if (obj instanceof PySuper) return superGetAttr(obj, name);
  if (obj instanceof PyFunction) {
    const d = typeOf(obj).lookup(name);
    if (d instanceof PyProperty) return getProperty(d, obj, typeOf(obj), name);
    const v = obj.attrs.get(name);
    if (v !== undefined) return v;
  }
  if (obj instanceof Node) {
    const v = nodeAttr(obj, name);
    if (v !== undefined) return v;
  }
  return typeGetAttr(obj, name);
}

/** Attributes found on the value's class (methods of str, list, dict ...; properties such as `int.real`). */
function typeGetAttr(obj: PyValue, name: string): PyValue {
  const cls = typeOf(obj);
  const d = cls.lookup(name);
  if (d !== undefined) return bindDescriptor(d, obj, cls, name);
  if (name === '__class__') return cls;
  if (obj instanceof BoundMethod) return getAttr(obj.fn, name);
  throw missing(obj, name);
}

function instanceGetAttr(obj: PyInstance, name: string): PyValue {
  const cls = obj.cls;
  const d = cls.lookup(name);
  if (d instanceof PyProperty) return getProperty(d, obj, cls, name);
  const v = obj.attrs.get(name);
  if (v !== undefined) return v;
  if (d !== undefined) return bindDescriptor(d, obj, cls, name);
  if (name === '__class__') return cls;
  if (name === '__dict__') throw new UnsupportedError("reading an object's __dict__ is not supported");
  const hook = cls.lookup('__getattr__');
  if (hook !== undefined) {
    try {
      return callBound(hook, obj, [name]);
    } catch (e) {
      if (e instanceof PyError && e.pyType === 'AttributeError' && !attributeErrorContext.has(e)) attributeErrorContext.set(e, { obj, name });
      throw e;
    }
  }
  throw missing(obj, name);
}

function moduleGetAttr(mod: PyModule, name: string): PyValue {
  const v = mod.get(name);
  if (v !== undefined) return v;
  if (name === '__name__') return mod.name;
  const known = knownNames(`module:${mod.name}`);
  if (known === null || known.has(name) || name.startsWith('__')) throw new UnsupportedError(`${mod.name}.${name} is not supported`);
  throw attributeError(mod, name, `module '${mod.name}' has no attribute '${name}'`);
}

function classGetAttr(cls: PyClass, name: string): PyValue {
  // The metaclass's data descriptors come first (`type(f).__name__` is 'function', not function's own __name__ property);
  // __module__ and __doc__ read the class's own namespace first, as CPython's getters do.
  const meta0 = typeClass.dict.get(name);
  if (meta0 instanceof PyProperty) {
    const own = name === '__module__' || name === '__doc__' ? cls.dict.get(name) : undefined;
    if (own === undefined || own instanceof PyProperty) return getProperty(meta0, cls, typeClass, name);
  }
  const d = cls.lookup(name);
  if (d !== undefined) {
    if (d instanceof PyClassMethod) return new BoundMethod(cls, d.fn);
    if (d instanceof PyStaticMethod) return d.fn;
    return d;
  }
  const meta = typeClass.lookup(name);
  if (meta !== undefined) return bindDescriptor(meta, cls, typeClass, name);
  if (knownOnClass(cls, name)) throw new UnsupportedError(`${cls.name}.${name} is not supported`);
  throw attributeError(cls, name, `type object '${cls.name}' has no attribute '${name}'`);
}

function superGetAttr(sup: PySuper, name: string): PyValue {
  const mro = sup.objType.mro;
  for (let i = mro.indexOf(sup.cls) + 1; i < mro.length; i++) {
    const d = mro[i]!.dict.get(name);
    if (d === undefined) continue;
    if (sup.obj instanceof PyClass && sup.obj === sup.objType) {
      // super() in a classmethod or super(C, C): functions stay unbound.
      if (d instanceof PyClassMethod) return new BoundMethod(sup.obj, d.fn);
      if (d instanceof PyStaticMethod) return d.fn;
      return d;
    }
    return bindDescriptor(d, sup.obj, sup.objType, name);
  }
  if (name === '__class__') return typeOf(sup);
  throw attributeError(sup, name, `'super' object has no attribute '${name}'`);
}

export function setAttr(obj: PyValue, name: string, value: PyValue): void {
  if (obj instanceof PyInstance) {
    const hook = obj.cls.lookup('__setattr__');
    if (hook !== objectSetattr && hook !== undefined) {
      callBound(hook, obj, [name, value]);
      return;
    }
    return objectSetAttr(obj, name, value);
  }
  if (obj instanceof Tensor) {
    if (!setTensorAttr(obj, name, value)) throw new UnsupportedError(`setting the tensor attribute '${name}' is not supported`);
    return;
  }
  if (obj instanceof PyClass) {
    if (obj.builtin) throw typeError(`cannot set '${name}' attribute of immutable type '${obj.name}'`);
    if (name === '__name__' && typeof value === 'string') obj.name = value;
    else if (name === '__qualname__' && typeof value === 'string') obj.qualname = value;
    else if (name === '__doc__') obj.doc = typeof value === 'string' ? value : null;
    obj.dict.set(name, value);
    bumpClassEpoch();
    return;
  }
  if (obj instanceof PyFunction) {
    if (name === '__name__' || name === '__qualname__') {
      if (typeof value !== 'string') throw typeError(`__${name.slice(2, -2)}__ must be set to a string object`);
      if (name === '__name__') obj.name = value;
      else obj.qualname = value;
      return;
    }
    if (name === '__doc__') {
      obj.doc = typeof value === 'string' ? value : null;
      return;
    }
    obj.attrs.set(name, value);
    return;
  }
  if (obj instanceof PyModule) {
    obj.attrs.set(name, value);
    return;
  }
  const cls = typeOf(obj);
  if (cls.lookup(name) !== undefined) throw attributeError(obj, name, `'${cls.name}' object attribute '${name}' is read-only`);
  throw attributeError(obj, name, `'${cls.name}' object has no attribute '${name}'`);
}

/** `object.__setattr__`: properties and other data descriptors first, then the instance dict. */
export function objectSetAttr(obj: PyInstance, name: string, value: PyValue): void {
  const d = obj.cls.lookup(name);
  if (d instanceof PyProperty) {
    if (d.fset === null) throw attributeError(obj, name, `property '${name}' of '${obj.cls.name}' object has no setter`);
    callValue(d.fset, [obj, value]);
    return;
  }
  obj.attrs.set(name, value);
}

export function delAttr(obj: PyValue, name: string): void {
  if (obj instanceof PyInstance) {
    const hook = obj.cls.lookup('__delattr__');
    if (hook !== objectDelattr && hook !== undefined) {
      callBound(hook, obj, [name]);
      return;
    }
    return objectDelAttr(obj, name);
  }
  if (obj instanceof PyClass) {
    if (obj.builtin) throw typeError(`cannot delete '${name}' attribute of immutable type '${obj.name}'`);
    if (!obj.dict.delete(name)) throw attributeError(obj, name, `type object '${obj.name}' has no attribute '${name}'`);
    bumpClassEpoch();
    return;
  }
  if (obj instanceof PyFunction && obj.attrs.delete(name)) return;
  if (obj instanceof PyModule) {
    if (obj.attrs.delete(name)) return;
    if (obj.base?.has(name)) throw new UnsupportedError(`deleting ${obj.name}.${name} is not supported`);
  }
  if (obj instanceof Tensor) throw new UnsupportedError(`deleting the tensor attribute '${name}' is not supported`);
  const cls = typeOf(obj);
  if (cls.lookup(name) !== undefined) throw attributeError(obj, name, `'${cls.name}' object attribute '${name}' is read-only`);
  throw attributeError(obj, name, `'${cls.name}' object has no attribute '${name}'`);
}

export function objectDelAttr(obj: PyInstance, name: string): void {
  const d = obj.cls.lookup(name);
  if (d instanceof PyProperty) {
    if (d.fdel === null) throw attributeError(obj, name, `property '${name}' of '${obj.cls.name}' object has no deleter`);
    callValue(d.fdel, [obj]);
    return;
  }
  if (!obj.attrs.delete(name)) throw attributeError(obj, name, `'${obj.cls.name}' object has no attribute '${name}'`);
}

/** `getattr(obj, name, default)`: the default only for an AttributeError. */
export function getAttrOr(obj: PyValue, name: string, fallback: PyValue | undefined): PyValue {
  if (fallback === undefined) return getAttr(obj, name);
  try {
    return getAttr(obj, name);
  } catch (e) {
    if (e instanceof PyError && e.pyType === 'AttributeError') return fallback;
    throw e;
  }
}

// object's own methods: defined here because the protocol compares against them.
const objectInit = new MethodDescriptor('__init__', objectClass, () => null);
const objectSetattr = new MethodDescriptor('__setattr__', objectClass, (self, call) => {
  const [name, value] = call.args;
  if (typeof name !== 'string') throw typeError(`attribute name must be string, not '${typeOf(name ?? null).name}'`);
  if (self instanceof PyInstance) objectSetAttr(self, name, value ?? null);
  else setAttr(self, name, value ?? null);
  return null;
});
const objectDelattr = new MethodDescriptor('__delattr__', objectClass, (self, call) => {
  const [name] = call.args;
  if (typeof name !== 'string') throw typeError(`attribute name must be string, not '${typeOf(name ?? null).name}'`);
  if (self instanceof PyInstance) objectDelAttr(self, name);
  else delAttr(self, name);
  return null;
});
const objectGetattribute = new MethodDescriptor('__getattribute__', objectClass, (self, call) => {
  const [name] = call.args;
  if (typeof name !== 'string') throw typeError(`attribute name must be string, not '${typeOf(name ?? null).name}'`);
  if (!(self instanceof PyInstance)) return getAttr(self, name);
  const d = self.cls.lookup(name);
  if (d instanceof PyProperty) return getProperty(d, self, self.cls, name);
  const v = self.attrs.get(name);
  if (v !== undefined) return v;
  if (d !== undefined) return bindDescriptor(d, self, self.cls, name);
  throw missing(self, name);
});
const objectNew = new PyStaticMethod(
  new Builtin('__new__', (call) => {
    const cls = call.args[0];
    if (!(cls instanceof PyClass)) throw typeError(`object.__new__(X): X is not a type object (${typeOf(cls ?? null).name})`);
    return allocate(cls, { args: call.args.slice(1), kwargs: call.kwargs });
  }),
);
objectClass.dict.set('__init__', objectInit);
objectClass.dict.set('__setattr__', objectSetattr);
objectClass.dict.set('__delattr__', objectDelattr);
objectClass.dict.set('__getattribute__', objectGetattribute);
objectClass.dict.set('__new__', objectNew);
objectClass.dict.set(
  '__init_subclass__',
  new PyClassMethod(
    new Builtin('__init_subclass__', (call) => {
      if (call.kwargs.size > 0) throw typeError(`${(call.args[0] as PyClass).name}.__init_subclass__() takes no keyword arguments`);
      return null;
    }),
  ),
);

/** A new instance of `cls` before `__init__`: the native state of its first native base is made here. */
export function allocate(cls: PyClass, call: { args: PyValue[]; kwargs: Kwargs }): PyInstance {
  if (cls.construct || cls.final) throw typeError(`object.__new__(${cls.name}) is not safe, use ${cls.name}.__new__()`);
  const inst = new PyInstance(cls);
  for (const c of cls.mro) {
    if (c.create) {
      inst.native = c.create(inst, call);
      break;
    }
  }
  return inst;
}

/** `Cls(*args, **kwargs)`: `__new__` then `__init__`, as `type.__call__` does. */
export function instantiate(cls: PyClass, args: PyValue[], kwargs: Kwargs): PyValue {
  if (cls.construct) return cls.construct(cls, { args, kwargs });
  const newFn = cls.lookup('__new__');
  let obj: PyValue;
  if (newFn !== objectNew && newFn !== undefined) {
    obj = callValue(newFn instanceof PyStaticMethod ? newFn.fn : newFn, [cls, ...args], kwargs);
    if (!typeOf(obj).isSubclassOf(cls)) return obj;
  } else {
    obj = allocate(cls, { args, kwargs });
  }
  const init = cls.lookup('__init__');
  if (init === objectInit) {
    if ((args.length || kwargs.size) && newFn === objectNew) throw typeError(`${cls.name}() takes no arguments`);
  } else if (init !== undefined) {
    const r = callBound(init, obj, args, kwargs);
    if (r !== null) throw typeError(`__init__() should return None, not '${typeOf(r).name}'`);
  }
  return obj;
}

/** Python's C3 linearisation of a new class's bases. */
function c3(cls: PyClass, bases: PyClass[]): PyClass[] {
  const seqs = [...bases.map((b) => [...b.mro]), [...bases]];
  const result = [cls];
  for (;;) {
    const live = seqs.filter((s) => s.length > 0);
    if (live.length === 0) return result;
    const candidate = live.map((s) => s[0]!).find((c) => !live.some((t) => t.indexOf(c) > 0));
    if (!candidate) {
      const heads = [...new Set(live.map((s) => s[0]!.name))];
      throw typeError(`Cannot create a consistent method resolution\norder (MRO) for bases ${heads.join(', ')}`);
    }
    result.push(candidate);
    for (const s of live) if (s[0] === candidate) s.shift();
  }
}

/** Built-in classes Python lets scripts subclass but dzdx does not (their instances are plain JS values here). */
const VALUE_CLASSES = new Set(['int', 'float', 'str', 'list', 'tuple', 'dict', 'set', 'frozenset', 'Tensor', 'Size']);

/** The class a `class` statement makes. */
export function makeClass(name: string, qualname: string, bases: PyValue[], ns: Map<string, PyValue>, module = '__main__'): PyClass {
  const classes: PyClass[] = [];
  for (const b of bases) {
    const ph = placeholderName(b);
    if (ph !== null) throw new UnsupportedError(`subclassing ${ph} is not supported`);
    if (!(b instanceof PyClass)) throw new UnsupportedError(`a base class that is a ${typeOf(b).name}, not a class, is not supported`);
    if (b.final || b.construct) {
      if (VALUE_CLASSES.has(b.name) || !b.final) throw new UnsupportedError(`subclassing ${b.fullName} is not supported`);
      throw typeError(`type '${b.fullName}' is not an acceptable base type`);
    }
    if (classes.includes(b)) throw typeError(`duplicate base class ${b.name}`);
    classes.push(b);
  }
  if (classes.length === 0) classes.push(objectClass);
  const creators = new Set<PyClass>();
  for (const b of classes) {
    const solid = b.mro.find((c) => c.create);
    if (solid && ![...creators].some((c) => c.isSubclassOf(solid) || solid.isSubclassOf(c))) creators.add(solid);
  }
  if (creators.size > 1) throw typeError('multiple bases have instance lay-out conflict');
  // What dzdx's object model does not follow would run silently wrong: refuse it.
  for (const special of ['__getattribute__', '__slots__', '__del__', '__set_name__', '__instancecheck__', '__subclasscheck__']) {
    if (ns.has(special)) throw new UnsupportedError(`a class defining ${special} is not supported`);
  }
  for (const [key, value] of ns) {
    if (value instanceof PyInstance && (value.cls.lookup('__get__') !== undefined || value.cls.lookup('__set__') !== undefined)) {
      throw new UnsupportedError(`descriptors (class attribute '${key}' with __get__/__set__) are not supported`);
    }
  }
  // As type.__new__ does: a class that defines __eq__ but not __hash__ is unhashable.
  if (ns.has('__eq__') && !ns.has('__hash__')) ns.set('__hash__', null);
  const qual = ns.get('__qualname__');
  ns.delete('__qualname__');
  const doc = ns.get('__doc__');
  const cls = new PyClass(name, classes, ns, { module, qualname: typeof qual === 'string' ? qual : qualname, doc: typeof doc === 'string' ? doc : null });
  cls.mro = c3(cls, classes);
  for (const [key, value] of ns) {
    if (key === '__init_subclass__' && value instanceof PyFunction) ns.set(key, new PyClassMethod(value));
    if (key === '__new__' && value instanceof PyFunction) ns.set(key, new PyStaticMethod(value));
  }
  // The nearest base's __init_subclass__ (a classmethod), as type.__new__ calls it.
  for (const base of cls.mro.slice(1)) {
    const hook = base.dict.get('__init_subclass__');
    if (hook instanceof PyClassMethod) {
      if (base !== objectClass) callValue(hook.fn, [cls]);
      break;
    }
  }
  return cls;
}

/** `isinstance(v, classinfo)`. */
export function isInstance(v: PyValue, classinfo: PyValue): boolean {
  if (classinfo instanceof PyClass) return classinfo.instanceCheck ? classinfo.instanceCheck(v) : typeOf(v).isSubclassOf(classinfo);
  if (classinfo instanceof PyTuple) return classinfo.items.some((c) => isInstance(v, c));
  const ph = placeholderName(classinfo);
  if (ph !== null) throw new UnsupportedError(`isinstance with ${ph} is not supported`);
  throw typeError('isinstance() arg 2 must be a type, a tuple of types, or a union');
}

/** `issubclass(c, classinfo)`. */
export function isSubclass(c: PyValue, classinfo: PyValue): boolean {
  if (!(c instanceof PyClass)) throw typeError('issubclass() arg 1 must be a class');
  if (classinfo instanceof PyClass) return c.isSubclassOf(classinfo);
  if (classinfo instanceof PyTuple) return classinfo.items.some((k) => isSubclass(c, k));
  throw typeError('issubclass() arg 2 must be a class, a tuple of classes, or a union');
}

/** `super(cls, obj)`. */
export function makeSuper(cls: PyValue, obj: PyValue): PySuper {
  if (!(cls instanceof PyClass)) throw typeError(`super() argument 1 must be a type, not ${typeOf(cls).name}`);
  if (obj instanceof PyClass && obj.isSubclassOf(cls)) return new PySuper(cls, obj, obj);
  const t = typeOf(obj);
  if (!t.isSubclassOf(cls)) throw typeError('super(type, obj): obj must be an instance or subtype of type');
  return new PySuper(cls, obj, t);
}
