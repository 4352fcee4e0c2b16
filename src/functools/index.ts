/**
 * Python's `functools` as scripts use it: reduce, partial, wraps and
 * update_wrapper (decorators that keep the wrapped function's name),
 * lru_cache and cache (memoised recursion; the wrapper binds like a method
 * when a class stores it), cmp_to_key and total_ordering.
 */
import { PyError } from '../tensor/errors.js';
import { UnsupportedError } from '../program/errors.js';
import { bind } from '../program/args.js';
import { PyDict } from '../program/dict.js';
import { iterate } from '../program/iteration.js';
import { registerLibrary } from '../program/modules.js';
import { defineClass, stateOf } from '../program/native.js';
import { callBound, callValue, getAttr, isCallable, setAttr } from '../program/objects.js';
import { compare, eqBool, truthy } from '../program/operators.js';
import { repr } from '../program/repr.js';
import {
  BoundMethod,
  bumpClassEpoch,
  Builtin,
  MethodDescriptor,
  NotImplemented,
  objectClass,
  PyClass,
  PyFunction,
  PyInstance,
  PyTuple,
  typeOf,
  type CallArgs,
  type Kwargs,
  type PyValue,
} from '../program/values.js';

const typeError = (m: string) => new PyError('TypeError', m);

function builtin(name: string, fn: (call: CallArgs) => PyValue): Builtin {
  return new Builtin(name, fn, undefined, 'functools');
}

const reduce = builtin('reduce', (call) => {
  if (call.kwargs.size) throw typeError('reduce() takes no keyword arguments');
  const [fn, iterable, ...rest] = call.args;
  if (fn === undefined || iterable === undefined || rest.length > 1) {
    throw typeError(`reduce expected at least 2 arguments, got ${call.args.length}`);
  }
  let acc: PyValue | undefined = rest[0];
  for (const v of iterate(iterable)) acc = acc === undefined ? v : callValue(fn, [acc, v]);
  if (acc === undefined) throw typeError('reduce() of empty iterable with no initial value');
  return acc;
});

// ---- partial ----

interface PartialState {
  func: PyValue;
  args: PyValue[];
  keywords: PyDict;
}

const partial: PyClass = defineClass<PartialState>({
  name: 'partial',
  module: 'functools',
  state: () => ({ func: null, args: [], keywords: new PyDict() }),
  methods: {
    __init__(self, call) {
      const [func, ...args] = call.args;
      if (func === undefined) throw typeError("type 'partial' takes at least one argument");
      if (!isCallable(func)) throw typeError('the first argument must be callable');
      const st = stateOf<PartialState>(self, partial);
      // partial(partial(f, 1), 2) is partial(f, 1, 2), as in CPython
      if (func instanceof PyInstance && func.cls === partial) {
        const inner = stateOf<PartialState>(func, partial);
        st.func = inner.func;
        st.args = [...inner.args, ...args];
        inner.keywords.copyInto(st.keywords);
      } else {
        st.func = func;
        st.args = args;
      }
      for (const [k, v] of call.kwargs) st.keywords.set(k, v);
      return null;
    },
    __call__(self, call) {
      const st = stateOf<PartialState>(self, partial);
      const kwargs: Kwargs = new Map();
      for (const e of st.keywords.snapshot()) kwargs.set(e.key as string, e.value);
      for (const [k, v] of call.kwargs) kwargs.set(k, v);
      return callValue(st.func, [...st.args, ...call.args], kwargs);
    },
    __repr__(self) {
      const st = stateOf<PartialState>(self, partial);
      const parts = [repr(st.func), ...st.args.map(repr), ...st.keywords.snapshot().map((e) => `${e.key as string}=${repr(e.value)}`)];
      const name = (self as PyInstance).cls === partial ? 'functools.partial' : (self as PyInstance).cls.qualname;
      return `${name}(${parts.join(', ')})`;
    },
  },
  properties: {
    func: { get: (self) => stateOf<PartialState>(self, partial).func },
    args: { get: (self) => new PyTuple(stateOf<PartialState>(self, partial).args) },
    keywords: { get: (self) => stateOf<PartialState>(self, partial).keywords },
  },
});

// ---- wraps / update_wrapper ----

const ASSIGNED = ['__module__', '__name__', '__qualname__', '__doc__'];

function updateWrapper(wrapper: PyValue, wrapped: PyValue): PyValue {
  for (const name of ASSIGNED) {
    let value: PyValue;
    try {
      value = getAttr(wrapped, name);
    } catch (e) {
      if (e instanceof PyError && e.pyType === 'AttributeError') continue;
      throw e;
    }
    setAttr(wrapper, name, value);
  }
  if (wrapper instanceof PyFunction && wrapped instanceof PyFunction) {
    for (const [k, v] of wrapped.attrs) if (!wrapper.attrs.has(k)) wrapper.attrs.set(k, v);
  }
  setAttr(wrapper, '__wrapped__', wrapped);
  return wrapper;
}

const updateWrapperBuiltin = builtin('update_wrapper', (call) => {
  const { wrapper, wrapped } = bind('update_wrapper', call, ['wrapper', 'wrapped', 'assigned=', 'updated=']);
  if (call.kwargs.has('assigned') || call.kwargs.has('updated') || call.args.length > 2) {
    throw new UnsupportedError('functools.update_wrapper with assigned= or updated= is not supported');
  }
  return updateWrapper(wrapper!, wrapped!);
});

const wraps = builtin('wraps', (call) => {
  const { wrapped, assigned, updated } = bind('wraps', call, ['wrapped', 'assigned=', 'updated=']);
  if (assigned !== undefined || updated !== undefined) throw new UnsupportedError('functools.wraps with assigned= or updated= is not supported');
  return builtin('update_wrapper', (inner) => {
    const { wrapper } = bind('update_wrapper', inner, ['wrapper']);
    return updateWrapper(wrapper!, wrapped!);
  });
});

// ---- lru_cache ----

interface CacheState {
  func: PyValue;
  maxsize: number | null;
  typed: boolean;
  cache: PyDict;
  hits: number;
  misses: number;
}

/** The separator between positional and keyword arguments in a cache key (CPython's kwd_mark). */
const KWD_MARK = new PyInstance(objectClass);

function cacheKey(st: CacheState, call: CallArgs): PyValue {
  // CPython's fast path: a lone int or str argument is its own key (so f(3) and f(3.0) are cached apart)
  if (!st.typed && call.kwargs.size === 0 && call.args.length === 1) {
    const a = call.args[0]!;
    if (typeof a === 'bigint' || typeof a === 'string') return a;
  }
  const parts: PyValue[] = [...call.args];
  if (call.kwargs.size) {
    parts.push(KWD_MARK);
    for (const [k, v] of call.kwargs) parts.push(k, v);
  }
  if (st.typed) {
    for (const a of call.args) parts.push(typeOf(a));
    for (const v of call.kwargs.values()) parts.push(typeOf(v));
  }
  return new PyTuple(parts);
}

const cacheInfoClass: PyClass = defineClass<number[]>({
  name: 'CacheInfo',
  module: 'functools',
  final: true,
  methods: {
    __repr__(self) {
      const [hits, misses, maxsize, currsize] = (self as PyInstance).native as (number | null)[];
      return `CacheInfo(hits=${hits}, misses=${misses}, maxsize=${maxsize === null ? 'None' : maxsize}, currsize=${currsize})`;
    },
  },
  properties: Object.fromEntries(
    ['hits', 'misses', 'maxsize', 'currsize'].map((name, i) => [
      name,
      {
        get: (self: PyValue) => {
          const v = ((self as PyInstance).native as (number | null)[])[i];
          return v === null || v === undefined ? null : BigInt(v);
        },
      },
    ]),
  ),
});

const lruWrapper: PyClass = defineClass<CacheState>({
  name: '_lru_cache_wrapper',
  module: 'functools',
  final: true,
  bind: (self, obj) => new BoundMethod(obj, self),
  methods: {
    __call__(self, call) {
      const st = stateOf<CacheState>(self, lruWrapper);
      if (st.maxsize === 0) {
        st.misses++;
        return callValue(st.func, call.args, call.kwargs);
      }
      const key = cacheKey(st, call);
      const hit = st.cache.get(key);
      if (hit !== undefined) {
        st.hits++;
        if (st.maxsize !== null) st.cache.moveToEnd(key, true);
        return hit;
      }
      st.misses++;
      const result = callValue(st.func, call.args, call.kwargs);
      if (st.cache.get(key) === undefined) {
        if (st.maxsize !== null && st.cache.size >= st.maxsize) {
          const oldest = st.cache.edge(false);
          if (oldest) st.cache.delete(oldest.key);
        }
        st.cache.set(key, result);
      }
      return result;
    },
    cache_info(self) {
      const st = stateOf<CacheState>(self, lruWrapper);
      const info = new PyInstance(cacheInfoClass);
      info.native = [st.hits, st.misses, st.maxsize, st.cache.size];
      return info;
    },
    cache_clear(self) {
      const st = stateOf<CacheState>(self, lruWrapper);
      st.cache.clear();
      st.hits = st.misses = 0;
      return null;
    },
  },
});

function makeCached(func: PyValue, maxsize: number | null, typed: boolean): PyValue {
  if (!isCallable(func)) throw typeError('the first argument must be callable');
  const w = new PyInstance(lruWrapper);
  w.native = { func, maxsize, typed, cache: new PyDict(), hits: 0, misses: 0 } satisfies CacheState;
  updateWrapper(w, func);
  return w;
}

const lruCache = builtin('lru_cache', (call) => {
  const { maxsize, typed } = bind('lru_cache', call, ['maxsize=', 'typed=']);
  const isTyped = typed !== undefined && truthy(typed);
  // @lru_cache without parentheses: the function itself
  if (maxsize !== undefined && maxsize !== null && typeof maxsize !== 'bigint' && typeof maxsize !== 'boolean') {
    if (isCallable(maxsize)) return makeCached(maxsize, 128, isTyped);
    throw typeError('Expected first argument to be an integer, a callable, or None');
  }
  const size = maxsize === undefined ? 128 : maxsize === null ? null : Math.max(0, Number(maxsize));
  return builtin('decorating_function', (inner) => makeCached(inner.args[0] ?? null, size, isTyped));
});

const cache = builtin('cache', (call) => {
  const { user_function } = bind('cache', call, ['user_function']);
  return makeCached(user_function!, null, false);
});

// ---- cmp_to_key ----

const keyClass: PyClass = defineClass<{ cmp: PyValue; obj: PyValue }>({
  name: 'KeyWrapper',
  module: 'functools',
  final: true,
  methods: Object.fromEntries(
    (['__lt__', '__gt__', '__le__', '__ge__', '__eq__', '__ne__'] as const).map((name) => [
      name,
      (self: PyValue, call: CallArgs) => {
        const other = call.args[0]!;
        if (!(other instanceof PyInstance) || other.cls !== keyClass) throw typeError('other argument must be K instance');
        const a = stateOf<{ cmp: PyValue; obj: PyValue }>(self, keyClass);
        const b = stateOf<{ cmp: PyValue; obj: PyValue }>(other, keyClass);
        const op = ({ __lt__: '<', __gt__: '>', __le__: '<=', __ge__: '>=', __eq__: '==', __ne__: '!=' } as const)[name];
        return compare(op, callValue(a.cmp, [a.obj, b.obj]), 0n);
      },
    ]),
  ),
});

const cmpToKey = builtin('cmp_to_key', (call) => {
  const { mycmp } = bind('cmp_to_key', call, ['mycmp']);
  return new Builtin('K', (inner) => {
    const k = new PyInstance(keyClass);
    k.native = { cmp: mycmp!, obj: inner.args[0] ?? null };
    return k;
  });
});

// ---- total_ordering ----

type Op = '__lt__' | '__le__' | '__gt__' | '__ge__';

/** CPython's _convert: the methods total_ordering derives from each root, as [name, derived from root result r and self == other]. */
const CONVERT: Record<Op, [Op, (r: boolean, eq: () => boolean) => boolean][]> = {
  __lt__: [
    ['__gt__', (r, eq) => !r && !eq()],
    ['__le__', (r, eq) => r || eq()],
    ['__ge__', (r) => !r],
  ],
  __le__: [
    ['__ge__', (r, eq) => !r || eq()],
    ['__lt__', (r, eq) => r && !eq()],
    ['__gt__', (r) => !r],
  ],
  __gt__: [
    ['__lt__', (r, eq) => !r && !eq()],
    ['__ge__', (r, eq) => r || eq()],
    ['__le__', (r) => !r],
  ],
  __ge__: [
    ['__le__', (r, eq) => !r || eq()],
    ['__gt__', (r, eq) => r && !eq()],
    ['__lt__', (r) => !r],
  ],
};

const totalOrdering = builtin('total_ordering', (call) => {
  const cls = call.args[0];
  if (!(cls instanceof PyClass)) throw typeError(`'${typeOf(cls ?? null).name}' object is not a class`);
  const roots = (Object.keys(CONVERT) as Op[]).filter((op) => cls.lookup(op) !== objectClass.dict.get(op) && cls.lookup(op) !== undefined);
  if (roots.length === 0) throw new PyError('ValueError', 'must define at least one ordering operation: < > <= >=');
  const root = roots.reduce((a, b) => (a > b ? a : b));
  const rootFn = cls.lookup(root)!;
  for (const [name, derive] of CONVERT[root]) {
    if (roots.includes(name)) continue;
    cls.dict.set(
      name,
      new MethodDescriptor(name, cls, (self, c) => {
        const other = c.args[0]!;
        const r = callBound(rootFn, self, [other]);
        if (r === NotImplemented) return r;
        return derive(truthy(r), () => eqBool(self, other));
      }),
    );
  }
  bumpClassEpoch();
  return cls;
});

/** The module's attributes, shared by every run (they keep no state). */
const shared = new Map<string, PyValue>([...[reduce, updateWrapperBuiltin, wraps, lruCache, cache, cmpToKey, totalOrdering].map((v) => [v.name, v] as const), ['partial', partial]]);

registerLibrary({
  name: 'functools',
  install(modules) {
    modules.module('functools').base = shared;
  },
});
