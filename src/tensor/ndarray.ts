/**
 * Dense strided arrays: the numeric storage under every tensor. Knows
 * shapes, strides, views and dtypes; knows nothing of gradients.
 */
import type { DType } from './dtype.js';
import { LimitError, PyError, runtimeError } from './errors.js';
import { newBuffer, recycle } from './pool.js';

export type Buffer = Float32Array | Float64Array;

/** Largest tensor dzdx allocates: scripts are untrusted, memory is not. */
export const MAX_ELEMENTS = 10_000_000;

/**
 * PyTorch's version counter: shared by a tensor, its views and `detach()`,
 * bumped by every in-place change. `.data` gets a counter of its own, which
 * is why autograd cannot see changes made through it.
 */
export class VersionCounter {
  value = 0;
  bump(): void {
    this.value++;
  }
}

/** Throws dzdx's LimitError for a tensor of more than MAX_ELEMENTS elements. */
export function checkElements(n: number): void {
  if (n > MAX_ELEMENTS) {
    throw new LimitError(`tensor of ${n} elements is larger than dzdx's limit of ${MAX_ELEMENTS} elements`);
  }
}

export function allocate(dtype: DType, n: number): Buffer {
  checkElements(n);
  // float32 rounds on every store, exactly as float32 kernels do;
  // int64, uint8 and bool hold whole numbers in doubles (int64 exact up to 2^53).
  return newBuffer(dtype === 'float32', n);
}

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** Store a computed value as the dtype holds it (ints truncate, bools are 0/1). */
export function castValue(dtype: DType, v: number): number {
  if (dtype === 'bool') return v !== 0 && !Number.isNaN(v) ? 1 : 0;
  if (dtype === 'int64') return Number.isFinite(v) ? Math.trunc(v) + 0 : v;
  // uint8 wraps as C++'s conversion of an integer to uint8_t does.
  if (dtype === 'uint8') return Number.isFinite(v) ? ((Math.trunc(v) % 256) + 256) % 256 : 0;
  return v;
}

/**
 * The shape and strides of the last contiguous array made: a loop's
 * results of one shape share them (never written: shapes and strides are
 * readonly) instead of two new arrays each.
 */
let lastShape: readonly number[] = [];
let lastStrides: readonly number[] = [];

/** `shape` as a contiguous array's own (the shared one when it is the last shape made); its strides are then `lastStrides`. */
function contiguousShape(shape: readonly number[]): readonly number[] {
  if (!sameShape(shape, lastShape)) {
    lastShape = [...shape];
    lastStrides = contiguousStrides(shape);
  }
  return lastShape;
}

export class NDArray {
  /**
   * The version counter, shared by views; null until asked for (most
   * arrays are never viewed, saved or changed in place, and a script loop
   * makes hundreds of thousands of them).
   */
  private counter: VersionCounter | null;

  constructor(
    readonly buffer: Buffer,
    readonly dtype: DType,
    readonly shape: readonly number[],
    readonly strides: readonly number[],
    readonly offset: number,
    /** null: a counter of its own, made when first asked for. */
    version: VersionCounter | null,
  ) {
    this.counter = version;
  }

  get version(): VersionCounter {
    return (this.counter ??= new VersionCounter());
  }

  static fromValues(values: ArrayLike<number>, shape: readonly number[], dtype: DType): NDArray {
    const n = numelOf(shape);
    const buffer = allocate(dtype, n);
    // Floats need no cast beyond the typed array's own rounding on store.
    if ((dtype === 'float32' || dtype === 'float64') && values.length === n) buffer.set(values);
    else for (let i = 0; i < n; i++) buffer[i] = castValue(dtype, values[i]!);
    return NDArray.adopt(buffer, shape, dtype);
  }

  static full(shape: readonly number[], value: number, dtype: DType): NDArray {
    const buffer = allocate(dtype, numelOf(shape));
    buffer.fill(castValue(dtype, value));
    return NDArray.adopt(buffer, shape, dtype);
  }

  static scalar(value: number, dtype: DType): NDArray {
    return NDArray.full([], value, dtype);
  }

  get ndim(): number {
    return this.shape.length;
  }

  get numel(): number {
    return numelOf(this.shape);
  }

  isContiguous(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== expected) return false;
      expected *= this.shape[i]!;
    }
    return true;
  }

  /** Buffer offsets of every element in row-major order. */
  offsets(): Int32Array | number[] {
    const n = this.numel;
    if (this.isContiguous()) {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = this.offset + i;
      return out;
    }
    const out = new Int32Array(n);
    const nd = this.shape.length;
    const index = new Array<number>(nd).fill(0);
    let off = this.offset;
    for (let i = 0; i < n; i++) {
      out[i] = off;
      for (let d = nd - 1; d >= 0; d--) {
        index[d]!++;
        off += this.strides[d]!;
        if (index[d]! < this.shape[d]!) break;
        off -= this.strides[d]! * this.shape[d]!;
        index[d] = 0;
      }
    }
    return out;
  }

  /** The elements in row-major order, as doubles. */
  values(): Float64Array {
    const out = new Float64Array(this.numel);
    this.readInto(out);
    return out;
  }

  /** Write the elements in row-major order into `out` (from index 0). */
  readInto(out: Buffer): void {
    // Typed-array set copies without the iterator protocol that Float64Array.from goes through.
    if (this.isContiguous()) {
      out.set(this.buffer.subarray(this.offset, this.offset + this.numel));
      return;
    }
    if (this.shape.length === 2) {
      this.readMatrixInto(out);
      return;
    }
    // A strided walk: the last dim in a tight loop, the others by an index
    // (no offsets table; a transposed matrix or a broadcast value alike).
    const nd = this.shape.length;
    const n = this.numel;
    const last = this.shape[nd - 1]!;
    const lastStride = this.strides[nd - 1]!;
    const index = new Array<number>(nd - 1).fill(0);
    let base = this.offset;
    for (let k = 0; k < n; ) {
      for (let j = 0; j < last; j++) out[k++] = this.buffer[base + j * lastStride]!;
      for (let d = nd - 2; d >= 0; d--) {
        index[d]!++;
        base += this.strides[d]!;
        if (index[d]! < this.shape[d]!) break;
        base -= this.strides[d]! * this.shape[d]!;
        index[d] = 0;
      }
    }
  }

  /**
   * readInto for a strided matrix, in tiles of 32×32: a transposed weight
   * read row by row would take a cache miss for every element.
   */
  private readMatrixInto(out: Buffer): void {
    const [rows, cols] = this.shape as [number, number];
    const [rowStride, colStride] = this.strides as [number, number];
    const buffer = this.buffer;
    const TILE = 32;
    for (let i0 = 0; i0 < rows; i0 += TILE) {
      const i1 = Math.min(i0 + TILE, rows);
      for (let j0 = 0; j0 < cols; j0 += TILE) {
        const j1 = Math.min(j0 + TILE, cols);
        for (let i = i0; i < i1; i++) {
          const from = this.offset + i * rowStride;
          for (let j = j0; j < j1; j++) out[i * cols + j] = buffer[from + j * colStride]!;
        }
      }
    }
  }

  /**
   * The elements in row-major order for reading: its own storage when it is
   * contiguous (no copy, and no view object for a whole buffer), else
   * values().
   */
  elements(): Buffer {
    if (!this.isContiguous()) return this.values();
    const n = this.numel;
    return this.offset === 0 && this.buffer.length === n ? this.buffer : this.buffer.subarray(this.offset, this.offset + n);
  }

  item(): number {
    return this.buffer[this.offset]!;
  }

  /** A fresh contiguous buffer of the dtype's array type as an array of `shape`: no copy. */
  static adopt(buffer: Buffer, shape: readonly number[], dtype: DType): NDArray {
    return new NDArray(buffer, dtype, contiguousShape(shape), lastStrides, 0, null);
  }

  /** A contiguous copy (with a fresh version counter), optionally in another dtype. */
  copy(dtype: DType = this.dtype): NDArray {
    // A contiguous array lies in its buffer: one typed-array copy.
    if (dtype === this.dtype && this.isContiguous()) {
      const out = allocate(dtype, this.numel);
      out.set(this.buffer.subarray(this.offset, this.offset + out.length));
      return NDArray.adopt(out, this.shape, dtype);
    }
    return NDArray.fromValues(this.values(), this.shape, dtype);
  }

  /** Same storage and counter, other geometry: every view op ends here. */
  view(shape: readonly number[], strides: readonly number[], offset = this.offset): NDArray {
    return new NDArray(this.buffer, this.dtype, shape, strides, offset, this.version);
  }

  /** The same storage under a new version counter: what `.data` returns. */
  withOwnVersion(): NDArray {
    return new NDArray(this.buffer, this.dtype, this.shape, this.strides, this.offset, null);
  }

  /** Write `values` (row-major, already broadcast to this shape) into this array's storage. */
  assign(values: ArrayLike<number>): void {
    // Floats need no cast beyond the typed array's own rounding on store.
    if ((this.dtype === 'float32' || this.dtype === 'float64') && this.isContiguous() && values.length === this.numel) {
      this.buffer.set(values, this.offset);
      return;
    }
    const offsets = this.offsets();
    for (let i = 0; i < offsets.length; i++) this.buffer[offsets[i]!] = castValue(this.dtype, values[i]!);
  }
}

/**
 * Run `use` on a's elements in row-major order: its own storage when it is
 * contiguous, else a copy in a pooled buffer of its dtype, recycled when
 * `use` returns (`use` must not keep it). The transposed weight that every
 * matrix product of a training loop reads then costs no fresh memory.
 */
export function withElements<T>(a: NDArray, use: (xs: Buffer) => T): T {
  if (a.isContiguous()) return use(a.elements());
  const copy = allocate(a.dtype, a.numel);
  a.readInto(copy);
  try {
    return use(copy);
  } finally {
    recycle(copy);
  }
}

/**
 * `target += g` elementwise in target's storage (target contiguous, g of
 * its shape in any layout): each element target + g rounded to target's
 * dtype, the bits of an out-of-place sum.
 */
export function addInto(target: NDArray, g: NDArray): void {
  const buffer = target.buffer;
  withElements(g, (xs) => {
    // Stryker disable next-line EqualityOperator: a typed-array write one past the end is ignored
    for (let i = 0, o = target.offset; i < xs.length; i++, o++) buffer[o] = buffer[o]! + xs[i]!;
  });
}

/**
 * `target *= g` as addInto does `+=`: the bits of an out-of-place product.
 * (A loop of its own: one loop with both arms, compiled by V8 while it runs
 * one of them, is thrown away when the other comes.)
 */
export function mulInto(target: NDArray, g: NDArray): void {
  const buffer = target.buffer;
  withElements(g, (xs) => {
    // Stryker disable next-line EqualityOperator: a typed-array write one past the end is ignored
    for (let i = 0, o = target.offset; i < xs.length; i++, o++) buffer[o] = buffer[o]! * xs[i]!;
  });
}

/** Two shapes are the same (without building strings). */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `torch.Size([2, 3])` */
export function sizeString(shape: readonly number[]): string {
  return `torch.Size([${shape.join(', ')}])`;
}

/** Broadcast two shapes with PyTorch's message on mismatch. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  // From the last dim backwards, as PyTorch checks (and reports) them.
  for (let i = n - 1; i >= 0; i--) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw runtimeError(
        `The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** A view of `a` broadcast to `shape` (stride 0 along expanded dims). */
export function broadcastTo(a: NDArray, shape: readonly number[]): NDArray {
  const lead = shape.length - a.ndim;
  const strides = shape.map((size, i) => {
    const j = i - lead;
    if (j < 0) return 0;
    return a.shape[j] === 1 && size !== 1 ? 0 : a.strides[j]!;
  });
  return a.view([...shape], strides);
}

/** Wrap a possibly negative dim as PyTorch does, with its IndexError text. */
export function normalizeDim(dim: number, ndim: number): number {
  const n = Math.max(ndim, 1);
  if (dim < -n || dim >= n) {
    throw new PyError(
      'IndexError',
      `Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`,
    );
  }
  return dim < 0 ? dim + n : dim;
}
