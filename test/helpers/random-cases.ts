/**
 * The cases of tools/record-random.py run with dzdx's random library: the
 * same calls, inputs, seeds and hashing, so that test/random.test.ts can
 * compare with the recorded PyTorch and numpy results without them.
 */
import { createHash } from 'node:crypto';
import { Tensor } from '../../src/autograd/tensor.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import '../../src/ops/index.js';
import * as F from '../../src/ops/functional.js';
import { NDArray } from '../../src/tensor/ndarray.js';
import type { DType } from '../../src/tensor/dtype.js';
import { Generator } from '../../src/random/generator.js';
import * as K from '../../src/random/torch-kernels.js';
import * as R from '../../src/random/torch-random.js';
import { RandomState } from '../../src/random/numpy-random.js';

export interface TorchCase {
  id: string;
  fn: string;
  dtype: DType;
  size: number;
  layout: 'contiguous' | 'strided' | 'transposed';
  generator: boolean;
}

export interface NumpyCase {
  id: string;
  fn: string;
  size: number;
}

const FACTORS: Record<number, [number, number]> = { 15: [3, 5], 16: [4, 4], 100: [10, 10], 1000: [20, 50] };

const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));
const meanValues = (n: number) => range(n, (i) => (i % 7) - 3);
const stdValues = (n: number) => range(n, (i) => 0.5 + (i % 5) * 0.25);
const probValues = (n: number) => range(n, (i) => (i % 11) / 10);
const weightValues = (n: number) => range(n, (i) => 1 + ((i * 7) % 5));
const sparseWeightValues = (n: number) => range(n, (i) => (i % 97 === 1 ? 1 + (i % 4) : 0));

const tensorOf = (values: number[], dtype: DType, shape: readonly number[] = [values.length]) =>
  new Tensor(NDArray.fromValues(values, shape, dtype));

function target(n: number, dtype: DType, layout: TorchCase['layout']): Tensor {
  if (layout === 'strided') return F.slice(tensorOf(new Array(2 * n).fill(0), dtype), { dim: 0, start: null, stop: null, step: 2 });
  if (layout === 'transposed') {
    const [a, b] = FACTORS[n]!;
    return F.t(tensorOf(new Array(n).fill(0), dtype, [b, a]));
  }
  return tensorOf(new Array(n).fill(0), dtype);
}

/** Result bytes of one case: its values (row-major, little-endian, in its dtype) or exact int64s. */
function bytesOf(values: ArrayLike<number> | BigInt64Array, dtype: DType): Uint8Array {
  if (values instanceof BigInt64Array) return new Uint8Array(values.buffer.slice(0));
  if (dtype === 'float32') return new Uint8Array(Float32Array.from(values).buffer);
  if (dtype === 'float64') return new Uint8Array(Float64Array.from(values).buffer);
  if (dtype === 'bool') return Uint8Array.from(values);
  return new Uint8Array(BigInt64Array.from(Array.from(values, (v) => BigInt(v))).buffer);
}

/** The result of one torch case after seeding, and the generator it drew from. */
export function runTorchCase(c: TorchCase, seed: bigint): { result: Uint8Array; values: (number | bigint)[]; dtype: DType; state: Uint8Array } {
  const { fn, dtype, size: n, layout } = c;
  let g: Generator;
  if (c.generator) g = new Generator(seed);
  else g = R.resetDefaultGenerator(seed);
  const o: R.DrawOptions = c.generator ? { generator: g } : {};
  const od = { ...o, dtype };
  let r: Tensor | BigInt64Array;
  const mult = (w: Tensor, k: number, repl: boolean) => R.multinomial(w, k, repl, o);
  switch (fn) {
    case 'rand': r = R.rand([n], od); break;
    case 'randn': r = R.randn([n], od); break;
    case 'rand_like': r = R.randLike(tensorOf(new Array(n).fill(0), dtype)); break;
    case 'randn_like': r = R.randnLike(tensorOf(new Array(n).fill(0), dtype)); break;
    case 'randint': r = R.randint(-3n, 7n, [n], od); break;
    case 'randint_high': r = R.randint(0n, 1000n, [n], od); break;
    case 'randint_large': r = R.randint(-(2n ** 40n), 2n ** 41n + 3n, [n], od); break;
    case 'randint_like': r = R.randintLike(tensorOf(new Array(n).fill(0), dtype), 2n, 9n); break;
    case 'randperm': r = R.randperm(n, od); break;
    case 'normal_numbers': r = R.normal(0.5, 2.0, [n], od); break;
    case 'normal_mean_tensor': r = R.normal(tensorOf(meanValues(n), dtype), 0.7, null, o); break;
    case 'normal_std_tensor': r = R.normal(1.5, tensorOf(stdValues(n), dtype), null, o); break;
    case 'normal_tensors': r = R.normal(tensorOf(meanValues(n), dtype), tensorOf(stdValues(n), dtype), null, o); break;
    case 'bernoulli_tensor': r = R.bernoulli(tensorOf(probValues(n), dtype), null, o); break;
    case 'bernoulli_number': r = R.bernoulli(tensorOf(new Array(n).fill(0), dtype), 0.3, o); break;
    case 'multinomial_replacement': r = mult(tensorOf(weightValues(n), dtype), 7, true); break;
    case 'multinomial_no_replacement': r = mult(tensorOf(weightValues(n), dtype), Math.min(n, 3), false); break;
    case 'multinomial_sparse': r = mult(tensorOf(sparseWeightValues(n), dtype), Math.min(n, 8), false); break;
    case 'multinomial_one': r = mult(tensorOf(weightValues(n), dtype), 1, true); break;
    case 'multinomial_rows': {
      const w = weightValues(n);
      r = mult(tensorOf([...w, ...[...w].reverse()], dtype, [2, n]), Math.min(n, 4), n > 3);
      break;
    }
    case 'randn_cached': {
      const a = R.randn([3], od).array.values();
      const b = R.randn([n], od).array.values();
      const d = R.randn([1], od).array.values();
      r = tensorOf([...a, ...b, ...d], dtype);
      break;
    }
    case 'random_int64_kernel': r = K.randomDefault(g, n, 'int64'); break;
    case 'random_full_range_kernel': r = K.randomFullRange(g, n); break;
    case 'kaiming_uniform_': {
      const [a, b] = FACTORS[n]!;
      const t = tensorOf(new Array(n).fill(0), dtype, [a, b]);
      const gain = Math.sqrt(2.0 / (1 + Math.sqrt(5) ** 2));
      const bound = Math.sqrt(3.0) * (gain / Math.sqrt(b));
      r = noGrad(() => R.uniform_(t, -bound, bound, o));
      break;
    }
    case 'xavier_normal_': {
      const [a, b] = FACTORS[n]!;
      const t = tensorOf(new Array(n).fill(0), dtype, [a, b]);
      const std = 1.5 * Math.sqrt(2.0 / (a + b));
      r = noGrad(() => R.normal_(t, 0, std, o));
      break;
    }
    default: {
      const t = target(n, dtype, layout);
      switch (fn) {
        case 'uniform_': R.uniform_(t, -2.5, 1.25, o); break;
        case 'normal_': R.normal_(t, 0.3, 2.7, o); break;
        case 'random_': R.random_(t, undefined, undefined, o); break;
        case 'random_to': R.random_(t, 10n, undefined, o); break;
        case 'random_from_to': R.random_(t, dtype === 'bool' ? 0n : -5n, dtype === 'bool' ? 2n : 5n, o); break;
        case 'random_from_none': R.random_(t, 3n, null, o); break;
        case 'bernoulli_number_': R.bernoulli_(t, 0.3, o); break;
        case 'bernoulli_tensor_': R.bernoulli_(t, tensorOf(probValues(n), dtype, t.shape), o); break;
        case 'exponential_': R.exponential_(t, 1.5, o); break;
        default: throw new Error(`unknown case ${fn}`);
      }
      r = t;
    }
  }
  const outDtype = r instanceof Tensor ? r.dtype : 'int64';
  const values = r instanceof Tensor ? Array.from(r.array.values()) : Array.from(r);
  const result = bytesOf(r instanceof Tensor ? r.array.values() : r, outDtype);
  return { result, values, dtype: outDtype, state: g.getState() };
}

/** numpy's legacy RandomState cases. */
export function runNumpyCase(c: NumpyCase, seed: number): { result: Uint8Array; values: (number | bigint | boolean)[]; state: Uint8Array } {
  const n = c.size;
  let rs = new RandomState(seed);
  let r: Float64Array | BigInt64Array | boolean[];
  const normalised = (w: number[]) => {
    const total = w.reduce((a, b) => a + b, 0);
    return w.map((v) => v / total);
  };
  switch (c.fn) {
    case 'rand': r = rs.randomSample(n); break;
    case 'randn': r = rs.standardNormal(n); break;
    case 'random_sample': r = rs.randomSample(n); break;
    case 'uniform': r = rs.uniform(-2.5, 1.25, n); break;
    case 'normal': r = rs.normal(0.3, 2.7, n); break;
    case 'randint': r = rs.randint(-3n, 1000n, n); break;
    case 'randint_large': r = rs.randint(-(2n ** 40n), 2n ** 41n + 3n, n); break;
    case 'randint_bool': r = Array.from(rs.randintBool(0, 2, n)); break;
    case 'standard_normal_cached': {
      const a = rs.standardNormal(3);
      const b = rs.standardNormal(n);
      const d = rs.standardNormal(1);
      r = Float64Array.from([...a, ...b, ...d]);
      break;
    }
    case 'shuffle': {
      const a = BigInt64Array.from(range(n, (i) => i), (v) => BigInt(v));
      rs.shuffle(a);
      r = a;
      break;
    }
    case 'permutation': r = rs.permutation(n); break;
    case 'permutation_array': {
      const a = Float64Array.from(range(n, (i) => i * 0.5));
      rs.shuffle(a);
      r = a;
      break;
    }
    case 'choice': r = rs.choice(n, 9, true, null); break;
    case 'choice_p': r = rs.choice(n, 9, true, normalised(weightValues(n))); break;
    case 'choice_no_replace': r = rs.choice(n, Math.min(n, 4), false, null); break;
    case 'choice_no_replace_p': r = rs.choice(n, Math.min(n, 3), false, normalised(weightValues(n))); break;
    case 'array_seed':
      rs = new RandomState([seed, n, 7]);
      r = rs.randomSample(n);
      break;
    default:
      throw new Error(`unknown numpy case ${c.fn}`);
  }
  let result: Uint8Array;
  if (Array.isArray(r)) result = Uint8Array.from(r, (b) => (b ? 1 : 0));
  else result = new Uint8Array(r.buffer.slice(0));
  return { result, values: Array.from(r as ArrayLike<number | bigint | boolean>), state: rs.stateBytes() };
}

const sha = (parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 16);
};

/** Python's float.hex() / str() of seed 0's first values, as the recorder writes them. */
export function textOf(v: number | bigint | boolean): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return floatHex(v);
}

function floatHex(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0x0.0p+0' : '0x0.0p+0';
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  const f = new Float64Array([Math.abs(v)]);
  const bits = new BigUint64Array(f.buffer)[0]!;
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const mantissa = (bits & ((1n << 52n) - 1n)).toString(16).padStart(13, '0');
  const [lead, e] = exponent === 0 ? ['0', -1022] : ['1', exponent - 1023];
  return `${v < 0 ? '-' : ''}0x${lead}.${mantissa}p${e >= 0 ? '+' : ''}${e}`;
}

export function hashTorchCase(c: TorchCase, seeds: readonly bigint[]) {
  const perSeed: string[] = [];
  const all: Uint8Array[] = [];
  let first: string[] = [];
  for (const [i, seed] of seeds.entries()) {
    const { result, values, dtype, state } = runTorchCase(c, seed);
    all.push(result, state);
    perSeed.push(sha([result, state]));
    const text = (v: number | bigint) =>
      dtype === 'bool' ? textOf(v !== 0) : dtype === 'int64' ? String(v) : textOf(v);
    if (i === 0) first = values.slice(0, 4).map(text);
  }
  return { hash: sha(all), perSeed, first };
}

export function hashNumpyCase(c: NumpyCase, seeds: readonly number[]) {
  const perSeed: string[] = [];
  const all: Uint8Array[] = [];
  let first: string[] = [];
  for (const [i, seed] of seeds.entries()) {
    const { result, values, state } = runNumpyCase(c, seed);
    all.push(result, state);
    perSeed.push(sha([result, state]));
    if (i === 0) first = values.slice(0, 4).map(textOf);
  }
  return { hash: sha(all), perSeed, first };
}
