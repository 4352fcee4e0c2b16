/**
 * The WebAssembly SIMD kernels of float32 sin, cos and exp against the
 * JavaScript kernels, bit for bit (NaN counts as one value, as the
 * float-bits records canonicalise it), in both builds (fmaf as relaxed
 * SIMD's fused multiply-add, and emulated), and the committed wasm
 * modules against their AssemblyScript source.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expfArray, expfArrayJs, expfArrayWasm } from '../src/tensor/numerics/sleefFloat32.js';
import { cosfArray, cosfArrayJs, cosfArrayWasm, sinfArray, sinfArrayJs, sinfArrayWasm } from '../src/tensor/numerics/sleefTrigFloat32.js';
import { fmaf } from '../src/tensor/numerics/bits.js';
import { useWasmVariant, wasmFmaf, wasmVariant, type WasmVariant } from '../src/tensor/numerics/sleefWasm.js';
// @ts-expect-error: a JavaScript build tool without types
import { compileSleefWasm, generatedModule, GENERATED } from '../tools/build-wasm.mjs';

type Out = Float32Array | Float64Array;
type Kernel = (xs: ArrayLike<number>, out: Out, start: number, end: number) => void;
const KERNELS: [string, Kernel, (xs: ArrayLike<number>, out: Out, start: number, end: number) => boolean][] = [
  ['sin', sinfArrayJs, sinfArrayWasm],
  ['cos', cosfArrayJs, cosfArrayWasm],
  ['exp', expfArrayJs, expfArrayWasm],
];

const fromBits = (bits: ArrayLike<number>) => new Float32Array(Uint32Array.from(bits).buffer);
const bitsOf = (x: number) => new Uint32Array(Float32Array.of(x).buffer)[0]!;

/** A seeded generator (a failure repeats). */
function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

/** count float32 values on each side of x (by bit pattern, same sign), x included. */
function around(x: number, count: number): number[] {
  const b = bitsOf(x);
  const out: number[] = [];
  for (let k = -count; k <= count; k++) out.push(b + k);
  return Array.from(fromBits(out.filter((v) => v >= 0 && v <= 0xffffffff && (v >>> 23) % 256 !== 255 || v === b)));
}

/** Compares the two paths on xs[start, end) (out arrays of the given type), reporting the first difference. */
function compare(name: string, js: Kernel, wasm: (xs: ArrayLike<number>, out: Out, s: number, e: number) => boolean, xs: ArrayLike<number>, start = 0, end = xs.length, Out: new (n: number) => Out = Float32Array): void {
  const want = new Out(xs.length);
  const got = new Out(xs.length);
  want.fill(7);
  got.fill(7);
  js(xs, want, start, end);
  expect(wasm(xs, got, start, end)).toBe(true);
  for (let i = 0; i < xs.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (!(Object.is(w, g) || (w !== w && g !== g))) {
      expect.fail(`${name}(${xs[i]}) [bits 0x${bitsOf(xs[i]!).toString(16)}, element ${i} of ${start}..${end}]: JavaScript ${w}, wasm ${g}`);
    }
  }
}

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1.4e-45, -1.4e-45, 1.1754942e-38, -1.1754942e-38, 1.1754944e-38, -1.1754944e-38, 3.4028235e38, -3.4028235e38, 1, -1, 0.5, 2 ** -20, -(2 ** -64)];

/** Whether relaxed SIMD's multiply-add fuses on this machine (x86 with FMA3, ARM64): where it does not, the fused build is not used and not tested. */
const FUSES = useWasmVariant('fused');
useWasmVariant();

describe('float32 sin, cos, exp in WebAssembly SIMD: the builds', () => {
  it('the default is the fused build where it fuses, else the emulating one (Node has WebAssembly SIMD)', () => {
    expect(wasmVariant()).toBe(FUSES ? 'fused' : 'emulated');
  });

  it('the committed modules are what npm run build:wasm compiles from the AssemblyScript source', async () => {
    const emulated: Uint8Array = await compileSleefWasm(false);
    const relaxed: Uint8Array = await compileSleefWasm(true);
    expect(readFileSync(GENERATED, 'utf8')).toBe(generatedModule(emulated, relaxed));
  }, 60_000);

  it.runIf(FUSES)("the fused build's fmaf is fmaf on every triple, with nothing flagged for redo", () => {
    useWasmVariant('fused');
    const next = generator(7);
    const triples: number[][] = [[1 + 2 ** -12, 1 + 2 ** -12, -(1 + 2 ** -11)], [(1 + 2 ** -18) * 2 ** -12, (1 - 2 ** -18) * 2 ** -12, 1 + 2 ** -23]];
    for (let i = 0; i < 3000; i++) triples.push([next(), next(), next()].map((bits) => fromBits([bits & 0xbfffffff])[0]!));
    const [a, b, c] = [0, 1, 2].map((j) => Float32Array.from(triples, (t) => t[j]!));
    const { naive, flagged } = wasmFmaf(a!, b!, c!, false, fmaf);
    expect(flagged).toEqual([]);
    for (let i = 0; i < triples.length; i++) {
      const want = fmaf(a![i]!, b![i]!, c![i]!);
      expect(Object.is(naive[i], want) || (want !== want && naive[i] !== naive[i]), `fmaf(${a![i]}, ${b![i]}, ${c![i]}) = ${want}, wasm ${naive[i]}`).toBe(true);
    }
    useWasmVariant();
  });
});

describe.each<WasmVariant>(FUSES ? ['fused', 'emulated'] : ['emulated'])('float32 sin, cos, exp in WebAssembly SIMD, the %s build', (variant) => {
  beforeAll(() => {
    useWasmVariant(variant);
  });
  afterAll(() => {
    useWasmVariant();
  });

  it('runs here, so the comparisons below test it', () => {
    expect(wasmVariant()).toBe(variant);
  });

  it('random float32 bit patterns over the whole range (wide lane groups, NaN, infinities, subnormals)', () => {
    const next = generator(1);
    for (const [name, js, wasm] of KERNELS) {
      const n = name === 'exp' ? 1_000_003 : 300_007;
      const xs = fromBits(Array.from({ length: n }, next));
      xs.set(SPECIALS, 1000);
      compare(name, js, wasm, xs, 5, n);
    }
  });

  it('random values of the fast (Cody–Waite) domain |x| < 125, uniform and spread over magnitudes', () => {
    const next = generator(2);
    const n = 1_200_000;
    const xs = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const r = next() / 2 ** 32;
      const sign = next() & 1 ? -1 : 1;
      // thirds: uniform in (-125, 125), |x| = 2^e with e uniform in [-150, 7), uniform in (-1, 1)
      xs[i] = i % 3 === 0 ? (r - 0.5) * 250 : i % 3 === 1 ? sign * 2 ** (r * 156.9 - 150) : r * 2 - 1;
    }
    for (const [name, js, wasm] of KERNELS) compare(name, js, wasm, xs, 3, n - 2);
  });

  it('dense sweeps around multiples of π/2 and around |x| = 125 (sin, cos)', () => {
    const xs: number[] = [];
    for (let k = -80; k <= 80; k++) xs.push(...around(Math.fround((k * Math.PI) / 2), 1500));
    for (const x of [125, -125, 124.99999, -124.99999]) xs.push(...around(x, 3000));
    const typed = Float32Array.from(xs);
    for (const [name, js, wasm] of KERNELS.slice(0, 2)) compare(name, js, wasm, typed, 1, typed.length - 3);
  });

  it("dense sweeps around exp's limits: overflow, the 100 and -104 cut-offs, subnormal and zero results", () => {
    const xs: number[] = [];
    for (const x of [88.72283, 88.7, 100, -104, -103.97208, -103.278, -87.33654, -87, -16.6, 0, 1e-7, -1e-7]) xs.push(...around(x, 4000));
    const next = generator(3);
    for (let i = 0; i < 200_000; i++) xs.push(-87.3 - (next() / 2 ** 32) * 16.7); // the subnormal results
    const typed = Float32Array.from(xs);
    const [name, js, wasm] = KERNELS[2]!;
    compare(name, js, wasm, typed, 2, typed.length);
  });

  it.runIf(variant === 'emulated')('emulates fmaf exactly: the double sums that would round twice are flagged, on midpoints of normal, subnormal and overflowing results', () => {
    // [a, b, c] with a·b + c just off a float32 midpoint, where rounding the double sum to float32 is wrong
    const k = 2 ** 22 + 1;
    const twice: [number, number, number][] = [
      [(1 + 2 ** -18) * 2 ** -12, (1 - 2 ** -18) * 2 ** -12, 1 + 2 ** -23], // 1 + 3·2^-24 - 2^-60: 1 + 2^-23, not 1 + 2^-22
      [-(1 + 2 ** -18) * 2 ** -12, (1 - 2 ** -18) * 2 ** -12, -(1 + 2 ** -23)],
      [(2 ** 15 + 1) * 2 ** -90, (2 ** 15 - 1) * 2 ** -90, k * 2 ** -149], // subnormal (2k + 1)·2^-150 - 2^-180: k·2^-149
      [(1 + 2 ** -18) * 2 ** 52, (1 - 2 ** -18) * 2 ** 51, 3.4028234663852886e38], // 2^128 - 2^103 - 2^67: FLT_MAX, not Infinity
    ];
    const next = generator(6);
    // each in a vector of its own (the module flags vectors), with lanes that need no check
    const triples: [number, number, number][] = twice.flatMap((t) => [t, [1, 1, 1], [2, 3, 4], [0.5, 0.25, -1]] as [number, number, number][]);
    // exact midpoints (right either way), zeros, and random triples of every magnitude
    triples.push([0.5, 2 ** -24, 1], [3, 2 ** -25, 1 + 2 ** -23], [0, 0, 0], [-0, 1, 0], [0, 5, -0], [2 ** -75, 2 ** -75, 0], [1e-30, 1e-30, 2 ** -149]);
    for (let i = 0; i < 3000; i++) triples.push([next(), next(), next()].map((bits) => fromBits([bits & 0xbfffffff])[0]!) as [number, number, number]);
    for (const inexact of [false, true]) {
      const [a, b, c] = [0, 1, 2].map((j) => Float32Array.from(triples, (t) => t[j]!));
      const { naive, result, flagged } = wasmFmaf(a!, b!, c!, inexact, fmaf);
      for (let i = 0; i < 4 * twice.length; i += 4) {
        expect(Object.is(naive[i], fmaf(a![i]!, b![i]!, c![i]!)), `triple ${i} rounds twice without the check`).toBe(false);
        expect(flagged, `triple ${i} flagged`).toContain(i);
      }
      for (let i = 0; i < triples.length; i++) {
        const want = fmaf(a![i]!, b![i]!, c![i]!);
        expect(Object.is(result[i], want) || (want !== want && result[i] !== result[i]), `fmaf(${a![i]}, ${b![i]}, ${c![i]}) = ${want}, wasm ${result[i]}`).toBe(true);
      }
      // few vectors are recomputed: the check flags midpoints and tiny sums only
      expect(flagged.length).toBeLessThan(200);
    }
  });

  it('the fast domain vectors where an fmaf sum lands inexactly on a float32 midpoint (found by an exhaustive scan)', () => {
    // Each value starts a vector of 4 consecutive float32s; one of its lanes has a double sum on a midpoint with a nonzero error.
    const vectors = { sin: [0x3b2e07d8, 0xbb2e07d8], cos: [], exp: [0x347ffffc, 0x34fffffc, 0x357ffffc, 0x35fffff8, 0x3634002c, 0x367ffff4, 0x36ffffe8] };
    for (const [name, js, wasm] of KERNELS) {
      const bits: number[] = [];
      for (const first of vectors[name as keyof typeof vectors]) for (const start of [first - 3, first]) for (let k = 0; k < 8; k++) bits.push(start + k);
      for (let k = 0; k < 40; k++) bits.push(bitsOf(1) + k * 77); // an array of at least 64 elements
      compare(name, js, wasm, fromBits(bits));
    }
  });

  it('lengths and starts off the vector width, wide groups amid fast ones, chunk boundaries, Float64Array and plain arrays', () => {
    const next = generator(4);
    for (const [name, js, wasm] of KERNELS) {
      for (const [start, end] of [[0, 1], [3, 10], [1, 64], [5, 71], [0, 16384], [7, 16384 + 9], [13, 50_001]]) {
        const xs = Float32Array.from({ length: end + 3 }, (_, i) => (i % 37 === 11 ? 1000 * (next() / 2 ** 32) : ((next() / 2 ** 32) - 0.5) * 20));
        compare(name, js, wasm, xs, start, end);
        compare(name, js, wasm, Float64Array.from(xs), start, end, Float64Array);
        if (end < 100) compare(name, js, wasm, Array.from(xs), start, end);
      }
    }
  });

  it('sinfArray, cosfArray and expfArray give the JavaScript bits through either path (short and long calls)', () => {
    const next = generator(5);
    const xs = Float32Array.from({ length: 5000 }, () => ((next() / 2 ** 32) - 0.5) * 300);
    for (const [name, js] of KERNELS) {
      const dispatch = name === 'sin' ? sinfArray : name === 'cos' ? cosfArray : expfArray;
      for (const [start, end] of [[0, 40], [2, 63], [0, 64], [9, 5000]]) compare(name, js, (x, o, s, e) => (dispatch(x, o, s, e), true), xs, start, end);
    }
  });
});
