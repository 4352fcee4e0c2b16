/** Attributes and methods of tensors and grad_fn nodes in scripts. */
import { backward } from '../autograd/engine.js';
import { AccumulateGrad, Node, OpNode } from '../autograd/node.js';
import { assignData } from '../autograd/record.js';
import { Tensor } from '../autograd/tensor.js';
import { PyError, runtimeError } from '../tensor/errors.js';
import { adopt } from '../tensor/pool.js';
import * as F from '../ops/functional.js';
import { registerHook } from './hooks.js';
import { bind, toBool, toDType, toInt, toNumber, toScalar, toShape, toTensorArg } from './args.js';
import { warn } from './objects.js';
import { randomTensorMethods } from '../random/torch-bindings.js';
import { tensorFunctions } from './torch-ops.js';
import { moreMethods, moreTensorAttr } from './torch-more.js';
import { Builtin, PyDType, PyTuple, TorchSize, type CallArgs, type PyValue } from './values.js';


export const NON_LEAF_GRAD_WARNING =
  "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more informations. (Triggered internally at  ./build/aten/src/ATen/core/TensorBody.h:480.)";

export const CREATE_GRAPH_WARNING =
  'Using backward() with create_graph=True will create a reference cycle between the parameter and its gradient which can cause a memory leak. We recommend using autograd.grad when creating the graph to avoid this. If you have to use this function, make sure to reset the .grad fields of your parameters to None after use to break the cycle and avoid the leak. (Triggered internally at  ./torch/csrc/autograd/engine.cpp:1059.)';

type Method = (self: Tensor, call: CallArgs) => PyValue;

/** Tensor methods a library adds when it loads (numpy's `t.numpy()`). */
export const libraryTensorMethods: Record<string, Method> = {};

function toList(t: Tensor): PyValue {
  const values = t.array.values();
  const item = (v: number): PyValue => (t.dtype === 'bool' ? v !== 0 : t.dtype === 'int64' || t.dtype === 'uint8' ? BigInt(v) : v);
  let i = 0;
  const build = (dim: number): PyValue =>
    dim === t.shape.length ? item(values[i++]!) : Array.from({ length: t.shape[dim]! }, () => build(dim + 1));
  return build(0);
}

/** The Python value of a one-element tensor: `.item()`. */
export function itemOf(t: Tensor): PyValue {
  const v = t.item();
  return t.dtype === 'bool' ? v !== 0 : t.dtype === 'int64' || t.dtype === 'uint8' ? BigInt(v) : v;
}

function inPlace(name: string, f: (self: Tensor, other: F.Operand) => Tensor): Method {
  return (self, call) => {
    const a = bind(name, { args: [self, ...call.args], kwargs: call.kwargs }, ['self', 'other', 'alpha=']);
    let other: F.Operand = a.other instanceof Tensor ? a.other : toScalar(a.other as bigint | number | boolean);
    // add_/sub_ with alpha: one fused kernel under AddBackward0/SubBackward0, as PyTorch's (src/ops/scaled.ts).
    if (a.alpha !== undefined && (name === 'add_' || name === 'sub_') && other instanceof Tensor) {
      return (name === 'add_' ? F.addAlphaInPlace : F.subAlphaInPlace)(self, other, toNumber(a.alpha, 'alpha'));
    }
    if (a.alpha !== undefined) other = F.mul(other, toScalar(a.alpha as bigint | number));
    return f(self, other);
  };
}

/** `t.addcmul_(t1, t2, value=1)` and addcdiv_ (the optimisers' updates, src/ops/scaled.ts; the out-of-place forms are torch-more.ts's). */
function scaledUpdate(name: string, f: (self: Tensor, t1: Tensor, t2: Tensor, value: number) => Tensor): Method {
  return (self, call) => {
    const a = bind(name, call, ['tensor1', 'tensor2', 'value=']);
    return f(self, toTensorArg(a.tensor1, 'tensor1'), toTensorArg(a.tensor2, 'tensor2'), a.value === undefined ? 1 : toNumber(a.value, 'value'));
  };
}

const methods: Record<string, Method> = {
  backward: (self, call) => {
    const a = bind('backward', call, ['gradient=', 'retain_graph=', 'create_graph=', 'inputs=']);
    const createGraph = toBool(a.create_graph, false);
    if (createGraph) warn(CREATE_GRAPH_WARNING);
    const gradient = a.gradient === undefined || a.gradient === null ? null : toTensorArg(a.gradient, 'gradient');
    const retain = a.retain_graph === undefined || a.retain_graph === null ? null : toBool(a.retain_graph, false);
    backward([self], [gradient], { retainGraph: retain, createGraph });
    return null;
  },
  is_inference: (self) => self.inference,
  register_hook: (self, call) => registerHook(self, bind('register_hook', call, ['hook']).hook!),
  detach_: (self) => {
    self.detachInPlace();
    return self;
  },
  retain_grad: (self) => {
    self.retainGrad();
    return null;
  },
  requires_grad_: (self, call) => {
    const a = bind('requires_grad_', call, ['requires_grad=']);
    self.setRequiresGrad(toBool(a.requires_grad, true), true);
    return self;
  },
  item: (self) => itemOf(self),
  tolist: (self) => toList(self),
  numel: (self) => BigInt(self.numel),
  nelement: (self) => BigInt(self.numel),
  dim: (self) => BigInt(self.shape.length),
  ndimension: (self) => BigInt(self.shape.length),
  size: (self, call) => {
    const a = bind('size', call, ['dim=']);
    if (a.dim === undefined || a.dim === null) return new TorchSize(self.shape.map(BigInt));
    const d = toInt(a.dim, 'dim');
    const n = self.shape.length;
    if (d < -n || d >= n) {
      throw new PyError('IndexError', `Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${d})`);
    }
    return BigInt(self.shape[d < 0 ? d + n : d]!);
  },
  view: (self, call) => F.view(self, toShape(bind('view', call, ['*shape']).shape as PyValue[], 'shape')),
  expand: (self, call) => F.expand(self, toShape(bind('expand', call, ['*sizes']).sizes as PyValue[], 'size')),
  double: (self) => F.to(self, 'float64'),
  float: (self) => F.to(self, 'float32'),
  long: (self) => F.to(self, 'int64'),
  bool: (self) => F.to(self, 'bool'),
  to: (self, call) => {
    const a = bind('to', call, ['dtype']);
    const dtype = toDType(a.dtype);
    if (!dtype) throw new PyError('TypeError', 'to() received an invalid combination of arguments');
    return F.to(self, dtype);
  },
  type: (self) => `torch.${{ float32: 'FloatTensor', float64: 'DoubleTensor', int64: 'LongTensor', uint8: 'ByteTensor', bool: 'BoolTensor' }[self.dtype]}`,
  add_: inPlace('add_', F.addInPlace),
  addcmul_: scaledUpdate('addcmul_', F.addcmulInPlace),
  addcdiv_: scaledUpdate('addcdiv_', F.addcdivInPlace),
  sub_: inPlace('sub_', F.subInPlace),
  mul_: inPlace('mul_', F.mulInPlace),
  div_: inPlace('div_', F.divInPlace),
  zero_: (self) => F.zeroInPlace(self),
  fill_: (self, call) => F.fillInPlace(self, toNumber(bind('fill_', call, ['value']).value, 'value')),
  clamp_: (self, call) => {
    const a = bind('clamp_', call, ['min=', 'max=']);
    const num = (v: PyValue | undefined) => (v === undefined || v === null ? null : toNumber(v, 'bound'));
    return F.clampInPlace(self, num(a.min), num(a.max));
  },
  copy_: (self, call) => {
    const src = bind('copy_', call, ['src']).src;
    return F.copyInPlace(self, src instanceof Tensor ? src : F.fullLike(self, toNumber(src, 'src')));
  },
};

export function tensorAttr(self: Tensor, name: string): PyValue | undefined {
  switch (name) {
    case 'shape':
      return new TorchSize(self.shape.map(BigInt));
    case 'dtype':
      return new PyDType(self.dtype);
    case 'requires_grad':
      return self.requiresGrad;
    case 'is_leaf':
      return self.checkedGradFn() === null;
    case 'grad_fn':
      return self.checkedGradFn();
    case 'grad':
      if (!self.isLeaf && !self.retainsGrad && self.grad === null) warn(NON_LEAF_GRAD_WARNING);
      return self.grad;
    case 'data':
      return self.dataView();
    case 'T':
      return F.permute(self, self.shape.map((_, i) => self.shape.length - 1 - i));
    case 'ndim':
      return BigInt(self.shape.length);
    case '_version':
      if (self.inference) throw runtimeError('Inference tensors do not track version counter.');
      return BigInt(self.version);
  }
  const more = moreTensorAttr(self, name);
  if (more !== undefined) return more;
  const method = moreMethods[name] ?? methods[name] ?? randomTensorMethods[name] ?? libraryTensorMethods[name];
  if (method) return new Builtin(name, (call) => method(self, call), self);
  const fn = tensorFunctions[name];
  if (fn) return new Builtin(name, (call) => fn({ args: [self, ...call.args], kwargs: call.kwargs }), self, 'builtins', true);
  return undefined;
}

/** `t.requires_grad = …`, `t.grad = …`, `t.data = …`; false for other names. */
export function setTensorAttr(self: Tensor, name: string, value: PyValue): boolean {
  switch (name) {
    case 'requires_grad':
      self.setRequiresGrad(toBool(value, false), false);
      return true;
    case 'grad':
      self.setGrad(value === null ? null : toTensorArg(value, 'grad'));
      return true;
    case 'data':
      assignData(self, toTensorArg(value, 'data'));
      return true;
  }
  return false;
}

export function nodeAttr(node: Node, name: string): PyValue | undefined {
  if (name === 'next_functions') {
    return new PyTuple(node.nextEdges.map((e) => new PyTuple([e ? e.node : null, BigInt(e ? e.inputNr : 0)])));
  }
  if (name === 'name') return new Builtin('name', () => node.qualifiedName, node);
  if (name === 'variable' && node instanceof AccumulateGrad) return node.variable;
  if (name.startsWith('_saved_') && node instanceof OpNode) {
    // A saved tensor (PyTorch's `_saved_self`, `_saved_result` ...): an input comes back as itself.
    const saved = (node as OpNode<unknown>).savedTensors.get(name.slice('_saved_'.length));
    if (saved) {
      const t = saved.unpack();
      adopt(t.array.buffer); // a script's now: not recycled when backward frees it
      return t;
    }
  }
  return undefined;
}

