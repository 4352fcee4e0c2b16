/**
 * `torch.autograd.functional.jacobian` and `hessian` as PyTorch 1.13
 * computes them (reverse mode, not vectorized): one autograd.grad per
 * output element, rows stacked and viewed as `out.shape + in.shape`;
 * the hessian is the jacobian of the jacobian made with create_graph.
 */
import { grad } from '../autograd/engine.js';
import { enableGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../autograd/tensor.js';
import * as F from '../ops/functional.js';
import { NDArray } from '../tensor/ndarray.js';
import { PyError, runtimeError } from '../tensor/errors.js';
import { bind, toBool } from '../program/args.js';
import { callValue } from '../program/objects.js';
import { repr } from '../program/repr.js';
import { Builtin, PyTuple, typeOf, type PyValue } from '../program/values.js';

const MODULE = 'torch.autograd.functional';

/** PyTorch's _as_tuple: a tensor or a tuple of tensors. */
function asTuple(v: PyValue, argName: string, fnName: string): { isTuple: boolean; items: Tensor[] } {
  const isTuple = v instanceof PyTuple;
  const items = isTuple ? [...(v as PyTuple).items] : [v];
  items.forEach((t, i) => {
    if (!(t instanceof Tensor)) {
      const what = isTuple ? `the value at index ${i} has type ${repr(typeOf(t))}` : `the given ${argName} has type ${repr(typeOf(t))}`;
      throw new PyError('TypeError', `The ${argName} given to ${fnName} must be either a Tensor or a tuple of Tensors but ${what}.`);
    }
  });
  return { isTuple, items: items as Tensor[] };
}

/** _grad_preprocess: inputs that autograd can differentiate with respect to, fresh tensors. */
function preprocess(inputs: readonly Tensor[], createGraph: boolean): Tensor[] {
  return inputs.map((t) => {
    if (createGraph && t.requiresGrad) return F.view(t, t.shape);
    const d = t.detach();
    d.requiresGrad = true;
    return d;
  });
}

/** _tuple_postprocess: unwrap what was not a tuple. */
function unwrap(res: PyValue[][], outputsTuple: boolean, inputsTuple: boolean): PyValue {
  const rows: PyValue[] = res.map((r) => (inputsTuple ? new PyTuple(r) : r[0]!));
  return outputsTuple ? new PyTuple(rows) : rows[0]!;
}

function jacobianOf(func: PyValue, inputsArg: PyValue, createGraph: boolean): { res: Tensor[][]; outputsTuple: boolean; inputsTuple: boolean } {
  return enableGrad(() => {
    const { isTuple: inputsTuple, items } = asTuple(inputsArg, 'inputs', 'jacobian');
    const inputs = preprocess(items, createGraph);
    const { isTuple: outputsTuple, items: outputs } = asTuple(callValue(func, inputs), 'outputs of the user-provided function', 'jacobian');
    const res = outputs.map((out) => {
      const rows: Tensor[][] = inputs.map(() => []);
      for (let j = 0; j < out.numel; j++) {
        let vj: (Tensor | null)[] = inputs.map(() => null);
        if (out.requiresGrad) {
          // Autograd of out.reshape(-1)[j] (a one-hot gradient of out: the same values).
          const oneHot = new Float64Array(out.numel);
          oneHot[j] = 1;
          const g = new Tensor(NDArray.fromValues(oneHot, out.shape, out.dtype));
          vj = grad([out], inputs, [g], { retainGraph: true, createGraph, allowUnused: true });
        }
        vj.forEach((v, i) => rows[i]!.push(v ?? F.zerosLike(inputs[i]!)));
      }
      return rows.map((r, i) => {
        const stacked = r.length ? F.view(F.stack(r, 0), [...out.shape, ...inputs[i]!.shape]) : new Tensor(NDArray.full([...out.shape, ...inputs[i]!.shape], 0, inputs[i]!.dtype));
        return createGraph ? stacked : stacked.detach();
      });
    });
    return { res, outputsTuple, inputsTuple };
  });
}

export const jacobian = new Builtin(
  'jacobian',
  (call) => {
    const a = bind('jacobian', call, ['func', 'inputs', 'create_graph=', 'strict=', 'vectorize=', 'strategy=']);
    const { res, outputsTuple, inputsTuple } = jacobianOf(a.func!, a.inputs!, toBool(a.create_graph, false));
    return unwrap(res, outputsTuple, inputsTuple);
  },
  undefined,
  MODULE,
);

export const hessian = new Builtin(
  'hessian',
  (call) => {
    const a = bind('hessian', call, ['func', 'inputs', 'create_graph=', 'strict=', 'vectorize=', 'outer_jacobian_strategy=']);
    const func = a.func!;
    const { isTuple } = asTuple(a.inputs!, 'inputs', 'hessian');
    const single = new Builtin('ensure_single_output_function', (inner) => {
      const out = callValue(func, inner.args);
      if (!(out instanceof Tensor)) throw runtimeError('The function given to hessian should return a single Tensor');
      if (out.numel !== 1) throw runtimeError('The Tensor returned by the function given to hessian should contain a single element');
      return F.reshape(out, []);
    });
    const jacFunc = new Builtin('jac_func', (inner) => {
      const { res } = jacobianOf(single, new PyTuple(inner.args), true);
      return new PyTuple(res[0]!);
    });
    const { res } = jacobianOf(jacFunc, a.inputs!, toBool(a.create_graph, false));
    return unwrap(res, isTuple, isTuple);
  },
  undefined,
  MODULE,
);
