/**
 * PyTorch's random functions on tensors: factories (`rand`, `randn`,
 * `randint`, `randperm`, `normal`, `bernoulli`, `multinomial`, the `_like`
 * ones) and in-place fills (`uniform_`, `normal_`, `random_`, `bernoulli_`,
 * `exponential_`), with PyTorch 1.13's checks and messages, drawing from a
 * Generator (the default one unless given) through the kernels of
 * torch-kernels.ts. Factories build a tensor and fill it in place, as ATen
 * does (`randn(n)` is `empty(n).normal_()`).
 */
import { Tensor } from '../autograd/tensor.js';
import { DEFAULT_FLOAT, isFloating, type DType } from '../tensor/dtype.js';
import { PyError, runtimeError } from '../tensor/errors.js';
import { broadcastShapes, NDArray, numelOf } from '../tensor/ndarray.js';
import * as F from '../ops/functional.js';
import { Generator } from './generator.js';
import * as K from './torch-kernels.js';
import { randomInPlace, recordSample, type InPlaceRandomOp } from './ops.js';
import { topkIndices } from './stl-select.js';
import { checkInRange, floatDigits, INT64_MAX, INT64_MIN, intsAs, num, updateFrom, updateTo } from './int-bounds.js';

/** dzdx's seed for a run nobody seeded (PyTorch's own seed for a new torch.Generator()). */
export const DEFAULT_SEED = 67280421310721n;

const defaultGenerator = new Generator(DEFAULT_SEED);

/** `torch.default_generator`: global state, as in PyTorch. */
export function getDefaultGenerator(): Generator {
  return defaultGenerator;
}

/** Seeds the default generator as a fresh process would be (used by tests, which then draw from it). */
export function resetDefaultGenerator(seed: bigint = DEFAULT_SEED): Generator {
  defaultGenerator.manualSeed(seed);
  return defaultGenerator;
}

/**
 * `torch.seed()` draws a seed from the operating system; dzdx draws the
 * seeds of one run from a splitmix64 sequence started at the run's seed,
 * so that runs repeat.
 */
let seedSequence = DEFAULT_SEED;

export function nondeterministicSeed(): bigint {
  seedSequence = BigInt.asUintN(64, seedSequence + 0x9e3779b97f4a7c15n);
  let z = seedSequence;
  z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
  z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
  return z ^ (z >> 31n);
}

/** Every run starts as a fresh process: the default generator seeded with `seed`, torch.seed()'s sequence from it. */
export function beginRun(seed: bigint = DEFAULT_SEED): void {
  resetDefaultGenerator(seed);
  seedSequence = seed;
}

export interface DrawOptions {
  generator?: Generator | null;
  dtype?: DType;
  requiresGrad?: boolean;
  /** Receives PyTorch's UserWarnings (random_ bounds beyond a float's exact integers). */
  warn?: (message: string) => void;
}

const gen = (o: DrawOptions) => o.generator ?? defaultGenerator;

const TITLE: Record<DType, string> = { float32: 'Float', float64: 'Double', int64: 'Long', uint8: 'Byte', bool: 'Bool' };

function requireFloat(t: Tensor, kernel: string): K.FloatDType {
  if (!isFloating(t.dtype)) throw runtimeError(`"${kernel}" not implemented for '${TITLE[t.dtype]}'`);
  return t.dtype as K.FloatDType;
}

function empty(shape: readonly number[], dtype: DType): Tensor {
  for (const d of shape) {
    if (d < 0) throw runtimeError(`Trying to create tensor with negative dimension ${d}: [${shape.join(', ')}]`);
  }
  return new Tensor(NDArray.full(shape, 0, dtype));
}

function finish(t: Tensor, requiresGrad: boolean | undefined): Tensor {
  if (requiresGrad) {
    if (!isFloating(t.dtype)) throw runtimeError('Only Tensors of floating point and complex dtype can require gradients');
    t.requiresGrad = true;
  }
  return t;
}

/** Values drawn in visiting order, put back in row-major order. */
function rowMajor(t: Tensor, drawn: Float64Array, order?: Int32Array): Float64Array {
  if (!order && t.array.isContiguous()) return drawn;
  order ??= K.visitOrder(t.shape, [t.array.strides]);
  const out = new Float64Array(drawn.length);
  for (let i = 0; i < drawn.length; i++) out[order[i]!] = drawn[i]!;
  return out;
}

// ------------------------------------------------------------ in place

/**
 * An in-place fill: which op records it, and its values (row-major), whose
 * computation checks the arguments and then draws. In-place calls check
 * autograd's rules before (`randomInPlace`); factories fill a fresh tensor,
 * unrecorded like every factory.
 */
interface Fill {
  op: InPlaceRandomOp;
  values: () => ArrayLike<number>;
}

const applyFill = (t: Tensor, f: Fill) => randomInPlace(f.op, t, f.values);

function fresh(shape: readonly number[], dtype: DType, fill: (t: Tensor) => Fill, requiresGrad?: boolean): Tensor {
  const t = empty(shape, dtype);
  t.array.assign(fill(t).values());
  return finish(t, requiresGrad);
}

function uniformFill(t: Tensor, from: number, to: number, o: DrawOptions): Fill {
  return { op: 'uniform_', values: () => {
  const dtype = requireFloat(t, 'check_uniform_bounds');
  const limit = dtype === 'float32' ? 3.4028234663852886e38 : Number.MAX_VALUE;
  const cName = dtype === 'float32' ? 'float' : 'double';
  if (!(from >= -limit && from <= limit)) throw runtimeError(`from is out of bounds for ${cName}`);
  if (!(to >= -limit && to <= limit)) throw runtimeError(`to is out of bounds for ${cName}`);
  if (!(from <= to)) throw runtimeError(`uniform_ expects to return a [from, to) range, but found from=${num(from)} > to=${num(to)}`);
  if (to - from > limit) {
    throw runtimeError(`uniform_ expects to-from <= std::numeric_limits<${TITLE[dtype]}>::max(), but found to=${num(to)} and from=${num(from)} which result in to-from to exceed the limit`);
  }
  return rowMajor(t, K.uniform(gen(o), t.numel, from, to, dtype));
  } };
}
export const uniform_ = (t: Tensor, from = 0, to = 1, o: DrawOptions = {}) => applyFill(t, uniformFill(t, from, to, o));

function normalFill(t: Tensor, mean: number, std: number, o: DrawOptions): Fill {
  return { op: 'normal_', values: () => {
    if (!(std >= 0)) throw runtimeError(`normal expects std >= 0.0, but found std ${num(std)}`);
    const dtype = requireFloat(t, 'normal_kernel_cpu');
    return rowMajor(t, K.normal(gen(o), t.numel, mean, std, dtype, t.array.isContiguous()));
  } };
}
export const normal_ = (t: Tensor, mean = 0, std = 1, o: DrawOptions = {}) => applyFill(t, normalFill(t, mean, std, o));

export function exponential_(t: Tensor, lambd = 1, o: DrawOptions = {}): Tensor {
  return applyFill(t, { op: 'exponential_', values: () => {
    if (!(lambd >= 0)) throw runtimeError(`exponential_ expects lambda >= 0.0, but found lambda=${num(lambd)}`);
    const dtype = requireFloat(t, 'exponential_cpu');
    return rowMajor(t, K.exponential(gen(o), t.numel, lambd, dtype));
  } });
}

function bernoulliFill(t: Tensor, p: number | Tensor, o: DrawOptions): Fill {
  if (typeof p === 'number') {
    return { op: 'bernoulli_float_', values: () => {
      if (!(p >= 0 && p <= 1)) throw runtimeError(`bernoulli_ expects p to be in [0, 1], but got p=${num(p)}`);
      return rowMajor(t, K.bernoulliScalar(gen(o), t.numel, p));
    } };
  }
  return { op: 'bernoulli_tensor_', values: () => {
    const pDtype = requireFloat(p, 'bernoulli_tensor_cpu_p_');
    const expanded = F.expand(p, [...t.shape]).array;
    const order = K.visitOrder(t.shape, [t.array.strides, expanded.strides]);
    const probs = expanded.values();
    const inOrder = Array.from(order, (k) => probs[k]!);
    if (inOrder.some((v) => !(v >= 0 && v <= 1))) throw runtimeError(P_IN_RANGE);
    return rowMajor(t, K.bernoulliTensor(gen(o), inOrder, pDtype), order);
  } };
}
export const bernoulli_ = (t: Tensor, p: number | Tensor = 0.5, o: DrawOptions = {}) => applyFill(t, bernoulliFill(t, p, o));

const P_IN_RANGE =
  'Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be improved?  If so, please report an enhancement request to PyTorch.)';

/**
 * `random_()`, `random_(to)`, `random_(from, to)` and `random_(from, None)`
 * (`to` undefined: the first two forms; null: up to the dtype's largest value).
 */
export const random_ = (t: Tensor, from?: bigint, to?: bigint | null, o: DrawOptions = {}) =>
  applyFill(t, randomFill(t, from, to, o));

function randomFill(t: Tensor, from: bigint | undefined, to: bigint | null | undefined, o: DrawOptions): Fill {
  const op = from === undefined ? 'random_' : to === undefined ? 'random_to_' : 'random_from_to_';
  return { op, values: () => randomValues(t, from, to, o) };
}

function randomValues(t: Tensor, from: bigint | undefined, to: bigint | null | undefined, o: DrawOptions): Float64Array {
  const dtype = t.dtype;
  const g = gen(o);
  if (from === undefined) return rowMajor(t, intsAs(K.randomDefault(g, t.numel, dtype), dtype));
  let lo = to === undefined ? 0n : from;
  const hiArg = to === undefined ? from : to;
  if (hiArg !== null) {
    let hi = hiArg;
    if (!(lo < hi)) throw runtimeError(`random_ expects 'from' to be less than 'to', but got from=${lo} >= to=${hi}`);
    if (isFloating(dtype)) {
      lo = updateFrom(lo, dtype);
      hi = updateTo(hi, dtype);
      if (!(lo < hi)) {
        throw runtimeError(`random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got from=${lo} >= to=${hi}`);
      }
    }
    checkInRange(lo, hi - 1n, dtype, o.warn);
    const range = BigInt.asUintN(64, hi - lo);
    return rowMajor(t, intsAs(K.randomFromTo(g, t.numel, range, lo, dtype), dtype));
  }
  if (lo === INT64_MIN) return rowMajor(t, intsAs(K.randomFullRange(g, t.numel), dtype));
  let toInc: bigint;
  if (isFloating(dtype)) {
    toInc = 1n << BigInt(floatDigits(dtype));
    lo = updateFrom(lo, dtype);
    if (!(lo < toInc)) {
      throw runtimeError(`random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' casted to dtype, but got from=${lo} > to_inc=${toInc}`);
    }
  } else {
    toInc = dtype === 'bool' ? 1n : dtype === 'uint8' ? 255n : INT64_MAX;
  }
  checkInRange(lo, toInc, dtype, o.warn);
  const range = BigInt.asUintN(64, toInc - lo + 1n);
  return rowMajor(t, intsAs(K.randomFromTo(g, t.numel, range, lo, dtype), dtype));
}

// ------------------------------------------------------------ factories

export const rand = (shape: readonly number[], o: DrawOptions = {}): Tensor =>
  fresh(shape, o.dtype ?? DEFAULT_FLOAT, (t) => uniformFill(t, 0, 1, o), o.requiresGrad);

export const randn = (shape: readonly number[], o: DrawOptions = {}): Tensor =>
  fresh(shape, o.dtype ?? DEFAULT_FLOAT, (t) => normalFill(t, 0, 1, o), o.requiresGrad);

/** `randint(low, high, size)`: int64 unless a dtype is given. */
export const randint = (low: bigint, high: bigint, shape: readonly number[], o: DrawOptions = {}): Tensor =>
  fresh(shape, o.dtype ?? 'int64', (t) => randomFill(t, low, high, o), o.requiresGrad);

export function randperm(n: number, o: DrawOptions = {}): Tensor {
  if (n < 0) throw runtimeError(`Trying to create tensor with negative dimension ${n}: [${n}]`);
  const dtype = o.dtype ?? 'int64';
  if ((dtype === 'float32' && n > 2 ** 24) || dtype === 'bool') {
    throw runtimeError(`n cannot be greater than ${dtype === 'bool' ? 2 : 2 ** 24 + 1} for ${dtype === 'bool' ? 'Bool' : 'Float'} type.`);
  }
  const t = empty([n], dtype);
  t.array.assign(K.randperm(gen(o), n));
  return finish(t, o.requiresGrad);
}

const likeDtype = (like: Tensor, o: DrawOptions) => ({ ...o, dtype: o.dtype ?? like.dtype });
export const randLike = (like: Tensor, o: DrawOptions = {}) => rand(like.shape, likeDtype(like, o));
export const randnLike = (like: Tensor, o: DrawOptions = {}) => randn(like.shape, likeDtype(like, o));
export const randintLike = (like: Tensor, low: bigint, high: bigint, o: DrawOptions = {}) =>
  randint(low, high, like.shape, likeDtype(like, o));

/**
 * `torch.normal`: numbers give a tensor of `size`; a tensor mean or std
 * draws normal(0, std) or normal(0, 1) into a fresh tensor and then scales
 * and shifts it in place (`mul_(std).add_(mean)`), as ATen does.
 */
export function normal(mean: number | Tensor, std: number | Tensor, shape: readonly number[] | null, o: DrawOptions = {}): Tensor {
  if (!(mean instanceof Tensor) && !(std instanceof Tensor)) {
    if (shape === null) throw new PyError('TypeError', 'normal() missing required argument: size');
    return fresh(shape, o.dtype ?? DEFAULT_FLOAT, (t) => normalFill(t, mean, std, o), o.requiresGrad);
  }
  if (std instanceof Tensor && std.numel > 0 && std.array.values().some((v) => !(v >= 0))) {
    throw runtimeError('normal expects all elements of std >= 0.0');
  }
  if (!(std instanceof Tensor) && !(std >= 0)) throw runtimeError(`normal expects std >= 0.0, but found std ${num(std)}`);
  const like = mean instanceof Tensor ? mean : (std as Tensor);
  const outShape =
    mean instanceof Tensor && std instanceof Tensor ? broadcastShapes(mean.shape, std.shape) : [...like.shape];
  const out = empty(outShape, like.dtype);
  const dtype = requireFloat(out, 'normal_kernel_cpu');
  // In place on the result, in its dtype: normal(0, std) then add_(mean), or normal(0, 1), mul_(std), add_(mean).
  const inPlace = (a: Tensor, b: Tensor, f: (x: Tensor, y: Tensor) => Tensor) => F.to(f(a, b), dtype);
  let z = new Tensor(NDArray.fromValues(K.normal(gen(o), out.numel, 0, std instanceof Tensor ? 1 : std, dtype, true), outShape, dtype));
  if (std instanceof Tensor) z = inPlace(z, std.detach(), F.mul);
  z = inPlace(z, mean instanceof Tensor ? mean.detach() : new Tensor(NDArray.scalar(mean, dtype)), F.add);
  const params = [mean, std].filter((v): v is Tensor => v instanceof Tensor);
  const op = params.length === 2 ? 'normalBoth' : mean instanceof Tensor ? 'normalMean' : 'normalStd';
  return recordSample(op, params, z.array.values(), outShape);
}

/** `torch.bernoulli(input)`: each element 1 with the probability `input` holds; `bernoulli(input, p)`: with p. */
export function bernoulli(input: Tensor, p: number | null = null, o: DrawOptions = {}): Tensor {
  if (p !== null) return fresh(input.shape, input.dtype, (t) => bernoulliFill(t, p, o));
  const drawn = fresh(input.shape, input.dtype, (t) => bernoulliFill(t, input.detach(), o));
  return input.requiresGrad ? recordSample('bernoulli', [input], drawn.array.values(), input.shape) : drawn;
}

/**
 * `torch.multinomial(input, n, replacement)`. Without replacement PyTorch
 * 1.13 draws q ~ Exp(1) for every category and takes the largest input / q
 * (argmax for one sample, topk for several); with replacement (one sample
 * too: 1.13 has no shortcut for it) a binary search in the normalised
 * cumulative distribution per sample.
 */
export function multinomial(input: Tensor, samples: number, replacement = false, o: DrawOptions = {}): Tensor {
  if (input.shape.length < 1 || input.shape.length > 2) throw runtimeError('prob_dist must be 1 or 2 dim');
  if (!isFloating(input.dtype)) {
    throw runtimeError(`multinomial only supports floating-point dtypes for input, got: ${TITLE[input.dtype]}`);
  }
  if (samples <= 0) throw runtimeError('cannot sample n_sample <= 0 samples');
  const k = input.shape[input.shape.length - 1]!;
  if (!replacement && samples > k) throw runtimeError('cannot sample n_sample > prob_dist.size(-1) samples without replacement');
  if (k > 2 ** 24) throw runtimeError('number of categories cannot exceed 2^24');
  const rows = input.shape.length === 1 ? 1 : input.shape[0]!;
  const outShape = input.shape.length === 1 ? [samples] : [rows, samples];
  const out = empty(outShape, 'int64');
  if (numelOf(outShape) === 0) return out;
  const dtype = input.dtype as K.FloatDType;
  const probs = input.array.values();
  const result = new Float64Array(rows * samples);
  if (!replacement) {
    if (probs.some((v) => !(v >= 0 && v < Infinity))) {
      throw runtimeError('probability tensor contains either `inf`, `nan` or element < 0');
    }
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let j = 0; j < k; j++) sum += probs[r * k + j]!;
      if (sum === 0) throw runtimeError('invalid multinomial distribution (sum of probabilities <= 0)');
    }
    const q = K.exponential(gen(o), rows * k, 1, dtype);
    const round = dtype === 'float32' ? Math.fround : (v: number) => v;
    for (let r = 0; r < rows; r++) {
      const ratios = Array.from({ length: k }, (_, j) => round(probs[r * k + j]! / q[r * k + j]!));
      if (samples === 1) result[r] = ratios.reduce((best, v, j) => (v > ratios[best]! ? j : best), 0); // argmax: the first largest
      else result.set(topkIndices(ratios, samples), r * samples);
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const row = probs.subarray(r * k, (r + 1) * k);
      for (const v of row) {
        if (!(v >= 0)) throw runtimeError('invalid multinomial distribution (encountering probability entry < 0)');
        if (!Number.isFinite(v)) {
          throw runtimeError('invalid multinomial distribution (encountering probability entry = infinity or NaN)');
        }
      }
      const drawn = K.multinomialRow(gen(o), row, samples, dtype);
      if (drawn === null) throw runtimeError('invalid multinomial distribution (sum of probabilities <= 0)');
      result.set(drawn, r * samples);
    }
  }
  out.array.assign(result);
  return out;
}
