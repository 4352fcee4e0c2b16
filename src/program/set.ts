/**
 * Python's set and frozenset. Python iterates (and prints) a set in the
 * order of its hash table, so this is CPython 3.11's open-addressing table
 * (setobject.c: linear probes of 9, then perturbed probing, growth at 3/5
 * full) over CPython's hashes: `{3, 1, 2}` prints `{1, 2, 3}` as in Python.
 * (Strings hash randomly per Python process; here by a fixed hash.)
 */
import { PyError } from '../tensor/errors.js';
import { eqBool } from './operators.js';
import { encode, hashOfHashes, pyHash } from './hash.js';
import { frozensetClass, PyObject, setClass, type PyClass, type PyValue } from './values.js';

interface Entry {
  key: PyValue;
  hash: bigint;
}

const DUMMY: Entry = { key: null, hash: -1n };
const MIN_SIZE = 8;
const LINEAR_PROBES = 9;

export class PySet extends PyObject {
  private table: (Entry | null)[] = new Array(MIN_SIZE).fill(null);
  private mask = MIN_SIZE - 1;
  private fill = 0;
  private used = 0;
  private hashCache: bigint | null = null;

  constructor(readonly frozen = false) {
    super();
  }

  pyType(): PyClass {
    return this.frozen ? frozensetClass : setClass;
  }

  get unhashable(): boolean {
    return !this.frozen;
  }

  get size(): number {
    return this.used;
  }

  /** The slot holding `key`, or -1. */
  private lookup(key: PyValue, hash: bigint): number {
    const mask = this.mask;
    let perturb = BigInt.asUintN(64, hash);
    let i = Number(perturb & BigInt(mask));
    for (;;) {
      const probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
      for (let j = 0; j <= probes; j++) {
        const e = this.table[i + j]!;
        if (e === null) return -1;
        if (e !== DUMMY && e.hash === hash && (e.key === key || eqBool(e.key, key))) return i + j;
      }
      perturb >>= 5n;
      i = Number((BigInt(i) * 5n + 1n + perturb) & BigInt(mask));
    }
  }

  has(key: PyValue): boolean {
    return this.lookup(key, pyHash(key)) >= 0;
  }

  add(key: PyValue, hash = pyHash(key)): void {
    const mask = this.mask;
    let perturb = BigInt.asUintN(64, hash);
    let i = Number(perturb & BigInt(mask));
    let freeslot = -1;
    for (;;) {
      const probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
      for (let j = 0; j <= probes; j++) {
        const e = this.table[i + j]!;
        if (e === null) {
          if (freeslot >= 0) {
            this.table[freeslot] = { key, hash };
            this.used++;
            this.hashCache = null;
            return;
          }
          this.table[i + j] = { key, hash };
          this.fill++;
          this.used++;
          this.hashCache = null;
          if (this.fill * 5 >= mask * 3) this.resize(this.used > 50000 ? this.used * 2 : this.used * 4);
          return;
        }
        if (e === DUMMY) {
          freeslot = i + j;
          continue;
        }
        if (e.hash === hash && (e.key === key || eqBool(e.key, key))) return;
      }
      perturb >>= 5n;
      i = Number((BigInt(i) * 5n + 1n + perturb) & BigInt(mask));
    }
  }

  private resize(minUsed: number): void {
    let size = MIN_SIZE;
    while (size <= minUsed) size <<= 1;
    const old = this.table;
    this.table = new Array(size).fill(null);
    this.mask = size - 1;
    this.fill = this.used;
    for (const e of old) if (e !== null && e !== DUMMY) this.insertClean(e);
  }

  private insertClean(e: Entry): void {
    const mask = this.mask;
    let perturb = BigInt.asUintN(64, e.hash);
    let i = Number(perturb & BigInt(mask));
    for (;;) {
      if (this.table[i] === null) {
        this.table[i] = e;
        return;
      }
      if (i + LINEAR_PROBES <= mask) {
        for (let j = 1; j <= LINEAR_PROBES; j++) {
          if (this.table[i + j] === null) {
            this.table[i + j] = e;
            return;
          }
        }
      }
      perturb >>= 5n;
      i = Number((BigInt(i) * 5n + 1n + perturb) & BigInt(mask));
    }
  }

  /** Removes `key`; false when absent. */
  discard(key: PyValue): boolean {
    const i = this.lookup(key, pyHash(key));
    if (i < 0) return false;
    this.table[i] = DUMMY;
    this.used--;
    this.hashCache = null;
    return true;
  }

  clear(): void {
    this.table = new Array(MIN_SIZE).fill(null);
    this.mask = MIN_SIZE - 1;
    this.fill = 0;
    this.used = 0;
    this.hashCache = null;
  }

  /** Elements in table order, live: a change of size while iterating is Python's RuntimeError. */
  *[Symbol.iterator](): Generator<PyValue> {
    const size = this.used;
    const table = this.table;
    for (const e of table) {
      if (this.used !== size || this.table !== table) throw new PyError('RuntimeError', 'Set changed size during iteration');
      if (e !== null && e !== DUMMY) yield e.key;
    }
  }

  private *entries(): Generator<Entry> {
    for (const e of this.table) if (e !== null && e !== DUMMY) yield e;
  }

  /** set_merge: add every element of another set (one resize first, as CPython). */
  update(other: PySet): void {
    if (other === this || other.used === 0) return;
    if ((this.fill + other.used) * 5 >= this.mask * 3) this.resize((this.used + other.used) * 2);
    if (this.fill === 0 && this.mask === other.mask && other.fill === other.used) {
      this.table = other.table.map((e) => e);
      this.fill = other.fill;
      this.used = other.used;
      this.hashCache = null;
      return;
    }
    for (const e of other.entries()) this.add(e.key, e.hash);
  }

  addAll(values: Iterable<PyValue>): void {
    for (const v of values) this.add(v);
  }

  copy(frozen = this.frozen): PySet {
    const s = new PySet(frozen);
    s.update(this);
    return s;
  }

  /** frozenset's hash. */
  pyHash(): bigint {
    if (!this.frozen) throw new PyError('TypeError', "unhashable type: 'set'");
    this.hashCache ??= hashOfHashes([...this.entries()].map((e) => e.hash));
    return this.hashCache;
  }

  /** A frozenset as (part of) a dict key. */
  keyEncoding(): string {
    if (!this.frozen) throw new PyError('TypeError', "unhashable type: 'set'");
    return `{${[...this].map(encode).sort().join(',')}}`;
  }
}
