/**
 * The layers with parameters or options: nn.Linear and nn.Bilinear
 * (PyTorch's default initialisation from the generator), nn.Flatten, nn.LeakyReLU,
 * nn.Softmax/LogSoftmax, nn.Dropout, and F.dropout as PyTorch 1.13's CPU
 * `_dropout` computes it.
 */
import { Tensor } from '../autograd/tensor.js';
import * as F from '../ops/functional.js';
import type { DType } from '../tensor/dtype.js';
import { PyError } from '../tensor/errors.js';
import { NDArray } from '../tensor/ndarray.js';
import { bind, toBool, toInt, toNumber } from '../program/args.js';
import { UnsupportedError } from '../program/errors.js';
import { defineClass } from '../program/native.js';
import { callValue, getAttr, objectSetAttr, warn } from '../program/objects.js';
import { repr, str } from '../program/repr.js';
import { softmaxImpl } from '../program/torch-functional.js';
import { Builtin, PyDType, PyInstance, type PyValue } from '../program/values.js';
import { bernoulli_ } from '../random/torch-random.js';
import { activation, tensorInput } from './activations.js';
import { fanInAndOut, kaimingUniform, uniformInit } from './init.js';
import { initModule, Module, moduleState, registerParameter } from './module.js';
import { makeParameter } from './parameter.js';

const set = (self: PyValue, name: string, value: PyValue) => objectSetAttr(self as PyInstance, name, value);
const attr = (self: PyValue, name: string) => getAttr(self, name);
const pyBool = (b: boolean) => (b ? 'True' : 'False');

function emptyParameter(shape: number[], dtype: DType = 'float32'): Tensor {
  for (const d of shape) {
    if (d < 0) throw new PyError('RuntimeError', `Trying to create tensor with negative dimension ${d}: [${shape.join(', ')}]`);
  }
  return makeParameter(new Tensor(NDArray.full(shape, 0, dtype)));
}

/** A `dtype=` factory keyword: float32 unless a float dtype is given. */
function factoryDtype(v: PyValue | undefined): DType {
  if (v === undefined || v === null) return 'float32';
  if (v instanceof PyDType && (v.dtype === 'float32' || v.dtype === 'float64')) return v.dtype;
  throw new UnsupportedError(`dtype=${repr(v)} is not supported for a layer's parameters (float32 or float64)`);
}

export const Linear = defineClass({
  name: 'Linear',
  module: 'torch.nn.modules.linear',
  bases: [Module],
  methods: {
    __init__(self, call) {
      const a = bind('Linear.__init__', call, ['in_features', 'out_features', 'bias=', 'device=', 'dtype=']);
      initModule(self);
      const [inF, outF] = [toInt(a.in_features, 'in_features'), toInt(a.out_features, 'out_features')];
      set(self, 'in_features', a.in_features!);
      set(self, 'out_features', a.out_features!);
      const dtype = factoryDtype(a.dtype);
      registerParameter(self, 'weight', emptyParameter([outF, inF], dtype));
      registerParameter(self, 'bias', toBool(a.bias, true) ? emptyParameter([outF], dtype) : null);
      callValue(attr(self, 'reset_parameters'), []);
      return null;
    },
    reset_parameters(self) {
      const { params } = moduleState(self);
      const weight = params.get('weight')!;
      kaimingUniform(weight, Math.sqrt(5));
      const bias = params.get('bias');
      if (bias) {
        const [fanIn] = fanInAndOut(weight);
        const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
        uniformInit(bias, -bound, bound);
      }
      return null;
    },
    forward(self, call) {
      const x = tensorInput(bind('forward', call, ['input']).input, 'linear');
      const { params } = moduleState(self);
      return F.linear(x, params.get('weight')!, params.get('bias') ?? null);
    },
    extra_repr: (self) =>
      `in_features=${str(attr(self, 'in_features'))}, out_features=${str(attr(self, 'out_features'))}, bias=${pyBool(moduleState(self).params.get('bias') != null)}`,
  },
});

export const Bilinear = defineClass({
  name: 'Bilinear',
  module: 'torch.nn.modules.linear',
  bases: [Module],
  methods: {
    __init__(self, call) {
      const a = bind('Bilinear.__init__', call, ['in1_features', 'in2_features', 'out_features', 'bias=', 'device=', 'dtype=']);
      initModule(self);
      const [in1, in2, out] = [toInt(a.in1_features, 'in1_features'), toInt(a.in2_features, 'in2_features'), toInt(a.out_features, 'out_features')];
      const dtype = factoryDtype(a.dtype);
      set(self, 'in1_features', a.in1_features!);
      set(self, 'in2_features', a.in2_features!);
      set(self, 'out_features', a.out_features!);
      registerParameter(self, 'weight', emptyParameter([out, in1, in2], dtype));
      registerParameter(self, 'bias', toBool(a.bias, true) ? emptyParameter([out], dtype) : null);
      callValue(attr(self, 'reset_parameters'), []);
      return null;
    },
    // bound = 1 / math.sqrt(weight.size(1)), then uniform_ on the weight and the bias.
    reset_parameters(self) {
      const { params } = moduleState(self);
      const weight = params.get('weight')!;
      const fanIn = weight.shape[1]!;
      if (fanIn === 0) throw new PyError('ZeroDivisionError', 'float division by zero');
      const bound = 1 / Math.sqrt(fanIn);
      uniformInit(weight, -bound, bound);
      const bias = params.get('bias');
      if (bias) uniformInit(bias, -bound, bound);
      return null;
    },
    forward(self, call) {
      const a = bind('Bilinear.forward', call, ['input1', 'input2']);
      const { params } = moduleState(self);
      return F.bilinear(tensorInput(a.input1, 'bilinear', 'input1'), tensorInput(a.input2, 'bilinear', 'input2', 2), params.get('weight')!, params.get('bias') ?? null);
    },
    extra_repr: (self) =>
      `in1_features=${str(attr(self, 'in1_features'))}, in2_features=${str(attr(self, 'in2_features'))}, out_features=${str(attr(self, 'out_features'))}, bias=${pyBool(moduleState(self).params.get('bias') != null)}`,
  },
});

export const Flatten = activation({
  name: 'Flatten',
  module: 'torch.nn.modules.flatten',
  params: [['start_dim', 1n], ['end_dim', -1n]],
  forward: (x, self) => F.flatten(tensorInput(x, 'flatten'), toInt(attr(self, 'start_dim'), 'start_dim'), toInt(attr(self, 'end_dim'), 'end_dim')),
  extraRepr: (self) => `start_dim=${str(attr(self, 'start_dim'))}, end_dim=${str(attr(self, 'end_dim'))}`,
});

export const LeakyReLU = activation({
  name: 'LeakyReLU',
  params: [['negative_slope', 0.01], ['inplace', false]],
  forward: (x, self) => {
    const slope = toNumber(attr(self, 'negative_slope'), 'negative_slope');
    const input = tensorInput(x, 'leaky_relu');
    if (toBool(attr(self, 'inplace'), false)) throw new UnsupportedError('nn.LeakyReLU(inplace=True) is not supported');
    return F.leakyRelu(input, slope);
  },
  extraRepr: (self) => `negative_slope=${str(attr(self, 'negative_slope'))}${toBool(attr(self, 'inplace'), false) ? ', inplace=True' : ''}`,
});

const softmaxFn = softmaxImpl('softmax', true, (m) => warn(m));
const logSoftmaxFn = softmaxImpl('log_softmax', true, (m) => warn(m));
const stacklevel = new Map([['_stacklevel', 5n as PyValue]]);

export const Softmax = activation({
  name: 'Softmax',
  params: [['dim', null]],
  forward: (x, self) => softmaxFn({ args: [x, attr(self, 'dim')], kwargs: stacklevel }) as Tensor,
  extraRepr: (self) => `dim=${str(attr(self, 'dim'))}`,
});

export const LogSoftmax = activation({
  name: 'LogSoftmax',
  params: [['dim', null]],
  forward: (x, self) => logSoftmaxFn({ args: [x, attr(self, 'dim')], kwargs: stacklevel }) as Tensor,
  extraRepr: (self) => `dim=${str(attr(self, 'dim'))}`,
});

function checkProbability(p: number): void {
  if (p < 0 || p > 1) throw new PyError('ValueError', `dropout probability has to be between 0 and 1, but got ${repr(p)}`);
}

/** at::dropout on the CPU: a bernoulli(1 - p) mask divided by 1 - p, multiplied in (MulBackward0). */
export function dropout(x: Tensor, p: number, training: boolean, inplace: boolean): Tensor {
  if (p === 0 || !training || x.numel === 0) return x;
  const times = (noise: Tensor) => (inplace ? F.mulInPlace(x, noise) : F.mul(x, noise));
  if (p === 1) return times(new Tensor(NDArray.scalar(0, x.dtype)));
  const noise = new Tensor(NDArray.full(x.shape, 0, x.dtype));
  bernoulli_(noise, 1 - p);
  F.divInPlace(noise, 1 - p);
  return times(noise);
}

export const Dropout = defineClass({
  name: 'Dropout',
  module: 'torch.nn.modules.dropout',
  bases: [Module],
  methods: {
    __init__(self, call) {
      const a = bind('Dropout.__init__', call, ['p=', 'inplace=']);
      initModule(self);
      const p = a.p ?? 0.5;
      checkProbability(toNumber(p, 'p'));
      set(self, 'p', p);
      set(self, 'inplace', a.inplace ?? false);
      return null;
    },
    forward(self, call) {
      const x = tensorInput(bind('forward', call, ['input']).input, 'dropout');
      const training = toBool(attr(self, 'training'), true);
      return dropout(x, toNumber(attr(self, 'p'), 'p'), training, toBool(attr(self, 'inplace'), false));
    },
    extra_repr: (self) => `p=${str(attr(self, 'p'))}, inplace=${str(attr(self, 'inplace'))}`,
  },
});

/** `F.dropout(input, p=0.5, training=True, inplace=False)`. */
export const functionalDropout = new Builtin(
  'dropout',
  (call) => {
    const a = bind('dropout', call, ['input', 'p=', 'training=', 'inplace=']);
    const p = a.p === undefined ? 0.5 : toNumber(a.p, 'p');
    checkProbability(p);
    return dropout(tensorInput(a.input, 'dropout'), p, toBool(a.training, true), toBool(a.inplace, false));
  },
  undefined,
  'torch.nn.functional',
);
