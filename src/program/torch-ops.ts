/**
 * The tensor functions a script can call both as `torch.f(t, …)` and as
 * `t.f(…)`, with Python's argument conventions, mapped onto the functional
 * API over the op registry.
 */
import { Tensor } from '../autograd/tensor.js';
import { PyError } from '../tensor/errors.js';
import * as F from '../ops/functional.js';
import { bind, isIntLike, toBool, toDims, toInt, toNumber, toScalar, toShape, toTensorArg } from './args.js';
import { isNumber, type CallArgs, type PyValue } from './values.js';
import { moreTensorFunctions } from './torch-more.js';

type Impl = (call: CallArgs) => PyValue;

/** A tensor or a Python number, as an op operand. */
function operand(v: PyValue | undefined, what: string): F.Operand {
  if (v instanceof Tensor) return v;
  if (v !== undefined && isNumber(v)) return toScalar(v);
  throw new PyError('TypeError', `${what} must be Tensor or Number`);
}

/** A bound that keeps whether it was an int or a float literal (it decides clamp's result dtype). */
const optionalScalar = (v: PyValue | undefined, what: string): F.Scalar | null =>
  v === undefined || v === null ? null : (toNumber(v, what), toScalar(v as boolean | bigint | number));

function unary(name: string, f: (t: Tensor) => Tensor): Impl {
  return (call) => f(toTensorArg(bind(name, call, ['input']).input, 'input'));
}

function binaryOp(name: string, f: (a: F.Operand, b: F.Operand) => Tensor): Impl {
  return (call) => {
    const a = bind(name, call, ['input', 'other', 'alpha=']);
    const other = operand(a.other, 'other');
    const scaled = a.alpha === undefined ? other : F.mul(other, toScalar(a.alpha as bigint | number));
    return f(operand(a.input, 'input'), scaled);
  };
}

/** add/sub: with alpha, one fused kernel under the op's own grad_fn, as PyTorch's (src/ops/scaled.ts). */
function scaledBinaryOp(name: string, f: (a: F.Operand, b: F.Operand) => Tensor, scaled: (a: Tensor, b: F.Operand, alpha: number) => Tensor): Impl {
  const plain = binaryOp(name, f);
  return (call) => {
    const a = bind(name, call, ['input', 'other', 'alpha=']);
    if (a.alpha === undefined || !(a.input instanceof Tensor)) return plain(call);
    return scaled(a.input, operand(a.other, 'other'), toNumber(a.alpha, 'alpha'));
  };
}

function reduction(name: string, f: (t: Tensor, dims: number[] | null, keepdim: boolean) => Tensor): Impl {
  return (call) => {
    const a = bind(name, call, ['input', 'dim=', 'keepdim=', 'dtype=']);
    return f(toTensorArg(a.input, 'input'), toDims(a.dim), toBool(a.keepdim, false));
  };
}

/** Shared by `torch.X(input, …)` and `input.X(…)`: the method form passes self as `input`. */
export const tensorFunctions: Record<string, Impl> = {
  exp: unary('exp', F.exp),
  log: unary('log', F.log),
  sin: unary('sin', F.sin),
  cos: unary('cos', F.cos),
  tan: unary('tan', F.tan),
  tanh: unary('tanh', F.tanh),
  sigmoid: unary('sigmoid', F.sigmoid),
  relu: unary('relu', F.relu),
  sqrt: unary('sqrt', F.sqrt),
  rsqrt: unary('rsqrt', F.rsqrt),
  abs: unary('abs', F.abs),
  neg: unary('neg', F.neg),
  negative: unary('negative', F.neg),
  square: unary('square', F.square),
  sign: unary('sign', F.sign),
  reciprocal: unary('reciprocal', F.reciprocal),
  clone: unary('clone', F.clone),
  t: unary('t', F.t),
  add: scaledBinaryOp('add', F.add, F.addAlpha),
  sub: scaledBinaryOp('sub', F.sub, F.subAlpha),
  subtract: scaledBinaryOp('subtract', F.sub, F.subAlpha),
  mul: binaryOp('mul', F.mul),
  multiply: binaryOp('multiply', F.mul),
  div: binaryOp('div', F.div),
  divide: binaryOp('divide', F.div),
  true_divide: binaryOp('true_divide', F.div),
  pow: (call) => {
    const a = bind('pow', call, ['input', 'exponent']);
    if (!(a.input instanceof Tensor) && isNumber(a.input!)) {
      return F.powScalarBase(toScalar(a.input as boolean | bigint | number), toTensorArg(a.exponent, 'exponent'));
    }
    return F.pow(toTensorArg(a.input, 'input'), operand(a.exponent, 'exponent'));
  },
  matmul: (call) => {
    const a = bind('matmul', call, ['input', 'other']);
    return F.matmul(toTensorArg(a.input, 'input'), toTensorArg(a.other, 'other'));
  },
  mm: (call) => {
    const a = bind('mm', call, ['input', 'mat2']);
    return F.mm(toTensorArg(a.input, 'input'), toTensorArg(a.mat2, 'mat2'));
  },
  mv: (call) => {
    const a = bind('mv', call, ['input', 'vec']);
    return F.mv(toTensorArg(a.input, 'input'), toTensorArg(a.vec, 'vec'));
  },
  dot: (call) => {
    const a = bind('dot', call, ['input', 'other']);
    return F.dot(toTensorArg(a.input, 'input'), toTensorArg(a.other, 'other'));
  },
  maximum: (call) => {
    const a = bind('maximum', call, ['input', 'other']);
    return F.maximum(toTensorArg(a.input, 'input'), toTensorArg(a.other, 'other'));
  },
  minimum: (call) => {
    const a = bind('minimum', call, ['input', 'other']);
    return F.minimum(toTensorArg(a.input, 'input'), toTensorArg(a.other, 'other'));
  },
  clamp: (call) => {
    const a = bind('clamp', call, ['input', 'min=', 'max=']);
    return F.clamp(toTensorArg(a.input, 'input'), optionalScalar(a.min, 'min'), optionalScalar(a.max, 'max'));
  },
  clip: (call) => tensorFunctions.clamp!(call),
  clamp_min: (call) => {
    const a = bind('clamp_min', call, ['input', 'min']);
    return F.clamp(toTensorArg(a.input, 'input'), optionalScalar(a.min, 'min'), null);
  },
  clamp_max: (call) => {
    const a = bind('clamp_max', call, ['input', 'max']);
    return F.clamp(toTensorArg(a.input, 'input'), null, optionalScalar(a.max, 'max'));
  },
  sum: reduction('sum', F.sum),
  mean: reduction('mean', F.mean),
  reshape: (call) => {
    const a = bind('reshape', call, ['input', '*shape']);
    return F.reshape(toTensorArg(a.input, 'input'), toShape(a.shape as PyValue[], 'shape'));
  },
  transpose: (call) => {
    const a = bind('transpose', call, ['input', 'dim0', 'dim1']);
    return F.transpose(toTensorArg(a.input, 'input'), toInt(a.dim0, 'dim0'), toInt(a.dim1, 'dim1'));
  },
  permute: (call) => {
    const a = bind('permute', call, ['input', '*dims']);
    return F.permute(toTensorArg(a.input, 'input'), toShape(a.dims as PyValue[], 'dims'));
  },
  unsqueeze: (call) => {
    const a = bind('unsqueeze', call, ['input', 'dim']);
    return F.unsqueeze(toTensorArg(a.input, 'input'), toInt(a.dim, 'dim'));
  },
  squeeze: (call) => {
    const a = bind('squeeze', call, ['input', 'dim=']);
    const dim = a.dim === undefined || a.dim === null ? undefined : toInt(a.dim, 'dim');
    return F.squeeze(toTensorArg(a.input, 'input'), dim);
  },
  flatten: (call) => {
    const a = bind('flatten', call, ['input']);
    const t = toTensorArg(a.input, 'input');
    return t.shape.length === 1 ? t : F.reshape(t, [-1]);
  },
  detach: (call) => toTensorArg(bind('detach', call, ['input']).input, 'input').detach(),
  softplus: (call) => {
    const a = bind('softplus', call, ['input', 'beta=', 'threshold=']);
    const beta = a.beta === undefined ? 1 : toNumber(a.beta, 'beta');
    const threshold = a.threshold === undefined ? 20 : toNumber(a.threshold, 'threshold');
    return F.softplus(toTensorArg(a.input, 'input'), beta, threshold);
  },
};

/** `torch.where(cond, a, b)`: only the function form (the method form means something else). */
export function whereImpl(call: CallArgs): PyValue {
  const a = bind('where', call, ['condition', 'input', 'other']);
  const cond = toTensorArg(a.condition, 'condition');
  if (cond.dtype !== 'bool') {
    throw new PyError('RuntimeError', `where expected condition to be a boolean tensor, but got a tensor with dtype ${cond.dtype === 'int64' ? 'Long' : cond.dtype === 'float64' ? 'Double' : 'Float'}`);
  }
  return F.where(cond, operand(a.input, 'input'), operand(a.other, 'other'));
}

export { isIntLike };

// The rest of the tensor API (torch-more.ts): same calling convention, merged here.
Object.assign(tensorFunctions, moreTensorFunctions);
