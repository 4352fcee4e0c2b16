/**
 * `np.random`: numpy's legacy global RandomState (src/random's MT19937
 * port, bit for bit with numpy 1.24) behind seed, rand, randn, random,
 * uniform, normal, randint, choice, shuffle and permutation. Each run has
 * its own state; a script that never seeds starts from seed 0 (numpy
 * would take a seed from the operating system), so its runs repeat.
 */
import { PyError } from '../tensor/errors.js';
import { NDArray } from '../tensor/ndarray.js';
import { bind, toBool } from '../program/args.js';
import { UnsupportedError } from '../program/errors.js';
import { Builtin, PyTuple, type CallArgs, type PyValue } from '../program/values.js';
import { NumpyValueError, RandomState } from '../random/numpy-random.js';
import { makeArray } from './kernels.js';
import { arrayOf, isArray, npType, operandOf, wrap } from './ndarray.js';
import { shapeArg } from './array-class.js';
import { toNpDType } from './scalars.js';

function guarded<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof NumpyValueError) throw new PyError('ValueError', e.message);
    throw e;
  }
}

/** `size=`: None for one scalar, an int or a tuple for an array. */
function sizeArg(v: PyValue | undefined): number[] | null {
  if (v === undefined || v === null) return null;
  return shapeArg([v], 'size');
}

function scalarArg(v: PyValue | undefined, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  const o = v === null ? null : operandOf(v);
  if (!o || o.array.ndim !== 0) throw new UnsupportedError(`numpy.random.${what} with array parameters is not supported`);
  return o.array.item();
}

function floats(shape: number[] | null, draw: (n: number) => Float64Array): PyValue {
  if (shape === null) return draw(1)[0]!;
  const n = shape.reduce((p, d) => p * d, 1);
  if (n > 10_000_000) throw new UnsupportedError(`numpy.random arrays of ${n} elements are larger than dzdx's limit`);
  return wrap(makeArray(draw(n), shape, 'float64'));
}

function intArg(v: PyValue | undefined, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  const o = v === undefined || v === null ? null : operandOf(v);
  if (o && o.array.ndim === 0 && npType(o.array) === 'int64') return BigInt(o.array.item());
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  throw new UnsupportedError(`numpy.random.${what} with these bounds is not supported`);
}

/** The np.random functions of one run. */
export function randomModule(): Map<string, PyValue> {
  let state: RandomState | null = null;
  const rs = () => (state ??= new RandomState(0));
  const fn = (name: string, impl: (call: CallArgs) => PyValue) => new Builtin(name, (call) => guarded(() => impl(call)), undefined, 'numpy.random');
  const seed = (call: CallArgs): PyValue => {
    const p = bind('seed', call, ['seed=']);
    const s = p.seed;
    if (s === undefined || s === null) throw new UnsupportedError('numpy.random.seed() without a seed is not supported');
    if (typeof s === 'bigint' || typeof s === 'boolean') rs().seed(typeof s === 'boolean' ? (s ? 1 : 0) : s);
    else if (Array.isArray(s) || s instanceof PyTuple || isArray(s)) {
      const items = isArray(s) ? Array.from(arrayOf(s).values(), BigInt) : (Array.isArray(s) ? s : s.items).map((v) => intArg(v, 'seed'));
      rs().seed(items);
    } else if (typeof s === 'number') throw new PyError('TypeError', 'Cannot cast scalar from dtype(\'float64\') to dtype(\'int64\') according to the rule \'safe\'');
    else throw new UnsupportedError('numpy.random.seed with this argument is not supported');
    return null;
  };
  const randint = (call: CallArgs): PyValue => {
    const p = bind('randint', call, ['low', 'high=', 'size=', 'dtype=']);
    let low = intArg(p.low, 'randint');
    let high: bigint;
    if (p.high === undefined || p.high === null) {
      high = low;
      low = 0n;
    } else high = intArg(p.high, 'randint');
    const dtype = toNpDType(p.dtype) ?? 'int64';
    const shape = sizeArg(p.size);
    const n = shape === null ? 1 : shape.reduce((q, d) => q * d, 1);
    if (dtype === 'bool') {
      const v = rs().randintBool(Number(low), Number(high), n);
      return shape === null ? v[0]! : wrap(makeArray(v.map(Number), shape, 'bool'));
    }
    if (dtype !== 'int64') throw new UnsupportedError(`numpy.random.randint(dtype=${dtype}) is not supported`);
    const v = rs().randint(low, high, n);
    return shape === null ? v[0]! : wrap(makeArray(Array.from(v, Number), shape, 'int64'));
  };
  const choice = (call: CallArgs): PyValue => {
    const p = bind('choice', call, ['a', 'size=', 'replace=', 'p=']);
    const pool = typeof p.a === 'bigint' ? null : isArray(p.a!) ? arrayOf(p.a!) : operandOf(p.a!)?.array;
    if (pool !== null && (!pool || pool.ndim !== 1)) throw new UnsupportedError('numpy.random.choice of this population is not supported');
    const n = pool === null ? Number(p.a) : pool.shape[0]!;
    const probs = p.p === undefined || p.p === null ? null : Array.from(operandOf(p.p)!.array.values());
    const shape = sizeArg(p.size);
    const count = shape === null ? 1 : shape.reduce((q, d) => q * d, 1);
    const picks = Array.from(rs().choice(n, count, toBool(p.replace, true), probs), Number);
    if (pool === null) return shape === null ? BigInt(picks[0]!) : wrap(makeArray(picks, shape, 'int64'));
    const values = pool.values();
    const dtype = npType(pool);
    const out = makeArray(picks.map((i) => values[i]!), shape ?? [], dtype);
    return shape === null ? operandScalar(out) : wrap(out);
  };
  return new Map<string, PyValue>([
    ['seed', fn('seed', seed)],
    ['rand', fn('rand', (call) => floats(call.args.length === 0 ? null : shapeArg(call.args, 'rand'), (n) => rs().randomSample(n)))],
    ['randn', fn('randn', (call) => floats(call.args.length === 0 ? null : shapeArg(call.args, 'randn'), (n) => rs().standardNormal(n)))],
    ['random', fn('random', (call) => floats(sizeArg(bind('random', call, ['size=']).size), (n) => rs().randomSample(n)))],
    ['random_sample', fn('random_sample', (call) => floats(sizeArg(bind('random_sample', call, ['size=']).size), (n) => rs().randomSample(n)))],
    ['uniform', fn('uniform', (call) => {
      const p = bind('uniform', call, ['low=', 'high=', 'size=']);
      const low = scalarArg(p.low, 0, 'uniform');
      const high = scalarArg(p.high, 1, 'uniform');
      return floats(sizeArg(p.size), (n) => rs().uniform(low, high, n));
    })],
    ['normal', fn('normal', (call) => {
      const p = bind('normal', call, ['loc=', 'scale=', 'size=']);
      const loc = scalarArg(p.loc, 0, 'normal');
      const scale = scalarArg(p.scale, 1, 'normal');
      return floats(sizeArg(p.size), (n) => rs().normal(loc, scale, n));
    })],
    ['randint', fn('randint', randint)],
    ['choice', fn('choice', choice)],
    ['shuffle', fn('shuffle', (call) => {
      const x = bind('shuffle', call, ['x']).x!;
      if (!isArray(x) || arrayOf(x).ndim !== 1) throw new UnsupportedError('numpy.random.shuffle of anything but a 1-d array is not supported');
      const a = arrayOf(x);
      const values = Array.from(a.values());
      rs().shuffle(values);
      a.assign(values);
      return null;
    })],
    ['permutation', fn('permutation', (call) => {
      const x = bind('permutation', call, ['x']).x!;
      if (typeof x === 'bigint') return wrap(makeArray(Array.from(rs().permutation(Number(x)), Number), [Number(x)], 'int64'));
      if (!isArray(x) || arrayOf(x).ndim !== 1) throw new UnsupportedError('numpy.random.permutation of anything but an int or a 1-d array is not supported');
      const a = arrayOf(x);
      const values = Array.from(a.values());
      rs().shuffle(values);
      return wrap(makeArray(values, a.shape, npType(a)));
    })],
  ]);
}

function operandScalar(a: NDArray): PyValue {
  const v = a.item();
  const t = npType(a);
  return t === 'int64' ? BigInt(v) : t === 'bool' ? v !== 0 : v;
}
