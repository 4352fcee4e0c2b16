/** Python's math module, with CPython's results, special cases and errors (`math domain error`, `math range error`). */
import { LimitError, PyError } from '../tensor/errors.js';
import { toFloatValue } from './builtins.js';
import { iterate } from './iteration.js';
import { libm } from './libm.js';
import { intArg } from './method-util.js';
import { callBound, lookupSpecial } from './objects.js';
import { binary, MAX_INT_BITS } from './operators.js';
import { Builtin, PyInstance, PyModule, PyTuple, typeOf, type CallArgs, type PyValue } from './values.js';
import { registerCoreModules } from './modules.js';

const domain = () => new PyError('ValueError', 'math domain error');
const range = () => new PyError('OverflowError', 'math range error');

/** A real-number argument (ints, floats, bools, one-element tensors, `__float__`). */
function real(v: PyValue | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' || v === null || v === undefined || Array.isArray(v) || v instanceof PyTuple) {
    throw new PyError('TypeError', `must be real number, not ${typeOf(v ?? null).name}`);
  }
  return toFloatValue(v);
}

function args(call: CallArgs, name: string, n: number): PyValue[] {
  if (call.kwargs.size > 0) throw new PyError('TypeError', `math.${name}() takes no keyword arguments`);
  if (call.args.length !== n) {
    throw new PyError('TypeError', n === 1 ? `math.${name}() takes exactly one argument (${call.args.length} given)` : `${name} expected ${n} arguments, got ${call.args.length}`);
  }
  return call.args;
}

/** CPython's math_1: NaN from a number is a domain error, infinity from a finite number a range (or domain) error. */
function unary(name: string, f: (x: number) => number, canOverflow: boolean) {
  return (call: CallArgs) => {
    const x = real(args(call, name, 1)[0]);
    const r = f(x);
    if (Number.isNaN(r) && !Number.isNaN(x)) throw domain();
    if (!Number.isFinite(r) && !Number.isNaN(r) && Number.isFinite(x)) throw canOverflow ? range() : domain();
    return r;
  };
}

function logOf(v: PyValue | undefined): number {
  if (typeof v === 'bigint' && v > 0n) {
    // log of a large int: CPython uses frexp on the int, never overflowing.
    const bits = v.toString(2).length;
    if (bits > 1000) {
      const top = Number(v >> BigInt(bits - 60));
      return libm.log(top) + (bits - 60) * Math.LN2;
    }
  }
  const x = real(v);
  if (Number.isNaN(x)) return x;
  if (x <= 0) throw domain();
  return libm.log(x);
}

function integer(v: PyValue | undefined): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (v instanceof PyInstance) {
    const f = lookupSpecial(v, '__index__');
    if (f !== undefined) return intArg(callBound(f, v, []));
  }
  throw new PyError('TypeError', `'${typeOf(v ?? null).name}' object cannot be interpreted as an integer`);
}

function checkBits(n: bigint): bigint {
  if ((n < 0n ? -n : n).toString(16).length * 4 > MAX_INT_BITS) throw new LimitError(`an int of more than ${MAX_INT_BITS} bits is larger than dzdx's limit`);
  return n;
}

function toInteger(name: string, x: PyValue | undefined, round: (f: number) => number): PyValue {
  if (typeof x === 'bigint') return x;
  if (typeof x === 'boolean') return x ? 1n : 0n;
  if (x instanceof PyInstance) {
    const f = lookupSpecial(x, `__${name}__`);
    if (f !== undefined) return callBound(f, x, []);
  }
  const v = real(x);
  if (Number.isNaN(v)) throw new PyError('ValueError', 'cannot convert float NaN to integer');
  if (!Number.isFinite(v)) throw new PyError('OverflowError', 'cannot convert float infinity to integer');
  return BigInt(round(v));
}

/** Shewchuk's exact summation, as CPython's math.fsum. */
function fsum(values: Iterable<PyValue>): number {
  const partials: number[] = [];
  let special = 0;
  let infSum = 0;
  for (const v of values) {
    let x = real(v);
    if (!Number.isFinite(x)) {
      if (Number.isNaN(x)) special = NaN;
      else infSum += x;
      special = Number.isNaN(special) ? special : 1;
      continue;
    }
    let i = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
  }
  if (special !== 0) {
    if (Number.isNaN(special) || Number.isNaN(infSum)) {
      if (Number.isNaN(infSum)) throw new PyError('ValueError', '-inf + inf in fsum');
      return NaN;
    }
    return infSum;
  }
  let n = partials.length;
  let hi = 0;
  if (n > 0) {
    hi = partials[--n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = partials[--n]!;
      hi = x + y;
      const yr = hi - x;
      lo = y - yr;
      if (lo !== 0) break;
    }
    if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      const yr = x - hi;
      if (y === yr) hi = x;
    }
  }
  if (!Number.isFinite(hi)) throw new PyError('OverflowError', 'intermediate overflow in fsum');
  return hi;
}

function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  let e = Math.max(-1073, Math.floor(Math.log2(Math.abs(x))) + 1);
  let m = x * 2 ** -e;
  while (Math.abs(m) < 0.5) (m *= 2), e--;
  while (Math.abs(m) >= 1) (m /= 2), e++;
  return [m, e];
}

function nextafter(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === y) return y;
  if (x === 0) return y > 0 ? 5e-324 : -5e-324;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  let bits = buf.getBigUint64(0);
  bits = (y > x) === (x > 0) ? bits + 1n : bits - 1n;
  buf.setBigUint64(0, bits);
  return buf.getFloat64(0);
}

function ulp(x: number): number {
  if (Number.isNaN(x)) return x;
  x = Math.abs(x);
  if (!Number.isFinite(x)) return x;
  const next = nextafter(x, Infinity);
  if (!Number.isFinite(next)) return x - nextafter(x, -Infinity);
  return next - x;
}

function factorial(n: bigint): bigint {
  if (n < 0n) throw new PyError('ValueError', 'factorial() not defined for negative values');
  if (n > 20000n) throw new LimitError(`factorial(${n}) is larger than dzdx's limit`);
  let r = 1n;
  for (let i = 2n; i <= n; i++) r *= i;
  return r;
}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
}

function isqrt(n: bigint): bigint {
  if (n < 0n) throw new PyError('ValueError', 'isqrt() argument must be nonnegative');
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

function mathPow(x: number, y: number): number {
  // CPython's math.pow: C pow with errno checks (0 ** negative is a domain error here).
  if (Number.isNaN(x)) return y === 0 ? 1 : x;
  if (Number.isNaN(y)) return x === 1 ? 1 : y;
  if (x === 0 && y < 0 && Number.isFinite(y)) throw domain();
  if (x < 0 && Number.isFinite(x) && Number.isFinite(y) && !Number.isInteger(y)) throw domain();
  const r = y === 0 || x === 1 ? 1 : libm.pow(x, y);
  if (!Number.isFinite(r) && Number.isFinite(x) && Number.isFinite(y)) throw range();
  return r;
}

function mathModule(): PyModule {
  const m = new PyModule('math', new Map());
  const def = (name: string, impl: (call: CallArgs) => PyValue) => m.attrs.set(name, new Builtin(name, impl, undefined, 'math'));
  m.attrs.set('pi', Math.PI);
  m.attrs.set('e', Math.E);
  m.attrs.set('tau', 2 * Math.PI);
  m.attrs.set('inf', Infinity);
  m.attrs.set('nan', NaN);
  const simple: [string, (x: number) => number, boolean][] = [
    ['sqrt', Math.sqrt, false],
    ['exp', libm.exp, true],
    ['exp2', (x) => libm.pow(2, x), true],
    ['expm1', libm.expm1, true],
    ['log2', (x) => (x <= 0 ? (x === 0 ? -Infinity : NaN) : libm.log2(x)), false],
    ['log10', (x) => (x <= 0 ? (x === 0 ? -Infinity : NaN) : libm.log10(x)), false],
    ['log1p', libm.log1p, false],
    ['sin', libm.sin, false],
    ['cos', libm.cos, false],
    ['tan', libm.tan, false],
    ['asin', libm.asin, false],
    ['acos', libm.acos, false],
    ['atan', libm.atan, false],
    ['sinh', libm.sinh, true],
    ['cosh', libm.cosh, true],
    ['tanh', libm.tanh, false],
    ['asinh', libm.asinh, false],
    ['acosh', libm.acosh, false],
    ['atanh', libm.atanh, false],
    ['cbrt', libm.cbrt, false],
    ['fabs', Math.abs, false],
    ['erf', libm.erf, false],
    ['erfc', libm.erfc, false],
    ['gamma', libm.gamma, true],
    ['lgamma', libm.lgamma, true],
    ['degrees', (x) => x * (180 / Math.PI), true],
    ['radians', (x) => x * (Math.PI / 180), false],
  ];
  for (const [name, f, overflow] of simple) def(name, unary(name, f, overflow));
  def('log', (call) => {
    if (call.kwargs.size > 0) throw new PyError('TypeError', 'math.log() takes no keyword arguments');
    if (call.args.length < 1 || call.args.length > 2) throw new PyError('TypeError', `log expected 1 or 2 arguments, got ${call.args.length}`);
    const num = logOf(call.args[0]);
    if (call.args.length === 1) return num;
    const den = logOf(call.args[1]);
    if (den === 0) throw new PyError('ZeroDivisionError', 'float division by zero');
    return num / den;
  });
  def('pow', (call) => {
    const [x, y] = args(call, 'pow', 2);
    return mathPow(real(x), real(y));
  });
  def('atan2', (call) => {
    const [y, x] = args(call, 'atan2', 2);
    return libm.atan2(real(y), real(x));
  });
  def('hypot', (call) => Math.hypot(...call.args.map(real)));
  def('dist', (call) => {
    const [p, q] = args(call, 'dist', 2);
    const a = [...iterate(p!)].map(real);
    const b = [...iterate(q!)].map(real);
    if (a.length !== b.length) throw new PyError('ValueError', 'both points must have the same number of dimensions');
    return Math.hypot(...a.map((v, i) => v - b[i]!));
  });
  def('fmod', (call) => {
    const [x, y] = args(call, 'fmod', 2).map(real) as [number, number];
    if (y === 0 || !Number.isFinite(x)) {
      if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
      throw domain();
    }
    return x % y;
  });
  def('remainder', (call) => {
    const [x, y] = args(call, 'remainder', 2).map(real) as [number, number];
    if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
    if (!Number.isFinite(x) || y === 0) throw domain();
    if (!Number.isFinite(y)) return x;
    const n = Math.round(x / y);
    const half = Math.abs(x / y - Math.trunc(x / y)) === 0.5;
    const q = half ? 2 * Math.round(x / y / 2) : n;
    return x - q * y;
  });
  def('copysign', (call) => {
    const [x, y] = args(call, 'copysign', 2).map(real) as [number, number];
    const neg = y < 0 || Object.is(y, -0);
    return neg ? -Math.abs(x) : Math.abs(x);
  });
  def('ldexp', (call) => {
    const [x, i] = args(call, 'ldexp', 2);
    const r = real(x) * 2 ** Number(integer(i));
    if (!Number.isFinite(r) && Number.isFinite(real(x))) throw range();
    return r;
  });
  def('frexp', (call) => {
    const [m2, e] = frexp(real(args(call, 'frexp', 1)[0]));
    return new PyTuple([m2, BigInt(e)]);
  });
  def('modf', (call) => {
    const x = real(args(call, 'modf', 1)[0]);
    if (!Number.isFinite(x)) return new PyTuple([Number.isNaN(x) ? x : x > 0 ? 0 : -0, x]);
    const i = Math.trunc(x);
    const f = x - i;
    return new PyTuple([f === 0 && (x < 0 || Object.is(x, -0)) ? -0 : f, i]);
  });
  def('nextafter', (call) => {
    const [x, y] = args(call, 'nextafter', 2).map(real) as [number, number];
    return nextafter(x, y);
  });
  def('ulp', (call) => ulp(real(args(call, 'ulp', 1)[0])));
  def('isfinite', (call) => Number.isFinite(real(args(call, 'isfinite', 1)[0])));
  def('isinf', (call) => {
    const x = real(args(call, 'isinf', 1)[0]);
    return !Number.isFinite(x) && !Number.isNaN(x);
  });
  def('isnan', (call) => Number.isNaN(real(args(call, 'isnan', 1)[0])));
  def('isclose', (call) => {
    if (call.args.length !== 2) throw new PyError('TypeError', `isclose() takes exactly 2 positional arguments (${call.args.length} given)`);
    for (const k of call.kwargs.keys()) if (k !== 'rel_tol' && k !== 'abs_tol') throw new PyError('TypeError', `isclose() got an unexpected keyword argument '${k}'`);
    const a = real(call.args[0]);
    const b = real(call.args[1]);
    const rel = call.kwargs.has('rel_tol') ? real(call.kwargs.get('rel_tol')) : 1e-9;
    const abs = call.kwargs.has('abs_tol') ? real(call.kwargs.get('abs_tol')) : 0;
    if (rel < 0 || abs < 0) throw new PyError('ValueError', 'tolerances must be non-negative');
    if (a === b) return true;
    if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
    const diff = Math.abs(b - a);
    return diff <= Math.abs(rel * b) || diff <= Math.abs(rel * a) || diff <= abs;
  });
  def('floor', (call) => toInteger('floor', args(call, 'floor', 1)[0], Math.floor));
  def('ceil', (call) => toInteger('ceil', args(call, 'ceil', 1)[0], Math.ceil));
  def('trunc', (call) => toInteger('trunc', args(call, 'trunc', 1)[0], Math.trunc));
  def('factorial', (call) => factorial(integer(args(call, 'factorial', 1)[0])));
  def('gcd', (call) => call.args.map(integer).reduce((a, b) => gcd(a, b), 0n));
  def('lcm', (call) => {
    let r = 1n;
    for (const v of call.args.map(integer)) {
      if (v === 0n || r === 0n) r = 0n;
      else r = checkBits((r / gcd(r, v)) * (v < 0n ? -v : v));
    }
    return r < 0n ? -r : r;
  });
  def('isqrt', (call) => isqrt(integer(args(call, 'isqrt', 1)[0])));
  def('comb', (call) => {
    const [n, k] = args(call, 'comb', 2).map(integer) as [bigint, bigint];
    if (n < 0n) throw new PyError('ValueError', 'n must be a non-negative integer');
    if (k < 0n) throw new PyError('ValueError', 'k must be a non-negative integer');
    if (k > n) return 0n;
    const kk = k < n - k ? k : n - k;
    if (kk > 20000n) throw new LimitError(`comb(${n}, ${k}) is larger than dzdx's limit`);
    let r = 1n;
    for (let i = 1n; i <= kk; i++) r = (r * (n - kk + i)) / i;
    return checkBits(r);
  });
  def('perm', (call) => {
    if (call.args.length < 1 || call.args.length > 2) throw new PyError('TypeError', `perm expected at most 2 arguments, got ${call.args.length}`);
    const n = integer(call.args[0]);
    const k = call.args[1] === undefined || call.args[1] === null ? n : integer(call.args[1]);
    if (n < 0n) throw new PyError('ValueError', 'n must be a non-negative integer');
    if (k < 0n) throw new PyError('ValueError', 'k must be a non-negative integer');
    if (k > n) return 0n;
    if (k > 20000n) throw new LimitError(`perm(${n}, ${k}) is larger than dzdx's limit`);
    let r = 1n;
    for (let i = 0n; i < k; i++) r *= n - i;
    return checkBits(r);
  });
  def('prod', (call) => {
    if (call.args.length !== 1) throw new PyError('TypeError', `prod() takes exactly 1 positional argument (${call.args.length} given)`);
    let r: PyValue = call.kwargs.get('start') ?? 1n;
    for (const v of iterate(call.args[0]!)) r = binary('*', r, v);
    return r;
  });
  def('fsum', (call) => fsum(iterate(args(call, 'fsum', 1)[0]!)));
  return m;
}

let built: PyModule | null = null;

registerCoreModules((modules) => {
  built ??= mathModule();
  modules.module('math').base = built.attrs;
});
