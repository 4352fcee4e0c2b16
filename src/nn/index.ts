/**
 * torch.nn as a lazily loaded library (src/libraries.ts): Module and
 * Parameter, the containers, layers, losses and nn.init, registered with
 * the interpreter's module registry. docs/nn.md describes what it covers.
 */
import { registerLibrary } from '../program/modules.js';
import { Identity, ReLU, Sigmoid, Tanh } from './activations.js';
import { ModuleDict, ModuleList, Sequential } from './containers.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

const NN_CLASSES = { Module, Parameter, Sequential, ModuleList, ModuleDict, Identity, ReLU, Sigmoid, Tanh };

registerLibrary({
  name: 'nn',
  install(modules) {
    const nn = modules.module('torch.nn');
    for (const [name, cls] of Object.entries(NN_CLASSES)) nn.attrs.set(name, cls);
    modules.module('torch.nn.parameter').attrs.set('Parameter', Parameter);
    modules.module('torch.nn.modules').attrs.set('Module', Module);
    modules.module('torch.nn.modules.module').attrs.set('Module', Module);
  },
});
