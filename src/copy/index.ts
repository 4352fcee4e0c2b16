/**
 * Python's `copy`: copy() and deepcopy() of lists, tuples, dicts (their
 * subclasses kept), sets and instances of script classes (a new instance
 * without `__init__`, its `__dict__` copied; `__copy__`/`__deepcopy__`
 * honoured, so a native class or the tensor class can define them).
 * deepcopy keeps a memo, so shared and cyclic structure is copied once.
 * Tensors (until their class defines `__deepcopy__`) and instances of
 * native classes without those methods are outside the subset.
 */
import { Tensor } from '../autograd/tensor.js';
import { PyError } from '../tensor/errors.js';
import { bind } from '../program/args.js';
import { PyDict } from '../program/dict.js';
import { UnsupportedError } from '../program/errors.js';
import { registerLibrary } from '../program/modules.js';
import { callBound, lookupSpecial } from '../program/objects.js';
import { PySet } from '../program/set.js';
import { addressOf, Builtin, PyInstance, PyObject, PyTuple, typeOf, type PyValue } from '../program/values.js';

function isAtomic(v: PyValue): boolean {
  return v === null || typeof v !== 'object' || (v instanceof PyObject && !(v instanceof PyTuple || v instanceof PyDict || v instanceof PySet || v instanceof PyInstance));
}

function unsupportedCopy(v: PyValue, what: string): never {
  const name = v instanceof Tensor ? 'a tensor' : `a ${typeOf(v).name} object`;
  throw new UnsupportedError(`copy.${what} of ${name} is not supported`);
}

/** A new instance of `obj`'s class, without `__init__` (what `__reduce_ex__` gives), before its attributes. */
function blankInstance(obj: PyInstance, what: string): PyInstance {
  for (const c of obj.cls.mro) if (c.create) unsupportedCopy(obj, what);
  return new PyInstance(obj.cls);
}

function shallow(v: PyValue): PyValue {
  if (Array.isArray(v)) return v.slice();
  if (isAtomic(v) || v instanceof PyTuple) return v;
  if (v instanceof PyDict) {
    const d = v.copyInto(new PyDict());
    d.cls = v.cls;
    d.defaultFactory = v.defaultFactory;
    return d;
  }
  if (v instanceof PySet) return v.frozen ? v : v.copy();
  const hook = lookupSpecial(v, '__copy__');
  if (hook !== undefined) return callBound(hook, v, []);
  if (v instanceof PyInstance) {
    const c = blankInstance(v, 'copy');
    for (const [k, x] of v.attrs) c.attrs.set(k, x);
    return c;
  }
  return unsupportedCopy(v, 'copy');
}

/** deepcopy with its memo: by object identity (CPython's id(x) keys). */
function deep(v: PyValue, memo: PyDict): PyValue {
  if (isAtomic(v)) return v;
  const id = BigInt(addressOf(v as object));
  const seen = memo.get(id);
  if (seen !== undefined) return seen;
  let result: PyValue;
  if (Array.isArray(v)) {
    const out: PyValue[] = [];
    memo.set(id, out);
    for (const x of v) out.push(deep(x, memo));
    result = out;
  } else if (v instanceof PyTuple) {
    const items = v.items.map((x) => deep(x, memo));
    // a tuple whose items copy to themselves is its own copy
    const again = memo.get(id);
    if (again !== undefined) return again;
    result = items.every((x, i) => x === v.items[i]) ? v : new PyTuple(items);
  } else if (v instanceof PyDict) {
    const d = new PyDict();
    d.cls = v.cls;
    memo.set(id, d);
    d.defaultFactory = deep(v.defaultFactory, memo);
    for (const e of v.snapshot()) d.set(deep(e.key, memo), deep(e.value, memo));
    result = d;
  } else if (v instanceof PySet) {
    const s = new PySet(v.frozen);
    s.addAll([...v].map((x) => deep(x, memo)));
    result = s;
  } else {
    const hook = lookupSpecial(v, '__deepcopy__');
    if (hook !== undefined) result = callBound(hook, v, [memo]);
    else if (v instanceof PyInstance) {
      const c = blankInstance(v, 'deepcopy');
      memo.set(id, c);
      for (const [k, x] of v.attrs) c.attrs.set(k, deep(x, memo));
      result = c;
    } else return unsupportedCopy(v, 'deepcopy');
  }
  memo.set(id, result);
  return result;
}

/** The module's attributes, shared by every run. */
const shared = new Map<string, PyValue>([
  [
    'copy',
    new Builtin(
      'copy',
      (call) => {
        const { x } = bind('copy', call, ['x']);
        return shallow(x!);
      },
      undefined,
      'copy',
    ),
  ],
  [
    'deepcopy',
    new Builtin(
      'deepcopy',
      (call) => {
        const { x, memo } = bind('deepcopy', call, ['x', 'memo=']);
        if (memo !== undefined && memo !== null && !(memo instanceof PyDict)) throw new PyError('TypeError', `'${typeOf(memo).name}' object is not a dict`);
        return deep(x!, memo instanceof PyDict ? memo : new PyDict());
      },
      undefined,
      'copy',
    ),
  ],
]);

registerLibrary({
  name: 'copy',
  install(modules) {
    modules.module('copy').base = shared;
  },
});
