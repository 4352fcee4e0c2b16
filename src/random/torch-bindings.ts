/**
 * The script-facing side of the random library: `torch.manual_seed`,
 * `torch.Generator`, `torch.rand`… as Builtins for the `torch` module, and
 * `t.uniform_()`… as tensor methods, with Python's argument conventions and
 * PyTorch 1.13's messages. src/program merges these tables in.
 */
import { Tensor } from '../autograd/tensor.js';
import { PyError, runtimeError } from '../tensor/errors.js';
import { NDArray } from '../tensor/ndarray.js';
import { bind, seq, toBool, toDType, toInt, toNumber, toShape, toTensorArg } from '../program/args.js';
import { defineClass, stateOf } from '../program/native.js';
import { warn } from '../program/objects.js';
import { str } from '../program/repr.js';
import { CPU } from '../program/torch-devices.js';
import { Builtin, PyClass, PyDevice, PyDType, PyInstance, PyModule, PyTuple, typeName, type CallArgs, type PyValue } from '../program/values.js';
import { Generator, InvalidStateError } from './generator.js';
import * as R from './torch-random.js';

const fn = (name: string, impl: (call: CallArgs) => PyValue) => new Builtin(name, impl, undefined, 'torch');

// ------------------------------------------------------------ generators

/** The script object of a Generator (one per Generator, so `is` and sharing behave). */
const objects = new WeakMap<Generator, PyInstance>();

function generatorObject(g: Generator): PyInstance {
  let obj = objects.get(g);
  if (!obj) {
    obj = new PyInstance(generatorClass);
    obj.native = g;
    objects.set(g, obj);
  }
  return obj;
}

const native = (self: PyValue) => stateOf<Generator>(self, generatorClass);

/** `torch.Generator` (`<class 'torch._C.Generator'>`): its instances wrap a Generator. */
const generatorClass: PyClass = defineClass<Generator>({
  name: 'Generator',
  module: 'torch._C',
  final: true,
  construct: (_cls, call) => {
    const a = bind('Generator', call, ['device=']);
    const device = a.device === undefined || a.device === null ? 'cpu' : a.device instanceof PyDevice ? str(a.device) : a.device;
    if (typeof device !== 'string') throw new PyError('TypeError', `Generator(): argument 'device' must be torch.device, not ${typeName(device)}`);
    if (device.startsWith('cuda')) throw runtimeError('Device type CUDA is not supported for torch.Generator() api.');
    if (device !== 'cpu') throw runtimeError(`Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, ort, xla, lazy, vulkan, mps, meta, hpu device type at start of device string: ${device}`);
    return generatorObject(new Generator());
  },
  methods: {
    manual_seed(self, call) {
      native(self).manualSeed(seedArg(bind('manual_seed', call, ['seed']).seed, false));
      return self;
    },
    seed(self, call) {
      bind('seed', call, []);
      const s = R.nondeterministicSeed();
      native(self).manualSeed(s);
      return s;
    },
    initial_seed: (self, call) => (bind('initial_seed', call, []), native(self).initialSeed()),
    get_state: (self, call) => (bind('get_state', call, []), stateTensor(native(self))),
    set_state(self, call) {
      setState(native(self), bind('set_state', call, ['new_state']).new_state);
      return self;
    },
  },
  properties: { device: { get: () => CPU() } },
});

/** A seed as PyTorch unpacks it: an int in [-2^63, 2^64), negatives taken modulo 2^64. */
function seedArg(v: PyValue | undefined, viaTorch: boolean): bigint {
  let seed: bigint;
  if (typeof v === 'bigint') seed = v;
  else if (typeof v === 'boolean') seed = v ? 1n : 0n;
  else if (viaTorch && typeof v === 'number' && Number.isFinite(v)) seed = BigInt(Math.trunc(v)); // torch.manual_seed calls int(seed)
  else if (viaTorch && typeof v === 'number') throw new PyError(Number.isNaN(v) ? 'ValueError' : 'OverflowError', Number.isNaN(v) ? 'cannot convert float NaN to integer' : 'cannot convert float infinity to integer');
  else if (v instanceof Tensor && v.numel === 1 && !(v.dtype === 'float32' || v.dtype === 'float64')) seed = BigInt(v.item());
  else throw runtimeError(`manual_seed expected a long, but got ${typeName(v ?? null)}`);
  if (seed < -(1n << 63n) || seed >= 1n << 64n) throw runtimeError('Overflow when unpacking long');
  return BigInt.asUintN(64, seed);
}

function generatorArg(v: PyValue | undefined, fnName: string): Generator | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof PyInstance && v.native instanceof Generator) return v.native;
  throw new PyError('TypeError', `${fnName}(): argument 'generator' must be torch.Generator, not ${typeName(v)}`);
}

function stateTensor(g: Generator): Tensor {
  return new Tensor(NDArray.fromValues(g.getState(), [5056], 'uint8'));
}

function setState(g: Generator, v: PyValue | undefined): void {
  if (!(v instanceof Tensor)) throw new PyError('TypeError', `expected a torch.ByteTensor, but got ${typeName(v ?? null)}`);
  if (v.dtype !== 'uint8') throw new PyError('TypeError', 'RNG state must be a torch.ByteTensor');
  if (!v.array.isContiguous()) throw runtimeError('RNG state must be contiguous');
  try {
    g.setState(Uint8Array.from(v.array.values()));
  } catch (e) {
    if (e instanceof InvalidStateError) throw runtimeError(e.message);
    throw e;
  }
}

// ------------------------------------------------------------ arguments

/** Keyword options every factory takes: generator, dtype, requires_grad, device ('cpu' only). */
const FACTORY_KEYWORDS = ['generator=', 'dtype=', 'requires_grad=', 'device=', 'layout=', 'pin_memory='];

function options(name: string, a: Record<string, PyValue | undefined>, warn?: (m: string) => void): R.DrawOptions {
  if (a.device !== undefined && a.device !== null && a.device !== 'cpu' && a.device !== CPU()) {
    throw runtimeError(`dzdx runs on the CPU only: ${name}(device=${typeof a.device === 'string' ? `'${a.device}'` : typeName(a.device)}) is not supported`);
  }
  return {
    generator: generatorArg(a.generator, name),
    dtype: toDType(a.dtype),
    requiresGrad: toBool(a.requires_grad, false),
    warn,
  };
}

/** An int argument as a BigInt (exact for int64 bounds). */
function bigIntArg(v: PyValue | undefined, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (v instanceof Tensor && v.numel === 1 && !(v.dtype === 'float32' || v.dtype === 'float64')) return BigInt(v.item());
  throw new PyError('TypeError', `${what} must be int, not ${typeName(v ?? null)}`);
}

function sizeArg(name: string, v: PyValue | undefined, position: number): number[] {
  if (!(Array.isArray(v) || v instanceof PyTuple)) {
    throw new PyError('TypeError', `${name}(): argument 'size' (position ${position}) must be tuple of ints, not ${typeName(v ?? null)}`);
  }
  return seq(v).map((d) => toInt(d, 'size'));
}

function sized(name: string, f: (shape: number[], o: R.DrawOptions) => Tensor): Builtin {
  return fn(name, (call) => {
    // `size` comes as varargs, one tuple or list, or the keyword size=.
    const kwargs = new Map(call.kwargs);
    const sizeKeyword = kwargs.get('size');
    kwargs.delete('size');
    const a = bind(name, { args: call.args, kwargs }, ['*size', ...FACTORY_KEYWORDS]);
    const shape = toShape(sizeKeyword !== undefined ? [sizeKeyword] : (a.size as PyValue[]), 'size');
    return f(shape, options(name, a));
  });
}

function like(name: string, f: (t: Tensor, o: R.DrawOptions) => Tensor): Builtin {
  return fn(name, (call) => {
    const a = bind(name, call, ['input', 'memory_format=', ...FACTORY_KEYWORDS]);
    return f(toTensorArg(a.input, 'input'), options(name, a));
  });
}

const RANDINT_SIGNATURES = [
  ' * (int high, tuple of ints size, *, torch.Generator generator, Tensor out, torch.dtype dtype, torch.layout layout, torch.device device, bool pin_memory, bool requires_grad)',
  ' * (int high, tuple of ints size, *, Tensor out, torch.dtype dtype, torch.layout layout, torch.device device, bool pin_memory, bool requires_grad)',
  ' * (int low, int high, tuple of ints size, *, torch.Generator generator, Tensor out, torch.dtype dtype, torch.layout layout, torch.device device, bool pin_memory, bool requires_grad)',
  ' * (int low, int high, tuple of ints size, *, Tensor out, torch.dtype dtype, torch.layout layout, torch.device device, bool pin_memory, bool requires_grad)',
];

const isSize = (v: PyValue | undefined) => Array.isArray(v) || v instanceof PyTuple;

const randint = fn('randint', (call) => {
  // randint(high, size) or randint(low, high, size), positionally or by keyword.
  const three = call.args.length >= 3 || call.kwargs.has('low');
  const a = bind('randint', call, three ? ['low', 'high', 'size', ...FACTORY_KEYWORDS] : ['high', 'size', ...FACTORY_KEYWORDS]);
  const ints = three ? [a.low, a.high] : [a.high];
  if (ints.some((v) => typeof v !== 'bigint' && typeof v !== 'boolean' && !(v instanceof Tensor)) || (three && !isSize(a.size))) {
    // No overload matches: PyTorch lists them all.
    const got = [...call.args.map((v) => typeName(v)), ...[...call.kwargs.keys()].map((k) => `${k}=${typeName(call.kwargs.get(k)!)}`)];
    throw new PyError('TypeError', `randint() received an invalid combination of arguments - got (${got.join(', ')}), but expected one of:\n${RANDINT_SIGNATURES.join('\n')}\n`);
  }
  const low = three ? bigIntArg(a.low, 'low') : 0n;
  return R.randint(low, bigIntArg(a.high, 'high'), sizeArg('randint', a.size, three ? 3 : 2), options('randint', a));
});

const randintLike = fn('randint_like', (call) => {
  const three = call.args.length >= 3 || call.kwargs.has('low');
  const a = bind('randint_like', call, three ? ['input', 'low', 'high', ...FACTORY_KEYWORDS] : ['input', 'high', ...FACTORY_KEYWORDS]);
  const low = three ? bigIntArg(a.low, 'low') : 0n;
  return R.randintLike(toTensorArg(a.input, 'input'), low, bigIntArg(a.high, 'high'), options('randint_like', a));
});

const randperm = fn('randperm', (call) => {
  const a = bind('randperm', call, ['n', ...FACTORY_KEYWORDS]);
  return R.randperm(toInt(a.n, 'n'), options('randperm', a));
});

/** A number or a tensor argument of normal(). */
const numberOrTensor = (v: PyValue | undefined, what: string): number | Tensor =>
  v instanceof Tensor ? v : toNumber(v, what);

const normal = fn('normal', (call) => {
  const a = bind('normal', call, ['mean=', 'std=', 'size=', ...FACTORY_KEYWORDS]);
  const mean = a.mean === undefined ? 0 : numberOrTensor(a.mean, 'mean');
  const std = a.std === undefined ? 1 : numberOrTensor(a.std, 'std');
  const shape = a.size === undefined || a.size === null ? null : sizeArg('normal', a.size, 3);
  return R.normal(mean, std, shape, options('normal', a));
});

const bernoulli = (self: Tensor | null, call: CallArgs): Tensor => {
  const a = bind('bernoulli', self ? { args: [self, ...call.args], kwargs: call.kwargs } : call, ['input', 'p=', 'generator=']);
  const p = a.p === undefined || a.p === null ? null : toNumber(a.p, 'p');
  return R.bernoulli(toTensorArg(a.input, 'input'), p, { generator: generatorArg(a.generator, 'bernoulli') });
};

const multinomial = (self: Tensor | null, call: CallArgs): Tensor => {
  const a = bind('multinomial', self ? { args: [self, ...call.args], kwargs: call.kwargs } : call, ['input', 'num_samples', 'replacement=', 'generator=']);
  return R.multinomial(toTensorArg(a.input, 'input'), toInt(a.num_samples, 'num_samples'), toBool(a.replacement, false), {
    generator: generatorArg(a.generator, 'multinomial'),
  });
};

// ------------------------------------------------------------ the torch module

function seedFunctions(): [string, PyValue][] {
  const defaultObject = () => generatorObject(R.getDefaultGenerator());
  return [
    ['manual_seed', fn('manual_seed', (call) => {
      R.getDefaultGenerator().manualSeed(seedArg(bind('manual_seed', call, ['seed']).seed, true));
      return defaultObject();
    })],
    ['seed', fn('seed', (call) => {
      bind('seed', call, []);
      const s = R.nondeterministicSeed();
      R.getDefaultGenerator().manualSeed(s);
      return s;
    })],
    ['initial_seed', fn('initial_seed', (call) => (bind('initial_seed', call, []), R.getDefaultGenerator().initialSeed()))],
    ['get_rng_state', fn('get_rng_state', (call) => (bind('get_rng_state', call, []), stateTensor(R.getDefaultGenerator())))],
    ['set_rng_state', fn('set_rng_state', (call) => {
      setState(R.getDefaultGenerator(), bind('set_rng_state', call, ['new_state']).new_state);
      return null;
    })],
  ];
}

/** What the `torch` module gains: the functions above, `torch.Generator`, `torch.default_generator`, `torch.random`, `torch.uint8`. */
export function randomTorchAttributes(): Map<string, PyValue> {
  const seeds = seedFunctions();
  return new Map<string, PyValue>([
    ...seeds,
    ['Generator', generatorClass],
    ['default_generator', generatorObject(R.getDefaultGenerator())],
    ['random', new PyModule('torch.random', new Map(seeds))],
    ['uint8', new PyDType('uint8')],
    ['rand', sized('rand', R.rand)],
    ['randn', sized('randn', R.randn)],
    ['randint', randint],
    ['randperm', randperm],
    ['normal', normal],
    ['bernoulli', fn('bernoulli', (call) => bernoulli(null, call))],
    ['multinomial', fn('multinomial', (call) => multinomial(null, call))],
    ['rand_like', like('rand_like', R.randLike)],
    ['randn_like', like('randn_like', R.randnLike)],
    ['randint_like', randintLike],
  ]);
}

// ------------------------------------------------------------ tensor methods

type Method = (self: Tensor, call: CallArgs) => PyValue;

const withSelf = (self: Tensor, call: CallArgs): CallArgs => ({ args: [self, ...call.args], kwargs: call.kwargs });

/** `t.uniform_()`, `t.normal_()`, `t.random_()`, `t.bernoulli_()`, `t.exponential_()`, `t.bernoulli()`, `t.multinomial()`. */
export const randomTensorMethods: Record<string, Method> = {
  uniform_: (self, call) => {
    const a = bind('uniform_', withSelf(self, call), ['self', 'from=', 'to=', 'generator=']);
    const from = a.from === undefined ? 0 : toNumber(a.from, 'from');
    const to = a.to === undefined ? 1 : toNumber(a.to, 'to');
    return R.uniform_(self, from, to, { generator: generatorArg(a.generator, 'uniform_') });
  },
  normal_: (self, call) => {
    const a = bind('normal_', withSelf(self, call), ['self', 'mean=', 'std=', 'generator=']);
    const mean = a.mean === undefined ? 0 : toNumber(a.mean, 'mean');
    const std = a.std === undefined ? 1 : toNumber(a.std, 'std');
    return R.normal_(self, mean, std, { generator: generatorArg(a.generator, 'normal_') });
  },
  exponential_: (self, call) => {
    const a = bind('exponential_', withSelf(self, call), ['self', 'lambd=', 'generator=']);
    return R.exponential_(self, a.lambd === undefined ? 1 : toNumber(a.lambd, 'lambd'), { generator: generatorArg(a.generator, 'exponential_') });
  },
  bernoulli_: (self, call) => {
    const a = bind('bernoulli_', withSelf(self, call), ['self', 'p=', 'generator=']);
    const p = a.p === undefined ? 0.5 : a.p instanceof Tensor ? a.p : toNumber(a.p, 'p');
    return R.bernoulli_(self, p, { generator: generatorArg(a.generator, 'bernoulli_') });
  },
  random_: (self, call) => {
    const a = bind('random_', withSelf(self, call), ['self', 'from=', 'to=', 'generator=']);
    const o = { generator: generatorArg(a.generator, 'random_'), warn: (m: string) => warn(m) };
    if (a.from === undefined && a.to === undefined) return R.random_(self, undefined, undefined, o);
    if (a.to === undefined && call.args.length < 2) return R.random_(self, bigIntArg(a.from, 'to'), undefined, o);
    const to = a.to === null || a.to === undefined ? null : bigIntArg(a.to, 'to');
    return R.random_(self, bigIntArg(a.from, 'from'), to, o);
  },
  bernoulli: (self, call) => bernoulli(self, call),
  multinomial: (self, call) => multinomial(self, call),
};
