/**
 * Python's `random` module (not torch's generator): CPython 3.11's
 * Mersenne Twister, its seeding of ints (init_by_array over the int's
 * 32-bit words) and the algorithms of random(), uniform, randint,
 * randrange, choice, choices, shuffle, sample, gauss and normalvariate,
 * so that `random.seed(1337)` gives the numbers CPython gives. A script
 * that never seeds gets a fixed seed (0) where CPython would take one
 * from the operating system: its runs repeat.
 */
import { LimitError, PyError } from '../tensor/errors.js';
import { len, toFloatValue } from '../program/builtins.js';
import { UnsupportedError } from '../program/errors.js';
import { pyHash } from '../program/hash.js';
import { iterate } from '../program/iteration.js';
import { libm } from '../program/libm.js';
import { registerLibrary } from '../program/modules.js';
import { binary, compare, MAX_SEQUENCE, truthy } from '../program/operators.js';
import { tick, warn } from '../program/objects.js';
import { exceptionClassNamed } from '../program/exceptions.js';
import { getItem } from '../program/subscript.js';
import { Builtin, PyInstance, PyRange, PyTuple, typeOf, type CallArgs, type PyValue } from '../program/values.js';

const N = 624;
const M = 397;

/** One MT19937 state (CPython's _random.Random). */
class MersenneTwister {
  private readonly mt = new Uint32Array(N);
  private index = N + 1;
  gaussNext: number | null = null;

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      // 1812433253 * prev + i, modulo 2^32 (split to stay exact in doubles)
      mt[i] = (((((prev & 0xffff0000) >>> 16) * 1812433253) << 16) + (prev & 0x0000ffff) * 1812433253 + i) >>> 0;
    }
    this.index = N;
  }

  /** CPython's init_by_array. */
  seedWords(key: number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    const mul = (a: number, b: number) => ((((a & 0xffff0000) >>> 16) * b) << 16) + (a & 0x0000ffff) * b;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ mul(prev, 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ mul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
    this.index = N;
    this.gaussNext = null;
  }

  uint32(): number {
    const mt = this.mt;
    if (this.index >= N) {
      for (let k = 0; k < N; k++) {
        const y = (mt[k]! & 0x80000000) | (mt[(k + 1) % N]! & 0x7fffffff);
        mt[k] = mt[(k + M) % N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  random(): number {
    const a = this.uint32() >>> 5;
    const b = this.uint32() >>> 6;
    return (a * 67108864 + b) * (1 / 9007199254740992);
  }

  getrandbits(k: number): bigint {
    if (k <= 32) return BigInt(this.uint32() >>> (32 - k));
    let result = 0n;
    let shift = 0n;
    for (let left = k; left > 0; left -= 32) {
      let r = this.uint32();
      if (left < 32) r >>>= 32 - left;
      result |= BigInt(r) << shift;
      shift += 32n;
    }
    return result;
  }

  /** _randbelow_with_getrandbits. */
  below(n: bigint): bigint {
    const k = n.toString(2).length;
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }
}

const typeError = (m: string) => new PyError('TypeError', m);
const valueError = (m: string) => new PyError('ValueError', m);

function intArg(v: PyValue | undefined, what = 'integer'): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'number' && Number.isInteger(v)) throw typeError(`'float' object cannot be interpreted as an integer`);
  throw typeError(`'${typeOf(v ?? null).name}' object cannot be interpreted as an ${what}`);
}

function seed(g: MersenneTwister, a: PyValue | undefined): void {
  if (a === undefined || a === null) return g.seedWords([0]);
  let n: bigint;
  if (typeof a === 'bigint') n = a;
  else if (typeof a === 'boolean' || typeof a === 'number') n = pyHash(a);
  else if (typeof a === 'string') throw new UnsupportedError('random.seed of a str is not supported (ints and floats only)');
  else throw typeError('The only supported seed types are: None,\nint, float, str, bytes, and bytearray.');
  if (n < 0n) n = -n;
  const words: number[] = [];
  while (n > 0n) {
    words.push(Number(n & 0xffffffffn));
    n >>= 32n;
  }
  g.seedWords(words.length ? words : [0]);
}

/** randrange's argument: an int, or (deprecated since 3.10, warned) a float with an integral value. */
function rangeArg(v: PyValue, which: string, direct: boolean): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'number' && Number.isFinite(v)) {
    if (!Number.isInteger(v)) {
      if (direct) warn('randrange() will raise TypeError in the future', exceptionClassNamed('DeprecationWarning'));
      throw valueError(`non-integer ${which} for randrange()`);
    }
    if (direct) warn('non-integer arguments to randrange() have been deprecated since Python 3.10 and will be removed in a subsequent version', exceptionClassNamed('DeprecationWarning'));
    return BigInt(v);
  }
  if (typeof v === 'number') throw new PyError(Number.isNaN(v) ? 'ValueError' : 'OverflowError', Number.isNaN(v) ? 'cannot convert float NaN to integer' : 'cannot convert float infinity to integer');
  throw typeError(`int() argument must be a string, a bytes-like object or a real number, not '${typeOf(v).name}'`);
}

/** Random.randrange (`direct`: called by the script, whose line a DeprecationWarning names; randint calls it from random.py). */
function randrange(g: MersenneTwister, start: PyValue, stop: PyValue | undefined, step: PyValue | undefined, direct: boolean): bigint {
  const istart = rangeArg(start, 'arg 1', direct);
  if (stop === undefined || stop === null) {
    if (step !== undefined) throw typeError('Missing a non-None stop argument');
    if (istart > 0n) return g.below(istart);
    throw valueError('empty range for randrange()');
  }
  const istop = rangeArg(stop, 'stop', direct);
  const width = istop - istart;
  const istep = step === undefined ? 1n : rangeArg(step, 'step', direct);
  if (istep === 1n) {
    if (width > 0n) return istart + g.below(width);
    throw valueError(`empty range for randrange() (${istart}, ${istop}, ${width})`);
  }
  let n: bigint;
  if (istep > 0n) n = (width + istep - 1n) / istep;
  else if (istep < 0n) n = (width + istep + 1n) / istep;
  else throw valueError('zero step for randrange()');
  if (n <= 0n) throw valueError('empty range for randrange()');
  return istart + istep * g.below(n);
}

/** A population that sample() accepts (collections.abc.Sequence: list, tuple, str, range). */
function population(v: PyValue | undefined): { n: number; at(i: number): PyValue; all(): PyValue[] } {
  // collections.deque is registered as a Sequence too (replay memories sample from one).
  const deque = v instanceof PyInstance && v.cls.mro.some((c) => c.module === 'collections' && c.name === 'deque');
  if (Array.isArray(v) || v instanceof PyTuple || typeof v === 'string' || v instanceof PyRange || deque) {
    const n = Number(len(v));
    return { n, at: (i) => getItem(v, BigInt(i)), all: () => [...iterate(v)] };
  }
  throw typeError('Population must be a sequence.  For dicts or sets, use sorted(d).');
}

function tooLong(k: number): void {
  if (k > MAX_SEQUENCE) throw new LimitError(`a sequence of ${k} items is longer than dzdx's limit of ${MAX_SEQUENCE}`);
}

function makeModule(gen: () => MersenneTwister): Map<string, PyValue> {
  const attrs = new Map<string, PyValue>();
  const def = (name: string, fn: (call: CallArgs, g: MersenneTwister) => PyValue) =>
    attrs.set(name, new Builtin(name, (call) => fn(call, gen()), undefined, 'random'));
  def('seed', (c, g) => {
    seed(g, c.args[0] ?? c.kwargs.get('a'));
    return null;
  });
  def('random', (_c, g) => g.random());
  def('getrandbits', (c, g) => {
    const k = intArg(c.args[0]);
    if (k < 0n) throw valueError('number of bits must be non-negative');
    return k === 0n ? 0n : g.getrandbits(Number(k));
  });
  def('uniform', (c, g) => {
    const a = toFloatValue(c.args[0] ?? c.kwargs.get('a') ?? null);
    const b = toFloatValue(c.args[1] ?? c.kwargs.get('b') ?? null);
    return a + (b - a) * g.random();
  });
  def('randint', (c, g) => {
    const [a, b] = c.args;
    if (a === undefined || b === undefined) throw typeError(`Random.randint() missing ${a === undefined ? 2 : 1} required positional argument${a === undefined ? 's' : ''}: ${a === undefined ? "'a' and 'b'" : "'b'"}`);
    return randrange(g, a, binary('+', b, 1n), undefined, false);
  });
  def('randrange', (c, g) => randrange(g, c.args[0] ?? c.kwargs.get('start') ?? null, c.args[1] ?? c.kwargs.get('stop'), c.args[2] ?? c.kwargs.get('step'), true));
  def('choice', (c, g) => {
    const seq = c.args[0]!;
    const n = len(seq);
    if (n === 0n) throw new PyError('IndexError', 'Cannot choose from an empty sequence');
    return getItem(seq, g.below(n));
  });
  def('shuffle', (c, g) => {
    const x = c.args[0];
    if (!Array.isArray(x)) throw new UnsupportedError(`random.shuffle of a ${typeOf(x ?? null).name} is not supported (lists only)`);
    for (let i = x.length - 1; i > 0; i--) {
      const j = Number(g.below(BigInt(i + 1)));
      [x[i], x[j]] = [x[j]!, x[i]!];
    }
    return null;
  });
  def('sample', (c, g) => {
    const pop = population(c.args[0] ?? c.kwargs.get('population'));
    const k = Number(intArg(c.args[1] ?? c.kwargs.get('k')));
    const n = pop.n;
    if (k < 0 || k > n) throw valueError('Sample larger than population or is negative');
    tooLong(k);
    const result: PyValue[] = new Array(k).fill(null);
    let setsize = 21;
    if (k > 5) setsize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4));
    if (n <= setsize) {
      const pool = pop.all();
      for (let i = 0; i < k; i++) {
        const j = Number(g.below(BigInt(n - i)));
        result[i] = pool[j]!;
        pool[j] = pool[n - i - 1]!;
      }
    } else {
      const selected = new Set<number>();
      for (let i = 0; i < k; i++) {
        let j = Number(g.below(BigInt(n)));
        while (selected.has(j)) {
          tick();
          j = Number(g.below(BigInt(n)));
        }
        selected.add(j);
        result[i] = pop.at(j);
      }
    }
    return result;
  });
  def('choices', (c, g) => {
    const seq = c.args[0] ?? c.kwargs.get('population') ?? null;
    const n = Number(len(seq));
    const pick = (i: number) => getItem(seq, BigInt(i));
    const weights = c.args[1] ?? c.kwargs.get('weights') ?? null;
    let cum = c.kwargs.get('cum_weights') ?? null;
    const k = Number(intArg(c.kwargs.get('k') ?? 1n));
    tooLong(k);
    if (cum === null) {
      if (weights === null) return Array.from({ length: k }, () => pick(Math.floor(g.random() * n)));
      let acc: PyValue | null = null;
      cum = [...iterate(weights)].map((w) => (acc = acc === null ? w : binary('+', acc, w)));
    } else if (weights !== null) {
      throw typeError('Cannot specify both weights and cumulative weights');
    }
    const cw = [...iterate(cum)];
    if (cw.length !== n) throw valueError('The number of weights does not match the population');
    const total = toFloatValue(cw[cw.length - 1]!);
    if (total <= 0) throw valueError('Total of weights must be greater than zero');
    return Array.from({ length: k }, () => {
      const x = g.random() * total;
      // bisect_right(cum, x, 0, n - 1)
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (truthy(compare('<', x, cw[mid]!))) hi = mid;
        else lo = mid + 1;
      }
      return pick(lo);
    });
  });
  def('gauss', (c, g) => {
    const mu = c.args[0] ?? c.kwargs.get('mu') ?? 0;
    const sigma = c.args[1] ?? c.kwargs.get('sigma') ?? 1;
    let z = g.gaussNext;
    g.gaussNext = null;
    if (z === null) {
      const x2pi = g.random() * (2 * Math.PI);
      const g2rad = Math.sqrt(-2 * libm.log(1 - g.random()));
      z = libm.cos(x2pi) * g2rad;
      g.gaussNext = libm.sin(x2pi) * g2rad;
    }
    return toFloatValue(mu) + z * toFloatValue(sigma);
  });
  def('expovariate', (c, g) => {
    const lambd = toFloatValue(c.args[0] ?? c.kwargs.get('lambd') ?? null);
    if (lambd === 0) throw new PyError('ZeroDivisionError', 'float division by zero');
    return -libm.log(1 - g.random()) / lambd;
  });
  def('triangular', (c, g) => {
    let low = toFloatValue(c.args[0] ?? c.kwargs.get('low') ?? 0);
    let high = toFloatValue(c.args[1] ?? c.kwargs.get('high') ?? 1);
    const mode = c.args[2] ?? c.kwargs.get('mode') ?? null;
    let u = g.random();
    if (high === low && mode !== null) return low;
    let cc = mode === null ? 0.5 : (toFloatValue(mode) - low) / (high - low);
    if (u > cc) {
      u = 1 - u;
      cc = 1 - cc;
      [low, high] = [high, low];
    }
    return low + (high - low) * Math.sqrt(u * cc);
  });
  def('normalvariate', (c, g) => {
    const mu = toFloatValue(c.args[0] ?? c.kwargs.get('mu') ?? 0);
    const sigma = toFloatValue(c.args[1] ?? c.kwargs.get('sigma') ?? 1);
    const magic = (4 * libm.exp(-0.5)) / Math.sqrt(2);
    for (;;) {
      tick();
      const u1 = g.random();
      const u2 = 1 - g.random();
      const z = (magic * (u1 - 0.5)) / u2;
      if ((z * z) / 4 <= -libm.log(u2)) return mu + z * sigma;
    }
  });
  return attrs;
}

registerLibrary({
  name: 'pyrandom',
  install(modules) {
    // the run's generator, seeded when first used
    let g: MersenneTwister | null = null;
    const gen = () => {
      if (!g) {
        g = new MersenneTwister();
        g.seedWords([0]);
      }
      return g;
    };
    const m = modules.module('random');
    for (const [k, v] of makeModule(gen)) m.attrs.set(k, v);
  },
});
