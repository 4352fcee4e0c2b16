/**
 * Python values of the script language. Numbers, strings, None and lists
 * are plain JavaScript values (ints are bigints, exact as Python's); tensors
 * and grad_fn nodes are the tape's own objects; everything else is a
 * PyObject whose `pyType()` is its class. Classes (`PyClass`) are objects
 * too, built-in ones (int, str, list, Exception, torch.Tensor ...) included,
 * so that `type(x)`, `isinstance` and subclassing work the same way for
 * every value.
 */
import { Node } from '../autograd/node.js';
import { Tensor } from '../autograd/tensor.js';
import type { DType } from '../tensor/dtype.js';
import type { FunctionCode } from './ast.js';

export type PyValue = null | boolean | bigint | number | string | PyValue[] | Tensor | Node | PyObject;

export type Kwargs = Map<string, PyValue>;
export type CallArgs = { args: PyValue[]; kwargs: Kwargs };

/** Shared by calls without keyword arguments; never mutated. */
export const NO_KWARGS: Kwargs = new Map();

/** Every Python object that is not a number, string, None, list, tensor or grad_fn node. */
export abstract class PyObject {
  abstract pyType(): PyClass;
}

/** Fake but stable addresses for `<... object at 0x...>` and `id()`. */
const addresses = new WeakMap<object, number>();
let nextAddress = 0x7f3a2b001000;

export function addressOf(v: object): number {
  if (v instanceof Node) return v.address;
  let a = addresses.get(v);
  if (a === undefined) {
    a = nextAddress += 0x40;
    addresses.set(v, a);
  }
  return a;
}

export const hexAddress = (v: object) => `0x${addressOf(v).toString(16)}`;

/** Bumped whenever a class namespace changes, so that the per-class lookup caches stay right. */
let classEpoch = 0;
export const bumpClassEpoch = () => void classEpoch++;

export interface ClassOptions {
  module?: string;
  qualname?: string;
  doc?: string | null;
  /** Built-in classes cannot be changed by scripts. */
  builtin?: boolean;
  /** Scripts may not subclass it (bool, function, ...) or dzdx does not support it (list, dict, ...). */
  final?: boolean;
  /** Makes the value of a call `Cls(...)` directly (int, str, list, ...): no __new__/__init__ protocol. */
  construct?: (cls: PyClass, call: CallArgs) => PyValue;
  /** The state of a new instance (exceptions, native classes), made before __init__ runs. */
  create?: (instance: PyInstance, call: CallArgs) => unknown;
  /**
   * An instance of this class stored in a class and read through an
   * instance of it binds (a native non-data descriptor's `__get__`, as
   * functools' lru_cache wrapper binds like a method); scripts' `__get__`
   * stays refused.
   */
  bindTo?: (descriptor: PyInstance, obj: PyValue, owner: PyClass) => PyValue;
  /** A built-in metaclass's `__instancecheck__` (`isinstance(x, torch.FloatTensor)` asks the dtype). */
  instanceCheck?: (v: PyValue) => boolean;
  /** The class's class when it is not `type` (`torch.tensortype`). */
  metaclass?: PyClass;
}

/** A class: built-in, native (implemented in TypeScript, see native.ts) or defined by a script. */
export class PyClass extends PyObject {
  readonly dict: Map<string, PyValue>;
  mro: PyClass[];
  module: string;
  qualname: string;
  doc: string | null;
  readonly builtin: boolean;
  readonly final: boolean;
  readonly construct?: (cls: PyClass, call: CallArgs) => PyValue;
  readonly create?: (instance: PyInstance, call: CallArgs) => unknown;
  readonly bindTo?: (descriptor: PyInstance, obj: PyValue, owner: PyClass) => PyValue;
  readonly instanceCheck?: (v: PyValue) => boolean;
  private readonly metaclass?: PyClass;
  private cache = new Map<string, PyValue | undefined>();
  private cacheEpoch = -1;

  constructor(
    public name: string,
    readonly bases: PyClass[],
    dict: Map<string, PyValue> = new Map(),
    options: ClassOptions = {},
    mro?: PyClass[],
  ) {
    super();
    this.dict = dict;
    this.module = options.module ?? 'builtins';
    this.qualname = options.qualname ?? name;
    this.doc = options.doc ?? null;
    this.builtin = options.builtin ?? false;
    this.final = options.final ?? false;
    this.construct = options.construct;
    this.create = options.create;
    this.bindTo = options.bindTo;
    this.instanceCheck = options.instanceCheck;
    this.metaclass = options.metaclass;
    this.mro = mro ?? [this, ...(bases[0]?.mro ?? [])];
  }

  pyType(): PyClass {
    return this.metaclass ?? typeClass;
  }

  /** The attribute `name` along the MRO (no descriptor binding), or undefined. */
  lookup(name: string): PyValue | undefined {
    if (this.cacheEpoch !== classEpoch) {
      this.cache.clear();
      this.cacheEpoch = classEpoch;
    }
    if (this.cache.has(name)) return this.cache.get(name);
    let found: PyValue | undefined;
    for (const c of this.mro) {
      const v = c.dict.get(name);
      if (v !== undefined) {
        found = v;
        break;
      }
    }
    this.cache.set(name, found);
    return found;
  }

  /** The class that defines `name` along the MRO. */
  owner(name: string): PyClass | undefined {
    return this.mro.find((c) => c.dict.has(name));
  }

  isSubclassOf(other: PyClass): boolean {
    return this === other || this.mro.includes(other);
  }

  /** `__main__.Foo` as reprs show it; built-ins show their bare name. */
  get fullName(): string {
    return this.module === 'builtins' ? this.qualname : `${this.module}.${this.qualname}`;
  }
}

function builtinClass(name: string, base: PyClass | null, options: ClassOptions = {}): PyClass {
  return new PyClass(name, base ? [base] : [], new Map(), { builtin: true, ...options });
}

// The built-in classes every value needs; their methods are added by the modules that implement them.
export const objectClass = builtinClass('object', null);
export const typeClass = builtinClass('type', objectClass);
export const noneClass = builtinClass('NoneType', objectClass, { final: true });
export const intClass = builtinClass('int', objectClass, { final: true });
export const boolClass = builtinClass('bool', intClass, { final: true });
export const floatClass = builtinClass('float', objectClass, { final: true });
export const strClass = builtinClass('str', objectClass, { final: true });
export const listClass = builtinClass('list', objectClass, { final: true });
export const tupleClass = builtinClass('tuple', objectClass, { final: true });
export const dictClass = builtinClass('dict', objectClass, { final: true });
export const setClass = builtinClass('set', objectClass, { final: true });
export const frozensetClass = builtinClass('frozenset', objectClass, { final: true });
export const rangeClass = builtinClass('range', objectClass, { final: true });
export const sliceClass = builtinClass('slice', objectClass, { final: true });
export const functionClass = builtinClass('function', objectClass, { final: true });
export const builtinFunctionClass = builtinClass('builtin_function_or_method', objectClass, { final: true });
export const methodClass = builtinClass('method', objectClass, { final: true });
export const methodDescriptorClass = builtinClass('method_descriptor', objectClass, { final: true });
export const moduleClass = builtinClass('module', objectClass, { final: true });
export const cellClass = builtinClass('cell', objectClass, { final: true });
export const propertyClass = builtinClass('property', objectClass, { final: true });
export const staticmethodClass = builtinClass('staticmethod', objectClass, { final: true });
export const classmethodClass = builtinClass('classmethod', objectClass, { final: true });
export const superClass = builtinClass('super', objectClass, { final: true });
export const ellipsisClass = builtinClass('ellipsis', objectClass, { final: true });
export const notImplementedClass = builtinClass('NotImplementedType', objectClass, { final: true });
export const tensorClass = builtinClass('Tensor', objectClass, { module: 'torch', final: true });
export const sizeClass = builtinClass('Size', tupleClass, { module: 'torch', final: true });
export const dtypeClass = builtinClass('dtype', objectClass, { module: 'torch', final: true });

/** A plain instance of a script's class (or of a native class): its attributes and its native state. */
export class PyInstance extends PyObject {
  /** The instance `__dict__`. */
  readonly attrs = new Map<string, PyValue>();
  /** State kept by a native base class (exceptions keep their args here). */
  native: unknown = undefined;

  constructor(readonly cls: PyClass) {
    super();
  }

  pyType(): PyClass {
    return this.cls;
  }
}

export class PyTuple extends PyObject {
  constructor(readonly items: PyValue[]) {
    super();
  }

  pyType(): PyClass {
    return tupleClass;
  }
}

/** `torch.Size`: a tuple of ints that prints as `torch.Size([2, 3])`. */
export class TorchSize extends PyTuple {
  override pyType(): PyClass {
    return sizeClass;
  }
}

/** `torch.float32`…: one object per dtype (as PyTorch's), so `x.dtype == torch.float32` and `is` hold. */
export class PyDType extends PyObject {
  private static readonly made = new Map<DType, PyDType>();

  constructor(readonly dtype: DType) {
    super();
    const known = PyDType.made.get(dtype);
    if (known) return known;
    PyDType.made.set(dtype, this);
  }

  pyType(): PyClass {
    return dtypeClass;
  }
}

/** A function implemented in TypeScript (`len`, `torch.ones`, a tensor's bound method). */
export class Builtin extends PyObject {
  constructor(
    readonly name: string,
    readonly fn: (call: CallArgs) => PyValue,
    /** The object a bound built-in method belongs to (`[].append`), for its repr. */
    readonly self: PyValue | undefined = undefined,
    /** The module of a built-in function, for pickling-free reprs and errors. */
    readonly module: string = 'builtins',
    /** A registry op: it keeps no reference to its arguments outside the graph (src/program/temporaries.ts). */
    readonly pure = false,
  ) {
    super();
  }

  pyType(): PyClass {
    return builtinFunctionClass;
  }
}

/**
 * A method implemented in TypeScript, stored in a class: like a Python
 * function in a class body, it binds to the instance it is read from.
 */
export class MethodDescriptor extends PyObject {
  constructor(
    readonly name: string,
    readonly owner: PyClass,
    readonly fn: (self: PyValue, call: CallArgs) => PyValue,
  ) {
    super();
  }

  pyType(): PyClass {
    return methodDescriptorClass;
  }
}

/** A closure cell: a variable shared between a function and the functions nested in it. */
export interface Cell {
  value: PyValue | undefined;
}

/** A function defined by the script (`def` or `lambda`). */
export class PyFunction extends PyObject {
  /** Function attributes (`f.calls = 0`). */
  readonly attrs = new Map<string, PyValue>();
  name: string;
  qualname: string;
  doc: string | null;

  constructor(
    readonly code: FunctionCode,
    /** Default values by parameter index (undefined: required). */
    readonly defaults: (PyValue | undefined)[],
    readonly closure: Cell[],
    /** `@torch.no_grad()` and friends: the grad mode the body runs in. */
    readonly gradMode: boolean | null = null,
    readonly module: string = '__main__',
  ) {
    super();
    this.name = code.name;
    this.qualname = code.qualname;
    this.doc = code.docstring;
  }

  pyType(): PyClass {
    return functionClass;
  }

  /** The same function running under a grad mode (what `torch.no_grad()(f)` returns). */
  withGradMode(mode: boolean): PyFunction {
    const f = new PyFunction(this.code, this.defaults, this.closure, mode, this.module);
    f.name = this.name;
    f.qualname = this.qualname;
    f.doc = this.doc;
    for (const [k, v] of this.attrs) f.attrs.set(k, v);
    return f;
  }
}

/** A function bound to the instance it was read from (`obj.method`). */
export class BoundMethod extends PyObject {
  constructor(
    readonly self: PyValue,
    readonly fn: PyValue,
  ) {
    super();
  }

  pyType(): PyClass {
    // `[].append` is a builtin_function_or_method; a native (non-builtin) class's methods stand for Python functions.
    return this.fn instanceof MethodDescriptor && this.fn.owner.builtin ? builtinFunctionClass : methodClass;
  }
}

export class PyModule extends PyObject {
  /**
   * Attributes shared by every run (the core's torch functions): read after
   * `attrs`, never written, so a run does not copy them.
   */
  base: ReadonlyMap<string, PyValue> | null = null;

  constructor(
    readonly name: string,
    /** This run's attributes (what scripts and libraries set). */
    readonly attrs: Map<string, PyValue>,
  ) {
    super();
  }

  pyType(): PyClass {
    return moduleClass;
  }

  get(name: string): PyValue | undefined {
    const v = this.attrs.get(name);
    return v !== undefined ? v : this.base?.get(name);
  }

  names(): string[] {
    return [...new Set([...(this.base?.keys() ?? []), ...this.attrs.keys()])];
  }
}

/** A slice `a:b:c` (or `slice(a, b, c)`). */
export class SliceValue extends PyObject {
  constructor(
    readonly start: PyValue,
    readonly stop: PyValue,
    readonly step: PyValue,
  ) {
    super();
  }

  pyType(): PyClass {
    return sliceClass;
  }
}

/** `range(start, stop, step)`, iterated lazily. */
export class PyRange extends PyObject {
  constructor(
    readonly start: bigint,
    readonly stop: bigint,
    readonly step: bigint,
  ) {
    super();
  }

  pyType(): PyClass {
    return rangeClass;
  }

  get length(): bigint {
    const { start, stop, step } = this;
    if (step > 0n) return stop > start ? (stop - start + step - 1n) / step : 0n;
    return start > stop ? (start - stop - step - 1n) / -step : 0n;
  }

  at(i: bigint): bigint {
    return this.start + i * this.step;
  }
}

/** An iterator object (`iter(xs)`, `map(...)`, a generator expression): a JavaScript iterator under a Python type. */
export class PyIterator extends PyObject {
  private done = false;

  constructor(
    readonly cls: PyClass,
    private readonly source: Iterator<PyValue>,
    /** For a generator's repr: `<generator object <genexpr> at 0x...>`. */
    readonly label: string | null = null,
  ) {
    super();
  }

  pyType(): PyClass {
    return this.cls;
  }

  /** The next value, or undefined once exhausted (and from then on). */
  next(): PyValue | undefined {
    if (this.done) return undefined;
    const r = this.source.next();
    if (r.done) {
      this.done = true;
      return undefined;
    }
    return r.value;
  }
}

export class PyProperty extends PyObject {
  constructor(
    readonly fget: PyValue,
    readonly fset: PyValue,
    readonly fdel: PyValue,
    readonly doc: PyValue,
  ) {
    super();
  }

  pyType(): PyClass {
    return propertyClass;
  }
}

export class PyStaticMethod extends PyObject {
  constructor(readonly fn: PyValue) {
    super();
  }

  pyType(): PyClass {
    return staticmethodClass;
  }
}

export class PyClassMethod extends PyObject {
  constructor(readonly fn: PyValue) {
    super();
  }

  pyType(): PyClass {
    return classmethodClass;
  }
}

/** `super()` / `super(C, obj)`: attribute lookup that starts after `cls` in the MRO of `obj`'s class. */
export class PySuper extends PyObject {
  constructor(
    readonly cls: PyClass,
    /** The instance, or the class for a classmethod / `super(C, C)`. */
    readonly obj: PyValue,
    readonly objType: PyClass,
  ) {
    super();
  }

  pyType(): PyClass {
    return superClass;
  }
}

class Singleton extends PyObject {
  constructor(
    readonly text: string,
    private readonly cls: PyClass,
  ) {
    super();
  }

  pyType(): PyClass {
    return this.cls;
  }
}

export const Ellipsis = new Singleton('Ellipsis', ellipsisClass);
export const NotImplemented = new Singleton('NotImplemented', notImplementedClass);
export type { Singleton };

/** The class of a grad_fn node: one per node name, as PyTorch has (`<class 'MulBackward0'>`). */
const nodeClasses = new Map<string, PyClass>();

export function nodeClass(name: string): PyClass {
  let c = nodeClasses.get(name);
  if (!c) {
    c = builtinClass(name, objectClass, { final: true });
    nodeClasses.set(name, c);
  }
  return c;
}

/**
 * grad_fn nodes with a Python class of their own (a custom Function's
 * node, `CubeBackward`, which is also the `ctx` its forward and backward
 * receive) and the attributes a script stores on them (`ctx.k = 3`).
 */
const scriptNodes = new WeakMap<Node, { cls: PyClass; dict: Map<string, PyValue> }>();

export function setNodeClass(node: Node, cls: PyClass): void {
  scriptNodes.set(node, { cls, dict: new Map() });
}

/** The attribute dict of a node with a Python class of its own, else undefined. */
export function nodeDict(node: Node): Map<string, PyValue> | undefined {
  return scriptNodes.get(node)?.dict;
}

/** Tensors whose Python class is a subclass of torch.Tensor (nn.Parameter): set by the library that makes them. */
const tensorClasses = new WeakMap<Tensor, PyClass>();

export function setTensorClass(t: Tensor, cls: PyClass): void {
  tensorClasses.set(t, cls);
}

/** The class of any value (Python's `type(v)`). */
export function typeOf(v: PyValue): PyClass {
  if (v === null) return noneClass;
  switch (typeof v) {
    case 'boolean':
      return boolClass;
    case 'bigint':
      return intClass;
    case 'number':
      return floatClass;
    case 'string':
      return strClass;
  }
  if (Array.isArray(v)) return listClass;
  if (v instanceof PyObject) return v.pyType();
  if (v instanceof Tensor) return tensorClasses.get(v) ?? tensorClass;
  return scriptNodes.get(v as Node)?.cls ?? nodeClass((v as Node).name);
}

/** The class name Python's error messages use (`'NoneType' object is not callable`). */
export function typeName(v: PyValue): string {
  return typeOf(v).name;
}

export function isNumber(v: PyValue): v is boolean | bigint | number {
  const t = typeof v;
  return t === 'bigint' || t === 'number' || t === 'boolean';
}

export function toFloat(v: boolean | bigint | number): number {
  return typeof v === 'number' ? v : Number(v);
}

export function isSequence(v: PyValue): v is PyValue[] | PyTuple {
  return Array.isArray(v) || v instanceof PyTuple;
}

/** `torch.device`: its instances are made by torch-devices.ts, one per (type, index), so `==` is identity. */
export const deviceClass = builtinClass('device', objectClass, { module: 'torch', final: true });

export class PyDevice extends PyObject {
  constructor(
    readonly type: string,
    readonly index: number | null,
  ) {
    super();
  }

  pyType(): PyClass {
    return deviceClass;
  }
}

deviceClass.dict.set('type', new PyProperty(new Builtin('type', (call) => (call.args[0] as PyDevice).type), null, null, null));
deviceClass.dict.set('index', new PyProperty(new Builtin('index', (call) => { const i = (call.args[0] as PyDevice).index; return i === null ? null : BigInt(i); }), null, null, null));

/** The class of PyTorch's named tuples, one per kind (`<class 'torch.return_types.max'>`), fields as read-only properties. */
const namedTupleClasses = new Map<string, PyClass>();

function namedTupleClass(name: string, fields: readonly string[]): PyClass {
  let c = namedTupleClasses.get(name);
  if (!c) {
    c = builtinClass(name, tupleClass, { module: 'torch.return_types', final: true });
    fields.forEach((field, i) => {
      const get = new Builtin(field, (call) => (call.args[0] as PyTuple).items[i]!);
      c!.dict.set(field, new PyProperty(get, null, null, null));
    });
    namedTupleClasses.set(name, c);
  }
  return c;
}

/** PyTorch's named tuples (`torch.return_types.max(values=…, indices=…)`). */
export class PyNamedTuple extends PyTuple {
  constructor(
    readonly typeName: string,
    readonly fields: readonly string[],
    items: PyValue[],
  ) {
    super(items);
  }

  override pyType(): PyClass {
    return namedTupleClass(this.typeName, this.fields);
  }
}
