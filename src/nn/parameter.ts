/**
 * nn.Parameter: a tensor whose Python class is torch.nn.parameter.Parameter.
 * Like PyTorch's `_make_subclass`, it is an alias of the data it is made
 * from (same storage and version counter, no history) with requires_grad
 * set; ops on it return plain tensors, in-place ops return it.
 */
import { Tensor } from '../autograd/tensor.js';
import { isFloating } from '../tensor/dtype.js';
import { runtimeError } from '../tensor/errors.js';
import { NDArray } from '../tensor/ndarray.js';
import { bind, toBool } from '../program/args.js';
import { defineClass } from '../program/native.js';
import { attributeError } from '../program/objects.js';
import { PyClass, setTensorClass, tensorClass, typeName, typeOf, type PyValue } from '../program/values.js';

export const Parameter: PyClass = defineClass({
  name: 'Parameter',
  module: 'torch.nn.parameter',
  bases: [tensorClass],
  construct: (cls, call) => {
    const a = bind('Parameter', call, ['data=', 'requires_grad=']);
    const data = a.data ?? null;
    if (data !== null && !(data instanceof Tensor)) throw attributeError(data, 'detach', `'${typeName(data)}' object has no attribute 'detach'`);
    return makeParameter(data ?? new Tensor(NDArray.full([0], 0, 'float32')), toBool(a.requires_grad, true), cls);
  },
  methods: {
    __repr__: (self) => `Parameter containing:\n${(self as Tensor).toString()}`,
  },
});

/** A Parameter aliasing `data` (PyTorch's `Parameter(data, requires_grad)`). */
export function makeParameter(data: Tensor, requiresGrad = true, cls: PyClass = Parameter): Tensor {
  if (requiresGrad && !isFloating(data.dtype)) throw runtimeError('Only Tensors of floating point and complex dtype can require gradients');
  const p = new Tensor(data.array);
  p.requiresGrad = requiresGrad;
  setTensorClass(p, cls);
  return p;
}

export function isParameter(v: PyValue | undefined): v is Tensor {
  return v instanceof Tensor && typeOf(v).isSubclassOf(Parameter);
}
