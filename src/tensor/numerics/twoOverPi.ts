/**
 * Tables of 1/(2π) for Payne–Hanek argument reduction of huge sin/cos/tan
 * arguments, built the way SLEEF builds its rempitab (each row: the
 * fractional part of 2^ex/(2π), rescaled, split into four float32 or
 * float64 pieces whose leading ones drop their last bits). Computed here
 * with BigInt from Machin's formula for π, on first use.
 */

const PRECISION = 2400n; // bits after the binary point

function arctanInverse(n: bigint, one: bigint): bigint {
  // atan(1/n) = sum (-1)^k / ((2k+1) n^(2k+1))
  let term = one / n;
  const n2 = n * n;
  let sum = term;
  for (let k = 1n; term !== 0n; k++) {
    term /= n2;
    const t = term / (2n * k + 1n);
    sum += k % 2n === 1n ? -t : t;
  }
  return sum;
}

let reciprocalTwoPi: bigint | null = null;

/** floor(2^PRECISION / (2π)), with π from 16 atan(1/5) - 4 atan(1/239) carried with guard bits. */
function oneOverTwoPi(): bigint {
  if (reciprocalTwoPi === null) {
    const guard = 64n;
    const one = 1n << (PRECISION + guard);
    const pi = 16n * arctanInverse(5n, one) - 4n * arctanInverse(239n, one);
    reciprocalTwoPi = (1n << (2n * (PRECISION + guard))) / (2n * pi) >> guard;
  }
  return reciprocalTwoPi;
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** n / 2^PRECISION rounded to the nearest double (ties to even); n may be negative. */
function toDouble(n: bigint): number {
  if (n === 0n) return 0;
  const sign = n < 0n ? -1 : 1;
  let m = n < 0n ? -n : n;
  // keep 53 bits, fewer for a subnormal result (lowest bit 2^-1074)
  const shift = Math.max(bitLength(m) - 53, Number(PRECISION) - 1074);
  let exp = -Number(PRECISION);
  if (shift > 0) {
    const s = BigInt(shift);
    const rest = m & ((1n << s) - 1n);
    const half = 1n << (s - 1n);
    m >>= s;
    if (rest > half || (rest === half && (m & 1n) === 1n)) m += 1n;
    exp += shift;
  }
  return sign * Number(m) * 2 ** (exp + 600) * 2 ** -600;
}

/** A finite double as a fixed-point BigInt (exact: PRECISION covers every table entry). */
function fromDouble(d: number): bigint {
  if (d === 0) return 0n;
  let e = 0;
  let m = Math.abs(d);
  while (m !== Math.floor(m)) {
    m *= 2;
    e++;
  }
  const v = BigInt(m) << (PRECISION - BigInt(e));
  return d < 0 ? -v : v;
}

/** The fractional part of 2^ex/(2π), divided by 2^ex and scaled by 2^scale. */
function reducedRow(ex: number, scale: number): bigint {
  const r = oneOverTwoPi();
  const y = ex >= 0 ? r << BigInt(ex) : r >> BigInt(-ex);
  const frac = y & ((1n << PRECISION) - 1n);
  const v = ex >= 0 ? frac >> BigInt(ex) : frac << BigInt(-ex);
  return v << BigInt(scale);
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);

function dropFloatBits(x: number): number {
  f32[0] = x;
  i32[0]! &= 0xfffffffc;
  return f32[0]!;
}

function dropDoubleBit(x: number): number {
  f64[0] = x;
  i64[0]! &= ~1n;
  return f64[0]!;
}

let singleTable: Float32Array | null = null;
let doubleTable: Float64Array | null = null;

/** Rows for float32 exponents 25..127 (SLEEF's Sleef_rempitabsp). */
export function rempiTableSingle(): Float32Array {
  if (singleTable === null) {
    const rows: number[] = [];
    for (let i = 25; i < 128; i++) {
      let x = reducedRow(i - 23, i > 90 ? 64 : 0);
      for (let k = 0; k < 3; k++) {
        const piece = dropFloatBits(Math.fround(toDouble(x)));
        rows.push(piece);
        x -= fromDouble(piece);
      }
      rows.push(Math.fround(toDouble(x)));
    }
    singleTable = Float32Array.from(rows);
  }
  return singleTable;
}

/** Rows for float64 exponents 55..1023 (SLEEF's Sleef_rempitabdp). */
export function rempiTableDouble(): Float64Array {
  if (doubleTable === null) {
    const rows: number[] = [];
    for (let i = 55; i < 1024; i++) {
      let x = reducedRow(Math.max(i - 53, -52), i > 700 ? 64 : 0);
      for (let k = 0; k < 3; k++) {
        const piece = dropDoubleBit(toDouble(x));
        rows.push(piece);
        x -= fromDouble(piece);
      }
      rows.push(toDouble(x));
    }
    doubleTable = Float64Array.from(rows);
  }
  return doubleTable;
}
