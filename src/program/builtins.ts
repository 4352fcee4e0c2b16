/**
 * Python's built-in functions and the constructors of the built-in types
 * (`int(x)`, `list(it)`, `dict(...)`, `map(f, xs)` ...), with CPython's
 * results and error messages. Names Python has but dzdx refuses (`open`,
 * `eval`, `exec`, `input`, `__import__` ...) are not defined here: the
 * interpreter reports them as outside the subset.
 */
import { Tensor } from '../autograd/tensor.js';
import { PyError } from '../tensor/errors.js';
import * as F from '../ops/functional.js';
import { bind } from './args.js';
import { PyDict } from './dict.js';
import { UnsupportedError } from './errors.js';
import { builtinExceptionClasses, exceptionClassOf } from './exceptions.js';
import { ascii, formatValue } from './format.js';
import { pyHash } from './hash.js';
import { getIterator, iterate, makeIterator, nextValue, toArray } from './iteration.js';
import { knownList } from './known-names.js';
import { intArg, positional } from './method-util.js';
import { DictView, dictUpdate } from './methods-dict.js';
import { sortArgs, sortValues } from './methods-seq.js';
import {
  callBound,
  callValue,
  delAttr,
  getAttr,
  getAttrOr,
  isCallable,
  isInstance,
  isSubclass,
  lookupSpecial,
  makeClass,
  makeSuper,
  setAttr,
  tick,
} from './objects.js';
import { binary, compare, floatDivmod, intToFloat, lengthResult, truthy } from './operators.js';
import { pyRound } from './pyformat.js';
import { repr, str } from './repr.js';
import { PySet } from './set.js';
import { itemOf } from './tensor-attrs.js';
import {
  addressOf,
  boolClass,
  Builtin,
  dictClass,
  Ellipsis,
  floatClass,
  frozensetClass,
  intClass,
  listClass,
  NotImplemented,
  objectClass,
  PyClass,
  PyClassMethod,
  PyInstance,
  PyModule,
  PyProperty,
  PyRange,
  PyStaticMethod,
  PyTuple,
  propertyClass,
  rangeClass,
  setClass,
  sliceClass,
  SliceValue,
  staticmethodClass,
  classmethodClass,
  strClass,
  superClass,
  tupleClass,
  typeClass,
  typeOf,
  type CallArgs,
  type PyValue,
} from './values.js';
import { iteratorClass } from './iteration.js';

const typeError = (message: string) => new PyError('TypeError', message);
const valueError = (message: string) => new PyError('ValueError', message);

/** A number's conversion through a script class's special method (`__int__`, `__float__`, `__index__`). */
function special(v: PyValue, names: string[]): PyValue | undefined {
  if (!(v instanceof PyInstance)) return undefined;
  for (const n of names) {
    const f = lookupSpecial(v, n);
    if (f !== undefined) return callBound(f, v, []);
  }
  return undefined;
}

const PY_FLOAT = /^[+-]?(?:(?:\d(?:_?\d)*)?\.?\d(?:_?\d)*(?:[eE][+-]?\d(?:_?\d)*)?|\d(?:_?\d)*\.(?:[eE][+-]?\d(?:_?\d)*)?)$/;

/** `float(x)`. */
export function toFloatValue(v: PyValue): number {
  switch (typeof v) {
    case 'number':
      return v;
    case 'bigint':
      return intToFloat(v);
    case 'boolean':
      return v ? 1 : 0;
    case 'string': {
      const s = v.replace(/^[\s\x1c-\x1f]+|[\s\x1c-\x1f]+$/g, '');
      const lower = s.toLowerCase();
      if (/^[+-]?(inf|infinity)$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
      if (/^[+-]?nan$/.test(lower)) return NaN;
      if (PY_FLOAT.test(s)) return Number(s.replace(/_/g, ''));
      throw valueError(`could not convert string to float: ${repr(v)}`);
    }
  }
  if (v instanceof Tensor) return Number(itemOf(checkScalarTensor(v)));
  const r = special(v, ['__float__', '__index__']);
  if (typeof r === 'number') return r;
  if (typeof r === 'bigint') return intToFloat(r);
  if (r !== undefined) throw typeError(`${typeOf(v).name}.__float__ returned non-float (type ${typeOf(r).name})`);
  throw typeError(`float() argument must be a string or a real number, not '${typeOf(v).name}'`);
}

function checkScalarTensor(t: Tensor): Tensor {
  if (t.numel !== 1) throw valueError('only one element tensors can be converted to Python scalars');
  return t;
}

function floatToInt(x: number): bigint {
  if (Number.isNaN(x)) throw valueError('cannot convert float NaN to integer');
  if (!Number.isFinite(x)) throw new PyError('OverflowError', 'cannot convert float infinity to integer');
  return BigInt(Math.trunc(x));
}

/** `int(x)` and `int(text, base)`. */
export function toIntValue(v: PyValue, base?: PyValue): bigint {
  if (base !== undefined) {
    if (typeof v !== 'string') throw typeError("int() can't convert non-string with explicit base");
    return parseIntText(v, Number(intArg(base)));
  }
  switch (typeof v) {
    case 'bigint':
      return v;
    case 'boolean':
      return v ? 1n : 0n;
    case 'number':
      return floatToInt(v);
    case 'string':
      return parseIntText(v, 10);
  }
  if (v instanceof Tensor) {
    const item = itemOf(checkScalarTensor(v));
    return typeof item === 'number' ? floatToInt(item) : toIntValue(item);
  }
  const r = special(v, ['__int__', '__index__', '__trunc__']);
  if (typeof r === 'bigint' || typeof r === 'boolean') return toIntValue(r);
  if (r !== undefined) throw typeError(`__int__ returned non-int (type ${typeOf(r).name})`);
  throw typeError(`int() argument must be a string, a bytes-like object or a real number, not '${typeOf(v).name}'`);
}

function parseIntText(text: string, base: number): bigint {
  if (base !== 0 && (base < 2 || base > 36)) throw valueError('int() base must be >= 2 and <= 36, or 0');
  const invalid = () => valueError(`invalid literal for int() with base ${base}: ${repr(text)}`);
  let s = text.trim();
  let sign = 1n;
  if (s[0] === '+' || s[0] === '-') {
    if (s[0] === '-') sign = -1n;
    s = s.slice(1);
  }
  let b = base;
  const prefix = /^0([xob])/i.exec(s);
  if (prefix) {
    const pb = { x: 16, o: 8, b: 2 }[prefix[1]!.toLowerCase() as 'x' | 'o' | 'b'];
    if (b === 0 || b === pb) {
      b = pb;
      s = s.slice(2);
      if (s.startsWith('_')) s = s.slice(1);
    }
  }
  if (b === 0) {
    if (/^0+(_?0)*$/.test(s)) return 0n;
    if (s.startsWith('0')) throw invalid();
    b = 10;
  }
  if (s === '' || s.startsWith('_') || s.endsWith('_') || s.includes('__')) throw invalid();
  const digits = s.replace(/_/g, '');
  let n = 0n;
  const B = BigInt(b);
  for (const ch of digits.toLowerCase()) {
    const d = ch >= '0' && ch <= '9' ? ch.charCodeAt(0) - 48 : ch >= 'a' && ch <= 'z' ? ch.charCodeAt(0) - 87 : 99;
    if (d >= b) throw invalid();
    n = n * B + BigInt(d);
  }
  if (digits.length > 4300 && b === 10) {
    throw valueError('Exceeds the limit (4300 digits) for integer string conversion: value has ' + digits.length + ' digits; use sys.set_int_max_str_digits() to increase the limit');
  }
  return sign * n;
}

/** An int for `hex()`, `chr()` ...: ints, bools, or `__index__`. */
function indexInt(v: PyValue): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  const r = special(v, ['__index__']);
  if (typeof r === 'bigint') return r;
  throw typeError(`'${typeOf(v).name}' object cannot be interpreted as an integer`);
}

export function len(v: PyValue): bigint {
  if (typeof v === 'string') return BigInt([...v].length === v.length ? v.length : [...v].length);
  if (Array.isArray(v)) return BigInt(v.length);
  if (v instanceof PyTuple) return BigInt(v.items.length);
  if (v instanceof PyDict || v instanceof PySet || v instanceof DictView) return BigInt(v.size);
  if (v instanceof PyRange) return v.length;
  if (v instanceof Tensor) {
    if (v.shape.length === 0) throw typeError('len() of a 0-d tensor');
    return BigInt(v.shape[0]!);
  }
  if (v instanceof PyInstance) {
    const f = lookupSpecial(v, '__len__');
    if (f !== undefined) return BigInt(lengthResult(callBound(f, v, [])));
  }
  throw typeError(`object of type '${typeOf(v).name}' has no len()`);
}

function extremum(name: 'min' | 'max', call: CallArgs): PyValue {
  for (const k of call.kwargs.keys()) {
    if (k !== 'key' && k !== 'default') throw typeError(`'${k}' is an invalid keyword argument for ${name}()`);
  }
  const key = call.kwargs.get('key');
  const fallback = call.kwargs.get('default');
  if (call.args.length === 0) throw typeError(`${name} expected at least 1 argument, got 0`);
  if (call.args.length > 1 && fallback !== undefined) throw typeError(`Cannot specify a default for ${name}() with multiple positional arguments`);
  const items = call.args.length === 1 ? iterate(call.args[0]!) : call.args;
  const op = name === 'max' ? '>' : '<';
  let best: PyValue | undefined;
  let bestKey: PyValue | undefined;
  for (const v of items) {
    const k = key === undefined || key === null ? v : callValue(key, [v]);
    if (best === undefined || truthy(compare(op, k, bestKey!))) {
      best = v;
      bestKey = k;
    }
  }
  if (best === undefined) {
    if (fallback !== undefined) return fallback;
    throw valueError(`${name}() arg is an empty sequence`);
  }
  return best;
}

function roundValue(number: PyValue, ndigits: PyValue | undefined): PyValue {
  if (number instanceof PyInstance) {
    const f = lookupSpecial(number, '__round__');
    if (f !== undefined) return callBound(f, number, ndigits === undefined ? [] : [ndigits]);
  }
  if (typeof number === 'bigint' || typeof number === 'boolean') {
    const x = typeof number === 'boolean' ? BigInt(number) : number;
    if (ndigits === undefined || ndigits === null) return x;
    const n = intArg(ndigits);
    if (n >= 0n) return x;
    const p = 10n ** -n;
    let q = x / p;
    let r = x - q * p;
    if (r < 0n) (r += p), (q -= 1n);
    if (2n * r > p || (2n * r === p && q % 2n !== 0n)) q += 1n;
    return q * p;
  }
  if (typeof number !== 'number') throw typeError(`type ${typeOf(number).name} doesn't define __round__ method`);
  if (ndigits === undefined || ndigits === null) return BigInt(pyRound(number));
  return pyRound(number, Number(intArg(ndigits)));
}

function divmod(a: PyValue, b: PyValue): PyValue {
  if ((typeof a === 'bigint' || typeof a === 'boolean') && (typeof b === 'bigint' || typeof b === 'boolean')) {
    const x = typeof a === 'boolean' ? BigInt(a) : a;
    const y = typeof b === 'boolean' ? BigInt(b) : b;
    if (y === 0n) throw new PyError('ZeroDivisionError', 'integer division or modulo by zero');
    return new PyTuple([binary('//', x, y), binary('%', x, y)]);
  }
  if (typeof a === 'number' || typeof b === 'number') {
    if ((typeof a === 'number' || typeof a === 'bigint' || typeof a === 'boolean') && (typeof b === 'number' || typeof b === 'bigint' || typeof b === 'boolean')) {
      const [q, r] = floatDivmod(toFloatValue(a), toFloatValue(b));
      return new PyTuple([q, r]);
    }
  }
  for (const [obj, other, name] of [
    [a, b, '__divmod__'],
    [b, a, '__rdivmod__'],
  ] as const) {
    if (obj instanceof PyInstance) {
      const f = lookupSpecial(obj, name);
      if (f !== undefined) {
        const r = callBound(f, obj, [other]);
        if (r !== NotImplemented) return r;
      }
    }
  }
  throw typeError(`unsupported operand type(s) for divmod(): '${typeOf(a).name}' and '${typeOf(b).name}'`);
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  if (mod === 0n) throw valueError('pow() 3rd argument cannot be 0');
  const m = mod < 0n ? -mod : mod;
  let b = ((base % m) + m) % m;
  if (exp < 0n) {
    // the modular inverse (Python 3.8+)
    let [r0, r1, s0, s1] = [m, b, 0n, 1n];
    while (r1 !== 0n) {
      const q = r0 / r1;
      [r0, r1] = [r1, r0 - q * r1];
      [s0, s1] = [s1, s0 - q * s1];
    }
    if (r0 !== 1n) throw valueError('base is not invertible for the given modulus');
    b = ((s0 % m) + m) % m;
    exp = -exp;
  }
  let result = 1n % m;
  while (exp > 0n) {
    if (exp & 1n) result = (result * b) % m;
    b = (b * b) % m;
    exp >>= 1n;
  }
  return mod < 0n && result !== 0n ? result + mod : result;
}

function reversedValues(v: PyValue): PyValue {
  if (Array.isArray(v)) {
    const list = v;
    return makeIterator('list_reverseiterator', (function* () {
      for (let i = list.length - 1; i >= 0; i--) if (i < list.length) yield list[i]!;
    })());
  }
  if (v instanceof PyTuple || typeof v === 'string') return makeIterator('reversed', toArray(v).reverse()[Symbol.iterator]());
  if (v instanceof PyRange) {
    const n = v.length;
    const r = new PyRange(v.at(n - 1n), v.start - v.step, -v.step);
    return getIterator(r);
  }
  if (v instanceof PyDict) return makeIterator('dict_reversekeyiterator', v.snapshot().map((e) => e.key).reverse()[Symbol.iterator]());
  if (v instanceof Tensor) return makeIterator('reversed', toArray(v).reverse()[Symbol.iterator]());
  if (v instanceof PyInstance) {
    const f = lookupSpecial(v, '__reversed__');
    if (f !== undefined) return callBound(f, v, []);
    const getitem = lookupSpecial(v, '__getitem__');
    if (getitem !== undefined && lookupSpecial(v, '__len__') !== undefined) {
      const n = Number(len(v));
      return makeIterator('reversed', (function* () {
        for (let i = n - 1; i >= 0; i--) yield callBound(getitem, v, [BigInt(i)]);
      })());
    }
  }
  throw typeError(`'${typeOf(v).name}' object is not reversible`);
}

/** Sorted names for `dir(obj)`. */
export function dirOf(v: PyValue): string[] {
  const names = new Set<string>();
  const addClass = (c: PyClass) => {
    for (const k of c.mro) for (const name of k.dict.keys()) names.add(name);
  };
  if (v instanceof PyModule) {
    for (const k of v.names()) names.add(k);
    for (const k of ['__name__', '__doc__']) names.add(k);
  } else if (v instanceof PyInstance) {
    for (const k of v.attrs.keys()) names.add(k);
    addClass(v.cls);
    for (const k of knownList('object') ?? []) names.add(k);
    names.add('__dict__');
    names.add('__module__');
    names.add('__weakref__');
  } else if (v instanceof PyClass) {
    addClass(v);
    if (!v.builtin) for (const k of ['__dict__', '__module__', '__weakref__', '__doc__']) names.add(k);
    for (const k of knownList('object') ?? []) names.add(k);
  } else {
    const cls = typeOf(v);
    const key = v instanceof Tensor ? 'Tensor' : cls.name;
    const known = knownList(key);
    if (known) for (const k of known) names.add(k);
    addClass(cls);
  }
  return [...names].sort();
}

/** `print`, writing through `write` (a run's own builtin). */
export function printBuiltin(write: (text: string) => void): Builtin {
  return new Builtin('print', (call) => {
    let sep = ' ';
    let end = '\n';
    for (const [k, v] of call.kwargs) {
      if (k === 'sep' || k === 'end') {
        if (v !== null && typeof v !== 'string') throw typeError(`${k} must be None or a string, not ${typeOf(v).name}`);
        if (typeof v === 'string') {
          if (k === 'sep') sep = v;
          else end = v;
        }
      } else if (k === 'file') {
        if (v !== null) throw new UnsupportedError("print(file=...) is not supported");
      } else if (k !== 'flush') {
        throw typeError(`'${k}' is an invalid keyword argument for print()`);
      }
    }
    let text = '';
    for (let i = 0; i < call.args.length; i++) text += (i ? sep : '') + str(call.args[i]!);
    write(text + end);
    return null;
  });
}

let shared: Map<string, PyValue> | null = null;

/** The builtins every run shares (all but `print` and `dir`, which the interpreter adds per run). */
export function sharedBuiltins(): ReadonlyMap<string, PyValue> {
  shared ??= makeBuiltins();
  return shared;
}

function makeBuiltins(): Map<string, PyValue> {
  const b = new Map<string, PyValue>();
  const def = (name: string, impl: (call: CallArgs) => PyValue) => b.set(name, new Builtin(name, impl));
  def('len', (call) => len(positional(call, 'len', 1, 1)[0]!));
  def('repr', (call) => repr(positional(call, 'repr', 1, 1)[0]!));
  def('ascii', (call) => ascii(positional(call, 'ascii', 1, 1)[0]!));
  def('format', (call) => {
    const [v, spec] = positional(call, 'format', 1, 2);
    if (spec !== undefined && typeof spec !== 'string') throw typeError(`format() argument 2 must be str, not ${typeOf(spec).name}`);
    return formatValue(v!, (spec as string | undefined) ?? '');
  });
  def('abs', (call) => {
    const [v] = positional(call, 'abs', 1, 1);
    if (typeof v === 'bigint') return v < 0n ? -v : v;
    if (typeof v === 'boolean') return v ? 1n : 0n;
    if (typeof v === 'number') return Math.abs(v);
    if (v instanceof Tensor) return F.abs(v);
    const r = special(v!, ['__abs__']);
    if (r !== undefined) return r;
    throw typeError(`bad operand type for abs(): '${typeOf(v!).name}'`);
  });
  def('round', (call) => {
    const a = bind('round', call, ['number', 'ndigits=']);
    return roundValue(a.number!, a.ndigits);
  });
  def('divmod', (call) => {
    const [x, y] = positional(call, 'divmod', 2, 2);
    return divmod(x!, y!);
  });
  def('pow', (call) => {
    const a = bind('pow', call, ['base', 'exp', 'mod=']);
    if (a.mod !== undefined && a.mod !== null) {
      const ints = [a.base, a.exp, a.mod].every((x) => typeof x === 'bigint' || typeof x === 'boolean');
      if (!ints) throw typeError('pow() 3rd argument not allowed unless all arguments are integers');
      return modPow(intArg(a.base), intArg(a.exp), intArg(a.mod));
    }
    return binary('**', a.base!, a.exp!);
  });
  def('min', (call) => extremum('min', call));
  def('max', (call) => extremum('max', call));
  def('sum', (call) => {
    const a = bind('sum', call, ['iterable', 'start=']);
    let total: PyValue = a.start ?? 0n;
    if (typeof total === 'string') throw typeError("sum() can't sum strings [use ''.join(seq) instead]");
    for (const v of iterate(a.iterable!)) total = binary('+', total, v);
    return total;
  });
  def('any', (call) => {
    for (const v of iterate(positional(call, 'any', 1, 1)[0]!)) if (truthy(v)) return true;
    return false;
  });
  def('all', (call) => {
    for (const v of iterate(positional(call, 'all', 1, 1)[0]!)) if (!truthy(v)) return false;
    return true;
  });
  def('sorted', (call) => {
    if (call.args.length !== 1) throw typeError(call.args.length === 0 ? "sorted expected 1 argument, got 0" : `sorted expected 1 argument, got ${call.args.length}`);
    const { key, reverse } = sortArgs({ args: [], kwargs: call.kwargs }, 'sort');
    return sortValues(toArray(call.args[0]!), key, reverse);
  });
  def('iter', (call) => {
    const [v, sentinel] = positional(call, 'iter', 1, 2);
    if (sentinel === undefined) return getIterator(v!);
    if (!isCallable(v!)) throw typeError('iter(v, w): v must be callable');
    return makeIterator('callable_iterator', (function* () {
      for (;;) {
        tick();
        const x = callValue(v!, []);
        if (truthy(compare('==', x, sentinel))) return;
        yield x;
      }
    })());
  });
  def('next', (call) => {
    const [it, fallback] = positional(call, 'next', 1, 2);
    const v = nextValue(it!);
    if (v !== undefined) return v;
    if (fallback !== undefined) return fallback;
    throw new PyError('StopIteration', '');
  });
  def('isinstance', (call) => {
    const [v, cls] = positional(call, 'isinstance', 2, 2);
    return isInstance(v!, cls!);
  });
  def('issubclass', (call) => {
    const [c, cls] = positional(call, 'issubclass', 2, 2);
    return isSubclass(c!, cls!);
  });
  def('hasattr', (call) => {
    const [obj, name] = positional(call, 'hasattr', 2, 2);
    if (typeof name !== 'string') throw typeError('hasattr(): attribute name must be string');
    try {
      getAttr(obj!, name);
      return true;
    } catch (e) {
      if (e instanceof PyError && exceptionClassOf(e).isSubclassOf(builtinExceptionClasses().get('AttributeError')!)) return false;
      // A name real Python/PyTorch has, that dzdx does not implement: Python's hasattr is True.
      if (e instanceof UnsupportedError) return true;
      throw e;
    }
  });
  def('getattr', (call) => {
    const [obj, name, fallback] = positional(call, 'getattr', 2, 3);
    if (typeof name !== 'string') throw typeError('attribute name must be string, not ' + `'${typeOf(name!).name}'`);
    return getAttrOr(obj!, name, fallback);
  });
  def('setattr', (call) => {
    const [obj, name, value] = positional(call, 'setattr', 3, 3);
    if (typeof name !== 'string') throw typeError(`attribute name must be string, not '${typeOf(name!).name}'`);
    setAttr(obj!, name, value!);
    return null;
  });
  def('delattr', (call) => {
    const [obj, name] = positional(call, 'delattr', 2, 2);
    if (typeof name !== 'string') throw typeError(`attribute name must be string, not '${typeOf(name!).name}'`);
    delAttr(obj!, name);
    return null;
  });
  def('callable', (call) => isCallable(positional(call, 'callable', 1, 1)[0]!));
  def('id', (call) => {
    const [v] = positional(call, 'id', 1, 1);
    return BigInt(typeof v === 'object' && v !== null ? addressOf(v) : primitiveId(v!));
  });
  def('hash', (call) => pyHash(positional(call, 'hash', 1, 1)[0]!));
  def('chr', (call) => {
    const n = indexInt(positional(call, 'chr', 1, 1)[0]!);
    if (n < 0n || n >= 0x110000n) throw valueError('chr() arg not in range(0x110000)');
    return String.fromCodePoint(Number(n));
  });
  def('ord', (call) => {
    const [s] = positional(call, 'ord', 1, 1);
    if (typeof s !== 'string') throw typeError(`ord() expected string of length 1, but ${typeOf(s!).name} found`);
    const chars = [...s];
    if (chars.length !== 1) throw typeError(`ord() expected a character, but string of length ${chars.length} found`);
    return BigInt(chars[0]!.codePointAt(0)!);
  });
  for (const [name, base, prefix] of [
    ['hex', 16, '0x'],
    ['oct', 8, '0o'],
    ['bin', 2, '0b'],
  ] as const) {
    def(name, (call) => {
      const n = indexInt(positional(call, name, 1, 1)[0]!);
      return (n < 0n ? '-' : '') + prefix + (n < 0n ? -n : n).toString(base);
    });
  }
  def('dir', (call) => {
    const [v] = positional(call, 'dir', 1, 1);
    return dirOf(v!);
  });
  b.set('Ellipsis', Ellipsis);
  b.set('NotImplemented', NotImplemented);
  b.set('__debug__', true);
  for (const cls of builtinClasses) b.set(cls.name, cls);
  for (const [name, cls] of builtinExceptionClasses()) b.set(name, cls);
  return b;
}

const primitiveIds = new Map<PyValue, number>();
let nextPrimitiveId = 0x7f3a29000000;
function primitiveId(v: PyValue): number {
  let id = primitiveIds.get(v);
  if (id === undefined) {
    if (primitiveIds.size > 100_000) primitiveIds.clear();
    id = nextPrimitiveId += 0x20;
    primitiveIds.set(v, id);
  }
  return id;
}

/** Sets `construct` (what calling the class makes) on a built-in class. */
function constructor(cls: PyClass, make: (call: CallArgs) => PyValue): void {
  (cls as { construct?: (cls: PyClass, call: CallArgs) => PyValue }).construct = (_c, call) => make(call);
}

function noKeywords(call: CallArgs, name: string): void {
  if (call.kwargs.size > 0) throw typeError(`${name}() takes no keyword arguments`);
}

constructor(intClass, (call) => {
  const a = bind('int', call, ['x=', 'base=']);
  if (a.x === undefined) return 0n;
  return toIntValue(a.x, a.base);
});
constructor(floatClass, (call) => {
  noKeywords(call, 'float');
  const [x] = positional(call, 'float', 0, 1);
  return x === undefined ? 0 : toFloatValue(x);
});
constructor(boolClass, (call) => {
  noKeywords(call, 'bool');
  const [x] = positional(call, 'bool', 0, 1);
  return x === undefined ? false : truthy(x);
});
constructor(strClass, (call) => {
  const a = bind('str', call, ['object=', 'encoding=', 'errors=']);
  if (a.encoding !== undefined || a.errors !== undefined) throw new UnsupportedError('str() with an encoding (bytes) is not supported');
  return a.object === undefined ? '' : str(a.object);
});
constructor(listClass, (call) => {
  noKeywords(call, 'list');
  const [it] = positional(call, 'list', 0, 1);
  return it === undefined ? [] : toArray(it);
});
constructor(tupleClass, (call) => {
  noKeywords(call, 'tuple');
  const [it] = positional(call, 'tuple', 0, 1);
  if (it instanceof PyTuple && it.constructor === PyTuple) return it;
  return new PyTuple(it === undefined ? [] : toArray(it));
});
constructor(dictClass, (call) => {
  const d = new PyDict();
  dictUpdate(d, call, 'dict');
  return d;
});
constructor(setClass, (call) => {
  noKeywords(call, 'set');
  const [it] = positional(call, 'set', 0, 1);
  const s = new PySet();
  if (it instanceof PySet) s.update(it);
  else if (it !== undefined) s.addAll(iterate(it));
  return s;
});
constructor(frozensetClass, (call) => {
  noKeywords(call, 'frozenset');
  const [it] = positional(call, 'frozenset', 0, 1);
  if (it instanceof PySet && it.frozen) return it;
  const s = new PySet(true);
  if (it instanceof PySet) s.update(it);
  else if (it !== undefined) s.addAll(iterate(it));
  return s;
});
constructor(rangeClass, (call) => {
  noKeywords(call, 'range');
  const n = call.args.length;
  if (n === 0) throw typeError('range expected at least 1 argument, got 0');
  if (n > 3) throw typeError(`range expected at most 3 arguments, got ${n}`);
  const ints = call.args.map(indexInt);
  const [start, stop, step] = n === 1 ? [0n, ints[0]!, 1n] : [ints[0]!, ints[1]!, ints[2] ?? 1n];
  if (step === 0n) throw valueError('range() arg 3 must not be zero');
  return new PyRange(start, stop, step);
});
constructor(sliceClass, (call) => {
  noKeywords(call, 'slice');
  const args = positional(call, 'slice', 1, 3);
  if (args.length === 1) return new SliceValue(null, args[0]!, null);
  return new SliceValue(args[0]!, args[1]!, args[2] ?? null);
});
constructor(typeClass, (call) => {
  if (call.args.length === 1 && call.kwargs.size === 0) return typeOf(call.args[0]!);
  if (call.args.length !== 3) throw typeError('type() takes 1 or 3 arguments');
  const [name, bases, ns] = call.args;
  if (typeof name !== 'string') throw typeError(`type.__new__() argument 1 must be str, not ${typeOf(name!).name}`);
  if (!(bases instanceof PyTuple)) throw typeError(`type.__new__() argument 2 must be tuple, not ${typeOf(bases!).name}`);
  if (!(ns instanceof PyDict)) throw typeError(`type.__new__() argument 3 must be dict, not ${typeOf(ns!).name}`);
  const dict = new Map<string, PyValue>();
  for (const e of ns.snapshot()) if (typeof e.key === 'string') dict.set(e.key, e.value);
  if (!dict.has('__module__')) dict.set('__module__', '__main__');
  return makeClass(name, name, bases.items, dict);
});
constructor(propertyClass, (call) => {
  const a = bind('property', call, ['fget=', 'fset=', 'fdel=', 'doc=']);
  return new PyProperty(a.fget ?? null, a.fset ?? null, a.fdel ?? null, a.doc ?? null);
});
constructor(staticmethodClass, (call) => new PyStaticMethod(positional(call, 'staticmethod', 1, 1)[0]!));
constructor(classmethodClass, (call) => new PyClassMethod(positional(call, 'classmethod', 1, 1)[0]!));
constructor(superClass, (call) => {
  if (call.args.length === 0) throw new PyError('RuntimeError', 'super(): no arguments');
  const [cls, obj] = positional(call, 'super', 1, 2);
  if (obj === undefined) throw new UnsupportedError('super() with one argument is not supported');
  return makeSuper(cls!, obj);
});

const enumerateClass = iteratorClass('enumerate');
const zipClass = iteratorClass('zip');
const mapClass = iteratorClass('map');
const filterClass = iteratorClass('filter');
const reversedClass = iteratorClass('reversed');
constructor(enumerateClass, (call) => {
  const a = bind('enumerate', call, ['iterable', 'start=']);
  const start = a.start === undefined ? 0n : indexInt(a.start);
  const it = iterate(a.iterable!);
  return makeIterator('enumerate', (function* () {
    let i = start;
    for (const v of it) yield new PyTuple([i++, v]);
  })());
});
constructor(zipClass, (call) => {
  for (const k of call.kwargs.keys()) if (k !== 'strict') throw typeError(`zip() got an unexpected keyword argument '${k}'`);
  const strict = truthy(call.kwargs.get('strict') ?? false);
  const iters = call.args.map((a) => iterate(a)[Symbol.iterator]());
  return makeIterator('zip', (function* () {
    if (iters.length === 0) return;
    for (;;) {
      const row: PyValue[] = [];
      for (let i = 0; i < iters.length; i++) {
        const r = iters[i]!.next();
        if (r.done) {
          if (strict) {
            if (i > 0) throw valueError(`zip() argument ${i + 1} is shorter than argument${i > 1 ? 's 1-' + i : ' 1'}`);
            for (let j = 1; j < iters.length; j++) {
              if (!iters[j]!.next().done) throw valueError(`zip() argument ${j + 1} is longer than argument${j > 1 ? 's 1-' + j : ' 1'}`);
            }
          }
          return;
        }
        row.push(r.value);
      }
      yield new PyTuple(row);
    }
  })());
});
constructor(mapClass, (call) => {
  noKeywords(call, 'map');
  if (call.args.length < 2) throw typeError('map() must have at least two arguments.');
  const [fn, ...rest] = call.args;
  const iters = rest.map((a) => iterate(a)[Symbol.iterator]());
  return makeIterator('map', (function* () {
    for (;;) {
      const args: PyValue[] = [];
      for (const it of iters) {
        const r = it.next();
        if (r.done) return;
        args.push(r.value);
      }
      tick();
      yield callValue(fn!, args);
    }
  })());
});
constructor(filterClass, (call) => {
  noKeywords(call, 'filter');
  const [fn, it] = positional(call, 'filter', 2, 2);
  const values = iterate(it!);
  return makeIterator('filter', (function* () {
    for (const v of values) {
      tick();
      if (truthy(fn === null ? v : callValue(fn!, [v]))) yield v;
    }
  })());
});
constructor(reversedClass, (call) => {
  noKeywords(call, 'reversed');
  return reversedValues(positional(call, 'reversed', 1, 1)[0]!);
});

const builtinClasses = [
  objectClass,
  typeClass,
  intClass,
  floatClass,
  boolClass,
  strClass,
  listClass,
  tupleClass,
  dictClass,
  setClass,
  frozensetClass,
  rangeClass,
  sliceClass,
  propertyClass,
  staticmethodClass,
  classmethodClass,
  superClass,
  enumerateClass,
  zipClass,
  mapClass,
  filterClass,
  reversedClass,
];

/** For the `__index__`-style conversions used elsewhere. */
export { indexInt };
