/**
 * What `torch.nn.functional` gains: softmax/log_softmax (an implicit dim
 * warns, as PyTorch), the losses (with PyTorch's target-size warning and
 * `reduction=`), `linear`, `bilinear` and the activations.
 */
import { Tensor } from '../autograd/tensor.js';
import * as F from '../ops/functional.js';
import { runtimeError, UnsupportedError } from '../tensor/errors.js';
import { bind, toBool, toInt, toNumber, toTensorArg } from './args.js';
import { Builtin, PyDType, type CallArgs, type PyValue } from './values.js';

type Impl = (call: CallArgs) => PyValue;

const input = (a: Record<string, PyValue | undefined>) => toTensorArg(a.input, 'input');

// Softmax: an implicit dim warns and picks PyTorch's legacy choice.

export type Warn = (message: string) => void;

export function softmaxImpl(name: 'softmax' | 'log_softmax', functional: boolean, warn: Warn): Impl {
  return (call) => {
    const a = bind(name, call, functional ? ['input', 'dim=', '_stacklevel=', 'dtype='] : ['input', 'dim', 'dtype=']);
    let x = input(a);
    if (a.dtype instanceof PyDType) x = F.to(x, a.dtype.dtype);
    let dim: number;
    if (a.dim === undefined || a.dim === null) {
      warn(`Implicit dimension choice for ${name} has been deprecated. Change the call to include dim=X as an argument.`);
      dim = [0, 1, 3].includes(x.shape.length) ? 0 : 1;
    } else dim = toInt(a.dim, 'dim');
    return name === 'softmax' ? F.softmax(x, dim) : F.logSoftmax(x, dim);
  };
}

/** `torch.bilinear` and `F.bilinear(input1, input2, weight, bias=None)`. */
export const bilinearImpl: Impl = (call) => {
  const a = bind('bilinear', call, ['input1', 'input2', 'weight', 'bias=']);
  const bias = a.bias === undefined || a.bias === null ? null : toTensorArg(a.bias, 'bias');
  return F.bilinear(toTensorArg(a.input1, 'input1'), toTensorArg(a.input2, 'input2'), toTensorArg(a.weight, 'weight'), bias);
};

/** What `torch.nn.functional` gains. */
export function moreFunctional(warn: Warn): Map<string, PyValue> {
  const out = new Map<string, PyValue>();
  const def = (name: string, impl: Impl) => out.set(name, new Builtin(name, impl, undefined, 'torch.nn.functional'));
  const reduction = (a: Record<string, PyValue | undefined>) => {
    if (a.size_average !== undefined || a.reduce !== undefined) throw new UnsupportedError('the size_average and reduce arguments are not supported (use reduction=)');
    return F.reductionOf(a.reduction === undefined ? 'mean' : String(a.reduction));
  };
  const sizeWarning = (x: Tensor, t: Tensor) => {
    if (x.shape.join() !== t.shape.join()) {
      warn(`Using a target size (torch.Size([${t.shape.join(', ')}])) that is different to the input size (torch.Size([${x.shape.join(', ')}])). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.`);
    }
  };
  const pointwiseLoss = (name: string, f: (x: Tensor, t: Tensor, r: ReturnType<typeof reduction>, a: Record<string, PyValue | undefined>) => Tensor, extra: string[] = []) =>
    def(name, (call) => {
      const a = bind(name, call, ['input', 'target', 'size_average=', 'reduce=', 'reduction=', ...extra]);
      const [x, t] = [input(a), toTensorArg(a.target, 'target')];
      sizeWarning(x, t);
      return f(x, t, reduction(a), a);
    });
  pointwiseLoss('mse_loss', (x, t, r) => F.mseLoss(x, t, r));
  pointwiseLoss('l1_loss', (x, t, r) => F.l1Loss(x, t, r));
  pointwiseLoss('smooth_l1_loss', (x, t, r, a) => F.smoothL1Loss(x, t, r, a.beta === undefined ? 1 : toNumber(a.beta, 'beta')), ['beta=']);
  const optionalTensor = (v: PyValue | undefined, what: string) => (v === undefined || v === null ? null : toTensorArg(v, what));
  def('binary_cross_entropy', (call) => {
    const a = bind('binary_cross_entropy', call, ['input', 'target', 'weight=', 'size_average=', 'reduce=', 'reduction=']);
    return F.binaryCrossEntropy(input(a), toTensorArg(a.target, 'target'), optionalTensor(a.weight, 'weight'), reduction(a));
  });
  def('binary_cross_entropy_with_logits', (call) => {
    const a = bind('binary_cross_entropy_with_logits', call, ['input', 'target', 'weight=', 'size_average=', 'reduce=', 'reduction=', 'pos_weight=']);
    return F.binaryCrossEntropyWithLogits(input(a), toTensorArg(a.target, 'target'), optionalTensor(a.weight, 'weight'), optionalTensor(a.pos_weight, 'pos_weight'), reduction(a));
  });
  const classLoss = (name: string, f: typeof F.nllLoss) =>
    def(name, (call) => {
      const a = bind(name, call, ['input', 'target', 'weight=', 'size_average=', 'ignore_index=', 'reduce=', 'reduction=', 'label_smoothing=']);
      if (a.label_smoothing !== undefined && toNumber(a.label_smoothing, 'label_smoothing') !== 0) throw new UnsupportedError('label_smoothing is not supported');
      const ignore = a.ignore_index === undefined ? -100 : toInt(a.ignore_index, 'ignore_index');
      return f(input(a), toTensorArg(a.target, 'target'), optionalTensor(a.weight, 'weight'), ignore, reduction(a));
    });
  classLoss('nll_loss', F.nllLoss);
  classLoss('cross_entropy', F.crossEntropy);
  def('linear', (call) => {
    const a = bind('linear', call, ['input', 'weight', 'bias=']);
    return F.linear(input(a), toTensorArg(a.weight, 'weight'), optionalTensor(a.bias, 'bias'));
  });
  def('bilinear', bilinearImpl);
  def('softmax', softmaxImpl('softmax', true, warn));
  def('log_softmax', softmaxImpl('log_softmax', true, warn));
  const activation = (name: string, params: string[], f: (x: Tensor, a: Record<string, PyValue | undefined>) => Tensor, inPlace?: (x: Tensor, a: Record<string, PyValue | undefined>) => Tensor) =>
    def(name, (call) => {
      const a = bind(name, call, ['input', ...params, 'inplace=']);
      const x = input(a);
      if (toBool(a.inplace, false)) {
        if (!inPlace) throw new UnsupportedError(`F.${name}(inplace=True) is not supported`);
        return inPlace(x, a);
      }
      return f(x, a);
    });
  const num = (v: PyValue | undefined, fallback: number) => (v === undefined ? fallback : toNumber(v, 'value'));
  activation('relu', [], (x) => F.relu(x), (x) => F.unaryInPlace('relu', x));
  activation('leaky_relu', ['negative_slope='], (x, a) => F.leakyRelu(x, num(a.negative_slope, 0.01)));
  activation('elu', ['alpha='], (x, a) => F.elu(x, num(a.alpha, 1)));
  activation('selu', [], (x) => F.elu(x, 1.6732632423543772848170429916717, 1.0507009873554804934193349852946));
  activation('silu', [], (x) => F.silu(x));
  activation('hardtanh', ['min_val=', 'max_val='], (x, a) => F.hardtanh(x, num(a.min_val, -1), num(a.max_val, 1)));
  activation('relu6', [], (x) => F.hardtanh(x, 0, 6));
  def('gelu', (call) => {
    const a = bind('gelu', call, ['input', 'approximate=']);
    const approximate = a.approximate === undefined ? 'none' : String(a.approximate);
    if (approximate !== 'none' && approximate !== 'tanh') throw runtimeError(`approximate argument must be either none or tanh.`);
    return F.gelu(input(a), approximate);
  });
  return out;
}
