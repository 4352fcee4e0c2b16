/**
 * The datasets of tools/measure-float-bits.py, regenerated on our side:
 * the same hash-generated inputs, dzdx's kernels applied to them, and the
 * same chunk hashes of the result bits.
 */
import { applyBinary, applyUnary, type UnaryMath } from '../../src/tensor/numerics/elementwise.js';
import * as U from '../../src/tensor/numerics/unary.js';
import { arangeValues, linspaceValues } from '../../src/tensor/numerics/ranges.js';
import { cumulative, norm2Reduce, prodReduce, varianceReduce } from '../../src/tensor/numerics/reductions.js';
import { cascadeSum } from '../../src/tensor/numerics/sum.js';
import { softmaxLastDim } from '../../src/tensor/numerics/softmax.js';
import { nllLossReduced } from '../../src/tensor/numerics/losses.js';
import { NDArray } from '../../src/tensor/ndarray.js';
import { dot as dotKernel, mm as mmKernel, mv as mvKernel } from '../../src/tensor/kernels.js';
import { meanAll, meanDim, sumAll, sumDim } from '../../src/ops/reduce.js';

export type FloatDType = 'float32' | 'float64';

export interface InputSpec {
  seed: number;
  signs: 'pos' | 'neg' | 'both';
  emin: number;
  emax: number;
}

export interface Dataset {
  op: string;
  layout: 'contiguous' | 'strided';
  inputs: InputSpec[];
  hashes: string[];
}

/** A factory, reduction or matrix product case (see tools/measure-float-bits.py's op_cases). */
export interface OpCase {
  kind:
    | 'linspace'
    | 'arange'
    | 'sum'
    | 'mean'
    | 'norm'
    | 'std'
    | 'var'
    | 'prod'
    | 'cumsum'
    | 'cumprod'
    | 'softmax'
    | 'log_softmax'
    | 'cross_entropy'
    | 'mm'
    | 'mv'
    | 'dot';
  hash: string;
  numel: number;
  [key: string]: unknown;
}

export interface Recording {
  torch: string;
  chunk: number;
  count: number;
  specials: string[];
  datasets: Record<string, Dataset>;
  ops: OpCase[];
}

function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

export function generate(spec: InputSpec, count: number, dtype: FloatDType): Float64Array {
  const out = new Float64Array(count);
  const words = new Uint32Array(2);
  const asDouble = new Float64Array(words.buffer);
  const asFloat = new Float32Array(words.buffer, 0, 1);
  const span = spec.emax - spec.emin + 1;
  for (let i = 0; i < count; i++) {
    const w = mix((i + Math.imul(spec.seed, 0x9e3779b9)) >>> 0);
    const w2 = mix((w ^ 0x5bd1e995) >>> 0);
    const e = spec.emin + (w2 % span);
    const sign = spec.signs === 'pos' ? 0 : spec.signs === 'neg' ? 1 : w >>> 31;
    if (dtype === 'float32') {
      words[0] = (sign << 31) | (e << 23) | (w & 0x7fffff);
      out[i] = asFloat[0]!;
    } else {
      const w3 = mix((w2 ^ 0x27d4eb2f) >>> 0);
      words[0] = w3;
      words[1] = (sign << 31) | (e << 20) | (w & 0xfffff);
      out[i] = asDouble[0]!;
    }
  }
  return out;
}

export function specialValues(rec: Recording, dtype: FloatDType): number[] {
  return rec.specials.map((hex) => {
    if (dtype === 'float32') return new Float32Array(new Uint32Array([parseInt(hex, 16)]).buffer)[0]!;
    const hi = parseInt(hex.slice(0, 8), 16);
    const lo = parseInt(hex.slice(8), 16);
    return new Float64Array(new Uint32Array([lo, hi]).buffer)[0]!;
  });
}

/** Each input column of a dataset: its generated values then the specials (paired with the first values). */
export function datasetInputs(rec: Recording, ds: Dataset, dtype: FloatDType): Float64Array[] {
  const specials = specialValues(rec, dtype);
  return ds.inputs.map((spec, k) => {
    const x = generate(spec, rec.count, dtype);
    const col = new Float64Array(rec.count + specials.length);
    col.set(x);
    col.set(k === 0 ? specials : x.subarray(0, specials.length), rec.count);
    return col;
  });
}

const unaryOps: Record<string, UnaryMath> = {
  exp: U.expMath,
  log: U.logMath,
  log2: U.log2Math,
  log10: U.log10Math,
  log1p: U.log1pMath,
  expm1: U.expm1Math,
  exp2: U.exp2Math,
  sin: U.sinMath,
  cos: U.cosMath,
  tan: U.tanMath,
  tanh: U.tanhMath,
  erf: U.erfMath,
  sqrt: U.sqrtMath,
  rsqrt: U.rsqrtMath,
  reciprocal: U.reciprocalMath,
  sigmoid: U.sigmoidMath,
};

/** dzdx's results for a dataset, or null when dzdx has no kernel for its op yet. */
export function compute(rec: Recording, ds: Dataset, dtype: FloatDType): Float32Array | Float64Array | null {
  const cols = datasetInputs(rec, ds, dtype);
  const n = cols[0]!.length;
  const out = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  if (ds.op.startsWith('pow:')) {
    const e = Number(ds.op.slice(4));
    applyUnary(U.powScalarMath(e), dtype, cols[0]!, out, ds.layout === 'contiguous');
    return out;
  }
  if (ds.op === 'pow') {
    applyBinary(U.powMath, dtype, cols[0]!, cols[1]!, out, ds.layout === 'contiguous');
    return out;
  }
  if (ds.op === 'softplus') {
    applyUnary(U.softplusMath(1, 20), dtype, cols[0]!, out, ds.layout === 'contiguous');
    return out;
  }
  const m = unaryOps[ds.op];
  if (m === undefined) return null;
  applyUnary(m, dtype, cols[0]!, out, ds.layout === 'contiguous');
  return out;
}

/** Result bits as 32-bit words (two per float64, low first), NaNs canonical, as the Python side. */
export function resultWords(values: Float32Array | Float64Array): Uint32Array {
  const copy = values instanceof Float32Array ? Float32Array.from(values) : Float64Array.from(values);
  const words = new Uint32Array(copy.buffer);
  const per = values instanceof Float32Array ? 1 : 2;
  for (let i = 0; i < copy.length; i++) {
    if (copy[i] !== copy[i]) {
      if (per === 1) words[i] = 0x7fc00000;
      else {
        words[2 * i] = 0;
        words[2 * i + 1] = 0x7ff80000;
      }
    }
  }
  return words;
}

export function chunkHashes(words: Uint32Array, chunk: number, perValue: number): string[] {
  const size = chunk * perValue;
  const out: string[] = [];
  for (let start = 0; start < words.length; start += size) {
    let h = 0x811c9dc5;
    const end = Math.min(start + size, words.length);
    for (let i = start; i < end; i++) h = Math.imul(h ^ words[i]!, 0x01000193) >>> 0;
    out.push(h.toString(16).padStart(8, '0'));
  }
  return out;
}

/** An NDArray of hash-generated values; `t` makes it a transposed view of the transposed data, as PyTorch's `x.t().contiguous().t()`. */
function generated(spec: InputSpec, shape: number[], dtype: FloatDType, layout: 'c' | 't' = 'c'): NDArray {
  const values = generate(spec, shape.reduce((a, b) => a * b, 1), dtype);
  const a = NDArray.fromValues(values, shape, dtype);
  if (layout === 'c') return a;
  // the same values stored column-major
  const [r, c] = shape as [number, number];
  const colMajor = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) colMajor[j * r + i] = values[i * c + j]!;
  return NDArray.fromValues(colMajor, [c, r], dtype).view([r, c], [1, r]);
}

/** A transposed view of dims 0 and 1 (PyTorch's x.transpose(0, 1)). */
function transposed(a: NDArray): NDArray {
  const shape = [...a.shape];
  const strides = [...a.strides];
  [shape[0], shape[1]] = [shape[1]!, shape[0]!];
  [strides[0], strides[1]] = [strides[1]!, strides[0]!];
  return a.view(shape, strides);
}

/** dzdx's result for an op case, through the same kernels and registry entries its ops use. */
export function computeOp(c: OpCase, dtype: FloatDType): NDArray {
  const num = (k: string) => c[k] as number;
  switch (c.kind) {
    case 'linspace':
      return NDArray.fromValues(linspaceValues(num('start'), num('end'), num('steps'), dtype), [num('steps')], dtype);
    case 'arange': {
      const n = Math.ceil((num('end') - num('start')) / num('step'));
      return NDArray.fromValues(arangeValues(num('start'), num('step'), n, dtype), [n], dtype);
    }
    case 'sum':
    case 'mean': {
      let x = generated(c.input as InputSpec, c.shape as number[], dtype);
      if (c.layout === 't') x = transposed(x);
      const nd = x.ndim;
      const all = c.dims === null;
      const dims = all ? [...Array(nd).keys()] : (c.dims as number[]).map((d) => (d + nd) % nd).sort((a, b) => a - b);
      const attrs = { dims, keepdim: false, shape: x.shape };
      const op = c.kind === 'sum' ? (all ? sumAll : sumDim) : all ? meanAll : meanDim;
      return op.forward([x], attrs, dtype);
    }
    case 'norm':
    case 'std':
    case 'var':
    case 'prod':
    case 'cumsum':
    case 'cumprod': {
      // kernels for ops other engineers add: called directly
      let x = generated(c.input as InputSpec, c.shape as number[], dtype);
      if (c.layout === 't') x = transposed(x);
      const nd = x.ndim;
      const dims = c.dims === null ? [...Array(nd).keys()] : (c.dims as number[]).map((d) => (d + nd) % nd);
      const reduced = x.shape.map((_, d) => dims.includes(d));
      const kept = x.shape.filter((_, d) => !dims.includes(d));
      if (c.kind === 'norm') return NDArray.fromValues(norm2Reduce(x.buffer, x.offset, x.shape, x.strides, reduced, dtype), kept, dtype);
      if (c.kind === 'std' || c.kind === 'var') {
        const round = dtype === 'float32' ? Math.fround : (v: number) => v;
        const all = x.shape.map(() => true);
        const mean = () => round(cascadeSum(x.buffer, x.offset, x.shape, x.strides, all, dtype)[0]! / x.numel);
        const values = varianceReduce(x.buffer, x.offset, x.shape, x.strides, reduced, dtype, 1, c.kind === 'std', mean);
        return NDArray.fromValues(values, kept, dtype);
      }
      if (c.kind === 'prod') return NDArray.fromValues(prodReduce(x.buffer, x.offset, x.shape, x.strides, reduced, dtype), kept, dtype);
      const values = cumulative(c.kind === 'cumsum' ? 'sum' : 'prod', x.buffer, x.offset, x.shape, x.strides, dims[0]!, dtype);
      return NDArray.fromValues(values, x.shape, dtype);
    }
    case 'softmax':
    case 'log_softmax': {
      const shape = c.shape as number[];
      const x = generated(c.input as InputSpec, shape, dtype);
      const n = shape[shape.length - 1]!;
      return NDArray.fromValues(softmaxLastDim(x.values(), x.numel / n, n, dtype, c.kind === 'log_softmax'), shape, dtype);
    }
    case 'cross_entropy': {
      const n = num('n');
      const classes = num('c');
      const x = generated(c.input as InputSpec, [n, classes], dtype);
      const logp = softmaxLastDim(x.values(), n, classes, dtype, true);
      const targets = Array.from({ length: n }, (_, i) => mix((i + num('targetSeed')) >>> 0) % classes);
      const weight = c.weight ? generate(c.weight as InputSpec, classes, dtype).map(Math.abs) : null;
      const loss = nllLossReduced(logp, classes, targets, weight, c.reduction as 'mean' | 'sum', -100, dtype);
      return NDArray.scalar(loss, dtype);
    }
    case 'mm': {
      const layouts = c.layouts as string;
      const a = generated(c.a as InputSpec, [num('n'), num('k')], dtype, layouts[0] as 'c' | 't');
      const b = generated(c.b as InputSpec, [num('k'), num('m')], dtype, layouts[1] as 'c' | 't');
      return mmKernel(a, b, dtype);
    }
    case 'mv':
      return mvKernel(generated(c.a as InputSpec, [num('n'), num('k')], dtype), generated(c.v as InputSpec, [num('k')], dtype), dtype);
    case 'dot':
      return dotKernel(generated(c.v as InputSpec, [num('k')], dtype), generated(c.w as InputSpec, [num('k')], dtype), dtype);
  }
}

/** The FNV hash of an op result, as the Python side records it. */
export function opHash(result: NDArray): string {
  const values = result.values();
  const typed = result.dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
  const hashes = chunkHashes(resultWords(typed), 1 << 30, result.dtype === 'float32' ? 1 : 2);
  return hashes[0] ?? '';
}
