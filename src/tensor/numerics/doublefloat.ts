/**
 * Double-float arithmetic (a value carried as an unevaluated sum hi + lo of
 * two float32s), as SLEEF's AVX2 single-precision kernels use it: every
 * operation rounds to float32 (Math.fround) and the products use the
 * hardware's fused multiply-add, so the error terms are the ones PyTorch's
 * vectorised kernels compute.
 */
import { fmaf, fround as f } from './bits.js';

export interface DF {
  x: number;
  y: number;
}

export const df = (x: number, y: number): DF => ({ x, y });

/** A double constant split into float32 hi + lo, as SLEEF's vcast_vf2_d. */
export function dfConst(d: number): DF {
  const hi = f(d);
  return { x: hi, y: f(d - hi) };
}

export function dfNormalize(t: DF): DF {
  const s = f(t.x + t.y);
  return { x: s, y: f(f(t.x - s) + t.y) };
}

export function dfScale(d: DF, s: number): DF {
  return { x: f(d.x * s), y: f(d.y * s) };
}

export function dfNeg(d: DF): DF {
  return { x: -d.x, y: -d.y };
}

/** x + y for |x| >= |y|. */
export function dfAddFF(x: number, y: number): DF {
  const s = f(x + y);
  return { x: s, y: f(f(x - s) + y) };
}

/** x + y in any order of magnitude (Knuth's TwoSum). */
export function dfAdd2FF(x: number, y: number): DF {
  const s = f(x + y);
  const v = f(s - x);
  return { x: s, y: f(f(x - f(s - v)) + f(y - v)) };
}

export function dfAdd2FD(x: number, y: DF): DF {
  const s = f(x + y.x);
  const v = f(s - x);
  return { x: s, y: f(f(f(x - f(s - v)) + f(y.x - v)) + y.y) };
}

export function dfAddDF(x: DF, y: number): DF {
  const s = f(x.x + y);
  return { x: s, y: f(f(f(x.x - s) + y) + x.y) };
}

export function dfAdd2DF(x: DF, y: number): DF {
  const s = f(x.x + y);
  const v = f(s - x.x);
  const t = f(f(x.x - f(s - v)) + f(y - v));
  return { x: s, y: f(t + x.y) };
}

export function dfAddFD(x: number, y: DF): DF {
  const s = f(x + y.x);
  return { x: s, y: f(f(f(x - s) + y.x) + y.y) };
}

export function dfAddDD(x: DF, y: DF): DF {
  const s = f(x.x + y.x);
  return { x: s, y: f(f(f(f(x.x - s) + y.x) + x.y) + y.y) };
}

export function dfAdd2DD(x: DF, y: DF): DF {
  const s = f(x.x + y.x);
  const v = f(s - x.x);
  const t = f(f(x.x - f(s - v)) + f(y.x - v));
  return { x: s, y: f(t + f(x.y + y.y)) };
}

export function dfSubDD(x: DF, y: DF): DF {
  const s = f(x.x - y.x);
  let t = f(x.x - s);
  t = f(t - y.x);
  t = f(t + x.y);
  return { x: s, y: f(t - y.y) };
}

export function dfMulFF(x: number, y: number): DF {
  const s = f(x * y);
  return { x: s, y: fmaf(x, y, -s) };
}

export function dfMulDF(x: DF, y: number): DF {
  const s = f(x.x * y);
  return { x: s, y: fmaf(x.y, y, fmaf(x.x, y, -s)) };
}

export function dfMulDD(x: DF, y: DF): DF {
  const s = f(x.x * y.x);
  return { x: s, y: fmaf(x.x, y.y, fmaf(x.y, y.x, fmaf(x.x, y.x, -s))) };
}

/** hi + lo of a double-float product, as one float32. */
export function dfMulDDtoF(x: DF, y: DF): number {
  return fmaf(x.x, y.x, fmaf(x.y, y.x, f(x.x * y.y)));
}

export function dfSqu(x: DF): DF {
  const s = f(x.x * x.x);
  return { x: s, y: fmaf(f(x.x + x.x), x.y, fmaf(x.x, x.x, -s)) };
}

export function dfRecF(d: number): DF {
  const s = f(1 / d);
  return { x: s, y: f(s * fmaf(-d, s, 1)) };
}

export function dfRec(d: DF): DF {
  const s = f(1 / d.x);
  return { x: s, y: f(s * fmaf(-d.y, s, fmaf(-d.x, s, 1))) };
}

export function dfDiv(n: DF, d: DF): DF {
  const t = f(1 / d.x);
  const s = f(n.x * t);
  const u = fmaf(t, n.x, -s);
  const v = fmaf(-d.y, t, fmaf(-d.x, t, 1));
  return { x: s, y: fmaf(s, v, fmaf(n.y, t, u)) };
}
