/**
 * The activation modules (nn.ReLU, nn.Sigmoid, nn.Tanh ...), nn.Identity
 * and nn.Flatten: modules without parameters whose forward is one op of
 * the registry, with PyTorch's reprs.
 */
import { Tensor } from '../autograd/tensor.js';
import * as F from '../ops/functional.js';
import { PyError } from '../tensor/errors.js';
import { bind, toBool } from '../program/args.js';
import { defineClass } from '../program/native.js';
import { getAttr, objectSetAttr } from '../program/objects.js';
import { PyInstance, typeName, type CallArgs, type PyClass, type PyValue } from '../program/values.js';
import { initModule, Module } from './module.js';

/** The tensor argument of a torch function, with PyTorch's message for anything else. */
export function tensorInput(v: PyValue | undefined, fn: string, name = 'input', position = 1): Tensor {
  if (v instanceof Tensor) return v;
  throw new PyError('TypeError', `${fn}(): argument '${name}' (position ${position}) must be Tensor, not ${typeName(v ?? null)}`);
}

interface ActivationSpec {
  name: string;
  /** The constructor's parameters after self, as `bind` reads them; each is stored as an attribute. */
  params?: [name: string, fallback: PyValue][];
  forward(x: Tensor, self: PyValue, call: CallArgs): Tensor;
  extraRepr?: (self: PyValue) => string;
  module?: string;
  /** Accepts and ignores any arguments (nn.Identity). */
  anyArguments?: boolean;
}

/** A parameterless module class: __init__ stores its arguments as attributes, forward applies one op. */
export function activation(spec: ActivationSpec): PyClass {
  const params = spec.params ?? [];
  return defineClass({
    name: spec.name,
    module: spec.module ?? 'torch.nn.modules.activation',
    bases: [Module],
    methods: {
      __init__(self, call) {
        const a = spec.anyArguments ? {} : bind(`${spec.name}.__init__`, call, params.map(([n]) => `${n}=`));
        initModule(self);
        for (const [n, fallback] of params) objectSetAttr(self as PyInstance, n, a[n] ?? fallback);
        return null;
      },
      forward(self, call) {
        const x = bind('forward', call, ['input']).input!;
        return spec.forward(x as Tensor, self, call);
      },
      extra_repr: (self) => (spec.extraRepr ? spec.extraRepr(self) : ''),
    },
  });
}

const attr = (self: PyValue, name: string) => getAttr(self, name);
const inplaceRepr = (self: PyValue) => (toBool(attr(self, 'inplace'), false) ? 'inplace=True' : '');

export const ReLU = activation({
  name: 'ReLU',
  params: [['inplace', false]],
  forward: (x, self) => (toBool(attr(self, 'inplace'), false) ? F.unaryInPlace('relu', tensorInput(x, 'relu_')) : F.relu(tensorInput(x, 'relu'))),
  extraRepr: inplaceRepr,
});
export const Sigmoid = activation({ name: 'Sigmoid', forward: (x) => F.sigmoid(tensorInput(x, 'sigmoid')) });
export const Tanh = activation({ name: 'Tanh', forward: (x) => F.tanh(tensorInput(x, 'tanh')) });
export const Identity = activation({
  name: 'Identity',
  module: 'torch.nn.modules.linear',
  anyArguments: true,
  forward: (x) => x,
});

