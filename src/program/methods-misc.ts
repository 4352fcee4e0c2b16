/**
 * Methods and attributes of the other built-in types: int and float,
 * functions and methods (`__name__` ...), classes (`__name__`, `__mro__`,
 * `mro()`), exceptions (`args`), range, slice, property (`@x.setter`),
 * static/class methods, torch.dtype and torch.Size.
 */
import { PyError } from '../tensor/errors.js';
import { exceptionArgs, exceptionState } from './exceptions.js';
import { intArg, method, positional, property } from './method-util.js';
import { eqBool, floatDivmod } from './operators.js';
import { sliceIndices } from './subscript.js';
import {
  boolClass,
  BoundMethod,
  MethodDescriptor,
  Builtin,
  builtinFunctionClass,
  classmethodClass,
  dtypeClass,
  floatClass,
  functionClass,
  intClass,
  methodClass,
  PyClass,
  PyClassMethod,
  PyDType,
  PyFunction,
  PyInstance,
  PyProperty,
  PyRange,
  PyStaticMethod,
  PyTuple,
  propertyClass,
  rangeClass,
  sizeClass,
  sliceClass,
  SliceValue,
  staticmethodClass,
  typeClass,
  type PyValue,
} from './values.js';
import { baseException } from './exceptions.js';

// int
property<bigint | boolean>(intClass, 'real', (v) => (typeof v === 'boolean' ? BigInt(v) : v));
property<bigint | boolean>(intClass, 'imag', () => 0n);
property<bigint | boolean>(intClass, 'numerator', (v) => (typeof v === 'boolean' ? BigInt(v) : v));
property<bigint | boolean>(intClass, 'denominator', () => 1n);
method<bigint | boolean>(intClass, 'bit_length', (v, c) => {
  positional(c, 'bit_length', 0, 0);
  const x = typeof v === 'boolean' ? BigInt(v) : v;
  return x === 0n ? 0n : BigInt((x < 0n ? -x : x).toString(2).length);
});
method<bigint | boolean>(intClass, 'conjugate', (v, c) => (positional(c, 'conjugate', 0, 0), typeof v === 'boolean' ? BigInt(v) : v));
method<bigint | boolean>(intClass, 'as_integer_ratio', (v, c) => (positional(c, 'as_integer_ratio', 0, 0), new PyTuple([typeof v === 'boolean' ? BigInt(v) : v, 1n])));
void boolClass;

// float
property<number>(floatClass, 'real', (v) => v);
property<number>(floatClass, 'imag', () => 0);
method<number>(floatClass, 'is_integer', (v, c) => (positional(c, 'is_integer', 0, 0), Number.isInteger(v)));
method<number>(floatClass, 'conjugate', (v, c) => (positional(c, 'conjugate', 0, 0), v));
method<number>(floatClass, 'as_integer_ratio', (v, c) => {
  positional(c, 'as_integer_ratio', 0, 0);
  if (Number.isNaN(v)) throw new PyError('ValueError', 'cannot convert NaN to integer ratio');
  if (!Number.isFinite(v)) throw new PyError('OverflowError', 'cannot convert Infinity to integer ratio');
  let num = v;
  let den = 1n;
  while (!Number.isInteger(num)) {
    num *= 2;
    den *= 2n;
  }
  return new PyTuple([BigInt(num), den]);
});
method<number>(floatClass, '__divmod__', (v, c) => {
  const [w] = positional(c, '__divmod__', 1, 1);
  const [q, r] = floatDivmod(v, Number(w));
  return new PyTuple([q, r]);
});

// functions, methods, built-in functions
property<PyFunction>(functionClass, '__name__', (f) => f.name);
property<PyFunction>(functionClass, '__qualname__', (f) => f.qualname);
property<PyFunction>(functionClass, '__doc__', (f) => f.doc);
property<PyFunction>(functionClass, '__module__', (f) => f.module);
property<PyFunction>(functionClass, '__defaults__', (f) => {
  const d = f.code.params.filter((p, i) => p.kind === 'positional' && f.defaults[i] !== undefined).map((p) => f.defaults[f.code.params.indexOf(p)]!);
  return d.length ? new PyTuple(d) : null;
});
property<BoundMethod>(methodClass, '__self__', (m) => m.self);
property<BoundMethod>(methodClass, '__func__', (m) => m.fn);
property<BoundMethod>(methodClass, '__name__', (m) => nameOf(m.fn));
property<BoundMethod>(methodClass, '__qualname__', (m) => (m.fn instanceof PyFunction ? m.fn.qualname : nameOf(m.fn)));
property<BoundMethod>(methodClass, '__doc__', (m) => (m.fn instanceof PyFunction ? m.fn.doc : null));
// A builtin_function_or_method is a Builtin, or a BoundMethod of a built-in type's MethodDescriptor (`[].append`).
property<Builtin | BoundMethod>(builtinFunctionClass, '__name__', (b) => (b instanceof Builtin ? b.name : nameOf(b.fn)));
property<Builtin | BoundMethod>(builtinFunctionClass, '__qualname__', (b) =>
  b instanceof Builtin ? b.name : b.fn instanceof MethodDescriptor ? `${b.fn.owner.name}.${b.fn.name}` : nameOf(b.fn),
);
property<Builtin | BoundMethod>(builtinFunctionClass, '__module__', (b) => (b instanceof Builtin && b.self === undefined ? b.module : null));
property<Builtin | BoundMethod>(builtinFunctionClass, '__self__', (b) => (b instanceof Builtin ? (b.self ?? null) : b.self));

function nameOf(f: PyValue): string {
  if (f instanceof PyFunction) return f.name;
  if (f instanceof Builtin) return f.name;
  return (f as { name?: string }).name ?? '';
}

// classes: type's attributes
property<PyClass>(typeClass, '__name__', (c) => c.name);
property<PyClass>(typeClass, '__qualname__', (c) => c.qualname);
property<PyClass>(typeClass, '__module__', (c) => c.module);
property<PyClass>(typeClass, '__doc__', (c) => c.doc);
property<PyClass>(typeClass, '__bases__', (c) => new PyTuple(c.bases));
property<PyClass>(typeClass, '__base__', (c) => c.bases[0] ?? null);
property<PyClass>(typeClass, '__mro__', (c) => new PyTuple(c.mro));
method<PyClass>(typeClass, 'mro', (c, call) => (positional(call, 'mro', 0, 0), [...c.mro]));

// exceptions
property<PyInstance>(baseException, 'args', (e) => exceptionArgs(e));
property<PyInstance>(baseException, '__cause__', (e) => exceptionState(e).cause);
property<PyInstance>(baseException, '__context__', () => null);
property<PyInstance>(baseException, '__traceback__', () => null);
method<PyInstance>(baseException, '__init__', (e, c) => {
  if (c.kwargs.size > 0) throw new PyError('TypeError', `${e.cls.name}() takes no keyword arguments`);
  exceptionState(e).args = [...c.args];
  return null;
});
method<PyInstance>(baseException, 'with_traceback', (e) => e);

// range and slice
property<PyRange>(rangeClass, 'start', (r) => r.start);
property<PyRange>(rangeClass, 'stop', (r) => r.stop);
property<PyRange>(rangeClass, 'step', (r) => r.step);
method<PyRange>(rangeClass, 'count', (r, c) => {
  const [v] = positional(c, 'count', 1, 1);
  if (typeof v !== 'bigint' && typeof v !== 'boolean') return 0n;
  const x = typeof v === 'boolean' ? BigInt(v) : v;
  const inside = r.step > 0n ? x >= r.start && x < r.stop : x <= r.start && x > r.stop;
  return inside && (x - r.start) % r.step === 0n ? 1n : 0n;
});
method<PyRange>(rangeClass, 'index', (r, c) => {
  const [v] = positional(c, 'index', 1, 1);
  if (typeof v === 'bigint' || typeof v === 'boolean') {
    const x = typeof v === 'boolean' ? BigInt(v) : v;
    const inside = r.step > 0n ? x >= r.start && x < r.stop : x <= r.start && x > r.stop;
    if (inside && (x - r.start) % r.step === 0n) return (x - r.start) / r.step;
  } else {
    for (let i = 0n; i < r.length; i++) if (eqBool(r.at(i), v!)) return i;
  }
  throw new PyError('ValueError', `${String(v)} is not in range`);
});
property<SliceValue>(sliceClass, 'start', (s) => s.start);
property<SliceValue>(sliceClass, 'stop', (s) => s.stop);
property<SliceValue>(sliceClass, 'step', (s) => s.step);
method<SliceValue>(sliceClass, 'indices', (s, c) => {
  const n = Number(intArg(positional(c, 'indices', 1, 1)[0]));
  if (n < 0) throw new PyError('ValueError', 'length should not be negative');
  const { start, stop, step } = sliceIndices(s, n);
  return new PyTuple([BigInt(start), BigInt(stop), BigInt(step)]);
});

// property, staticmethod, classmethod
property<PyProperty>(propertyClass, 'fget', (p) => p.fget);
property<PyProperty>(propertyClass, 'fset', (p) => p.fset);
property<PyProperty>(propertyClass, 'fdel', (p) => p.fdel);
property<PyProperty>(propertyClass, '__doc__', (p) => p.doc);
method<PyProperty>(propertyClass, 'getter', (p, c) => new PyProperty(positional(c, 'getter', 1, 1)[0]!, p.fset, p.fdel, p.doc));
method<PyProperty>(propertyClass, 'setter', (p, c) => new PyProperty(p.fget, positional(c, 'setter', 1, 1)[0]!, p.fdel, p.doc));
method<PyProperty>(propertyClass, 'deleter', (p, c) => new PyProperty(p.fget, p.fset, positional(c, 'deleter', 1, 1)[0]!, p.doc));
property<PyStaticMethod>(staticmethodClass, '__func__', (s) => s.fn);
property<PyClassMethod>(classmethodClass, '__func__', (s) => s.fn);

// torch.dtype and torch.Size
property<PyDType>(dtypeClass, 'is_floating_point', (d) => d.dtype === 'float32' || d.dtype === 'float64');
property<PyDType>(dtypeClass, 'is_signed', (d) => d.dtype !== 'bool');
method<PyTuple>(sizeClass, 'numel', (s, c) => {
  positional(c, 'numel', 0, 0);
  return s.items.reduce<bigint>((a, b) => a * (b as bigint), 1n);
});
