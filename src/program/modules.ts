/**
 * The modules a script can import, and the registry through which
 * libraries (src/nn, src/optim, src/random, src/numpy, src/collections ...)
 * provide them. The interpreter binds modules by name and implements none
 * of them beyond the core (`torch`'s tensor functions, `math`).
 *
 * A library registers itself when its entry module is evaluated:
 *
 *   registerLibrary({
 *     name: 'collections',
 *     install(modules) {
 *       const m = modules.module('collections');
 *       m.attrs.set('OrderedDict', orderedDictClass);
 *     },
 *   });
 *
 * `install` runs at the start of every run (scripts never share module
 * state); it may create modules (`modules.module('torch.optim')` also makes
 * `optim` an attribute of `torch`) or add attributes to existing ones
 * (`modules.module('torch').attrs.set('manual_seed', ...)`).
 *
 * Libraries are loaded only when a script needs them: src/libraries.ts maps
 * each library to the words that call for it and loads it with a dynamic
 * import() before the run (the CLI), or all of them at once (src/index.ts).
 * A module nobody provides is a placeholder: importing it works, using
 * anything of it is outside the subset (exit 2 at that use).
 */
import { PyError } from '../tensor/errors.js';
import { UnsupportedError } from './errors.js';
import { knownNames } from './known-names.js';
import { MethodDescriptor, objectClass, PyClass, PyInstance, PyModule, type PyValue } from './values.js';

export interface Library {
  /** A unique name (the library's folder). */
  name: string;
  install(modules: ModuleTable): void;
}

const libraries = new Map<string, Library>();

/** Registers a library (again under the same name replaces it). */
export function registerLibrary(library: Library): void {
  libraries.set(library.name, library);
}

export function registeredLibraries(): string[] {
  return [...libraries.keys()];
}

/** Installers of the core modules (torch, math), run before the libraries. */
const core: ((modules: ModuleTable) => void)[] = [];

export function registerCoreModules(install: (modules: ModuleTable) => void): void {
  core.push(install);
}

/** The modules of one run. */
export class ModuleTable {
  private readonly modules = new Map<string, PyModule>();
  private readonly placeholders = new Map<string, PyInstance>();

  /** The module `name`, made empty when new; a dotted name also becomes an attribute of its parent. */
  module(name: string): PyModule {
    let m = this.modules.get(name);
    if (!m) {
      m = new PyModule(name, new Map());
      this.modules.set(name, m);
      const dot = name.lastIndexOf('.');
      if (dot > 0) this.module(name.slice(0, dot)).attrs.set(name.slice(dot + 1), m);
    }
    return m;
  }

  get(name: string): PyModule | undefined {
    return this.modules.get(name);
  }

  /** What `import name` finds: a module of this run, or a placeholder. */
  resolve(name: string): PyModule | PyInstance {
    const m = this.modules.get(name);
    if (m) return m;
    let p = this.placeholders.get(name);
    if (!p) {
      p = placeholder(name);
      this.placeholders.set(name, p);
    }
    return p;
  }

  /** What `from module import name` binds. */
  importFrom(module: string, name: string): PyValue {
    const full = `${module}.${name}`;
    const sub = this.modules.get(full);
    if (sub) return sub;
    const m = this.resolve(module);
    if (m instanceof PyModule) {
      const v = m.get(name);
      if (v !== undefined) return v;
      const known = knownNames(`module:${module}`);
      if (known && !known.has(name) && !name.startsWith('__')) {
        const where = module === 'math' || module === 'builtins' ? 'unknown location' : `/usr/lib/python3/dist-packages/${module.replace(/\./g, '/')}/__init__.py`;
        throw new PyError('ImportError', `cannot import name '${name}' from '${module}' (${where})`);
      }
    }
    return this.resolve(full);
  }
}

/** The modules of a new run: the core ones, then every registered library's. */
export function newModuleTable(): ModuleTable {
  const table = new ModuleTable();
  for (const install of core) install(table);
  for (const lib of libraries.values()) lib.install(table);
  return table;
}

/**
 * A stand-in for a module (or a name imported from one) that dzdx does not
 * provide: every use of it (attribute, call, operator, printing ...) is
 * outside the subset.
 */
export const placeholderClass = new PyClass('module', [objectClass], new Map(), { builtin: true, final: true });

export function placeholderName(v: PyValue): string | null {
  return v instanceof PyInstance && v.cls === placeholderClass ? (v.native as string) : null;
}

function placeholder(name: string): PyInstance {
  const p = new PyInstance(placeholderClass);
  p.native = name;
  return p;
}

const refuse = (self: PyValue, what: string) => new UnsupportedError(`${what.replace('%', placeholderName(self) ?? '?')} is not supported`);

for (const [method, what] of [
  ['__getattr__', ''],
  ['__call__', '%()'],
  ['__getitem__', '%[...]'],
  ['__setitem__', '%[...] = ...'],
  ['__iter__', 'iterating over %'],
  ['__len__', 'len(%)'],
  ['__bool__', 'the truth value of %'],
  ['__repr__', 'printing %'],
  ['__str__', 'printing %'],
  ['__format__', 'formatting %'],
  ['__hash__', 'hashing %'],
  ['__eq__', 'comparing %'],
  ['__ne__', 'comparing %'],
  ['__lt__', 'comparing %'],
  ['__le__', 'comparing %'],
  ['__gt__', 'comparing %'],
  ['__ge__', 'comparing %'],
  ['__contains__', "'in' on %"],
  ['__enter__', "'with' on %"],
  ['__setattr__', 'setting an attribute of %'],
  ['__neg__', 'arithmetic on %'],
  ...['add', 'sub', 'mul', 'truediv', 'floordiv', 'mod', 'pow', 'matmul', 'and', 'or', 'xor'].flatMap((op) => [
    [`__${op}__`, 'arithmetic on %'],
    [`__r${op}__`, 'arithmetic on %'],
  ]),
] as [string, string][]) {
  placeholderClass.dict.set(
    method,
    new MethodDescriptor(method, placeholderClass, (self, call) => {
      if (method === '__getattr__') throw refuse(self, `%.${String(call.args[0])}`);
      throw refuse(self, what);
    }),
  );
}
