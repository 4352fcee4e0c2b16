/**
 * torch.nn as a lazily loaded library (src/libraries.ts): Module and
 * Parameter, the containers, layers, losses and nn.init, registered with
 * the interpreter's module registry. docs/nn.md describes what it covers.
 */
import { registerLibrary } from '../program/modules.js';
import type { PyValue } from '../program/values.js';
import { Identity, ReLU, Sigmoid, Tanh } from './activations.js';
import { ModuleDict, ModuleList, Sequential } from './containers.js';
import { initModuleAttributes } from './init.js';
import { Bilinear, Dropout, Flatten, functionalDropout, LeakyReLU, Linear, LogSoftmax, Softmax } from './layers.js';
import { BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss } from './losses.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

const NN: Record<string, PyValue> = {
  Module, Parameter, Sequential, ModuleList, ModuleDict,
  Linear, Bilinear, Flatten, Identity, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, LogSoftmax, Dropout,
  L1Loss, MSELoss, SmoothL1Loss, BCELoss, BCEWithLogitsLoss, NLLLoss, CrossEntropyLoss,
};

let init: Map<string, PyValue> | null = null;

registerLibrary({
  name: 'nn',
  install(modules) {
    const nn = modules.module('torch.nn');
    for (const [name, cls] of Object.entries(NN)) nn.attrs.set(name, cls);
    modules.module('torch.nn.init').base = init ??= initModuleAttributes();
    modules.module('torch.nn.parameter').attrs.set('Parameter', Parameter);
    modules.module('torch.nn.modules').attrs.set('Module', Module);
    modules.module('torch.nn.modules.module').attrs.set('Module', Module);
    modules.module('torch.nn.functional').attrs.set('dropout', functionalDropout);
  },
});
