/**
 * Native classes: Python classes implemented in TypeScript, which scripts
 * instantiate, subclass, override and call `super()` into exactly as they
 * do with classes written in Python (torch.nn.Module, optimizers,
 * torch.autograd.Function, collections.OrderedDict ...).
 *
 *   const Counter = defineClass<{ n: number }>({
 *     name: 'Counter', module: 'mylib',
 *     state: () => ({ n: 0 }),
 *     methods: {
 *       __init__(self, call) { stateOf(self, Counter).n = Number(bind('Counter', call, ['start=']).start ?? 0n); return null; },
 *       __call__(self) { return BigInt(++stateOf(self, Counter).n); },
 *     },
 *     properties: { count: { get: (self) => BigInt(stateOf(self, Counter).n) } },
 *   });
 *
 * Methods receive `self` and the call's arguments (`bind` in args.ts reads
 * them Python's way). An instance is a PyInstance: its Python attributes in
 * `attrs` (what `object.__setattr__` writes), the class's TypeScript state
 * in `native` (made by `state` before `__init__` runs, for the class and
 * every script subclass of it). Special methods (`__init__`, `__call__`,
 * `__repr__`, `__setattr__`, `__getattr__`, `__len__`, `__getitem__`,
 * `__iter__`, `__add__` ...) are found through the MRO like a script's, so
 * a subclass may override them and reach them with `super()`.
 * See docs/interpreter.md.
 */
import { PyError } from '../tensor/errors.js';
import {
  Builtin,
  MethodDescriptor,
  objectClass,
  PyClass,
  PyClassMethod,
  PyInstance,
  PyProperty,
  PyStaticMethod,
  typeOf,
  type CallArgs,
  type PyValue,
} from './values.js';

export interface NativeClassSpec<S> {
  name: string;
  /** The module reprs show: `<class 'torch.nn.modules.module.Module'>`. */
  module: string;
  qualname?: string;
  /** Default: `object`. */
  bases?: PyClass[];
  doc?: string;
  /** The TypeScript state of a new instance (of this class or a script's subclass), made before `__init__`. */
  state?: (self: PyInstance, call: CallArgs) => S;
  /** Instance methods, special methods included; `self` is the instance. */
  methods?: Record<string, (self: PyValue, call: CallArgs) => PyValue>;
  staticmethods?: Record<string, (call: CallArgs) => PyValue>;
  classmethods?: Record<string, (cls: PyClass, call: CallArgs) => PyValue>;
  properties?: Record<string, { get: (self: PyValue) => PyValue; set?: (self: PyValue, value: PyValue) => void }>;
  /** Class attributes. */
  attributes?: Record<string, PyValue>;
  /** Scripts may not subclass it. */
  final?: boolean;
  /**
   * For a class whose instances are not PyInstances (a tensor subclass such
   * as nn.Parameter: make the tensor and `setTensorClass(t, cls)`): what
   * calling the class returns, instead of `__new__`/`__init__`.
   */
  construct?: (cls: PyClass, call: CallArgs) => PyValue;
  /** Instances stored in a class and read through an instance bind to it (a `__get__`; e.g. `(self, obj) => new BoundMethod(obj, self)`). */
  bind?: (self: PyInstance, obj: PyValue, owner: PyClass) => PyValue;
}

export function defineClass<S = unknown>(spec: NativeClassSpec<S>): PyClass {
  const bases = spec.bases ?? [objectClass];
  const cls = new PyClass(spec.name, bases, new Map(), {
    module: spec.module,
    qualname: spec.qualname ?? spec.name,
    doc: spec.doc ?? null,
    final: spec.final ?? false,
    create: spec.state,
    construct: spec.construct,
    bindTo: spec.bind,
  });
  if (bases.length > 1) cls.mro = linearise(cls, bases);
  for (const [name, fn] of Object.entries(spec.methods ?? {})) cls.dict.set(name, new MethodDescriptor(name, cls, fn));
  for (const [name, fn] of Object.entries(spec.staticmethods ?? {})) {
    cls.dict.set(name, new PyStaticMethod(new Builtin(name, fn, undefined, spec.module)));
  }
  for (const [name, fn] of Object.entries(spec.classmethods ?? {})) {
    cls.dict.set(name, new PyClassMethod(new Builtin(name, (call) => fn(call.args[0] as PyClass, { args: call.args.slice(1), kwargs: call.kwargs }))));
  }
  for (const [name, p] of Object.entries(spec.properties ?? {})) {
    const get = new Builtin(name, (call) => p.get(call.args[0]!));
    const set = p.set
      ? new Builtin(name, (call) => {
          p.set!(call.args[0]!, call.args[1]!);
          return null;
        })
      : null;
    cls.dict.set(name, new PyProperty(get, set, null, null));
  }
  for (const [name, v] of Object.entries(spec.attributes ?? {})) cls.dict.set(name, v);
  return cls;
}

/** The TypeScript state of `self`, an instance of `cls` (or of a subclass): a TypeError for anything else. */
export function stateOf<S>(self: PyValue, cls: PyClass): S {
  if (!(self instanceof PyInstance) || !self.cls.isSubclassOf(cls)) {
    throw new PyError('TypeError', `descriptor requires a '${cls.name}' object but received a '${typeOf(self).name}'`);
  }
  return self.native as S;
}

/** C3 for a native class with several bases (same algorithm as script classes). */
function linearise(cls: PyClass, bases: PyClass[]): PyClass[] {
  const seqs = [...bases.map((b) => [...b.mro]), [...bases]];
  const result = [cls];
  for (;;) {
    const live = seqs.filter((s) => s.length > 0);
    if (live.length === 0) return result;
    const c = live.map((s) => s[0]!).find((h) => !live.some((t) => t.indexOf(h) > 0));
    if (!c) throw new Error(`inconsistent MRO for native class ${cls.name}`);
    result.push(c);
    for (const s of live) if (s[0] === c) s.shift();
  }
}
