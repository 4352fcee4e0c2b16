/**
 * numpy 1.24's legacy `RandomState` (what `np.random.seed`, `rand`,
 * `randn`, `uniform`, `normal`, `randint`, `shuffle`, `permutation` and
 * `choice` use), bit for bit: mt19937 seeded by init_genrand (an int seed)
 * or init_by_array (a sequence), doubles from 27 + 26 bits of two words,
 * Marsaglia's polar Gaussian keeping its second value, and bounded integers
 * by masked rejection (numpy keeps that slower method for RandomState so
 * that old seeds give old streams).
 */
import { glibcLog } from './libm.js';
import { MT19937, STATE_WORDS } from './mt19937.js';

export class NumpyValueError extends Error {}

const MASK32 = 0xffffffffn;

export class RandomState {
  private readonly mt = new MT19937();
  private hasGauss = false;
  private gauss = 0;

  constructor(seed: number | bigint | readonly (number | bigint)[] = 0) {
    this.seed(seed);
  }

  /** `seed(s)`: an int in [0, 2^32) (init_genrand) or a non-empty 1-d sequence of them (init_by_array). */
  seed(seed: number | bigint | readonly (number | bigint)[]): void {
    if (Array.isArray(seed)) {
      if (seed.length === 0) throw new NumpyValueError('Seed must be non-empty');
      const key = seed.map((v) => BigInt(v));
      if (key.some((v) => v < 0n || v > MASK32)) throw new NumpyValueError('Seed must be between 0 and 2**32 - 1');
      this.initByArray(key.map(Number));
    } else {
      const s = BigInt(seed as number | bigint);
      if (s < 0n || s > MASK32) throw new NumpyValueError('Seed must be between 0 and 2**32 - 1');
      this.mt.seedWith(Number(s));
    }
    this.hasGauss = false;
    this.gauss = 0;
  }

  private initByArray(key: readonly number[]): void {
    const mt = this.mt.state;
    this.mt.seedWith(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(STATE_WORDS, key.length); k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= STATE_WORDS) {
        mt[0] = mt[STATE_WORDS - 1]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = STATE_WORDS - 1; k > 0; k--) {
      const prev = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= STATE_WORDS) {
        mt[0] = mt[STATE_WORDS - 1]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  private next32(): number {
    return this.mt.nextWord();
  }

  private next64(): bigint {
    const hi = this.next32();
    return (BigInt(hi) << 32n) | BigInt(this.next32());
  }

  /** A double in [0, 1) from 27 bits of one word and 26 of the next. */
  nextDouble(): number {
    const a = this.next32() >>> 5;
    const b = this.next32() >>> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }

  /** The polar method: one Gaussian per call, the pair's other value kept for the next. */
  nextGauss(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      const g = this.gauss;
      this.gauss = 0;
      return g;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2.0 * this.nextDouble() - 1.0;
      x2 = 2.0 * this.nextDouble() - 1.0;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 === 0.0);
    const f = Math.sqrt((-2.0 * glibcLog(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  randomSample(n: number): Float64Array {
    return Float64Array.from({ length: n }, () => this.nextDouble());
  }

  standardNormal(n: number): Float64Array {
    return Float64Array.from({ length: n }, () => this.nextGauss());
  }

  /** `uniform(low, high)`: low + (high - low) * u. */
  uniform(low: number, high: number, n: number): Float64Array {
    const range = high - low;
    if (!Number.isFinite(range)) throw new NumpyValueError('Range exceeds valid bounds');
    return Float64Array.from({ length: n }, () => low + range * this.nextDouble());
  }

  /** `normal(loc, scale)`: loc + scale * gauss. */
  normal(loc: number, scale: number, n: number): Float64Array {
    if (scale < 0) throw new NumpyValueError('scale < 0');
    return Float64Array.from({ length: n }, () => loc + scale * this.nextGauss());
  }

  /** One integer in [0, rng] by masked rejection (words of 32 bits when rng fits in them, of 64 otherwise). */
  private boundedMasked(rng: bigint): bigint {
    if (rng === 0n) return 0n;
    if (rng <= MASK32) {
      const r = Number(rng);
      if (r === 0xffffffff) return BigInt(this.next32());
      const mask = maskFor(r);
      let v: number;
      do v = (this.next32() & mask) >>> 0;
      while (v > r);
      return BigInt(v);
    }
    if (rng === 0xffffffffffffffffn) return this.next64();
    let mask = rng;
    for (const s of [1n, 2n, 4n, 8n, 16n, 32n]) mask |= mask >> s;
    let v: bigint;
    do v = this.next64() & mask;
    while (v > rng);
    return v;
  }

  /** `randint(low, high)` for int64 results: low + masked draw in [0, high - low - 1]. */
  randint(low: bigint, high: bigint, n: number): BigInt64Array {
    if (low >= high) throw new NumpyValueError('low >= high');
    const rng = high - low - 1n;
    return BigInt64Array.from({ length: n }, () => BigInt.asIntN(64, low + this.boundedMasked(rng)));
  }

  /** `randint(low, high, dtype=bool)`: one bit per draw from a buffered word. */
  randintBool(low: number, high: number, n: number): boolean[] {
    if (low >= high) throw new NumpyValueError('low >= high');
    const rng = high - low - 1;
    const out: boolean[] = [];
    let buffer = 0;
    let bits = 0;
    for (let i = 0; i < n; i++) {
      if (rng === 0) {
        out.push(low !== 0);
        continue;
      }
      if (bits === 0) {
        buffer = this.next32();
        bits = 31;
      } else {
        buffer >>>= 1;
        bits--;
      }
      out.push((buffer & 1) !== 0);
    }
    return out;
  }

  /** `random_interval(max)`: an integer in [0, max] by masked rejection. */
  private interval(max: number): number {
    if (max === 0) return 0;
    return Number(this.boundedMasked(BigInt(max)));
  }

  /** `shuffle(x)` of a 1-d array, in place: Fisher-Yates from the end. */
  shuffle<T extends { length: number; [i: number]: unknown }>(x: T): void {
    for (let i = x.length - 1; i >= 1; i--) {
      const j = this.interval(i);
      const saved = x[j];
      x[j] = x[i];
      x[i] = saved;
    }
  }

  /** `permutation(n)`: arange(n) shuffled. */
  permutation(n: number): BigInt64Array {
    const a = BigInt64Array.from({ length: n }, (_, i) => BigInt(i));
    this.shuffle(a);
    return a;
  }

  /**
   * `choice(n, size, replace, p)` over range(n): uniform with replacement is
   * randint; with p, a search in the normalised cumulative sums; without
   * replacement and p, a prefix of a permutation; with p, repeated rounds of
   * draws that drop the indices already found.
   */
  choice(n: number, size: number, replace: boolean, p: readonly number[] | null): BigInt64Array {
    if (n <= 0 && size !== 0) throw new NumpyValueError('a must be greater than 0 unless no samples are taken');
    if (p !== null) {
      if (p.length !== n) throw new NumpyValueError("'a' and 'p' must have same size");
      const total = kahanSum(p);
      if (Number.isNaN(total)) throw new NumpyValueError('probabilities contain NaN');
      if (p.some((v) => v < 0)) throw new NumpyValueError('probabilities are not non-negative');
      if (Math.abs(total - 1) > Math.sqrt(2.220446049250313e-16)) throw new NumpyValueError('probabilities do not sum to 1');
    }
    if (replace) {
      if (p === null) return this.randint(0n, BigInt(n), size);
      const cdf = normalisedCumsum(p);
      return BigInt64Array.from(this.randomSample(size), (u) => BigInt(searchRight(cdf, u)));
    }
    if (size > n) throw new NumpyValueError("Cannot take a larger sample than population when 'replace=False'");
    if (p === null) return this.permutation(n).slice(0, size);
    if (p.filter((v) => v > 0).length < size) throw new NumpyValueError('Fewer non-zero entries in p than size');
    const weights = [...p];
    const found: number[] = [];
    while (found.length < size) {
      const x = this.randomSample(size - found.length);
      for (const k of found) weights[k] = 0;
      const cdf = normalisedCumsum(weights);
      const drawn = Array.from(x, (u) => searchRight(cdf, u));
      // np.unique(return_index=True), the indices sorted: each new value at its first position.
      const firstAt = new Map<number, number>();
      drawn.forEach((v, i) => {
        if (!firstAt.has(v)) firstAt.set(v, i);
      });
      const order = [...firstAt.entries()].sort((a, b) => a[1] - b[1]).map(([v]) => v);
      found.push(...order);
    }
    return BigInt64Array.from(found.slice(0, size), (v) => BigInt(v));
  }

  /** The state as numpy's get_state() gives it: key (uint32 LE), pos (int32), has_gauss (int32), gauss (double). */
  stateBytes(): Uint8Array {
    const bytes = new Uint8Array(4 * STATE_WORDS + 16);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < STATE_WORDS; i++) view.setUint32(4 * i, this.mt.state[i]!, true);
    // numpy's `pos` is the index of the next word; 624 means "regenerate first".
    view.setInt32(4 * STATE_WORDS, this.mt.left === 1 ? STATE_WORDS : this.mt.next, true);
    view.setInt32(4 * STATE_WORDS + 4, this.hasGauss ? 1 : 0, true);
    view.setFloat64(4 * STATE_WORDS + 8, this.gauss, true);
    return bytes;
  }
}

function maskFor(max: number): number {
  let mask = max;
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  return mask >>> 0;
}

/** numpy's kahan_sum of the probabilities (what choice compares with 1). */
function kahanSum(values: readonly number[]): number {
  if (values.length === 0) return 0;
  let sum = values[0]!;
  let c = 0;
  for (let i = 1; i < values.length; i++) {
    const y = values[i]! - c;
    const t = sum + y;
    c = t - sum - y;
    sum = t;
  }
  return sum;
}

function normalisedCumsum(p: readonly number[]): Float64Array {
  const cdf = new Float64Array(p.length);
  let s = 0;
  p.forEach((v, i) => (cdf[i] = s += v));
  const last = cdf[cdf.length - 1]!;
  for (let i = 0; i < cdf.length; i++) cdf[i] = cdf[i]! / last;
  return cdf;
}

/** searchsorted(side='right'): the number of entries <= x. */
function searchRight(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
