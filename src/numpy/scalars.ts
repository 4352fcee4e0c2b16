/**
 * numpy's scalar types and dtype objects. `np.float64`, `np.int64` and
 * `np.bool_` scalars are Python's float, int and bool here (they print and
 * compute alike: numpy's float64 is a subclass of float); `np.float32`
 * scalars are instances of a class of their own, printed with the shortest
 * digits that identify them as float32. `np.dtype('float32')` objects
 * compare equal to their scalar types and names, as in numpy.
 */
import { PyError } from '../tensor/errors.js';
import { UnsupportedError } from '../program/errors.js';
import { formatValue } from '../program/format.js';
import { pyHash } from '../program/hash.js';
import { defineClass, stateOf } from '../program/native.js';
import { boolClass, floatClass, intClass, PyClass, PyInstance, typeOf, type CallArgs, type PyValue } from '../program/values.js';
import type { NpDType } from './dtypes.js';
import { floatScalarRepr } from './arrayprint.js';

interface Float32State { value: number }
interface DTypeState { dtype: NpDType }

/** Set by the ndarray module: numpy's binary operators and conversions (kept there to avoid a cycle). */
export const hooks: {
  binary: (op: string, a: PyValue, b: PyValue) => PyValue;
  construct: (dtype: NpDType, call: CallArgs) => PyValue;
} = {
  binary: () => null,
  construct: () => null,
};

const BINARY = ['add', 'sub', 'mul', 'truediv', 'floordiv', 'mod', 'pow', 'matmul'];
const COMPARE = ['lt', 'le', 'gt', 'ge', 'eq', 'ne'];

export const float32Class: PyClass = defineClass<Float32State>({
  name: 'float32',
  module: 'numpy',
  final: true,
  construct: (_cls, call) => hooks.construct('float32', call),
  methods: {
    __repr__: (self) => floatScalarRepr(f32(self), 'float32'),
    __str__: (self) => floatScalarRepr(f32(self), 'float32'),
    __float__: (self) => f32(self),
    __int__: (self) => {
      const v = f32(self);
      if (!Number.isFinite(v)) throw new PyError(Number.isNaN(v) ? 'ValueError' : 'OverflowError', Number.isNaN(v) ? 'cannot convert float NaN to integer' : 'cannot convert float infinity to integer');
      return BigInt(Math.trunc(v));
    },
    __bool__: (self) => f32(self) !== 0,
    __hash__: (self) => pyHash(f32(self)),
    __format__: (self, call) => formatValue(f32(self), call.args[0] as string),
    __neg__: (self) => float32Scalar(-f32(self)),
    __pos__: (self) => self,
    __abs__: (self) => float32Scalar(Math.abs(f32(self))),
    item: (self) => f32(self),
    ...binaryMethods(),
  },
  properties: {
    dtype: { get: () => dtypeObject('float32') },
  },
});

function f32(self: PyValue): number {
  return stateOf<Float32State>(self, float32Class).value;
}

export function float32Scalar(v: number): PyInstance {
  const s = new PyInstance(float32Class);
  s.native = { value: Math.fround(v) } satisfies Float32State;
  return s;
}

export function isFloat32Scalar(v: PyValue): v is PyInstance {
  return v instanceof PyInstance && v.cls === float32Class;
}

export function float32Value(v: PyInstance): number {
  return (v.native as Float32State).value;
}

/** `__add__`/`__radd__` ... and comparisons, all through numpy's operator (ndarray.ts). */
export function binaryMethods(): Record<string, (self: PyValue, call: CallArgs) => PyValue> {
  const out: Record<string, (self: PyValue, call: CallArgs) => PyValue> = {};
  for (const op of BINARY) {
    out[`__${op}__`] = (self, call) => hooks.binary(op, self, call.args[0]!);
    out[`__r${op}__`] = (self, call) => hooks.binary(op, call.args[0]!, self);
  }
  for (const op of COMPARE) out[`__${op}__`] = (self, call) => hooks.binary(op, self, call.args[0]!);
  return out;
}

function scalarClass(name: string, dtype: NpDType): PyClass {
  return defineClass({ name, module: 'numpy', final: true, construct: (_cls, call) => hooks.construct(dtype, call) });
}

export const float64Class = scalarClass('float64', 'float64');
export const int64Class = scalarClass('int64', 'int64');
export const boolScalarClass = scalarClass('bool_', 'bool');

export const dtypeClass: PyClass = defineClass<DTypeState>({
  name: 'dtype',
  module: 'numpy',
  final: true,
  construct: (_cls, call) => dtypeObject(toNpDType(call.args[0] ?? null) ?? 'float64'),
  methods: {
    __repr__: (self) => `dtype('${dtypeOf(self)}')`,
    __str__: (self) => dtypeOf(self),
    __eq__: (self, call) => {
      try {
        return toNpDType(call.args[0]!) === dtypeOf(self);
      } catch {
        return false;
      }
    },
    __ne__: (self, call) => {
      try {
        return toNpDType(call.args[0]!) !== dtypeOf(self);
      } catch {
        return true;
      }
    },
    __hash__: (self) => pyHash(dtypeOf(self)),
  },
  properties: {
    name: { get: (self) => dtypeOf(self) },
    type: { get: (self) => scalarTypeOf(dtypeOf(self)) },
    itemsize: { get: (self) => BigInt(({ float64: 8, float32: 4, int64: 8, bool: 1 } as const)[dtypeOf(self)]) },
  },
});

function dtypeOf(self: PyValue): NpDType {
  return stateOf<DTypeState>(self, dtypeClass).dtype;
}

const dtypeObjects = new Map<NpDType, PyInstance>();

export function dtypeObject(dtype: NpDType): PyInstance {
  let d = dtypeObjects.get(dtype);
  if (!d) {
    d = new PyInstance(dtypeClass);
    d.native = { dtype } satisfies DTypeState;
    dtypeObjects.set(dtype, d);
  }
  return d;
}

export function scalarTypeOf(dtype: NpDType): PyClass {
  return { float64: float64Class, float32: float32Class, int64: int64Class, bool: boolScalarClass }[dtype];
}

const NAMES: Record<string, NpDType> = {
  float64: 'float64', float: 'float64', double: 'float64', f8: 'float64', d: 'float64',
  float32: 'float32', single: 'float32', f4: 'float32', f: 'float32',
  int64: 'int64', int: 'int64', i8: 'int64', long: 'int64',
  bool: 'bool', bool_: 'bool', '?': 'bool',
};

/** A `dtype=` argument: a numpy dtype or scalar type, a name, or Python's float/int/bool. Undefined for None. */
export function toNpDType(v: PyValue | undefined): NpDType | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === floatClass || v === float64Class) return 'float64';
  if (v === intClass || v === int64Class) return 'int64';
  if (v === boolClass || v === boolScalarClass) return 'bool';
  if (v === float32Class) return 'float32';
  if (v instanceof PyInstance && v.cls === dtypeClass) return dtypeOf(v);
  if (typeof v === 'string') {
    const d = NAMES[v];
    if (d) return d;
    if (/^(u?int(8|16|32)|float16|complex\d*|[uic]\d|object|str|U\d*)$/.test(v)) throw new UnsupportedError(`numpy dtype '${v}' is not supported`);
    throw new PyError('TypeError', `data type '${v}' not understood`);
  }
  if (v instanceof PyClass && v.module === 'numpy') throw new UnsupportedError(`numpy.${v.name} is not supported`);
  throw new PyError('TypeError', `Cannot interpret '${typeOf(v) === undefined ? '' : reprLike(v)}' as a data type`);
}

function reprLike(v: PyValue): string {
  return v instanceof PyClass ? `<class '${v.name}'>` : String(v);
}
