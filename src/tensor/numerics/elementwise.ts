/**
 * How PyTorch 1.13's CPU loops apply an elementwise function, so that each
 * element gets the implementation PyTorch gives it:
 *
 * - `vml` ops (exp, log, sin, tanh, erf, sqrt, …: UnaryOpsKernel's
 *   IMPLEMENT_FLOAT_KERNEL → at::vml → vec::map) run the vector function on
 *   every element, the last partial vector zero-padded, whatever the layout
 *   (a strided input is first copied to a contiguous buffer);
 * - `cpu_kernel_vec` ops (sigmoid, softplus, pow with a tensor exponent, …)
 *   run the vector function on blocks of 2 vectors of a contiguous input and
 *   the scalar (glibc) function on the remaining elements, and on every
 *   element of a non-contiguous input.
 *
 * A float32 vector holds 8 lanes, a float64 vector 4 (AVX2).
 */
import type { DType } from '../dtype.js';

export type Lane = (x: number, tier: number) => number;
export type Scalar = (x: number) => number;

export interface UnaryMath {
  /** SLEEF lane function for float32, and for float64. */
  vec32: Lane;
  vec64: Lane;
  /** glibc/scalar function of the loop's tail, when the op runs through cpu_kernel_vec. */
  scalar32?: Scalar;
  scalar64?: Scalar;
  /** For sin/cos/tan: the argument reduction a lane value asks for; a vector uses the largest of its lanes'. */
  tier32?: (x: number) => number;
  tier64?: (x: number) => number;
  /**
   * vec32 (with its tiers) over xs[start, end), lane groups of 8 from
   * start, in one pass over the array: the same results without a call per
   * element (numerics/sleefTrigFloat32.ts says why).
   */
  array32?: ArrayKernel;
}

export type ArrayKernel = (xs: ArrayLike<number>, out: Float32Array | Float64Array, start: number, end: number) => void;

/**
 * How many leading elements get the vector function: all of them for a vml
 * op (no scalar tail), whole blocks of 2 vectors of a contiguous
 * cpu_kernel_vec op, none of a strided one.
 */
function vectorPart(n: number, lanes: number, hasScalarTail: boolean, contiguous: boolean): number {
  if (!hasScalarTail) return n;
  return contiguous ? n - (n % (2 * lanes)) : 0;
}

/** Apply `m` to float values already rounded to `dtype`, as PyTorch's CPU loop would. */
export function applyUnary(
  m: UnaryMath,
  dtype: DType,
  xs: ArrayLike<number>,
  out: Float32Array | Float64Array,
  contiguous: boolean,
): void {
  const single = dtype === 'float32';
  const lanes = single ? 8 : 4;
  const vec = single ? m.vec32 : m.vec64;
  const scalar = single ? m.scalar32 : m.scalar64;
  const n = xs.length;
  const vectorEnd = vectorPart(n, lanes, scalar !== undefined, contiguous);
  if (scalar !== undefined) for (let i = vectorEnd; i < n; i++) out[i] = scalar(xs[i]!);
  if (single && m.array32 !== undefined) {
    m.array32(xs, out, 0, vectorEnd);
    return;
  }
  const tierOf = single ? m.tier32 : m.tier64;
  if (tierOf === undefined) {
    for (let i = 0; i < vectorEnd; i++) out[i] = vec(xs[i]!, 0);
    return;
  }
  for (let start = 0; start < vectorEnd; start += lanes) {
    const end = Math.min(start + lanes, vectorEnd);
    let tier = 0;
    for (let i = start; i < end; i++) tier = Math.max(tier, tierOf(xs[i]!));
    for (let i = start; i < end; i++) out[i] = vec(xs[i]!, tier);
  }
}

export interface BinaryMath {
  vec32: (x: number, y: number) => number;
  vec64: (x: number, y: number) => number;
  scalar32?: (x: number, y: number) => number;
  scalar64?: (x: number, y: number) => number;
}

/** The two-input form of applyUnary (inputs already broadcast to the output's shape). */
export function applyBinary(
  m: BinaryMath,
  dtype: DType,
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  out: Float32Array | Float64Array,
  contiguous: boolean,
): void {
  const single = dtype === 'float32';
  const vec = single ? m.vec32 : m.vec64;
  const scalar = single ? m.scalar32 : m.scalar64;
  const n = xs.length;
  const vectorEnd = vectorPart(n, single ? 8 : 4, scalar !== undefined, contiguous);
  if (scalar !== undefined) for (let i = vectorEnd; i < n; i++) out[i] = scalar(xs[i]!, ys[i]!);
  for (let i = 0; i < vectorEnd; i++) out[i] = vec(xs[i]!, ys[i]!);
}

export interface TernaryMath {
  vec32: (x: number, y: number, z: number) => number;
  vec64: (x: number, y: number, z: number) => number;
  scalar32: (x: number, y: number, z: number) => number;
  scalar64: (x: number, y: number, z: number) => number;
}

/** The three-input form of applyBinary (a cpu_kernel_vec with three inputs). */
export function applyTernary(
  m: TernaryMath,
  dtype: DType,
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  zs: ArrayLike<number>,
  out: Float32Array | Float64Array,
  contiguous: boolean,
): void {
  const single = dtype === 'float32';
  const vec = single ? m.vec32 : m.vec64;
  const scalar = single ? m.scalar32 : m.scalar64;
  const n = xs.length;
  const vectorEnd = vectorPart(n, single ? 8 : 4, true, contiguous);
  for (let i = 0; i < vectorEnd; i++) out[i] = vec(xs[i]!, ys[i]!, zs[i]!);
  for (let i = vectorEnd; i < n; i++) out[i] = scalar(xs[i]!, ys[i]!, zs[i]!);
}
