/**
 * Numeric kernels on NDArrays: elementwise maps with broadcasting,
 * reductions and matrix products. Results are new contiguous arrays whose
 * stores round to the dtype (float32 via Float32Array), as PyTorch's
 * float32 kernels do for single operations.
 */
import type { DType } from './dtype.js';
import { runtimeError } from './errors.js';
import { applyBinary, applyTernary, applyUnary, type BinaryMath, type TernaryMath, type UnaryMath } from './numerics/elementwise.js';
import { cascadeSum } from './numerics/sum.js';
import {
  NDArray,
  allocate,
  broadcastShapes,
  broadcastTo,
  castValue,
  contiguousStrides,
  normalizeDim,
  numelOf,
  sameShape,
} from './ndarray.js';

/** The result shape of broadcasting two operands (no new array when they already agree). */
function resultShape(a: readonly number[], b: readonly number[]): readonly number[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  if (a.length === b.length) {
    let same = true;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) same = false;
    if (same) return a;
  }
  return broadcastShapes(a, b);
}

/**
 * The value every element of `a` holds when it is one element broadcast
 * (a single value, or an `expand`ed one: stride 0 wherever the size is not
 * 1), else null. Gradients of sums and means are such views.
 */
function broadcastValue(a: NDArray): number | null {
  let n = 1;
  for (let i = 0; i < a.shape.length; i++) {
    n *= a.shape[i]!;
    if (a.strides[i] !== 0 && a.shape[i] !== 1) return null;
  }
  return n === 0 ? null : a.buffer[a.offset]!;
}

/**
 * An operand's elements in row-major order for reading: its own storage
 * when it is contiguous and already of the result's shape (no copy), else
 * a broadcast copy.
 */
function readValues(a: NDArray, shape: readonly number[]): Float32Array | Float64Array {
  return sameShape(a.shape, shape) ? a.elements() : broadcastTo(a, shape).values();
}

const isFloat = (dtype: DType) => dtype === 'float32' || dtype === 'float64';

/**
 * f of every element. The loops are written out per case (float results
 * need no cast; a broadcast single value is read once) so that each stays
 * a tight loop over typed arrays. The functions are pure: a broadcast
 * value's result is computed once.
 */
export function mapUnary(a: NDArray, dtype: DType, f: (x: number) => number): NDArray {
  const n = a.numel;
  const out = allocate(dtype, n);
  const x = broadcastValue(a);
  if (x !== null) {
    out.fill(castValue(dtype, f(x)));
    return NDArray.adopt(out, a.shape, dtype);
  }
  const xs = readValues(a, a.shape);
  if (isFloat(dtype)) for (let i = 0; i < n; i++) out[i] = f(xs[i]!);
  else for (let i = 0; i < n; i++) out[i] = castValue(dtype, f(xs[i]!));
  return NDArray.adopt(out, a.shape, dtype);
}

/**
 * Values of `a` at `shape` as the op's float dtype holds them: its own
 * storage when it is contiguous, of that shape and dtype (no copy), else a
 * row-major copy (an int input cast to float32).
 */
function floatValues(a: NDArray, shape: readonly number[], dtype: DType): Float32Array | Float64Array {
  if (a.dtype === dtype) return readValues(a, shape);
  const xs = sameShape(a.shape, shape) ? a.values() : broadcastTo(a, shape).values();
  if (dtype === 'float32') for (let i = 0; i < xs.length; i++) xs[i] = Math.fround(xs[i]!);
  return xs;
}

/**
 * A float elementwise function with PyTorch's per-element choice of
 * implementation (vectorised or scalar, see numerics/elementwise.ts). A
 * cast input is a fresh contiguous buffer in PyTorch too.
 */
export function mapUnaryMath(a: NDArray, dtype: DType, m: UnaryMath): NDArray {
  const out = allocate(dtype, a.numel) as Float32Array | Float64Array;
  applyUnary(m, dtype, floatValues(a, a.shape, dtype), out, a.isContiguous() || a.dtype !== dtype);
  return NDArray.adopt(out, a.shape, dtype);
}

/**
 * Whether PyTorch's cpu_kernel_vec loop takes its vector path for these
 * operands: each one has the output's shape and is contiguous, except at
 * most one broadcast single value.
 */
function readsContiguously(operands: readonly NDArray[], shape: readonly number[]): boolean {
  let scalars = 0;
  for (const a of operands) {
    if (a.numel === 1 && numelOf(shape) !== 1) scalars++;
    else if (!(sameShape(a.shape, shape) && a.isContiguous())) return false;
  }
  return scalars <= 1;
}

export function mapBinaryMath(a: NDArray, b: NDArray, dtype: DType, m: BinaryMath): NDArray {
  const shape = resultShape(a.shape, b.shape);
  const xs = floatValues(a, shape, dtype);
  const ys = floatValues(b, shape, dtype);
  const out = allocate(dtype, xs.length) as Float32Array | Float64Array;
  applyBinary(m, dtype, xs, ys, out, readsContiguously([a, b], shape));
  return NDArray.adopt(out, shape, dtype);
}

export function mapTernaryMath(a: NDArray, b: NDArray, c: NDArray, dtype: DType, m: TernaryMath): NDArray {
  const shape = broadcastShapes(broadcastShapes(a.shape, b.shape), c.shape);
  const xs = floatValues(a, shape, dtype);
  const ys = floatValues(b, shape, dtype);
  const zs = floatValues(c, shape, dtype);
  const out = allocate(dtype, xs.length) as Float32Array | Float64Array;
  applyTernary(m, dtype, xs, ys, zs, out, readsContiguously([a, b, c], shape));
  return NDArray.adopt(out, shape, dtype);
}

/** f of every pair of elements (broadcast); see mapUnary for the loops. */
export function mapBinary(a: NDArray, b: NDArray, dtype: DType, f: (x: number, y: number) => number): NDArray {
  const shape = resultShape(a.shape, b.shape);
  const n = numelOf(shape);
  const out = allocate(dtype, n);
  const x = broadcastValue(a);
  const y = broadcastValue(b);
  const cast = !isFloat(dtype);
  if (x !== null && y !== null) {
    out.fill(castValue(dtype, f(x, y)));
  } else if (x !== null) {
    const ys = readValues(b, shape);
    if (cast) for (let i = 0; i < n; i++) out[i] = castValue(dtype, f(x, ys[i]!));
    else for (let i = 0; i < n; i++) out[i] = f(x, ys[i]!);
  } else if (y !== null) {
    const xs = readValues(a, shape);
    if (cast) for (let i = 0; i < n; i++) out[i] = castValue(dtype, f(xs[i]!, y));
    else for (let i = 0; i < n; i++) out[i] = f(xs[i]!, y);
  } else {
    const xs = readValues(a, shape);
    const ys = readValues(b, shape);
    if (cast) for (let i = 0; i < n; i++) out[i] = castValue(dtype, f(xs[i]!, ys[i]!));
    else for (let i = 0; i < n; i++) out[i] = f(xs[i]!, ys[i]!);
  }
  return NDArray.adopt(out, shape, dtype);
}

/** The arithmetic operators, whose loops are written out below. */
export type Arithmetic = 'add' | 'sub' | 'mul' | 'div';

type Values = Float32Array | Float64Array;
interface ArithmeticLoops {
  /** out[i] = xs[i] ∘ ys[i], x ∘ ys[i], xs[i] ∘ y */
  both: (out: Values, xs: Values, ys: Values, n: number) => void;
  left: (out: Values, x: number, ys: Values, n: number) => void;
  right: (out: Values, xs: Values, y: number, n: number) => void;
  scalar: (x: number, y: number) => number;
}

/**
 * One loop per operator and operand kind, so that V8 compiles each with
 * the operator inline (mapBinary's function call per element would box
 * every value it passes).
 */
const ARITHMETIC: Record<Arithmetic, ArithmeticLoops> = {
  add: {
    both: (out, xs, ys, n) => { for (let i = 0; i < n; i++) out[i] = xs[i]! + ys[i]!; },
    left: (out, x, ys, n) => { for (let i = 0; i < n; i++) out[i] = x + ys[i]!; },
    right: (out, xs, y, n) => { for (let i = 0; i < n; i++) out[i] = xs[i]! + y; },
    scalar: (x, y) => x + y,
  },
  sub: {
    both: (out, xs, ys, n) => { for (let i = 0; i < n; i++) out[i] = xs[i]! - ys[i]!; },
    left: (out, x, ys, n) => { for (let i = 0; i < n; i++) out[i] = x - ys[i]!; },
    right: (out, xs, y, n) => { for (let i = 0; i < n; i++) out[i] = xs[i]! - y; },
    scalar: (x, y) => x - y,
  },
  mul: {
    both: (out, xs, ys, n) => { for (let i = 0; i < n; i++) out[i] = xs[i]! * ys[i]!; },
    left: (out, x, ys, n) => { for (let i = 0; i < n; i++) out[i] = x * ys[i]!; },
    right: (out, xs, y, n) => { for (let i = 0; i < n; i++) out[i] = xs[i]! * y; },
    scalar: (x, y) => x * y,
  },
  div: {
    both: (out, xs, ys, n) => { for (let i = 0; i < n; i++) out[i] = xs[i]! / ys[i]!; },
    left: (out, x, ys, n) => { for (let i = 0; i < n; i++) out[i] = x / ys[i]!; },
    right: (out, xs, y, n) => { for (let i = 0; i < n; i++) out[i] = xs[i]! / y; },
    scalar: (x, y) => x / y,
  },
};

/**
 * a ∘ b with broadcasting: mapBinary(a, b, dtype, (x, y) => x ∘ y), with
 * the same results. A float result is the exact result rounded once on
 * store (for float32 inputs, float32 arithmetic); other dtypes take
 * mapBinary's casts.
 */
export function arithmetic(a: NDArray, b: NDArray, dtype: DType, op: Arithmetic): NDArray {
  const loops = ARITHMETIC[op];
  if (!isFloat(dtype)) return mapBinary(a, b, dtype, loops.scalar);
  const shape = resultShape(a.shape, b.shape);
  const n = numelOf(shape);
  const out = allocate(dtype, n);
  const x = broadcastValue(a);
  const y = broadcastValue(b);
  if (x !== null && y !== null) out.fill(loops.scalar(x, y));
  else if (x !== null) loops.left(out, x, readValues(b, shape), n);
  else if (y !== null) loops.right(out, readValues(a, shape), y, n);
  else loops.both(out, readValues(a, shape), readValues(b, shape), n);
  return NDArray.adopt(out, shape, dtype);
}

/** a ∘ value for a number: arithmetic with a broadcast value. */
export function arithmeticWith(a: NDArray, value: number, dtype: DType, op: Arithmetic): NDArray {
  const loops = ARITHMETIC[op];
  if (!isFloat(dtype)) return mapUnary(a, dtype, (x) => loops.scalar(x, value));
  const out = allocate(dtype, a.numel);
  const x = broadcastValue(a);
  if (x !== null) out.fill(loops.scalar(x, value));
  else loops.right(out, readValues(a, a.shape), value, out.length);
  return NDArray.adopt(out, a.shape, dtype);
}

/** -a: mapUnary(a, dtype, (x) => -x) with its loop written out. */
export function negate(a: NDArray, dtype: DType): NDArray {
  if (!isFloat(dtype)) return mapUnary(a, dtype, (x) => -x);
  const out = allocate(dtype, a.numel);
  const x = broadcastValue(a);
  if (x !== null) out.fill(-x);
  else {
    const xs = readValues(a, a.shape);
    for (let i = 0; i < out.length; i++) out[i] = -xs[i]!;
  }
  return NDArray.adopt(out, a.shape, dtype);
}

/** An op's own loop over float operands already broadcast to the result's shape: out[i] = f(xs[i], ys[i]). */
export type BinaryLoop = (out: Float32Array | Float64Array, xs: ArrayLike<number>, ys: ArrayLike<number>, n: number) => void;
export type TernaryLoop = (out: Float32Array | Float64Array, xs: ArrayLike<number>, ys: ArrayLike<number>, zs: ArrayLike<number>, n: number) => void;

/**
 * mapBinary for an op that writes its float loop out itself (a loop of its
 * own inlines its arithmetic, where one shared loop calling each op's
 * function cannot); other dtypes take `f` through mapBinary.
 */
export function mapBinaryLoop(a: NDArray, b: NDArray, dtype: DType, loop: BinaryLoop, f: (x: number, y: number) => number): NDArray {
  if (!isFloat(dtype)) return mapBinary(a, b, dtype, f);
  const shape = resultShape(a.shape, b.shape);
  const n = numelOf(shape);
  const out = allocate(dtype, n);
  loop(out, readValues(a, shape), readValues(b, shape), n);
  return NDArray.adopt(out, shape, dtype);
}

/** The three-operand form of mapBinaryLoop. */
export function mapTernaryLoop(a: NDArray, b: NDArray, c: NDArray, dtype: DType, loop: TernaryLoop, f: (x: number, y: number, z: number) => number): NDArray {
  if (!isFloat(dtype)) return mapTernary(a, b, c, dtype, f);
  const shape = broadcastShapes(broadcastShapes(a.shape, b.shape), c.shape);
  const n = numelOf(shape);
  const out = allocate(dtype, n);
  loop(out, readValues(a, shape), readValues(b, shape), readValues(c, shape), n);
  return NDArray.adopt(out, shape, dtype);
}

export function mapTernary(
  a: NDArray,
  b: NDArray,
  c: NDArray,
  dtype: DType,
  f: (x: number, y: number, z: number) => number,
): NDArray {
  const shape = broadcastShapes(broadcastShapes(a.shape, b.shape), c.shape);
  const xs = readValues(a, shape);
  const ys = readValues(b, shape);
  const zs = readValues(c, shape);
  const out = allocate(dtype, xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = castValue(dtype, f(xs[i]!, ys[i]!, zs[i]!));
  return NDArray.adopt(out, shape, dtype);
}

/** Normalised, sorted, duplicate-checked reduction dims (all dims when none given). */
export function reductionDims(ndim: number, dims: readonly number[] | null): number[] {
  if (dims === null || dims.length === 0) return Array.from({ length: ndim }, (_, i) => i);
  const out = dims.map((d) => normalizeDim(d, ndim));
  const seen = new Set<number>();
  for (const d of out) {
    if (seen.has(d)) throw runtimeError(`dim ${d} appears multiple times in the list of dims`);
    seen.add(d);
  }
  return out.sort((x, y) => x - y);
}

/** Shape after reducing `dims`, keeping them as size 1 if `keepdim`. */
export function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((size, i) => {
    if (!dims.includes(i)) out.push(size);
    else if (keepdim) out.push(1);
  });
  return out;
}

/**
 * Sum over `dims` (sorted, normalised). Floats are added in PyTorch's order
 * and precision (numerics/sum.ts); integers exactly.
 */
export function sumDims(a: NDArray, dims: readonly number[], keepdim: boolean, dtype: DType): NDArray {
  if ((dtype === 'float32' || dtype === 'float64') && a.dtype === dtype) {
    const reduced = a.shape.map((_, d) => dims.includes(d));
    const sums = cascadeSum(a.buffer, a.offset, a.shape, a.strides, reduced, dtype);
    const out = allocate(dtype, sums.length);
    out.set(sums);
    return NDArray.adopt(out, reducedShape(a.shape, dims, keepdim), dtype);
  }
  const keptShape = reducedShape(a.shape, dims, true);
  const xs = a.values();
  const acc = new Float64Array(numelOf(keptShape));
  const outStrides = contiguousStrides(keptShape).map((s, i) => (dims.includes(i) ? 0 : s));
  const nd = a.ndim;
  const index = new Array<number>(nd).fill(0);
  let outOff = 0;
  for (let i = 0; i < xs.length; i++) {
    acc[outOff] += xs[i]!;
    for (let d = nd - 1; d >= 0; d--) {
      index[d]!++;
      outOff += outStrides[d]!;
      if (index[d]! < a.shape[d]!) break;
      outOff -= outStrides[d]! * a.shape[d]!;
      index[d] = 0;
    }
  }
  const shape = reducedShape(a.shape, dims, keepdim);
  const out = allocate(dtype, acc.length);
  for (let i = 0; i < acc.length; i++) out[i] = castValue(dtype, acc[i]!);
  return NDArray.adopt(out, shape, dtype);
}

/**
 * Sum a gradient of a broadcast result back down to `shape`: over the
 * leading dims and the dims where `shape` has size 1 (PyTorch's sum_to).
 */
export function sumToShape(a: NDArray, shape: readonly number[]): NDArray {
  const lead = a.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < a.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && a.shape[i] !== 1)) dims.push(i);
  }
  if (dims.length === 0) return a;
  const summed = sumDims(a, dims, true, a.dtype);
  return summed.view([...shape], contiguousStrides(shape));
}
