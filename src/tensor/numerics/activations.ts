/**
 * The activations of torch.nn.functional as PyTorch 1.13's CPU kernels
 * compute them (Activation.cpp's cpu_kernel_vec loops: the vector lambda
 * on blocks of 16 float32 / 8 float64 elements, with SLEEF's functions, the
 * scalar lambda with glibc's on the rest), in the forms elementwise.ts
 * applies. Scalars such as a slope are converted to the dtype first, as the
 * kernels' `alpha.to<scalar_t>()` does.
 *
 * float32 gelu (approximate='none') of a contiguous tensor of more than one
 * element does not run PyTorch's kernel at all: 1.13 hands it to oneDNN's
 * eltwise_gelu_erf (gelu_erf_oneDnn below).
 */
import { bitsFloat, fma, fmaf, fround as f } from './bits.js';
import type { BinaryMath, UnaryMath } from './elementwise.js';
import * as g32 from './glibcFloat32.js';
import * as g64 from './glibcFloat64.js';
import * as s32 from './sleefFloat32.js';
import * as s64 from './sleefFloat64.js';

/** A function of x with one form for float32 lanes and one for float64, the same on both loops. */
function lanewise(single: (x: number) => number, double: (x: number) => number): UnaryMath {
  return { vec32: single, vec64: double, scalar32: single, scalar64: double };
}

/** leaky_relu: x > 0 ? x : x·slope. */
export function leakyReluMath(slope: number): UnaryMath {
  const s32v = f(slope);
  return lanewise((x) => (x > 0 ? x : f(x * s32v)), (x) => (x > 0 ? x : x * slope));
}

/** leaky_relu_backward(g, x): x > 0 ? g : g·slope. */
export function leakyReluBackwardMath(slope: number): BinaryMath {
  const s32v = f(slope);
  const single = (g: number, x: number) => (x > 0 ? g : f(g * s32v));
  const double = (g: number, x: number) => (x > 0 ? g : g * slope);
  return { vec32: single, vec64: double, scalar32: single, scalar64: double };
}

export interface EluParams {
  alpha: number;
  scale: number;
  inputScale: number;
}

/** The kernel's three coefficients in the dtype: negcoef = alpha·scale (one rounding), poscoef, negiptcoef. */
function eluCoefficients(p: EluParams, single: boolean): { neg: number; pos: number; input: number } {
  if (!single) return { neg: p.alpha * p.scale, pos: p.scale, input: p.inputScale };
  return { neg: f(f(p.alpha) * f(p.scale)), pos: f(p.scale), input: f(p.inputScale) };
}

/** elu: x > 0 ? x·poscoef : (e^(x·negiptcoef) - 1)·negcoef (SLEEF's exp on vectors, glibc's on the rest). */
export function eluMath(p: EluParams): UnaryMath {
  const c = eluCoefficients(p, true);
  const d = eluCoefficients(p, false);
  const single = (exp: (x: number) => number) => (x: number) => (x > 0 ? f(x * c.pos) : f(f(exp(f(x * c.input)) - 1) * c.neg));
  const double = (exp: (x: number) => number) => (x: number) => (x > 0 ? x * d.pos : (exp(x * d.input) - 1) * d.neg);
  return { vec32: single(s32.expf), scalar32: single(g32.expf), vec64: double(s64.exp), scalar64: double(g64.exp) };
}

/** elu_backward(g, x) of the input: x > 0 ? g·poscoef : g·negiptcoef·negcoef·e^(x·negiptcoef). */
export function eluBackwardMath(p: EluParams): BinaryMath {
  const c = eluCoefficients(p, true);
  const d = eluCoefficients(p, false);
  const single = (exp: (x: number) => number) => (g: number, x: number) =>
    x > 0 ? f(g * c.pos) : f(f(f(g * c.input) * c.neg) * exp(f(x * c.input)));
  const double = (exp: (x: number) => number) => (g: number, x: number) =>
    x > 0 ? g * d.pos : g * d.input * d.neg * exp(x * d.input);
  return { vec32: single(s32.expf), scalar32: single(g32.expf), vec64: double(s64.exp), scalar64: double(g64.exp) };
}

/** silu: x / (1 + e^-x). */
export const siluMath: UnaryMath = {
  vec32: (x) => f(x / f(1 + s32.expf(-x))),
  scalar32: (x) => f(x / f(1 + g32.expf(-x))),
  vec64: (x) => x / (1 + s64.exp(-x)),
  scalar64: (x) => x / (1 + g64.exp(-x)),
};

/**
 * silu_backward(g, x) (PyTorch's backward when it records no graph):
 * s = 1 / (1 + e^-x), g·s·(1 + x·(1 - s)), with 1 + x·(1 - s) fused as the
 * AVX2 build contracts it.
 */
export const siluBackwardMath: BinaryMath = (() => {
  const single = (exp: (x: number) => number) => (g: number, x: number) => {
    const s = f(1 / f(1 + exp(-x)));
    return f(f(g * s) * fmaf(x, f(1 - s), 1));
  };
  const double = (exp: (x: number) => number) => (g: number, x: number) => {
    const s = 1 / (1 + exp(-x));
    return g * s * fma(x, 1 - s, 1);
  };
  return { vec32: single(s32.expf), scalar32: single(g32.expf), vec64: double(s64.exp), scalar64: double(g64.exp) };
})();

// oneDNN's eltwise_gelu_erf (jit_uni_eltwise_injector, AVX2): erf by Abramowitz
// and Stegun's 7.1.26, t = 1/(1 + p|x|), erf = 1 - t·(a1 + a2 t + … + a5 t⁴)·e^(-x²),
// with oneDNN's own exp; every step a float32 vector instruction.

const ONE_OVER_SQRT2 = bitsFloat(0x3f3504f3);
const ONE_OVER_SQRT_PI = bitsFloat(0x3f106eba);
const AS_P = bitsFloat(0x3ea7ba05);
const AS_A = [0x3e827906, 0xbe91a98e, 0x3fb5f0e3, 0xbfba00e3, 0x3f87dc22].map(bitsFloat);
const EXP_LN_MAX = bitsFloat(0x42b17218);
const EXP_LN_MIN = bitsFloat(0xc2aeac50);
const EXP_LOG2E = bitsFloat(0x3fb8aa3b);
const EXP_LN2 = bitsFloat(0x3f317218);
const EXP_P = [0x3f7ffffb, 0x3efffee3, 0x3e2aad40, 0x3d2b9d0d, 0x3c07cfce].map(bitsFloat);

/**
 * oneDNN's vector exp: x clamped to [ln FLT_MIN, ln FLT_MAX] (minps/maxps:
 * a NaN becomes the bound), n = floor(x·log2 e + 1/2), r = x - n·ln 2 fused,
 * a degree-5 polynomial, times 2^(n-1) (0 below ln FLT_MIN) times 2.
 */
function oneDnnExp(x: number): number {
  const underflow = x < EXP_LN_MIN;
  let v = x < EXP_LN_MAX ? x : EXP_LN_MAX;
  v = v > EXP_LN_MIN ? v : EXP_LN_MIN;
  const n = Math.floor(f(f(v * EXP_LOG2E) + 0.5));
  const r = fmaf(-n, EXP_LN2, v);
  // 2^(n-1) built from its exponent bits: n - 1 = -127 gives the bit pattern 0
  const scale = underflow || n - 1 < -126 ? 0 : bitsFloat((n - 1 + 127) << 23);
  let p = EXP_P[4]!;
  for (let k = 3; k >= 0; k--) p = fmaf(p, r, EXP_P[k]!);
  p = fmaf(p, r, 1);
  return f(f(p * scale) * 2);
}

/** erf(x) as oneDNN's gelu computes it, for x = s/√2 (sign from `signOf`). */
function oneDnnErf(x: number, negative: boolean): number {
  const t = f(1 / fmaf(AS_P, Math.abs(x), 1));
  const q = f(-oneDnnExp(-f(x * x)) * t);
  let r = AS_A[4]!;
  for (let k = 3; k >= 0; k--) r = fmaf(r, t, AS_A[k]!);
  const e = fmaf(q, r, 1);
  return negative ? -e : e;
}

const signBit = (x: number) => x < 0 || Object.is(x, -0);

/** gelu(s) = S + S·erf(s/√2), S = s/2, as one fused step. */
export function geluErfOneDnn(s: number): number {
  const e = oneDnnErf(f(s * ONE_OVER_SQRT2), signBit(s));
  const half = f(s * 0.5);
  return fmaf(e, half, half);
}

/** gelu'(s)·g: (R/√π·e^(-R²) + 1/2) + erf(R)/2 with R = s/√2, times the gradient. */
export function geluErfBackwardOneDnn(g: number, s: number): number {
  const r = f(s * ONE_OVER_SQRT2);
  const t = f(f(r * ONE_OVER_SQRT_PI) * oneDnnExp(-f(r * r)));
  const e = oneDnnErf(r, signBit(r));
  return f(fmaf(e, 0.5, f(t + 0.5)) * g);
}
