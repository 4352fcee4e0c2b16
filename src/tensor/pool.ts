/**
 * Reuse of large buffers. A fresh buffer costs its page faults on first
 * write (measured on the 2-core VM: about 11 ms per 4 MB, as much as the
 * arithmetic of a dozen ops on it), so a buffer known to be dead is kept
 * here and handed to the next allocation of the same length and type.
 *
 * Nothing here decides that a buffer is dead: JavaScript's collector frees
 * buffers too late to reuse them within a script. Their users recycle
 * them where they know: an in-place op the result it copied into self
 * (src/ops/registry.ts), withElements the copy it read a strided array
 * into (ndarray.ts), the autograd engine the gradients of a backward
 * pass it runs alone (src/autograd/grad-recycler.ts), for which it asks
 * this module to note the large buffers born during the pass, and the
 * interpreter a script's temporaries, the results an expression's ops
 * made and consumed (src/program/temporaries.ts), for which it asks
 * whether a result was born in its op and whether a graph keeps it; a
 * temporary that only a graph keeps is recycled when the graph's backward
 * lets it go.
 */
import type { Buffer } from './ndarray.js';

/** Buffers below this many elements are cheap to make: not pooled, not tracked. */
const DEFAULT_MIN_ELEMENTS = 1 << 16;
/** The most bytes kept for reuse (the rest is left to the collector). */
const POOL_MAX_BYTES = 128 << 20;

let minElements = DEFAULT_MIN_ELEMENTS;
const free32 = new Map<number, Float32Array[]>();
const free64 = new Map<number, Float64Array[]>();
let pooledBytes = 0;
/** The storages in the pool: a buffer recycled twice would be handed out twice. */
const pooled = new Set<ArrayBufferLike>();
/** Large buffers made while a backward pass tracks births, by their storage (null: none does). */
let born: Map<ArrayBufferLike, Buffer> | null = null;

/** How many large buffers were made and reused (for tests and benchmarks). */
export const poolCounts = { fresh: 0, reused: 0 };

/** How many large buffers newBuffer has handed out, and the storage of the last. */
let births = 0;
let lastBorn: ArrayBufferLike | null = null;
/** How many saved tensors of a graph hold each large storage. */
const keptBy = new WeakMap<ArrayBufferLike, number>();
/** Script temporaries that only saved tensors hold (src/program/temporaries.ts): no script can reach them. */
const orphans = new WeakSet<ArrayBufferLike>();

/** A zeroed buffer of `n` elements: a recycled one when there is one. */
export function newBuffer(float32: boolean, n: number): Buffer {
  if (n < minElements) return float32 ? new Float32Array(n) : new Float64Array(n);
  const reused = (float32 ? free32.get(n) : free64.get(n))?.pop();
  let buffer: Buffer;
  if (reused) {
    pooled.delete(reused.buffer);
    pooledBytes -= reused.byteLength;
    poolCounts.reused++;
    buffer = reused.fill(0);
  } else {
    poolCounts.fresh++;
    buffer = float32 ? new Float32Array(n) : new Float64Array(n);
  }
  born?.set(buffer.buffer, buffer);
  births++;
  lastBorn = buffer.buffer;
  return buffer;
}

/** A mark to pass to bornSince(). */
export function birthCount(): number {
  return births;
}

/** Whether `buffer` is the last large buffer handed out, and since `mark`: no one but its maker has it. */
export function bornSince(mark: number, buffer: Buffer): boolean {
  return births > mark && buffer.buffer === lastBorn;
}

/** A saved tensor holds `buffer`: never recycled as a temporary while it does. */
export function keep(buffer: Buffer): void {
  if (!isPooled(buffer)) return;
  const storage = buffer.buffer;
  keptBy.set(storage, (keptBy.get(storage) ?? 0) + 1);
}

export function isKept(buffer: Buffer): boolean {
  return keptBy.has(buffer.buffer);
}

/**
 * A saved tensor let `buffer` go (its node's backward ran). The last to let
 * an orphan go recycles it, during a backward pass that tracks births (one
 * that runs only registry formulas: nothing else can hold it).
 */
export function letGo(buffer: Buffer): void {
  if (!isPooled(buffer)) return;
  const storage = buffer.buffer;
  const count = keptBy.get(storage);
  if (count === undefined) return;
  if (count > 1) {
    keptBy.set(storage, count - 1);
    return;
  }
  keptBy.delete(storage);
  if (orphans.delete(storage) && born !== null) recycle(buffer);
}

/** `buffer` is a script temporary that saved tensors keep (and nothing else). */
export function orphan(buffer: Buffer): void {
  orphans.add(buffer.buffer);
}

/** A script got hold of `buffer` (`grad_fn._saved_self`): it is no orphan. */
export function adopt(buffer: Buffer): void {
  if (isPooled(buffer)) orphans.delete(buffer.buffer);
}

/**
 * Note the large buffers made until `stop()` is called, by their storage
 * (views and subarrays share it): they are the ones the caller may prove
 * dead. Tracking nests, each level its own map.
 */
export function trackBirths(): { births: Map<ArrayBufferLike, Buffer>; stop(): void } {
  const outer = born;
  const births = new Map<ArrayBufferLike, Buffer>();
  born = births;
  return {
    births,
    stop() {
      born = outer;
    },
  };
}

/** `buffer` outlives the pass that is tracking births (it is kept elsewhere): not the pass's to recycle. */
export function unborn(buffer: Buffer): void {
  // Only large buffers are noted; a small one's storage is not even asked for.
  if (born !== null && isPooled(buffer)) born.delete(buffer.buffer);
}

/** Keep `buffer` (dead: nothing will read or write it again) for reuse. */
export function recycle(buffer: Buffer): void {
  if (!isPooled(buffer) || pooledBytes + buffer.byteLength > POOL_MAX_BYTES) return;
  const storage = buffer.buffer;
  if (pooled.has(storage)) return;
  // A backward pass tracking it must not recycle it again.
  born?.delete(storage);
  pooled.add(storage);
  pooledBytes += buffer.byteLength;
  const free = buffer instanceof Float32Array ? free32 : free64;
  const stack = free.get(buffer.length) as Buffer[] | undefined;
  if (stack) stack.push(buffer);
  else (free as Map<number, Buffer[]>).set(buffer.length, [buffer]);
}

/** Whether `buffer` is large enough to be pooled (smaller ones are left to the collector). */
export function isPooled(buffer: Buffer): boolean {
  return buffer.length >= minElements;
}

/** recycle(buffer), unless it shares storage with one of `live` (a kernel may hand back an input's). */
export function recycleUnlessShared(buffer: Buffer, live: readonly Buffer[]): void {
  if (!isPooled(buffer)) return;
  const storage = buffer.buffer;
  if (!live.some((b) => b.buffer === storage)) recycle(buffer);
}

/**
 * Pool (and track) buffers from `n` elements on, emptying the pool; no
 * argument restores the default. Tests set 1 to put every gradient of
 * every fixture through the recycling.
 */
export function setPoolThreshold(n = DEFAULT_MIN_ELEMENTS): void {
  minElements = n;
  free32.clear();
  free64.clear();
  pooled.clear();
  pooledBytes = 0;
}
