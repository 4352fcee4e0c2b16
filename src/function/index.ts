/**
 * Autograd's extension points as scripts use them: `torch.autograd.Function`
 * (a script's own op with its own backward), `gradcheck`/`gradgradcheck`, and `torch.autograd.functional`'s jacobian
 * and hessian. A library loaded when a script names them (src/libraries.ts).
 */
import { registerLibrary } from '../program/modules.js';
import { functionClass, functionCtx } from './function.js';
import { hessian, jacobian } from './functional.js';
import { gradcheck, gradgradcheck } from './gradcheck.js';

registerLibrary({
  name: 'function',
  install(modules) {
    const autograd = modules.module('torch.autograd');
    autograd.attrs.set('Function', functionClass);
    autograd.attrs.set('gradcheck', gradcheck);
    autograd.attrs.set('gradgradcheck', gradgradcheck);
    const fn = modules.module('torch.autograd.function');
    fn.attrs.set('Function', functionClass);
    fn.attrs.set('FunctionCtx', functionCtx);
    const functional = modules.module('torch.autograd.functional');
    functional.attrs.set('jacobian', jacobian);
    functional.attrs.set('hessian', hessian);
  },
});
