/** `torch.autograd.Variable`: the legacy wrapper, which makes a detached tensor (that may require grad). */
import { Tensor } from '../autograd/tensor.js';
import { isFloating } from '../tensor/dtype.js';
import { PyError, runtimeError } from '../tensor/errors.js';
import { bind, toBool } from '../program/args.js';
import { defineClass } from '../program/native.js';
import { typeName } from '../program/values.js';

export const variableClass = defineClass({
  name: 'Variable',
  module: 'torch.autograd.variable',
  construct(_cls, call) {
    const a = bind('Variable', call, ['data', 'requires_grad=', 'volatile=']);
    if (!(a.data instanceof Tensor)) throw new PyError('TypeError', `Variable data has to be a tensor, but got ${typeName(a.data ?? null)}`);
    const t = a.data.detach();
    if (toBool(a.requires_grad, false)) {
      if (!isFloating(t.dtype)) throw runtimeError('Only Tensors of floating point and complex dtype can require gradients');
      t.requiresGrad = true;
    }
    return t;
  },
});
