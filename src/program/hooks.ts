/** `Tensor.register_hook` and the handle that removes the hook (`torch.utils.hooks.RemovableHandle`). */
import { hookRan, hookRegistered } from '../autograd/record.js';
import { Tensor, type TensorHook } from '../autograd/tensor.js';
import { PyError, runtimeError } from '../tensor/errors.js';
import { defineClass, stateOf } from './native.js';
import { callValue, getAttrOr } from './objects.js';
import { PyInstance, typeName, type PyValue } from './values.js';

interface HandleState {
  remove: () => void;
}

export const removableHandleClass = defineClass<HandleState>({
  name: 'RemovableHandle',
  module: 'torch.utils.hooks',
  state: () => ({ remove: () => {} }),
  methods: {
    remove(self) {
      stateOf<HandleState>(self, removableHandleClass).remove();
      return null;
    },
    __enter__(self) {
      return self;
    },
    __exit__(self) {
      stateOf<HandleState>(self, removableHandleClass).remove();
      return null;
    },
  },
});

/** A script's hook as the tape runs it, with PyTorch's checks on what it returns. */
function tensorHook(fn: PyValue, report: (grad: Tensor, result: Tensor) => void): TensorHook {
  return (grad) => {
    const result = callValue(fn, [grad]);
    if (result === null) return null;
    if (!(result instanceof Tensor)) throw new PyError('TypeError', `expected Variable, but hook returned '${typeName(result)}'`);
    if (result.shape.join() !== grad.shape.join()) {
      const name = getAttrOr(fn, '__name__', null);
      throw runtimeError(`hook '${typeof name === 'string' ? name : typeName(fn)}' has changed the size of value`);
    }
    report(grad, result);
    return result;
  };
}

/** `t.register_hook(fn)`: a RemovableHandle. */
export function registerHook(t: Tensor, fn: PyValue): PyValue {
  let id = -1;
  id = t.registerHook(tensorHook(fn, (grad, result) => hookRan(t, id, grad, result)));
  hookRegistered(t, id);
  const handle = new PyInstance(removableHandleClass);
  handle.native = { remove: () => t.removeHook(id) } satisfies HandleState;
  return handle;
}
