/**
 * The float32 sin, cos and exp kernels in WebAssembly SIMD (source:
 * wasm/sleef.as.ts, compiled by `npm run build:wasm` into
 * wasm/sleefWasmBytes.ts). They give the JavaScript kernels' bits
 * (docs/float32-bits.md says how); this module moves an array through the
 * module's fixed memory chunk by chunk, so the memory never grows.
 *
 * The module is compiled once, synchronously, on first use: the relaxed
 * SIMD build where its fused multiply-add fuses, else the build that
 * emulates it; where WebAssembly or its SIMD is missing, the callers keep
 * their JavaScript.
 */
import { SLEEF_RELAXED_WASM_BASE64, SLEEF_WASM_BASE64 } from './wasm/sleefWasmBytes.js';

/** Below this many elements the JavaScript kernels are as fast as copying through the module's memory. */
export const WASM_MIN_ELEMENTS = 64;

/** The two builds: fmaf as relaxed SIMD's relaxed_madd where it fuses, or emulated in double precision. */
export type WasmVariant = 'fused' | 'emulated';

interface Exports {
  memory: WebAssembly.Memory;
  chunkSize(): number;
  inputs(): number;
  outputs(): number;
  wideGroups(): number;
  redoVectors(): number;
  counts(): number;
  sin(n: number): void;
  cos(n: number): void;
  exp(n: number): void;
  fmaForTests(n: number, inexact: number): void;
}

interface Kernels {
  variant: WasmVariant;
  exports: Exports;
  chunk: number;
  input: Float32Array;
  output: Float32Array;
  wide: Int32Array;
  redo: Int32Array;
  counts: Int32Array;
}

let kernels: Kernels | null | undefined;

function load(): Kernels | null {
  if (kernels === undefined) kernels = instantiate('fused') ?? instantiate('emulated');
  return kernels;
}

/** A build's kernels, or null where it cannot run here (no SIMD, no relaxed SIMD, or a relaxed_madd that does not fuse). */
function instantiate(variant: WasmVariant): Kernels | null {
  if (typeof WebAssembly !== 'object') return null;
  if (variant === 'fused') enableRelaxedSimd();
  try {
    const bytes = fromBase64(variant === 'fused' ? SLEEF_RELAXED_WASM_BASE64 : SLEEF_WASM_BASE64);
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as Exports;
    const chunk = exports.chunkSize();
    const buffer = exports.memory.buffer;
    const k: Kernels = {
      variant,
      exports,
      chunk,
      input: new Float32Array(buffer, exports.inputs(), chunk),
      output: new Float32Array(buffer, exports.outputs(), chunk),
      wide: new Int32Array(buffer, exports.wideGroups(), chunk / 8),
      redo: new Int32Array(buffer, exports.redoVectors(), chunk / 4),
      counts: new Int32Array(buffer, exports.counts(), 2),
    };
    return variant === 'emulated' || fuses(k) ? k : null;
  } catch {
    return null; // validation fails (no SIMD or relaxed SIMD), or sync compilation refused
  }
}

/**
 * Node 20's V8 has WebAssembly relaxed SIMD behind a flag (on by default
 * from Node 21, and in browsers): switched on here, just before the first
 * compile, where Node gives its v8 module to library code
 * (process.getBuiltinModule, Node 20.16 on). Loading that module costs
 * about 3 ms, so it is not done at start-up.
 */
function enableRelaxedSimd(): void {
  type NodeProcess = { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown };
  const node = (globalThis as { process?: NodeProcess }).process;
  const major = Number(node?.versions?.node?.split('.')[0]);
  if (!(major < 21) || typeof node?.getBuiltinModule !== 'function') return;
  (node.getBuiltinModule('node:v8') as { setFlagsFromString(flags: string): void }).setFlagsFromString('--experimental-wasm-relaxed-simd');
}

/**
 * Whether the build's fmaf rounds once: (1 + 2^-12)² - (1 + 2^-11) is
 * 2^-24 fused and 0 where the product is rounded first. The engine picks
 * fused or not per process, for every relaxed_madd (V8: by the CPU's
 * FMA3, in every tier), so one probe speaks for all of them.
 */
function fuses(k: Kernels): boolean {
  const a = 1 + 2 ** -12;
  k.input.fill(a, 0, 8);
  k.input.fill(-(1 + 2 ** -11), 8, 12);
  k.exports.fmaForTests(4, 0);
  return k.output.subarray(0, 4).every((r) => r === 2 ** -24);
}

/** Base64 to bytes in one loop (Uint8Array.from(atob(…), callback) took 5 ms of every start that used the kernels). */
function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const value = new Int8Array(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) value[alphabet.charCodeAt(i)] = i;
  const digits = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((digits.length * 3) / 4));
  let bits = 0;
  let count = 0;
  let at = 0;
  for (let i = 0; i < digits.length; i++) {
    bits = (bits << 6) | value[digits.charCodeAt(i)]!;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out[at++] = (bits >> count) & 0xff;
    }
  }
  return out;
}

/** Which build of the WebAssembly kernels runs here (null: none can). */
export function wasmVariant(): WasmVariant | null {
  return load()?.variant ?? null;
}

/** For the tests: run `variant`'s build from now on (false where it cannot run here); no argument restores the default choice. */
export function useWasmVariant(variant?: WasmVariant): boolean {
  kernels = variant === undefined ? undefined : instantiate(variant);
  return variant === undefined || kernels !== null;
}

/** One lane of the JavaScript kernel (lane group of the fast reduction). */
export type Lane = (d: number) => number;
/** Recomputes element i of a lane group that takes the Payne–Hanek reduction (sin, cos). */
export type WideLane = (xs: ArrayLike<number>, out: Float32Array | Float64Array, i: number, count: 1) => void;

/**
 * SLEEF's sinf8/cosf8/expf8 over xs[start, end) into out (same indices),
 * lane groups of 8 from start; xs holds float32 values. The module lists
 * the vectors of 4 where an fmaf may have rounded twice (recomputed here
 * with `lane`) and, for sin and cos, the lane groups with an element of
 * magnitude >= 125 or NaN (recomputed with `wide`). false (nothing
 * written) where the module cannot run.
 */
export function wasmUnary(
  kernel: 'sin' | 'cos' | 'exp',
  xs: ArrayLike<number>,
  out: Float32Array | Float64Array,
  start: number,
  end: number,
  lane: Lane,
  wide?: WideLane,
): boolean {
  const k = load();
  if (k === null) return false;
  const typed = xs instanceof Float32Array || xs instanceof Float64Array;
  for (let base = start; base < end; base += k.chunk) {
    const m = Math.min(k.chunk, end - base);
    if (typed) k.input.set(xs.subarray(base, base + m));
    else for (let j = 0; j < m; j++) k.input[j] = xs[base + j]!;
    k.exports[kernel](m);
    out.set(k.output.subarray(0, m), base);
    const chunkEnd = base + m;
    for (let v = 0; v < k.counts[0]!; v++) {
      const first = base + k.redo[v]!;
      for (let i = first; i < Math.min(first + 4, chunkEnd); i++) out[i] = lane(xs[i]!);
    }
    for (let g = 0; g < k.counts[1]!; g++) {
      const first = base + k.wide[g]!;
      for (let i = first; i < Math.min(first + 8, chunkEnd); i++) wide!(xs, out, i, 1);
    }
  }
  return true;
}

/**
 * For the tests: the module's fmaf on float32 triples, without (`naive`)
 * and with the recomputation of flagged vectors by `exact`, using check()
 * or (`inexact`) checkInexact().
 */
export function wasmFmaf(a: Float32Array, b: Float32Array, c: Float32Array, inexact: boolean, exact: (a: number, b: number, c: number) => number): { naive: Float32Array; result: Float32Array; flagged: number[] } {
  const k = load()!;
  const n = a.length;
  k.input.set(a);
  k.input.set(b, n);
  k.input.set(c, 2 * n);
  k.exports.fmaForTests(n, inexact ? 1 : 0);
  const naive = k.output.slice(0, n);
  const result = naive.slice();
  const flagged: number[] = [];
  for (let v = 0; v < k.counts[0]!; v++) {
    for (let i = k.redo[v]!; i < Math.min(k.redo[v]! + 4, n); i++) {
      result[i] = exact(a[i]!, b[i]!, c[i]!);
      flagged.push(i);
    }
  }
  return { naive, result, flagged };
}
