/**
 * The datasets of tools/measure-float-bits.py, regenerated on our side:
 * the same hash-generated inputs, dzdx's kernels applied to them, and the
 * same chunk hashes of the result bits.
 */
import '../../src/ops/index.js';
import { backward } from '../../src/autograd/engine.js';
import { Tensor } from '../../src/autograd/tensor.js';
import * as F from '../../src/ops/functional.js';
import { NONE } from '../../src/ops/losses.js';
import { reductionOf } from '../../src/ops/functional-nn.js';
import { arangeValues, linspaceValues } from '../../src/tensor/numerics/ranges.js';
import { cumulative, norm2Reduce, prodReduce, varianceReduce } from '../../src/tensor/numerics/reductions.js';
import { cascadeSum } from '../../src/tensor/numerics/sum.js';
import { softmaxLastDim } from '../../src/tensor/numerics/softmax.js';
import { nllLossReduced } from '../../src/tensor/numerics/losses.js';
import { NDArray } from '../../src/tensor/ndarray.js';
import { dot as dotKernel, mm as mmKernel, mv as mvKernel } from '../../src/tensor/matmul.js';
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
  /** false: the inputs are the generated values only (an op whose domain excludes the special values). */
  specials?: boolean;
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
  const specials = ds.specials === false ? [] : specialValues(rec, dtype);
  return ds.inputs.map((spec, k) => {
    const x = generate(spec, rec.count, dtype);
    const col = new Float64Array(rec.count + specials.length);
    col.set(x);
    col.set(k === 0 ? specials : x.subarray(0, specials.length), rec.count);
    return col;
  });
}

/** A tensor of a dataset column: contiguous, or every other element of a buffer twice as long (PyTorch's strided view). */
function columnTensor(col: Float64Array, dtype: FloatDType, layout: Dataset['layout']): Tensor {
  if (layout === 'contiguous') return new Tensor(NDArray.fromValues(col, [col.length], dtype));
  const doubled = new Float64Array(2 * col.length);
  for (let i = 0; i < col.length; i++) doubled[2 * i] = doubled[2 * i + 1] = col[i]!;
  return new Tensor(NDArray.fromValues(doubled, [2 * col.length], dtype).view([col.length], [2]));
}

/** The gradient of f's first input for the upstream gradient g, through dzdx's autograd. */
function inputGrad(f: (x: Tensor, ...rest: Tensor[]) => Tensor): (g: Tensor, x: Tensor, ...rest: Tensor[]) => Tensor {
  return (g, x, ...rest) => {
    const leaf = new Tensor(x.array);
    leaf.requiresGrad = true;
    backward([f(leaf, ...rest)], [g]);
    return leaf.grad!;
  };
}

type TensorOp = (...inputs: Tensor[]) => Tensor;

/** Each dataset op as dzdx's functional API runs it (the registry entries' kernels); `:` parameters as in the tool. */
function tensorOp(op: string): TensorOp | null {
  const [name, ...params] = op.split(':');
  const p = params.map(Number);
  const elu = { alpha: p[0] ?? 1, scale: p[1] ?? 1, input_scale: p[2] ?? 1 };
  const ops: Record<string, TensorOp> = {
    exp: F.exp, log: F.log, log2: F.log2, log10: F.log10, log1p: F.log1p, expm1: F.expm1, exp2: F.exp2,
    sin: F.sin, cos: F.cos, tan: F.tan, tanh: F.tanh, erf: F.erf, sqrt: F.sqrt, rsqrt: F.rsqrt,
    reciprocal: F.reciprocal, sigmoid: F.sigmoid, sinh: F.sinh, cosh: F.cosh, asin: F.asin, acos: F.acos, atan: F.atan,
    atan2: F.atan2,
    pow: (x, w) => (p.length ? F.pow(x, p[0]!) : F.pow(x, w!)),
    softplus: (x) => F.softplus(x),
    softplus_backward: (g, x) => F.softplusBackward(g!, x!, 1, 20),
    gelu: (x) => F.gelu(x!),
    gelu_tanh: (x) => F.gelu(x!, 'tanh'),
    gelu_backward: inputGrad((x) => F.gelu(x)),
    gelu_tanh_backward: inputGrad((x) => F.gelu(x, 'tanh')),
    silu: (x) => F.silu(x!),
    silu_backward: inputGrad((x) => F.silu(x)),
    elu: (x) => F.elu(x!, elu.alpha, elu.scale, elu.input_scale),
    elu_backward: inputGrad((x) => F.elu(x, elu.alpha, elu.scale, elu.input_scale)),
    leaky_relu: (x) => F.leakyRelu(x!, p[0]),
    leaky_relu_backward: inputGrad((x) => F.leakyRelu(x, p[0])),
    hardtanh: (x) => F.hardtanh(x!),
    hardtanh_backward: inputGrad((x) => F.hardtanh(x)),
    mse: (x, t) => F.mseLoss(x!, t!, NONE),
    mse_backward: inputGrad((x, t) => F.mseLoss(x, t!, NONE)),
    smooth_l1: (x, t) => F.smoothL1Loss(x!, t!, NONE, p[0]),
    smooth_l1_backward: inputGrad((x, t) => F.smoothL1Loss(x, t!, NONE, p[0])),
    bce: (x, t) => F.binaryCrossEntropy(x!, t!, null, NONE),
    bce_backward: inputGrad((x, t) => F.binaryCrossEntropy(x, t!, null, NONE)),
    bce_logits: (x, t) => F.binaryCrossEntropyWithLogits(x!, t!, null, null, NONE),
    bce_logits_backward: inputGrad((x, t) => F.binaryCrossEntropyWithLogits(x, t!, null, null, NONE)),
  };
  return ops[name!] ?? null;
}

/** dzdx's results for a dataset, or null when dzdx has no op for it. */
export function compute(rec: Recording, ds: Dataset, dtype: FloatDType): Float32Array | Float64Array | null {
  const f = tensorOp(ds.op);
  if (f === null) return null;
  const inputs = datasetInputs(rec, ds, dtype).map((col) => columnTensor(col, dtype, ds.layout));
  const y = f(...inputs).array;
  const out = dtype === 'float32' ? new Float32Array(y.numel) : new Float64Array(y.numel);
  out.set(y.values());
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
    default:
      if (c.kind.startsWith('grad:')) return computeGradCase(c, dtype);
      throw new Error(`unknown op case ${c.kind}`);
  }
}

interface GradInput {
  spec: InputSpec & { classes?: number; zero?: number; abs?: boolean };
  shape: number[];
  layout: 'c' | 't';
  grad: boolean;
  int: boolean;
}

type Args = { dim?: number | null; p?: number | string; reduction?: string; beta?: number; weight?: boolean; pos_weight?: boolean };

/** The ops of the tool's grad_op, through dzdx's functional API. */
function gradOp(op: string, a: Args): (...xs: Tensor[]) => Tensor {
  const dim = a.dim ?? null;
  const dims = dim === null ? null : [dim];
  const red = reductionOf(a.reduction ?? 'mean');
  const ops: Record<string, (...xs: Tensor[]) => Tensor> = {
    sum: (x) => F.sum(x!, dims),
    mean: (x) => F.mean(x!, dims),
    prod: (x) => F.prod(x!, dim),
    cumsum: (x) => F.cumsum(x!, dim!),
    cumprod: (x) => F.cumprod(x!, dim!),
    var: (x) => F.variance(x!, dims, 1, false),
    std: (x) => F.variance(x!, dims, 1, false, true),
    norm: (x) => F.norm(x!, Number(a.p === 'inf' ? Infinity : a.p), dims, false),
    logsumexp: (x) => F.logsumexp(x!, [dim!]),
    softmax: (x) => F.softmax(x!, dim!),
    log_softmax: (x) => F.logSoftmax(x!, dim!),
    mse: (x, t) => F.mseLoss(x!, t!, red),
    l1: (x, t) => F.l1Loss(x!, t!, red),
    smooth_l1: (x, t) => F.smoothL1Loss(x!, t!, red, a.beta),
    bce: (x, t, w) => F.binaryCrossEntropy(x!, t!, w ?? null, red),
    bce_logits: (x, t, ...w) => F.binaryCrossEntropyWithLogits(x!, t!, a.weight ? w[0]! : null, a.pos_weight ? w.at(-1)! : null, red),
    cross_entropy: (x, t, w) => F.crossEntropy(x!, t!, w ?? null, -100, red),
    nll_loss: (x, t, w) => F.nllLoss(x!, t!, w ?? null, -100, red),
    bmm: (x, y) => F.bmm(x!, y!),
    matmul: (x, y) => F.matmul(x!, y!),
    linear: (x, w, b) => F.linear(x!, w!, b ?? null),
    gelu: (x) => F.gelu(x!),
  };
  return ops[op]!;
}

/** An op with its backward: the forward result, then each differentiable input's gradient, as one flat array. */
function computeGradCase(c: OpCase, dtype: FloatDType): NDArray {
  const inputs = c['inputs'] as GradInput[];
  const leaves = inputs.map((i) => {
    const n = i.shape.reduce((x, y) => x * y, 1);
    const values = i.int
      ? Float64Array.from({ length: n }, (_, k) => mix((k + i.spec.seed) >>> 0) % i.spec.classes!)
      : generate(i.spec, n, dtype);
    // an element the tool set to zero (prod's other backward formula)
    if (i.spec.zero !== undefined) values[i.spec.zero] = 0;
    // weights the tool made positive
    if (i.spec.abs) for (let k = 0; k < n; k++) values[k] = Math.abs(values[k]!);
    const t = new Tensor(NDArray.fromValues(values, i.shape, i.int ? 'int64' : dtype));
    t.requiresGrad = i.grad;
    return t;
  });
  const used = leaves.map((x, k) => (inputs[k]!.layout === 't' ? F.transpose(x, 0, 1) : x));
  const y = gradOp(c.kind.slice(5), c['args'] as Args)(...used);
  const g = new Tensor(NDArray.fromValues(generate(c['g'] as InputSpec, y.numel, dtype), y.shape, dtype));
  backward([y], [g]);
  const parts = [y, ...leaves.filter((x) => x.requiresGrad).map((x) => x.grad!)];
  const all = parts.flatMap((t) => Array.from(t.array.values()));
  return NDArray.fromValues(all, [all.length], dtype);
}

/** The FNV hash of an op result, as the Python side records it. */
export function opHash(result: NDArray): string {
  const values = result.values();
  const typed = result.dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
  const hashes = chunkHashes(resultWords(typed), 1 << 30, result.dtype === 'float32' ? 1 : 2);
  return hashes[0] ?? '';
}
