/**
 * nn.Sequential, nn.ModuleList and nn.ModuleDict: modules holding modules
 * under the names '0', '1', ... (or the keys of an OrderedDict/dict), with
 * PyTorch 1.13's indexing, slicing, iteration and errors.
 */
import { PyError } from '../tensor/errors.js';
import { bind } from '../program/args.js';
import { PyDict } from '../program/dict.js';
import { iterate, makeIterator } from '../program/iteration.js';
import { defineClass } from '../program/native.js';
import { callValue } from '../program/objects.js';
import { sliceIndices } from '../program/subscript.js';
import { PyInstance, PyTuple, SliceValue, typeName, type PyValue } from '../program/values.js';
import { orderedDictClass } from '../collections/index.js';
import { addModule, initModule, Module, moduleState } from './module.js';

const modulesOf = (self: PyValue) => moduleState(self).modules;

/** An int index into n modules, as `_get_item_by_idx`/`_get_abs_string_index` check it. */
function absoluteIndex(idx: PyValue, n: number): number {
  if (typeof idx !== 'bigint' && typeof idx !== 'boolean') throw new PyError('TypeError', `'${typeName(idx)}' object cannot be interpreted as an integer`);
  const i = Number(idx);
  if (i < -n || i >= n) throw new PyError('IndexError', `index ${i} is out of range`);
  return i < 0 ? i + n : i;
}

function sliced<T>(items: T[], s: SliceValue): T[] {
  const { start, step, count } = sliceIndices(s, items.length);
  return Array.from({ length: count }, (_, k) => items[start + k * step]!);
}

const valuesIterator = (self: PyValue) => makeIterator('dict_valueiterator', [...modulesOf(self).values()][Symbol.iterator]());
const length = (self: PyValue) => BigInt(modulesOf(self).size);

export const Sequential = defineClass({
  name: 'Sequential',
  module: 'torch.nn.modules.container',
  bases: [Module],
  methods: {
    __init__(self, call) {
      const a = bind('Sequential.__init__', call, ['*args']);
      const args = a.args as PyValue[];
      initModule(self);
      const first = args[0];
      if (args.length === 1 && first instanceof PyDict && first.cls.isSubclassOf(orderedDictClass)) {
        for (const e of first.snapshot()) addModule(self, e.key, e.value);
      } else args.forEach((m, i) => addModule(self, String(i), m));
      return null;
    },
    forward(self, call) {
      let x: PyValue = bind('forward', call, ['input']).input!;
      for (const m of [...modulesOf(self).values()]) x = callValue(m, [x]);
      return x;
    },
    __getitem__(self, call) {
      const idx = call.args[0]!;
      const entries = [...modulesOf(self)];
      if (idx instanceof SliceValue) {
        const d = new PyDict();
        d.cls = orderedDictClass;
        for (const [k, m] of sliced(entries, idx)) d.set(k, m);
        return callValue((self as PyInstance).cls, [d]);
      }
      return entries[absoluteIndex(idx, entries.length)]![1];
    },
    __setitem__(self, call) {
      const [idx, module] = call.args as [PyValue, PyValue];
      const keys = [...modulesOf(self).keys()];
      addModuleAt(self, keys[absoluteIndex(idx, keys.length)]!, module);
      return null;
    },
    __delitem__(self, call) {
      const idx = call.args[0]!;
      const keys = [...modulesOf(self).keys()];
      const doomed = idx instanceof SliceValue ? sliced(keys, idx) : [keys[absoluteIndex(idx, keys.length)]!];
      for (const k of doomed) modulesOf(self).delete(k);
      return null;
    },
    __len__: length,
    __iter__: valuesIterator,
    append(self, call) {
      const a = bind('append', call, ['module']);
      addModule(self, String(modulesOf(self).size), a.module!);
      return self;
    },
  },
});

/** `self[i] = m` keeps the key and replaces the module, as `setattr(self, key, m)`. */
function addModuleAt(self: PyValue, key: string, module: PyValue): void {
  const modules = modulesOf(self);
  if (module !== null && !(module instanceof PyInstance && module.cls.isSubclassOf(Module))) addModule(self, key, module);
  modules.set(key, module as PyInstance | null);
}

export const ModuleList = defineClass({
  name: 'ModuleList',
  module: 'torch.nn.modules.container',
  bases: [Module],
  methods: {
    __init__(self, call) {
      const a = bind('ModuleList.__init__', call, ['modules=']);
      initModule(self);
      if (a.modules !== undefined && a.modules !== null) extend(self, a.modules);
      return null;
    },
    __getitem__(self, call) {
      const idx = call.args[0]!;
      const values = [...modulesOf(self).values()];
      if (idx instanceof SliceValue) return callValue((self as PyInstance).cls, [sliced(values, idx)]);
      return values[absoluteIndex(idx, values.length)]!;
    },
    __setitem__(self, call) {
      const [idx, module] = call.args as [PyValue, PyValue];
      addModuleAt(self, String(absoluteIndex(idx, modulesOf(self).size)), module);
      return null;
    },
    __delitem__(self, call) {
      const idx = call.args[0]!;
      const values = [...modulesOf(self).values()];
      const keep = new Set(idx instanceof SliceValue ? sliced(values.map((_, i) => i), idx) : [absoluteIndex(idx, values.length)]);
      const rest = values.filter((_, i) => !keep.has(i));
      modulesOf(self).clear();
      rest.forEach((m, i) => modulesOf(self).set(String(i), m));
      return null;
    },
    __len__: length,
    __iter__: valuesIterator,
    append(self, call) {
      const a = bind('append', call, ['module']);
      addModule(self, String(modulesOf(self).size), a.module!);
      return self;
    },
    extend(self, call) {
      extend(self, bind('extend', call, ['modules']).modules!);
      return self;
    },
    insert(self, call) {
      const a = bind('insert', call, ['index', 'module']);
      const values = [...modulesOf(self).values()];
      let i = Number(a.index as bigint);
      if (i < 0) i = Math.max(0, i + values.length);
      values.splice(Math.min(i, values.length), 0, a.module as PyInstance);
      modulesOf(self).clear();
      values.forEach((m, k) => addModule(self, String(k), m));
      return null;
    },
  },
});

function extend(self: PyValue, modules: PyValue): void {
  const offset = modulesOf(self).size;
  let i = 0;
  for (const m of iterate(modules)) addModule(self, String(offset + i++), m);
}

export const ModuleDict = defineClass({
  name: 'ModuleDict',
  module: 'torch.nn.modules.container',
  bases: [Module],
  methods: {
    __init__(self, call) {
      const a = bind('ModuleDict.__init__', call, ['modules=']);
      initModule(self);
      if (a.modules !== undefined && a.modules !== null) update(self, a.modules);
      return null;
    },
    __getitem__(self, call) {
      const key = call.args[0]!;
      const m = typeof key === 'string' ? modulesOf(self).get(key) : undefined;
      if (m === undefined) throw new PyError('KeyError', typeof key === 'string' ? `'${key}'` : String(key));
      return m;
    },
    __setitem__(self, call) {
      addModule(self, call.args[0]!, call.args[1]!);
      return null;
    },
    __len__: length,
    __iter__: (self) => makeIterator('dict_keyiterator', [...modulesOf(self).keys()][Symbol.iterator]()),
    __contains__: (self, call) => typeof call.args[0] === 'string' && modulesOf(self).has(call.args[0]),
    keys: (self) => [...modulesOf(self).keys()],
    values: (self) => [...modulesOf(self).values()],
    items: (self) => [...modulesOf(self)].map(([k, v]) => new PyTuple([k, v])),
    update(self, call) {
      update(self, bind('update', call, ['modules']).modules!);
      return null;
    },
  },
});

function update(self: PyValue, modules: PyValue): void {
  if (modules instanceof PyDict) {
    for (const e of modules.snapshot()) addModule(self, e.key, e.value);
    return;
  }
  for (const item of iterate(modules)) {
    const kv = item instanceof PyTuple ? item.items : Array.isArray(item) ? item : [];
    addModule(self, kv[0] ?? null, kv[1] ?? null);
  }
}

