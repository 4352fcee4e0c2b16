/**
 * The numeric loops of the reductions beyond sum and mean: one function per
 * reduction, each taking the input's row-major values and the groups (or
 * lines) of positions it reduces, so that PyTorch's exact accumulation
 * order and precision can replace any one of them in one place. Today they
 * accumulate in double and the caller rounds once to the dtype.
 */

type Groups = readonly (ArrayLike<number>)[];

export function prodOf(xs: ArrayLike<number>, groups: Groups): number[] {
  return groups.map((g) => {
    let p = 1;
    for (let i = 0; i < g.length; i++) p *= xs[g[i]!]!;
    return p;
  });
}

/** Σ (x - mean)² / (n - correction), two passes. n - correction <= 0 gives PyTorch's inf/nan. */
export function varianceOf(xs: ArrayLike<number>, groups: Groups, correction: number): number[] {
  return groups.map((g) => {
    const n = g.length;
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[g[i]!]!;
    const mean = s / n;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const d = xs[g[i]!]! - mean;
      ss += d * d;
    }
    return ss / Math.max(0, n - correction);
  });
}

/** The p-norm: Σ|x|^p ^ (1/p); p = 0 counts nonzeros; ±inf the largest or smallest |x|. */
export function normOf(xs: ArrayLike<number>, groups: Groups, p: number): number[] {
  return groups.map((g) => {
    const abs = Array.from(g, (i) => Math.abs(xs[i]!));
    if (abs.some(Number.isNaN)) return NaN;
    if (p === Infinity) return abs.reduce((m, v) => Math.max(m, v), 0);
    if (p === -Infinity) return abs.reduce((m, v) => Math.min(m, v), Infinity);
    if (p === 0) return abs.filter((v) => v !== 0).length;
    if (p === 1) return abs.reduce((s, v) => s + v, 0);
    if (p === 2) return Math.sqrt(abs.reduce((s, v) => s + v * v, 0));
    return Math.pow(abs.reduce((s, v) => s + Math.pow(v, p), 0), 1 / p);
  });
}

/** log Σ exp(x), shifted by the largest x (PyTorch's stable form). */
export function logsumexpOf(xs: ArrayLike<number>, groups: Groups): number[] {
  return groups.map((g) => {
    let m = -Infinity;
    for (let i = 0; i < g.length; i++) m = Math.max(m, xs[g[i]!]!);
    if (!Number.isFinite(m)) m = 0;
    let s = 0;
    for (let i = 0; i < g.length; i++) s += Math.exp(xs[g[i]!]! - m);
    return Math.log(s) + m;
  });
}

/** Running sums along each line, written at the line's positions (PyTorch accumulates in double). */
export function cumsumOf(xs: ArrayLike<number>, lines: Groups, n: number): Float64Array {
  const out = new Float64Array(n);
  for (const line of lines) {
    let s = 0;
    for (let k = 0; k < line.length; k++) out[line[k]!] = s += xs[line[k]!]!;
  }
  return out;
}

export function cumprodOf(xs: ArrayLike<number>, lines: Groups, n: number): Float64Array {
  const out = new Float64Array(n);
  for (const line of lines) {
    let p = 1;
    for (let k = 0; k < line.length; k++) out[line[k]!] = p *= xs[line[k]!]!;
  }
  return out;
}

/** softmax along each line: exp(x - max) / Σ exp(x - max). */
export function softmaxOf(xs: ArrayLike<number>, lines: Groups, n: number, log: boolean): Float64Array {
  const out = new Float64Array(n);
  for (const line of lines) {
    let m = -Infinity;
    for (let k = 0; k < line.length; k++) m = Math.max(m, xs[line[k]!]!);
    let s = 0;
    for (let k = 0; k < line.length; k++) s += Math.exp(xs[line[k]!]! - m);
    for (let k = 0; k < line.length; k++) {
      const shifted = xs[line[k]!]! - m;
      out[line[k]!] = log ? shifted - Math.log(s) : Math.exp(shifted) / s;
    }
  }
  return out;
}
