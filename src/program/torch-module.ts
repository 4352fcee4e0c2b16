/** The core of the `torch` module: tensor creation and functions, grad modes, `torch.autograd.grad`. */
import { grad } from '../autograd/engine.js';
import { isGradEnabled, isInferenceMode, setGradEnabled, setInferenceMode } from '../autograd/grad-mode.js';
import { Tensor } from '../autograd/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { PyError } from '../tensor/errors.js';
import * as C from '../ops/creation.js';
import { bind, seq, toBool, toDType, toInt, toNumber, toScalar, toShape, toTensorArg } from './args.js';
import { UnsupportedError } from './errors.js';
import { positional } from './method-util.js';
import { registerCoreModules } from './modules.js';
import { defineClass, stateOf } from './native.js';
import { callValue, warn } from './objects.js';
import { tensorFunctions, whereImpl } from './torch-ops.js';
import { randomTorchAttributes } from '../random/torch-bindings.js';
import { cudaAttributes, legacyConstructor } from './torch-devices.js';
import { checkDevice, linalgAttributes, moreFunctional, moreTorchAttrs, variableClass } from './torch-more.js';
import {
  Builtin,
  dtypeClass,
  isNumber,
  PyClass,
  PyDType,
  PyFunction,
  PyModule,
  PyTuple,
  sizeClass,
  tensorClass,
  typeName,
  type CallArgs,
  type PyValue,
} from './values.js';

const fn = (name: string, impl: (call: CallArgs) => PyValue, module = 'torch') => new Builtin(name, impl, undefined, module);
/** A function of torch-ops.ts's table: a registry op. */
const op = (name: string, module = 'torch') => new Builtin(name, tensorFunctions[name]!, undefined, module, true);

/** A script value (nested lists of numbers or one-element tensors) as factory input. */
function nested(v: PyValue): C.Nested {
  if (Array.isArray(v) || v instanceof PyTuple) return seq(v).map(nested);
  if (isNumber(v)) return toScalar(v);
  if (v instanceof Tensor) {
    if (v.numel !== 1) throw new PyError('ValueError', 'only one element tensors can be converted to Python scalars');
    const kind = v.dtype === 'int64' ? 'int' : v.dtype === 'bool' ? 'bool' : 'float';
    return { value: v.item(), kind };
  }
  throw new PyError('TypeError', `Could not infer dtype of ${typeName(v)}`);
}

function options(a: Record<string, PyValue | undefined>): C.FactoryOptions {
  checkDevice(a.device);
  return { dtype: toDType(a.dtype), requiresGrad: toBool(a.requires_grad, false) };
}

function sized(name: string, value: number) {
  return fn(name, (call) => {
    const a = bind(name, call, ['*size', 'dtype=', 'device=', 'requires_grad=']);
    return C.full(toShape(a.size as PyValue[], 'size'), value, options(a));
  });
}

function like(name: string, value: number | null) {
  return fn(name, (call) => {
    const params = value === null ? ['input', 'fill_value', 'dtype=', 'device=', 'requires_grad='] : ['input', 'dtype=', 'device=', 'requires_grad='];
    const a = bind(name, call, params);
    const fill = value ?? toNumber(a.fill_value, 'fill_value');
    return C.fullLike(toTensorArg(a.input, 'input'), fill, options(a));
  });
}

/**
 * The grad-mode classes (`torch.no_grad`, `torch.enable_grad`,
 * `torch.set_grad_enabled`, `torch.inference_mode`): context managers and
 * decorators, native classes under torch.autograd.grad_mode as in PyTorch.
 */
interface GradModeState {
  mode: boolean;
  prev: boolean;
}

function gradModeClass(name: string, initMode: (call: CallArgs) => boolean, switchesAtInit: boolean) {
  const cls: PyClass = defineClass<GradModeState>({
    name,
    module: 'torch.autograd.grad_mode',
    state: () => ({ mode: false, prev: true }),
    methods: {
      __init__(self, call) {
        const s = stateOf<GradModeState>(self, cls);
        s.mode = initMode(call);
        if (switchesAtInit) {
          s.prev = isGradEnabled();
          setGradEnabled(s.mode);
        }
        return null;
      },
      __enter__(self) {
        const s = stateOf<GradModeState>(self, cls);
        if (!switchesAtInit) {
          s.prev = isGradEnabled();
          setGradEnabled(s.mode);
        }
        return null;
      },
      __exit__(self) {
        setGradEnabled(stateOf<GradModeState>(self, cls).prev);
        return false;
      },
      __call__(self, call) {
        const [fn] = positional(call, '__call__', 1, 1);
        if (fn instanceof PyFunction) return fn.withGradMode(stateOf<GradModeState>(self, cls).mode);
        throw new UnsupportedError(`@torch.${name}() on a ${typeName(fn!)} is not supported (only on functions)`);
      },
      clone(self) {
        return callValue(cls, switchesAtInit ? [stateOf<GradModeState>(self, cls).mode] : []);
      },
    },
  });
  return cls;
}

const noGradClass = gradModeClass('no_grad', (call) => (bind('no_grad', call, []), false), false);
const enableGradClass = gradModeClass('enable_grad', (call) => (bind('enable_grad', call, []), true), false);
const setGradEnabledClass = gradModeClass('set_grad_enabled', (call) => toBool(bind('set_grad_enabled', call, ['mode']).mode, true), true);
/**
 * `torch.inference_mode(mode=True)`: grad mode off and inference mode on
 * (tensors made inside are inference tensors); `mode=False` the reverse.
 */
interface InferenceState {
  mode: boolean;
  saved: { grad: boolean; inference: boolean }[];
}

function enterInference(mode: boolean): { grad: boolean; inference: boolean } {
  const prev = { grad: isGradEnabled(), inference: isInferenceMode() };
  setGradEnabled(!mode);
  setInferenceMode(mode);
  return prev;
}

function leaveInference(prev: { grad: boolean; inference: boolean }): void {
  setGradEnabled(prev.grad);
  setInferenceMode(prev.inference);
}

const inferenceModeClass: PyClass = defineClass<InferenceState>({
  name: 'inference_mode',
  module: 'torch.autograd.grad_mode',
  state: () => ({ mode: true, saved: [] }),
  methods: {
    __init__(self, call) {
      stateOf<InferenceState>(self, inferenceModeClass).mode = toBool(bind('inference_mode', call, ['mode=']).mode, true);
      return null;
    },
    __enter__(self) {
      const s = stateOf<InferenceState>(self, inferenceModeClass);
      s.saved.push(enterInference(s.mode));
      return null;
    },
    __exit__(self) {
      const prev = stateOf<InferenceState>(self, inferenceModeClass).saved.pop();
      if (prev) leaveInference(prev);
      return false;
    },
    __call__(self, call) {
      const [fn] = positional(call, '__call__', 1, 1);
      if (!(fn instanceof PyFunction)) throw new UnsupportedError(`@torch.inference_mode() on a ${typeName(fn!)} is not supported (only on functions)`);
      const mode = stateOf<InferenceState>(self, inferenceModeClass).mode;
      return new Builtin(fn.name, (inner) => {
        const prev = enterInference(mode);
        try {
          return callValue(fn, inner.args, inner.kwargs);
        } finally {
          leaveInference(prev);
        }
      });
    },
    clone(self) {
      return callValue(inferenceModeClass, [stateOf<InferenceState>(self, inferenceModeClass).mode]);
    },
  },
});

function tensorList(v: PyValue | undefined, what: string): Tensor[] {
  if (v instanceof Tensor) return [v];
  if (v === undefined || v === null) return [];
  return seq(v).map((t) => toTensorArg(t, what));
}

const autogradGrad = fn('grad', (call) => {
  const a = bind('grad', call, ['outputs', 'inputs', 'grad_outputs=', 'retain_graph=', 'create_graph=', 'only_inputs=', 'allow_unused=']);
  const outputs = tensorList(a.outputs, 'outputs');
  const gradOutputs =
    a.grad_outputs === undefined || a.grad_outputs === null
      ? []
      : a.grad_outputs instanceof Tensor
        ? [a.grad_outputs]
        : seq(a.grad_outputs).map((g) => (g === null ? null : toTensorArg(g, 'grad_outputs')));
  const result = grad(outputs, tensorList(a.inputs, 'inputs'), gradOutputs, {
    retainGraph: a.retain_graph === undefined || a.retain_graph === null ? null : toBool(a.retain_graph, false),
    createGraph: toBool(a.create_graph, false),
    allowUnused: toBool(a.allow_unused, false),
  });
  return new PyTuple(result);
});

const dtypes: Record<string, DType> = {
  float32: 'float32',
  float: 'float32',
  float64: 'float64',
  double: 'float64',
  int64: 'int64',
  long: 'int64',
  bool: 'bool',
};

/** `torch.Tensor` is the class of tensors; calling it is the legacy constructor (of the default dtype, float32). */
const tensorConstructor = legacyConstructor('float32');
(tensorClass as { construct?: (cls: PyClass, call: CallArgs) => PyValue }).construct = (_cls, call) => tensorConstructor(call);

function torchAttributes(): Map<string, PyValue> {
  const attrs = new Map<string, PyValue>();
  for (const name of Object.keys(tensorFunctions)) attrs.set(name, op(name));
  for (const [name, dtype] of Object.entries(dtypes)) attrs.set(name, new PyDType(dtype));
  attrs.set('where', fn('where', whereImpl));
  attrs.set(
    'tensor',
    fn('tensor', (call) => {
      const a = bind('tensor', call, ['data', 'dtype=', 'device=', 'requires_grad=']);
      return C.tensor(nested(a.data!), options(a));
    }),
  );
  attrs.set('Tensor', tensorClass);
  attrs.set('ones', sized('ones', 1));
  attrs.set('zeros', sized('zeros', 0));
  attrs.set(
    'full',
    fn('full', (call) => {
      const a = bind('full', call, ['size', 'fill_value', 'dtype=', 'device=', 'requires_grad=']);
      const value = a.fill_value!;
      const kind = isNumber(value) ? toScalar(value).kind : 'float';
      return C.full(toShape([a.size!], 'size'), toNumber(value, 'fill_value'), { ...options(a), valueKind: kind });
    }),
  );
  attrs.set(
    'eye',
    fn('eye', (call) => {
      const a = bind('eye', call, ['n', 'm=', 'dtype=', 'device=', 'requires_grad=']);
      const n = toInt(a.n, 'n');
      return C.eye(n, a.m === undefined ? n : toInt(a.m, 'm'), options(a));
    }),
  );
  attrs.set(
    'arange',
    fn('arange', (call) => {
      const a = bind('arange', call, ['start', 'end=', 'step=', 'dtype=', 'device=', 'requires_grad=']);
      const num = (v: PyValue | undefined, fallback: number) => (v === undefined ? toScalar(BigInt(fallback)) : toScalar(v as number));
      const [start, end] = a.end === undefined ? [num(undefined, 0), num(a.start, 0)] : [num(a.start, 0), num(a.end, 0)];
      return C.arange(start, end, num(a.step, 1), options(a));
    }),
  );
  attrs.set(
    'linspace',
    fn('linspace', (call) => {
      const a = bind('linspace', call, ['start', 'end', 'steps', 'dtype=', 'device=', 'requires_grad=']);
      return C.linspace(toNumber(a.start, 'start'), toNumber(a.end, 'end'), toInt(a.steps, 'steps'), options(a));
    }),
  );
  attrs.set('ones_like', like('ones_like', 1));
  attrs.set('zeros_like', like('zeros_like', 0));
  attrs.set('full_like', like('full_like', null));
  attrs.set('no_grad', noGradClass);
  attrs.set('enable_grad', enableGradClass);
  attrs.set('set_grad_enabled', setGradEnabledClass);
  attrs.set('inference_mode', inferenceModeClass);
  attrs.set('is_inference_mode_enabled', fn('is_inference_mode_enabled', () => isInferenceMode()));
  attrs.set('is_inference', fn('is_inference', (call) => toTensorArg(bind('is_inference', call, ['input']).input, 'input').inference));
  attrs.set('is_grad_enabled', fn('is_grad_enabled', () => isGradEnabled()));
  // The version string of the PyTorch dzdx reproduces (this Debian build of 1.13 calls itself 1.13.0a0).
  attrs.set('__version__', '1.13.0a0');
  attrs.set('is_tensor', fn('is_tensor', (call) => bind('is_tensor', call, ['obj']).obj instanceof Tensor));
  attrs.set('Size', sizeClass);
  attrs.set('dtype', dtypeClass);
  for (const [name, value] of randomTorchAttributes()) if (!(value instanceof PyModule)) attrs.set(name, value);
  moreTorchAttrs(attrs);
  return attrs;
}

function functionalAttributes(): Map<string, PyValue> {
  const names = ['relu', 'sigmoid', 'tanh', 'softplus'];
  const attrs = new Map<string, PyValue>(names.map((n) => [n, op(n, 'torch.nn.functional')]));
  for (const [name, value] of moreFunctional((m) => warn(m))) attrs.set(name, value);
  return attrs;
}

let built: Record<'torch' | 'functional' | 'autograd' | 'cuda' | 'linalg' | 'random', Map<string, PyValue>> | null = null;

/** torch, torch.autograd, torch.nn and torch.nn.functional as far as the core provides them. */
registerCoreModules((modules) => {
  built ??= {
    torch: torchAttributes(),
    functional: functionalAttributes(),
    autograd: new Map<string, PyValue>([
      ['grad', autogradGrad],
      ['Variable', variableClass],
      ['grad_mode', new PyModule('torch.autograd.grad_mode', new Map<string, PyValue>([['no_grad', noGradClass], ['enable_grad', enableGradClass], ['set_grad_enabled', setGradEnabledClass], ['inference_mode', inferenceModeClass]]))],
    ]),
    cuda: cudaAttributes(),
    linalg: linalgAttributes(),
    random: (randomTorchAttributes().get('random') as PyModule).attrs,
  };
  const copy = (name: string, attrs: Map<string, PyValue>) => {
    modules.module(name).base = attrs;
  };
  copy('torch', built.torch);
  copy('torch.autograd', built.autograd);
  copy('torch.nn.functional', built.functional);
  copy('torch.cuda', built.cuda);
  copy('torch.linalg', built.linalg);
  copy('torch.random', built.random);
  modules.module('torch.nn');
});
