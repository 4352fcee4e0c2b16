/**
 * numpy as teaching scripts use it (`import numpy as np`): arrays over
 * dzdx's tensor storage, numpy 1.24's promotion, printing and legacy
 * random generator, and torch.from_numpy / Tensor.numpy() sharing memory.
 * Loaded only when a script names numpy (src/libraries.ts).
 */
import { registerLibrary } from '../program/modules.js';
import { ndarrayClass } from './array-class.js';
import { moduleFunctions } from './module.js';
import { randomModule } from './random.js';
import { installInterop } from './interop.js';
import { binaryOp, wrap } from './ndarray.js';
import { boolScalarClass, dtypeClass, float32Class, float32Scalar, float64Class, hooks, int64Class } from './scalars.js';
import { fromData } from './convert.js';
import { castTo, type NpDType } from './dtypes.js';
import { bind } from '../program/args.js';
import { operandOf, result } from './ndarray.js';
import { castArray } from './kernels.js';
import { PyError } from '../tensor/errors.js';
import type { CallArgs, PyValue } from '../program/values.js';

hooks.binary = binaryOp;
hooks.construct = (dtype: NpDType, call: CallArgs): PyValue => {
  const p = bind(dtype === 'bool' ? 'bool_' : dtype, call, ['x=']);
  if (p.x === undefined) return dtype === 'float32' ? float32Scalar(0) : result(castArray(fromData(0n, dtype), dtype));
  if (typeof p.x === 'string') {
    const v = Number(p.x.trim());
    if (p.x.trim() === '' || (Number.isNaN(v) && !/^[+-]?nan$/i.test(p.x.trim()))) throw new PyError('ValueError', `could not convert string to float: '${p.x}'`);
    return result(fromData(castTo(dtype, v), dtype));
  }
  const o = operandOf(p.x);
  if (!o) return result(fromData(p.x, dtype));
  return result(castArray(o.array, dtype));
};

const functions = moduleFunctions();

registerLibrary({
  name: 'numpy',
  install(modules) {
    const np = modules.module('numpy');
    for (const [k, v] of functions) np.attrs.set(k, v);
    np.attrs.set('ndarray', ndarrayClass);
    np.attrs.set('dtype', dtypeClass);
    np.attrs.set('float32', float32Class);
    np.attrs.set('float64', float64Class);
    np.attrs.set('int64', int64Class);
    np.attrs.set('bool_', boolScalarClass);
    np.attrs.set('single', float32Class);
    np.attrs.set('double', float64Class);
    np.attrs.set('float_', float64Class);
    np.attrs.set('int_', int64Class);
    np.attrs.set('__version__', '1.24.2');
    installInterop(modules.module('torch'));
    const random = modules.module('numpy.random');
    for (const [k, v] of randomModule()) random.attrs.set(k, v);
  },
});

export { wrap };
