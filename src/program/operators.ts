/**
 * Python's operators on script values: numbers (ints exact, floats with
 * CPython's rules), strings, sequences, dicts, sets, tensors, and the
 * special methods of user classes (`__add__`/`__radd__`, `__eq__`,
 * `__lt__`, `__contains__`, `__bool__` ...) in Python's dispatch order.
 */
import { Tensor } from '../autograd/tensor.js';
import { LimitError, PyError } from '../tensor/errors.js';
import * as F from '../ops/functional.js';
import type { BinaryOp, CompareOp } from './ast.js';
import { toScalar } from './args.js';
import { PyDict } from './dict.js';
import { UnsupportedError } from './errors.js';
import { percentFormat } from './format.js';
import { iterate } from './iteration.js';
import { callBound, lookupSpecial } from './objects.js';
import { pyPow } from './pymath.js';
import { PySet } from './set.js';
import {
  isNumber,
  NotImplemented,
  PyInstance,
  PyIterator,
  PyRange,
  PyTuple,
  TorchSize,
  typeOf,
  type PyValue,
} from './values.js';

type Num = boolean | bigint | number;

/** The longest string or list an operator may build (Python would try, and run out of memory). */
export const MAX_SEQUENCE = 10_000_000;
/** The largest int (in bits) arithmetic may build. */
export const MAX_INT_BITS = 1_000_000;

const asInt = (v: boolean | bigint): bigint => (typeof v === 'boolean' ? (v ? 1n : 0n) : v);

const typeError = (message: string) => new PyError('TypeError', message);

const isSeq = (v: PyValue) => typeof v === 'string' || Array.isArray(v) || (v instanceof PyTuple && !(v instanceof TorchSize));

/** CPython's TypeError for operands no type accepted (sequences have their own wording). */
function unsupportedOperands(op: string, a: PyValue, b: PyValue): PyError {
  if (op === '+' && isSeq(a)) {
    const t = typeOf(a).name;
    return typeError(`can only concatenate ${t} (not "${typeOf(b).name}") to ${t}`);
  }
  if (op === '*' && (isSeq(a) || isSeq(b))) {
    const other = isSeq(a) ? b : a;
    if (!(typeof other === 'bigint' || typeof other === 'boolean')) return typeError(`can't multiply sequence by non-int of type '${typeOf(other).name}'`);
  }
  return typeError(`unsupported operand type(s) for ${op}: '${typeOf(a).name}' and '${typeOf(b).name}'`);
}

function bitLength(x: bigint): number {
  return (x < 0n ? -x : x).toString(16).length * 4;
}

const SMALL = 0xffffffffffffn;
const isSmall = (x: bigint) => x <= SMALL && x >= -SMALL;

function checkIntSize(x: bigint): bigint {
  if (!isSmall(x) && bitLength(x) > MAX_INT_BITS) throw new LimitError(`an int of more than ${MAX_INT_BITS} bits is larger than dzdx's limit`);
  return x;
}

/** An int as a float, with Python's error when it is too large. */
export function intToFloat(x: bigint): number {
  const f = Number(x);
  if (!Number.isFinite(f)) throw new PyError('OverflowError', 'int too large to convert to float');
  return f;
}

function floorDivInt(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** float divmod as CPython's float_divmod computes it. */
export function floatDivmod(x: number, y: number): [number, number] {
  if (y === 0) throw new PyError('ZeroDivisionError', 'float divmod()');
  let mod = x % y;
  let div = (x - mod) / y;
  if (mod) {
    if (y < 0 !== mod < 0) {
      mod += y;
      div -= 1;
    }
  } else {
    mod = y < 0 ? -0 : 0;
  }
  let floordiv: number;
  if (div) {
    floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
  } else {
    floordiv = x / y < 0 || Object.is(x / y, -0) ? -0 : 0;
  }
  return [floordiv, mod];
}

/** True division of ints, correctly rounded for values up to 2**53. */
function intTrueDiv(x: bigint, y: bigint): number {
  if (y === 0n) throw new PyError('ZeroDivisionError', 'division by zero');
  const limit = 1n << 53n;
  if (x < limit && x > -limit && y < limit && y > -limit) return Number(x) / Number(y);
  const q = x / y;
  const r = x - q * y;
  return intToFloat(q) + Number(r) / Number(y);
}

function intOp(op: BinaryOp, x: bigint, y: bigint): PyValue {
  switch (op) {
    case '+': return checkIntSize(x + y);
    case '-': return checkIntSize(x - y);
    case '*':
      if (!(isSmall(x) && isSmall(y)) && bitLength(x) + bitLength(y) > MAX_INT_BITS + 64) {
        throw new LimitError(`an int of more than ${MAX_INT_BITS} bits is larger than dzdx's limit`);
      }
      return x * y;
    case '/': return intTrueDiv(x, y);
    case '//':
      if (y === 0n) throw new PyError('ZeroDivisionError', 'integer division or modulo by zero');
      return floorDivInt(x, y);
    case '%':
      if (y === 0n) throw new PyError('ZeroDivisionError', 'integer modulo by zero');
      return x - floorDivInt(x, y) * y;
    case '**':
      if (y < 0n) {
        if (x === 0n) throw new PyError('ZeroDivisionError', '0.0 cannot be raised to a negative power');
        return pyPow(intToFloat(x), intToFloat(y));
      }
      if (x === 0n || x === 1n) return y === 0n ? 1n : x;
      if (x === -1n) return y % 2n === 0n ? 1n : -1n;
      if (!(isSmall(x) && y < 3n) && y * BigInt(bitLength(x)) > BigInt(MAX_INT_BITS) + 64n) {
        throw new LimitError(`an int of more than ${MAX_INT_BITS} bits is larger than dzdx's limit`);
      }
      return x ** y;
    case '&': return x & y;
    case '|': return x | y;
    case '^': return x ^ y;
    case '<<':
      if (y < 0n) throw new PyError('ValueError', 'negative shift count');
      if (x === 0n) return 0n;
      if (!(y < 64n && isSmall(x)) && y + BigInt(bitLength(x)) > BigInt(MAX_INT_BITS)) throw new LimitError(`an int of more than ${MAX_INT_BITS} bits is larger than dzdx's limit`);
      return x << y;
    case '>>':
      if (y < 0n) throw new PyError('ValueError', 'negative shift count');
      return x >> y;
    case '@':
      return NotImplemented;
  }
}

function floatOp(op: BinaryOp, x: number, y: number): PyValue {
  switch (op) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '/':
      if (y === 0) throw new PyError('ZeroDivisionError', 'float division by zero');
      return x / y;
    case '//':
      if (y === 0) throw new PyError('ZeroDivisionError', 'float floor division by zero');
      return floatDivmod(x, y)[0];
    case '%':
      if (y === 0) throw new PyError('ZeroDivisionError', 'float modulo');
      return floatDivmod(x, y)[1];
    case '**':
      return pyPow(x, y);
    default:
      return NotImplemented;
  }
}

function numberOp(op: BinaryOp, a: Num, b: Num): PyValue {
  if (typeof a !== 'number' && typeof b !== 'number') {
    if (typeof a === 'boolean' && typeof b === 'boolean' && (op === '&' || op === '|' || op === '^')) {
      return op === '&' ? a && b : op === '|' ? a || b : a !== b;
    }
    return intOp(op, asInt(a), asInt(b));
  }
  const x = typeof a === 'number' ? a : intToFloat(asInt(a));
  const y = typeof b === 'number' ? b : intToFloat(asInt(b));
  return floatOp(op, x, y);
}

function tensorOperand(v: PyValue): Tensor | number | F.Scalar | null {
  if (v instanceof Tensor) return v;
  // A Python float goes as a plain number (an op takes it as a float): no Scalar per op.
  if (typeof v === 'number') return v;
  if (isNumber(v)) return toScalar(v);
  return null;
}

function tensorOp(op: BinaryOp, a: PyValue, b: PyValue): PyValue {
  const x = tensorOperand(a);
  const y = tensorOperand(b);
  if (x === null || y === null) return NotImplemented;
  switch (op) {
    case '+': return F.add(x, y);
    case '-': return F.sub(x, y);
    case '*': return F.mul(x, y);
    case '/': return F.div(x, y);
    case '**': return F.pow(x, y);
    case '@':
      if (x instanceof Tensor && y instanceof Tensor) return F.matmul(x, y);
      return NotImplemented;
    case '&':
      if (x instanceof Tensor && y instanceof Tensor && x.dtype === 'bool' && y.dtype === 'bool') return F.logicalAnd(x, y);
      throw new UnsupportedError(`the '&' operator on tensors is not supported (except on two bool tensors)`);
    default:
      throw new UnsupportedError(`the '${op}' operator on tensors is not supported`);
  }
}

function repeatCount(n: boolean | bigint, length: number): number {
  const count = asInt(n);
  if (count <= 0n || length === 0) return 0;
  if (count * BigInt(length) > BigInt(MAX_SEQUENCE)) {
    throw new LimitError(`a sequence of ${count * BigInt(length)} items is longer than dzdx's limit of ${MAX_SEQUENCE}`);
  }
  return Number(count);
}

function repeatList<T>(items: readonly T[], n: boolean | bigint): T[] {
  const count = repeatCount(n, items.length);
  const out: T[] = [];
  for (let i = 0; i < count; i++) for (const x of items) out.push(x);
  return out;
}

function checkLength(n: number): void {
  if (n > MAX_SEQUENCE) throw new LimitError(`a sequence of ${n} items is longer than dzdx's limit of ${MAX_SEQUENCE}`);
}

/** The operator as the built-in types implement it, or NotImplemented. */
function builtinBinary(op: BinaryOp, a: PyValue, b: PyValue): PyValue {
  if (isNumber(a) && isNumber(b)) return numberOp(op, a, b);
  if (op === '%' && typeof a === 'string') return percentFormat(a, b);
  if (a instanceof Tensor || b instanceof Tensor) return tensorOp(op, a, b);
  if (typeof a === 'string') {
    if (op === '+' && typeof b === 'string') {
      checkLength(a.length + b.length);
      return a + b;
    }
    if (op === '*' && (typeof b === 'bigint' || typeof b === 'boolean')) return a.repeat(repeatCount(b, a.length));
    if (op === '%') return percentFormat(a, b);
    return NotImplemented;
  }
  if (op === '*' && (typeof a === 'bigint' || typeof a === 'boolean')) {
    if (typeof b === 'string') return b.repeat(repeatCount(a, b.length));
    if (Array.isArray(b)) return repeatList(b, a);
    if (b instanceof PyTuple && !(b instanceof TorchSize)) return new PyTuple(repeatList(b.items, a));
    return NotImplemented;
  }
  if (Array.isArray(a)) {
    if (op === '+' && Array.isArray(b)) {
      checkLength(a.length + b.length);
      return [...a, ...b];
    }
    if (op === '*' && (typeof b === 'bigint' || typeof b === 'boolean')) return repeatList(a, b);
    return NotImplemented;
  }
  if (a instanceof PyTuple) {
    if (op === '+' && b instanceof PyTuple) {
      checkLength(a.items.length + b.items.length);
      const items = [...a.items, ...b.items];
      return a instanceof TorchSize && b instanceof TorchSize ? new TorchSize(items) : new PyTuple(items);
    }
    if (op === '*' && (typeof b === 'bigint' || typeof b === 'boolean')) {
      const items = repeatList(a.items, b);
      return a instanceof TorchSize ? new TorchSize(items) : new PyTuple(items);
    }
    return NotImplemented;
  }
  if (a instanceof PySet && b instanceof PySet) return setOp(op, a, b);
  if (a instanceof PyDict && b instanceof PyDict && op === '|') {
    const d = a.copyInto(new PyDict());
    return b.copyInto(d);
  }
  return NotImplemented;
}

/** `a | b`, `a & b`, `a - b`, `a ^ b` on sets, with CPython's iteration orders. */
function setOp(op: BinaryOp, a: PySet, b: PySet): PyValue {
  const frozen = a.frozen;
  switch (op) {
    case '|': {
      const r = a.copy(frozen);
      r.update(b);
      return r;
    }
    case '&': {
      const [small, big] = b.size > a.size ? [a, b] : [b, a];
      const r = new PySet(frozen);
      for (const k of small) if (big.has(k)) r.add(k);
      return r;
    }
    case '-': {
      const r = new PySet(frozen);
      for (const k of a) if (!b.has(k)) r.add(k);
      return r;
    }
    case '^': {
      const r = b.copy(frozen);
      for (const k of a) if (!r.discard(k)) r.add(k);
      return r;
    }
    default:
      return NotImplemented;
  }
}

const DUNDERS: Record<BinaryOp, [string, string, string]> = {
  '+': ['__add__', '__radd__', '__iadd__'],
  '-': ['__sub__', '__rsub__', '__isub__'],
  '*': ['__mul__', '__rmul__', '__imul__'],
  '/': ['__truediv__', '__rtruediv__', '__itruediv__'],
  '//': ['__floordiv__', '__rfloordiv__', '__ifloordiv__'],
  '%': ['__mod__', '__rmod__', '__imod__'],
  '**': ['__pow__', '__rpow__', '__ipow__'],
  '@': ['__matmul__', '__rmatmul__', '__imatmul__'],
  '&': ['__and__', '__rand__', '__iand__'],
  '|': ['__or__', '__ror__', '__ior__'],
  '^': ['__xor__', '__rxor__', '__ixor__'],
  '<<': ['__lshift__', '__rlshift__', '__ilshift__'],
  '>>': ['__rshift__', '__rrshift__', '__irshift__'],
};

/** A special method defined by a script's (or a native) class, not by a built-in type. */
function userSpecial(v: PyValue, name: string): PyValue | undefined {
  return v instanceof PyInstance || (v instanceof PyDict && !typeOf(v).builtin) ? lookupSpecial(v, name) : undefined;
}

/** `a op b`: the built-in types first, then `__op__` / `__rop__` of script classes (a subclass's reflected method first). */
export function binary(op: BinaryOp, a: PyValue, b: PyValue): PyValue {
  if (!(a instanceof PyInstance) && !(b instanceof PyInstance)) {
    const r = builtinBinary(op, a, b);
    if (r !== NotImplemented) return r;
    throw unsupportedOperands(op === '**' ? '** or pow()' : op, a, b);
  }
  const [name, rname] = DUNDERS[op];
  const ta = typeOf(a);
  const tb = typeOf(b);
  const fa = userSpecial(a, name);
  const fb = ta === tb ? undefined : userSpecial(b, rname);
  if (fb !== undefined && tb.isSubclassOf(ta) && fb !== userSpecial(a, rname)) {
    const r = callBound(fb, b, [a]);
    if (r !== NotImplemented) return r;
    if (fa !== undefined) {
      const r2 = callBound(fa, a, [b]);
      if (r2 !== NotImplemented) return r2;
    }
    throw unsupportedOperands(op === '**' ? '** or pow()' : op, a, b);
  }
  if (fa !== undefined) {
    const r = callBound(fa, a, [b]);
    if (r !== NotImplemented) return r;
  } else if (!(a instanceof PyInstance)) {
    const r = builtinBinary(op, a, b);
    if (r !== NotImplemented) return r;
  }
  if (fb !== undefined) {
    const r = callBound(fb, b, [a]);
    if (r !== NotImplemented) return r;
  }
  throw unsupportedOperands(op === '**' ? '** or pow()' : op, a, b);
}

/** `t += v` on a tensor is `t.add_(v)` (Python's `__iadd__`); operators without an in-place form rebind. */
const TENSOR_IN_PLACE: Partial<Record<BinaryOp, (t: Tensor, v: F.Operand) => Tensor>> = {
  '+': F.addInPlace,
  '-': F.subInPlace,
  '*': F.mulInPlace,
  '/': F.divInPlace,
};

/** `a op= b`: the in-place form when the type has one (`__iadd__`, list `+=`, tensor `add_`), else `a op b`. */
export function inPlace(op: BinaryOp, a: PyValue, b: PyValue): PyValue {
  if (a instanceof Tensor) {
    const f = TENSOR_IN_PLACE[op];
    if (f && (b instanceof Tensor || isNumber(b))) return f(a, b instanceof Tensor ? b : toScalar(b));
    return binary(op, a, b);
  }
  if (Array.isArray(a)) {
    if (op === '+') {
      const items = [...iterate(b)];
      checkLength(a.length + items.length);
      for (const x of items) a.push(x);
      return a;
    }
    if (op === '*' && (typeof b === 'bigint' || typeof b === 'boolean')) {
      const items = repeatList(a, b);
      a.length = 0;
      for (const x of items) a.push(x);
      return a;
    }
  }
  if (a instanceof PySet && !a.frozen && b instanceof PySet) {
    if (op === '|') {
      a.update(b);
      return a;
    }
    if (op === '&' || op === '-' || op === '^') {
      const r = setOp(op, a, b) as PySet;
      a.clear();
      a.update(r);
      return a;
    }
  }
  if (a instanceof PyDict && op === '|' && typeOf(a).builtin) {
    for (const [k, v] of mappingItems(b)) a.set(k, v);
    return a;
  }
  const f = userSpecial(a, DUNDERS[op][2]);
  if (f !== undefined) {
    const r = callBound(f, a, [b]);
    if (r !== NotImplemented) return r;
  }
  return binary(op, a, b);
}

/** The (key, value) pairs of a dict or of an iterable of pairs (`dict.update` / `|=`). */
export function* mappingItems(v: PyValue): Generator<[PyValue, PyValue]> {
  if (v instanceof PyDict) {
    for (const e of v.snapshot()) yield [e.key, e.value];
    return;
  }
  const keysFn = v instanceof PyInstance ? lookupSpecial(v, 'keys') : undefined;
  if (keysFn !== undefined) {
    for (const k of iterate(callBound(keysFn, v, []))) yield [k, getItemOf(v as PyInstance, k)];
    return;
  }
  let i = 0;
  for (const item of iterate(v)) {
    const pair = [...iterate(item)];
    if (pair.length !== 2) {
      throw new PyError('ValueError', `dictionary update sequence element #${i} has length ${pair.length}; 2 is required`);
    }
    yield [pair[0]!, pair[1]!];
    i++;
  }
}

function getItemOf(v: PyInstance, k: PyValue): PyValue {
  const f = lookupSpecial(v, '__getitem__');
  if (f === undefined) throw typeError(`'${typeOf(v).name}' object is not subscriptable`);
  return callBound(f, v, [k]);
}

export function unary(op: '-' | '+' | '~' | 'not', v: PyValue): PyValue {
  if (op === 'not') return !truthy(v);
  if (typeof v === 'bigint' || typeof v === 'boolean') {
    const x = asInt(v);
    return op === '-' ? -x : op === '+' ? x : ~x;
  }
  if (typeof v === 'number') {
    if (op === '~') throw typeError("bad operand type for unary ~: 'float'");
    return op === '-' ? -v : v;
  }
  if (v instanceof Tensor) {
    if (op === '-') return F.neg(v);
    if (op === '+') return v;
    throw new UnsupportedError("the '~' operator on tensors is not supported");
  }
  const name = op === '-' ? '__neg__' : op === '+' ? '__pos__' : '__invert__';
  const f = userSpecial(v, name);
  if (f !== undefined) return callBound(f, v, []);
  throw typeError(`bad operand type for unary ${op}: '${typeOf(v).name}'`);
}

/** Python's truth value: `__bool__`, then `__len__`, else true. */
export function truthy(v: PyValue): boolean {
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'bigint':
      return v !== 0n;
    case 'number':
      return v !== 0;
    case 'string':
      return v.length > 0;
  }
  if (v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof PyTuple) return v.items.length > 0;
  if (v instanceof Tensor) {
    if (v.numel !== 1) {
      throw new PyError('RuntimeError', v.numel === 0 ? 'Boolean value of Tensor with no values is ambiguous' : 'Boolean value of Tensor with more than one value is ambiguous');
    }
    return v.item() !== 0;
  }
  if (v instanceof PyDict || v instanceof PySet) return v.size > 0;
  if (v instanceof PyRange) return v.length > 0n;
  if (v instanceof PyInstance) {
    const b = lookupSpecial(v, '__bool__');
    if (b !== undefined) {
      const r = callBound(b, v, []);
      if (typeof r !== 'boolean') throw typeError(`__bool__ should return bool, returned ${typeOf(r).name}`);
      return r;
    }
    const len = lookupSpecial(v, '__len__');
    if (len !== undefined) return lengthResult(callBound(len, v, [])) > 0;
  }
  return true;
}

/** Checks what `__len__` returned, as len() does. */
export function lengthResult(r: PyValue): number {
  if (typeof r === 'boolean') return r ? 1 : 0;
  if (typeof r !== 'bigint') throw typeError(`'${typeOf(r).name}' object cannot be interpreted as an integer`);
  if (r < 0n) throw new PyError('ValueError', '__len__() should return >= 0');
  return Number(r);
}

/** Exact comparison of an int and a float (Python does not round the int). */
function compareIntFloat(x: bigint, y: number): number {
  if (Number.isNaN(y)) return NaN;
  if (y === Infinity) return -1;
  if (y === -Infinity) return 1;
  const fl = Math.floor(y);
  const bf = BigInt(fl);
  if (x < bf) return -1;
  if (x > bf) return 1;
  return fl === y ? 0 : -1;
}

function compareNumbers(a: Num, b: Num): number {
  if (typeof a !== 'number' && typeof b !== 'number') {
    const x = asInt(a);
    const y = asInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : a === b ? 0 : NaN;
  if (typeof a === 'number') return -compareIntFloat(asInt(b as bigint | boolean), a);
  return compareIntFloat(asInt(a), b as number);
}

/** The `==` operator: a bool, a bool tensor, or whatever a script's `__eq__` returns. */
export function eqOp(a: PyValue, b: PyValue): PyValue {
  const r = builtinEq(a, b);
  if (r !== NotImplemented) return r;
  return richDunder('==', a, b);
}

/** `==` as containers use it: identity first, then the truth of `==`. */
export function eqBool(a: PyValue, b: PyValue): boolean {
  if (a === b) return true;
  const ta = typeof a;
  if (ta === typeof b && (ta === 'string' || ta === 'bigint' || ta === 'boolean' || ta === 'number')) return false;
  return truthy(eqOp(a, b));
}

function sequenceEq(x: readonly PyValue[], y: readonly PyValue[]): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (!eqBool(x[i]!, y[i]!)) return false;
  return true;
}

/** A dict subclass that compares its own way (OrderedDict is order-sensitive). */
const ownEq = (v: PyValue) => v instanceof PyDict && !typeOf(v).builtin && lookupSpecial(v, '__eq__') !== undefined;

function builtinEq(a: PyValue, b: PyValue): PyValue {
  if (isNumber(a) && isNumber(b)) return compareNumbers(a, b) === 0;
  if (ownEq(a) || ownEq(b)) return NotImplemented;
  if (a instanceof Tensor || b instanceof Tensor) {
    const x = tensorOperand(a);
    const y = tensorOperand(b);
    if (x !== null && y !== null) return F.compare('eq', x, y);
    return NotImplemented;
  }
  if (typeof a === 'string' || typeof b === 'string') return typeof a === typeof b ? a === b : NotImplemented;
  if (Array.isArray(a)) return Array.isArray(b) ? sequenceEq(a, b) : NotImplemented;
  if (a instanceof PyTuple && b instanceof PyTuple) return sequenceEq(a.items, b.items);
  if (a instanceof PyDict && b instanceof PyDict) {
    if (a.size !== b.size) return false;
    for (const e of a.snapshot()) {
      const v = b.get(e.key);
      if (v === undefined || !eqBool(e.value, v)) return false;
    }
    return true;
  }
  if (a instanceof PySet && b instanceof PySet) return a.size === b.size && [...a].every((k) => b.has(k));
  if (a instanceof PyRange && b instanceof PyRange) {
    if (a.length !== b.length) return false;
    return a.length === 0n || (a.start === b.start && (a.length === 1n || a.step === b.step));
  }
  if (a instanceof PyInstance || b instanceof PyInstance || (a instanceof PyDict && !typeOf(a).builtin)) return NotImplemented;
  return a === b;
}

const RICH: Record<'==' | '!=' | '<' | '<=' | '>' | '>=', [string, string]> = {
  '==': ['__eq__', '__eq__'],
  '!=': ['__ne__', '__ne__'],
  '<': ['__lt__', '__gt__'],
  '<=': ['__le__', '__ge__'],
  '>': ['__gt__', '__lt__'],
  '>=': ['__ge__', '__le__'],
};

/** Rich comparison through the special methods of script classes, with Python's fallbacks. */
function richDunder(op: '==' | '!=' | '<' | '<=' | '>' | '>=', a: PyValue, b: PyValue): PyValue {
  const [name, reflected] = RICH[op];
  const ta = typeOf(a);
  const tb = typeOf(b);
  const fa = userSpecial(a, name);
  const fb = userSpecial(b, reflected);
  const tryB = () => (fb !== undefined ? callBound(fb, b, [a]) : NotImplemented);
  if (fb !== undefined && ta !== tb && tb.isSubclassOf(ta)) {
    const r = tryB();
    if (r !== NotImplemented) return r;
  }
  if (fa !== undefined) {
    const r = callBound(fa, a, [b]);
    if (r !== NotImplemented) return r;
  } else if (!(a instanceof PyInstance)) {
    const r = op === '==' || op === '!=' ? builtinEq(a, b) : builtinOrder(op, a, b);
    if (r !== NotImplemented) return op === '!=' && typeof r === 'boolean' ? !r : r;
  }
  const r = tryB();
  if (r !== NotImplemented) return r;
  if (op === '==') return a === b;
  if (op === '!=') {
    // object.__ne__ inverts __eq__.
    const eq = eqOp(a, b);
    return eq instanceof Tensor ? eq : !truthy(eq);
  }
  throw typeError(`'${op}' not supported between instances of '${ta.name}' and '${tb.name}'`);
}

function sequenceOrder(op: '<' | '<=' | '>' | '>=', x: readonly PyValue[], y: readonly PyValue[]): PyValue {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (!eqBool(x[i]!, y[i]!)) return compare(op, x[i]!, y[i]!);
  }
  return op === '<' ? x.length < y.length : op === '<=' ? x.length <= y.length : op === '>' ? x.length > y.length : x.length >= y.length;
}

function builtinOrder(op: '<' | '<=' | '>' | '>=', a: PyValue, b: PyValue): PyValue {
  let c: number;
  if (isNumber(a) && isNumber(b)) c = compareNumbers(a, b);
  else if (a instanceof Tensor || b instanceof Tensor) {
    const x = tensorOperand(a);
    const y = tensorOperand(b);
    if (x === null || y === null) return NotImplemented;
    return F.compare(op === '<' ? 'lt' : op === '<=' ? 'le' : op === '>' ? 'gt' : 'ge', x, y);
  } else if (typeof a === 'string' && typeof b === 'string') c = a < b ? -1 : a > b ? 1 : 0;
  else if (Array.isArray(a) && Array.isArray(b)) return sequenceOrder(op, a, b);
  else if (a instanceof PyTuple && b instanceof PyTuple) return sequenceOrder(op, a.items, b.items);
  else if (a instanceof PySet && b instanceof PySet) {
    const subset = (x: PySet, y: PySet) => x.size <= y.size && [...x].every((k) => y.has(k));
    if (op === '<=') return subset(a, b);
    if (op === '>=') return subset(b, a);
    if (op === '<') return a.size < b.size && subset(a, b);
    return b.size < a.size && subset(b, a);
  } else return NotImplemented;
  if (Number.isNaN(c)) return false;
  return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
}

/** `item in container`. */
export function contains(container: PyValue, item: PyValue): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw typeError(`'in <string>' requires string as left operand, not ${typeOf(item).name}`);
    return container.includes(item);
  }
  if (Array.isArray(container)) {
    for (const x of container) if (eqBool(x, item)) return true;
    return false;
  }
  if (container instanceof PyTuple) return container.items.some((x) => eqBool(x, item));
  if (container instanceof PyDict && typeOf(container).builtin) return container.has(item);
  if (container instanceof PySet) return container.has(item);
  if (container instanceof PyRange) {
    if (typeof item === 'bigint' || typeof item === 'boolean') {
      const x = asInt(item);
      const { start, stop, step } = container;
      if (step > 0n ? x < start || x >= stop : x > start || x <= stop) return false;
      return (x - start) % step === 0n;
    }
  }
  if (container instanceof Tensor) {
    if (!(item instanceof Tensor) && !isNumber(item)) throw new UnsupportedError(`'in' on a tensor with a ${typeOf(item).name} is not supported`);
    const eq = F.compare('eq', container, item instanceof Tensor ? item : toScalar(item));
    return eq.array.values().some((v: number) => v !== 0);
  }
  const own = (container as { contains?: (v: PyValue) => boolean } | null)?.contains;
  if (typeof own === 'function' && !(container instanceof PyInstance)) return own.call(container, item);
  const f = userSpecial(container, '__contains__');
  if (f !== undefined) return truthy(callBound(f, container, [item]));
  if (container instanceof PyInstance || container instanceof PyIterator || container instanceof PyDict) {
    for (const x of iterate(container)) if (eqBool(x, item)) return true;
    return false;
  }
  throw typeError(`argument of type '${typeOf(container).name}' is not iterable`);
}

/** One comparison of a chain: a bool, a bool tensor when a tensor takes part, or what a script's method returns. */
export function compare(op: CompareOp, a: PyValue, b: PyValue): PyValue {
  switch (op) {
    case 'is':
      return a === b || (typeof a === 'number' && Object.is(a, b));
    case 'is not':
      return !(a === b || (typeof a === 'number' && Object.is(a, b)));
    case 'in':
      return contains(b, a);
    case 'not in':
      return !contains(b, a);
    case '==':
      return eqOp(a, b);
    case '!=': {
      if (a instanceof PyInstance || b instanceof PyInstance || ownEq(a) || ownEq(b)) return richDunder('!=', a, b);
      if (a instanceof Tensor || b instanceof Tensor) {
        const x = tensorOperand(a);
        const y = tensorOperand(b);
        return x !== null && y !== null ? F.compare('ne', x, y) : a !== b;
      }
      const r = builtinEq(a, b);
      return r === NotImplemented ? a !== b : !r;
    }
  }
  if (!(a instanceof PyInstance) && !(b instanceof PyInstance)) {
    const r = builtinOrder(op, a, b);
    if (r !== NotImplemented) return r;
    throw typeError(`'${op}' not supported between instances of '${typeOf(a).name}' and '${typeOf(b).name}'`);
  }
  return richDunder(op, a, b);
}
