/**
 * Which large gradient buffers of a backward pass are dead, so that the
 * pool (src/tensor/pool.ts) can hand them to the pass's next allocations
 * instead of fresh memory, and which may be changed in place or become a
 * leaf's `.grad` without a copy, as PyTorch does when it holds the only
 * reference.
 *
 * The proof needs a pass that runs only the registry's formulas: no user
 * code (hooks, custom Functions), no recording (create_graph, a tape
 * listener, a backward observer), so nothing but the engine's gradient
 * slots can hold a buffer made during the pass. Such a buffer is dead once
 * no slot holds it, unless it left the pass: as a leaf's `.grad` or as an
 * `autograd.grad` result.
 */
import type { NDArray } from '../tensor/ndarray.js';
import { recycle, trackBirths } from '../tensor/pool.js';
import type { Tensor } from './tensor.js';

export class GradRecycler {
  private readonly tracking = trackBirths();
  /** How many gradient slots hold each buffer born in the pass. */
  private readonly held = new Map<ArrayBufferLike, number>();

  private born(g: Tensor): ArrayBufferLike | null {
    const births = this.tracking.births;
    // Most passes make no large buffer; asking a small typed array for its storage would allocate one.
    if (births.size === 0) return null;
    const storage = g.array.buffer.buffer;
    return births.has(storage) ? storage : null;
  }

  /** A gradient slot took `g`. */
  hold(g: Tensor): void {
    const storage = this.born(g);
    if (storage) this.held.set(storage, (this.held.get(storage) ?? 0) + 1);
  }

  /** A gradient slot let `g` go. */
  release(g: Tensor): void {
    const storage = this.born(g);
    if (storage) this.held.set(storage, this.held.get(storage)! - 1);
  }

  /** `g` leaves the pass (a leaf's `.grad`, a result): it is no longer the pass's to recycle. */
  escape(g: Tensor): void {
    const storage = this.born(g);
    if (storage) {
      this.tracking.births.delete(storage);
      this.held.delete(storage);
    }
  }

  /**
   * Nothing but `slots` gradient slots holds `g`'s buffer, and `g` covers
   * all of it: it may be written in place or given away.
   */
  ownsWhole(g: Tensor, slots: number): boolean {
    const storage = this.born(g);
    return storage !== null && (this.held.get(storage) ?? 0) === slots && coversBuffer(g.array);
  }

  /** After a node ran: the buffers born in the pass that no slot holds are dead. */
  sweep(): void {
    const births = this.tracking.births;
    if (births.size === 0) return;
    for (const [storage, buffer] of births) {
      if (this.held.get(storage)) continue;
      births.delete(storage);
      this.held.delete(storage);
      recycle(buffer);
    }
  }

  /** The pass ended (or failed): stop noting births; what is still held is the caller's. */
  stop(): void {
    this.tracking.stop();
  }
}

function coversBuffer(a: NDArray): boolean {
  return a.offset === 0 && a.buffer.length === a.numel && a.isContiguous();
}
