/**
 * torch.nn.Module as a native class: scripts subclass it, assign
 * Parameters and Modules as attributes (registered in order, as PyTorch's
 * `__setattr__` does), call the module to run `forward`, and walk it with
 * parameters()/named_parameters()/children()/modules(); state_dict(),
 * zero_grad(), train()/eval() and the repr follow PyTorch 1.13.
 *
 * Registered parameters, buffers and submodules live in the instance's
 * native state (PyTorch's `_parameters`, `_buffers`, `_modules`), plain
 * attributes and `training` in its `__dict__`, as in PyTorch.
 */
import { Tensor } from '../autograd/tensor.js';
import { noGrad } from '../autograd/grad-mode.js';
import { orderedDictClass } from '../collections/index.js';
import * as F from '../ops/functional.js';
import { PyError } from '../tensor/errors.js';
import { bind, toBool } from '../program/args.js';
import { PyDict } from '../program/dict.js';
import { UnsupportedError } from '../program/errors.js';
import { makeIterator } from '../program/iteration.js';
import { defineClass, stateOf } from '../program/native.js';
import { exceptionClassNamed, newException, RaisedError } from '../program/exceptions.js';
import { attributeError, callValue, getAttr, getAttrOr, objectDelAttr, objectSetAttr, setAttr } from '../program/objects.js';
import { repr } from '../program/repr.js';
import { PyDType, PyInstance, PyTuple, typeName, typeOf, type CallArgs, type PyValue } from '../program/values.js';
import { isParameter } from './parameter.js';

export interface ModuleState {
  /** Module.__init__ has run: before it, assigning a Parameter or Module is PyTorch's AttributeError. */
  ready: boolean;
  params: Map<string, Tensor | null>;
  buffers: Map<string, Tensor | null>;
  modules: Map<string, PyInstance | null>;
}

/** The names nn.Module has in PyTorch 1.13 that dzdx does not provide: reading them is outside the subset, not an AttributeError. */
const UNSUPPORTED = new Set(
  ('T_destination _apply _call_impl _get_backward_hooks _load_from_state_dict _maybe_warn_non_full_backward_hook _named_members ' +
    '_register_load_state_dict_pre_hook _register_state_dict_hook _replicate_for_data_parallel _save_to_state_dict _slow_forward _version ' +
    'bfloat16 cuda get_buffer get_extra_state get_parameter get_submodule half ipu load_state_dict register_backward_hook ' +
    'register_forward_hook register_forward_pre_hook register_full_backward_hook register_load_state_dict_post_hook set_extra_state ' +
    'share_memory to_empty type xpu _parameters _buffers _modules _non_persistent_buffers_set _backward_hooks _forward_hooks ' +
    '_forward_pre_hooks _state_dict_hooks _load_state_dict_pre_hooks _load_state_dict_post_hooks _is_full_backward_hook').split(' '),
);

export const moduleState = (self: PyValue): ModuleState => stateOf<ModuleState>(self, Module);

export function isModule(v: PyValue | undefined): v is PyInstance {
  return v instanceof PyInstance && v.cls.isSubclassOf(Module);
}

const typeError = (message: string) => new PyError('TypeError', message);
const torchTypename = (v: PyValue) => {
  const cls = typeOf(v);
  return cls.module === 'builtins' || cls.builtin ? (v instanceof Tensor ? 'torch.FloatTensor' : cls.name) : `${cls.module}.${cls.qualname}`;
};

/** What Module.__init__ does: empty registries and training mode. Layers call it first. */
export function initModule(self: PyValue): void {
  const s = moduleState(self);
  s.ready = true;
  s.params.clear();
  s.buffers.clear();
  s.modules.clear();
  objectSetAttr(self as PyInstance, 'training', true);
}

/** Python's KeyError, whose message prints as the repr of its argument. */
function keyError(message: string): Error {
  return new RaisedError(newException(exceptionClassNamed('KeyError'), [message]), repr(message));
}

/** PyTorch's checks of a new parameter, buffer or module name. */
function checkName(self: PyValue, own: Map<string, unknown>, name: PyValue, what: 'parameter' | 'buffer' | 'module'): string {
  if (typeof name !== 'string') throw typeError(`${what} name should be a string. Got ${typeName(name)}`);
  if (!own.has(name) && getAttrOr(self, name, MISSING) !== MISSING) throw keyError(`attribute '${name}' already exists`);
  if (name.includes('.')) throw keyError(what === 'module' ? `module name can't contain ".", got: ${name}` : `${what} name can't contain "."`);
  if (name === '') throw keyError(`${what} name can't be empty string ""`);
  return name;
}
const MISSING = new PyTuple([]);

/** `register_parameter(name, param)`: a Parameter or None. */
export function registerParameter(self: PyValue, name: PyValue, value: PyValue): void {
  const s = moduleState(self);
  if (!s.ready) throw attributeError(self, String(name), 'cannot assign parameter before Module.__init__() call');
  if (typeof name !== 'string') throw typeError(`parameter name should be a string. Got ${typeName(name)}`);
  checkName(self, s.params, name, 'parameter');
  if (value === null) {
    s.params.set(name as string, null);
    return;
  }
  if (!isParameter(value)) throw typeError(`cannot assign '${torchTypename(value)}' object to parameter '${name}' (torch.nn.Parameter or None required)`);
  if (!value.isLeaf) {
    throw new PyError(
      'ValueError',
      `Cannot assign non-leaf Tensor to parameter '${name}'. Model parameters must be created explicitly. To express '${name}' as a function of another Tensor, compute the value in the forward() method.`,
    );
  }
  s.params.set(name as string, value);
}

/** `add_module(name, module)` / `register_module`. */
export function addModule(self: PyValue, name: PyValue, value: PyValue): void {
  const s = moduleState(self);
  if (value !== null && !isModule(value)) throw typeError(`${torchTypename(value)} is not a Module subclass`);
  s.modules.set(checkName(self, s.modules, name, 'module'), value as PyInstance | null);
}

/** `register_buffer(name, tensor)`. */
function registerBuffer(self: PyValue, name: PyValue, value: PyValue): void {
  const s = moduleState(self);
  if (!s.ready) throw attributeError(self, String(name), 'cannot assign buffer before Module.__init__() call');
  checkName(self, s.buffers, name, 'buffer');
  if (value !== null && !(value instanceof Tensor)) throw typeError(`cannot assign '${torchTypename(value)}' object to buffer '${name}' (torch Tensor or None required)`);
  s.buffers.set(name as string, value);
}

/** PyTorch's `Module.__setattr__`: Parameters and Modules are registered, anything else goes to `__dict__`. */
function moduleSetAttr(self: PyInstance, name: string, value: PyValue): void {
  const s = moduleState(self);
  const removeFrom = (...maps: Map<string, unknown>[]) => maps.forEach((m) => m.delete(name));
  if (isParameter(value)) {
    if (!s.ready) throw attributeError(self, name, 'cannot assign parameters before Module.__init__() call');
    self.attrs.delete(name);
    removeFrom(s.buffers, s.modules);
    registerParameter(self, name, value);
  } else if (s.ready && s.params.has(name)) {
    if (value !== null) throw typeError(`cannot assign '${torchTypename(value)}' as parameter '${name}' (torch.nn.Parameter or None expected)`);
    registerParameter(self, name, value);
  } else if (isModule(value)) {
    if (!s.ready) throw attributeError(self, name, 'cannot assign module before Module.__init__() call');
    self.attrs.delete(name);
    removeFrom(s.params, s.buffers);
    s.modules.set(name, value);
  } else if (s.ready && s.modules.has(name)) {
    if (value !== null) throw typeError(`cannot assign '${torchTypename(value)}' as child module '${name}' (torch.nn.Module or None expected)`);
    s.modules.set(name, null);
  } else if (s.ready && s.buffers.has(name)) {
    if (value !== null && !(value instanceof Tensor)) throw typeError(`cannot assign '${torchTypename(value)}' as buffer '${name}' (torch.Tensor or None expected)`);
    s.buffers.set(name, value);
  } else objectSetAttr(self, name, value);
}

// ---------------------------------------------------------------- walking

/** `named_modules()`: pre-order, each module once. */
export function* namedModules(self: PyInstance, prefix = '', memo = new Set<PyInstance>()): Generator<[string, PyInstance]> {
  if (memo.has(self)) return;
  memo.add(self);
  yield [prefix, self];
  for (const [name, m] of moduleState(self).modules) {
    if (m === null) continue;
    yield* namedModules(m, prefix ? `${prefix}.${name}` : name, memo);
  }
}

function* namedMembers(self: PyInstance, kind: 'params' | 'buffers', prefix: string, recurse: boolean): Generator<[string, Tensor]> {
  const seen = new Set<Tensor>();
  const modules: Iterable<[string, PyInstance]> = recurse ? namedModules(self, prefix) : [[prefix, self]];
  for (const [modPrefix, m] of modules) {
    for (const [name, t] of moduleState(m)[kind]) {
      if (t === null || seen.has(t)) continue;
      seen.add(t);
      yield [modPrefix ? `${modPrefix}.${name}` : name, t];
    }
  }
}

/** Every parameter of a module and its submodules, each once, in PyTorch's order. */
export function parametersOf(self: PyInstance): Tensor[] {
  return [...namedMembers(self, 'params', '', true)].map(([, p]) => p);
}

const pair = (name: string, v: PyValue) => new PyTuple([name, v]);

function stateDict(self: PyInstance, dest: PyDict, prefix: string, keepVars: boolean): void {
  const s = moduleState(self);
  for (const [name, p] of s.params) if (p !== null) dest.set(prefix + name, keepVars ? p : p.detach());
  for (const [name, b] of s.buffers) if (b !== null) dest.set(prefix + name, keepVars ? b : b.detach());
  for (const [name, m] of s.modules) if (m !== null) stateDict(m, dest, `${prefix}${name}.`, keepVars);
}

function setTraining(self: PyInstance, mode: boolean): void {
  setAttr(self, 'training', mode);
  for (const m of moduleState(self).modules.values()) if (m !== null) callValue(getAttr(m, 'train'), [mode]);
}

/** PyTorch's Module repr: `Name(extra)` or the children indented by two spaces. */
function moduleRepr(self: PyInstance): string {
  const extra = getAttr(self, 'extra_repr');
  const extraText = callValue(extra, []);
  const extraLines = typeof extraText === 'string' && extraText !== '' ? extraText.split('\n') : [];
  const childLines = [...moduleState(self).modules].map(([key, m]) => `(${key}): ${repr(m).replace(/\n/g, '\n  ')}`);
  const lines = [...extraLines, ...childLines];
  let main = `${self.cls.name}(`;
  if (lines.length) main += extraLines.length === 1 && childLines.length === 0 ? extraLines[0] : `\n  ${lines.join('\n  ')}\n`;
  return `${main})`;
}

function zeroGrad(self: PyInstance, setToNone: boolean): void {
  for (const p of parametersOf(self)) {
    if (p.grad === null) continue;
    if (setToNone) {
      p.grad = null;
      continue;
    }
    const g = p.grad;
    if (g.gradFn !== null) p.grad = g.detach();
    else g.requiresGrad = false;
    noGrad(() => F.zeroInPlace(p.grad!));
  }
}

const self_ = (self: PyValue) => self as PyInstance;

export const Module = defineClass<ModuleState>({
  name: 'Module',
  module: 'torch.nn.modules.module',
  state: () => ({ ready: false, params: new Map(), buffers: new Map(), modules: new Map() }),
  methods: {
    __init__(self, call) {
      if (call.args.length) throw typeError(`Module.__init__() takes 1 positional argument but ${call.args.length + 1} were given`);
      if (call.kwargs.size) throw typeError(`Module.__init__() got an unexpected keyword argument '${[...call.kwargs.keys()][0]}'`);
      initModule(self);
      return null;
    },
    __setattr__(self, call) {
      const [name, value] = call.args as [string, PyValue];
      moduleSetAttr(self_(self), name, value);
      return null;
    },
    __getattr__(self, call) {
      const name = call.args[0] as string;
      const s = moduleState(self);
      if (s.params.has(name)) return s.params.get(name)!;
      if (s.buffers.has(name)) return s.buffers.get(name)!;
      if (s.modules.has(name)) return s.modules.get(name)!;
      if (UNSUPPORTED.has(name)) throw new UnsupportedError(`nn.Module.${name} is not supported`);
      throw attributeError(self, name, `'${self_(self).cls.name}' object has no attribute '${name}'`);
    },
    __delattr__(self, call) {
      const name = call.args[0] as string;
      const s = moduleState(self);
      if (!(s.params.delete(name) || s.buffers.delete(name) || s.modules.delete(name))) objectDelAttr(self_(self), name);
      return null;
    },
    __call__(self, call) {
      return callValue(getAttr(self, 'forward'), call.args, call.kwargs);
    },
    forward(self) {
      throw new PyError('NotImplementedError', `Module [${self_(self).cls.name}] is missing the required "forward" function`);
    },
    __repr__: (self) => moduleRepr(self_(self)),
    extra_repr: (self, call) => (bind('extra_repr', call, []), ''),
    _get_name: (self) => self_(self).cls.name,
    register_parameter(self, call) {
      const a = bind('register_parameter', call, ['name', 'param']);
      registerParameter(self, a.name!, a.param!);
      return null;
    },
    register_buffer(self, call) {
      const a = bind('register_buffer', call, ['name', 'tensor', 'persistent=']);
      registerBuffer(self, a.name!, a.tensor!);
      return null;
    },
    add_module(self, call) {
      const a = bind('add_module', call, ['name', 'module']);
      addModule(self, a.name!, a.module!);
      return null;
    },
    register_module(self, call) {
      const a = bind('register_module', call, ['name', 'module']);
      addModule(self, a.name!, a.module!);
      return null;
    },
    parameters(self, call) {
      const a = bind('parameters', call, ['recurse=']);
      const it = namedMembers(self_(self), 'params', '', toBool(a.recurse, true));
      return makeIterator('generator', (function* () { for (const [, p] of it) yield p; })(), 'Module.parameters');
    },
    named_parameters(self, call) {
      const a = bind('named_parameters', call, ['prefix=', 'recurse=']);
      const it = namedMembers(self_(self), 'params', String(a.prefix ?? ''), toBool(a.recurse, true));
      return makeIterator('generator', (function* () { for (const [n, p] of it) yield pair(n, p); })(), 'Module.named_parameters');
    },
    buffers(self, call) {
      const a = bind('buffers', call, ['recurse=']);
      const it = namedMembers(self_(self), 'buffers', '', toBool(a.recurse, true));
      return makeIterator('generator', (function* () { for (const [, b] of it) yield b; })(), 'Module.buffers');
    },
    named_buffers(self, call) {
      const a = bind('named_buffers', call, ['prefix=', 'recurse=']);
      const it = namedMembers(self_(self), 'buffers', String(a.prefix ?? ''), toBool(a.recurse, true));
      return makeIterator('generator', (function* () { for (const [n, b] of it) yield pair(n, b); })(), 'Module.named_buffers');
    },
    children(self, call) {
      bind('children', call, []);
      const it = namedChildren(self_(self));
      return makeIterator('generator', (function* () { for (const [, m] of it) yield m; })(), 'Module.children');
    },
    named_children(self, call) {
      bind('named_children', call, []);
      const it = namedChildren(self_(self));
      return makeIterator('generator', (function* () { for (const [n, m] of it) yield pair(n, m); })(), 'Module.named_children');
    },
    modules(self, call) {
      bind('modules', call, []);
      const it = namedModules(self_(self));
      return makeIterator('generator', (function* () { for (const [, m] of it) yield m; })(), 'Module.modules');
    },
    named_modules(self, call) {
      const a = bind('named_modules', call, ['memo=', 'prefix=', 'remove_duplicate=']);
      if (a.memo !== undefined && a.memo !== null) throw new UnsupportedError('named_modules(memo=...) is not supported');
      const it = namedModules(self_(self), String(a.prefix ?? ''));
      return makeIterator('generator', (function* () { for (const [n, m] of it) yield pair(n, m); })(), 'Module.named_modules');
    },
    state_dict(self, call) {
      const a = bind('state_dict', call, ['*args', 'destination=', 'prefix=', 'keep_vars=']);
      if ((a.args as PyValue[]).length) throw new UnsupportedError('state_dict with positional arguments is not supported');
      const dest = a.destination instanceof PyDict ? a.destination : newOrderedDict();
      stateDict(self_(self), dest, String(a.prefix ?? ''), toBool(a.keep_vars, false));
      return dest;
    },
    train(self, call) {
      const a = bind('train', call, ['mode=']);
      const mode = a.mode ?? true;
      if (typeof mode !== 'boolean') throw new PyError('ValueError', 'training mode is expected to be boolean');
      setTraining(self_(self), mode);
      return self;
    },
    eval(self, call) {
      bind('eval', call, []);
      return callValue(getAttr(self, 'train'), [false]);
    },
    requires_grad_(self, call) {
      const a = bind('requires_grad_', call, ['requires_grad=']);
      const flag = toBool(a.requires_grad, true);
      for (const p of parametersOf(self_(self))) p.setRequiresGrad(flag, true);
      return self;
    },
    zero_grad(self, call) {
      const a = bind('zero_grad', call, ['set_to_none=']);
      zeroGrad(self_(self), toBool(a.set_to_none, false));
      return null;
    },
    apply(self, call) {
      const a = bind('apply', call, ['fn']);
      for (const m of moduleState(self).modules.values()) if (m !== null) callValue(getAttr(m, 'apply'), [a.fn!]);
      callValue(a.fn!, [self]);
      return self;
    },
    to(self, call) {
      return convertModule(self_(self), call, 'to');
    },
    cpu(self, call) {
      bind('cpu', call, []);
      return self;
    },
    float(self, call) {
      bind('float', call, []);
      castParameters(self_(self), 'float32');
      return self;
    },
    double(self, call) {
      bind('double', call, []);
      castParameters(self_(self), 'float64');
      return self;
    },
  },
  attributes: { dump_patches: false, _version: 1n },
});

function* namedChildren(self: PyInstance): Generator<[string, PyInstance]> {
  const seen = new Set<PyInstance>();
  for (const [name, m] of moduleState(self).modules) {
    if (m === null || seen.has(m)) continue;
    seen.add(m);
    yield [name, m];
  }
}

export function newOrderedDict(): PyDict {
  const d = new PyDict();
  d.cls = orderedDictClass;
  return d;
}

/** `module.float()`/`double()`: each parameter's data (and its grad) converted in place of the old, as `_apply` does. */
function castParameters(self: PyInstance, dtype: 'float32' | 'float64'): void {
  for (const [, m] of namedModules(self)) {
    const s = moduleState(m);
    for (const p of s.params.values()) {
      if (p === null || p.dtype === dtype) continue;
      p.setData(noGrad(() => F.to(p, dtype)));
      if (p.grad !== null) p.grad = noGrad(() => F.to(p.grad!, dtype));
    }
    for (const [name, b] of s.buffers) if (b !== null && b.dtype !== dtype && (b.dtype === 'float32' || b.dtype === 'float64')) s.buffers.set(name, F.to(b, dtype));
  }
}

/** `module.to('cpu')`, `.to(torch.device('cpu'))`, `.to(torch.float64)`: devices are all the CPU here. */
function convertModule(self: PyInstance, call: CallArgs, name: string): PyValue {
  const a = bind(name, call, ['*args', 'device=', 'dtype=', 'non_blocking=']);
  for (const v of [...(a.args as PyValue[]), a.dtype]) {
    if (v === undefined || v === null) continue;
    if (v instanceof PyDType) {
      const dtype = v.dtype;
      if (dtype !== 'float32' && dtype !== 'float64') throw typeError(`nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=torch.${dtype}`);
      castParameters(self, dtype);
    }
  }
  return self;
}
