/**
 * Reductions beyond sum and mean, and the ops that select elements along a
 * dim: max/min (of everything, or along a dim with their indices), sort,
 * topk, prod, std, var, norm, logsumexp, cumsum, cumprod. Each backward is
 * PyTorch 1.13's formula (FunctionsManual.cpp) in registry ops; the numeric
 * loops are in src/tensor/reductions.ts, one function per reduction.
 */
import type { BackwardContext } from '../autograd/node.js';
import { Tensor } from '../autograd/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { groupsOf, linesAlong } from '../tensor/index-kernels.js';
import { NDArray, numelOf } from '../tensor/ndarray.js';
import { reducedShape } from '../tensor/kernels.js';
import { cumprodOf, cumsumOf, logsumexpOf, normOf, prodOf, varianceOf } from '../tensor/reductions.js';
import * as F from './functional.js';
import { boundTerms, defineOp, type Group, type LinearTerm } from './registry.js';

/** A reduction over `dims` (sorted, normalised) of a tensor of `shape`. */
export interface DimReduction {
  dims: number[];
  keepdim: boolean;
  shape: readonly number[];
}

/** ints and bools reduce to int64 (prod, cumsum), as PyTorch. */
const widened = (dtype: DType): DType => (dtype === 'bool' || dtype === 'int64' ? 'int64' : dtype);

function reduced(a: NDArray, r: DimReduction, values: number[], dtype: DType = a.dtype): NDArray {
  return NDArray.fromValues(values, reducedShape(a.shape, r.dims, r.keepdim), dtype);
}

const groupsFor = (r: DimReduction) => groupsOf(r.shape, r.dims);

/** Groups of a reduction for the symbolic side: every output element's input elements, one key per group size. */
function reductionGroups(prefix: string) {
  // A 0-d input is marked: prod's backward passes the gradient through it unchanged.
  return (_inputs: readonly NDArray[], r: DimReduction & { extra?: number }): Group[] =>
    groupsFor(r).map((g) => ({ members: g.map((i) => [0, i] as const), key: `${prefix}:${g.length}:${r.extra ?? ''}${r.shape.length === 0 ? ':scalar' : ''}` }));
}

const memberNames = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`);
const sumOf = (terms: readonly string[]) => (terms.length ? terms.join(' + ') : '0');
/** The size and the extra attribute a group key carries (`prod:3:`). */
function parseKey(key: string): { n: number; extra: number } {
  const [, n, extra] = key.split(':');
  return { n: Number(n), extra: extra === '' ? NaN : Number(extra) };
}

/** `unsqueeze_multiple`: put back reduced dims (when not kept) so a reduced tensor broadcasts against the input. */
export function restoreDims(t: Tensor, r: DimReduction): Tensor {
  if (r.keepdim || r.shape.length === 0) return t;
  let out = t;
  for (const d of r.dims) out = F.unsqueeze(out, d);
  return out;
}

// max/min of everything: ties share the gradient evenly (evenly_distribute_backward).

function extremumAll(name: 'max' | 'min', gradFn: string) {
  const pick = name === 'max' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  return defineOp({
    name,
    gradFn,
    symbolic: {
      kind: 'linear',
      linear: ([a], _attrs, out) => {
        const xs = a!.values();
        const m = out.item();
        const tied = Array.from(xs.keys()).filter((i) => (Number.isNaN(m) ? Number.isNaN(xs[i]!) : xs[i] === m));
        return { terms: [tied.map((i) => [0, i, 1 / tied.length] as LinearTerm)] };
      },
    },
    dtype: 'first',
    saves: [{ name: 'self', input: 0 }, { name: 'result' }],
    forward: ([a]) => {
      const xs = a!.values();
      let m = xs[0]!;
      for (const v of xs) if (Number.isNaN(v) || pick(v, m)) m = v;
      for (const v of xs) if (Number.isNaN(v)) m = v;
      return NDArray.scalar(m, a!.dtype);
    },
    backward: (g, ctx) => {
      const self = ctx.saved('self');
      const result = ctx.saved('result');
      const mask = Number.isNaN(result.item()) ? F.isnan(self) : F.compare('eq', self, result);
      return [F.maskedFillInPlace(F.zerosLike(self), mask, F.div(g, F.sum(mask)))];
    },
    kinks: 'a tie shares the gradient evenly among the tied elements',
  });
}

export const maxAll = extremumAll('max', 'MaxBackward1');
export const minAll = extremumAll('min', 'MinBackward1');

// Selections along a dim (max(dim), min(dim), sort, topk): the values at chosen positions.

export interface Selection {
  dim: number;
  keepdim: boolean;
  /** The chosen indices along `dim` (int64), shaped as the values. */
  indices: NDArray;
  /** Per output element: the input position chosen. */
  sources: Int32Array;
  inputShape: readonly number[];
}

function selecting(name: string, gradFn: string) {
  return defineOp<Selection>({
    name,
    gradFn,
    symbolic: { kind: 'linear', linear: (_inputs, s: Selection) => ({ terms: Array.from(s.sources, (i) => [[0, i, 1] as LinearTerm]) }) },
    dtype: 'first',
    forward: ([a], s) => {
      const xs = a!.values();
      return NDArray.fromValues(Array.from(s.sources, (i) => xs[i]!), s.indices.shape, a!.dtype);
    },
    // value_selecting_reduction_backward: zeros of the input's shape, the gradient scattered back.
    backward: (g, ctx) => {
      const s = ctx.attrs;
      let grad = g;
      let indices = new Tensor(s.indices);
      if (!s.keepdim && s.inputShape.length > 0) {
        grad = F.unsqueeze(grad, s.dim);
        indices = F.unsqueeze(indices, s.dim);
      }
      return [F.scatter(F.zerosOfShape(s.inputShape, g.dtype), s.dim, indices, grad)];
    },
  });
}

export const maxDim = selecting('max_dim', 'MaxBackward0');
export const minDim = selecting('min_dim', 'MinBackward0');
export const sort = selecting('sort', 'SortBackward0');
export const topk = selecting('topk', 'TopkBackward0');

// prod

const prodForm = (key: string) => {
  const { n } = parseKey(key);
  return n === 0 ? '1' : memberNames(n).join(' * ');
};

/** prod's backward: result / x when no x is 0, else the product of the others (prod_safe_zeros_backward). */
const prodViaResult = (key: string, slot: number) => {
  // prod_backward and cumprod_backward return the gradient itself for a 0-d input or a single element.
  if (key.endsWith(':scalar')) return '1';
  const ms = memberNames(parseKey(key).n);
  const others = ms.filter((_, i) => i !== slot);
  return `pick(${ms.join(' * ')}, r0 / m${slot}, ${others.length ? others.join(' * ') : '1'})`;
};

function prodBackward(g: Tensor, ctx: BackwardContext<DimReduction>, all: boolean): Tensor {
  const self = ctx.saved('self');
  if (self.shape.length === 0) return g;
  let grad = g;
  let result = ctx.saved('result');
  const r = ctx.attrs;
  if (!all && !r.keepdim && self.shape.length !== 1) {
    grad = F.unsqueeze(grad, r.dims[0]!);
    result = F.unsqueeze(result, r.dims[0]!);
  }
  const zeros = self.array.values().filter((v) => v === 0).length;
  if (zeros === 0) return F.mul(grad, F.div(result, self));
  if (all) return F.view(prodSafeZerosBackward(grad, F.reshape(self, [-1]), 0), [...self.shape]);
  return prodSafeZerosBackward(grad, self, r.dims[0]!);
}

/** The gradient of a product with zeros in it: the products of everything before and after each element. */
function prodSafeZerosBackward(grad: Tensor, inp: Tensor, dim: number): Tensor {
  const size = inp.shape[dim]!;
  const onesShape = inp.shape.map((s, i) => (i === dim ? 1 : s));
  const ones = F.onesOfShape(onesShape, grad.dtype);
  const exclusiveNormal = F.cumprod(F.cat([ones, F.narrow(inp, dim, 0, size - 1)], dim), dim);
  const narrowReverse = F.flip(F.narrow(inp, dim, 1, size - 1), [dim]);
  const exclusiveReverse = F.flip(F.cumprod(F.cat([ones, narrowReverse], dim), dim), [dim]);
  return F.mul(grad, F.mul(exclusiveNormal, exclusiveReverse));
}

export const prod = defineOp<DimReduction>({
  name: 'prod',
  gradFn: 'ProdBackward0',
  symbolic: { kind: 'group', groups: reductionGroups('prod'), form: prodForm, viaResult: prodViaResult },
  dtype: 'first',
  saves: [{ name: 'self', input: 0 }, { name: 'result' }],
  forward: ([a], r) => reduced(a!, r, prodOf(a!.values(), groupsFor(r)), widened(a!.dtype)),
  backward: (g, ctx) => [prodBackward(g, ctx, true)],
});

export const prodDim = defineOp<DimReduction>({
  name: 'prod_dim',
  gradFn: 'ProdBackward1',
  symbolic: { kind: 'group', groups: reductionGroups('prod'), form: prodForm, viaResult: prodViaResult },
  dtype: 'first',
  saves: [{ name: 'self', input: 0 }, { name: 'result' }],
  forward: ([a], r) => reduced(a!, r, prodOf(a!.values(), groupsFor(r)), widened(a!.dtype)),
  backward: (g, ctx) => [prodBackward(g, ctx, false)],
});

// var and std (correction 1: unbiased).

export interface Spread extends DimReduction {
  correction: number;
  /** The group keys carry the correction. */
  extra: number;
}

/** (Σ m² - (Σ m)² / n) / (n - correction): linear in size (the two-pass form repeats the mean). */
function varianceForm(n: number, correction: number): string {
  const ms = memberNames(n);
  return `((${sumOf(ms.map((m) => `${m} ^ 2`))}) - (${sumOf(ms)}) ^ 2 / ${n}) / ${n - correction}`;
}

/** var_backward: (2 / dof) * grad * (self - self.mean(dims, keepdim=True)). */
function varBackward(grad: Tensor, self: Tensor, r: Spread, all: boolean): Tensor {
  const n = numelOf(r.dims.map((d) => r.shape[d]!));
  const dof = n - r.correction;
  const mean = all ? F.mean(self) : F.mean(self, r.dims, true);
  const g = all ? grad : restoreDims(grad, r);
  return F.mul(F.mulScalar(g, 2 / dof), F.sub(self, mean));
}

export const variance = defineOp<Spread & { all: boolean }>({
  name: 'var',
  gradFn: 'VarBackward0',
  symbolic: { kind: 'group', groups: reductionGroups('var'), form: (key) => varianceForm(parseKey(key).n, parseKey(key).extra) },
  dtype: 'first',
  saves: [{ name: 'self', input: 0 }],
  forward: ([a], r) => reduced(a!, r, varianceOf(a!.values(), groupsFor(r), r.correction)),
  backward: (g, ctx) => [varBackward(g, ctx.saved('self'), ctx.attrs, ctx.attrs.all)],
});

export const std = defineOp<Spread & { all: boolean }>({
  name: 'std',
  gradFn: 'StdBackward0',
  symbolic: {
    kind: 'group',
    groups: reductionGroups('std'),
    form: (key) => `msqrt(${varianceForm(parseKey(key).n, parseKey(key).extra)})`,
    // std_backward: (x - mean) / ((n - correction) std), 0 where std = 0.
    viaResult: (key, slot) => {
      const { n, extra } = parseKey(key);
      return `divz(m${slot} - (${sumOf(memberNames(n))}) / ${n}, ${n - extra} * r0)`;
    },
  },
  dtype: 'first',
  saves: [{ name: 'self', input: 0 }, { name: 'result' }],
  forward: ([a], r) => reduced(a!, r, varianceOf(a!.values(), groupsFor(r), r.correction).map(Math.sqrt)),
  backward: (g, ctx) => {
    const result = ctx.saved('result');
    const gradVar = F.maskedFillInPlace(F.div(g, F.mulScalar(result, 2)), F.compare('eq', result, 0), 0);
    return [varBackward(gradVar, ctx.saved('self'), ctx.attrs, ctx.attrs.all)];
  },
  kinks: 'the gradient is 0 where std = 0',
});

// norm: torch.norm / Tensor.norm (NormBackward1) and torch.linalg.vector_norm.

export interface NormAttrs extends DimReduction {
  p: number;
  extra: number;
}

function normForm(key: string): string {
  const { n, extra: p } = parseKey(key);
  const ms = memberNames(n);
  if (n === 0) return '0';
  if (p === 2) return `msqrt(${sumOf(ms.map((m) => `${m} ^ 2`))})`;
  if (p === 1) return sumOf(ms.map((m) => `abs(${m})`));
  if (p === 0) return sumOf(ms.map((m) => `sign(abs(${m}))`));
  if (p === Infinity || p === -Infinity) {
    const f = p > 0 ? 'max' : 'min';
    return ms.map((m) => `abs(${m})`).reduce((acc, t) => `${f}(${acc}, ${t})`);
  }
  return `(${sumOf(ms.map((m) => `abs(${m}) ^ ${p}`))}) ^ (1 / ${p})`;
}

/** norm_backward's partials for the p that read the saved norm: x / norm (p = 2), sgn(x) |x|^(p-1) / norm^(p-1) (p > 1), 0 where norm = 0. */
function normViaResult(key: string, slot: number): string {
  const p = parseKey(key).extra;
  if (p === 2) return `divz(m${slot}, r0)`;
  if (p > 1 && Number.isFinite(p)) return `divz(sign(m${slot}) * abs(m${slot}) ^ ${p - 1}, r0 ^ ${p - 1})`;
  // p = 1 (sgn), 0, inf and p < 1: from the form (p < 1 and inf read the result too: a .data change of it is not followed).
  return '';
}

/** norm_backward of PyTorch 1.13, case by case of p. */
function normBackward(grad: Tensor, self: Tensor, norm: Tensor, r: NormAttrs): Tensor | null {
  const p = r.p;
  const g = restoreDims(grad, r);
  const n = restoreDims(norm, r);
  if (p === 0) return null;
  if (p === 1) return F.mul(F.sgn(self), g);
  if (p === 2) return F.mul(g, F.maskedFillInPlace(F.div(self, n), F.compare('eq', n, 0), 0));
  if (!Number.isFinite(p)) {
    const abs = F.abs(self);
    const mask = F.logicalOr(F.compare('eq', abs, n), F.isnan(abs));
    return F.mul(F.sgn(self), F.mul(F.div(g, F.sum(mask, r.dims, true)), mask));
  }
  if (p < 1) {
    const scaled = F.mul(F.sgn(self), F.maskedFillInPlace(F.powInPlace(F.abs(self), p - 1), F.compare('eq', self, 0), 0));
    return F.mul(F.mul(scaled, g), F.pow(n, 1 - p));
  }
  const scaled = p < 2 ? F.mul(F.sgn(self), F.powInPlace(F.abs(self), p - 1)) : F.mul(self, F.powInPlace(F.abs(self), p - 2));
  const scale = F.maskedFillInPlace(F.div(g, F.pow(n, p - 1)), F.compare('eq', n, 0), 0);
  return F.mul(scaled, scale);
}

function normEntry(name: string, gradFn: string) {
  return defineOp<NormAttrs>({
    name,
    gradFn,
    symbolic: { kind: 'group', groups: reductionGroups('norm'), form: normForm, viaResult: normViaResult },
    dtype: 'first',
    saves: [{ name: 'self', input: 0 }, { name: 'result' }],
    forward: ([a], r) => reduced(a!, r, normOf(a!.values(), groupsFor(r), r.p)),
    backward: (g, ctx) => [normBackward(g, ctx.saved('self'), ctx.saved('result'), ctx.attrs)],
    kinks: 'the 2-norm has gradient 0 where it is 0; the 1-norm takes sign(0) = 0',
  });
}

export const norm = normEntry('norm', 'NormBackward1');
export const linalgVectorNorm = normEntry('linalg_vector_norm', 'LinalgVectorNormBackward0');

// logsumexp

export const logsumexp = defineOp<DimReduction>({
  name: 'logsumexp',
  gradFn: 'LogsumexpBackward0',
  symbolic: {
    kind: 'group',
    groups: reductionGroups('logsumexp'),
    form: (key) => `log(${sumOf(memberNames(parseKey(key).n).map((m) => `exp(${m})`))})`,
    viaResult: (_key, slot) => `exp(m${slot} - r0)`,
  },
  dtype: 'float',
  saves: [{ name: 'self', input: 0 }, { name: 'result' }],
  forward: ([a], r, dtype) => reduced(a!, r, logsumexpOf(a!.values(), groupsFor(r)), dtype),
  backward: (g, ctx) => {
    const r = ctx.attrs;
    return [F.mul(restoreDims(g, r), F.exp(F.sub(ctx.saved('self'), restoreDims(ctx.saved('result'), r))))];
  },
});

// cumsum and cumprod along a dim.

export interface Cumulative {
  dim: number;
  shape: readonly number[];
}

export const cumsum = defineOp<Cumulative>({
  name: 'cumsum',
  gradFn: 'CumsumBackward0',
  symbolic: {
    kind: 'linear',
    linear: ([a], c: Cumulative) => {
      const size = c.shape.length === 0 ? 1 : c.shape[c.dim]!;
      boundTerms((a!.numel * (size + 1)) / 2, 'cumsum');
      const terms: LinearTerm[][] = Array.from({ length: a!.numel }, () => []);
      for (const line of linesAlong(c.shape, c.dim)) {
        line.forEach((pos, k) => {
          for (let j = 0; j <= k; j++) terms[pos]!.push([0, line[j]!, 1]);
        });
      }
      return { terms };
    },
  },
  dtype: 'first',
  forward: ([a], c) => NDArray.fromValues(cumsumOf(a!.values(), linesAlong(c.shape, c.dim), a!.numel), a!.shape, widened(a!.dtype)),
  backward: (g, ctx) => {
    const { dim } = ctx.attrs;
    if (g.numel <= 1 || g.shape.length === 0 || g.shape[dim < 0 ? dim + g.shape.length : dim] === 1) return [g];
    return [F.flip(F.cumsum(F.flip(g, [dim]), dim), [dim])];
  },
});

export const cumprod = defineOp<Cumulative>({
  name: 'cumprod',
  gradFn: 'CumprodBackward0',
  symbolic: {
    kind: 'group',
    groups: (_inputs, c: Cumulative) => {
      boundTerms((numelOf(c.shape) * ((c.shape.length === 0 ? 1 : c.shape[c.dim]!) + 1)) / 2, 'cumprod');
      const groups: Group[] = new Array(numelOf(c.shape));
      for (const line of linesAlong(c.shape, c.dim)) {
        // cumprod_backward returns the gradient itself when there is at most one element or the dim has size 1.
        const single = numelOf(c.shape) <= 1 || line.length === 1 ? ':scalar' : '';
        line.forEach((pos, k) => (groups[pos] = { members: Array.from(line.subarray(0, k + 1), (i) => [0, i] as const), key: `prod:${k + 1}:${single}` }));
      }
      return groups;
    },
    form: prodForm,
    viaResult: prodViaResult,
  },
  dtype: 'first',
  saves: [{ name: 'self', input: 0 }, { name: 'result' }],
  forward: ([a], c) => NDArray.fromValues(cumprodOf(a!.values(), linesAlong(c.shape, c.dim), a!.numel), a!.shape, widened(a!.dtype)),
  backward: (g, ctx) => {
    const self = ctx.saved('self');
    const { dim } = ctx.attrs;
    const size = self.shape.length === 0 ? 1 : self.shape[dim < 0 ? dim + self.shape.length : dim]!;
    if (self.numel <= 1 || size === 1) return [g];
    const w = F.mul(ctx.saved('result'), g);
    if (!self.array.values().some((v) => v === 0)) return [F.div(F.flip(F.cumsum(F.flip(w, [dim]), dim), [dim]), self)];
    return [cumprodBackwardWithZeros(g, self, ctx.attrs)];
  },
});

/**
 * The gradient of cumprod when its input has zeros: Σ_{j≥k} g_j Π_{i≤j, i≠k} x_i
 * along each line, computed directly (without history: no second derivative there).
 */
function cumprodBackwardWithZeros(g: Tensor, self: Tensor, c: Cumulative): Tensor {
  const xs = self.array.values();
  const gs = g.array.values();
  const out = new Float64Array(xs.length);
  for (const line of linesAlong(c.shape, c.dim)) {
    for (let k = 0; k < line.length; k++) {
      let total = 0;
      let prefix = 1;
      for (let i = 0; i < k; i++) prefix *= xs[line[i]!]!;
      let running = prefix;
      for (let j = k; j < line.length; j++) {
        if (j > k) running *= xs[line[j]!]!;
        total += gs[line[j]!]! * running;
      }
      out[line[k]!] = total;
    }
  }
  return new Tensor(NDArray.fromValues(out, self.shape, g.dtype));
}
