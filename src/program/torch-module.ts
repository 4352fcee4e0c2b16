/** The modules a script imports: `torch`, `torch.nn.functional`, `torch.autograd`, `math`. */
import { grad } from '../autograd/engine.js';
import { isGradEnabled, setGradEnabled } from '../autograd/grad-mode.js';
import { Tensor } from '../autograd/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { PyError } from '../tensor/errors.js';
import { exp as glibcExp } from '../tensor/numerics/glibcFloat64.js';
import { cos as glibcCos, log as glibcLog, sin as glibcSin } from '../tensor/numerics/glibcLogSinCos.js';
import * as C from '../ops/creation.js';
import { bind, seq, toBool, toDType, toInt, toNumber, toScalar, toShape, toTensorArg } from './args.js';
import { randomTorchAttributes } from '../random/torch-bindings.js';
import { tensorFunctions, whereImpl } from './torch-ops.js';
import { checkDevice, moreFunctional, moreTorchAttrs, type Warn } from './torch-more.js';
import {
  Builtin,
  GradModeContext,
  isNumber,
  PyDType,
  PyModule,
  PyTuple,
  typeName,
  type CallArgs,
  type PyValue,
} from './values.js';

const fn = (name: string, impl: (call: CallArgs) => PyValue) => new Builtin(name, impl);

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

function gradModeFactory(name: string, label: string, mode: boolean) {
  return fn(name, (call) => {
    bind(name, call, []);
    return new GradModeContext(label, mode);
  });
}

/** `torch.set_grad_enabled(b)` switches at once; as a `with` it restores on exit. */
const setGradEnabledFn = fn('set_grad_enabled', (call) => {
  const mode = toBool(bind('set_grad_enabled', call, ['mode']).mode, true);
  const ctx = new GradModeContext('set_grad_enabled', mode, isGradEnabled());
  setGradEnabled(mode);
  return ctx;
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

function torchModule(warn: Warn): PyModule {
  const attrs = new Map<string, PyValue>();
  for (const [name, impl] of Object.entries(tensorFunctions)) attrs.set(name, fn(name, impl));
  for (const [name, dtype] of Object.entries(dtypes)) attrs.set(name, new PyDType(dtype));
  attrs.set('where', fn('where', whereImpl));
  attrs.set(
    'tensor',
    fn('tensor', (call) => {
      const a = bind('tensor', call, ['data', 'dtype=', 'device=', 'requires_grad=']);
      return C.tensor(nested(a.data!), options(a));
    }),
  );
  attrs.set(
    'Tensor',
    fn('Tensor', (call) => {
      const a = bind('Tensor', call, ['*data']);
      const data = a.data as PyValue[];
      if (data.length === 1 && (Array.isArray(data[0]) || data[0] instanceof PyTuple)) {
        return C.tensor(nested(data[0]!), { dtype: 'float32' });
      }
      return C.full(toShape(data, 'size'), 0, { dtype: 'float32' });
    }),
  );
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
  attrs.set('no_grad', gradModeFactory('no_grad', 'no_grad', false));
  attrs.set('enable_grad', gradModeFactory('enable_grad', 'enable_grad', true));
  attrs.set('set_grad_enabled', setGradEnabledFn);
  attrs.set('is_grad_enabled', fn('is_grad_enabled', () => isGradEnabled()));
  attrs.set('autograd', new PyModule('torch.autograd', new Map<string, PyValue>([['grad', autogradGrad]])));
  attrs.set('nn', new PyModule('torch.nn', new Map<string, PyValue>([['functional', functionalModule(warn)]])));
  for (const [name, value] of randomTorchAttributes()) attrs.set(name, value);
  moreTorchAttrs(attrs);
  return new PyModule('torch', attrs);
}

function functionalModule(warn: Warn): PyModule {
  const names = ['relu', 'sigmoid', 'tanh', 'softplus'];
  const attrs = new Map<string, PyValue>(names.map((n) => [n, fn(n, tensorFunctions[n]!)]));
  for (const [name, value] of moreFunctional(warn)) attrs.set(name, value);
  return new PyModule('torch.nn.functional', attrs);
}

function mathModule(): PyModule {
  const unaryMath = (name: string, f: (x: number) => number) =>
    fn(name, (call) => {
      const x = toNumber(bind(name, call, ['x']).x, 'x');
      const y = f(x);
      if (Number.isNaN(y) && !Number.isNaN(x)) throw new PyError('ValueError', 'math domain error');
      return y;
    });
  return new PyModule(
    'math',
    new Map<string, PyValue>([
      ['pi', Math.PI],
      ['e', Math.E],
      ['inf', Infinity],
      ['nan', NaN],
      ['sqrt', unaryMath('sqrt', Math.sqrt)],
      // CPython calls glibc: exp, log, sin and cos are its algorithms (src/tensor/numerics, shared with the random samplers)
      ['exp', unaryMath('exp', glibcExp)],
      ['log', unaryMath('log', (x) => (x <= 0 ? NaN : glibcLog(x)))],
      ['sin', unaryMath('sin', glibcSin)],
      ['cos', unaryMath('cos', glibcCos)],
      ['tan', unaryMath('tan', Math.tan)],
      ['tanh', unaryMath('tanh', Math.tanh)],
      ['fabs', unaryMath('fabs', Math.abs)],
      ['floor', fn('floor', (call) => BigInt(Math.floor(toNumber(bind('floor', call, ['x']).x, 'x'))))],
      ['ceil', fn('ceil', (call) => BigInt(Math.ceil(toNumber(bind('ceil', call, ['x']).x, 'x'))))],
    ]),
  );
}

/** Fresh module objects for one run (scripts may not share state). */
export function importableModules(warn: Warn = () => {}): Map<string, PyModule> {
  const torch = torchModule(warn);
  const nn = torch.attrs.get('nn') as PyModule;
  return new Map([
    ['torch', torch],
    ['torch.nn', nn],
    ['torch.nn.functional', nn.attrs.get('functional') as PyModule],
    ['torch.autograd', torch.attrs.get('autograd') as PyModule],
    ['torch.cuda', torch.attrs.get('cuda') as PyModule],
    ['torch.linalg', torch.attrs.get('linalg') as PyModule],
    ['math', mathModule()],
  ]);
}
