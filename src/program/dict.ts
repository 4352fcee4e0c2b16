/**
 * Python's dict: insertion-ordered, keyed by Python equality and hashing
 * (hash.ts). Also the base of collections.OrderedDict and defaultdict,
 * whose classes set `cls`.
 */
import { PyError } from '../tensor/errors.js';
import { CustomKey, dictKey } from './hash.js';
import { eqBool } from './operators.js';
import { dictClass, PyClass, PyObject, type PyValue } from './values.js';

export interface DictEntry {
  key: PyValue;
  value: PyValue;
}

export class PyDict extends PyObject {
  /** Entries in insertion order; keys from dictKey (an entry is its own key when its Python key hashes by `__hash__`). */
  private readonly map = new Map<unknown, DictEntry>();
  /** Entries whose keys have a `__hash__` of their own, by hash. */
  private custom: Map<bigint, DictEntry[]> | null = null;
  /** collections.OrderedDict, defaultdict or a subclass. */
  cls: PyClass = dictClass;
  /** defaultdict's default_factory. */
  defaultFactory: PyValue = null;
  readonly unhashable = true;

  pyType(): PyClass {
    return this.cls;
  }

  get size(): number {
    return this.map.size;
  }

  private find(key: PyValue): DictEntry | undefined {
    const k = dictKey(key);
    if (!(k instanceof CustomKey)) return this.map.get(k);
    return this.custom?.get(k.hash)?.find((e) => eqBool(e.key, key));
  }

  get(key: PyValue): PyValue | undefined {
    return this.find(key)?.value;
  }

  /** A string key's value: what instance attributes and keyword arguments use. */
  getStr(key: string): PyValue | undefined {
    return this.map.get(key.charCodeAt(0) === 0 ? '\u0000s' + key : key)?.value;
  }

  has(key: PyValue): boolean {
    return this.find(key) !== undefined;
  }

  set(key: PyValue, value: PyValue): void {
    const k = dictKey(key);
    if (!(k instanceof CustomKey)) {
      const e = this.map.get(k);
      if (e) e.value = value;
      else this.map.set(k, { key, value });
      return;
    }
    this.custom ??= new Map();
    let bucket = this.custom.get(k.hash);
    const found = bucket?.find((e) => eqBool(e.key, key));
    if (found) {
      found.value = value;
      return;
    }
    const entry = { key, value };
    if (!bucket) this.custom.set(k.hash, (bucket = []));
    bucket.push(entry);
    this.map.set(entry, entry);
  }

  /** Removes `key`; its entry, or undefined when absent. */
  delete(key: PyValue): DictEntry | undefined {
    const k = dictKey(key);
    if (!(k instanceof CustomKey)) {
      const e = this.map.get(k);
      if (e) this.map.delete(k);
      return e;
    }
    const bucket = this.custom?.get(k.hash);
    const i = bucket ? bucket.findIndex((e) => eqBool(e.key, key)) : -1;
    if (i < 0) return undefined;
    const [e] = bucket!.splice(i, 1);
    this.map.delete(e);
    return e;
  }

  clear(): void {
    this.map.clear();
    this.custom = null;
  }

  /** The entries, live: a change of size while iterating is Python's RuntimeError. */
  *entries(): Generator<DictEntry> {
    const size = this.map.size;
    for (const e of this.map.values()) {
      if (this.map.size !== size) break;
      yield e;
    }
    if (this.map.size !== size) throw new PyError('RuntimeError', 'dictionary changed size during iteration');
  }

  /** A snapshot of the entries (no mutation check): for copying and printing. */
  snapshot(): DictEntry[] {
    return [...this.map.values()];
  }

  /** The entry that would be popped by popitem() (last) or OrderedDict.popitem(last=False) (first). */
  edge(last: boolean): DictEntry | undefined {
    if (this.map.size === 0) return undefined;
    if (!last) return this.map.values().next().value;
    let e: DictEntry | undefined;
    for (e of this.map.values());
    return e;
  }

  /** OrderedDict.move_to_end. */
  moveToEnd(key: PyValue, last: boolean): boolean {
    const e = this.delete(key);
    if (!e) return false;
    if (last) {
      this.set(e.key, e.value);
      return true;
    }
    const rest = this.snapshot();
    this.clear();
    this.set(e.key, e.value);
    for (const r of rest) this.set(r.key, r.value);
    return true;
  }

  copyInto(target: PyDict): PyDict {
    for (const e of this.map.values()) target.set(e.key, e.value);
    return target;
  }
}

export function dictOf(entries: Iterable<[PyValue, PyValue]>): PyDict {
  const d = new PyDict();
  for (const [k, v] of entries) d.set(k, v);
  return d;
}
