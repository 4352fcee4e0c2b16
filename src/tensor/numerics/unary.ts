/**
 * The elementwise functions of dzdx's float ops, each described by the
 * implementations PyTorch 1.13 gives it on an AVX2 CPU (see
 * docs/float32-bits.md for how each was established and measured).
 */
import { fround as f } from './bits.js';
import type { BinaryMath, UnaryMath } from './elementwise.js';
import * as g32 from './glibcFloat32.js';
import * as g64 from './glibcFloat64.js';
import * as s32 from './sleefFloat32.js';
import * as s64 from './sleefFloat64.js';
import * as t32 from './sleefTrigFloat32.js';
import * as t64 from './sleefTrigFloat64.js';

export const expMath: UnaryMath = { vec32: s32.expf, vec64: s64.exp, array32: s32.expfArray };
export const logMath: UnaryMath = { vec32: s32.logf, vec64: s64.log };
export const log2Math: UnaryMath = { vec32: s32.log2f, vec64: s64.log2 };
export const log10Math: UnaryMath = { vec32: s32.log10f, vec64: s64.log10 };
export const log1pMath: UnaryMath = { vec32: s32.log1pf, vec64: s64.log1p };
export const expm1Math: UnaryMath = { vec32: s32.expm1f, vec64: s64.expm1 };
/** exp2 is a plain cpu_kernel in 1.13: glibc's exp2f on every element. */
export const exp2Math: UnaryMath = { vec32: g32.exp2f, vec64: g64.exp2 };
export const sinMath: UnaryMath = { vec32: t32.sinf, vec64: t64.sin, tier32: t32.trigTier, tier64: t64.trigTier, array32: t32.sinfArray };
export const cosMath: UnaryMath = { vec32: t32.cosf, vec64: t64.cos, tier32: t32.trigTier, tier64: t64.trigTier, array32: t32.cosfArray };
export const tanMath: UnaryMath = { vec32: t32.tanf, vec64: t64.tan, tier32: t32.trigTier, tier64: t64.trigTier };
export const tanhMath: UnaryMath = { vec32: s32.tanhf, vec64: s64.tanh };
export const erfMath: UnaryMath = { vec32: s32.erff, vec64: s64.erf };
/** _mm256_sqrt_ps and std::sqrt are both correctly rounded. */
export const sqrtMath: UnaryMath = { vec32: (x) => f(Math.sqrt(x)), vec64: Math.sqrt };
/** 1 / sqrt(x), two roundings. */
export const rsqrtMath: UnaryMath = { vec32: (x) => f(1 / f(Math.sqrt(x))), vec64: (x) => 1 / Math.sqrt(x) };
export const reciprocalMath: UnaryMath = { vec32: (x) => f(1 / x), vec64: (x) => 1 / x };

/** sigmoid: the vector path is 1 / (1 + exp(0 - x)) with SLEEF's exp, the tail glibc's. */
export const sigmoidMath: UnaryMath = {
  vec32: (x) => f(1 / f(1 + s32.expf(f(0 - x)))),
  vec64: (x) => 1 / (1 + s64.exp(0 - x)),
  scalar32: (x) => f(1 / f(1 + g32.expf(-x))),
  scalar64: (x) => 1 / (1 + g64.exp(-x)),
};

/**
 * `x ** w`, both tensors: cpu_kernel_vec with SLEEF's pow and glibc's pow
 * on the tail. glibc's pow tables are not reproduced: the tail uses a
 * nearly correctly rounded pow, which is what glibc's is in all but about
 * 1 case in 1,000 (docs/float32-bits.md).
 */
export const powMath: BinaryMath = {
  vec32: s32.powf,
  vec64: s64.pow,
  scalar32: (x, y) => f(Math.pow(x, y)),
  scalar64: s64.powAccurate,
};

/** `x ** e` for a number e other than PyTorch's special cases (2, 3, -2, ±0.5, -1). */
export function powScalarMath(e: number): UnaryMath {
  const e32 = f(e);
  return {
    vec32: (x) => s32.powf(x, e32),
    vec64: (x) => s64.pow(x, e),
    // std::pow(float, double) is glibc's double pow, rounded to float
    scalar32: (x) => f(s64.powAccurate(x, e)),
    scalar64: (x) => s64.powAccurate(x, e),
  };
}

/** softplus: (a·β > threshold) ? a : log1p(exp(a·β)) / β, vectorised with SLEEF, tail with glibc. */
export function softplusMath(beta: number, threshold: number): UnaryMath {
  const b32 = f(beta);
  const t32 = f(threshold);
  return {
    vec32: (x) => {
      const z = f(x * b32);
      return z > t32 ? x : f(s32.log1pf(s32.expf(z)) / b32);
    },
    vec64: (x) => (x * beta > threshold ? x : s64.log1p(s64.exp(x * beta)) / beta),
    scalar32: (x) => {
      const z = f(x * b32);
      return z > t32 ? x : f(g32.log1pf(g32.expf(z)) / b32);
    },
    scalar64: (x) => (x * beta > threshold ? x : g64.log1p(g64.exp(x * beta)) / beta),
  };
}

/** softplus_backward(g, x): g·z/(z + 1) with z = exp(x·β), or g above the threshold. */
export function softplusBackwardMath(beta: number, threshold: number): BinaryMath {
  const b32 = f(beta);
  const t32 = f(threshold);
  const single = (exp: (x: number) => number) => (g: number, x: number) => {
    const bx = f(x * b32);
    const z = exp(bx);
    return bx > t32 ? g : f(f(g * z) / f(z + 1));
  };
  const double = (exp: (x: number) => number) => (g: number, x: number) => {
    const z = exp(x * beta);
    return x * beta > threshold ? g : (g * z) / (z + 1);
  };
  return { vec32: single(s32.expf), scalar32: single(g32.expf), vec64: double(s64.exp), scalar64: double(g64.exp) };
}
