/**
 * Python's `itertools`: lazy iterators over the script's iterables (count,
 * cycle, repeat, accumulate, chain, compress, dropwhile, takewhile,
 * filterfalse, groupby, islice, starmap, zip_longest, pairwise, product,
 * permutations, combinations, combinations_with_replacement), each a class
 * of module `itertools` as in CPython (`<itertools.chain object at 0x…>`).
 * Loops that skip values tick the run's step bound, so an endless input
 * ends with the bound's exit 2.
 */
import { PyError } from '../tensor/errors.js';
import { bind } from '../program/args.js';
import { iterate, toArray } from '../program/iteration.js';
import { registerLibrary } from '../program/modules.js';
import { callValue, tick } from '../program/objects.js';
import { binary, eqBool, truthy } from '../program/operators.js';
import { repr } from '../program/repr.js';
import { Builtin, objectClass, PyClass, PyIterator, PyStaticMethod, PyTuple, typeOf, type CallArgs, type PyValue } from '../program/values.js';

type Source = (call: CallArgs) => Iterator<PyValue>;

/** An itertools class: calling it makes an iterator of that class. */
function iteratorType(name: string, source: Source, repr?: (call: CallArgs) => () => string): PyClass {
  const cls: PyClass = new PyClass(name, [objectClass], new Map(), {
    module: 'itertools',
    builtin: true,
    construct: (_c, call) => {
      const it = new PyIterator(cls, source(call));
      if (repr) (it as unknown as { repr: () => string }).repr = repr(call);
      return it;
    },
  });
  return cls;
}

const typeError = (m: string) => new PyError('TypeError', m);
const valueError = (m: string) => new PyError('ValueError', m);

function noKwargs(name: string, call: CallArgs): void {
  if (call.kwargs.size) throw typeError(`${name}() takes no keyword arguments`);
}

function intArg(v: PyValue, message: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  throw valueError(message);
}

function iterOf(v: PyValue): Iterator<PyValue> {
  return iterate(v)[Symbol.iterator]();
}

const count = iteratorType(
  'count',
  (call) => {
    const { start, step } = bind('count', call, ['start=', 'step=']);
    let n: PyValue = start ?? 0n;
    const d: PyValue = step ?? 1n;
    return (function* () {
      for (;;) {
        yield n;
        n = binary('+', n, d);
      }
    })();
  },
  (call) => () => {
    const { start, step } = bind('count', call, ['start=', 'step=']);
    return step === undefined || step === 1n ? `count(${repr(start ?? 0n)})` : `count(${repr(start ?? 0n)}, ${repr(step)})`;
  },
);

const cycle = iteratorType('cycle', (call) => {
  noKwargs('cycle', call);
  if (call.args.length !== 1) throw typeError(`cycle expected 1 argument, got ${call.args.length}`);
  const source = iterOf(call.args[0]!);
  return (function* () {
    const saved: PyValue[] = [];
    for (let r = source.next(); !r.done; r = source.next()) {
      saved.push(r.value);
      yield r.value;
    }
    if (saved.length === 0) return;
    for (;;) for (const v of saved) yield v;
  })();
});

const repeat = iteratorType(
  'repeat',
  (call) => {
    const { object, times } = bind('repeat', call, ['object', 'times=']);
    const n = times === undefined ? -1n : intArg(times, 'times must be an integer');
    return (function* () {
      if (n < 0n && times === undefined) for (;;) yield object!;
      for (let i = 0n; i < n; i++) yield object!;
    })();
  },
  (call) => () => {
    const { object, times } = bind('repeat', call, ['object', 'times=']);
    return times === undefined ? `repeat(${repr(object!)})` : `repeat(${repr(object!)}, ${repr(times)})`;
  },
);

const accumulate = iteratorType('accumulate', (call) => {
  const { iterable, func, initial } = bind('accumulate', call, ['iterable', 'func=', 'initial=']);
  const source = iterOf(iterable!);
  const f = func === undefined || func === null ? null : func;
  return (function* () {
    let total: PyValue | undefined = initial === undefined || initial === null ? undefined : initial;
    if (total !== undefined) yield total;
    for (let r = source.next(); !r.done; r = source.next()) {
      total = total === undefined ? r.value : f ? callValue(f, [total, r.value]) : binary('+', total, r.value);
      yield total;
    }
  })();
});

function* chainOf(iterables: Iterator<PyValue>): Generator<PyValue> {
  for (let r = iterables.next(); !r.done; r = iterables.next()) yield* iterate(r.value);
}

const chain = iteratorType('chain', (call) => {
  noKwargs('chain', call);
  return chainOf(call.args[Symbol.iterator]());
});
chain.dict.set(
  'from_iterable',
  new PyStaticMethod(
    new Builtin('from_iterable', (call) => {
      if (call.args.length !== 1) throw typeError(`chain.from_iterable() takes exactly one argument (${call.args.length} given)`);
      return new PyIterator(chain, chainOf(iterOf(call.args[0]!)));
    }),
  ),
);

const compress = iteratorType('compress', (call) => {
  const { data, selectors } = bind('compress', call, ['data', 'selectors']);
  const d = iterOf(data!);
  const s = iterOf(selectors!);
  return (function* () {
    for (;;) {
      const a = d.next();
      const b = s.next();
      if (a.done || b.done) return;
      if (truthy(b.value)) yield a.value;
      else tick();
    }
  })();
});

function predicateType(name: string, body: (pred: PyValue, source: Iterator<PyValue>) => Generator<PyValue>): PyClass {
  return iteratorType(name, (call) => {
    noKwargs(name, call);
    if (call.args.length !== 2) throw typeError(`${name} expected 2 arguments, got ${call.args.length}`);
    return body(call.args[0]!, iterOf(call.args[1]!));
  });
}

const test = (pred: PyValue, v: PyValue) => truthy(pred === null ? v : callValue(pred, [v]));

const dropwhile = predicateType('dropwhile', function* (pred, source) {
  let dropping = true;
  for (let r = source.next(); !r.done; r = source.next()) {
    if (dropping && test(pred, r.value)) {
      tick();
      continue;
    }
    dropping = false;
    yield r.value;
  }
});

const takewhile = predicateType('takewhile', function* (pred, source) {
  for (let r = source.next(); !r.done; r = source.next()) {
    if (!test(pred, r.value)) return;
    yield r.value;
  }
});

const filterfalse = predicateType('filterfalse', function* (pred, source) {
  for (let r = source.next(); !r.done; r = source.next()) {
    if (test(pred, r.value)) tick();
    else yield r.value;
  }
});

const grouperClass = new PyClass('_grouper', [objectClass], new Map(), { module: 'itertools', builtin: true, final: true });

const groupby = iteratorType('groupby', (call) => {
  const { iterable, key } = bind('groupby', call, ['iterable', 'key=']);
  const source = iterOf(iterable!);
  const keyOf = (v: PyValue) => (key === undefined || key === null ? v : callValue(key, [v]));
  return (function* () {
    let r = source.next();
    while (!r.done) {
      const k = keyOf(r.value);
      const first = r.value;
      let groupDone = false;
      // The group shares the source: advancing groupby skips what the group did not consume.
      const group = new PyIterator(
        grouperClass,
        (function* () {
          yield first;
          for (;;) {
            r = source.next();
            if (r.done || !eqBool(keyOf(r.value), k)) {
              groupDone = true;
              return;
            }
            yield r.value;
          }
        })(),
      );
      yield new PyTuple([k, group]);
      while (!groupDone) {
        tick();
        if (group.next() === undefined) break;
      }
    }
  })();
});

const islice = iteratorType('islice', (call) => {
  noKwargs('islice', call);
  const args = call.args;
  if (args.length < 2 || args.length > 4) throw typeError(`islice expected at most 4 arguments, got ${args.length}`);
  const source = iterOf(args[0]!);
  const bound = (v: PyValue | undefined, what: string): bigint | null => {
    if (v === undefined || v === null) return null;
    const n = typeof v === 'bigint' ? v : typeof v === 'boolean' ? BigInt(v) : null;
    if (n === null || n < 0n) throw valueError(`${what} argument for islice() must be None or an integer: 0 <= x <= sys.maxsize.`);
    return n;
  };
  let start = 0n;
  let stop: bigint | null;
  let step = 1n;
  if (args.length === 2) stop = bound(args[1], 'Stop');
  else {
    start = bound(args[1], 'Indices') ?? 0n;
    stop = bound(args[2], 'Stop');
    if (args.length === 4) {
      const s = args[3];
      if (s !== null && s !== undefined && (typeof s !== 'bigint' || s <= 0n)) throw valueError('Step for islice() must be a positive integer or None.');
      step = (s as bigint | null) ?? 1n;
    }
  }
  return (function* () {
    let next = start;
    for (let i = 0n; stop === null || i < stop; i++) {
      const r = source.next();
      if (r.done) return;
      if (i === next) {
        yield r.value;
        next += step;
      } else tick();
    }
  })();
});

const starmap = iteratorType('starmap', (call) => {
  noKwargs('starmap', call);
  if (call.args.length !== 2) throw typeError(`starmap expected 2 arguments, got ${call.args.length}`);
  const [fn, iterable] = call.args as [PyValue, PyValue];
  const source = iterOf(iterable);
  return (function* () {
    for (let r = source.next(); !r.done; r = source.next()) yield callValue(fn, toArray(r.value));
  })();
});

const zipLongest = iteratorType('zip_longest', (call) => {
  for (const k of call.kwargs.keys()) if (k !== 'fillvalue') throw typeError(`zip_longest() got an unexpected keyword argument '${k}'`);
  const fill = call.kwargs.get('fillvalue') ?? null;
  const sources = call.args.map(iterOf);
  return (function* () {
    if (sources.length === 0) return;
    const done = sources.map(() => false);
    for (;;) {
      const row: PyValue[] = [];
      let active = 0;
      for (let i = 0; i < sources.length; i++) {
        if (done[i]) {
          row.push(fill);
          continue;
        }
        const r = sources[i]!.next();
        if (r.done) {
          done[i] = true;
          row.push(fill);
        } else {
          active++;
          row.push(r.value);
        }
      }
      if (active === 0) return;
      yield new PyTuple(row);
    }
  })();
});

const pairwise = iteratorType('pairwise', (call) => {
  noKwargs('pairwise', call);
  if (call.args.length !== 1) throw typeError(`pairwise expected 1 argument, got ${call.args.length}`);
  const source = iterOf(call.args[0]!);
  return (function* () {
    let prev = source.next();
    if (prev.done) return;
    for (let r = source.next(); !r.done; r = source.next()) {
      yield new PyTuple([prev.value, r.value]);
      prev = r;
    }
  })();
});

const product = iteratorType('product', (call) => {
  for (const k of call.kwargs.keys()) if (k !== 'repeat') throw typeError(`product() got an unexpected keyword argument '${k}'`);
  const rep = call.kwargs.get('repeat') ?? 1n;
  const times = Number(intArg(rep, 'repeat argument cannot be negative'));
  if (times < 0) throw valueError('repeat argument cannot be negative');
  const base = call.args.map(toArray);
  const pools: PyValue[][] = [];
  for (let i = 0; i < times; i++) pools.push(...base);
  return (function* () {
    if (pools.some((p) => p.length === 0)) return;
    const idx = pools.map(() => 0);
    for (;;) {
      yield new PyTuple(idx.map((j, i) => pools[i]![j]!));
      let i = pools.length - 1;
      while (i >= 0 && ++idx[i]! === pools[i]!.length) idx[i--] = 0;
      if (i < 0) return;
    }
  })();
});

function rArg(v: PyValue | undefined, n: number): number {
  if (v === undefined || v === null) return n;
  if (typeof v !== 'bigint') throw typeError(`Expected int as r`);
  if (v < 0n) throw valueError('r must be non-negative');
  return Number(v);
}

const permutations = iteratorType('permutations', (call) => {
  const { iterable, r } = bind('permutations', call, ['iterable', 'r=']);
  const pool = toArray(iterable!);
  const n = pool.length;
  const k = rArg(r, n);
  return (function* () {
    if (k > n) return;
    // CPython's algorithm (lexicographic by position)
    const indices = pool.map((_, i) => i);
    const cycles = Array.from({ length: k }, (_, i) => n - i);
    yield new PyTuple(indices.slice(0, k).map((i) => pool[i]!));
    if (n === 0) return;
    for (;;) {
      let i = k - 1;
      for (; i >= 0; i--) {
        cycles[i]!--;
        if (cycles[i] === 0) {
          const [x] = indices.splice(i, 1);
          indices.push(x!);
          cycles[i] = n - i;
        } else {
          const j = cycles[i]!;
          [indices[i], indices[n - j]] = [indices[n - j]!, indices[i]!];
          yield new PyTuple(indices.slice(0, k).map((q) => pool[q]!));
          break;
        }
      }
      if (i < 0) return;
    }
  })();
});

function combinationsOf(name: string, replacement: boolean): PyClass {
  return iteratorType(name, (call) => {
    const { iterable, r } = bind(name, call, ['iterable', 'r']);
    const pool = toArray(iterable!);
    const n = pool.length;
    if (typeof r !== 'bigint') throw typeError(`'${typeOf(r ?? null).name}' object cannot be interpreted as an integer`);
    if (r < 0n) throw valueError('r must be non-negative');
    const k = Number(r);
    return (function* () {
      if (replacement) {
        if (n === 0 && k > 0) return;
        const idx = new Array<number>(k).fill(0);
        yield new PyTuple(idx.map((i) => pool[i]!));
        for (;;) {
          let i = k - 1;
          while (i >= 0 && idx[i] === n - 1) i--;
          if (i < 0) return;
          const v = idx[i]! + 1;
          for (let j = i; j < k; j++) idx[j] = v;
          yield new PyTuple(idx.map((q) => pool[q]!));
        }
      }
      if (k > n) return;
      const idx = Array.from({ length: k }, (_, i) => i);
      yield new PyTuple(idx.map((i) => pool[i]!));
      for (;;) {
        let i = k - 1;
        while (i >= 0 && idx[i] === i + n - k) i--;
        if (i < 0) return;
        idx[i]!++;
        for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1]! + 1;
        yield new PyTuple(idx.map((q) => pool[q]!));
      }
    })();
  });
}

const combinations = combinationsOf('combinations', false);
const combinationsWithReplacement = combinationsOf('combinations_with_replacement', true);

/** The module's attributes, shared by every run (they keep no state). */
const shared = new Map<string, PyValue>();
for (const cls of [count, cycle, repeat, accumulate, chain, compress, dropwhile, takewhile, filterfalse, groupby, islice, starmap, zipLongest, pairwise, product, permutations, combinations, combinationsWithReplacement]) {
  shared.set(cls.name, cls);
}

registerLibrary({
  name: 'itertools',
  install(modules) {
    modules.module('itertools').base = shared;
  },
});
