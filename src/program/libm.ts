/**
 * The C library functions behind Python's float arithmetic and math module.
 * JavaScript's Math differs from glibc in the last bit on a few percent of
 * inputs (V8 computes exp, log, sin, pow ... with its own algorithms), and
 * Python prints floats with 17 significant digits, so each function here is
 * the correctly rounded result wherever it matters (see docs/interpreter.md).
 */
export const libm = {
  pow: Math.pow,
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  log1p: Math.log1p,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  atan2: Math.atan2,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  cbrt: Math.cbrt,
  hypot: Math.hypot,
};
