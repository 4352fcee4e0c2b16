/**
 * Script bindings of the rest of the tensor API teaching code calls:
 * reductions and selections (`max(dim)` and its named tuple), shape ops,
 * gather/scatter, softmax, in-place variants, `torch.cat`, `torch.linalg`
 * (devices and legacy types: torch-devices.ts; torch.nn.functional:
 * torch-functional.ts). Each binding parses Python's arguments as PyTorch
 * 1.13 names them and calls the functional API over the op registry.
 * torch-ops.ts, tensor-attrs.ts and torch-module.ts merge these tables
 * into theirs.
 */
import { Tensor } from '../autograd/tensor.js';
import * as F from '../ops/functional.js';
import { dtypeTitle } from '../ops/registry.js';
import { DEFAULT_FLOAT } from '../tensor/dtype.js';
import { PyError, runtimeError, UnsupportedError } from '../tensor/errors.js';
import { NDArray } from '../tensor/ndarray.js';
import { CPU, CUDA_ERROR, LEGACY, legacyConstructor, parseDevice, toMethod, typeMethod, variable } from './torch-devices.js';
import { bilinearImpl, softmaxImpl } from './torch-functional.js';
import { bind, seq, toBool, toDims, toInt, toNumber, toScalar, toShape, toTensorArg } from './args.js';
import {
  Builtin,
  PyDType,
  deviceClass,
  objectClass,
  typeClass,
  PyClass,
  PyNamedTuple,
  sizeClass,
  PyTuple,
  TorchSize,
  typeName,
  type CallArgs,
  type PyValue,
} from './values.js';

type Impl = (call: CallArgs) => PyValue;
type Method = (self: Tensor, call: CallArgs) => PyValue;

const input = (a: Record<string, PyValue | undefined>) => toTensorArg(a.input, 'input');
const optionalInt = (v: PyValue | undefined, fallback: number) => (v === undefined || v === null ? fallback : toInt(v, 'dim'));
const named = (kind: string, r: F.ValuesIndices) => new PyNamedTuple(kind, ['values', 'indices'], [r.values, r.indices]);
const tensors = (v: PyValue | undefined, fn: string) => {
  if (v instanceof Tensor || v === undefined || v === null || !(Array.isArray(v) || v instanceof PyTuple)) {
    throw new PyError('TypeError', `${fn}(): argument 'tensors' (position 1) must be tuple of Tensors, not ${typeName(v ?? null)}`);
  }
  return seq(v).map((t) => toTensorArg(t, 'tensors'));
};

function unary(name: string, f: (t: Tensor) => Tensor): Impl {
  return (call) => f(input(bind(name, call, ['input'])));
}

// Reductions and selections.

function extremum(which: 'max' | 'min'): Impl {
  return (call) => {
    const a = bind(which, call, ['input', 'dim=', 'keepdim=']);
    const x = input(a);
    if (a.dim instanceof Tensor) return which === 'max' ? F.maximum(x, a.dim) : F.minimum(x, a.dim);
    if (a.dim === undefined || a.dim === null) {
      if (a.keepdim !== undefined) throw new PyError('TypeError', `${which}() received an invalid combination of arguments - got (Tensor, keepdim=bool)`);
      return which === 'max' ? F.maxAll(x) : F.minAll(x);
    }
    const dim = toInt(a.dim, 'dim');
    const keepdim = toBool(a.keepdim, false);
    return named(which, which === 'max' ? F.maxDim(x, dim, keepdim) : F.minDim(x, dim, keepdim));
  };
}

function argExtremum(which: 'max' | 'min'): Impl {
  return (call) => {
    const a = bind(`arg${which}`, call, ['input', 'dim=', 'keepdim=']);
    const dim = a.dim === undefined || a.dim === null ? null : toInt(a.dim, 'dim');
    return F.argExtremum(input(a), which, dim, toBool(a.keepdim, false));
  };
}

/** std/var: `(dim, unbiased, keepdim)`, `(unbiased)`, or `correction=`. */
function spread(name: 'std' | 'var'): Impl {
  return (call) => {
    const a = bind(name, call, ['input', 'dim=', 'unbiased=', 'keepdim=', 'correction=']);
    let dim: PyValue | undefined = a.dim;
    let unbiased = a.unbiased;
    if (typeof dim === 'boolean') [unbiased, dim] = [dim, undefined];
    const correction = a.correction !== undefined && a.correction !== null ? toInt(a.correction, 'correction') : toBool(unbiased, true) ? 1 : 0;
    return F.variance(input(a), toDims(dim), correction, toBool(a.keepdim, false), name === 'std');
  };
}

/** A norm's order: a number, inf, or 'fro' (the 2-norm of the flattened tensor). */
function normOrder(p: PyValue | undefined, fallback: number): number {
  if (p === undefined || p === null) return fallback;
  if (p === 'fro') return 2;
  if (typeof p === 'string') throw new UnsupportedError(`the '${p}' norm is not supported`);
  return toNumber(p, 'p');
}

const normImpl: Impl = (call) => {
  const a = bind('norm', call, ['input', 'p=', 'dim=', 'keepdim=', 'dtype=']);
  return F.norm(input(a), normOrder(a.p, 2), toDims(a.dim), toBool(a.keepdim, false));
};

const cumulative = (name: string, f: (t: Tensor, dim: number) => Tensor): Impl => (call) => {
  const a = bind(name, call, ['input', 'dim', 'dtype=']);
  return f(input(a), toInt(a.dim, 'dim'));
};

/** A clamp_min/clamp_max bound: a Python number (a tensor bound is PyTorch's other overload, ClampMinBackward1). */
function numberBound(v: PyValue | undefined, name: string): F.Scalar {
  if (v instanceof Tensor) throw new UnsupportedError(`${name} with a tensor bound is not supported (a number is)`);
  toNumber(v, name);
  return toScalar(v as number);
}

// Indexing helpers.

function indexArg(v: PyValue | undefined): Tensor {
  return toTensorArg(v, 'index');
}

const scatterImpl = (name: string, inPlace: boolean): Impl => (call) => {
  const a = bind(name, call, ['input', 'dim', 'index', 'src=', 'value=', 'reduce=']);
  if (a.reduce !== undefined) throw new UnsupportedError(`${name}(reduce=...) is not supported`);
  const x = input(a);
  const dim = toInt(a.dim, 'dim');
  const src = a.src ?? a.value;
  if (src instanceof Tensor) return inPlace ? F.scatterInPlace(x, dim, indexArg(a.index), src) : F.scatter(x, dim, indexArg(a.index), src);
  const value = toNumber(src, 'value');
  return inPlace ? F.scatterValueInPlace(x, dim, indexArg(a.index), value) : F.scatterValue(x, dim, indexArg(a.index), value);
};

const maskValue = (v: PyValue | undefined) => (v instanceof Tensor ? v : toNumber(v, 'value'));

/** `torch.addcmul(input, tensor1, tensor2, value=1)` and addcdiv, and their methods (the optimisers' updates, src/ops/scaled.ts). */
function scaledUpdate(name: string, f: (self: Tensor, t1: Tensor, t2: Tensor, value: number) => Tensor): Impl {
  return (call) => {
    const a = bind(name, call, ['input', 'tensor1', 'tensor2', 'value=']);
    return f(input(a), toTensorArg(a.tensor1, 'tensor1'), toTensorArg(a.tensor2, 'tensor2'), a.value === undefined ? 1 : toNumber(a.value, 'value'));
  };
}

/** Shared by `torch.X(input, …)` and `input.X(…)` (merged into torch-ops.ts's table). */
export const moreTensorFunctions: Record<string, Impl> = (() => {
  const fns: Record<string, Impl> = {
    floor: unary('floor', F.floor),
    ceil: unary('ceil', F.ceil),
    trunc: unary('trunc', F.trunc),
    fix: unary('fix', F.trunc),
    frac: unary('frac', F.frac),
    round: (call) => {
      const a = bind('round', call, ['input', 'decimals=']);
      if (a.decimals !== undefined && toInt(a.decimals, 'decimals') !== 0) throw new UnsupportedError('round(decimals=...) is not supported');
      return F.round(input(a));
    },
    log1p: unary('log1p', F.log1p),
    expm1: unary('expm1', F.expm1),
    log2: unary('log2', F.log2),
    log10: unary('log10', F.log10),
    exp2: unary('exp2', F.exp2),
    erf: unary('erf', F.erf),
    sinh: unary('sinh', F.sinh),
    cosh: unary('cosh', F.cosh),
    asin: unary('asin', F.asin),
    arcsin: unary('arcsin', F.asin),
    acos: unary('acos', F.acos),
    arccos: unary('arccos', F.acos),
    atan: unary('atan', F.atan),
    arctan: unary('arctan', F.atan),
    sgn: unary('sgn', F.sgn),
    atan2: (call) => {
      const a = bind('atan2', call, ['input', 'other']);
      return F.atan2(input(a), toTensorArg(a.other, 'other'));
    },
    clamp_min: (call) => {
      const a = bind('clamp_min', call, ['input', 'min']);
      return F.clampMin(input(a), numberBound(a.min, 'clamp_min'));
    },
    clamp_max: (call) => {
      const a = bind('clamp_max', call, ['input', 'max']);
      return F.clampMax(input(a), numberBound(a.max, 'clamp_max'));
    },
    max: extremum('max'),
    min: extremum('min'),
    argmax: argExtremum('max'),
    argmin: argExtremum('min'),
    sort: (call) => {
      const a = bind('sort', call, ['input', 'dim=', 'descending=', 'stable=']);
      return named('sort', F.sort(input(a), optionalInt(a.dim, -1), toBool(a.descending, false), toBool(a.stable, false)));
    },
    argsort: (call) => {
      const a = bind('argsort', call, ['input', 'dim=', 'descending=', 'stable=']);
      return F.sort(input(a), optionalInt(a.dim, -1), toBool(a.descending, false), toBool(a.stable, false)).indices;
    },
    topk: (call) => {
      const a = bind('topk', call, ['input', 'k', 'dim=', 'largest=', 'sorted=']);
      return named('topk', F.topk(input(a), toInt(a.k, 'k'), optionalInt(a.dim, -1), toBool(a.largest, true), toBool(a.sorted, true)));
    },
    prod: (call) => {
      const a = bind('prod', call, ['input', 'dim=', 'keepdim=', 'dtype=']);
      return F.prod(input(a), a.dim === undefined || a.dim === null ? null : toInt(a.dim, 'dim'), toBool(a.keepdim, false));
    },
    std: spread('std'),
    var: spread('var'),
    norm: normImpl,
    cumsum: cumulative('cumsum', F.cumsum),
    cumprod: cumulative('cumprod', F.cumprod),
    logsumexp: (call) => {
      const a = bind('logsumexp', call, ['input', 'dim', 'keepdim=']);
      return F.logsumexp(input(a), toDims(a.dim) ?? [], toBool(a.keepdim, false));
    },
    split: (call) => {
      const a = bind('split', call, ['input', 'split_size_or_sections', 'dim=']);
      const s = a.split_size_or_sections;
      const sizes = Array.isArray(s) || s instanceof PyTuple ? seq(s).map((v) => toInt(v, 'split_size')) : toInt(s, 'split_size');
      return new PyTuple(F.split(input(a), sizes, optionalInt(a.dim, 0)));
    },
    chunk: (call) => {
      const a = bind('chunk', call, ['input', 'chunks', 'dim=']);
      return new PyTuple(F.chunk(input(a), toInt(a.chunks, 'chunks'), optionalInt(a.dim, 0)));
    },
    unbind: (call) => {
      const a = bind('unbind', call, ['input', 'dim=']);
      return new PyTuple(F.unbind(input(a), optionalInt(a.dim, 0)));
    },
    flip: (call) => {
      const a = bind('flip', call, ['input', '*dims']);
      return F.flip(input(a), toShape(a.dims as PyValue[], 'dims'));
    },
    tril: (call) => {
      const a = bind('tril', call, ['input', 'diagonal=']);
      return F.tril(input(a), optionalInt(a.diagonal, 0));
    },
    triu: (call) => {
      const a = bind('triu', call, ['input', 'diagonal=']);
      return F.triu(input(a), optionalInt(a.diagonal, 0));
    },
    diag: (call) => {
      const a = bind('diag', call, ['input', 'diagonal=']);
      return F.diag(input(a), optionalInt(a.diagonal, 0));
    },
    diagonal: (call) => {
      const a = bind('diagonal', call, ['input', 'offset=', 'dim1=', 'dim2=']);
      return F.diagonal(input(a), optionalInt(a.offset, 0), optionalInt(a.dim1, 0), optionalInt(a.dim2, 1));
    },
    trace: unary('trace', F.trace),
    narrow: (call) => {
      const a = bind('narrow', call, ['input', 'dim', 'start', 'length']);
      return F.narrow(input(a), toInt(a.dim, 'dim'), toInt(a.start, 'start'), toInt(a.length, 'length'));
    },
    flatten: (call) => {
      const a = bind('flatten', call, ['input', 'start_dim=', 'end_dim=']);
      return F.flatten(input(a), optionalInt(a.start_dim, 0), optionalInt(a.end_dim, -1));
    },
    unflatten: (call) => {
      const a = bind('unflatten', call, ['input', 'dim', 'sizes']);
      return F.unflatten(input(a), toInt(a.dim, 'dim'), toShape([a.sizes!], 'sizes'));
    },
    gather: (call) => {
      const a = bind('gather', call, ['input', 'dim', 'index', 'sparse_grad=']);
      return F.gather(input(a), toInt(a.dim, 'dim'), indexArg(a.index));
    },
    scatter: scatterImpl('scatter', false),
    scatter_add: (call) => {
      const a = bind('scatter_add', call, ['input', 'dim', 'index', 'src']);
      return F.scatterAdd(input(a), toInt(a.dim, 'dim'), indexArg(a.index), toTensorArg(a.src, 'src'));
    },
    index_select: (call) => {
      const a = bind('index_select', call, ['input', 'dim', 'index']);
      return F.indexSelect(input(a), toInt(a.dim, 'dim'), indexArg(a.index));
    },
    masked_fill: (call) => {
      const a = bind('masked_fill', call, ['input', 'mask', 'value']);
      return F.maskedFill(input(a), toTensorArg(a.mask, 'mask'), maskValue(a.value));
    },
    nonzero: (call) => {
      const a = bind('nonzero', call, ['input', 'as_tuple=']);
      const coords = nonzero(input(a));
      return toBool(a.as_tuple, false) ? new PyTuple(coords.columns) : coords.matrix;
    },
    softmax: softmaxImpl('softmax', false, () => {}),
    log_softmax: softmaxImpl('log_softmax', false, () => {}),
    bmm: (call) => {
      const a = bind('bmm', call, ['input', 'mat2']);
      return F.bmm(input(a), toTensorArg(a.mat2, 'mat2'));
    },
    addmm: (call) => {
      const a = bind('addmm', call, ['input', 'mat1', 'mat2', 'beta=', 'alpha=']);
      const scale = (v: PyValue | undefined) => (v === undefined ? 1 : toNumber(v, 'beta'));
      return F.addmm(input(a), toTensorArg(a.mat1, 'mat1'), toTensorArg(a.mat2, 'mat2'), scale(a.beta), scale(a.alpha));
    },
    bilinear: bilinearImpl,
    addcmul: scaledUpdate('addcmul', F.addcmul),
    addcdiv: scaledUpdate('addcdiv', F.addcdiv),
    outer: (call) => {
      const a = bind('outer', call, ['input', 'vec2']);
      return F.outer(input(a), toTensorArg(a.vec2, 'vec2'));
    },
    equal: (call) => {
      const a = bind('equal', call, ['input', 'other']);
      const [x, y] = [input(a), toTensorArg(a.other, 'other')];
      if (x.shape.join() !== y.shape.join()) return false;
      const ys = y.array.values();
      return x.array.values().every((v, i) => v === ys[i]);
    },
    allclose: (call) => {
      const a = bind('allclose', call, ['input', 'other', 'rtol=', 'atol=', 'equal_nan=']);
      const [x, y] = [input(a), toTensorArg(a.other, 'other')];
      if (x.dtype !== y.dtype) throw runtimeError(`${dtypeTitle(x.dtype)} did not match ${dtypeTitle(y.dtype)}`);
      const rtol = a.rtol === undefined ? 1e-5 : toNumber(a.rtol, 'rtol');
      const atol = a.atol === undefined ? 1e-8 : toNumber(a.atol, 'atol');
      const equalNan = toBool(a.equal_nan, false);
      const close = F.isCloseValues(x, y, rtol, atol, equalNan);
      return close.every(Boolean);
    },
    numel: (call) => BigInt(input(bind('numel', call, ['input'])).numel),
  };
  return fns;
})();

/** The nonzero coordinates: as an (n, ndim) int64 matrix and as one index per dim. */
function nonzero(t: Tensor): { matrix: Tensor; columns: Tensor[] } {
  const values = t.array.values();
  const rows: number[][] = [];
  values.forEach((v, k) => {
    if (v === 0) return;
    const idx: number[] = [];
    let rest = k;
    for (let d = t.shape.length - 1; d >= 0; d--) {
      idx.unshift(rest % t.shape[d]!);
      rest = Math.floor(rest / t.shape[d]!);
    }
    rows.push(idx);
  });
  const nd = t.shape.length;
  const matrix = new Tensor(NDArray.fromValues(rows.flat(), [rows.length, nd], 'int64'));
  const columns = Array.from({ length: nd }, (_, d) => new Tensor(NDArray.fromValues(rows.map((r) => r[d]!), [rows.length], 'int64')));
  return { matrix, columns };
}

/** `torch.where(condition)`: the nonzero coordinates as a tuple. */
export const whereOneArg = (cond: Tensor): PyValue => new PyTuple(nonzero(cond).columns);

function inPlaceUnary(f: (t: Tensor) => Tensor): Method {
  return (self, call) => (bind('in-place op', call, []), f(self));
}

/** Methods only (no `torch.X` function of the same meaning). */
export const moreMethods: Record<string, Method> = {
  to: toMethod,
  cpu: (self, call) => (bind('cpu', call, ['memory_format=']), self),
  is_contiguous: (self, call) => (bind('is_contiguous', call, ['memory_format=']), self.array.isContiguous()),
  cuda: () => {
    throw CUDA_ERROR();
  },
  type: typeMethod,
  repeat: (self, call) => F.repeat(self, toShape(bind('repeat', call, ['*sizes']).sizes as PyValue[], 'repeats')),
  expand_as: (self, call) => F.expand(self, [...toTensorArg(bind('expand_as', call, ['other']).other, 'other').shape]),
  view_as: (self, call) => F.view(self, [...toTensorArg(bind('view_as', call, ['other']).other, 'other').shape]),
  reshape_as: (self, call) => F.reshape(self, [...toTensorArg(bind('reshape_as', call, ['other']).other, 'other').shape]),
  where: (self, call) => {
    const a = bind('where', call, ['condition', 'other']);
    if (!(a.other instanceof Tensor)) throw new PyError('TypeError', `where(): argument 'other' (position 2) must be Tensor, not ${typeName(a.other ?? null)}`);
    return F.where(toTensorArg(a.condition, 'condition'), self, a.other);
  },
  masked_fill_: (self, call) => {
    const a = bind('masked_fill_', call, ['mask', 'value']);
    return F.maskedFillInPlace(self, toTensorArg(a.mask, 'mask'), maskValue(a.value));
  },
  scatter_: (self, call) => scatterImpl('scatter_', true)({ args: [self, ...call.args], kwargs: call.kwargs }),
  scatter_add_: (self, call) => {
    const a = bind('scatter_add_', call, ['dim', 'index', 'src']);
    return F.scatterAddInPlace(self, toInt(a.dim, 'dim'), indexArg(a.index), toTensorArg(a.src, 'src'));
  },
  index_add_: (self, call) => {
    const a = bind('index_add_', call, ['dim', 'index', 'source', 'alpha=']);
    const source = toTensorArg(a.source, 'source');
    return F.indexAddInPlace(self, toInt(a.dim, 'dim'), indexArg(a.index), a.alpha === undefined ? source : F.mul(source, toScalar(a.alpha as number)));
  },
  clamp_min_: (self, call) => F.clampMinInPlace(self, numberBound(bind('clamp_min_', call, ['min']).min, 'clamp_min_')),
  clamp_max_: (self, call) => F.clampMaxInPlace(self, numberBound(bind('clamp_max_', call, ['max']).max, 'clamp_max_')),
  pow_: (self, call) => {
    const e = bind('pow_', call, ['exponent']).exponent;
    if (e instanceof Tensor) throw new UnsupportedError('pow_ with a tensor exponent is not supported');
    return F.powInPlace(self, toScalar(e as number));
  },
  ...Object.fromEntries(
    [
      ['abs_', 'abs'], ['neg_', 'neg'], ['negative_', 'neg'], ['exp_', 'exp'], ['log_', 'log'], ['sin_', 'sin'], ['cos_', 'cos'],
      ['tan_', 'tan'], ['tanh_', 'tanh'], ['sigmoid_', 'sigmoid'], ['relu_', 'relu'], ['sqrt_', 'sqrt'], ['rsqrt_', 'rsqrt'],
      ['reciprocal_', 'reciprocal'], ['sign_', 'sign'], ['sgn_', 'sgn'], ['floor_', 'floor'], ['ceil_', 'ceil'], ['round_', 'round'],
      ['trunc_', 'trunc'], ['frac_', 'frac'], ['log1p_', 'log1p'], ['expm1_', 'expm1'], ['log2_', 'log2'], ['log10_', 'log10'],
      ['exp2_', 'exp2'], ['erf_', 'erf'], ['sinh_', 'sinh'], ['cosh_', 'cosh'], ['asin_', 'asin'], ['acos_', 'acos'], ['atan_', 'atan'],
    ].map(([method, entry]) => [method, inPlaceUnary((t) => F.unaryInPlace(entry!, t))]),
  ),
  square_: inPlaceUnary((t) => F.powInPlace(t, { value: 2, kind: 'int' })),
};

/** Attributes of tensors this file adds (`x.device`, `x.is_cuda`). */
export function moreTensorAttr(self: Tensor, name: string): PyValue | undefined {
  if (name === 'device') return CPU();
  if (name === 'is_cuda') return false;
  if (name === "_base") return self.base;
  return undefined;
}

/** The metaclass of the legacy types: `<class 'torch.tensortype'>`. */
const tensortypeClass = new PyClass('tensortype', [typeClass], new Map(), { module: 'torch', builtin: true, final: true });

/** `<class 'torch.FloatTensor'>`…: calling one is the legacy constructor of its dtype. */
export const legacyClasses = new Map<string, PyClass>(
  Object.entries(LEGACY).map(([name, dtype]) => {
    const make = legacyConstructor(dtype);
    return [
      name,
      new PyClass(name, [objectClass], new Map(), {
        module: 'torch',
        builtin: true,
        final: true,
        construct: (_cls, call) => make(call),
        metaclass: tensortypeClass,
        instanceCheck: (v) => v instanceof Tensor && v.dtype === dtype,
      }),
    ];
  }),
);

/** `torch.autograd.Variable`: the legacy wrapper, a class whose call gives a tensor. */
export const variableClass = new PyClass('Variable', [objectClass], new Map(), { module: 'torch.autograd.variable', builtin: true, final: true, construct: (_cls, call) => variable(call) });

/** What `torch.` gains: devices, legacy types, joins (its submodules cuda and linalg are cudaAttributes and linalgAttributes). */
export function moreTorchAttrs(attrs: Map<string, PyValue>): void {
  const fns = moreTensorFunctions;
  const fn = (name: string, impl: (call: CallArgs) => PyValue) => new Builtin(name, impl, undefined, 'torch');
  for (const [name, impl] of Object.entries(fns)) attrs.set(name, fn(name, impl));
  const where = attrs.get('where') as Builtin;
  attrs.set('where', fn('where', (call) => (call.args.length === 1 && call.kwargs.size === 0 ? whereOneArg(toTensorArg(call.args[0], 'condition')) : where.fn(call))));
  attrs.set('device', deviceClass);
  for (const [name, cls] of legacyClasses) attrs.set(name, cls);
  const join = (name: string, f: (ts: Tensor[], dim: number) => Tensor) =>
    fn(name, (call) => {
      const a = bind(name, call, ['tensors', 'dim=']);
      return f(tensors(a.tensors, name), optionalInt(a.dim, 0));
    });
  attrs.set('cat', join('cat', F.cat));
  attrs.set('concat', join('concat', F.cat));
  attrs.set('concatenate', join('concatenate', F.cat));
  attrs.set('stack', join('stack', F.stack));
  attrs.set('ger', fn('ger', fns.outer!));
  attrs.set('get_default_dtype', fn('get_default_dtype', () => new PyDType(DEFAULT_FLOAT)));
}

/** `torch.device(type, index=None)` makes (or finds) the device. */
(deviceClass as { construct?: (cls: PyClass, call: CallArgs) => PyValue }).construct = (_cls, call) => {
  const a = bind('device', call, ['type', 'index=']);
  return parseDevice(a.type, a.index);
};

/** `torch.Size(sizes=())`. */
(sizeClass as { construct?: (cls: PyClass, call: CallArgs) => PyValue }).construct = (_cls, call) => {
  const a = bind('Size', call, ['sizes=']);
  return new TorchSize(a.sizes === undefined ? [] : seq(a.sizes).map((v) => BigInt(toInt(v, 'size'))));
};

export function linalgAttributes(): Map<string, PyValue> {
  const vectorNorm = (name: string, ordName: string) =>
    new Builtin(name, (call) => {
      const a = bind(name, call, ['input', ordName + '=', 'dim=', 'keepdim=', 'dtype=']);
      const x = toTensorArg(a.input, 'input');
      const dims = toDims(a.dim);
      const ord = a[ordName];
      if (name === 'norm' && ord !== undefined && ord !== null && (dims === null ? x.shape.length === 2 : dims.length === 2)) {
        throw new UnsupportedError('matrix norms (torch.linalg.norm with ord of a 2-D input) are not supported');
      }
      return F.norm(x, normOrder(ord, 2), dims, toBool(a.keepdim, false), true);
    }, undefined, 'torch._C._linalg');
  return new Map<string, PyValue>([['norm', vectorNorm('norm', 'ord')], ['vector_norm', vectorNorm('vector_norm', 'ord')]]);
}

export { checkDevice } from './torch-devices.js';
export { moreFunctional, type Warn } from './torch-functional.js';
