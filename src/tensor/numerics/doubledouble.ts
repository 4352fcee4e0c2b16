/**
 * Double-double arithmetic (hi + lo of two float64s), as SLEEF's AVX2
 * double-precision kernels use it, with the hardware's fused multiply-add
 * (emulated exactly by bits.ts's fma). The float32 twin is doublefloat.ts.
 */
import { fma } from './bits.js';

export interface DD {
  x: number;
  y: number;
}

export const dd = (x: number, y: number): DD => ({ x, y });

export function ddNormalize(t: DD): DD {
  const s = t.x + t.y;
  return { x: s, y: (t.x - s) + t.y };
}

export function ddScale(d: DD, s: number): DD {
  return { x: d.x * s, y: d.y * s };
}

export function ddNeg(d: DD): DD {
  return { x: -d.x, y: -d.y };
}

/** x + y for |x| >= |y|. */
export function ddAddFF(x: number, y: number): DD {
  const s = x + y;
  return { x: s, y: (x - s) + y };
}

/** x + y in any order of magnitude (Knuth's TwoSum). */
export function ddAdd2FF(x: number, y: number): DD {
  const s = x + y;
  const v = s - x;
  return { x: s, y: (x - (s - v)) + (y - v) };
}

export function ddAdd2FD(x: number, y: DD): DD {
  const s = x + y.x;
  const v = s - x;
  return { x: s, y: ((x - (s - v)) + (y.x - v)) + y.y };
}

export function ddAddDF(x: DD, y: number): DD {
  const s = x.x + y;
  return { x: s, y: ((x.x - s) + y) + x.y };
}

export function ddAdd2DF(x: DD, y: number): DD {
  const s = x.x + y;
  const v = s - x.x;
  const t = (x.x - (s - v)) + (y - v);
  return { x: s, y: t + x.y };
}

export function ddAddFD(x: number, y: DD): DD {
  const s = x + y.x;
  return { x: s, y: ((x - s) + y.x) + y.y };
}

export function ddAddDD(x: DD, y: DD): DD {
  const s = x.x + y.x;
  return { x: s, y: (((x.x - s) + y.x) + x.y) + y.y };
}

export function ddAdd2DD(x: DD, y: DD): DD {
  const s = x.x + y.x;
  const v = s - x.x;
  const t = (x.x - (s - v)) + (y.x - v);
  return { x: s, y: t + (x.y + y.y) };
}

export function ddSubDD(x: DD, y: DD): DD {
  const s = x.x - y.x;
  let t = x.x - s;
  t = t - y.x;
  t = t + x.y;
  return { x: s, y: t - y.y };
}

export function ddMulFF(x: number, y: number): DD {
  const s = x * y;
  return { x: s, y: fma(x, y, -s) };
}

export function ddMulDF(x: DD, y: number): DD {
  const s = x.x * y;
  return { x: s, y: fma(x.y, y, fma(x.x, y, -s)) };
}

export function ddMulDD(x: DD, y: DD): DD {
  const s = x.x * y.x;
  return { x: s, y: fma(x.x, y.y, fma(x.y, y.x, fma(x.x, y.x, -s))) };
}

/** hi + lo of a double-double product, as one double. */
export function ddMulDDtoD(x: DD, y: DD): number {
  return fma(x.x, y.x, fma(x.y, y.x, x.x * y.y));
}

export function ddSqu(x: DD): DD {
  const s = x.x * x.x;
  return { x: s, y: fma(x.x + x.x, x.y, fma(x.x, x.x, -s)) };
}

export function ddRecF(d: number): DD {
  const s = 1 / d;
  return { x: s, y: s * fma(-d, s, 1) };
}

export function ddRec(d: DD): DD {
  const s = 1 / d.x;
  return { x: s, y: s * fma(-d.y, s, fma(-d.x, s, 1)) };
}

export function ddDiv(n: DD, d: DD): DD {
  const t = 1 / d.x;
  const s = n.x * t;
  const u = fma(t, n.x, -s);
  const v = fma(-d.y, t, fma(-d.x, t, 1));
  return { x: s, y: fma(s, v, fma(n.y, t, u)) };
}
