/**
 * Matrix products (mm, mv, dot) on NDArrays: every output element adds its
 * products in the BLAS's order; large float32 products run in WebAssembly
 * SIMD (mm-wasm.ts).
 */
import type { DType } from './dtype.js';
import { runtimeError } from './errors.js';
import { mm32 } from './mm-wasm.js';
import { allocate, type Buffer, castValue, NDArray, withElements } from './ndarray.js';

function matmulShapeError(a: readonly number[], b: readonly number[]): Error {
  return runtimeError(`mat1 and mat2 shapes cannot be multiplied (${a[0]}x${a[1]} and ${b[0]}x${b[1]})`);
}

/** Below this many products, copying into WebAssembly's memory costs more than it saves. */
const WASM_MIN_PRODUCTS = 4096;

/**
 * (n×k)·(k×m). Each element is the reference BLAS's sgemm/dgemm sum (also
 * sgemv and sdot's): products rounded to the dtype and added one after the
 * other from 0, in the dtype (measured against PyTorch 1.13: equal, for
 * every transposition of the operands).
 */
export function mm(a: NDArray, b: NDArray, dtype: DType): NDArray {
  const [n, k] = a.shape as [number, number];
  const [k2, m] = b.shape as [number, number];
  if (k !== k2) throw matmulShapeError(a.shape, b.shape);
  const out = allocate(dtype, n * m);
  withElements(a, (xs) => withElements(b, (ys) => product(xs, ys, out, n, k, m, dtype)));
  return NDArray.adopt(out, [n, m], dtype);
}

/** out = xs (n×k) · ys (k×m), both row-major. */
function product(xs: Buffer, ys: Buffer, out: Buffer, n: number, k: number, m: number, dtype: DType): void {
  if (dtype === 'float32' && n * m * k >= WASM_MIN_PRODUCTS && mm32(xs, ys, out as Float32Array, n, k, m)) return;
  if (dtype === 'float32' || dtype === 'float64') {
    accumulateProducts(xs, ys, out, n, k, m, dtype === 'float32');
    return;
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += xs[i * k + p]! * ys[p * m + j]!;
      out[i * m + j] = castValue(dtype, s);
    }
  }
}

/**
 * out[i, :] += a[i, p] * b[p, :] for p = 0, 1, ...: every element adds its
 * products in the order of p, as the BLAS does, while the inner loop runs
 * along contiguous rows. `out` starts at zero; a float32 typed array rounds
 * each sum on store, and a product of two float32 values is exact in
 * double, so rounding it once (Math.fround) is float32 multiplication. (The
 * two loops are written apart: a rounding function passed in made V8 call
 * it per product, ten times slower.)
 */
function accumulateProducts(
  xs: ArrayLike<number>, ys: ArrayLike<number>, out: Float32Array | Float64Array,
  n: number, k: number, m: number, single: boolean,
): void {
  for (let i = 0; i < n; i++) {
    const row = out.subarray(i * m, i * m + m);
    for (let p = 0; p < k; p++) {
      const x = xs[i * k + p]!;
      const base = p * m;
      if (single) for (let j = 0; j < m; j++) row[j] = row[j]! + Math.fround(x * ys[base + j]!);
      else for (let j = 0; j < m; j++) row[j] = row[j]! + x * ys[base + j]!;
    }
  }
}

export function mv(a: NDArray, v: NDArray, dtype: DType): NDArray {
  const [n, k] = a.shape as [number, number];
  if (v.shape[0] !== k) {
    throw runtimeError(`size mismatch, got ${n}, ${n}x${k},${v.shape[0]}`);
  }
  const column = v.view([k, 1], [v.strides[0]!, 1]);
  const r = mm(a, column, dtype);
  return r.view([n], [1]);
}

export function dot(a: NDArray, b: NDArray, dtype: DType): NDArray {
  if (a.shape[0] !== b.shape[0]) {
    throw runtimeError(
      `inconsistent tensor size, expected tensor [${a.shape[0]}] and src [${b.shape[0]}] to have the same number of elements, but got ${a.shape[0]} and ${b.shape[0]} elements respectively`,
    );
  }
  const xs = a.values();
  const ys = b.values();
  let s = 0;
  if (dtype === 'float32') for (let i = 0; i < xs.length; i++) s = Math.fround(s + Math.fround(xs[i]! * ys[i]!));
  else for (let i = 0; i < xs.length; i++) s += xs[i]! * ys[i]!;
  return NDArray.scalar(s, dtype);
}
