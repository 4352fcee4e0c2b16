/**
 * `torch.autograd.Function`: a script's own op, with a forward and a
 * backward written in Python. `Cube.apply(x)` makes the tape node first
 * (a FunctionNode named `CubeBackward`, which is also the `ctx` forward
 * and backward receive), runs forward with grad mode off, and makes the
 * tensors it returns the node's outputs; the engine later calls back into
 * the script's backward through the node's CustomBackward.
 */
import { FunctionNode, attachFunctionOutput, type CustomBackward } from '../autograd/function-node.js';
import { isGradEnabled, withGradMode } from '../autograd/grad-mode.js';
import type { Edge, InputMeta } from '../autograd/node.js';
import { functionEnded, functionStarted } from '../autograd/record.js';
import { Tensor } from '../autograd/tensor.js';
import { isFloating } from '../tensor/dtype.js';
import { PyError, runtimeError } from '../tensor/errors.js';
import { bind } from '../program/args.js';
import { defineClass } from '../program/native.js';
import { callValue, getAttr } from '../program/objects.js';
import { PyClass, PyTuple, setNodeClass, typeName, type CallArgs, type PyValue } from '../program/values.js';

/** What `ctx` holds while forward runs, and what backward needs to know of the call. */
interface CtxState {
  forwardClass: PyClass;
  args: readonly PyValue[];
  toSave: (Tensor | null)[] | null;
  dirty: Set<Tensor>;
  nonDifferentiable: Set<Tensor>;
  needsInputGrad: PyTuple;
}

const contexts = new WeakMap<FunctionNode, CtxState>();

function ctxOf(self: PyValue, what: string): { node: FunctionNode; state: CtxState } {
  const state = self instanceof FunctionNode ? contexts.get(self) : undefined;
  if (!state) throw new PyError('TypeError', `descriptor '${what}' requires a 'torch._C._FunctionBase' object but received a '${typeName(self)}'`);
  return { node: self as FunctionNode, state };
}

function tensorsOf(name: string, call: CallArgs, what: (i: number, v: PyValue) => string): Tensor[] {
  const args = bind(name, call, ['*tensors']).tensors as PyValue[];
  return args.map((v, i) => {
    if (!(v instanceof Tensor)) throw new PyError('TypeError', what(i, v));
    return v;
  });
}

/** `torch.autograd.function.FunctionCtx`: what forward and backward do with `ctx`. */
const functionCtx = defineClass({
  name: 'FunctionCtx',
  module: 'torch.autograd.function',
  methods: {
    save_for_backward(self, call) {
      const { state } = ctxOf(self, 'save_for_backward');
      const args = bind('save_for_backward', call, ['*tensors']).tensors as PyValue[];
      state.toSave = args.map((v, i) => {
        if (v === null) return null;
        if (!(v instanceof Tensor)) throw new PyError('TypeError', `save_for_backward can only save variables, but argument ${i} is of type ${typeName(v)}`);
        return v;
      });
      return null;
    },
    mark_dirty(self, call) {
      const { state } = ctxOf(self, 'mark_dirty');
      for (const t of tensorsOf('mark_dirty', call, (i, v) => `mark_dirty can only accept variables, but argument ${i} is of type ${typeName(v)}`)) state.dirty.add(t);
      return null;
    },
    mark_non_differentiable(self, call) {
      const { state } = ctxOf(self, 'mark_non_differentiable');
      const what = (i: number, v: PyValue) => `mark_non_differentiable can only accept variables, but argument ${i} is of type ${typeName(v)}`;
      for (const t of tensorsOf('mark_non_differentiable', call, what)) state.nonDifferentiable.add(t);
      return null;
    },
    set_materialize_grads(self, call) {
      const { node } = ctxOf(self, 'set_materialize_grads');
      const value = bind('set_materialize_grads', call, ['value']).value;
      if (typeof value !== 'boolean') throw new PyError('TypeError', `set_materialize_grads expects a boolean, but got ${typeName(value!)}`);
      node.materializeGrads = value;
      return null;
    },
  },
  properties: {
    saved_tensors: { get: (self) => new PyTuple(ctxOf(self, 'saved_tensors').node.savedTensors()) },
    needs_input_grad: { get: (self) => ctxOf(self, 'needs_input_grad').state.needsInputGrad },
    materialize_grads: { get: (self) => ctxOf(self, 'materialize_grads').node.materializeGrads },
    _forward_cls: { get: (self) => ctxOf(self, '_forward_cls').state.forwardClass },
  },
});

/** PyTorch's class chain of a Function's node: CubeBackward → BackwardCFunction → _FunctionBase → FunctionCtx → _HookMixin. */
const hookMixin = defineClass({ name: '_HookMixin', module: 'torch.autograd.function' });
const functionBase = defineClass({ name: '_FunctionBase', module: 'torch._C' });
const backwardCFunction = defineClass({ name: 'BackwardCFunction', module: 'torch.autograd.function', bases: [functionBase, functionCtx, hookMixin] });

/** One node class per Function subclass, made when it is first applied. */
const nodeClasses = new WeakMap<PyClass, PyClass>();

function nodeClassFor(cls: PyClass): PyClass {
  let c = nodeClasses.get(cls);
  if (!c) {
    c = defineClass({ name: `${cls.name}Backward`, module: 'torch.autograd.function', bases: [backwardCFunction], final: true });
    nodeClasses.set(cls, c);
  }
  return c;
}

/** The script's backward, run by the engine: one gradient per tensor input. */
function scriptBackward(forwardClass: PyClass, args: readonly PyValue[]): CustomBackward {
  return {
    backward(node, grads) {
      const result = callValue(getAttr(forwardClass, 'backward'), [node, ...grads]);
      let list = result instanceof PyTuple ? [...result.items] : [result];
      // Extra trailing Nones are allowed (PyTorch trims them).
      if (list.length > args.length && list.slice(args.length).every((g) => g === null)) list = list.slice(0, args.length);
      if (list.length !== args.length) {
        throw runtimeError(`function ${node.name} returned an incorrect number of gradients (expected ${args.length}, got ${list.length})`);
      }
      const out: (Tensor | null)[] = [];
      list.forEach((g, i) => {
        if (!(args[i] instanceof Tensor)) {
          if (g !== null) {
            throw runtimeError(`function ${node.name} returned a gradient different than None at position ${i + 1}, but the corresponding forward input was not a Variable`);
          }
          return;
        }
        if (g !== null && !(g instanceof Tensor)) throw runtimeError(`expected Variable or None (got ${typeName(g)})`);
        out.push(g);
      });
      return out;
    },
  };
}

/** `Cube.apply(*args)`. */
function apply(cls: PyClass, call: CallArgs): PyValue {
  const args = call.args;
  const tensors = args.filter((a): a is Tensor => a instanceof Tensor);
  const gradOn = isGradEnabled();
  const edges: (Edge | null)[] = tensors.map((t) => (gradOn ? t.gradientEdge() : null));
  const executable = edges.some((e) => e !== null);
  const metas: InputMeta[] = tensors.map((t) => ({ shape: t.shape, dtype: t.dtype }));
  const node = new FunctionNode(`${cls.name}Backward`, edges, metas, scriptBackward(cls, args));
  setNodeClass(node, nodeClassFor(cls));
  const state: CtxState = {
    forwardClass: cls,
    args,
    toSave: null,
    dirty: new Set(),
    nonDifferentiable: new Set(),
    needsInputGrad: new PyTuple(args.map((a) => gradOn && a instanceof Tensor && a.requiresGrad)),
  };
  contexts.set(node, state);

  const forward = getAttr(cls, 'forward');
  functionStarted(node, tensors);
  let result: PyValue;
  try {
    result = withGradMode(false, () => callValue(forward, [node, ...args], call.kwargs));
  } catch (e) {
    functionEnded(node, tensors, null);
    throw e;
  }

  const isTuple = result instanceof PyTuple;
  const items = isTuple ? [...(result as PyTuple).items] : [result];
  const outputs: Tensor[] = [];
  const wrapped = items.map((item) => {
    if (!(item instanceof Tensor)) return item;
    const dirty = state.dirty.has(item);
    if (dirty) item.array.version.bump();
    const differentiable = executable && isFloating(item.dtype) && !state.nonDifferentiable.has(item);
    const out = differentiable ? attachFunctionOutput(node, item, outputs.length, tensors.includes(item), dirty) : item;
    if (!differentiable && state.nonDifferentiable.has(item) && !tensors.includes(item)) item.requiresGrad = false;
    outputs.push(out);
    return out;
  });
  node.outputs = outputs.map((t) => ({ shape: t.shape, dtype: t.dtype }));
  if (executable && state.toSave) node.save(state.toSave, outputs);
  functionEnded(node, tensors, outputs);
  return isTuple ? new PyTuple(wrapped) : wrapped[0]!;
}

/** `torch.autograd.Function`. */
export const functionClass = defineClass({
  name: 'Function',
  module: 'torch.autograd.function',
  methods: {
    __call__() {
      throw runtimeError(
        'Legacy autograd function with non-static forward method is deprecated. Please use new-style autograd function with static forward method. (Example: https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)',
      );
    },
  },
  staticmethods: {
    forward() {
      throw new PyError('NotImplementedError', 'You must implement the forward function for custom autograd.Function.');
    },
    backward() {
      throw new PyError('NotImplementedError', 'You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.');
    },
  },
  classmethods: { apply },
});

export { functionCtx };
