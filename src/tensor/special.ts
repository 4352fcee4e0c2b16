/**
 * Special functions JavaScript's Math lacks, in double precision: the
 * error function (for erf and gelu) and round-half-to-even (torch.round).
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/**
 * erf(x): the Maclaurin series for |x| < 2.5 (its largest term, near
 * |x| = 2.5, costs at most 3 of the 16 digits to cancellation), and
 * 1 - erfc(x) with erfc's continued fraction (modified Lentz) beyond.
 * Relative error below 1e-14 (test/special.test.ts compares with Python's
 * math.erf).
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a < 2.5) {
    // Σ (-1)^n x^(2n+1) / (n! (2n+1))
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  if (a > 6) return Math.sign(x);
  return Math.sign(x) * (1 - erfcLarge(a));
}

/** erfc(a) for a >= 2.5: exp(-a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + …)))). */
function erfcLarge(a: number): number {
  const tiny = 1e-300;
  let f = a;
  let c = a;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const an = n / 2;
    d = a + an * d;
    d = d === 0 ? tiny : 1 / d;
    c = a + an / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-a * a) / (f * Math.sqrt(Math.PI));
}

/** Round half to even, as torch.round (and C's nearbyint) do. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const up = Math.round(x); // rounds halves up
  const r = up - x === 0.5 && up % 2 !== 0 ? up - 1 : up;
  // A zero keeps x's sign (round(-0.4) is -0.).
  return r === 0 ? (x < 0 || Object.is(x, -0) ? -0 : 0) : r;
}
