/**
 * SGD, Adam, AdamW, RMSprop and Adagrad as PyTorch 1.13's single-tensor
 * (foreach=False, its default) implementations compute them: the same
 * in-place registry ops in the same order (so versions bump as PyTorch's
 * do and the symbolic trace sees every write), the same float32 roundings
 * (fused `add_(alpha=)`/`addcmul_`, src/ops/scaled.ts), Python floats for
 * the scalar arithmetic (`beta1 ** step` with glibc's pow), the same lazy
 * state and its keys.
 */
import { Tensor } from '../autograd/tensor.js';
import * as F from '../ops/functional.js';
import { PyError } from '../tensor/errors.js';
import { NDArray } from '../tensor/ndarray.js';
import { bind, toBool, toNumber } from '../program/args.js';
import { PyDict } from '../program/dict.js';
import { defineClass } from '../program/native.js';
import { pyPow } from '../program/pymath.js';
import { str } from '../program/repr.js';
import { PyTuple, type PyClass, type PyValue } from '../program/values.js';
import { groupParams, initOptimizer, Optimizer, paramState, required, runStep, groupsOf } from './optimizer.js';

type Args = Record<string, PyValue | undefined>;

interface AlgorithmSpec {
  name: string;
  module: string;
  /** Constructor parameters after `params`, with PyTorch's defaults, in its order. */
  params: [string, PyValue][];
  /** The defaults dict's keys, in PyTorch's order. */
  defaults: string[];
  /** PyTorch's argument checks (ValueErrors). */
  check(a: Args): void;
  /** Work done once the groups exist (Adagrad's eager state). */
  afterInit?: (self: PyValue) => void;
  /** One step over one group. */
  update(self: PyValue, group: PyDict): void;
}

const n = (v: PyValue | undefined) => toNumber(v, 'value');
const flag = (v: PyValue | undefined) => toBool(v, false);
const invalid = (what: string, v: PyValue | undefined) => new PyError('ValueError', `Invalid ${what}: ${str(v ?? null)}`);
const atLeast0 = (a: Args, key: string, what: string) => {
  if (!(n(a[key]) >= 0)) throw invalid(what, a[key]);
};

function algorithm(spec: AlgorithmSpec): PyClass {
  return defineClass({
    name: spec.name,
    module: spec.module,
    bases: [Optimizer],
    methods: {
      __init__(self, call) {
        const a = bind(`${spec.name}.__init__`, call, ['params', ...spec.params.map(([k]) => `${k}=`)]);
        for (const [k, fallback] of spec.params) a[k] ??= fallback;
        spec.check(a);
        const defaults = new PyDict();
        for (const k of spec.defaults) defaults.set(k, a[k]!);
        initOptimizer(self, a.params!, defaults);
        spec.afterInit?.(self);
        return null;
      },
      step(self, call) {
        return runStep(self, call, () => {
          for (const group of groupsOf(self)) spec.update(self, group as PyDict);
        });
      },
    },
  });
}

const get = (group: PyDict, key: string) => group.getStr(key);
const withGrad = (group: PyDict) => groupParams(group).filter((p) => p.grad !== null);
const scalarTensor = (v: number) => new Tensor(NDArray.scalar(v, 'float32'));
const gradOf = (p: Tensor, maximize: boolean) => (maximize ? F.neg(p.grad!) : p.grad!);
const betas = (group: PyDict): [number, number] => {
  const b = get(group, 'betas');
  const items = b instanceof PyTuple ? b.items : (b as PyValue[]);
  return [n(items[0]), n(items[1])];
};

export const SGD = algorithm({
  name: 'SGD',
  module: 'torch.optim.sgd',
  params: [['lr', required], ['momentum', 0n], ['dampening', 0n], ['weight_decay', 0n], ['nesterov', false], ['maximize', false], ['foreach', null], ['differentiable', false]],
  defaults: ['lr', 'momentum', 'dampening', 'weight_decay', 'nesterov', 'maximize', 'foreach', 'differentiable'],
  check(a) {
    if (a.lr !== required && n(a.lr) < 0) throw invalid('learning rate', a.lr);
    if (n(a.momentum) < 0) throw invalid('momentum value', a.momentum);
    if (n(a.weight_decay) < 0) throw invalid('weight_decay value', a.weight_decay);
    if (flag(a.nesterov) && (n(a.momentum) <= 0 || n(a.dampening) !== 0)) throw new PyError('ValueError', 'Nesterov momentum requires a momentum and zero dampening');
  },
  update(self, group) {
    const [lr, momentum, dampening, wd] = ['lr', 'momentum', 'dampening', 'weight_decay'].map((k) => n(get(group, k)));
    const [nesterov, maximize] = [flag(get(group, 'nesterov')), flag(get(group, 'maximize'))];
    for (const p of withGrad(group)) {
      const state = paramState(self, p);
      let buf = (state.getStr('momentum_buffer') ?? null) as Tensor | null;
      let dp = gradOf(p, maximize);
      if (wd !== 0) dp = F.addAlpha(dp, p, wd);
      if (momentum !== 0) {
        if (buf === null) buf = F.clone(dp);
        else F.addAlphaInPlace(F.mulInPlace(buf, momentum), dp, 1 - dampening);
        dp = nesterov ? F.addAlpha(dp, buf, momentum) : buf;
      }
      F.addAlphaInPlace(p, dp, -lr);
      state.set('momentum_buffer', buf);
    }
  },
});

function checkAdam(a: Args): void {
  atLeast0(a, 'lr', 'learning rate');
  atLeast0(a, 'eps', 'epsilon value');
  const b = a.betas instanceof PyTuple ? a.betas.items : (a.betas as PyValue[]);
  if (!(n(b[0]) >= 0 && n(b[0]) < 1)) throw invalid('beta parameter at index 0', b[0]);
  if (!(n(b[1]) >= 0 && n(b[1]) < 1)) throw invalid('beta parameter at index 1', b[1]);
  atLeast0(a, 'weight_decay', 'weight_decay value');
}

/** Adam's lazy state: a float32 step counter and the two moments (and the max for amsgrad). */
function adamState(self: PyValue, p: Tensor, amsgrad: boolean): PyDict {
  const state = paramState(self, p);
  if (state.size === 0) {
    state.set('step', scalarTensor(0));
    state.set('exp_avg', F.zerosLike(p));
    state.set('exp_avg_sq', F.zerosLike(p));
    if (amsgrad) state.set('max_exp_avg_sq', F.zerosLike(p));
  }
  return state;
}

/** The moments and the parameter update shared by Adam and AdamW (after weight decay). */
function adamUpdate(p: Tensor, grad: Tensor, state: PyDict, group: PyDict, step: number): void {
  const [beta1, beta2] = betas(group);
  const [lr, eps] = [n(get(group, 'lr')), n(get(group, 'eps'))];
  const expAvg = state.getStr('exp_avg') as Tensor;
  const expAvgSq = state.getStr('exp_avg_sq') as Tensor;
  F.addAlphaInPlace(F.mulInPlace(expAvg, beta1), grad, 1 - beta1);
  F.addcmulInPlace(F.mulInPlace(expAvgSq, beta2), grad, grad, 1 - beta2);
  const stepSize = lr / (1 - pyPow(beta1, step));
  const bc2Sqrt = Math.sqrt(1 - pyPow(beta2, step));
  let second = expAvgSq;
  if (flag(get(group, 'amsgrad'))) {
    const max = state.getStr('max_exp_avg_sq') as Tensor;
    F.copyInPlace(max, F.maximum(max, expAvgSq));
    second = max;
  }
  const denom = F.addInPlace(F.div(F.sqrt(second), bc2Sqrt), eps);
  F.addcdivInPlace(p, expAvg, denom, -stepSize);
}

/** `step_t += 1; step = step_t.item()`. */
function countStep(state: PyDict): number {
  const stepT = state.getStr('step') as Tensor;
  F.addInPlace(stepT, { value: 1, kind: 'int' });
  return stepT.item();
}

export const Adam = algorithm({
  name: 'Adam',
  module: 'torch.optim.adam',
  params: [
    ['lr', 0.001], ['betas', new PyTuple([0.9, 0.999])], ['eps', 1e-8], ['weight_decay', 0n], ['amsgrad', false],
    ['foreach', null], ['maximize', false], ['capturable', false], ['differentiable', false], ['fused', false],
  ],
  defaults: ['lr', 'betas', 'eps', 'weight_decay', 'amsgrad', 'maximize', 'foreach', 'capturable', 'differentiable', 'fused'],
  check: checkAdam,
  update(self, group) {
    const [amsgrad, maximize] = [flag(get(group, 'amsgrad')), flag(get(group, 'maximize'))];
    const wd = n(get(group, 'weight_decay'));
    for (const p of withGrad(group)) {
      const state = adamState(self, p, amsgrad);
      let grad = gradOf(p, maximize);
      const step = countStep(state);
      if (wd !== 0) grad = F.addAlpha(grad, p, wd);
      adamUpdate(p, grad, state, group, step);
    }
  },
});

export const AdamW = algorithm({
  name: 'AdamW',
  module: 'torch.optim.adamw',
  params: [['lr', 0.001], ['betas', new PyTuple([0.9, 0.999])], ['eps', 1e-8], ['weight_decay', 0.01], ['amsgrad', false], ['maximize', false], ['foreach', null], ['capturable', false]],
  defaults: ['lr', 'betas', 'eps', 'weight_decay', 'amsgrad', 'foreach', 'maximize', 'capturable'],
  check: checkAdam,
  update(self, group) {
    const [amsgrad, maximize] = [flag(get(group, 'amsgrad')), flag(get(group, 'maximize'))];
    const [lr, wd] = [n(get(group, 'lr')), n(get(group, 'weight_decay'))];
    for (const p of withGrad(group)) {
      const state = adamState(self, p, amsgrad);
      const grad = gradOf(p, maximize);
      const step = countStep(state);
      F.mulInPlace(p, 1 - lr * wd);
      adamUpdate(p, grad, state, group, step);
    }
  },
});

export const RMSprop = algorithm({
  name: 'RMSprop',
  module: 'torch.optim.rmsprop',
  params: [['lr', 0.01], ['alpha', 0.99], ['eps', 1e-8], ['weight_decay', 0n], ['momentum', 0n], ['centered', false], ['foreach', null], ['maximize', false], ['differentiable', false]],
  defaults: ['lr', 'momentum', 'alpha', 'eps', 'centered', 'weight_decay', 'foreach', 'maximize', 'differentiable'],
  check(a) {
    atLeast0(a, 'lr', 'learning rate');
    atLeast0(a, 'eps', 'epsilon value');
    atLeast0(a, 'momentum', 'momentum value');
    atLeast0(a, 'weight_decay', 'weight_decay value');
    atLeast0(a, 'alpha', 'alpha value');
  },
  update(self, group) {
    const [lr, alpha, eps, wd, momentum] = ['lr', 'alpha', 'eps', 'weight_decay', 'momentum'].map((k) => n(get(group, k)));
    const [centered, maximize] = [flag(get(group, 'centered')), flag(get(group, 'maximize'))];
    for (const p of withGrad(group)) {
      const state = paramState(self, p);
      if (state.size === 0) {
        state.set('step', 0n);
        state.set('square_avg', F.zerosLike(p));
        if (momentum > 0) state.set('momentum_buffer', F.zerosLike(p));
        if (centered) state.set('grad_avg', F.zerosLike(p));
      }
      state.set('step', (state.getStr('step') as bigint) + 1n);
      let grad = gradOf(p, maximize);
      if (wd !== 0) grad = F.addAlpha(grad, p, wd);
      const squareAvg = state.getStr('square_avg') as Tensor;
      F.addcmulInPlace(F.mulInPlace(squareAvg, alpha), grad, grad, 1 - alpha);
      let avg: Tensor;
      if (centered) {
        const gradAvg = state.getStr('grad_avg') as Tensor;
        F.addAlphaInPlace(F.mulInPlace(gradAvg, alpha), grad, 1 - alpha);
        avg = F.unaryInPlace('sqrt', F.addcmul(squareAvg, gradAvg, gradAvg, -1));
      } else avg = F.sqrt(squareAvg);
      avg = F.addInPlace(avg, eps);
      if (momentum > 0) {
        const buf = state.getStr('momentum_buffer') as Tensor;
        F.addcdivInPlace(F.mulInPlace(buf, momentum), grad, avg);
        F.addAlphaInPlace(p, buf, -lr);
      } else F.addcdivInPlace(p, grad, avg, -lr);
    }
  },
});

export const Adagrad = algorithm({
  name: 'Adagrad',
  module: 'torch.optim.adagrad',
  params: [['lr', 0.01], ['lr_decay', 0n], ['weight_decay', 0n], ['initial_accumulator_value', 0n], ['eps', 1e-10], ['foreach', null], ['maximize', false]],
  defaults: ['lr', 'lr_decay', 'eps', 'weight_decay', 'initial_accumulator_value', 'foreach', 'maximize'],
  check(a) {
    atLeast0(a, 'lr', 'learning rate');
    atLeast0(a, 'lr_decay', 'lr_decay value');
    atLeast0(a, 'weight_decay', 'weight_decay value');
    atLeast0(a, 'initial_accumulator_value', 'initial_accumulator_value value');
    atLeast0(a, 'eps', 'epsilon value');
  },
  afterInit(self) {
    for (const group of groupsOf(self)) {
      const init = n((group as PyDict).getStr('initial_accumulator_value'));
      for (const p of groupParams(group)) {
        const state = paramState(self, p);
        state.set('step', scalarTensor(0));
        state.set('sum', F.fullLike(p, init));
      }
    }
  },
  update(self, group) {
    const [lr, lrDecay, eps, wd] = ['lr', 'lr_decay', 'eps', 'weight_decay'].map((k) => n(get(group, k)));
    const maximize = flag(get(group, 'maximize'));
    for (const p of withGrad(group)) {
      const state = paramState(self, p);
      const step = countStep(state);
      let grad = gradOf(p, maximize);
      if (wd !== 0) grad = F.addAlpha(grad, p, wd);
      const clr = lr / (1 + (step - 1) * lrDecay);
      const sum = state.getStr('sum') as Tensor;
      F.addcmulInPlace(sum, grad, grad, 1);
      const std = F.addInPlace(F.sqrt(sum), eps);
      F.addcdivInPlace(p, grad, std, -clr);
    }
  },
});
