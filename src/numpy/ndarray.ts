/**
 * `numpy.ndarray` as a native class over dzdx's strided storage
 * (src/tensor's NDArray, shared with torch tensors by from_numpy/numpy()),
 * and numpy's operators: broadcasting, numpy 1.24's type promotion
 * (dtypes.ts), results of 0 dimensions returned as scalars.
 */
import { Tensor } from '../autograd/tensor.js';
import { PyError } from '../tensor/errors.js';
import { NDArray } from '../tensor/ndarray.js';
import { UnsupportedError } from '../program/errors.js';
import { exceptionClassNamed, newException, RaisedError } from '../program/exceptions.js';
import { libm } from '../program/libm.js';
import { defineClass, stateOf } from '../program/native.js';
import { warn } from '../program/objects.js';
import { NotImplemented, PyInstance, PyTuple, typeOf, type PyClass, type PyValue } from '../program/values.js';
import { isFloatType, kindOf, promote, resultType, type NpDType, type Operand } from './dtypes.js';
import { broadcastAll, broadcastView, mapBinary, mapUnary, matmul, shapeText } from './kernels.js';
import { float32Scalar, float32Value, isFloat32Scalar } from './scalars.js';

export interface ArrayState { array: NDArray }

/** Set by index.ts: the class (defined there with its methods). */
export const classRef: { ndarray: PyClass | null } = { ndarray: null };

export function wrap(array: NDArray): PyInstance {
  const a = new PyInstance(classRef.ndarray!);
  a.native = { array } satisfies ArrayState;
  return a;
}

export function isArray(v: PyValue): v is PyInstance {
  return v instanceof PyInstance && v.cls === classRef.ndarray;
}

export function arrayOf(self: PyValue): NDArray {
  return stateOf<ArrayState>(self, classRef.ndarray!).array;
}

export function npType(a: NDArray): NpDType {
  if (a.dtype === 'float64' || a.dtype === 'float32' || a.dtype === 'int64' || a.dtype === 'bool') return a.dtype;
  throw new UnsupportedError(`numpy arrays of dtype ${a.dtype} are not supported`);
}

/** The Python value of one element of a dtype: numpy's scalar types. */
export function scalarOf(v: number, dtype: NpDType): PyValue {
  switch (dtype) {
    case 'float64': return v;
    case 'float32': return float32Scalar(v);
    case 'int64': return BigInt(v);
    case 'bool': return v !== 0;
  }
}

/** An array result: 0-d results are scalars, as numpy's ufuncs return them. */
export function result(a: NDArray): PyValue {
  return a.ndim === 0 ? scalarOf(a.item(), npType(a)) : wrap(a);
}

/** A value as a numpy operand (array or scalar), or null when numpy would not take it here. */
export function operandOf(v: PyValue): { array: NDArray; op: Operand } | null {
  if (isArray(v)) {
    const a = arrayOf(v);
    return { array: a, op: { dtype: npType(a), scalar: a.ndim === 0, value: a.ndim === 0 ? a.item() : undefined } };
  }
  if (typeof v === 'number') return { array: NDArray.scalar(v, 'float64'), op: { dtype: 'float64', scalar: true, value: v } };
  if (typeof v === 'bigint') return { array: NDArray.scalar(Number(v), 'int64'), op: { dtype: 'int64', scalar: true } };
  if (typeof v === 'boolean') return { array: NDArray.scalar(v ? 1 : 0, 'bool'), op: { dtype: 'bool', scalar: true } };
  if (isFloat32Scalar(v)) return { array: NDArray.scalar(float32Value(v), 'float32'), op: { dtype: 'float32', scalar: true } };
  if (Array.isArray(v) || v instanceof PyTuple) {
    const a = hooksConvert.fromData(v, undefined);
    return { array: a, op: { dtype: npType(a), scalar: a.ndim === 0 } };
  }
  return null;
}

/** Set by convert.ts (np.array over nested lists). */
export const hooksConvert: { fromData: (v: PyValue, dtype: NpDType | undefined) => NDArray } = {
  fromData: () => {
    throw new Error('numpy not initialised');
  },
};

const runtimeWarning = () => exceptionClassNamed('RuntimeWarning');

function floorDiv(a: number, b: number): number {
  if (b === 0) return a / b;
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  if (div === 0) return 0 * (a / b);
  const floor = Math.floor(div);
  return div - floor > 0.5 ? floor + 1 : floor;
}

function floatMod(a: number, b: number): number {
  if (b === 0) return NaN;
  let mod = a % b;
  if (mod === 0) return b < 0 ? -0 : 0;
  if (b < 0 !== mod < 0) mod += b;
  return mod;
}

/** numpy's binary operators (`a + b`, `a < b`, `a @ b` ...) on arrays and scalars. */
export function binaryOp(op: string, x: PyValue, y: PyValue): PyValue {
  if (x instanceof Tensor || y instanceof Tensor) throw new UnsupportedError(`mixing numpy arrays and tensors in '${op}' is not supported`);
  const a = operandOf(x);
  const b = operandOf(y);
  if (!a || !b) {
    if (op === 'eq') return false;
    if (op === 'ne') return true;
    return NotImplemented;
  }
  let dtype = resultType([a.op, b.op]);
  const A = a.array;
  const B = b.array;
  let out: NDArray;
  switch (op) {
    case 'add':
      out = mapBinary(A, B, dtype, dtype === 'bool' ? (p, q) => (p || q ? 1 : 0) : (p, q) => p + q);
      break;
    case 'sub':
      if (dtype === 'bool') throw new PyError('TypeError', 'numpy boolean subtract, the `-` operator, is not supported, use the bitwise_xor, the `^` operator, or the logical_xor function instead.');
      out = mapBinary(A, B, dtype, (p, q) => p - q);
      break;
    case 'mul':
      out = mapBinary(A, B, dtype, (p, q) => p * q);
      break;
    case 'truediv':
      if (!isFloatType(dtype)) dtype = 'float64';
      out = mapBinary(A, B, dtype, (p, q) => p / q);
      warnIf(out, A, B, 'divide');
      break;
    case 'floordiv':
      if (dtype === 'bool') dtype = 'int64';
      out = mapBinary(A, B, dtype, isFloatType(dtype) ? floorDiv : (p, q) => (q === 0 ? 0 : Math.floor(p / q)));
      break;
    case 'mod':
      if (dtype === 'bool') dtype = 'int64';
      out = mapBinary(A, B, dtype, isFloatType(dtype) ? floatMod : (p, q) => (q === 0 ? 0 : p - Math.floor(p / q) * q));
      break;
    case 'pow':
      out = power(A, B, a.op, b.op, dtype);
      break;
    case 'matmul':
      if (A.ndim === 0 || B.ndim === 0) throw new PyError('ValueError', "matmul: Input operand 0 does not have enough dimensions (has 0, gufunc core with signature (n?,k),(k,m?)->(n?,m?) requires 1)");
      if (dtype === 'bool') throw new UnsupportedError('matmul of bool arrays is not supported');
      out = matmul(A, B, dtype);
      break;
    case 'lt': out = mapBinary(A, B, 'bool', (p, q) => (p < q ? 1 : 0)); break;
    case 'le': out = mapBinary(A, B, 'bool', (p, q) => (p <= q ? 1 : 0)); break;
    case 'gt': out = mapBinary(A, B, 'bool', (p, q) => (p > q ? 1 : 0)); break;
    case 'ge': out = mapBinary(A, B, 'bool', (p, q) => (p >= q ? 1 : 0)); break;
    case 'eq': out = mapBinary(A, B, 'bool', (p, q) => (p === q ? 1 : 0)); break;
    case 'ne': out = mapBinary(A, B, 'bool', (p, q) => (p !== q ? 1 : 0)); break;
    default:
      throw new UnsupportedError(`the numpy operator '${op}' is not supported`);
  }
  return result(out);
}

/** numpy's floating-point warnings of a division: divide by zero (finite / 0), then invalid (0 / 0, inf / inf). */
function warnIf(out: NDArray, a: NDArray, b: NDArray, what: string): void {
  const shape = out.shape;
  const va = broadcastView(a, shape).values();
  const vb = broadcastView(b, shape).values();
  let divide = false;
  let invalid = false;
  for (let i = 0; i < va.length; i++) {
    const p = va[i]!;
    const q = vb[i]!;
    if (q === 0 && Number.isFinite(p) && p !== 0) divide = true;
    if ((q === 0 && p === 0) || (!Number.isFinite(p) && !Number.isNaN(p) && !Number.isFinite(q) && !Number.isNaN(q))) invalid = true;
  }
  const where = `${out.ndim === 0 ? 'scalar ' : ''}${what}`;
  if (divide) warn(`divide by zero encountered in ${where}`, runtimeWarning());
  if (invalid) warn(`invalid value encountered in ${where}`, runtimeWarning());
}

const UFUNC_NAMES: Record<string, string> = { add: 'add', sub: 'subtract', mul: 'multiply', truediv: 'divide', floordiv: 'floor_divide', mod: 'remainder', pow: 'power' };

/** The error numpy raises when an in-place result cannot be cast back (`ints += 1.5`). */
const castingError = () =>
  defineClass({ name: '_UFuncOutputCastingError', module: 'numpy.core._exceptions', bases: [exceptionClassNamed('TypeError')] });
let castingErrorClass: PyClass | null = null;

/** `a += b` and the other augmented assignments: the result written into a's own memory (views and tensors sharing it see it). */
export function inPlaceOp(op: string, self: PyValue, other: PyValue): PyValue {
  const target = arrayOf(self);
  const operand = operandOf(other);
  if (operand) {
    try {
      broadcastAll([target.shape, operand.array.shape]);
    } catch {
      // numpy lists the output among the operands
      throw new PyError('ValueError', `operands could not be broadcast together with shapes ${[target.shape, operand.array.shape, target.shape].map(shapeText).join(' ')} `);
    }
  }
  const r = binaryOp(op, self, other);
  if (r === NotImplemented) return r;
  const o = operandOf(r)!;
  const dtype = npType(target);
  if (kindOf(o.op.dtype) > kindOf(dtype)) {
    castingErrorClass ??= castingError();
    const message = `Cannot cast ufunc '${UFUNC_NAMES[op] ?? op}' output from dtype('${o.op.dtype}') to dtype('${dtype}') with casting rule 'same_kind'`;
    throw new RaisedError(newException(castingErrorClass, [message]), message);
  }
  if (o.array.shape.join() !== target.shape.join()) {
    const t = (s: readonly number[]) => `(${s.join(',')}${s.length === 1 ? ',' : ''})`;
    throw new PyError('ValueError', `non-broadcastable output operand with shape ${t(target.shape)} doesn't match the broadcast shape ${t(o.array.shape)}`);
  }
  target.assign(o.array.values());
  return self;
}

function power(A: NDArray, B: NDArray, a: Operand, b: Operand, dtype: NpDType): NDArray {
  if (dtype === 'bool') dtype = 'int64';
  if (!isFloatType(dtype)) {
    if (B.values().some((q) => q < 0)) throw new PyError('ValueError', 'Integers to negative integer powers are not allowed.');
    return mapBinary(A, B, dtype, (p, q) => Math.pow(p, q));
  }
  // numpy's fast paths for an array raised to a scalar: square, sqrt, reciprocal
  if (b.scalar && !a.scalar) {
    const e = B.item();
    if (e === 2) return mapUnary(A, dtype, (x) => x * x);
    if (e === 0.5) return mapUnary(A, dtype, Math.sqrt);
    if (e === -1) return mapUnary(A, dtype, (x) => 1 / x);
    if (e === 1) return mapUnary(A, dtype, (x) => x);
  }
  return mapBinary(A, B, dtype, libm.pow);
}

/** numpy's unary ufuncs: ints compute in float64, float32 stays float32. */
export function unaryUfunc(name: string, f: (x: number) => number, v: PyValue, f32: (x: number) => number = f): PyValue {
  if (v instanceof Tensor) throw new UnsupportedError(`numpy.${name} of a tensor is not supported`);
  const a = operandOf(v);
  if (!a) throw new PyError('TypeError', `loop of ufunc does not support argument 0 of type ${typeOf(v).name} which has no callable ${name} method`);
  const dtype = a.op.dtype;
  if (dtype === 'bool') throw new UnsupportedError(`numpy.${name} of a bool array (float16) is not supported`);
  const out = mapUnary(a.array, isFloatType(dtype) ? dtype : 'float64', dtype === 'float32' ? f32 : f);
  const inputs = a.array.values();
  if (name === 'exp' && out.values().some((y, i) => y === Infinity && Number.isFinite(inputs[i]!))) warn('overflow encountered in exp', runtimeWarning());
  if (name === 'log' || name === 'sqrt') {
    if (name === 'log' && inputs.some((x) => x === 0)) warn(`divide by zero encountered in log`, runtimeWarning());
    if (inputs.some((x) => x < 0)) warn(`invalid value encountered in ${name}`, runtimeWarning());
  }
  return result(out);
}

/** `abs`/`-`/`+`/`~`: dtype-preserving unary operators. */
export function signOp(name: 'absolute' | 'negative' | 'positive' | 'invert', v: PyValue): PyValue {
  const a = operandOf(v)!;
  const dtype = a.op.dtype;
  if (name === 'negative' && dtype === 'bool') throw new PyError('TypeError', 'The numpy boolean negative, the `-` operator, is not supported, use the `~` operator or the logical_not function instead.');
  if (name === 'invert' && isFloatType(dtype)) throw new PyError('TypeError', "ufunc 'invert' not supported for the input types, and the inputs could not be safely coerced to any supported types according to the casting rule ''safe''");
  const f = { absolute: Math.abs, negative: (x: number) => -x, positive: (x: number) => x, invert: dtype === 'bool' ? (x: number) => (x ? 0 : 1) : (x: number) => -x - 1 }[name];
  return result(mapUnary(a.array, dtype, f));
}

export { kindOf, promote };
