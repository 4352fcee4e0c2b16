/**
 * Batched matrix products, one `mm` per batch element (so they add in
 * whatever order `mm` does).
 */
import type { DType } from './dtype.js';
import { runtimeError } from './errors.js';
import { mm } from './matmul.js';
import { NDArray, allocate, contiguousStrides, VersionCounter } from './ndarray.js';

export { mm };

/** (b×n×k)·(b×k×m). */
export function bmm(a: NDArray, b: NDArray, dtype: DType): NDArray {
  const [batch, n, k] = a.shape as [number, number, number];
  const [batch2, k2, m] = b.shape as [number, number, number];
  if (batch !== batch2) throw runtimeError(`Expected size for first two dimensions of batch2 tensor to be: [${batch}, ${k}] but got: [${batch2}, ${k2}].`);
  if (k !== k2) throw runtimeError(`Expected size for first two dimensions of batch2 tensor to be: [${batch}, ${k}] but got: [${batch2}, ${k2}].`);
  const out = allocate(dtype, batch * n * m);
  for (let t = 0; t < batch; t++) {
    const at = a.view([n, k], [a.strides[1]!, a.strides[2]!], a.offset + t * a.strides[0]!);
    const bt = b.view([k, m], [b.strides[1]!, b.strides[2]!], b.offset + t * b.strides[0]!);
    out.set(mm(at, bt, dtype).buffer, t * n * m);
  }
  return new NDArray(out, dtype, [batch, n, m], contiguousStrides([batch, n, m]), 0, new VersionCounter());
}
