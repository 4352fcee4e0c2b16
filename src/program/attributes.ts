/** Reading and setting attributes of script values (`x.grad`, `torch.ones`, `y.grad_fn.next_functions`). */
import { Node } from '../autograd/node.js';
import { Tensor } from '../autograd/tensor.js';
import { PyError } from '../tensor/errors.js';
import type { Pos } from './ast.js';
import { ScriptSyntaxError } from './errors.js';
import { nodeAttr, setTensorAttr, tensorAttr } from './tensor-attrs.js';
import { PyDevice, PyException, PyModule, PyNamedTuple, PyObject, PyTuple, typeName, type PyValue } from './values.js';

/** Modules whose unknown attributes mean "outside the subset" rather than a script bug. */
const TORCH_MODULES = new Set(['torch', 'torch.nn', 'torch.nn.functional', 'torch.autograd', 'torch.cuda', 'torch.linalg']);

const unsupported = (pos: Pos, message: string) => new ScriptSyntaxError({ kind: 'unsupported', line: pos.line, col: pos.col, message });

export function getAttribute(obj: PyValue, name: string, pos: Pos, warn: (message: string) => void): PyValue {
  if (obj instanceof Tensor) {
    const v = tensorAttr(obj, name, { warn });
    if (v === undefined) throw unsupported(pos, `the tensor attribute '${name}' is not supported`);
    return v;
  }
  if (obj instanceof PyModule) {
    const v = obj.attrs.get(name);
    if (v !== undefined) return v;
    if (TORCH_MODULES.has(obj.name)) throw unsupported(pos, `${obj.name}.${name} is not supported`);
    throw new PyError('AttributeError', `module '${obj.name}' has no attribute '${name}'`);
  }
  if (obj instanceof Node) {
    const v = nodeAttr(obj, name);
    if (v === undefined) throw unsupported(pos, `the grad_fn attribute '${name}' is not supported`);
    return v;
  }
  if (obj instanceof PyObject) {
    const v = obj.attrs.get(name);
    if (v === undefined) throw unsupported(pos, `the ${obj.typeName} attribute '${name}' is not supported`);
    return v;
  }
  if (obj instanceof PyException && name === 'args') return new PyTuple([obj.error.message]);
  if (obj instanceof PyNamedTuple && obj.fields.includes(name)) return obj.items[obj.fields.indexOf(name)]!;
  if (obj instanceof PyDevice && (name === 'type' || name === 'index')) return name === 'type' ? obj.type : obj.index === null ? null : BigInt(obj.index);
  throw new PyError('AttributeError', `'${typeName(obj)}' object has no attribute '${name}'`);
}

export function setAttribute(obj: PyValue, name: string, value: PyValue, pos: Pos): void {
  if (obj instanceof Tensor) {
    if (!setTensorAttr(obj, name, value)) throw unsupported(pos, `setting the tensor attribute '${name}' is not supported`);
    return;
  }
  throw new PyError('AttributeError', `'${typeName(obj)}' object has no attribute '${name}'`);
}
