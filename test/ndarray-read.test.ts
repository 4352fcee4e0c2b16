/**
 * Reading a strided array in row-major order (NDArray.readInto, whose
 * matrices go tile by tile): every layout gives the elements an index walk
 * gives.
 */
import { describe, expect, it } from 'vitest';
import { NDArray, withElements } from '../src/tensor/ndarray.js';

function byIndex(a: NDArray): number[] {
  const out: number[] = [];
  const walk = (dim: number, offset: number) => {
    if (dim === a.shape.length) out.push(a.buffer[offset]!);
    else for (let i = 0; i < a.shape[dim]!; i++) walk(dim + 1, offset + i * a.strides[dim]!);
  };
  walk(0, a.offset);
  return out;
}

describe('readInto', () => {
  const base = NDArray.fromValues(Float32Array.from({ length: 70 * 45 }, (_, i) => i * 0.5 - 7), [70, 45], 'float32');
  const layouts: [string, NDArray][] = [
    ['transposed', base.view([45, 70], [1, 45])],
    ['a block of the transpose', base.view([30, 33], [1, 45], 45 * 2 + 3)],
    ['every other column', base.view([70, 22], [45, 2], 1)],
    ['a broadcast row', base.view([40, 45], [0, 1])],
    ['a broadcast column', base.view([45, 40], [1, 0])],
    ['3-d, permuted', base.view([5, 9, 14], [9, 1, 45 * 5])],
  ];
  for (const [name, a] of layouts) {
    it(name, () => {
      const out = new Float32Array(a.numel);
      a.readInto(out);
      expect([...out]).toEqual(byIndex(a));
      expect([...a.values()]).toEqual(byIndex(a));
      expect(withElements(a, (xs) => [...xs])).toEqual(byIndex(a));
    });
  }
});
