/**
 * Devices (dzdx is PyTorch's CPU build: `torch.cuda.is_available()` is
 * False, CUDA raises its AssertionError), `x.to(...)`, the legacy tensor
 * types (`torch.FloatTensor`, `x.type(...)`) and `Variable`.
 */
import { Tensor } from '../autograd/tensor.js';
import * as C from '../ops/creation.js';
import * as F from '../ops/functional.js';
import { isFloating, type DType } from '../tensor/dtype.js';
import { PyError, runtimeError, UnsupportedError } from '../tensor/errors.js';
import { bind, seq, toBool, toInt, toScalar, toShape } from './args.js';
import { Builtin, isNumber, PyClass, PyDevice, PyDType, PyTuple, TorchSize, typeName, type CallArgs, type PyValue } from './values.js';

type Impl = (call: CallArgs) => PyValue;

// Devices: one object per (type, index), so `x.device == torch.device('cpu')` is identity.

const devices = new Map<string, PyDevice>();
const DEVICE_TYPES = 'cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, ort, xla, lazy, vulkan, mps, meta, hpu, privateuseone';

export function deviceOf(type: string, index: number | null): PyDevice {
  const key = `${type}:${index}`;
  let d = devices.get(key);
  if (!d) devices.set(key, (d = new PyDevice(type, index)));
  return d;
}

export const CPU = () => deviceOf('cpu', null);

export const CUDA_ERROR = () => new PyError('AssertionError', 'Torch not compiled with CUDA enabled');

/** `torch.device('cuda:0')`, `torch.device('cpu', 0)`, with PyTorch's errors. */
export function parseDevice(spec: PyValue | undefined, index?: PyValue): PyDevice {
  if (spec instanceof PyDevice) return spec;
  if (typeof spec !== 'string') throw new PyError('TypeError', `device() received an invalid combination of arguments - got (${typeName(spec ?? null)})`);
  const m = /^([a-z]+)(?::(.*))?$/.exec(spec);
  const type = m?.[1] ?? spec;
  if (!DEVICE_TYPES.split(', ').includes(type)) {
    throw runtimeError(`Expected one of ${DEVICE_TYPES} device type at start of device string: ${spec}`);
  }
  if (m?.[2] !== undefined && !/^\d+$/.test(m[2])) throw runtimeError(`Invalid device string: '${spec}'`);
  const i = m?.[2] !== undefined ? Number(m[2]) : index !== undefined && index !== null ? toInt(index, 'index') : type === 'cuda' && m?.[2] === undefined && index === undefined ? null : null;
  return deviceOf(type, i);
}

/** A `device=` argument: the CPU is fine; CUDA is what this PyTorch was built without. */
export function checkDevice(v: PyValue | undefined): void {
  if (v === undefined || v === null) return;
  const d = parseDevice(v);
  if (d.type === 'cuda') throw CUDA_ERROR();
  if (d.type !== 'cpu') throw new UnsupportedError(`the device '${d.type}' is not supported (dzdx is PyTorch on the CPU)`);
}

/** `torch.cuda`'s attributes. */
export const cudaAttributes = () =>
  new Map<string, PyValue>([
    ['is_available', new Builtin('is_available', (call) => (bind('is_available', call, []), false), undefined, 'torch.cuda')],
    ['device_count', new Builtin('device_count', (call) => (bind('device_count', call, []), 0n), undefined, 'torch.cuda')],
    ['current_device', new Builtin('current_device', () => { throw CUDA_ERROR(); }, undefined, 'torch.cuda')],
  ]);

// Legacy tensor types.

export const LEGACY: Record<string, DType> = { FloatTensor: 'float32', DoubleTensor: 'float64', LongTensor: 'int64', BoolTensor: 'bool', ByteTensor: 'uint8' };
const LEGACY_OF: Record<DType, string> = { float32: 'FloatTensor', float64: 'DoubleTensor', int64: 'LongTensor', bool: 'BoolTensor', uint8: 'ByteTensor' };
const OPTIONS_TEXT: Record<DType, string> = { float32: 'float', float64: 'double', int64: 'long int', bool: 'bool', uint8: 'unsigned char' };

function tensorOptions(dtype: DType): string {
  return `TensorOptions(dtype=${OPTIONS_TEXT[dtype]}, device=cpu, layout=Strided, requires_grad=false (default), pinned_memory=false (default), memory_format=(nullopt))`;
}

/** A script value (nested lists of numbers) as factory input. */
function nestedData(v: PyValue): C.Nested {
  if (Array.isArray(v) || v instanceof PyTuple) return seq(v).map(nestedData);
  if (isNumber(v)) return toScalar(v);
  if (v instanceof Tensor && v.numel === 1) return { value: v.item(), kind: isFloating(v.dtype) ? 'float' : v.dtype === 'bool' ? 'bool' : 'int' };
  throw new PyError('TypeError', `new(): invalid data type '${typeName(v)}'`);
}

/** `torch.FloatTensor(...)`, `torch.Tensor(...)`: data, sizes, a Size, a tensor of the same type, or nothing. */
export function legacyConstructor(dtype: DType): Impl {
  return (call) => {
    for (const key of call.kwargs.keys()) {
      if (key === 'device') continue;
      const got = [...call.args.map((a) => typeName(a)), ...[...call.kwargs.keys()].map((k) => `${k}=${typeName(call.kwargs.get(k)!)}`)].join(', ');
      throw new PyError(
        'TypeError',
        `new() received an invalid combination of arguments - got (${got}), but expected one of:\n * (*, torch.device device)\n      didn't match because some of the keywords were incorrect: ${key}\n * (torch.Storage storage)\n * (Tensor other)\n * (tuple of ints size, *, torch.device device)\n * (object data, *, torch.device device)\n`,
      );
    }
    checkDevice(call.kwargs.get('device'));
    const args = call.args;
    if (args.length === 0) return C.tensor([], { dtype });
    const first = args[0]!;
    if (args.length === 1 && first instanceof Tensor) {
      if (first.dtype !== dtype) throw new PyError('TypeError', `expected ${tensorOptions(dtype)} (got ${tensorOptions(first.dtype)})`);
      return first.detach();
    }
    if (args.length === 1 && first instanceof TorchSize) return C.zeros(toShape([first], 'size'), { dtype });
    if (args.length === 1 && (Array.isArray(first) || first instanceof PyTuple)) return C.tensor(nestedData(first), { dtype });
    if (args.every((a) => typeof a === 'bigint' || typeof a === 'boolean')) {
      // PyTorch leaves these uninitialised; dzdx fills them with zeros.
      return C.full(args.map((a) => toInt(a, 'size')), 0, { dtype });
    }
    if (args.length === 1 && typeof first === 'number') throw new PyError('TypeError', `new(): data must be a sequence (got float)`);
    throw new PyError('TypeError', `new(): data must be a sequence (got ${typeName(first)})`);
  };
}

/** `x.type(torch.DoubleTensor)`, `x.type('torch.DoubleTensor')`, `x.type(torch.float64)`; `x.type()` names the type. */
export function typeMethod(self: Tensor, call: CallArgs): PyValue {
  const a = bind('type', call, ['dtype=', 'non_blocking=']);
  const t = a.dtype;
  if (t === undefined || t === null) return `torch.${LEGACY_OF[self.dtype]}`;
  if (t instanceof PyDType) return F.to(self, t.dtype);
  const name = t instanceof PyClass ? t.name : typeof t === 'string' ? t.replace(/^torch\./, '') : null;
  if (name !== null && name in LEGACY) return F.to(self, LEGACY[name]!);
  if (typeof t === 'string' && t.startsWith('torch.cuda.')) throw CUDA_ERROR();
  throw new PyError('TypeError', `invalid type: '${String(t)}'`);
}

/** `x.to(…)`: a dtype, a device (string or torch.device), another tensor, or keywords. */
export function toMethod(self: Tensor, call: CallArgs): PyValue {
  const a = bind('to', call, ['first=', 'second=', 'dtype=', 'device=', 'non_blocking=', 'copy=']);
  let dtype: DType | undefined;
  let device: PyValue | undefined = a.device;
  for (const v of [a.first, a.second]) {
    if (v === undefined || v === null) continue;
    if (v instanceof PyDType) dtype = v.dtype;
    else if (v instanceof Tensor) dtype = v.dtype;
    else if (typeof v === 'string' || v instanceof PyDevice) device = v;
    else throw new PyError('TypeError', `to() received an invalid combination of arguments - got (${typeName(v)})`);
  }
  if (a.dtype instanceof PyDType) dtype = a.dtype.dtype;
  checkDevice(device);
  const out = dtype ? F.to(self, dtype) : self;
  return toBool(a.copy, false) && out === self ? F.clone(self) : out;
}

/** `torch.autograd.Variable(t, requires_grad=False)`: the legacy wrapper gives t's data as a new tensor (detached). */
export const variable: Impl = (call) => {
  const a = bind('Variable', call, ['data', 'requires_grad=', 'volatile=']);
  if (!(a.data instanceof Tensor)) throw new PyError('TypeError', `Variable data has to be a tensor, but got ${typeName(a.data ?? null)}`);
  const t = a.data.detach();
  if (toBool(a.requires_grad, false)) {
    if (!isFloating(t.dtype)) throw runtimeError('Only Tensors of floating point and complex dtype can require gradients');
    t.requiresGrad = true;
  }
  return t;
};
