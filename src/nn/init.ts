/**
 * torch.nn.init as PyTorch 1.13 computes it: bounds and standard
 * deviations in Python float arithmetic, then one in-place draw from the
 * generator under no_grad (uniform_/normal_ of src/random, so the values
 * are PyTorch's for the same seed) or a fill.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../autograd/tensor.js';
import * as F from '../ops/functional.js';
import { PyError } from '../tensor/errors.js';
import { bind, toNumber } from '../program/args.js';
import { UnsupportedError } from '../program/errors.js';
import { warn } from '../program/objects.js';
import { str } from '../program/repr.js';
import { Builtin, type CallArgs, type PyValue } from '../program/values.js';
import { normal_, uniform_ } from '../random/torch-random.js';

const valueError = (message: string) => new PyError('ValueError', message);

const LINEAR_FNS = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d'];

/** `calculate_gain(nonlinearity, param=None)`: an int 1 for the linear ones, as PyTorch returns. */
export function calculateGain(nonlinearity: PyValue, param: PyValue = null): number | bigint {
  if (typeof nonlinearity === 'string' && (LINEAR_FNS.includes(nonlinearity) || nonlinearity === 'sigmoid')) return 1n;
  if (nonlinearity === 'tanh') return 5.0 / 3;
  if (nonlinearity === 'relu') return Math.sqrt(2.0);
  if (nonlinearity === 'leaky_relu') {
    let slope: number;
    if (param === null) slope = 0.01;
    else if (typeof param === 'bigint' || typeof param === 'number') slope = Number(param);
    else throw valueError(`negative_slope ${str(param)} not a valid number`);
    return Math.sqrt(2.0 / (1 + slope ** 2));
  }
  if (nonlinearity === 'selu') return 3.0 / 4;
  throw valueError(`Unsupported nonlinearity ${str(nonlinearity)}`);
}

/** `_calculate_fan_in_and_fan_out`: size(1) and size(0), times the receptive field. */
export function fanInAndOut(t: Tensor): [number, number] {
  if (t.shape.length < 2) throw valueError('Fan in and fan out can not be computed for tensor with fewer than 2 dimensions');
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return [t.shape[1]! * receptive, t.shape[0]! * receptive];
}

function correctFan(t: Tensor, mode: PyValue): number {
  const m = String(mode).toLowerCase();
  if (m !== 'fan_in' && m !== 'fan_out') throw valueError(`Mode ${str(mode)} not supported, please use one of ['fan_in', 'fan_out']`);
  const [fanIn, fanOut] = fanInAndOut(t);
  return m === 'fan_in' ? fanIn : fanOut;
}

const num = (v: PyValue | undefined, fallback: number, what: string) => (v === undefined ? fallback : toNumber(v, what));
const gainNumber = (g: number | bigint) => Number(g);

/** `kaiming_uniform_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu')`. */
export function kaimingUniform(t: Tensor, a: number, mode: PyValue = 'fan_in', nonlinearity: PyValue = 'leaky_relu'): Tensor {
  if (t.shape.includes(0)) {
    warn('Initializing zero-element tensors is a no-op');
    return t;
  }
  const fan = correctFan(t, mode);
  const std = gainNumber(calculateGain(nonlinearity, a)) / Math.sqrt(fan);
  const bound = Math.sqrt(3.0) * std;
  return noGrad(() => uniform_(t, -bound, bound));
}

export function uniformInit(t: Tensor, low: number, high: number): Tensor {
  return noGrad(() => uniform_(t, low, high));
}

function tensorArg(v: PyValue | undefined, fn: string): Tensor {
  if (v instanceof Tensor) return v;
  throw new UnsupportedError(`nn.init.${fn} of a ${v === undefined ? 'missing' : 'non-tensor'} argument is not supported`);
}

type Impl = (call: CallArgs) => PyValue;

const functions: Record<string, Impl> = {
  calculate_gain(call) {
    const a = bind('calculate_gain', call, ['nonlinearity', 'param=']);
    return calculateGain(a.nonlinearity!, a.param ?? null);
  },
  uniform_(call) {
    const a = bind('uniform_', call, ['tensor', 'a=', 'b=']);
    return uniformInit(tensorArg(a.tensor, 'uniform_'), num(a.a, 0, 'a'), num(a.b, 1, 'b'));
  },
  normal_(call) {
    const a = bind('normal_', call, ['tensor', 'mean=', 'std=']);
    const t = tensorArg(a.tensor, 'normal_');
    return noGrad(() => normal_(t, num(a.mean, 0, 'mean'), num(a.std, 1, 'std')));
  },
  constant_(call) {
    const a = bind('constant_', call, ['tensor', 'val']);
    const t = tensorArg(a.tensor, 'constant_');
    return noGrad(() => F.fillInPlace(t, toNumber(a.val, 'val')));
  },
  ones_(call) {
    const t = tensorArg(bind('ones_', call, ['tensor']).tensor, 'ones_');
    return noGrad(() => F.fillInPlace(t, 1));
  },
  zeros_(call) {
    const t = tensorArg(bind('zeros_', call, ['tensor']).tensor, 'zeros_');
    return noGrad(() => F.zeroInPlace(t));
  },
  xavier_uniform_(call) {
    const a = bind('xavier_uniform_', call, ['tensor', 'gain=']);
    const t = tensorArg(a.tensor, 'xavier_uniform_');
    const [fanIn, fanOut] = fanInAndOut(t);
    const std = num(a.gain, 1, 'gain') * Math.sqrt(2.0 / (fanIn + fanOut));
    const bound = Math.sqrt(3.0) * std;
    return uniformInit(t, -bound, bound);
  },
  xavier_normal_(call) {
    const a = bind('xavier_normal_', call, ['tensor', 'gain=']);
    const t = tensorArg(a.tensor, 'xavier_normal_');
    const [fanIn, fanOut] = fanInAndOut(t);
    const std = num(a.gain, 1, 'gain') * Math.sqrt(2.0 / (fanIn + fanOut));
    return noGrad(() => normal_(t, 0, std));
  },
  kaiming_uniform_(call) {
    const a = bind('kaiming_uniform_', call, ['tensor', 'a=', 'mode=', 'nonlinearity=']);
    return kaimingUniform(tensorArg(a.tensor, 'kaiming_uniform_'), num(a.a, 0, 'a'), a.mode ?? 'fan_in', a.nonlinearity ?? 'leaky_relu');
  },
  kaiming_normal_(call) {
    const a = bind('kaiming_normal_', call, ['tensor', 'a=', 'mode=', 'nonlinearity=']);
    const t = tensorArg(a.tensor, 'kaiming_normal_');
    if (t.shape.includes(0)) {
      warn('Initializing zero-element tensors is a no-op');
      return t;
    }
    const fan = correctFan(t, a.mode ?? 'fan_in');
    const std = gainNumber(calculateGain(a.nonlinearity ?? 'leaky_relu', a.a === undefined ? 0n : a.a)) / Math.sqrt(fan);
    return noGrad(() => normal_(t, 0, std));
  },
};

/** The torch.nn.init module's attributes. */
export function initModuleAttributes(): Map<string, PyValue> {
  return new Map(Object.entries(functions).map(([name, impl]) => [name, new Builtin(name, impl, undefined, 'torch.nn.init')]));
}

