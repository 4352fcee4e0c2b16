/**
 * torch.optim.Optimizer as a native class: `param_groups` (a list of
 * dicts scripts read and change, e.g. `g['lr'] = 0.01`), `state` (a
 * defaultdict keyed by parameter), `defaults`, `add_param_group`,
 * `zero_grad(set_to_none=False)` (1.13's default), `state_dict()` and the
 * repr, as PyTorch 1.13 has them. The algorithms (algorithms.ts) read
 * their hyper-parameters from the group dicts at every step, so a
 * scheduler or a script changing them takes effect as in PyTorch.
 */
import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { Tensor } from '../autograd/tensor.js';
import { defaultdictClass } from '../collections/index.js';
import * as F from '../ops/functional.js';
import { PyError } from '../tensor/errors.js';
import { bind, toBool } from '../program/args.js';
import { PyDict } from '../program/dict.js';
import { iterate } from '../program/iteration.js';
import { defineClass, stateOf } from '../program/native.js';
import { callValue, getAttr, objectSetAttr, warn } from '../program/objects.js';
import { str } from '../program/repr.js';
import { PySet } from '../program/set.js';
import { dictClass, PyInstance, typeName, type CallArgs, type PyValue } from '../program/values.js';

export interface OptimizerState {
  /** optimizer.step() calls since a scheduler last reset it (PyTorch's `_step_count`, for the scheduler's order warning). */
  stepCount: number;
}

/** `torch.optim.optimizer.required`: the default of a hyper-parameter every group must give (SGD's lr). */
export const RequiredClass = defineClass({
  name: '_RequiredParameter',
  module: 'torch.optim.optimizer',
  final: true,
  methods: { __repr__: () => '<required parameter>' },
});
export const required = new PyInstance(RequiredClass);

const valueError = (message: string) => new PyError('ValueError', message);
const typeError = (message: string) => new PyError('TypeError', message);

const torchTypename = (v: PyValue) => (v instanceof Tensor ? 'torch.FloatTensor' : typeName(v));

export const groupsOf = (self: PyValue) => getAttr(self, 'param_groups') as PyValue[];
export const stateDictOf = (self: PyValue) => getAttr(self, 'state') as PyDict;
export const defaultsOf = (self: PyValue) => getAttr(self, 'defaults') as PyDict;

/** The params of a group, as Tensors. */
export function groupParams(group: PyValue): Tensor[] {
  return ((group as PyDict).getStr('params') as PyValue[]).filter((p): p is Tensor => p instanceof Tensor);
}

/** The per-parameter state dict (made empty on first use, as `defaultdict(dict)`). */
export function paramState(self: PyValue, p: Tensor): PyDict {
  const state = stateDictOf(self);
  let s = state.get(p);
  if (s === undefined) {
    s = new PyDict();
    state.set(p, s);
  }
  return s as PyDict;
}

/** `Optimizer.__init__(params, defaults)`: what each algorithm's __init__ calls after checking its arguments. */
export function initOptimizer(self: PyValue, params: PyValue, defaults: PyDict): void {
  const inst = self as PyInstance;
  objectSetAttr(inst, 'defaults', defaults);
  const state = new PyDict();
  state.cls = defaultdictClass;
  state.defaultFactory = dictClass;
  objectSetAttr(inst, 'state', state);
  objectSetAttr(inst, 'param_groups', []);
  if (params instanceof Tensor) {
    throw typeError(`params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${torchTypename(params)}`);
  }
  let groups = [...iterate(params)];
  if (groups.length === 0) throw valueError('optimizer got an empty parameter list');
  if (!(groups[0] instanceof PyDict)) {
    const g = new PyDict();
    g.set('params', groups);
    groups = [g];
  }
  for (const g of groups) addParamGroup(self, g);
}

export function addParamGroup(self: PyValue, group: PyValue): void {
  if (!(group instanceof PyDict)) throw new PyError('AssertionError', 'param group must be a dict');
  const params = group.getStr('params');
  if (params === undefined) throw new PyError('KeyError', "'params'");
  if (params instanceof Tensor) group.set('params', [params]);
  else if (params instanceof PySet) {
    throw typeError('optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use a list instead.');
  } else group.set('params', [...iterate(params)]);
  const list = group.getStr('params') as PyValue[];
  const defaults = defaultsOf(self);
  for (const p of list) {
    if (!(p instanceof Tensor)) throw typeError(`optimizer can only optimize Tensors, but one of the params is ${torchTypename(p)}`);
    if (defaults.getStr('differentiable') !== true && !(p.isLeaf || p.retainsGrad)) throw valueError("can't optimize a non-leaf Tensor");
  }
  for (const e of defaults.snapshot()) {
    if (e.value === required && !group.has(e.key)) {
      throw valueError(`parameter group didn't specify a value of required optimization parameter ${str(e.key)}`);
    }
    if (!group.has(e.key)) group.set(e.key, e.value);
  }
  if (new Set(list).size !== list.length) {
    warn('optimizer contains a parameter group with duplicate parameters; in future, this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more information');
  }
  const taken = new Set(groupsOf(self).flatMap((g) => groupParams(g)));
  if (list.some((p) => taken.has(p as Tensor))) throw valueError('some parameters appear in more than one parameter group');
  groupsOf(self).push(group);
}

function zeroGrad(self: PyValue, setToNone: boolean): void {
  for (const group of groupsOf(self)) {
    for (const p of groupParams(group)) {
      if (p.grad === null) continue;
      if (setToNone) {
        p.grad = null;
        continue;
      }
      if (p.grad.gradFn !== null) p.grad = p.grad.detach();
      else p.grad.requiresGrad = false;
      noGrad(() => F.zeroInPlace(p.grad!));
    }
  }
}

/** PyTorch's Optimizer repr: each group's options sorted by name. */
function optimizerRepr(self: PyValue): string {
  let s = `${(self as PyInstance).cls.name} (`;
  groupsOf(self).forEach((group, i) => {
    s += `\nParameter Group ${i}\n`;
    const entries = (group as PyDict).snapshot().filter((e) => e.key !== 'params');
    entries.sort((a, b) => (String(a.key) < String(b.key) ? -1 : String(a.key) > String(b.key) ? 1 : 0));
    for (const e of entries) s += `    ${str(e.key)}: ${str(e.value)}\n`;
  });
  return `${s})`;
}

/** `state_dict()`: parameters replaced by their index across groups, as PyTorch packs them. */
function stateDict(self: PyValue): PyDict {
  const index = new Map<Tensor, bigint>();
  const groups = groupsOf(self).map((group) => {
    const packed = new PyDict();
    for (const e of (group as PyDict).snapshot()) if (e.key !== 'params') packed.set(e.key, e.value);
    for (const p of groupParams(group)) if (!index.has(p)) index.set(p, BigInt(index.size));
    packed.set('params', groupParams(group).map((p) => index.get(p)!));
    return packed;
  });
  const state = new PyDict();
  for (const e of stateDictOf(self).snapshot()) state.set(e.key instanceof Tensor ? (index.get(e.key) ?? e.key) : e.key, e.value);
  const out = new PyDict();
  out.set('state', state);
  out.set('param_groups', groups);
  return out;
}

/** What every step does around the algorithm: the closure under enable_grad, the update under no_grad. */
export function runStep(self: PyValue, call: CallArgs, update: () => void): PyValue {
  const a = bind('step', call, ['closure=']);
  let loss: PyValue = null;
  if (a.closure !== undefined && a.closure !== null) loss = enableGrad(() => callValue(a.closure!, []));
  noGrad(update);
  stateOf<OptimizerState>(self, Optimizer).stepCount++;
  return loss;
}

export const Optimizer = defineClass<OptimizerState>({
  name: 'Optimizer',
  module: 'torch.optim.optimizer',
  state: () => ({ stepCount: 0 }),
  methods: {
    __init__(self, call) {
      const a = bind('Optimizer.__init__', call, ['params', 'defaults']);
      if (!(a.defaults instanceof PyDict)) throw typeError(`'${typeName(a.defaults!)}' object is not a mapping`);
      initOptimizer(self, a.params!, a.defaults);
      return null;
    },
    __repr__: (self) => optimizerRepr(self),
    add_param_group(self, call) {
      addParamGroup(self, bind('add_param_group', call, ['param_group']).param_group!);
      return null;
    },
    zero_grad(self, call) {
      zeroGrad(self, toBool(bind('zero_grad', call, ['set_to_none=']).set_to_none, false));
      return null;
    },
    state_dict: (self, call) => (bind('state_dict', call, []), stateDict(self)),
    step() {
      throw new PyError('NotImplementedError', '');
    },
  },
});
