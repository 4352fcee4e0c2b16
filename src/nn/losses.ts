/**
 * The loss modules (nn.MSELoss, nn.CrossEntropyLoss ...): PyTorch's
 * constructor signatures and attributes (`reduction`, `weight` as a
 * buffer, `ignore_index` ...), forward through the same torch.nn.functional
 * functions scripts call, so warnings and errors are the functional ones.
 */
import { bind } from '../program/args.js';
import { UnsupportedError } from '../program/errors.js';
import { defineClass } from '../program/native.js';
import { callValue, getAttr, objectSetAttr, warn } from '../program/objects.js';
import { moreFunctional } from '../program/torch-functional.js';
import type { PyClass, PyInstance, PyValue } from '../program/values.js';
import { initModule, Module, moduleState } from './module.js';

let functional: Map<string, PyValue> | null = null;
const fn = (name: string) => (functional ??= moreFunctional((m) => warn(m))).get(name)!;

interface LossSpec {
  name: string;
  /** Constructor parameters after self, in PyTorch's order, with defaults. */
  params: [string, PyValue][];
  /** Parameters kept as buffers (`weight`, `pos_weight`), the rest as attributes. */
  buffers?: string[];
  functional: string;
  /** The keyword arguments forward passes on, read from the module. */
  forwardKwargs: string[];
}

function lossClass(spec: LossSpec): PyClass {
  const buffers = spec.buffers ?? [];
  return defineClass({
    name: spec.name,
    module: 'torch.nn.modules.loss',
    bases: [Module],
    methods: {
      __init__(self, call) {
        const a = bind(`${spec.name}.__init__`, call, spec.params.map(([n]) => `${n}=`));
        if ((a.size_average ?? null) !== null || (a.reduce ?? null) !== null) {
          throw new UnsupportedError('the size_average and reduce arguments are not supported (use reduction=)');
        }
        initModule(self);
        for (const [n, fallback] of spec.params) {
          if (n === 'size_average' || n === 'reduce') continue;
          const v = a[n] ?? fallback;
          if (buffers.includes(n)) callValue(getAttr(self, 'register_buffer'), [n, v]);
          else objectSetAttr(self as PyInstance, n, v);
        }
        return null;
      },
      forward(self, call) {
        const a = bind('forward', call, ['input', 'target']);
        const kwargs = new Map<string, PyValue>();
        for (const k of spec.forwardKwargs) kwargs.set(k, buffers.includes(k) ? (moduleState(self).buffers.get(k) ?? null) : getAttr(self, k));
        return callValue(fn(spec.functional), [a.input!, a.target!], kwargs);
      },
    },
  });
}

const legacy: [string, PyValue][] = [
  ['size_average', null],
  ['reduce', null],
];

export const L1Loss = lossClass({ name: 'L1Loss', params: [...legacy, ['reduction', 'mean']], functional: 'l1_loss', forwardKwargs: ['reduction'] });
export const MSELoss = lossClass({ name: 'MSELoss', params: [...legacy, ['reduction', 'mean']], functional: 'mse_loss', forwardKwargs: ['reduction'] });
export const SmoothL1Loss = lossClass({
  name: 'SmoothL1Loss',
  params: [...legacy, ['reduction', 'mean'], ['beta', 1.0]],
  functional: 'smooth_l1_loss',
  forwardKwargs: ['reduction', 'beta'],
});
export const BCELoss = lossClass({
  name: 'BCELoss',
  params: [['weight', null], ...legacy, ['reduction', 'mean']],
  buffers: ['weight'],
  functional: 'binary_cross_entropy',
  forwardKwargs: ['weight', 'reduction'],
});
export const BCEWithLogitsLoss = lossClass({
  name: 'BCEWithLogitsLoss',
  params: [['weight', null], ...legacy, ['reduction', 'mean'], ['pos_weight', null]],
  buffers: ['weight', 'pos_weight'],
  functional: 'binary_cross_entropy_with_logits',
  forwardKwargs: ['weight', 'pos_weight', 'reduction'],
});
export const NLLLoss = lossClass({
  name: 'NLLLoss',
  params: [['weight', null], ['size_average', null], ['ignore_index', -100n], ['reduce', null], ['reduction', 'mean']],
  buffers: ['weight'],
  functional: 'nll_loss',
  forwardKwargs: ['weight', 'ignore_index', 'reduction'],
});
export const CrossEntropyLoss = lossClass({
  name: 'CrossEntropyLoss',
  params: [['weight', null], ['size_average', null], ['ignore_index', -100n], ['reduce', null], ['reduction', 'mean'], ['label_smoothing', 0.0]],
  buffers: ['weight'],
  functional: 'cross_entropy',
  forwardKwargs: ['weight', 'ignore_index', 'reduction', 'label_smoothing'],
});
