/**
 * The one-pass float sum (numerics/sum.ts runs the 4·lanes cascades of a
 * contiguous row side by side) against the cascades one at a time, as
 * SumKernel.cpp's loops read: the same bits for every size and scale.
 */
import { describe, expect, it } from 'vitest';
import { cascadeSum } from '../src/tensor/numerics/sum.js';

type Round = (x: number) => number;

function ceilLog2(x: number): number {
  return x <= 2 ? 1 : 32 - Math.clz32(x - 1);
}

function cascade(buf: ArrayLike<number>, base: number, stride: number, size: number, r: Round): number {
  const power = Math.max(4, Math.floor(ceilLog2(size) / 4));
  const step = 1 << power;
  const mask = step - 1;
  const acc = [0, 0, 0, 0];
  let i = 0;
  while (i + step <= size) {
    for (let j = 0; j < step; j++, i++) acc[0] = r(acc[0]! + buf[base + i * stride]!);
    for (let level = 1; level < 4; level++) {
      acc[level] = r(acc[level]! + acc[level - 1]!);
      acc[level - 1] = 0;
      if (level < 3 && (i & (mask << (level * power))) !== 0) break;
    }
  }
  for (; i < size; i++) acc[0] = r(acc[0]! + buf[base + i * stride]!);
  return r(r(r(acc[0]! + acc[1]!) + acc[2]!) + acc[3]!);
}

function rowSum(buf: ArrayLike<number>, base: number, stride: number, size: number, r: Round): number {
  const rows = Math.floor(size / 4);
  const p = [0, 1, 2, 3].map((q) => cascade(buf, base + q * stride, 4 * stride, rows, r));
  for (let i = rows * 4; i < size; i++) p[0] = r(p[0]! + buf[base + i * stride]!);
  return r(r(r(p[0]! + p[1]!) + p[2]!) + p[3]!);
}

/** vectorized_inner_sum: the tail after the last full vector, then each lane's row_sum. */
function reference(buf: Float32Array | Float64Array, r: Round, lanes: number): number {
  const vectors = Math.floor(buf.length / lanes);
  let total = 0;
  for (let k = vectors * lanes; k < buf.length; k++) total = r(total + buf[k]!);
  for (let l = 0; l < lanes; l++) total = r(total + rowSum(buf, l, lanes, vectors, r));
  return total;
}

describe('float sum over a contiguous row', () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  // From one vector on (shorter rows take row_sum alone).
  const sizes = [8, 9, 31, 32, 33, 100, 511, 512, 513, 1023, 4097, 16384, 65537, 100003, 1 << 20];
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: the cascades' bits at every size`, () => {
      for (const n of sizes) {
        for (const scale of [1, 1e-3, 1e6]) {
          const buf = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
          for (let i = 0; i < n; i++) buf[i] = (random() - 0.3) * scale * (random() < 0.01 ? 1e4 : 1);
          const expected = reference(buf, dtype === 'float32' ? Math.fround : (x) => x, dtype === 'float32' ? 8 : 4);
          expect([n, scale, cascadeSum(buf, 0, [n], [1], [true], dtype)[0]]).toEqual([n, scale, expected]);
        }
      }
    });
  }
});
