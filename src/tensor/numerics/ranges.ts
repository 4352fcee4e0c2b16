/**
 * linspace and arange values as PyTorch 1.13's CPU kernels compute them
 * (RangeFactoriesKernel.cpp through cpu_serial_kernel_vec): blocks of two
 * vectors (8 float32 or 4 float64 lanes) and a scalar tail. Measured
 * against PyTorch on 800 (start, end, steps) cases: all values equal.
 */
import type { DType } from '../dtype.js';
import { newBuffer } from '../pool.js';
import { fma, fmaf } from './bits.js';

/**
 * linspace: step = (end - start) / (steps - 1) in the dtype; an element
 * below steps/2 is start + step·i, the others end - step·(steps - 1 - i)
 * (fused, as the AVX2 build compiles them). A vector takes the formula of
 * its first index and fills its lanes with base + k·step (not fused). The
 * values come in an array of the dtype, whose stores round them.
 */
export function linspaceValues(start: number, end: number, steps: number, dtype: DType): Float32Array | Float64Array {
  const single = dtype === 'float32';
  const out = newBuffer(single, steps);
  if (steps === 0) return out;
  const r = single ? Math.fround : (x: number) => x;
  const s = r(start);
  const e = r(end);
  if (steps === 1) {
    out[0] = s;
    return out;
  }
  const step = r(r(e - s) / (steps - 1));
  const lanes = single ? 8 : 4;
  const vectorEnd = steps - (steps % (2 * lanes));
  linspaceVectors(out, s, e, step, steps, vectorEnd, single);
  const halfway = Math.floor(steps / 2);
  const fused = single ? fmaf : fma;
  for (let i = vectorEnd; i < steps; i++) out[i] = i < halfway ? fused(step, i, s) : fused(-step, steps - 1 - i, e);
  return out;
}

/** The vectors of linspace: lanes of 8 float32 or 4 float64, each base fused, lane k at base + k·step (that product rounded to the dtype). */
function linspaceVectors(out: Float32Array | Float64Array, s: number, e: number, step: number, steps: number, vectorEnd: number, single: boolean): void {
  const lanes = single ? 8 : 4;
  const fused = single ? fmaf : fma;
  const laneSteps = Array.from({ length: lanes }, (_, k) => (single ? Math.fround(k * step) : k * step));
  // The vectors from the first index at or past halfway count back from the end.
  const split = Math.min(vectorEnd, Math.ceil(Math.floor(steps / 2) / lanes) * lanes);
  const backScale = -step;
  const backFirst = steps - 1;
  // base = fused(scale, first + sign·i, origin): one loop whose parameters
  // switch at the split. A branch between the two formulas would be
  // compiled with the first half's alone and thrown away at the second, and
  // a second call deoptimised on entry: half a million elements to the
  // interpreter either way.
  let scale = step;
  let first = 0;
  let sign = 1;
  let origin = s;
  for (let i = 0; i < vectorEnd; i += lanes) {
    if (i === split) {
      scale = backScale;
      first = backFirst;
      sign = -1;
      origin = e;
    }
    const base = fused(scale, first + sign * i, origin);
    out[i] = base;
    for (let k = 1; k < lanes; k++) out[i + k] = base + laneSteps[k]!;
  }
}

/**
 * arange for a float dtype: start and step are doubles (CPU's accumulate
 * type), start + step·i is computed in double (fused) and rounded once;
 * vector lanes are base + k·step (fused, in double) with the base already
 * rounded. Measured on 600 cases: all values equal.
 */
export function arangeValues(start: number, step: number, count: number, dtype: DType): Float64Array {
  const out = new Float64Array(count);
  const single = dtype === 'float32';
  const r = single ? Math.fround : (x: number) => x;
  const lanes = single ? 8 : 4;
  const vectorEnd = count - (count % (2 * lanes));
  for (let i = 0; i < vectorEnd; i += lanes) {
    const base = r(fma(step, i, start));
    out[i] = base;
    for (let k = 1; k < lanes; k++) out[i + k] = r(fma(k, step, base));
  }
  for (let i = vectorEnd; i < count; i++) out[i] = r(fma(step, i, start));
  return out;
}
