/**
 * PyTorch 1.13's CPU random kernels (aten/src/ATen/native/cpu/
 * DistributionTemplates.h, DistributionsHelper.h, TransformationHelper.h),
 * each drawing from a Generator exactly as the C++ does. A kernel returns
 * the values in the order it visits the elements (see `visitOrder` for how
 * that order follows the target's strides); callers store them.
 *
 * The AVX2 build of those kernels, which PyTorch picks on this machine's
 * CPUs, is compiled with -mfma, and GCC then fuses `x * (to - from) + from`
 * and `value * std + mean` into fused multiply-adds: so do these.
 */
import { fma32, logf, sincosf } from './avx-mathfun.js';
import type { Generator } from './generator.js';
import { fma, glibcCos, glibcLog, glibcSin } from './libm.js';

export type FloatDType = 'float32' | 'float64';
export type RandomDType = FloatDType | 'int64' | 'uint8' | 'bool';

const fr = Math.fround;
const TWO_POW_M24 = 2 ** -24;
const TWO_POW_M53 = 2 ** -53;
const TWO_PI = 2 * Math.PI;
const TWO_PI_F = fr(2 * Math.PI);

/** `uniform_real_distribution<float>`: 24 random bits of one word, as a float in [0, 1). */
function uniformFloatBits(gen: Generator): number {
  return (gen.random() & 0xffffff) * TWO_POW_M24;
}

/** `uniform_real_distribution<double>`: 53 random bits of random64(), as a double in [0, 1). */
function uniformDouble(gen: Generator): number {
  return gen.random53() * TWO_POW_M53;
}

/** `uniform_(from, to)`: float32 from one word, float64 from random64(), scaled with one rounding (FMA). */
export function uniform(gen: Generator, n: number, from: number, to: number, dtype: FloatDType): Float64Array {
  const out = new Float64Array(n);
  if (dtype === 'float32') {
    const lo = fr(from);
    const range = fr(fr(to) - lo);
    for (let i = 0; i < n; i++) out[i] = fma32(uniformFloatBits(gen), range, lo);
  } else {
    const range = to - from;
    for (let i = 0; i < n; i++) out[i] = fma(uniformDouble(gen), range, from);
  }
  return out;
}

/**
 * One `normal_distribution<double>(mean, std)` draw: Box-Muller on two
 * doubles, returning r cos(theta) and caching r sin(theta) in the
 * generator for the next draw.
 */
function normalScalar(gen: Generator, mean: number, std: number): number {
  let ret: number;
  if (gen.nextDoubleNormal !== null) {
    ret = gen.nextDoubleNormal;
    gen.nextDoubleNormal = null;
  } else {
    const u1 = uniformDouble(gen);
    const u2 = uniformDouble(gen);
    const r = Math.sqrt(-2.0 * glibcLog(1.0 - u2));
    const theta = TWO_PI * u1;
    gen.nextDoubleNormal = r * glibcSin(theta);
    ret = r * glibcCos(theta);
  }
  return fma(ret, std, mean);
}

/** normal_fill_16 in double: 8 pairs (data[j], data[j + 8]) of uniforms become 16 normals. */
function normalFill16Double(data: Float64Array, at: number, mean: number, std: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = 1 - data[at + j]!;
    const u2 = data[at + j + 8]!;
    const radius = Math.sqrt(-2 * glibcLog(u1));
    const theta = TWO_PI * u2;
    data[at + j] = fma(radius * glibcCos(theta), std, mean);
    data[at + j + 8] = fma(radius * glibcSin(theta), std, mean);
  }
}

/** normal_fill_16_AVX2: the same in float32 lanes with avx_mathfun's log and sincos. */
function normalFill16Float(data: Float64Array, at: number, mean: number, std: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = fr(1 - data[at + j]!);
    const u2 = data[at + j + 8]!;
    const radius = fr(Math.sqrt(fr(-2 * logf(u1))));
    const [sin, cos] = sincosf(fr(TWO_PI_F * u2));
    data[at + j] = fma32(fr(radius * cos), std, mean);
    data[at + j + 8] = fma32(fr(radius * sin), std, mean);
  }
}

/**
 * `normal_(mean, std)`. A contiguous target of 16 elements or more is
 * filled with uniforms first and transformed 16 at a time (when the count
 * is not a multiple of 16, the last 16 are drawn again and transformed
 * again); anything else draws one scalar Box-Muller value per element.
 */
export function normal(gen: Generator, n: number, mean: number, std: number, dtype: FloatDType, contiguous: boolean): Float64Array {
  const out = new Float64Array(n);
  if (n >= 16 && contiguous) {
    const single = dtype === 'float32';
    const draw = single ? () => uniformFloatBits(gen) : () => uniformDouble(gen);
    const fill16 = single ? normalFill16Float : normalFill16Double;
    const [m, s] = single ? [fr(mean), fr(std)] : [mean, std];
    for (let i = 0; i < n; i++) out[i] = draw();
    for (let i = 0; i + 16 <= n; i += 16) fill16(out, i, m, s);
    if (n % 16 !== 0) {
      for (let i = n - 16; i < n; i++) out[i] = draw();
      fill16(out, n - 16, m, s);
    }
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = normalScalar(gen, mean, std);
  if (dtype === 'float32') for (let i = 0; i < n; i++) out[i] = fr(out[i]!);
  return out;
}

/** `exponential_(lambd)`: -1/lambda * log(1 - u) in double, u from random64(). */
export function exponential(gen: Generator, n: number, lambda: number, dtype: FloatDType): Float64Array {
  const out = new Float64Array(n);
  const scale = -1.0 / lambda;
  for (let i = 0; i < n; i++) out[i] = scale * glibcLog(1.0 - uniformDouble(gen));
  if (dtype === 'float32') for (let i = 0; i < n; i++) out[i] = fr(out[i]!);
  return out;
}

/** `bernoulli_(p)` with a number p: a double uniform below p is a success. */
export function bernoulliScalar(gen: Generator, n: number, p: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = uniformDouble(gen) < p ? 1 : 0;
  return out;
}

/**
 * `bernoulli_(p)` with a tensor p (given in visiting order): double
 * probabilities draw double uniforms, float32 ones 24-bit float uniforms.
 */
export function bernoulliTensor(gen: Generator, probs: ArrayLike<number>, pDtype: FloatDType): Float64Array {
  const out = new Float64Array(probs.length);
  const draw = pDtype === 'float64' ? () => uniformDouble(gen) : () => uniformFloatBits(gen);
  for (let i = 0; i < probs.length; i++) out[i] = draw() < probs[i]! ? 1 : 0;
  return out;
}

const TWO_POW_32 = 1n << 32n;

/**
 * `random_(from, to)`: (word % range) + from, the word being random64()
 * when the range needs 32 bits or more and the dtype is 64-bit capable,
 * random() otherwise. Exact integers (int64 arithmetic wraps as in C++).
 */
export function randomFromTo(gen: Generator, n: number, range: bigint, base: bigint, dtype: RandomDType): BigInt64Array {
  const out = new BigInt64Array(n);
  if (range >= TWO_POW_32 && dtype !== 'bool') {
    for (let i = 0; i < n; i++) out[i] = BigInt.asIntN(64, (gen.random64() % range) + base);
  } else {
    const r = Number(range);
    const b = Number(base);
    const small = Number.isSafeInteger(b) && Math.abs(b) < 2 ** 52;
    for (let i = 0; i < n; i++) {
      const word = gen.random();
      out[i] = small ? BigInt((word % r) + b) : BigInt.asIntN(64, BigInt(word % r) + base);
    }
  }
  return out;
}

/** `random_(-2**63, None)` (the whole int64 range): random64() reinterpreted as signed. */
export function randomFullRange(gen: Generator, n: number): BigInt64Array {
  const out = new BigInt64Array(n);
  for (let i = 0; i < n; i++) out[i] = BigInt.asIntN(64, gen.random64());
  return out;
}

/**
 * `random_()`: [0, 2^63 - 1] for int64, [0, 2^24] for float32, [0, 2^53]
 * for float64, [0, 255] for uint8 (each modulo its bound plus one), the low
 * bit for bool.
 */
export function randomDefault(gen: Generator, n: number, dtype: RandomDType): BigInt64Array {
  const out = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    if (dtype === 'int64') out[i] = gen.random64() & 0x7fffffffffffffffn;
    else if (dtype === 'float64') out[i] = gen.random64() % ((1n << 53n) + 1n);
    else if (dtype === 'float32') out[i] = BigInt(gen.random() % (2 ** 24 + 1));
    else if (dtype === 'uint8') out[i] = BigInt(gen.random() & 0xff);
    else out[i] = BigInt(gen.random() & 1);
  }
  return out;
}

/** `randperm(n)`: from the identity, swap entry i with one of i..n-1 chosen by random() % (n - i). */
export function randperm(gen: Generator, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = 0; i < n - 1; i++) {
    const z = gen.random() % (n - i);
    const saved = out[i]!;
    out[i] = out[z + i]!;
    out[z + i] = saved;
  }
  return out;
}

/**
 * multinomial with replacement, one row: the cumulative sums in the
 * probabilities' dtype, normalised by their total (null when it is not
 * positive), the last set to 1; each
 * sample is a double uniform placed by binary search (first bucket whose
 * cumulative probability is not below it).
 */
export function multinomialRow(gen: Generator, probs: ArrayLike<number>, samples: number, dtype: FloatDType): Float64Array | null {
  const round = dtype === 'float32' ? fr : (v: number) => v;
  const k = probs.length;
  const cumulative = new Float64Array(k);
  let sum = 0;
  for (let j = 0; j < k; j++) {
    sum = round(sum + probs[j]!);
    cumulative[j] = sum;
  }
  if (!(sum > 0)) return null;
  for (let j = 0; j < k; j++) cumulative[j] = round(cumulative[j]! / sum);
  cumulative[k - 1] = 1;
  const out = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    const u = uniformDouble(gen);
    let left = 0;
    let right = k;
    while (right - left > 0) {
      const mid = left + Math.floor((right - left) / 2);
      if (cumulative[mid]! < u) left = mid + 1;
      else right = mid;
    }
    out[s] = left;
  }
  return out;
}

/**
 * The order in which TensorIterator visits the elements of tensors of
 * `shape` with the given strides (the output first): dimensions sorted from
 * the smallest stride, the output's strides deciding first. Returns the
 * row-major (logical) index of each element in visiting order.
 */
export function visitOrder(shape: readonly number[], stridesOfOperands: readonly (readonly number[])[]): Int32Array {
  const nd = shape.length;
  const perm = Array.from({ length: nd }, (_, i) => nd - 1 - i);
  const shouldSwap = (d0: number, d1: number): number => {
    for (const strides of stridesOfOperands) {
      const s0 = strides[d0]!;
      const s1 = strides[d1]!;
      if (s0 === 0 || s1 === 0) continue;
      if (s0 < s1) return -1;
      if (s0 > s1) return 1;
      if (shape[d0]! > shape[d1]!) return 1;
    }
    return 0;
  };
  for (let i = 1; i < nd; i++) {
    let d1 = i;
    for (let d0 = i - 1; d0 >= 0; d0--) {
      const c = shouldSwap(perm[d0]!, perm[d1]!);
      if (c > 0) {
        [perm[d0], perm[d1]] = [perm[d1]!, perm[d0]!];
        d1 = d0;
      } else if (c < 0) break;
    }
  }
  const n = shape.reduce((a, b) => a * b, 1);
  const rowMajor = new Array<number>(nd);
  for (let d = nd - 1, s = 1; d >= 0; d--) {
    rowMajor[d] = s;
    s *= shape[d]!;
  }
  const out = new Int32Array(n);
  const index = new Array<number>(nd).fill(0);
  let linear = 0;
  for (let i = 0; i < n; i++) {
    out[i] = linear;
    for (const d of perm) {
      index[d]!++;
      linear += rowMajor[d]!;
      if (index[d]! < shape[d]!) break;
      linear -= rowMajor[d]! * shape[d]!;
      index[d] = 0;
    }
  }
  return out;
}
