/**
 * The datasets of tools/measure-float-bits.py, regenerated on our side:
 * the same hash-generated inputs, dzdx's kernels applied to them, and the
 * same chunk hashes of the result bits.
 */
import { applyBinary, applyUnary, type UnaryMath } from '../../src/tensor/numerics/elementwise.js';
import * as U from '../../src/tensor/numerics/unary.js';

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

export interface Recording {
  torch: string;
  chunk: number;
  count: number;
  specials: string[];
  datasets: Record<string, Dataset>;
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
