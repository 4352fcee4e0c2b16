/**
 * When two gradients agree. An element agrees when
 * |a - e| <= atol * scale + rtol * max(|a|, |e|), where scale is the largest
 * |expected| of the tensor (at least 1): float32 arithmetic loses digits
 * relative to the largest values it combined, not to each result. NaNs
 * agree with NaNs, infinities with the same infinity.
 */
import type { DType } from '../tensor/dtype.js';

export interface Tolerance {
  rtol: number;
  atol: number;
}

export interface Tolerances {
  float32: Tolerance;
  float64: Tolerance;
  /** expected against finite differences (truncation error of the difference quotient). */
  finiteDifferences: Tolerance;
}

export const DEFAULT_TOLERANCES: Tolerances = {
  float32: { rtol: 1e-4, atol: 1e-5 },
  float64: { rtol: 1e-9, atol: 1e-12 },
  finiteDifferences: { rtol: 1e-4, atol: 1e-5 },
};

export interface Comparison {
  ok: boolean;
  /** Over the elements where both are finite. */
  maxAbs: number;
  maxRel: number;
  /** Elements where a NaN or an infinity on one side is not matched on the other. */
  nonFinite: number[];
  /** Whether the elements where both are finite agree. */
  finiteOk: boolean;
}

export function compareWith(expected: readonly number[], actual: readonly number[], tol: Tolerance): Comparison {
  if (expected.length !== actual.length) return { ok: false, maxAbs: Infinity, maxRel: Infinity, nonFinite: [], finiteOk: false };
  // A loop, not Math.max(...values): spreading a large tensor overflows the stack.
  let scale = 1;
  for (const e of expected) if (Number.isFinite(e)) scale = Math.max(scale, Math.abs(e));
  let ok = true;
  let maxAbs = 0;
  let maxRel = 0;
  const nonFinite: number[] = [];
  expected.forEach((e, i) => {
    const a = actual[i]!;
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (!(Number.isNaN(e) && Number.isNaN(a))) nonFinite.push(i);
      return;
    }
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (e !== a) nonFinite.push(i);
      return;
    }
    const abs = Math.abs(a - e);
    const rel = abs / Math.max(Math.abs(e), Number.MIN_VALUE);
    maxAbs = Math.max(maxAbs, abs);
    if (abs > 0) maxRel = Math.max(maxRel, rel);
    if (abs > tol.atol * scale + tol.rtol * Math.max(Math.abs(a), Math.abs(e))) ok = false;
  });
  return { ok: ok && nonFinite.length === 0, maxAbs, maxRel, nonFinite, finiteOk: ok };
}

export function compareValues(expected: readonly number[], actual: readonly number[], dtype: DType, tolerances: Tolerances): Comparison {
  return compareWith(expected, actual, dtype === 'float64' ? tolerances.float64 : tolerances.float32);
}
