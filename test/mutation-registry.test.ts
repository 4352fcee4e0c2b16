/**
 * The op registry's declarative fields, each against what it claims:
 * grad_fn names against the names real PyTorch printed (the recorded
 * fixtures), op names against PyTorch's naming, the kink notes against what
 * the tape computes at the kink, `view` against shared storage, and every
 * symbolic spec's kind against the op's forward kernel (what src/symbolic
 * relies on when it reads the kind). Fast and in-process: part of the
 * mutation-testing set (vitest.stryker.config.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { autograd, noGrad, tensor, Tensor } from '../src/index.js';
import { setTapeListener } from '../src/autograd/record.js';
import { ops as F, registry } from '../src/ops/index.js';
import type { OpEntry } from '../src/ops/registry.js';
import { NDArray } from '../src/tensor/ndarray.js';
import * as R from '../src/random/torch-random.js';

/** Every grad_fn name real PyTorch 1.13 printed in a recorded fixture. */
function pytorchNames(): Set<string> {
  const names = new Set<string>();
  for (const dir of ['test/conformance', 'test/fixtures/own', 'examples']) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.out'))) {
      for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/\b([A-Z][A-Za-z0-9]*?(?:Backward[0-9]*|Backwards)|CopySlices)\b/g)) names.add(m[1]!);
    }
  }
  return names;
}
const PYTORCH = pytorchNames();

const x = () => tensor([0.5, -1, 2], { dtype: 'float64', requiresGrad: true });
const m = () => tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64', requiresGrad: true });
/** A first derivative with create_graph: its grad_fn is the backward op's own node. */
const dOf = (f: (t: Tensor) => Tensor, at: Tensor = x()) => autograd.grad(F.sum(f(at)), at, [], { createGraph: true })[0]!;

const i64 = (v: number[] | number[][]) => tensor(v as number[], { dtype: 'int64' });
const p = () => tensor([0.2, 0.7, 0.4], { dtype: 'float64', requiresGrad: true });
const mask = () => F.compare('gt', m(), 3);
/** A bilinear weight (2 outputs, 3 × 3) and the dims F.bilinear gives _trilinear. */
const w3 = () => F.reshape(tensor(Array.from({ length: 18 }, (_, i) => (i % 5) - 1.5), { dtype: 'float64', requiresGrad: true }), [2, 3, 3]);
const BILINEAR_DIMS = { expand1: [1, 3], expand2: [0], expand3: [1, 2], sumdim: [2, 3], unrollDim: 1 };

/** The ops of the rest of the tensor API (test/fixtures/own/ops_grad_fn_names.py prints each name). */
const MORE_CASES: [string, () => Tensor, string][] = [
  ['t + 1 (C++ Scalar overload)', () => F.addScalar(x(), 1), 'AddBackward1'],
  ['t * 2 (C++ Scalar overload)', () => F.mulScalar(x(), 2), 'MulBackward1'],
  ['floor', () => F.floor(x()), 'FloorBackward0'],
  ['ceil', () => F.ceil(x()), 'CeilBackward0'],
  ['round', () => F.round(x()), 'RoundBackward0'],
  ['trunc', () => F.trunc(x()), 'TruncBackward0'],
  ['frac', () => F.frac(x()), 'FracBackward0'],
  ['sgn', () => F.sgn(x()), 'SgnBackward0'],
  ['log1p', () => F.log1p(p()), 'Log1PBackward0'],
  ['expm1', () => F.expm1(x()), 'Expm1Backward0'],
  ['log2', () => F.log2(p()), 'Log2Backward0'],
  ['log10', () => F.log10(p()), 'Log10Backward0'],
  ['exp2', () => F.exp2(x()), 'Exp2Backward0'],
  ['erf', () => F.erf(x()), 'ErfBackward0'],
  ['sinh', () => F.sinh(x()), 'SinhBackward0'],
  ['cosh', () => F.cosh(x()), 'CoshBackward0'],
  ['asin', () => F.asin(p()), 'AsinBackward0'],
  ['acos', () => F.acos(p()), 'AcosBackward0'],
  ['atan', () => F.atan(x()), 'AtanBackward0'],
  ['atan2', () => F.atan2(x(), p()), 'Atan2Backward0'],
  ['clamp_min', () => F.clampMin(x(), { value: 0, kind: 'float' }), 'ClampMinBackward0'],
  ['clamp_max', () => F.clampMax(x(), { value: 0, kind: 'float' }), 'ClampMaxBackward0'],
  ['leaky_relu', () => F.leakyRelu(x()), 'LeakyReluBackward0'],
  ['d leaky_relu', () => dOf((t) => F.leakyRelu(t)), 'LeakyReluBackwardBackward0'],
  ['elu', () => F.elu(x()), 'EluBackward0'],
  ['d elu', () => dOf((t) => F.elu(t)), 'EluBackwardBackward0'],
  ['gelu', () => F.gelu(x()), 'GeluBackward0'],
  ['d gelu', () => dOf((t) => F.gelu(t)), 'GeluBackwardBackward0'],
  ['silu', () => F.silu(x()), 'SiluBackward0'],
  ['hardtanh', () => F.hardtanh(x()), 'HardtanhBackward0'],
  ['d hardtanh', () => dOf((t) => F.hardtanh(t)), 'HardtanhBackwardBackward0'],
  ['max()', () => F.maxAll(x()), 'MaxBackward1'],
  ['min()', () => F.minAll(x()), 'MinBackward1'],
  ['max(dim)', () => F.maxDim(m(), 1).values, 'MaxBackward0'],
  ['min(dim)', () => F.minDim(m(), 0, true).values, 'MinBackward0'],
  ['sort', () => F.sort(m(), 1, true).values, 'SortBackward0'],
  ['topk', () => F.topk(m(), 2).values, 'TopkBackward0'],
  ['prod()', () => F.prod(x()), 'ProdBackward0'],
  ['prod(dim)', () => F.prod(m(), 1), 'ProdBackward1'],
  ['var', () => F.variance(m(), [1], 1, false), 'VarBackward0'],
  ['std', () => F.variance(m(), null, 1, false, true), 'StdBackward0'],
  ['norm', () => F.norm(m(), 2, null, false), 'NormBackward1'],
  ['linalg.vector_norm', () => F.norm(m(), 1, [0], true, true), 'LinalgVectorNormBackward0'],
  ['logsumexp', () => F.logsumexp(m(), [1]), 'LogsumexpBackward0'],
  ['cumsum', () => F.cumsum(m(), 1), 'CumsumBackward0'],
  ['cumprod', () => F.cumprod(m(), 0), 'CumprodBackward0'],
  ['cat', () => F.cat([m(), m()], 1), 'CatBackward0'],
  ['stack', () => F.stack([x(), x()], 1), 'StackBackward0'],
  ['split', () => F.split(m(), 2, 1)[1]!, 'SplitBackward0'],
  ['split with sizes', () => F.split(m(), [1, 2], 1)[0]!, 'SplitWithSizesBackward0'],
  ['unbind', () => F.unbind(m(), 1)[2]!, 'UnbindBackward0'],
  ['flip', () => F.flip(m(), [0, 1]), 'FlipBackward0'],
  ['repeat', () => F.repeat(m(), [2, 1, 2]), 'RepeatBackward0'],
  ['tril', () => F.tril(m()), 'TrilBackward0'],
  ['triu', () => F.triu(m(), 1), 'TriuBackward0'],
  ['diag of a matrix', () => F.diag(m(), 1), 'DiagBackward0'],
  ['diag of a vector', () => F.diag(x(), -1), 'DiagBackward0'],
  ['d diag of a non-square matrix', () => dOf((t) => F.pow(F.diag(t), 2), m()), 'DiagonalBackwardBackward0'],
  ['diagonal', () => F.diagonal(m()), 'DiagonalBackward0'],
  ['trace', () => F.trace(m()), 'TraceBackward0'],
  ['d trace ** 2', () => dOf((t) => F.pow(F.trace(t), 2), m()), 'ViewBackward0'],
  ['x[...]', () => F.alias(x()), 'AliasBackward0'],
  ['gather', () => F.gather(m(), 1, i64([[0, 0], [2, 1]])), 'GatherBackward0'],
  ['scatter', () => F.scatter(m(), 1, i64([[0], [2]]), m()), 'ScatterBackward0'],
  ['scatter(value)', () => F.scatterValue(m(), 1, i64([[0], [2]]), 2), 'ScatterBackward1'],
  ['scatter_add', () => F.scatterAdd(m(), 1, i64([[0, 0], [2, 1]]), m()), 'ScatterAddBackward0'],
  ['index_select', () => F.indexSelect(m(), 1, i64([2, 0, 2])), 'IndexSelectBackward0'],
  ['d index_select', () => dOf((t) => F.pow(F.indexSelect(t, 1, i64([2, 0])), 2), m()), 'IndexAddBackward0'],
  ['masked_fill', () => F.maskedFill(m(), mask(), 0), 'MaskedFillBackward0'],
  ['masked_fill(tensor)', () => F.maskedFill(m(), mask(), F.select(x(), 0, 0)), 'MaskedFillBackward1'],
  ['h.masked_fill_(mask, 0)', () => F.maskedFillInPlace(F.mul(m(), 1), mask(), 0), 'MaskedFillBackward0'],
  ['x[idx]', () => F.index(m(), [i64([1, 1, 0])]), 'IndexBackward0'],
  ['x[mask]', () => F.index(m(), [mask()]), 'IndexBackward0'],
  ['d x[idx]', () => dOf((t) => F.pow(F.index(t, [null, i64([0, 0])]), 2), m()), 'IndexPutImplBackward0'],
  ['h[mask] = 0', () => {
    const h = F.mul(m(), 1);
    return F.indexPutInPlace(h, F.indexMap(h, [mask()]), tensor(0, { dtype: 'float64' }));
  }, 'IndexPutBackward0'],
  ['h.index_add_ (index_select\'s backward)', () => F.indexAddInPlace(F.mul(m(), 1), 1, i64([0]), F.select(F.mul(m(), 1), 1, 0)), 'IndexAddBackward0'],
  ['softmax', () => F.softmax(m(), 1), 'SoftmaxBackward0'],
  ['d softmax', () => dOf((t) => F.pow(F.softmax(t, 1), 2), m()), 'SoftmaxBackwardDataBackward0'],
  ['log_softmax', () => F.logSoftmax(m(), 0), 'LogSoftmaxBackward0'],
  ['d log_softmax', () => dOf((t) => F.pow(F.logSoftmax(t, 1), 2), m()), 'LogSoftmaxBackwardDataBackward0'],
  ['mse_loss', () => F.mseLoss(m(), m()), 'MseLossBackward0'],
  ['d mse_loss', () => dOf((t) => F.mseLoss(t, F.mul(m(), 0.5)), m()), 'MseLossBackwardBackward0'],
  ['smooth_l1_loss', () => F.smoothL1Loss(m(), F.mul(m(), 0.9), 2), 'SmoothL1LossBackward0'],
  ['d smooth_l1_loss', () => dOf((t) => F.smoothL1Loss(t, F.mul(m(), 0.5)), m()), 'SmoothL1LossBackwardBackward0'],
  ['binary_cross_entropy', () => F.binaryCrossEntropy(p(), tensor([0, 1, 1], { dtype: 'float64' })), 'BinaryCrossEntropyBackward0'],
  ['d binary_cross_entropy', () => dOf((t) => F.binaryCrossEntropy(t, tensor([0, 1, 1], { dtype: 'float64' })), p()), 'BinaryCrossEntropyBackwardBackward0'],
  ['binary_cross_entropy_with_logits', () => F.binaryCrossEntropyWithLogits(m(), F.sigmoid(m())), 'BinaryCrossEntropyWithLogitsBackward0'],
  ['nll_loss', () => F.nllLoss(m(), i64([0, 2])), 'NllLossBackward0'],
  ['d nll_loss', () => dOf((t) => F.pow(F.nllLoss(t, i64([0, 2])), 2), m()), 'NllLossBackwardBackward0'],
  ['bmm', () => F.bmm(F.unsqueeze(m(), 0), F.unsqueeze(F.t(m()), 0)), 'BmmBackward0'],
  ['batch @ matrix', () => F.matmul(F.expand(F.unsqueeze(m(), 0), [2, 2, 3]), F.t(m())), 'UnsafeViewBackward0'],
  ['addmm (F.linear of a 2-D input)', () => F.linear(m(), m(), x().shape.length ? F.slice(x(), { dim: 0, start: 0, stop: 2, step: 1 }) : x()), 'AddmmBackward0'],  ['_trilinear (F.bilinear without the reshapes)', () => F.trilinear(m(), w3(), m(), BILINEAR_DIMS), 'TrilinearBackward0'],
  ['d _trilinear: another _trilinear', () => dOf((t) => F.pow(F.bilinear(t, m(), w3()), 2), m()), 'ReshapeAliasBackward0'],
];

/** What each functional call records, as PyTorch 1.13 names it (every name is in a recorded fixture). */
const CASES: [string, () => Tensor, string][] = [
  ['x + w', () => F.add(x(), x()), 'AddBackward0'],
  ['2 + x', () => F.add(2, x()), 'AddBackward0'],
  ['x - w', () => F.sub(x(), x()), 'SubBackward0'],
  ['2 - x', () => F.sub(2, x()), 'RsubBackward1'],
  ['x * w', () => F.mul(x(), x()), 'MulBackward0'],
  ['2 * x', () => F.mul(2, x()), 'MulBackward0'],
  ['x / w', () => F.div(x(), x()), 'DivBackward0'],
  ['2 / x', () => F.div(2, x()), 'MulBackward0'],
  ['reciprocal', () => F.reciprocal(x()), 'ReciprocalBackward0'],
  ['d/dx x.mean() ** 2 (grad / n)', () => dOf((t) => F.pow(F.mean(t), 2)), 'DivBackward1'],
  ['x ** 2', () => F.pow(x(), 2), 'PowBackward0'],
  ['x.square()', () => F.square(x()), 'PowBackward0'],
  ['x ** w', () => F.pow(x(), x()), 'PowBackward1'],
  ['2 ** x', () => F.pow(2, x()), 'PowBackward1'],
  ['torch.pow(2, x)', () => F.powScalarBase(2, x()), 'PowBackward2'],
  ['-x', () => F.neg(x()), 'NegBackward0'],
  ['exp', () => F.exp(x()), 'ExpBackward0'],
  ['log', () => F.log(x()), 'LogBackward0'],
  ['sin', () => F.sin(x()), 'SinBackward0'],
  ['cos', () => F.cos(x()), 'CosBackward0'],
  ['tan', () => F.tan(x()), 'TanBackward0'],
  ['tanh', () => F.tanh(x()), 'TanhBackward0'],
  ['d tanh', () => dOf(F.tanh), 'TanhBackwardBackward0'],
  ['sigmoid', () => F.sigmoid(x()), 'SigmoidBackward0'],
  ['d sigmoid', () => dOf(F.sigmoid), 'SigmoidBackwardBackward0'],
  ['relu', () => F.relu(x()), 'ReluBackward0'],
  ['d relu', () => dOf(F.relu), 'ThresholdBackwardBackward0'],
  ['sqrt', () => F.sqrt(x()), 'SqrtBackward0'],
  ['rsqrt', () => F.rsqrt(x()), 'RsqrtBackward0'],
  ['abs', () => F.abs(x()), 'AbsBackward0'],
  ['sign', () => F.sign(x()), 'SignBackward0'],
  ['softplus', () => F.softplus(x()), 'SoftplusBackward0'],
  ['d softplus', () => dOf((t) => F.softplus(t)), 'SoftplusBackwardBackward0'],
  ['clamp', () => F.clamp(x(), 0, 1), 'ClampBackward1'],
  ['maximum', () => F.maximum(x(), x()), 'MaximumBackward0'],
  ['minimum', () => F.minimum(x(), x()), 'MinimumBackward0'],
  ['where', () => F.where(F.compare('gt', x(), 0), x(), 0), 'WhereBackward0'],
  ['sum', () => F.sum(x()), 'SumBackward0'],
  ['sum(0)', () => F.sum(x(), [0]), 'SumBackward1'],
  ['mean', () => F.mean(x()), 'MeanBackward0'],
  ['mean(0)', () => F.mean(x(), [0]), 'MeanBackward1'],
  ['mm', () => F.matmul(m(), F.t(m())), 'MmBackward0'],
  ['mv', () => F.matmul(m(), x()), 'MvBackward0'],
  ['dot', () => F.matmul(x(), x()), 'DotBackward0'],
  ['vector @ matrix', () => F.matmul(tensor([1, 2], { dtype: 'float64', requiresGrad: true }), m()), 'SqueezeBackward3'],
  ['view', () => F.view(m(), [6]), 'ViewBackward0'],
  ['reshape', () => F.reshape(m(), [3, 2]), 'ReshapeAliasBackward0'],
  ['reshape of t()', () => F.reshape(F.t(m()), [6]), 'UnsafeViewBackward0'],
  ['clone', () => F.clone(x()), 'CloneBackward0'],
  ['to', () => F.to(x(), 'float32'), 'ToCopyBackward0'],
  ['t', () => F.t(m()), 'TBackward0'],
  ['permute', () => F.permute(m(), [1, 0]), 'PermuteBackward0'],
  ['transpose', () => F.transpose(m(), 0, 1), 'TransposeBackward0'],
  ['unsqueeze', () => F.unsqueeze(x(), 0), 'UnsqueezeBackward0'],
  ['squeeze()', () => F.squeeze(F.unsqueeze(x(), 0)), 'SqueezeBackward0'],
  ['squeeze(0)', () => F.squeeze(F.unsqueeze(x(), 0), 0), 'SqueezeBackward1'],
  ['expand', () => F.expand(F.unsqueeze(x(), 0), [2, 3]), 'ExpandBackward0'],
  ['x[1]', () => F.select(x(), 0, 1), 'SelectBackward0'],
  ['x[1:]', () => F.slice(x(), { dim: 0, start: 1, stop: null, step: 1 }), 'SliceBackward0'],
  ['d (x[1] ** 2)', () => dOf((t) => F.pow(F.select(t, 0, 1), 2)), 'SelectBackwardBackward0'],
  ['d (x[1:] ** 2)', () => dOf((t) => F.pow(F.slice(t, { dim: 0, start: 1, stop: null, step: 1 }), 2)), 'SliceBackwardBackward0'],
  ['backward(create_graph) .grad', () => {
    const t = x();
    F.sum(F.pow(t, 2)).backward(null, { createGraph: true });
    return t.grad!;
  }, 'CopyBackwards'],
  ['h.zero_()', () => F.zeroInPlace(F.mul(x(), 1)), 'ZeroBackward0'],
  ['h.fill_(2)', () => F.fillInPlace(F.mul(x(), 1), 2), 'FillBackward2'],
  ['h.copy_(w)', () => F.copyInPlace(F.mul(x(), 1), x()), 'CopyBackwards'],
  ['h.add_(1)', () => F.addInPlace(F.mul(x(), 1), 1), 'AddBackward0'],
  ['h.sub_(1)', () => F.subInPlace(F.mul(x(), 1), 1), 'SubBackward0'],
  ['h.mul_(2)', () => F.mulInPlace(F.add(x(), 1), 2), 'MulBackward0'],
  ['h.div_(2)', () => F.divInPlace(F.mul(x(), 1), 2), 'DivBackward0'],
  ['h.pow_(2)', () => F.powInPlace(F.mul(x(), 1), 2), 'PowBackward0'],
  ['h.clamp_(0, 1)', () => F.clampInPlace(F.mul(x(), 1), 0, 1), 'ClampBackward1'],
  ['h[1].mul_(5): the base', () => {
    const h = F.mul(x(), 1);
    F.mulInPlace(F.select(h, 0, 1), 5);
    return h;
  }, 'CopySlices'],
  ['h[1].mul_(5): the view', () => F.mulInPlace(F.select(F.mul(x(), 1), 0, 1), 5), 'AsStridedBackward0'],
  ['y.uniform_()', () => R.uniform_(F.mul(x(), 1)), 'UniformBackward0'],
  ['y.normal_()', () => R.normal_(F.mul(x(), 1)), 'NormalBackward0'],
  ['y.random_()', () => R.random_(F.mul(x(), 1)), 'RandomBackward2'],
  ['y.random_(7)', () => R.random_(F.mul(x(), 1), 7n), 'RandomBackward1'],
  ['y.random_(2, 7)', () => R.random_(F.mul(x(), 1), 2n, 7n), 'RandomBackward0'],
  ['y.bernoulli_(0.25)', () => R.bernoulli_(F.mul(x(), 1), 0.25), 'BernoulliBackward2'],
  ['y.bernoulli_(p)', () => R.bernoulli_(F.mul(x(), 1), tensor([0.5, 0.5, 0.5], { dtype: 'float64' })), 'BernoulliBackward1'],
  ['y.exponential_()', () => R.exponential_(F.mul(x(), 1)), 'ExponentialBackward0'],
  ['normal(mean, 2.0)', () => R.normal(x(), 2.0, null), 'NormalBackward1'],
  ['normal(1.0, std)', () => R.normal(1.0, F.abs(x()), null), 'NormalBackward2'],
  ['normal(mean, std)', () => R.normal(m(), F.abs(x()), null), 'NormalBackward3'],
  ['bernoulli(p)', () => R.bernoulli(F.mul(F.abs(x()), 0.25)), 'BernoulliBackward0'],
  ...MORE_CASES,
  ['x.add(w, alpha=2)', () => F.addAlpha(x(), x(), 2), 'AddBackward0'],
  ['x.sub(w, alpha=2)', () => F.subAlpha(x(), x(), 2), 'SubBackward0'],
  ['x.addcmul(w, v, value=2)', () => F.addcmul(x(), x(), x(), 2), 'AddcmulBackward0'],
  ['x.addcdiv(w, v, value=2)', () => F.addcdiv(x(), x(), x(), 2), 'AddcdivBackward0'],
];

describe('grad_fn names are the ones PyTorch 1.13 prints', () => {
  for (const [what, make, name] of CASES) {
    it(`${what}: ${name}`, () => {
      expect(PYTORCH.has(name)).toBe(true);
      expect(make().gradFn!.name).toBe(name);
    });
  }

  it('every differentiable registry entry is reached by a case, under its own grad_fn name', () => {
    const reached = new Set<OpEntry<unknown>>();
    setTapeListener({ op: (entry, _inputs, out) => {
      const e = entry as OpEntry<unknown>;
      reached.add(e);
      if (out.gradFn && out.gradFn.name !== 'CopySlices' && out.gradFn.name !== 'AsStridedBackward0') expect(out.gradFn.name).toBe(e.gradFn);
    } });
    try {
      for (const [, make] of CASES) make();
    } finally {
      setTapeListener(null);
    }
    const missed = [...registry.values()].filter((e) => e.differentiable && !reached.has(e)).map((e) => e.name);
    expect(missed).toEqual([]);
    for (const e of registry.values()) if (e.differentiable) expect(PYTORCH.has(e.gradFn), e.gradFn).toBe(true);
  });
});

const pascal = (s: string) => s.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
/** Suffixes that tell apart overloads of one PyTorch function (`sum_dim` is SumBackward1). */
const OVERLOAD = new Set(['alpha', 'dim', 'tensor', 'scalar', 'scalar_base', 'matmul', 'grad', 'from', 'to', 'mean', 'std', 'tensors', 'value']);

describe('op names', () => {
  it('each differentiable op is named after its grad_fn, with an overload suffix at most', () => {
    for (const e of registry.values()) {
      expect(e.name).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
      if (!e.differentiable) continue;
      const m = /^([A-Za-z0-9]+?)(?:Backwards|Backward[0-9])$/.exec(e.gradFn)!;
      // PyTorch capitalises after a digit (Log1PBackward0): compare case-insensitively.
      const stem = m[1]!.toLowerCase();
      const words = e.name.split('_');
      const named = words.some((_, k) => {
        const head = pascal(words.slice(0, k + 1).join('_')).toLowerCase();
        const rest = words.slice(k + 1).join('_');
        return (head === stem || head === stem.replace(/copy$/, '')) && (rest === '' || OVERLOAD.has(rest));
      });
      expect(named, `${e.name} / ${e.gradFn}`).toBe(true);
    }
  });

  it('the ops without a derivative are the comparisons, logical_and and silu_backward (none in PyTorch 1.13 either), and they have no grad_fn', () => {
    const none = [...registry.values()].filter((e) => !e.differentiable);
    expect(none.map((e) => e.name).sort()).toEqual(['eq', 'ge', 'gt', 'le', 'logical_and', 'lt', 'ne', 'silu_backward']);
    for (const e of none) {
      expect(e.gradFn).toBe('');
      expect(e.symbolic).toEqual({ kind: 'none' });
      expect(e.saves).toEqual([]);
      expect(e.backward(tensor([1]), undefined as never)).toEqual([]);
    }
  });

  it('what dzdx check and the property suite look up by name is there', () => {
    for (const name of ['relu', 'abs', 'clamp', 'maximum', 'minimum', 'add', 'mul', 'sub', 'div', 'pow', 'exp', 'log', 'sin', 'cos', 'tan', 'tanh', 'sigmoid', 'sqrt', 'rsqrt', 'neg', 'reciprocal', 'softplus', 'sign']) {
      expect(registry.get(name)?.name).toBe(name);
    }
  });
});

/** Each kink note, and what the tape does there (the note is the docs' statement of PyTorch's convention). */
const KINK_CLAIMS: Record<string, [string, () => void]> = {
  pow: ["x**0 has gradient 0 everywhere; (x**0.5)'(0) = inf", () => {
    const t = tensor([0, 2, -1], { dtype: 'float64', requiresGrad: true });
    expect(autograd.grad(F.sum(F.pow(t, 0)), t)[0]!.tolist()).toEqual([0, 0, 0]);
    expect(autograd.grad(F.sum(F.pow(t, 0.5)), t)[0]!.tolist()).toEqual([Infinity, 1 / (2 * Math.sqrt(2)), NaN]);
  }],
  pow_tensor: ['pow(0, 0) = 1 with both gradients 0', () => {
    const a = tensor([0], { dtype: 'float64', requiresGrad: true });
    const w = tensor([0], { dtype: 'float64', requiresGrad: true });
    const y = F.pow(a, w);
    expect(y.tolist()).toEqual([1]);
    expect(autograd.grad(F.sum(y), [a, w]).map((g) => g!.tolist())).toEqual([[0], [0]]);
  }],
  maximum: ['a tie sends half the gradient to each input', () => {
    const a = tensor([1, 3], { dtype: 'float64', requiresGrad: true });
    const w = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    expect(autograd.grad(F.sum(F.maximum(a, w)), [a, w]).map((g) => g!.tolist())).toEqual([[0.5, 1], [0.5, 0]]);
  }],
  minimum: ['a tie sends half the gradient to each input', () => {
    const a = tensor([1, 3], { dtype: 'float64', requiresGrad: true });
    const w = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    expect(autograd.grad(F.sum(F.minimum(a, w)), [a, w]).map((g) => g!.tolist())).toEqual([[0.5, 0], [0.5, 1]]);
  }],
  clamp: ['the bounds are inclusive: gradient 1 at x = min and at x = max', () => {
    const t = tensor([-1, 0, 1, 2], { dtype: 'float64', requiresGrad: true });
    expect(autograd.grad(F.sum(F.clamp(t, 0, 1)), t)[0]!.tolist()).toEqual([0, 1, 1, 0]);
  }],
  log: ["log'(0) = inf, log'(-1) = -1 (1/x, no domain masking)", () => {
    const t = tensor([0, -1], { dtype: 'float64', requiresGrad: true });
    expect(autograd.grad(F.sum(F.log(t)), t)[0]!.tolist()).toEqual([Infinity, -1]);
  }],
  relu: ["relu'(0) = 0 (the saved result must be > 0)", () => {
    const t = tensor([0, 1], { dtype: 'float64', requiresGrad: true });
    expect(autograd.grad(F.sum(F.relu(t)), t)[0]!.tolist()).toEqual([0, 1]);
  }],
  sqrt: ["sqrt'(0) = inf", () => {
    const t = tensor([0], { dtype: 'float64', requiresGrad: true });
    expect(autograd.grad(F.sum(F.sqrt(t)), t)[0]!.tolist()).toEqual([Infinity]);
  }],
  abs: ["abs'(0) = 0 (sign(0) = 0)", () => {
    const t = tensor([0, -2], { dtype: 'float64', requiresGrad: true });
    expect(autograd.grad(F.sum(F.abs(t)), t)[0]!.tolist()).toEqual([0, -1]);
  }],
};

const d = (t: Tensor) => tensor(t.tolist() as number[], { dtype: 'float64', requiresGrad: true });
const gradOf = (f: (t: Tensor) => Tensor, values: number[]) => {
  const t = d(tensor(values, { dtype: 'float64' }));
  return autograd.grad(F.sum(f(t)), t)[0]!.tolist();
};

Object.assign(KINK_CLAIMS, {
  ...Object.fromEntries(
    (['floor', 'ceil', 'round', 'trunc'] as const).map((name) => [name, ['gradient 0 everywhere, also where the value jumps', () => {
      expect(gradOf(F[name], [0, 0.5, 1, -1.5])).toEqual([0, 0, 0, 0]);
    }]]),
  ),
  frac: ['gradient 1 everywhere, also where the value jumps', () => expect(gradOf(F.frac, [0, 1, -2])).toEqual([1, 1, 1])],
  leaky_relu: ["leaky_relu'(0) = negative_slope", () => expect(gradOf((t) => F.leakyRelu(t, 0.1), [0])).toEqual([0.1])],
  elu: ["elu'(0) = alpha (the negative side's slope)", () => expect(gradOf((t) => F.elu(t, 0.7), [0])).toEqual([0.7])],
  hardtanh: ['the bounds are outside: gradient 0 at x = min_val and at x = max_val', () => expect(gradOf((t) => F.hardtanh(t, -1, 1), [-1, 0, 1])).toEqual([0, 1, 0])],
  clamp_min: ['the bound is inside: gradient 1 at x = min', () => expect(gradOf((t) => F.clampMin(t, { value: 0, kind: 'float' }), [-1, 0, 1])).toEqual([0, 1, 1])],
  clamp_max: ['the bound is inside: gradient 1 at x = max', () => expect(gradOf((t) => F.clampMax(t, { value: 0, kind: 'float' }), [-1, 0, 1])).toEqual([1, 1, 0])],
  max: ['a tie shares the gradient evenly among the tied elements', () => expect(gradOf(F.maxAll, [3, 1, 3, 3])).toEqual([1 / 3, 0, 1 / 3, 1 / 3])],
  min: ['a tie shares the gradient evenly among the tied elements', () => expect(gradOf(F.minAll, [1, 1, 2])).toEqual([0.5, 0.5, 0])],
  std: ['the gradient is 0 where std = 0', () => expect(gradOf((t) => F.variance(t, null, 1, false, true), [2, 2, 2])).toEqual([0, 0, 0])],
  norm: ['the 2-norm has gradient 0 where it is 0; the 1-norm takes sign(0) = 0', () => {
    expect(gradOf((t) => F.norm(t, 2, null, false), [0, 0])).toEqual([0, 0]);
    expect(gradOf((t) => F.norm(t, 1, null, false), [0, -2])).toEqual([0, -1]);
  }],
  linalg_vector_norm: ['the 2-norm has gradient 0 where it is 0; the 1-norm takes sign(0) = 0', () => {
    expect(gradOf((t) => F.norm(t, 2, null, false, true), [0, 0])).toEqual([0, 0]);
  }],
  smooth_l1_loss: ['the gradient is 0 where input = target', () => {
    expect(gradOf((t) => F.smoothL1Loss(t, tensor([1, 2], { dtype: 'float64' }), 2), [1, 3])).toEqual([0, 1]);
  }],
  binary_cross_entropy: ['each log is clamped at -100 (input 0 or 1 gives a finite loss)', () => {
    expect(F.binaryCrossEntropy(tensor([0, 1], { dtype: 'float64' }), tensor([1, 0], { dtype: 'float64' })).item()).toBe(100);
  }],
});

describe('what the symbolic side reads of the registry', () => {
  it('an op whose backward reads its saved result gives its partials in terms of the result (viaResult), and only such an op', () => {
    for (const e of registry.values()) {
      if (e.symbolic.kind !== 'elementwise') continue;
      const savesResult = e.saves.some((r) => r.input === undefined);
      if (savesResult) expect(Object.keys(e.symbolic.viaResult ?? {}).length, e.name).toBeGreaterThan(0);
      else expect(e.symbolic.viaResult, e.name).toBeUndefined();
    }
    expect(Object.keys((registry.get('pow_tensor')!.symbolic as { viaResult: object }).viaResult)).toEqual(['b']);
  });

  it('mean over a dim keeps self, as PyTorch 1.13 (a change of it fails backward); mean of all does not', () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const h = F.mul(x, 1);
    const m = F.mean(h, [0]);
    F.addInPlace(h, 1);
    expect(() => F.sum(m).backward()).toThrow('[torch.FloatTensor [2, 2]], which is output 0 of AddBackward0, is at version 1; expected version 0 instead');
    const h2 = F.mul(x, 1);
    const m2 = F.mean(h2);
    F.addInPlace(h2, 1);
    m2.backward();
    expect(x.grad!.tolist()).toEqual([[0.25, 0.25], [0.25, 0.25]]);
  });
});

describe('kink notes state what the tape computes at the kink', () => {
  it('exactly the ops with a kink have a note', () => {
    const noted = [...registry.values()].filter((e) => e.kinks !== undefined).map((e) => e.name);
    expect(noted.sort()).toEqual(Object.keys(KINK_CLAIMS).sort());
  });
  for (const [name, [note, check]] of Object.entries(KINK_CLAIMS)) {
    it(`${name}: ${note}`, () => {
      expect(registry.get(name)!.kinks).toBe(note);
      check();
    });
  }
});

interface Recorded {
  entry: OpEntry<unknown>;
  inputs: readonly Tensor[];
  output: Tensor;
  attrs: unknown;
  inPlace: boolean;
  before?: Float64Array;
}

/** Every op the cases above record, with the comparisons too. */
function recordAll(): Recorded[] {
  const seen: Recorded[] = [];
  setTapeListener({ op: (entry, inputs, output, attrs, inPlace, before) => {
    seen.push({ entry: entry as OpEntry<unknown>, inputs: [...inputs], output, attrs, inPlace, before });
  } });
  try {
    for (const [, make] of CASES) make();
    F.logicalAnd(F.compare('lt', x(), 1), F.compare('ne', 1, x()));
    for (const op of ['le', 'gt', 'ge', 'eq'] as const) F.compare(op, x(), 0.5);
    F.siluBackward(x(), x());
    F.fillInPlace(tensor([1, 2]), 3);
    F.copyInPlace(tensor([[1, 2], [3, 4]]), tensor([5, 6]));
  } finally {
    setTapeListener(null);
  }
  return seen;
}

const vals = (t: Tensor) => Array.from(t.array.values());
const total = (t: Tensor) => vals(t).reduce((s, v) => s + v, 0);

/** What src/symbolic assumes of each kind of op, checked on an actual call. */
const CONTRACTS: Record<string, (r: Recorded) => void> = {
  view: ({ entry, inputs, output }) => {
    expect(entry.view).toBe(true);
    expect(output.array.buffer).toBe(inputs[0]!.array.buffer);
    expect(output.base).toBe(inputs[0]!.base ?? inputs[0]);
  },
  copy: ({ entry, inputs, output }) => {
    expect(entry.view ?? false).toBe(false);
    expect(output.base).toBe(null);
    expect(vals(output)).toEqual(vals(inputs[0]!).map((v) => (output.dtype === 'float32' ? Math.fround(v) : v)));
  },
  elementwise: ({ inputs, output }) => {
    const rank = Math.max(...inputs.map((t) => t.shape.length));
    expect(output.shape.length).toBe(rank);
  },
  sum: ({ inputs, output }) => expect(total(output)).toBeCloseTo(total(inputs[0]!), 12),
  mean: ({ inputs, output }) => expect(total(output) * (inputs[0]!.numel / output.numel)).toBeCloseTo(total(inputs[0]!), 12),
  matmul: ({ inputs: [a, b], output }) => {
    const A = a!.shape.length === 1 ? [vals(a!)] : F.t(F.t(a!)).tolist() as number[][];
    const B = b!.shape.length === 1 ? vals(b!).map((v) => [v]) : b!.tolist() as number[][];
    const product = A.map((row) => B[0]!.map((_, j) => row.reduce((s, v, k) => s + v * B[k]![j]!, 0)));
    expect(vals(output)).toEqual(product.flat());
  },
  where: ({ inputs: [c, a, b], output }) => {
    const pick = (t: Tensor, k: number) => (t.numel === 1 ? vals(t)[0]! : vals(t)[k]!);
    expect(vals(output)).toEqual(vals(output).map((_, k) => (pick(c!, k) ? pick(a!, k) : pick(b!, k))));
  },
  scatter: ({ inputs, output, attrs }) => {
    expect(output.shape).toEqual((attrs as { inputShape: number[] }).inputShape);
    expect(total(output)).toBe(total(inputs[0]!));
    expect(vals(output).filter((v) => v !== 0).length).toBe(vals(inputs[0]!).filter((v) => v !== 0).length);
  },
  overwrite: ({ inputs, output, attrs, inPlace }) => {
    expect(inPlace).toBe(true);
    const value = (attrs as { value?: number } | undefined)?.value ?? 0;
    expect(vals(output)).toEqual(inputs.length > 1 ? vals(F.expand(inputs[1]!, [...output.shape])) : vals(output).map(() => value));
  },
  // Comparisons give bools; silu_backward (a backward kernel run without a graph) keeps its dtype.
  none: ({ entry, inputs, output }) => expect(output.dtype).toBe(entry.name === 'silu_backward' ? inputs[0]!.dtype : 'bool'),
  random: ({ inputs, output, attrs }) => {
    // The drawn values, stored as they are, in a shape the inputs broadcast to.
    expect(vals(output)).toEqual(Array.from((attrs as { values: ArrayLike<number> }).values));
    for (const t of inputs) expect(F.expand(t, [...output.shape]).shape).toEqual(output.shape);
  },
  // Σ weight · input element + constant is the output element (an in-place op's self: its values before).
  linear: ({ entry, inputs, output, attrs, inPlace, before }) => {
    const arrays = inputs.map((t) => t.array);
    if (inPlace) arrays[0] = NDArray.fromValues(before!, output.shape, output.dtype);
    const spec = entry.symbolic as Extract<OpEntry<unknown>['symbolic'], { kind: 'linear' }>;
    const map = spec.linear(arrays, attrs, output.array);
    const values = arrays.map((a) => Array.from(a.values()));
    expect(map.terms.length).toBe(output.numel);
    const expected = map.terms.map((terms, k) => terms.reduce((acc, [i, j, w]) => acc + w * values[i]![j]!, map.constants?.[k] ?? 0));
    vals(output).forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 5));
  },
  // Every output element names its members, all inside their inputs (the forms are checked in symbolic-registry.test.ts).
  group: ({ entry, inputs, output, attrs }) => {
    const spec = entry.symbolic as Extract<OpEntry<unknown>['symbolic'], { kind: 'group' }>;
    const groups = spec.groups(inputs.map((t) => t.array), attrs, output.array);
    expect(groups.length).toBe(output.numel);
    for (const g of groups) for (const [i, j] of g.members) expect(j).toBeLessThan(inputs[i]!.numel);
  },
};

describe('symbolic specs: each kind describes the forward kernel', () => {
  // One test, so the ops run inside it (ops run while tests are collected would make every mutant static).
  it('every registry entry is recorded, and its kind\'s contract holds on every call', () => {
    const records = recordAll();
    const missed = [...registry.values()].filter((e) => !records.some((r) => r.entry === e)).map((e) => e.name);
    expect(missed).toEqual([]);
    for (const entry of registry.values()) {
      expect(Object.keys(CONTRACTS), entry.name).toContain(entry.symbolic.kind);
      for (const r of records.filter((r) => r.entry === entry)) CONTRACTS[entry.symbolic.kind]!(r);
    }
  });
});
