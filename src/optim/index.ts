/**
 * torch.optim as a lazily loaded library (src/libraries.ts): the
 * Optimizer base, SGD, Adam, AdamW, RMSprop, Adagrad and the StepLR and
 * ExponentialLR schedulers. docs/nn.md describes what they cover.
 */
import { registerLibrary } from '../program/modules.js';
import { Adagrad, Adam, AdamW, RMSprop, SGD } from './algorithms.js';
import { ExponentialLR, LRScheduler, StepLR } from './lr-scheduler.js';
import { Optimizer } from './optimizer.js';

registerLibrary({
  name: 'optim',
  install(modules) {
    const optim = modules.module('torch.optim');
    for (const [name, cls] of Object.entries({ Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad })) optim.attrs.set(name, cls);
    const schedulers = modules.module('torch.optim.lr_scheduler');
    for (const [name, cls] of Object.entries({ StepLR, ExponentialLR, _LRScheduler: LRScheduler })) schedulers.attrs.set(name, cls);
    modules.module('torch.optim.optimizer').attrs.set('Optimizer', Optimizer);
  },
});
