/**
 * Python's hashing: `hash()` as CPython 3.11 computes it for ints, floats
 * and tuples (64-bit), and the keys dicts and sets are looked up by. Two
 * keys equal under Python's `==` with equal hashes (1, 1.0 and True; equal
 * tuples) must find the same entry; objects without `__eq__`/`__hash__`
 * of their own (tensors included) are keys by identity.
 */
import { Tensor } from '../autograd/tensor.js';
import { PyError } from '../tensor/errors.js';
import { callBound } from './objects.js';
import { addressOf, PyInstance, PyObject, PyTuple, typeOf, type PyValue } from './values.js';

const MODULUS = (1n << 61n) - 1n;
const BITS = 61n;
const MASK64 = (1n << 64n) - 1n;

const signed = (x: bigint): bigint => BigInt.asIntN(64, x);

function intHash(v: bigint): bigint {
  let h = v < 0n ? -(-v % MODULUS) : v % MODULUS;
  if (h === -1n) h = -2n;
  return h;
}

/** CPython's _Py_HashDouble (the finite case): the value modulo 2**61 - 1, 28 bits at a time. */
function floatHash(v: number): bigint {
  if (Number.isNaN(v)) return 0n;
  if (!Number.isFinite(v)) return v > 0 ? 314159n : -314159n;
  if (Number.isInteger(v)) return intHash(BigInt(v));
  let m = Math.abs(v);
  // frexp: m in [0.5, 1), v = m * 2**e
  let e = Math.floor(Math.log2(m)) + 1;
  m = m / 2 ** e;
  while (m >= 1) (m /= 2), e++;
  while (m < 0.5) (m *= 2), e--;
  let x = 0n;
  while (m) {
    x = ((x << 28n) & MODULUS) | (x >> (BITS - 28n));
    m *= 268435456.0;
    e -= 28;
    const y = Math.floor(m);
    m -= y;
    x += BigInt(y);
    if (x >= MODULUS) x -= MODULUS;
  }
  const eb = BigInt(e >= 0 ? e % 61 : 61 - 1 - ((-1 - e) % 61));
  x = ((x << eb) & MODULUS) | (x >> (BITS - eb));
  if (v < 0) x = -x;
  if (x === -1n) x = -2n;
  return x;
}

/** A stable string hash (Python's is randomised per process, so any deterministic one behaves as some run of Python would). */
function strHash(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) h = ((h ^ BigInt(s.charCodeAt(i))) * 0x100000001b3n) & MASK64;
  const r = signed(h);
  return r === -1n ? -2n : r;
}

const XXPRIME_1 = 11400714785074694791n;
const XXPRIME_2 = 14029467366897019727n;
const XXPRIME_5 = 2870177450012600261n;

function tupleHash(items: readonly PyValue[]): bigint {
  let acc = XXPRIME_5;
  for (const item of items) {
    const lane = BigInt.asUintN(64, pyHash(item));
    acc = (acc + lane * XXPRIME_2) & MASK64;
    acc = ((acc << 31n) | (acc >> 33n)) & MASK64;
    acc = (acc * XXPRIME_1) & MASK64;
  }
  acc = (acc + (BigInt(items.length) ^ (XXPRIME_5 ^ 3527539n))) & MASK64;
  if (acc === MASK64) return 1546275796n;
  return signed(acc);
}

function objectHash(v: object): bigint {
  // _Py_HashPointer: the address rotated by 4 bits.
  const a = BigInt(addressOf(v));
  return signed((a >> 4n) | ((a << 60n) & MASK64));
}

/** A frozenset's hash (an order-independent mix of its elements' hashes). */
export function hashOfHashes(hashes: readonly bigint[]): bigint {
  const shuffle = (h: bigint) => (((h ^ 89869747n) ^ ((h << 16n) & MASK64)) * 3644798167n) & MASK64;
  let hash = 0n;
  for (const h of hashes) hash ^= shuffle(BigInt.asUintN(64, h));
  hash ^= ((BigInt(hashes.length) + 1n) * 1927868237n) & MASK64;
  hash ^= (hash >> 11n) ^ (hash >> 25n);
  hash = (hash * 69069n + 907133923n) & MASK64;
  if (hash === MASK64) hash = 590923713n;
  return signed(hash);
}

const unhashable = (v: PyValue) => new PyError('TypeError', `unhashable type: '${typeOf(v).name}'`);

/** Objects whose class defines `__hash__` (or disables it by defining `__eq__` alone). */
function customHash(v: PyInstance): bigint | null {
  const h = v.cls.lookup('__hash__');
  if (h === null) throw unhashable(v);
  if (h === undefined || v.cls.owner('__hash__')?.builtin) return null;
  const r = callBound(h, v, []);
  if (typeof r === 'bigint') return intHash(r);
  if (typeof r === 'boolean') return r ? 1n : 0n;
  throw new PyError('TypeError', '__hash__ method should return an integer');
}

/** Python's `hash(v)`. */
export function pyHash(v: PyValue): bigint {
  switch (typeof v) {
    case 'boolean':
      return v ? 1n : 0n;
    case 'bigint':
      return intHash(v);
    case 'number':
      return floatHash(v);
    case 'string':
      return strHash(v);
  }
  if (v === null) return objectHash(pyHash);
  if (Array.isArray(v)) throw unhashable(v);
  if (v instanceof PyTuple) return tupleHash(v.items);
  if (v instanceof PyInstance) {
    const h = customHash(v);
    if (h !== null) return h;
    return objectHash(v);
  }
  if (v instanceof PyObject) {
    const hashable = (v as { pyHash?: () => bigint }).pyHash;
    if (hashable) return hashable.call(v);
    if ((v as { unhashable?: boolean }).unhashable) throw unhashable(v);
  }
  return objectHash(v as object);
}

/** A key for objects with their own `__hash__`: looked up by hash, then compared with `__eq__`. */
export class CustomKey {
  constructor(readonly hash: bigint) {}
}

/**
 * The JavaScript Map key of a Python dict key: equal Python keys give the
 * same (SameValueZero) key. Strings are themselves (escaped when they start
 * with NUL, which marks encoded tuples), numbers equal to an int are that
 * int, tuples and frozensets are encoded as strings, other objects are
 * themselves (identity), or a CustomKey when their class hashes them.
 */
export function dictKey(v: PyValue): unknown {
  switch (typeof v) {
    case 'string':
      return v.charCodeAt(0) === 0 ? '\u0000s' + v : v;
    case 'bigint':
      return v;
    case 'boolean':
      return v ? 1n : 0n;
    case 'number':
      return Number.isInteger(v) ? BigInt(v) : v;
  }
  if (v === null) return null;
  if (Array.isArray(v)) throw unhashable(v);
  if (v instanceof PyTuple) return '\u0000t' + encode(v);
  if (v instanceof PyInstance) {
    const h = customHash(v);
    return h === null ? v : new CustomKey(h);
  }
  if (v instanceof PyObject) {
    const encoded = (v as { keyEncoding?: () => string }).keyEncoding;
    if (encoded) return '\u0000z' + encoded.call(v);
    if ((v as { unhashable?: boolean }).unhashable) throw unhashable(v);
  }
  return v;
}

/** An injective text form of a hashable value, for tuple and frozenset keys. */
export function encode(v: PyValue): string {
  switch (typeof v) {
    case 'string':
      return `s${v.length}:${v}`;
    case 'bigint':
      return `i${v}`;
    case 'boolean':
      return v ? 'i1' : 'i0';
    case 'number':
      return Number.isInteger(v) ? `i${BigInt(v)}` : `f${v}`;
  }
  if (v === null) return 'N';
  if (v instanceof PyTuple) return `t(${v.items.map(encode).join(',')})`;
  const k = dictKey(v);
  if (k instanceof CustomKey) return `h${k.hash}`;
  if (typeof k === 'string') return k;
  if (v instanceof Tensor || typeof v === 'object') return `o${addressOf(v as object)}`;
  return 'N';
}
