import { describe, expect, it } from 'vitest';
import { mm32 } from '../src/tensor/mm-wasm.js';

/** The BLAS's float32 sum for each element: products rounded, added in the order of p. */
function reference(xs: Float32Array, ys: Float32Array, n: number, k: number, m: number): Float32Array {
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s = Math.fround(s + Math.fround(xs[i * k + p]! * ys[p * m + j]!));
      out[i * m + j] = s;
    }
  }
  return out;
}

/** A seeded generator, so a failure repeats. */
function values(count: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return Math.fround((state / 2147483648 - 0.5) * 2 ** ((state % 40) - 20));
  });
}

describe('float32 mm in WebAssembly SIMD', () => {
  it('gives the JavaScript loop bits for every shape (columns 1-9: vector and scalar tails)', () => {
    for (const [n, k, m] of [[1, 1, 1], [2, 3, 4], [3, 5, 7], [17, 33, 9], [64, 100, 10], [5, 0, 3], [1, 200, 5], [4, 4, 8]] as const) {
      const xs = values(n * k, n * 131 + k);
      const ys = values(k * m, m * 17 + k);
      const out = new Float32Array(n * m);
      expect(mm32(xs, ys, out, n, k, m)).toBe(true);
      const want = reference(xs, ys, n, k, m);
      for (let q = 0; q < n * m; q++) expect(Object.is(out[q], want[q]), `[${n}x${k}x${m}] element ${q}`).toBe(true);
    }
  });

  it('grows its memory for large operands and keeps NaN, infinities and signed zeros', () => {
    const n = 300, k = 200, m = 70; // 1.9 MB of operands: past the first 64 KB page
    const xs = values(n * k, 7);
    const ys = values(k * m, 8);
    xs[0] = NaN;
    ys[5] = Infinity;
    ys[6] = -0;
    const out = new Float32Array(n * m);
    expect(mm32(xs, ys, out, n, k, m)).toBe(true);
    const want = reference(xs, ys, n, k, m);
    for (let q = 0; q < n * m; q++) expect(Object.is(out[q], want[q]) || (Number.isNaN(out[q]) && Number.isNaN(want[q])), `element ${q}`).toBe(true);
  });
});
