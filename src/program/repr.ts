/**
 * Python's `repr()` and `str()` of every value, with `__repr__`/`__str__`
 * of script classes, Python's reprs of built-in objects
 * (`<__main__.Foo object at 0x…>`, `<function f at 0x…>`, `<class 'int'>`),
 * `[...]` for a list that contains itself, and CPython's limit of 4300
 * digits for converting an int to text.
 */
import { Node } from '../autograd/node.js';
import { Tensor } from '../autograd/tensor.js';
import { PyError } from '../tensor/errors.js';
import { formatSize } from '../tensor/format.js';
import { PyDict } from './dict.js';
import { exceptionState, isExceptionClass } from './exceptions.js';
import { callBound, lookupSpecial } from './objects.js';
import { pyFloatRepr } from './pyformat.js';
import { PySet } from './set.js';
import {
  BoundMethod,
  Builtin,
  dictClass,
  Ellipsis,
  hexAddress,
  MethodDescriptor,
  NotImplemented,
  objectClass,
  PyClass,
  PyClassMethod,
  PyDType,
  PyFunction,
  PyInstance,
  PyIterator,
  PyModule,
  PyObject,
  PyProperty,
  PyRange,
  PyStaticMethod,
  PySuper,
  PyDevice,
  PyNamedTuple,
  PyTuple,
  SliceValue,
  tensorClass,
  TorchSize,
  typeOf,
  type PyValue,
} from './values.js';

const MAX_INT_DIGITS = 4300;

/** `str(int)`, with CPython 3.11's limit on digits. */
export function intStr(v: bigint): string {
  const s = v.toString();
  if (s.length - (v < 0n ? 1 : 0) > MAX_INT_DIGITS) {
    throw new PyError('ValueError', `Exceeds the limit (${MAX_INT_DIGITS} digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit`);
  }
  return s;
}

export function stringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else if (code >= 0x80 && code < 0xa0) out += '\\x' + code.toString(16).padStart(2, '0');
    else if (code === 0xad) out += '\\xad';
    else if (code >= 0xd800 && code < 0xe000) out += '\\u' + code.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + quote;
}

/** Objects being printed (Py_ReprEnter): a container met again prints as `[...]`. */
const active = new Set<object>();
let depth = 0;
const MAX_DEPTH = 1000;

function guarded(v: object, again: string, body: () => string): string {
  if (active.has(v)) return again;
  if (++depth > MAX_DEPTH) {
    depth--;
    throw new PyError('RecursionError', 'maximum recursion depth exceeded while getting the repr of an object');
  }
  active.add(v);
  try {
    return body();
  } finally {
    active.delete(v);
    depth--;
  }
}

function itemsRepr(items: readonly PyValue[]): string {
  let out = '';
  for (let i = 0; i < items.length; i++) out += (i ? ', ' : '') + repr(items[i]!);
  return out;
}

export function dictRepr(d: PyDict): string {
  return guarded(d, '{...}', () => `{${d.snapshot().map((e) => `${repr(e.key)}: ${repr(e.value)}`).join(', ')}}`);
}

function setRepr(s: PySet): string {
  const name = s.frozen ? 'frozenset' : 'set';
  if (s.size === 0) return `${name}()`;
  return guarded(s, `${name}(...)`, () => {
    const body = `{${itemsRepr([...s])}}`;
    return s.frozen ? `frozenset(${body})` : body;
  });
}

/** The repr an object gets from `object.__repr__`. */
export function defaultRepr(v: PyValue): string {
  const cls = typeOf(v);
  return `<${cls.fullName} object at ${hexAddress(v as object)}>`;
}

function moduleRepr(m: PyModule): string {
  if (m.name === 'torch' || m.name.startsWith('torch.')) {
    return `<module '${m.name}' from '/usr/lib/python3/dist-packages/${m.name.replace(/\./g, '/')}${m.name.split('.').length > 2 || m.name === 'torch.nn.functional' ? '.py' : '/__init__.py'}'>`;
  }
  return `<module '${m.name}' (built-in)>`;
}

function functionLabel(f: PyValue): string {
  if (f instanceof PyFunction) return f.qualname;
  if (f instanceof MethodDescriptor) return `${f.owner.qualname}.${f.name}`;
  if (f instanceof Builtin) return f.name;
  return repr(f);
}

/** A special method of a script's (or native) class that replaces a built-in type's behaviour. */
function custom(v: PyValue, name: string): PyValue | undefined {
  if (v instanceof PyInstance || (v instanceof PyDict && v.cls !== dictClass) || (v instanceof PyTuple && !typeOf(v).builtin)) {
    const f = lookupSpecial(v, name);
    if (f !== undefined && f !== objectReprDescriptor && f !== objectStrDescriptor) return f;
  }
  return undefined;
}

function callText(f: PyValue, v: PyValue, which: string): string {
  const out = callBound(f, v, []);
  if (typeof out !== 'string') throw new PyError('TypeError', `${which} returned non-string (type ${typeOf(out).name})`);
  return out;
}

/** Python's `repr()`. */
export function repr(v: PyValue): string {
  switch (typeof v) {
    case 'string':
      return stringRepr(v);
    case 'bigint':
      return intStr(v);
    case 'number':
      return pyFloatRepr(v);
    case 'boolean':
      return v ? 'True' : 'False';
  }
  if (v === null) return 'None';
  if (Array.isArray(v)) return guarded(v, '[...]', () => `[${itemsRepr(v)}]`);
  if (v instanceof Tensor) {
    const cls = typeOf(v);
    const f = cls === tensorClass ? undefined : cls.lookup('__repr__');
    return f === undefined || f === objectReprDescriptor ? v.toString() : callText(f, v, '__repr__');
  }
  if (v instanceof Node) return `<${v.name} object at 0x${v.address.toString(16)}>`;
  const f = custom(v, '__repr__');
  if (f !== undefined) return callText(f, v, '__repr__');
  if (v instanceof PyTuple) {
    if (v instanceof TorchSize) return formatSize(v.items.map((i) => Number(i)));
    if (v instanceof PyNamedTuple) {
      const nt = v;
      return guarded(v, '(...)', () => `torch.return_types.${nt.typeName}(\n${nt.fields.map((f, i) => `${f}=${repr(nt.items[i]!)}`).join(',\n')})`);
    }
    if (v.items.length === 1) return guarded(v, '(...)', () => `(${repr(v.items[0]!)},)`);
    return guarded(v, '(...)', () => `(${itemsRepr(v.items)})`);
  }
  if (v instanceof PyDict) return dictRepr(v);
  if (v instanceof PySet) return setRepr(v);
  if (v instanceof PyInstance) {
    if (isExceptionClass(v.cls)) return exceptionRepr(v);
    return defaultRepr(v);
  }
  if (v instanceof PyClass) return `<class '${v.fullName}'>`;
  if (v instanceof PyFunction) return `<function ${v.qualname} at ${hexAddress(v)}>`;
  if (v instanceof Builtin) {
    if (v.self !== undefined) return `<built-in method ${v.name} of ${typeOf(v.self).name} object at ${hexAddress(v.self as object)}>`;
    return `<built-in function ${v.name}>`;
  }
  if (v instanceof BoundMethod) {
    if (v.fn instanceof MethodDescriptor && v.fn.owner.builtin) {
      return `<built-in method ${v.fn.name} of ${typeOf(v.self).name} object at ${hexAddress(v.self as object)}>`;
    }
    return `<bound method ${functionLabel(v.fn)} of ${repr(v.self)}>`;
  }
  if (v instanceof MethodDescriptor) return `<method '${v.name}' of '${v.owner.name}' objects>`;
  if (v instanceof PyModule) return moduleRepr(v);
  if (v instanceof PyRange) return v.step === 1n ? `range(${v.start}, ${v.stop})` : `range(${v.start}, ${v.stop}, ${v.step})`;
  if (v instanceof SliceValue) return `slice(${repr(v.start)}, ${repr(v.stop)}, ${repr(v.step)})`;
  if (v instanceof PyDType) return `torch.${v.dtype}`;
  if (v instanceof PyIterator) {
    if (v.label) return `<generator object ${v.label} at ${hexAddress(v)}>`;
    const own = (v as { repr?: () => string }).repr; // itertools.count(0) and the like
    return own ? own.call(v) : defaultRepr(v);
  }
  if (v instanceof PyStaticMethod) return `<staticmethod(${repr(v.fn)})>`;
  if (v instanceof PyClassMethod) return `<classmethod(${repr(v.fn)})>`;
  if (v instanceof PyProperty) return defaultRepr(v);
  if (v instanceof PySuper) return `<super: <class '${v.cls.name}'>, <${v.objType.name} object>>`;
  if (v === Ellipsis) return 'Ellipsis';
  if (v instanceof PyDevice) return v.index === null ? `device(type='${v.type}')` : `device(type='${v.type}', index=${v.index})`;
  if (v === NotImplemented) return 'NotImplemented';
  if (v instanceof PyObject) {
    const own = (v as { repr?: () => string }).repr;
    return own ? own.call(v) : defaultRepr(v);
  }
  return String(v);
}

/** Python's `str()`, what `print` shows. */
export function str(v: PyValue): string {
  if (typeof v === 'string') return v;
  if (v instanceof PyDevice) return v.index === null ? v.type : `${v.type}:${v.index}`;
  if (v instanceof PyInstance) {
    const f = custom(v, '__str__');
    if (f !== undefined) return callText(f, v, '__str__');
    if (isExceptionClass(v.cls)) return exceptionStr(v);
  }
  return repr(v);
}

export function exceptionStr(exc: PyInstance): string {
  const args = exceptionState(exc).args;
  if (args.length === 0) return '';
  if (args.length === 1) {
    const isKeyError = exc.cls.mro.some((c) => c.builtin && c.name === 'KeyError');
    return isKeyError ? repr(args[0]!) : str(args[0]!);
  }
  return repr(new PyTuple(args));
}

export function exceptionRepr(exc: PyInstance): string {
  const args = exceptionState(exc).args;
  return `${exc.cls.name}(${itemsRepr(args)})`;
}

// object.__repr__ and object.__str__, so that `super().__repr__()` works in a script's class.
const objectReprDescriptor = new MethodDescriptor('__repr__', objectClass, (self) => (self instanceof PyInstance && isExceptionClass(self.cls) ? exceptionRepr(self) : defaultRepr(self)));
const objectStrDescriptor = new MethodDescriptor('__str__', objectClass, (self) =>
  self instanceof PyInstance && isExceptionClass(self.cls) ? exceptionStr(self) : repr(self),
);
objectClass.dict.set('__repr__', objectReprDescriptor);
objectClass.dict.set('__str__', objectStrDescriptor);
