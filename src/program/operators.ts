/** Python's operators on script values: numbers, strings, sequences and tensors. */
import { Tensor } from '../autograd/tensor.js';
import { PyError } from '../tensor/errors.js';
import { powAccurate } from '../tensor/numerics/sleefFloat64.js';
import * as F from '../ops/functional.js';
import type { BinaryOp, CompareOp } from './ast.js';
import { toScalar } from './args.js';
import { isNumber, PyTuple, type PyValue, toFloat, typeName, truthy } from './values.js';

type Num = boolean | bigint | number;

const asInt = (v: boolean | bigint): bigint => (typeof v === 'boolean' ? (v ? 1n : 0n) : v);

function unsupported(op: string, a: PyValue, b: PyValue): PyError {
  return new PyError('TypeError', `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

function floorDivInt(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

function numberOp(op: BinaryOp, a: Num, b: Num): PyValue {
  if (typeof a !== 'number' && typeof b !== 'number') {
    const x = asInt(a);
    const y = asInt(b);
    switch (op) {
      case '+': return x + y;
      case '-': return x - y;
      case '*': return x * y;
      case '/':
        if (y === 0n) throw new PyError('ZeroDivisionError', 'division by zero');
        return Number(x) / Number(y);
      case '//':
        if (y === 0n) throw new PyError('ZeroDivisionError', 'integer division or modulo by zero');
        return floorDivInt(x, y);
      case '%':
        if (y === 0n) throw new PyError('ZeroDivisionError', 'integer division or modulo by zero');
        return x - floorDivInt(x, y) * y;
      case '**':
        if (y < 0n) {
          if (x === 0n) throw new PyError('ZeroDivisionError', '0.0 cannot be raised to a negative power');
          return powAccurate(Number(x), Number(y));
        }
        if (y > 10000n && x !== 0n && x !== 1n && x !== -1n) throw new PyError('OverflowError', 'integer exponent too large for dzdx');
        return x ** y;
      case '@': throw unsupported('@', a, b);
    }
  }
  const x = toFloat(a);
  const y = toFloat(b);
  switch (op) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '/':
      if (y === 0) throw new PyError('ZeroDivisionError', 'float division by zero');
      return x / y;
    case '//':
      if (y === 0) throw new PyError('ZeroDivisionError', 'float floor division by zero');
      return Math.floor(x / y);
    case '%': {
      if (y === 0) throw new PyError('ZeroDivisionError', 'float modulo');
      const r = x % y;
      return r !== 0 && (r < 0) !== (y < 0) ? r + y : r;
    }
    case '**':
      if (x === 0 && y < 0) throw new PyError('ZeroDivisionError', '0.0 cannot be raised to a negative power');
      if (x < 0 && !Number.isInteger(y)) throw new PyError('ValueError', 'complex results are not supported');
      // CPython calls glibc's pow: nearly always the correctly rounded power (V8's Math.pow is not)
      return powAccurate(x, y);
    case '@': throw unsupported('@', a, b);
  }
}

function tensorOp(op: BinaryOp, a: PyValue, b: PyValue): Tensor {
  const operand = (v: PyValue): Tensor | F.Scalar => {
    if (v instanceof Tensor) return v;
    if (isNumber(v)) return toScalar(v);
    throw unsupported(op, a, b);
  };
  const x = operand(a);
  const y = operand(b);
  switch (op) {
    case '+': return F.add(x, y);
    case '-': return F.sub(x, y);
    case '*': return F.mul(x, y);
    case '/': return F.div(x, y);
    case '**': return F.pow(x, y);
    case '@':
      if (x instanceof Tensor && y instanceof Tensor) return F.matmul(x, y);
      throw unsupported('@', a, b);
    default:
      throw new PyError('TypeError', `dzdx: the operator ${op} on tensors is not supported`);
  }
}

export function binary(op: BinaryOp, a: PyValue, b: PyValue): PyValue {
  if (a instanceof Tensor || b instanceof Tensor) return tensorOp(op, a, b);
  if (isNumber(a) && isNumber(b)) return numberOp(op, a, b);
  if (op === '+') {
    if (typeof a === 'string' && typeof b === 'string') return a + b;
    if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
    if (a instanceof PyTuple && b instanceof PyTuple && a.constructor === b.constructor) return new PyTuple([...a.items, ...b.items]);
  }
  if (op === '*') {
    const [s, n] = isNumber(b) ? [a, b] : [b, a];
    if (typeof n === 'bigint' || typeof n === 'boolean') {
      const count = Math.max(0, Number(asInt(n)));
      if (typeof s === 'string') return s.repeat(count);
      if (Array.isArray(s)) return Array.from({ length: count }, () => s).flat();
    }
  }
  throw unsupported(op, a, b);
}

export function unary(op: '-' | '+' | 'not', v: PyValue): PyValue {
  if (op === 'not') return !truthy(v);
  if (v instanceof Tensor) return op === '-' ? F.neg(v) : v;
  if (typeof v === 'boolean' || typeof v === 'bigint') return op === '-' ? -asInt(v) : asInt(v);
  if (typeof v === 'number') return op === '-' ? -v : v;
  throw new PyError('TypeError', `bad operand type for unary ${op}: '${typeName(v)}'`);
}

function equal(a: PyValue, b: PyValue): boolean {
  if (isNumber(a) && isNumber(b)) {
    if (typeof a !== 'number' && typeof b !== 'number') return asInt(a) === asInt(b);
    return toFloat(a) === toFloat(b);
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]!));
  if (a instanceof PyTuple && b instanceof PyTuple) {
    return a.items.length === b.items.length && a.items.every((x, i) => equal(x, b.items[i]!));
  }
  return a === b;
}

function order(op: '<' | '<=' | '>' | '>=', a: PyValue, b: PyValue): boolean {
  let c: number;
  if (isNumber(a) && isNumber(b)) {
    if (typeof a !== 'number' && typeof b !== 'number') {
      const [x, y] = [asInt(a), asInt(b)];
      c = x < y ? -1 : x > y ? 1 : 0;
    } else {
      const [x, y] = [toFloat(a), toFloat(b)];
      if (Number.isNaN(x) || Number.isNaN(y)) return false;
      c = x < y ? -1 : x > y ? 1 : 0;
    }
  } else if (typeof a === 'string' && typeof b === 'string') {
    c = a < b ? -1 : a > b ? 1 : 0;
  } else {
    throw new PyError('TypeError', `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
  }
  return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
}

const tensorComparisons = { '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge', '==': 'eq', '!=': 'ne' } as const;

function contains(container: PyValue, item: PyValue): boolean {
  if (typeof container === 'string' && typeof item === 'string') return container.includes(item);
  if (Array.isArray(container)) return container.some((x) => equal(x, item));
  if (container instanceof PyTuple) return container.items.some((x) => equal(x, item));
  throw new PyError('TypeError', `argument of type '${typeName(container)}' is not iterable`);
}

/** One comparison of a chain: a bool, or a bool tensor when a tensor takes part. */
export function compare(op: CompareOp, a: PyValue, b: PyValue): PyValue {
  switch (op) {
    case 'is': return a === b;
    case 'is not': return a !== b;
    case 'in': return contains(b, a);
    case 'not in': return !contains(b, a);
  }
  if ((a instanceof Tensor || b instanceof Tensor) && (a instanceof Tensor || isNumber(a)) && (b instanceof Tensor || isNumber(b))) {
    const x = a instanceof Tensor ? a : toScalar(a as Num);
    const y = b instanceof Tensor ? b : toScalar(b as Num);
    return F.compare(tensorComparisons[op], x, y);
  }
  if (op === '==') return equal(a, b);
  if (op === '!=') return !equal(a, b);
  return order(op, a, b);
}
