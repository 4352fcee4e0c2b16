/** The methods and attributes of `numpy.ndarray` that teaching scripts use; the rest of numpy's are refused as unsupported. */
import { PyError } from '../tensor/errors.js';
import { NDArray } from '../tensor/ndarray.js';
import { reshapeOf } from '../tensor/shape.js';
import { bind, toBool } from '../program/args.js';
import { UnsupportedError } from '../program/errors.js';
import { formatValue } from '../program/format.js';
import { iteratorClass } from '../program/iteration.js';
import { defineClass } from '../program/native.js';
import { PyIterator, PyTuple, type CallArgs, type PyValue } from '../program/values.js';
import { arrayRepr, arrayStr, floatScalarRepr } from './arrayprint.js';
import { toNpDType, dtypeObject, binaryMethods } from './scalars.js';
import { castArray, makeArray, normalizeAxis, reduce } from './kernels.js';
import { isFloatType, type NpDType } from './dtypes.js';
import { arrayOf, classRef, inPlaceOp, npType, result, scalarOf, signOp, wrap } from './ndarray.js';
import { getIndex, setIndex } from './indexing.js';

const NDARRAY_NAMES = new Set(
  'T all any argmax argmin argpartition argsort astype base byteswap choose clip compress conj conjugate copy ctypes cumprod cumsum data diagonal dot dtype dump dumps fill flags flat flatten getfield imag item itemset itemsize max mean min nbytes ndim newbyteorder nonzero partition prod ptp put ravel real repeat reshape resize round searchsorted setfield setflags shape size sort squeeze std strides sum swapaxes take tobytes tofile tolist tostring trace transpose var view'.split(' '),
);

function printable(a: NDArray) {
  return { shape: a.shape, values: a.values(), dtype: npType(a) };
}

/** `str` of an array: a 0-d array prints as its scalar. */
export function arrayToStr(a: NDArray): string {
  if (a.ndim > 0) return arrayStr(printable(a));
  const dtype = npType(a);
  const v = a.item();
  if (isFloatType(dtype)) return floatScalarRepr(v, dtype);
  return dtype === 'bool' ? (v ? 'True' : 'False') : BigInt(v).toString();
}

export function arrayToRepr(a: NDArray): string {
  return arrayRepr(printable(a));
}

/** A shape argument: ints, or one tuple/list of ints. */
export function shapeArg(args: readonly PyValue[], what: string): number[] {
  const items = args.length === 1 && (Array.isArray(args[0]) || args[0] instanceof PyTuple) ? (Array.isArray(args[0]) ? args[0] : (args[0] as PyTuple).items) : args;
  return items.map((v) => {
    if (typeof v === 'bigint') return Number(v);
    throw new PyError('TypeError', `'${v === null ? 'NoneType' : typeof v === 'number' ? 'float' : 'object'}' object cannot be interpreted as an integer`);
  });
  void what;
}

/** numpy's reshape: one -1 inferred, the size checked with numpy's message; a view when the strides allow. */
export function reshape(a: NDArray, requested: number[]): NDArray {
  const known = requested.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const unknown = requested.filter((d) => d === -1).length;
  if (unknown > 1) throw new PyError('ValueError', 'can only specify one unknown dimension');
  const shape = requested.map((d) => (d === -1 ? (known === 0 ? -1 : a.numel / known) : d));
  const fits = unknown ? known !== 0 && a.numel % known === 0 : known === a.numel;
  if (!fits || requested.some((d) => d < -1)) {
    const text = `(${requested.join(',')}${requested.length === 1 ? ',' : ''})`;
    throw new PyError('ValueError', `cannot reshape array of size ${a.numel} into shape ${text}`);
  }
  return reshapeOf(a, shape).array;
}

/** The `axis=` argument: None, an int or a tuple of ints. */
export function axesArg(v: PyValue | undefined, ndim: number): number[] | null {
  if (v === undefined || v === null) return null;
  const items = v instanceof PyTuple ? v.items : [v];
  return items.map((x) => {
    if (typeof x !== 'bigint') throw new PyError('TypeError', `'${typeof x === 'number' ? 'float' : 'object'}' object cannot be interpreted as an integer`);
    return normalizeAxis(Number(x), ndim);
  });
}

/** sum/mean/max/min as numpy computes them (sum of ints in int64, mean of ints in float64). */
export function reduction(kind: 'sum' | 'mean' | 'max' | 'min', a: NDArray, call: CallArgs, name: string): PyValue {
  const p = bind(name, call, ['axis=', 'dtype=', 'out=', 'keepdims=']);
  if (p.out !== undefined && p.out !== null) throw new UnsupportedError(`${name}(out=...) is not supported`);
  if (kind !== 'sum' && kind !== 'mean' && p.dtype !== undefined) throw new PyError('TypeError', `${name}() got an unexpected keyword argument 'dtype'`);
  const axes = axesArg(p.axis, a.ndim);
  const keepdims = toBool(p.keepdims, false);
  const t = npType(a);
  const asked = toNpDType(p.dtype);
  if (kind === 'max' || kind === 'min') return result(reduce(a, axes, keepdims, kind, t));
  if (kind === 'sum') {
    const dtype = asked ?? (t === 'bool' ? 'int64' : t);
    return result(reduce(dtype === t ? a : castArray(a, dtype), axes, keepdims, 'sum', dtype));
  }
  const dtype: NpDType = asked ?? (isFloatType(t) ? t : 'float64');
  const sums = reduce(dtype === t ? a : castArray(a, dtype), axes, keepdims, 'sum', dtype);
  const count = (axes ?? a.shape.map((_, i) => i)).reduce((n, i) => n * a.shape[i]!, 1);
  if (count === 0) throw new UnsupportedError('the mean of an empty array is not supported');
  return result(makeArray(Array.from(sums.values(), (s) => s / count), sums.shape, dtype));
}

function toList(a: NDArray): PyValue {
  const values = a.values();
  const dtype = npType(a);
  let i = 0;
  const build = (d: number): PyValue => (d === a.ndim ? scalarOf(values[i++]!, dtype === 'float32' ? 'float64' : dtype) : Array.from({ length: a.shape[d]! }, () => build(d + 1)));
  return build(0);
}

function transposed(a: NDArray, axes: number[] | null): NDArray {
  const perm = axes ?? a.shape.map((_, i) => a.ndim - 1 - i);
  if (perm.length !== a.ndim || new Set(perm).size !== a.ndim) throw new PyError('ValueError', 'axes don\'t match array');
  return a.view(perm.map((i) => a.shape[i]!), perm.map((i) => a.strides[i]!));
}

function sizeOne(self: PyValue, what: string): number {
  const a = arrayOf(self);
  if (a.numel !== 1) throw new PyError('TypeError', `only size-1 arrays can be converted to Python scalars`);
  void what;
  return a.values()[0]!;
}

const m = (f: (a: NDArray, call: CallArgs, self: PyValue) => PyValue) => (self: PyValue, call: CallArgs) => f(arrayOf(self), call, self);

export const ndarrayClass = defineClass<unknown>({
  name: 'ndarray',
  module: 'numpy',
  final: true,
  construct: () => {
    throw new UnsupportedError('numpy.ndarray(...) is not supported: use np.array or np.zeros');
  },
  methods: {
    __repr__: m((a) => arrayToRepr(a)),
    __str__: m((a) => arrayToStr(a)),
    __format__: m((a, call) => {
      const spec = call.args[0] as string;
      if (a.ndim === 0) return formatValue(scalarOf(a.item(), npType(a) === 'float32' ? 'float64' : npType(a)), spec);
      if (spec === '') return arrayToStr(a);
      throw new PyError('TypeError', 'unsupported format string passed to numpy.ndarray.__format__');
    }),
    __len__: m((a) => {
      if (a.ndim === 0) throw new PyError('TypeError', 'len() of unsized object');
      return BigInt(a.shape[0]!);
    }),
    __bool__: m((a) => {
      if (a.numel > 1) throw new PyError('ValueError', 'The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()');
      if (a.numel === 0) throw new UnsupportedError('the truth value of an empty array is not supported');
      return a.values()[0] !== 0;
    }),
    __float__: (self) => sizeOne(self, 'float'),
    __int__: (self) => {
      const v = sizeOne(self, 'int');
      if (!Number.isFinite(v)) throw new PyError(Number.isNaN(v) ? 'ValueError' : 'OverflowError', Number.isNaN(v) ? 'cannot convert float NaN to integer' : 'cannot convert float infinity to integer');
      return BigInt(Math.trunc(v));
    },
    __getitem__: m((a, call) => result(getIndex(a, call.args[0]!))),
    __setitem__: m((a, call) => {
      setIndex(a, call.args[0]!, call.args[1]!);
      return null;
    }),
    __iter__: m((a) => {
      if (a.ndim === 0) throw new PyError('TypeError', 'iteration over a 0-d array');
      const rows = function* () {
        for (let i = 0; i < a.shape[0]!; i++) yield result(getIndex(a, BigInt(i)));
      };
      return new PyIterator(iteratorClass('iterator'), rows());
    }),
    __neg__: (self) => signOp('negative', self),
    __pos__: (self) => signOp('positive', self),
    __abs__: (self) => signOp('absolute', self),
    __invert__: (self) => signOp('invert', self),
    __getattr__: (self, call) => {
      const name = call.args[0] as string;
      if (NDARRAY_NAMES.has(name)) throw new UnsupportedError(`numpy.ndarray.${name} is not supported`);
      throw new PyError('AttributeError', `'numpy.ndarray' object has no attribute '${name}'`);
    },
    ...binaryMethods(),
    ...Object.fromEntries(['add', 'sub', 'mul', 'truediv', 'floordiv', 'mod', 'pow'].map((op) => [`__i${op}__`, (self: PyValue, call: CallArgs) => inPlaceOp(op, self, call.args[0]!)])),
    reshape: m((a, call) => {
      const p = bind('reshape', { args: [], kwargs: call.kwargs }, ['order=']);
      if (p.order !== undefined && p.order !== 'C') throw new UnsupportedError("reshape(order='F') is not supported");
      return wrap(reshape(a, shapeArg(call.args, 'reshape')));
    }),
    astype: m((a, call) => {
      const p = bind('astype', call, ['dtype']);
      return wrap(castArray(a, toNpDType(p.dtype)!));
    }),
    copy: m((a) => wrap(castArray(a, npType(a)))),
    flatten: m((a) => wrap(castArray(a, npType(a)).view([a.numel], [1]))),
    ravel: m((a) => wrap(reshape(a, [a.numel]))),
    transpose: m((a, call) => wrap(transposed(a, call.args.length === 0 ? null : shapeArg(call.args, 'transpose')))),
    tolist: m((a) => toList(a)),
    item: m((a, call) => {
      const values = a.values();
      const dtype = npType(a) === 'float32' ? 'float64' : npType(a);
      if (call.args.length === 0) {
        if (a.numel !== 1) throw new PyError('ValueError', 'can only convert an array of size 1 to a Python scalar');
        return scalarOf(values[0]!, dtype);
      }
      const index = call.args.length === 1 ? Number(call.args[0]) : call.args.reduce<number>((flat, v, d) => flat * a.shape[d]! + Number(v), 0);
      if (!call.args.every((v) => typeof v === 'bigint') || index < 0 || index >= a.numel) throw new PyError('IndexError', 'index out of bounds');
      return scalarOf(values[index]!, dtype);
    }),
    sum: m((a, call) => reduction('sum', a, call, 'sum')),
    mean: m((a, call) => reduction('mean', a, call, 'mean')),
    max: m((a, call) => reduction('max', a, call, 'max')),
    min: m((a, call) => reduction('min', a, call, 'min')),
    argmax: m((a, call) => argExtreme(a, call, 'argmax')),
    argmin: m((a, call) => argExtreme(a, call, 'argmin')),
  },
  properties: {
    shape: { get: (self) => new PyTuple(arrayOf(self).shape.map(BigInt)) },
    dtype: { get: (self) => dtypeObject(npType(arrayOf(self))) },
    ndim: { get: (self) => BigInt(arrayOf(self).ndim) },
    size: { get: (self) => BigInt(arrayOf(self).numel) },
    T: { get: (self) => wrap(transposed(arrayOf(self), null)) },
  },
});

function argExtreme(a: NDArray, call: CallArgs, name: 'argmax' | 'argmin'): PyValue {
  const p = bind(name, call, ['axis=']);
  if (p.axis !== undefined && p.axis !== null) throw new UnsupportedError(`${name}(axis=...) is not supported`);
  if (a.numel === 0) throw new PyError('ValueError', `attempt to get ${name} of an empty sequence`);
  const v = a.values();
  let best = 0;
  for (let i = 1; i < v.length; i++) {
    if (Number.isNaN(v[best]!)) break;
    if (Number.isNaN(v[i]!) || (name === 'argmax' ? v[i]! > v[best]! : v[i]! < v[best]!)) best = i;
  }
  return BigInt(best);
}

classRef.ndarray = ndarrayClass;
