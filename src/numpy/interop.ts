/**
 * numpy and torch together, as PyTorch 1.13 shares memory between them:
 * `torch.from_numpy(a)` and `t.numpy()` see the same storage (a write
 * through one shows in the other), `torch.as_tensor(a)` shares it when the
 * dtype is kept, `torch.tensor(a)` copies. float64 arrays become float64
 * tensors (numpy's default is not torch's).
 */
import { Tensor } from '../autograd/tensor.js';
import { PyError } from '../tensor/errors.js';
import { bind, toBool } from '../program/args.js';
import { UnsupportedError } from '../program/errors.js';
import { callValue, getAttr } from '../program/objects.js';
import { libraryTensorMethods } from '../program/tensor-attrs.js';
import { Builtin, PyDType, typeOf, type CallArgs, type PyModule, type PyValue } from '../program/values.js';
import type { DType } from '../tensor/dtype.js';
import { castArray } from './kernels.js';
import { arrayOf, isArray, npType, wrap } from './ndarray.js';
import { tensorArray } from './convert.js';
import { float32Value, isFloat32Scalar } from './scalars.js';

libraryTensorMethods.numpy = (self: Tensor, call: CallArgs): PyValue => {
  bind('numpy', call, ['force=']);
  const a = tensorArray(self);
  if (a.dtype === 'uint8') throw new UnsupportedError('numpy arrays of dtype uint8 are not supported');
  return wrap(a);
};

function dtypeKwarg(v: PyValue | undefined): DType | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof PyDType) return v.dtype;
  throw new PyError('TypeError', `tensor(): argument 'dtype' must be torch.dtype, not ${typeOf(v).name}`);
}

function tensorFromArray(v: PyValue, dtype: DType | undefined, requiresGrad: boolean, share: boolean): Tensor {
  const a = arrayOf(v);
  const keep = dtype === undefined || dtype === a.dtype;
  if (dtype === 'uint8') throw new UnsupportedError('torch tensors of dtype uint8 from numpy are not supported');
  const t = new Tensor(share && keep ? a : castArray(a, (dtype ?? npType(a)) as 'float64'));
  if (requiresGrad) t.setRequiresGrad(true, false);
  return t;
}

/** Adds from_numpy and as_tensor to torch, and teaches torch.tensor to read arrays. */
export function installInterop(torch: PyModule): void {
  const original = torch.get('tensor')!;
  const fn = (name: string, impl: (call: CallArgs) => PyValue) => new Builtin(name, impl, undefined, 'torch');
  torch.attrs.set('tensor', fn('tensor', (call) => {
    const data = call.args[0] ?? call.kwargs.get('data');
    if (data !== undefined && isFloat32Scalar(data)) {
      const rest = call.args.length > 0 ? [float32Value(data), ...call.args.slice(1)] : call.args;
      const kwargs = new Map(call.kwargs);
      if (!kwargs.has('dtype')) kwargs.set('dtype', new PyDType('float32'));
      if (call.args.length === 0) kwargs.set('data', float32Value(data));
      return callValue(original, rest, kwargs);
    }
    if (data === undefined || !isArray(data)) return callValue(original, call.args, call.kwargs);
    const a = bind('tensor', call, ['data', 'dtype=', 'device=', 'requires_grad=']);
    return tensorFromArray(data, dtypeKwarg(a.dtype), toBool(a.requires_grad, false), false);
  }));
  torch.attrs.set('from_numpy', fn('from_numpy', (call) => {
    const a = bind('from_numpy', call, ['ndarray']);
    if (!isArray(a.ndarray!)) throw new PyError('TypeError', `expected np.ndarray (got ${typeOf(a.ndarray!).name})`);
    return tensorFromArray(a.ndarray!, undefined, false, true);
  }));
  torch.attrs.set('as_tensor', fn('as_tensor', (call) => {
    const a = bind('as_tensor', call, ['data', 'dtype=', 'device=']);
    const dtype = dtypeKwarg(a.dtype);
    if (isArray(a.data!)) return tensorFromArray(a.data!, dtype, false, true);
    if (a.data instanceof Tensor) {
      if (dtype === undefined || dtype === a.data.dtype) return a.data;
      return callValue(getAttr(a.data, 'to'), [new PyDType(dtype)]);
    }
    const kwargs = new Map<string, PyValue>();
    if (a.dtype !== undefined) kwargs.set('dtype', a.dtype);
    return callValue(original, [a.data!], kwargs);
  }));
}
