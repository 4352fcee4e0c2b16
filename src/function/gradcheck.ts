/**
 * `torch.autograd.gradcheck` and `gradgradcheck` (PyTorch 1.13's slow
 * mode): the Jacobian by central differences, each input element moved
 * by ±eps in place, against the Jacobian autograd computes one output
 * element at a time (twice, to check that backward is reentrant).
 */
import { grad } from '../autograd/engine.js';
import { unobserved } from '../autograd/record.js';
import { Tensor } from '../autograd/tensor.js';
import * as F from '../ops/functional.js';
import { uniform_ } from '../random/torch-random.js';
import { NDArray } from '../tensor/ndarray.js';
import { PyError } from '../tensor/errors.js';
import { bind, seq, toBool, toNumber } from '../program/args.js';
import { exceptionClassNamed, newException, RaisedError } from '../program/exceptions.js';
import { makeClass, callValue, warn } from '../program/objects.js';
import { repr } from '../program/repr.js';
import { Builtin, PyTuple, type CallArgs, type PyValue } from '../program/values.js';

export const gradcheckErrorClass = makeClass('GradcheckError', 'GradcheckError', [exceptionClassNamed('RuntimeError')], new Map(), 'torch.autograd.gradcheck');

function gradcheckError(message: string): Error {
  return new RaisedError(newException(gradcheckErrorClass, [message]), message);
}

interface Options {
  eps: number;
  atol: number;
  rtol: number;
  nondetTol: number;
}

const asTuple = (v: PyValue): PyValue[] => (v instanceof PyTuple || Array.isArray(v) ? seq(v) : [v]);

/** The outputs that require grad (PyTorch's _differentiable_outputs). */
function differentiable(outputs: readonly PyValue[]): Tensor[] {
  return outputs.filter((o): o is Tensor => o instanceof Tensor && o.requiresGrad);
}

function tensorOf(values: Float64Array, shape: readonly number[], dtype: Tensor['dtype']): Tensor {
  return new Tensor(NDArray.fromValues(values, shape, dtype));
}

/** Numerical Jacobians, [output][input] with rows for input elements, for every tensor output. */
function numericalJacobians(call: () => PyValue[], inputs: readonly Tensor[], outputs: readonly Tensor[], eps: number): Tensor[][] {
  const perOutput: Tensor[][] = outputs.map(() => []);
  for (const input of inputs) {
    const n = input.numel;
    const columns = outputs.map((o) => new Float64Array(n * o.numel));
    const array = input.array;
    for (let k = 0; k < n; k++) {
      const values = array.values();
      const origValue = values[k]!;
      const orig = new Tensor(NDArray.scalar(origValue, input.dtype));
      const evalAt = (shifted: Tensor) => {
        values[k] = shifted.item();
        array.assign(values);
        return call().filter((o): o is Tensor => o instanceof Tensor);
      };
      const before = evalAt(F.sub(orig, eps));
      const after = evalAt(F.add(orig, eps));
      values[k] = origValue;
      array.assign(values);
      outputs.forEach((o, i) => {
        const d = F.div(F.sub(after[i]!, before[i]!), 2 * eps).array.values();
        columns[i]!.set(d, k * o.numel);
      });
    }
    outputs.forEach((o, i) => perOutput[i]!.push(tensorOf(columns[i]!, [n, o.numel], o.dtype)));
  }
  return perOutput;
}

/** Autograd's Jacobians of one output, one per input: row k is input element k. */
function analyticalJacobians(output: Tensor, inputs: readonly Tensor[]): Tensor[] {
  const m = output.numel;
  const columns = inputs.map((t) => new Float64Array(t.numel * m));
  const base = output.array.copy();
  for (let j = 0; j < m; j++) {
    const oneHot = new Float64Array(m);
    oneHot[j] = 1;
    const gradOutput = new Tensor(NDArray.fromValues(oneHot, base.shape, base.dtype));
    const grads = grad([output], inputs, [gradOutput], { retainGraph: true, allowUnused: true });
    grads.forEach((g, i) => {
      if (!g) return;
      const v = g.array.values();
      for (let k = 0; k < v.length; k++) columns[i]![k * m + j] = v[k]!;
    });
  }
  return inputs.map((t, i) => tensorOf(columns[i]!, [t.numel, m], t.dtype));
}

function allclose(a: Tensor, b: Tensor, rtol: number, atol: number): boolean {
  const x = a.array.values();
  const y = b.array.values();
  for (let i = 0; i < x.length; i++) {
    if (!(Math.abs(x[i]! - y[i]!) <= atol + rtol * Math.abs(y[i]!))) return false;
  }
  return true;
}

/**
 * gradcheck is a derivative check of its own: `dzdx check` does not see its
 * work (its finite differences move the inputs in place behind autograd's
 * back, and its analytical Jacobian is one backward per output element).
 */
function runGradcheck(func: PyValue, inputsArg: PyValue, o: Options): true {
  return unobserved(() => gradcheckUnobserved(func, inputsArg, o));
}

function gradcheckUnobserved(func: PyValue, inputsArg: PyValue, o: Options): true {
  const args = asTuple(inputsArg);
  const diffInputs = args.filter((a): a is Tensor => a instanceof Tensor && a.requiresGrad);
  if (diffInputs.length === 0) {
    throw new PyError('ValueError', 'gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True.');
  }
  args.forEach((a, i) => {
    if (a instanceof Tensor && a.requiresGrad && a.dtype !== 'float64') {
      warn(`Input #${i} requires gradient and is not a double precision floating point or complex. This check will likely fail if all the inputs are not of double precision floating point or complex. `);
    }
  });
  const call = () => asTuple(callValue(func, args));
  const funcOut = call();
  const outputs = differentiable(funcOut);
  const tensorsOut = funcOut.filter((t): t is Tensor => t instanceof Tensor);
  const numerical = numericalJacobians(call, diffInputs, tensorsOut, o.eps);
  if (outputs.length === 0) {
    for (const n of numerical.flat()) {
      if (n.array.values().some((v) => v !== 0)) throw gradcheckError('Numerical gradient for function expected to be zero');
    }
    return true;
  }
  const numericalDiff = numerical.filter((_, i) => tensorsOut[i]!.requiresGrad);
  outputs.forEach((out, i) => {
    const first = analyticalJacobians(out, diffInputs);
    const second = analyticalJacobians(out, diffInputs);
    first.forEach((a, j) => {
      if (!allclose(second[j]!, a, 0, o.nondetTol)) {
        throw gradcheckError(
          `Backward is not reentrant, i.e., running backward with same input and grad_output multiple times gives different values, although analytical gradient matches numerical gradient.The tolerance for nondeterminism was ${repr(o.nondetTol)}.`,
        );
      }
    });
    first.forEach((a, j) => {
      const n = numericalDiff[i]![j]!;
      if (!allclose(a, n, o.rtol, o.atol)) {
        throw gradcheckError(`Jacobian mismatch for output ${i} with respect to input ${j},\nnumerical:${n.toString()}\nanalytical:${a.toString()}\n`);
      }
    });
  });
  return true;
}

function options(a: Record<string, PyValue | undefined>): Options {
  const num = (v: PyValue | undefined, fallback: number, what: string) => (v === undefined || v === null ? fallback : toNumber(v, what));
  return { eps: num(a.eps, 1e-6, 'eps'), atol: num(a.atol, 1e-5, 'atol'), rtol: num(a.rtol, 1e-3, 'rtol'), nondetTol: num(a.nondet_tol, 0, 'nondet_tol') };
}

/** With raise_exception=False a GradcheckError becomes False. */
function caught(raise: boolean, body: () => true): boolean {
  try {
    return body();
  } catch (e) {
    if (!raise && e instanceof RaisedError && e.exc.cls === gradcheckErrorClass) return false;
    throw e;
  }
}

const GRADCHECK_PARAMS = ['func', 'inputs', '*', 'eps=', 'atol=', 'rtol=', 'raise_exception=', 'check_sparse_nnz=', 'nondet_tol=', 'check_undefined_grad=', 'check_grad_dtypes=', 'check_batched_grad=', 'check_batched_forward_grad=', 'check_forward_ad=', 'check_backward_ad=', 'fast_mode='];

export const gradcheck = new Builtin(
  'gradcheck',
  (call: CallArgs) => {
    const a = bind('gradcheck', call, GRADCHECK_PARAMS);
    return caught(toBool(a.raise_exception, true), () => runGradcheck(a.func!, a.inputs!, options(a)));
  },
  undefined,
  'torch.autograd.gradcheck',
);

/**
 * gradgradcheck: gradcheck of the function that maps (inputs, grad_outputs)
 * to the input gradients autograd computes with create_graph. Without
 * grad_outputs, PyTorch draws them uniformly from [-1, 1) (torch.testing.make_tensor).
 */
export const gradgradcheck = new Builtin(
  'gradgradcheck',
  (call: CallArgs) => {
    const a = bind('gradgradcheck', call, ['func', 'inputs', 'grad_outputs=', '*', 'eps=', 'atol=', 'rtol=', 'gen_non_contig_grad_outputs=', 'raise_exception=', 'nondet_tol=', 'check_undefined_grad=', 'check_grad_dtypes=', 'check_batched_grad=', 'check_fwd_over_rev=', 'check_rev_over_rev=', 'fast_mode=']);
    const func = a.func!;
    const inputs = asTuple(a.inputs!);
    let gradOutputs: Tensor[];
    if (a.grad_outputs === undefined || a.grad_outputs === null) {
      const outs = differentiable(asTuple(callValue(func, inputs)));
      gradOutputs = outs.map((o) => {
        // torch.testing.make_tensor(shape, low=-1, high=1, requires_grad=True): uniform_ on torch's generator.
        const g = uniform_(new Tensor(NDArray.full(o.shape, 0, o.dtype)), -1, 1);
        g.requiresGrad = true;
        return g;
      });
    } else {
      gradOutputs = asTuple(a.grad_outputs).map((g) => g as Tensor);
    }
    const n = gradOutputs.length;
    const diffInputIndices = new Set(inputs.flatMap((x, i) => (x instanceof Tensor && x.requiresGrad ? [i] : [])));
    const newFunc = new Builtin('new_func', (inner) => {
      const all = inner.args;
      const inputArgs = all.slice(0, all.length - n);
      const outs = differentiable(asTuple(callValue(func, inputArgs)));
      const diffArgs = inputArgs.filter((_, i) => diffInputIndices.has(i)) as Tensor[];
      const grads = grad(outs, diffArgs, all.slice(all.length - n) as Tensor[], { createGraph: true, allowUnused: true });
      return new PyTuple(grads.filter((g): g is Tensor => g !== null));
    });
    return caught(toBool(a.raise_exception, true), () => runGradcheck(newFunc, new PyTuple([...inputs, ...gradOutputs]), options(a)));
  },
  undefined,
  'torch.autograd.gradcheck',
);
