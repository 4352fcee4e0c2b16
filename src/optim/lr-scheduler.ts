/**
 * torch.optim.lr_scheduler.StepLR and ExponentialLR as PyTorch 1.13's
 * `_LRScheduler` runs them: construction records `initial_lr` in each
 * group and takes the first step (epoch 0); `step()` multiplies each
 * group's current lr by gamma when the epoch calls for it (the chainable
 * form), warns when it comes before any `optimizer.step()`, and remembers
 * `get_last_lr()`.
 */
import { PyError } from '../tensor/errors.js';
import { bind, toBool, toInt, toNumber } from '../program/args.js';
import { PyDict } from '../program/dict.js';
import { UnsupportedError } from '../program/errors.js';
import { defineClass, stateOf } from '../program/native.js';
import { getAttr, objectSetAttr, warn } from '../program/objects.js';
import { PyInstance, typeName, type PyClass, type PyValue } from '../program/values.js';
import { groupsOf, Optimizer, type OptimizerState } from './optimizer.js';

interface SchedulerState {
  /** Whether the first (constructor's) step has been taken: the order warning starts after it. */
  started: boolean;
}

const ORDER_WARNING =
  'Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, you should call them in the opposite order: `optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will result in PyTorch skipping the first value of the learning rate schedule. See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate';

const set = (self: PyValue, name: string, v: PyValue) => objectSetAttr(self as PyInstance, name, v);
const optimizerOf = (self: PyValue) => getAttr(self, 'optimizer');

function initScheduler(self: PyValue, optimizer: PyValue, lastEpoch: PyValue | undefined): void {
  if (!(optimizer instanceof PyInstance && optimizer.cls.isSubclassOf(Optimizer))) throw new PyError('TypeError', `${typeName(optimizer)} is not an Optimizer`);
  set(self, 'optimizer', optimizer);
  const last = lastEpoch === undefined ? -1 : toInt(lastEpoch, 'last_epoch');
  if (last !== -1) throw new UnsupportedError('resuming a scheduler (last_epoch other than -1) is not supported');
  const groups = groupsOf(optimizer) as PyDict[];
  for (const g of groups) if (!g.has('initial_lr')) g.set('initial_lr', g.getStr('lr')!);
  set(self, 'base_lrs', groups.map((g) => g.getStr('initial_lr')!));
  set(self, 'last_epoch', BigInt(last));
  stateOf<OptimizerState>(optimizer, Optimizer).stepCount = 0;
  set(self, '_step_count', 0n);
  step(self);
  stateOf<SchedulerState>(self, LRScheduler).started = true;
}

/** One scheduler step: the epoch advances and each group's lr becomes the next value. */
function step(self: PyValue): void {
  const optimizer = optimizerOf(self);
  if (stateOf<SchedulerState>(self, LRScheduler).started && stateOf<OptimizerState>(optimizer, Optimizer).stepCount < 1) warn(ORDER_WARNING);
  set(self, '_step_count', (getAttr(self, '_step_count') as bigint) + 1n);
  const epoch = (getAttr(self, 'last_epoch') as bigint) + 1n;
  set(self, 'last_epoch', epoch);
  const groups = groupsOf(optimizer) as PyDict[];
  const gamma = toNumber(getAttr(self, 'gamma'), 'gamma');
  const every = (self as PyInstance).cls.isSubclassOf(StepLR) ? BigInt(toInt(getAttr(self, 'step_size'), 'step_size')) : 1n;
  const decays = epoch !== 0n && epoch % every === 0n;
  for (const g of groups) if (decays) g.set('lr', toNumber(g.getStr('lr'), 'lr') * gamma);
  set(self, '_last_lr', groups.map((g) => g.getStr('lr')!));
}

export const LRScheduler = defineClass<SchedulerState>({
  name: '_LRScheduler',
  module: 'torch.optim.lr_scheduler',
  state: () => ({ started: false }),
  methods: {
    step(self, call) {
      const a = bind('step', call, ['epoch=']);
      if (a.epoch !== undefined && a.epoch !== null) throw new UnsupportedError('scheduler.step(epoch) is not supported');
      step(self);
      return null;
    },
    get_last_lr: (self) => [...(getAttr(self, '_last_lr') as PyValue[])],
    get_lr(self) {
      return (groupsOf(optimizerOf(self)) as PyDict[]).map((g) => g.getStr('lr')!);
    },
  },
});

function scheduler(name: string, params: string[], store: (self: PyValue, a: Record<string, PyValue | undefined>) => void): PyClass {
  return defineClass({
    name,
    module: 'torch.optim.lr_scheduler',
    bases: [LRScheduler],
    methods: {
      __init__(self, call) {
        const a = bind(`${name}.__init__`, call, ['optimizer', ...params, 'last_epoch=', 'verbose=']);
        if (toBool(a.verbose, false)) throw new UnsupportedError('verbose=True is not supported');
        store(self, a);
        set(self, 'verbose', false);
        initScheduler(self, a.optimizer!, a.last_epoch);
        return null;
      },
    },
  });
}

export const StepLR = scheduler('StepLR', ['step_size', 'gamma='], (self, a) => {
  set(self, 'step_size', a.step_size!);
  set(self, 'gamma', a.gamma ?? 0.1);
});

export const ExponentialLR = scheduler('ExponentialLR', ['gamma'], (self, a) => set(self, 'gamma', a.gamma!));
