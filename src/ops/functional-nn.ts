/**
 * The functional API of softmax, log_softmax and the losses (re-exported by
 * functional.ts): PyTorch's argument checks, and the compositions PyTorch
 * itself uses (l1_loss is `mean(abs(input - target))`, cross_entropy is
 * nll_loss of log_softmax).
 */
import { Tensor } from '../autograd/tensor.js';
import { PyError, runtimeError, UnsupportedError } from '../tensor/errors.js';
import { NDArray, broadcastShapes, normalizeDim } from '../tensor/ndarray.js';
import * as F from './functional.js';
import * as L from './losses.js';
import * as Sm from './softmax.js';
import * as T from './trilinear.js';
import { call, dtypeTitle } from './registry.js';

export type ReductionName = 'none' | 'mean' | 'sum';

export function reductionOf(name: string): L.Reduction {
  if (name === 'none') return L.NONE;
  if (name === 'mean') return L.MEAN;
  if (name === 'sum') return L.SUM;
  throw new PyError('ValueError', `${name} is not a valid value for reduction`);
}

function along(a: Tensor, dim: number): Sm.Along {
  return { dim: a.shape.length === 0 ? 0 : normalizeDim(dim, a.shape.length), shape: a.shape };
}

function softmaxInput(a: Tensor, log: boolean): void {
  if (a.dtype === 'int64' || a.dtype === 'bool') {
    throw runtimeError(`"${log ? 'log_softmax_lastdim_kernel_impl' : 'softmax_lastdim_kernel_impl'}" not implemented for '${dtypeTitle(a.dtype)}'`);
  }
}

export function softmax(a: Tensor, dim: number): Tensor {
  softmaxInput(a, false);
  return call(Sm.softmax, [a], along(a, dim));
}
export function logSoftmax(a: Tensor, dim: number): Tensor {
  softmaxInput(a, true);
  return call(Sm.logSoftmax, [a], along(a, dim));
}
export const softmaxBackwardData = (g: Tensor, y: Tensor, dim: number): Tensor => call(Sm.softmaxBackwardData, [g, y], along(y, dim));
export const logSoftmaxBackwardData = (g: Tensor, y: Tensor, dim: number): Tensor => call(Sm.logSoftmaxBackwardData, [g, y], along(y, dim));

/** F.mse_loss and friends broadcast input and target first (torch.broadcast_tensors: expand only where the shape differs). */
function broadcastPair(input: Tensor, target: Tensor): [Tensor, Tensor] {
  const shape = broadcastShapes(input.shape, target.shape);
  const fit = (t: Tensor) => (t.shape.join() === shape.join() ? t : F.expand(t, shape));
  return [fit(input), fit(target)];
}

export function mseLoss(input: Tensor, target: Tensor, reduction: L.Reduction = L.MEAN): Tensor {
  const [x, t] = broadcastPair(input, target);
  return call(L.mseLoss, [x, t], { reduction, beta: 0 });
}
export const mseLossBackward = (g: Tensor, x: Tensor, t: Tensor, attrs: L.LossAttrs & { norm: number }): Tensor => call(L.mseLossBackward, [g, x, t], attrs);

export function l1Loss(input: Tensor, target: Tensor, reduction: L.Reduction = L.MEAN): Tensor {
  const [x, t] = broadcastPair(input, target);
  const d = F.abs(F.sub(x, t));
  return reduction === L.NONE ? d : reduction === L.SUM ? F.sum(d) : F.mean(d);
}

export function smoothL1Loss(input: Tensor, target: Tensor, reduction: L.Reduction = L.MEAN, beta = 1): Tensor {
  if (beta < 0) throw runtimeError('smooth_l1_loss does not support negative values for beta.');
  const [x, t] = broadcastPair(input, target);
  return call(L.smoothL1Loss, [x, t], { reduction, beta });
}
export const smoothL1LossBackward = (g: Tensor, x: Tensor, t: Tensor, attrs: L.LossAttrs & { norm: number }): Tensor =>
  call(L.smoothL1LossBackward, [g, x, t], attrs);

/** A weight broadcast to the input's shape (ones when none is given). */
function weightLike(input: Tensor, weight: Tensor | null): Tensor {
  if (!weight) return new Tensor(NDArray.full(input.shape, 1, input.dtype));
  return weight.shape.join() === input.shape.join() ? weight : F.expand(weight, [...input.shape]);
}

export function binaryCrossEntropy(input: Tensor, target: Tensor, weight: Tensor | null = null, reduction: L.Reduction = L.MEAN): Tensor {
  if (target.shape.join() !== input.shape.join()) {
    throw new PyError('ValueError', `Using a target size (torch.Size([${target.shape.join(', ')}])) that is different to the input size (torch.Size([${input.shape.join(', ')}])) is deprecated. Please ensure they have the same size.`);
  }
  if (input.array.values().some((v) => !(v >= 0 && v <= 1))) throw runtimeError('all elements of input should be between 0 and 1');
  return call(L.binaryCrossEntropy, [input, target, weightLike(input, weight)], { reduction, beta: 0, weight: weight !== null });
}
export const binaryCrossEntropyBackward = (g: Tensor, x: Tensor, t: Tensor, w: Tensor, attrs: L.LossAttrs & { norm: number }): Tensor =>
  call(L.binaryCrossEntropyBackward, [g, x, t, w], attrs);

export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  weight: Tensor | null = null,
  posWeight: Tensor | null = null,
  reduction: L.Reduction = L.MEAN,
): Tensor {
  if (target.shape.join() !== input.shape.join()) {
    throw new PyError('ValueError', `Target size (torch.Size([${target.shape.join(', ')}])) must be the same as input size (torch.Size([${input.shape.join(', ')}]))`);
  }
  return call(L.binaryCrossEntropyWithLogits, [input, target, weightLike(input, weight), weightLike(input, posWeight)], {
    reduction,
    beta: 0,
    weight: weight !== null,
    posWeight: posWeight !== null,
  });
}

/** nll_loss of (N, C) or (C,) log-probabilities and class indices. */
function nllAttrs(input: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number, reduction: L.Reduction): L.NllAttrs {
  if (target.dtype !== 'int64') throw runtimeError(`expected scalar type Long but found ${dtypeTitle(target.dtype)}`);
  const batched = input.shape.length === 2;
  if (input.shape.length > 2 || input.shape.length === 0) throw new UnsupportedError(`nll_loss of a ${input.shape.length}-D input is not supported`);
  const rows = batched ? input.shape[0]! : 1;
  const classes = input.shape.at(-1)!;
  if (batched && target.shape[0] !== rows) {
    throw new PyError('ValueError', `Expected input batch_size (${rows}) to match target batch_size (${target.shape[0]}).`);
  }
  const ts = target.array.values();
  const ws = weight ? weight.array.values() : null;
  const positions = new Int32Array(rows);
  const weights = new Float64Array(rows);
  let totalWeight = 0;
  for (let i = 0; i < rows; i++) {
    const t = ts[i]!;
    if (t === ignoreIndex) {
      positions[i] = -1;
      continue;
    }
    if (t < 0 || t >= classes) throw new PyError('IndexError', `Target ${t} is out of bounds.`);
    positions[i] = i * classes + t;
    weights[i] = ws ? ws[t]! : 1;
    totalWeight += weights[i]!;
  }
  return { reduction: batched ? reduction : reduction === L.NONE ? L.SUM : reduction, positions, weights, totalWeight, shape: input.shape };
}

export function nllLoss(input: Tensor, target: Tensor, weight: Tensor | null = null, ignoreIndex = -100, reduction: L.Reduction = L.MEAN): Tensor {
  return call(L.nllLoss, [input], nllAttrs(input, target, weight, ignoreIndex, reduction));
}
export const nllLossWith = (x: Tensor, attrs: L.NllAttrs): Tensor => call(L.nllLoss, [x], attrs);
export const nllLossBackward = (g: Tensor, self: Tensor, attrs: L.NllAttrs): Tensor => call(L.nllLossBackward, [g, self], attrs);

/** F.cross_entropy: nll_loss of log_softmax over dim 1 (class indices), or -(log_softmax · p) for probabilities. */
export function crossEntropy(input: Tensor, target: Tensor, weight: Tensor | null = null, ignoreIndex = -100, reduction: L.Reduction = L.MEAN): Tensor {
  const classDim = input.shape.length === 1 ? 0 : 1;
  const logp = logSoftmax(input, classDim);
  if (target.dtype === 'int64') return nllLoss(logp, target, weight, ignoreIndex, reduction);
  if (target.shape.join() !== input.shape.join()) throw runtimeError(`expected scalar type Long but found ${dtypeTitle(target.dtype)}`);
  if (weight) throw new UnsupportedError('cross_entropy with probabilities and a weight is not supported');
  const product = F.mul(logp, target);
  if (reduction === L.NONE) return F.neg(F.sum(product, [classDim]));
  const total = F.neg(F.sum(product));
  return reduction === L.SUM ? total : F.divByNumber(total, input.numel / input.shape[classDim]!);
}

export const trilinear = (i1: Tensor, i2: Tensor, i3: Tensor, dims: T.TrilinearDims): Tensor => call(T.trilinear, [i1, i2, i3], dims);

/** `t.size(dim)` with PyTorch's IndexErrors. */
function sizeAt(t: Tensor, dim: number): number {
  if (t.shape.length === 0) throw new PyError('IndexError', `Dimension specified as ${dim} but tensor has no dimensions`);
  return t.shape[normalizeDim(dim, t.shape.length)]!;
}

/**
 * F.bilinear as 1.13's at::bilinear: PyTorch's checks, the inputs flattened
 * to matrices (reshape), `_trilinear` summing x1[n, i] * w[o, i, j] * x2[n, j]
 * over i and j, reshaped back, then `+ bias` (AddBackward0).
 */
export function bilinear(x1: Tensor, x2: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const rank = x1.shape.length;
  if (rank !== x2.shape.length) throw runtimeError(`bilinear(): input dimensions do not match: got ${rank} and ${x2.shape.length}`);
  for (let i = 0; i < rank - 1; i++) {
    if (x1.shape[i] !== x2.shape[i]) throw runtimeError(`bilinear(): input batch dimensions do not match at dim ${i}: got ${x1.shape[i]} and ${x2.shape[i]}`);
  }
  const [in1, in2] = [sizeAt(x1, rank - 1), sizeAt(x2, rank - 1)];
  if (in1 !== sizeAt(weight, 1)) throw runtimeError(`bilinear(): input1 size does not match weight size: got ${in1} but expected ${sizeAt(weight, 1)}`);
  if (in2 !== sizeAt(weight, 2)) throw runtimeError(`bilinear(): input2 size does not match weight size: got ${in2} but expected ${sizeAt(weight, 2)}`);
  if (bias && sizeAt(bias, 0) !== sizeAt(weight, 0)) throw runtimeError(`bilinear(): bias size does not match weight size: got ${sizeAt(bias, 0)} but expected ${sizeAt(weight, 0)}`);
  if (weight.shape.length !== 3) throw runtimeError('number of dimensions must match');
  const flat1 = F.reshape(x1, [-1, in1]);
  const flat2 = F.reshape(x2, [-1, in2]);
  // The bmm inside _trilinear wants one dtype (it runs only when no input is empty).
  if (flat1.numel && weight.numel && flat2.numel) {
    for (const other of [weight, x2]) {
      if (other.dtype !== x1.dtype) throw runtimeError(`expected scalar type ${dtypeTitle(x1.dtype)} but found ${dtypeTitle(other.dtype)}`);
    }
  }
  const product = trilinear(flat1, weight, flat2, { expand1: [1, 3], expand2: [0], expand3: [1, 2], sumdim: [2, 3], unrollDim: 1 });
  const out = F.reshape(product, [...x1.shape.slice(0, -1), weight.shape[0]!]);
  return bias ? F.add(out, bias) : out;
}
