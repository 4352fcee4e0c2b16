/**
 * Python values of the script language and their `str()` / `repr()`.
 * ints are bigints (exact, as Python's), floats are numbers.
 */
import { Node } from '../autograd/node.js';
import { Tensor } from '../autograd/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { PyError, type PyErrorType } from '../tensor/errors.js';
import { formatSize } from '../tensor/format.js';
import type { Param, Stmt } from './ast.js';
import { pyFloatRepr } from './pyformat.js';

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** `torch.Size`: a tuple of ints that prints as `torch.Size([2, 3])`. */
export class TorchSize extends PyTuple {}

/** PyTorch's named tuples (`torch.return_types.max(values=…, indices=…)`). */
export class PyNamedTuple extends PyTuple {
  constructor(
    readonly typeName: string,
    readonly fields: readonly string[],
    items: PyValue[],
  ) {
    super(items);
  }
}

/** `torch.device('cpu')`: one object per type and index in a run, so `==` is identity. */
export class PyDevice {
  constructor(
    readonly type: string,
    readonly index: number | null,
  ) {}
}

/** Python's `...`. */
export class PyEllipsis {}
export const ELLIPSIS = new PyEllipsis();

export class PyDType {
  constructor(readonly dtype: DType) {}
}

export type CallArgs = { args: PyValue[]; kwargs: Map<string, PyValue> };

export class Builtin {
  constructor(
    readonly name: string,
    readonly fn: (call: CallArgs) => PyValue,
    /** How it prints when it is a class rather than a function (`<class 'torch.FloatTensor'>`). */
    readonly classRepr?: string,
  ) {}
}

/** An object of a library type (a `torch.Generator`): its type names, its attributes and the value it wraps. */
export class PyObject {
  constructor(
    readonly typeName: string,
    readonly qualifiedName: string,
    readonly attrs: Map<string, PyValue>,
    readonly native: unknown,
  ) {}
}

export class PyFunction {
  constructor(
    readonly name: string,
    readonly params: readonly Param[],
    readonly defaults: readonly (PyValue | undefined)[],
    readonly body: readonly Stmt[],
    /** `@torch.no_grad()` on the def: the body runs with grad mode off. */
    readonly gradMode: boolean | null,
  ) {}
}

export class PyModule {
  constructor(
    readonly name: string,
    readonly attrs: Map<string, PyValue>,
  ) {}
}

/** An exception class (`RuntimeError`) as a value, for `except` clauses. */
export class PyExceptionClass {
  constructor(readonly name: PyErrorType | 'Exception' | 'BaseException') {}
}

/** A caught exception object (`except RuntimeError as e`). */
export class PyException {
  constructor(readonly error: PyError) {}
}

/**
 * A `with` context: grad modes (`torch.no_grad()`), entered and exited by
 * the interpreter.
 */
export class GradModeContext {
  constructor(
    readonly label: string,
    readonly mode: boolean,
    /** `set_grad_enabled` switches when called, so it remembers the mode before the call. */
    readonly modeBeforeCall: boolean | null = null,
  ) {}
}

/** A slice `a:b:c` while it is used as an index. */
export class SliceValue {
  constructor(
    readonly start: PyValue,
    readonly stop: PyValue,
    readonly step: PyValue,
  ) {}
}

/** `range(start, stop, step)`, iterated lazily. */
export class PyRange {
  constructor(
    readonly start: bigint,
    readonly stop: bigint,
    readonly step: bigint,
  ) {}

  get length(): bigint {
    const { start, stop, step } = this;
    if (step > 0n) return stop > start ? (stop - start + step - 1n) / step : 0n;
    return start > stop ? (start - stop - step - 1n) / -step : 0n;
  }
}

export type PyValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | PyValue[]
  | PyTuple
  | Tensor
  | Node
  | PyDType
  | Builtin
  | PyFunction
  | PyModule
  | PyObject
  | PyExceptionClass
  | PyException
  | GradModeContext
  | PyRange
  | SliceValue
  | PyDevice
  | PyEllipsis;

export function typeName(v: PyValue): string {
  if (v === null) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  if (v instanceof TorchSize) return 'Size';
  if (v instanceof PyNamedTuple) return v.typeName;
  if (v instanceof PyDevice) return 'device';
  if (v instanceof PyEllipsis) return 'ellipsis';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof Tensor) return 'Tensor';
  if (v instanceof Node) return v.name;
  if (v instanceof PyDType) return 'dtype';
  if (v instanceof Builtin) return 'builtin_function_or_method';
  if (v instanceof PyFunction) return 'function';
  if (v instanceof PyModule) return 'module';
  if (v instanceof PyObject) return v.typeName;
  if (v instanceof PyExceptionClass) return 'type';
  if (v instanceof PyException) return v.error.pyType;
  if (v instanceof PyRange) return 'range';
  if (v instanceof SliceValue) return 'slice';
  return 'object';
}

function stringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else out += ch;
  }
  return quote + out + quote;
}

export function nodeRepr(n: Node): string {
  return `<${n.name} object at 0x${n.address.toString(16)}>`;
}

/** Python's `repr()`. */
export function repr(v: PyValue): string {
  if (typeof v === 'string') return stringRepr(v);
  if (Array.isArray(v)) return `[${v.map(repr).join(', ')}]`;
  if (v instanceof TorchSize) return formatSize(v.items.map((i) => Number(i)));
  if (v instanceof PyNamedTuple) {
    return `torch.return_types.${v.typeName}(\n${v.fields.map((f, i) => `${f}=${repr(v.items[i]!)}`).join(',\n')})`;
  }
  if (v instanceof PyDevice) return v.index === null ? `device(type='${v.type}')` : `device(type='${v.type}', index=${v.index})`;
  if (v instanceof PyTuple) {
    return v.items.length === 1 ? `(${repr(v.items[0]!)},)` : `(${v.items.map(repr).join(', ')})`;
  }
  if (v instanceof PyException) return `${v.error.pyType}(${stringRepr(v.error.message)})`;
  return str(v);
}

/** Python's `str()`, what `print` shows. */
export function str(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return pyFloatRepr(v);
  if (typeof v === 'string') return v;
  if (v instanceof Tensor) return v.toString();
  if (v instanceof Node) return nodeRepr(v);
  if (v instanceof PyDType) return `torch.${v.dtype}`;
  if (v instanceof Builtin) return v.classRepr ?? `<built-in function ${v.name}>`;
  if (v instanceof PyDevice) return v.index === null ? v.type : `${v.type}:${v.index}`;
  if (v instanceof PyEllipsis) return 'Ellipsis';
  if (v instanceof PyFunction) return `<function ${v.name} at 0x7f3a2b000000>`;
  if (v instanceof PyModule) return `<module '${v.name}'>`;
  if (v instanceof PyObject) return `<${v.qualifiedName} object at 0x7f3a2b000200>`;
  if (v instanceof PyExceptionClass) return `<class '${v.name}'>`;
  if (v instanceof PyException) return v.error.message;
  if (v instanceof GradModeContext) return `<torch.autograd.grad_mode.${v.label} object at 0x7f3a2b000100>`;
  if (v instanceof PyRange) return v.step === 1n ? `range(${v.start}, ${v.stop})` : `range(${v.start}, ${v.stop}, ${v.step})`;
  return repr(v);
}

export function truthy(v: PyValue): boolean {
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof PyTuple) return v.items.length > 0;
  if (v instanceof Tensor) {
    if (v.numel !== 1) {
      throw new PyError('RuntimeError', 'Boolean value of Tensor with more than one value is ambiguous');
    }
    return v.item() !== 0;
  }
  return true;
}

export function isNumber(v: PyValue): v is boolean | bigint | number {
  return typeof v === 'boolean' || typeof v === 'bigint' || typeof v === 'number';
}

export function toFloat(v: boolean | bigint | number): number {
  return typeof v === 'number' ? v : Number(v);
}
