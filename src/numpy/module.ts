/** The functions of the `numpy` module that teaching scripts call. */
import { Tensor } from '../autograd/tensor.js';
import { PyError } from '../tensor/errors.js';
import { NDArray } from '../tensor/ndarray.js';
import { bind, toBool } from '../program/args.js';
import { UnsupportedError } from '../program/errors.js';
import { libm } from '../program/libm.js';
import { Builtin, type CallArgs, type PyValue } from '../program/values.js';
import { castTo, promote, resultType, type NpDType } from './dtypes.js';
import { makeArray, mapBinary } from './kernels.js';
import { arrayOf, binaryOp, isArray, npType, operandOf, result, signOp, unaryUfunc, wrap } from './ndarray.js';
import { fromData } from './convert.js';
import { reduction, shapeArg } from './array-class.js';
import { toNpDType } from './scalars.js';
import { numpyExpf, numpyLogf, numpySinCosf } from './simd-math.js';

const fn = (name: string, impl: (call: CallArgs) => PyValue) => new Builtin(name, impl, undefined, 'numpy');

/** An array argument: arrays as they are, anything else through np.array. */
export function asArray(v: PyValue): NDArray {
  // numpy hands a tensor to its own method (np.sum(t) calls t.sum(axis=...)): not modelled
  if (v instanceof Tensor) throw new UnsupportedError('numpy functions of tensors are not supported');
  return isArray(v) ? arrayOf(v) : fromData(v, undefined);
}

function numberArg(v: PyValue | undefined, what: string): { value: number; dtype: NpDType } {
  if (typeof v === 'bigint') return { value: Number(v), dtype: 'int64' };
  if (typeof v === 'boolean') return { value: v ? 1 : 0, dtype: 'int64' };
  if (typeof v === 'number') return { value: v, dtype: 'float64' };
  const o = v === undefined ? null : operandOf(v);
  if (o && o.array.ndim === 0) return { value: o.array.item(), dtype: o.op.dtype === 'bool' ? 'int64' : o.op.dtype };
  throw new UnsupportedError(`numpy.${what} with this argument is not supported`);
}

/** np.arange: numpy's length rule and fill (start + i * (second - first)). */
function arange(call: CallArgs): PyValue {
  const p = bind('arange', call, ['start', 'stop=', 'step=', 'dtype=']);
  const args = [p.start, p.stop, p.step].filter((v) => v !== undefined && v !== null);
  const nums = args.map((v) => numberArg(v, 'arange'));
  const [start, stop, step] = nums.length === 1 ? [0, nums[0]!.value, 1] : [nums[0]!.value, nums[1]!.value, nums[2]?.value ?? 1];
  if (step === 0) throw new PyError('ZeroDivisionError', 'division by zero');
  const dtype = toNpDType(p.dtype) ?? nums.map((n) => n.dtype).reduce(promote);
  const length = Math.max(0, Math.ceil((stop - start) / step));
  if (!Number.isFinite(length)) throw new PyError('ValueError', 'arange: cannot compute length');
  if (length > 10_000_000) throw new UnsupportedError(`numpy.arange of ${length} elements is larger than dzdx's limit`);
  const first = castTo(dtype, start);
  const delta = castTo(dtype, castTo(dtype, start + step) - first);
  const values = Array.from({ length }, (_, i) => (i === 0 ? first : castTo(dtype, first + castTo(dtype, i * delta))));
  if (dtype === 'bool') throw new UnsupportedError('numpy.arange with dtype=bool is not supported');
  return wrap(makeArray(values, [length], dtype));
}

/** np.linspace as numpy 1.24 computes it: i * step + start in float64, the last value set to stop. */
function linspace(call: CallArgs): PyValue {
  const p = bind('linspace', call, ['start', 'stop', 'num=', 'endpoint=', 'retstep=', 'dtype=', 'axis=']);
  if (p.retstep === true) throw new UnsupportedError('numpy.linspace(retstep=True) is not supported');
  const start = numberArg(p.start, 'linspace').value;
  const stop = numberArg(p.stop, 'linspace').value;
  const numValue = p.num === undefined ? 50n : p.num;
  if (typeof numValue !== 'bigint') throw new PyError('TypeError', `'${typeof numValue === 'number' ? 'float' : 'object'}' object cannot be interpreted as an integer`);
  const num = Number(numValue);
  if (num < 0) throw new PyError('ValueError', `Number of samples, ${num}, must be non-negative.`);
  const endpoint = toBool(p.endpoint, true);
  const div = endpoint ? num - 1 : num;
  const delta = stop - start;
  const step = div > 0 ? delta / div : NaN;
  const values = Array.from({ length: num }, (_, i) => {
    if (div > 0 && step === 0) return (i / div) * delta + start;
    return (div > 0 ? i * step : i * delta) + start;
  });
  if (endpoint && num > 1) values[num - 1] = stop;
  const dtype = toNpDType(p.dtype) ?? 'float64';
  return wrap(makeArray(dtype === 'int64' ? values.map(Math.floor) : values, [num], dtype));
}

function filled(name: string, value: number) {
  return fn(name, (call) => {
    const p = bind(name, call, ['shape', 'dtype=', 'order=']);
    return wrap(NDArray.full(shapeArg([p.shape!], name), value, toNpDType(p.dtype) ?? 'float64'));
  });
}

function filledLike(name: string, value: number) {
  return fn(name, (call) => {
    const p = bind(name, call, ['a', 'dtype=']);
    const a = asArray(p.a!);
    return wrap(NDArray.full(a.shape, value, toNpDType(p.dtype) ?? npType(a)));
  });
}

function full(call: CallArgs): PyValue {
  const p = bind('full', call, ['shape', 'fill_value', 'dtype=']);
  const v = operandOf(p.fill_value!);
  if (!v || v.array.ndim !== 0) throw new UnsupportedError('numpy.full with an array fill value is not supported');
  const dtype = toNpDType(p.dtype) ?? v.op.dtype;
  return wrap(NDArray.full(shapeArg([p.shape!], 'full'), castTo(dtype, v.array.item()), dtype));
}

/** A ufunc of one argument: `f` in float64 (and for ints), `f32` for float32 arrays. */
function unary(name: string, f: (x: number) => number, f32?: (x: number) => number) {
  return fn(name, (call) => unaryUfunc(name, f, bind(name, call, ['x']).x!, f32));
}

function binary(name: string, op: string) {
  return fn(name, (call) => {
    const p = bind(name, call, ['x1', 'x2']);
    return binaryOp(op, p.x1!, p.x2!);
  });
}

function reductionFn(kind: 'sum' | 'mean' | 'max' | 'min', name: string) {
  return fn(name, (call) => {
    const [a, ...rest] = call.args;
    if (a === undefined) throw new PyError('TypeError', `${name}() missing 1 required positional argument: 'a'`);
    return reduction(kind, asArray(a), { args: rest, kwargs: call.kwargs }, name);
  });
}

/** np.dot: products of scalars, sums of products of vectors, matrix products otherwise. */
function dot(call: CallArgs): PyValue {
  const p = bind('dot', call, ['a', 'b']);
  const a = operandOf(p.a!);
  const b = operandOf(p.b!);
  if (!a || !b) throw new UnsupportedError('numpy.dot of these arguments is not supported');
  if (a.array.ndim === 0 || b.array.ndim === 0) return binaryOp('mul', p.a!, p.b!);
  if (a.array.ndim > 2 || b.array.ndim > 2) throw new UnsupportedError('numpy.dot of arrays of more than 2 dimensions is not supported');
  if (a.array.shape[a.array.ndim - 1] !== b.array.shape[0]) {
    const t = (s: readonly number[]) => `(${s.join(',')}${s.length === 1 ? ',' : ''})`;
    throw new PyError('ValueError', `shapes ${t(a.array.shape)} and ${t(b.array.shape)} not aligned: ${a.array.shape[a.array.ndim - 1]} (dim ${a.array.ndim - 1}) != ${b.array.shape[0]} (dim 0)`);
  }
  return binaryOp('matmul', wrap(a.array), wrap(b.array));
}

function array(call: CallArgs): PyValue {
  const p = bind('array', call, ['object', 'dtype=', 'copy=', 'order=', 'subok=', 'ndmin=']);
  if (p.ndmin !== undefined || (p.order !== undefined && p.order !== null && p.order !== 'K')) throw new UnsupportedError('numpy.array(ndmin=/order=) is not supported');
  return wrap(fromData(p.object!, toNpDType(p.dtype)));
}

function asarray(call: CallArgs): PyValue {
  const p = bind('asarray', call, ['a', 'dtype=']);
  const dtype = toNpDType(p.dtype);
  if (isArray(p.a!) && (dtype === undefined || dtype === npType(arrayOf(p.a!)))) return p.a!;
  return wrap(fromData(p.a!, dtype));
}

function maximum(name: string, pick: (x: number, y: number) => number) {
  return fn(name, (call) => {
    const p = bind(name, call, ['x1', 'x2']);
    const a = operandOf(p.x1!);
    const b = operandOf(p.x2!);
    if (!a || !b) throw new UnsupportedError(`numpy.${name} of these arguments is not supported`);
    return result(mapBinary(a.array, b.array, resultType([a.op, b.op]), pick));
  });
}

/** The functions numpy's module provides here, by name. */
export function moduleFunctions(): Map<string, PyValue> {
  const sqrt = Math.sqrt;
  return new Map<string, PyValue>([
    ['array', fn('array', array)],
    ['asarray', fn('asarray', asarray)],
    ['arange', fn('arange', arange)],
    ['linspace', fn('linspace', linspace)],
    ['zeros', filled('zeros', 0)],
    ['ones', filled('ones', 1)],
    ['zeros_like', filledLike('zeros_like', 0)],
    ['ones_like', filledLike('ones_like', 1)],
    ['full', fn('full', full)],
    ['exp', unary('exp', libm.exp, numpyExpf)],
    ['log', unary('log', libm.log, numpyLogf)],
    ['sin', unary('sin', libm.sin, (x) => numpySinCosf(x, false, libm.sin))],
    ['cos', unary('cos', libm.cos, (x) => numpySinCosf(x, true, libm.cos))],
    ['tanh', unary('tanh', libm.tanh)],
    ['sqrt', unary('sqrt', sqrt)],
    ['abs', fn('absolute', (call) => signOp('absolute', bind('absolute', call, ['x']).x!))],
    ['absolute', fn('absolute', (call) => signOp('absolute', bind('absolute', call, ['x']).x!))],
    ['add', binary('add', 'add')],
    ['subtract', binary('subtract', 'sub')],
    ['multiply', binary('multiply', 'mul')],
    ['divide', binary('divide', 'truediv')],
    ['power', binary('power', 'pow')],
    ['matmul', binary('matmul', 'matmul')],
    ['dot', fn('dot', dot)],
    ['maximum', maximum('maximum', (x, y) => (Number.isNaN(x) || x >= y ? x : y))],
    ['minimum', maximum('minimum', (x, y) => (Number.isNaN(x) || x <= y ? x : y))],
    ['sum', reductionFn('sum', 'sum')],
    ['mean', reductionFn('mean', 'mean')],
    ['max', reductionFn('max', 'max')],
    ['min', reductionFn('min', 'min')],
    ['amax', reductionFn('max', 'amax')],
    ['amin', reductionFn('min', 'amin')],
    ['pi', Math.PI],
    ['e', Math.E],
    ['inf', Infinity],
    ['nan', NaN],
    ['newaxis', null],
  ]);
}
