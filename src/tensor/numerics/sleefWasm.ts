/**
 * The float32 sin, cos and exp kernels in WebAssembly SIMD (source:
 * wasm/sleef.as.ts, compiled by `npm run build:wasm` into
 * wasm/sleefWasmBytes.ts). They give the JavaScript kernels' bits
 * (docs/float32-bits.md says how); this module moves an array through the
 * module's fixed memory chunk by chunk, so the memory never grows.
 *
 * The module is compiled once, synchronously, on first use; where
 * WebAssembly or its SIMD is missing, the callers keep their JavaScript.
 */
import { SLEEF_WASM_BASE64 } from './wasm/sleefWasmBytes.js';

interface Exports {
  memory: WebAssembly.Memory;
  chunkSize(): number;
  inputs(): number;
  outputs(): number;
  wideGroups(): number;
  sin(n: number): number;
  cos(n: number): number;
  exp(n: number): void;
}

interface Kernels {
  exports: Exports;
  chunk: number;
  input: Float32Array;
  output: Float32Array;
  wide: Int32Array;
}

let kernels: Kernels | null | undefined;

function load(): Kernels | null {
  if (kernels !== undefined) return kernels;
  kernels = null;
  if (typeof WebAssembly !== 'object') return null;
  try {
    const bytes = Uint8Array.from(atob(SLEEF_WASM_BASE64), (c) => c.charCodeAt(0));
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as Exports;
    const chunk = exports.chunkSize();
    const buffer = exports.memory.buffer;
    kernels = {
      exports,
      chunk,
      input: new Float32Array(buffer, exports.inputs(), chunk),
      output: new Float32Array(buffer, exports.outputs(), chunk),
      wide: new Int32Array(buffer, exports.wideGroups(), chunk / 8),
    };
  } catch {
    kernels = null; // no SIMD (validation fails), or sync compilation refused
  }
  return kernels;
}

/** Whether the WebAssembly kernels run here. */
export function wasmKernelsAvailable(): boolean {
  return load() !== null;
}

/** Recomputes element i of a lane group the module lists as wide (the JavaScript Payne–Hanek path). */
export type WideLane = (xs: ArrayLike<number>, out: Float32Array | Float64Array, i: number, count: 1) => void;

/**
 * SLEEF's sinf8/cosf8/expf8 over xs[start, end) into out (same indices),
 * lane groups of 8 from start; xs holds float32 values. false (nothing
 * written) where the module cannot run.
 */
export function wasmUnary(
  kernel: 'sin' | 'cos' | 'exp',
  xs: ArrayLike<number>,
  out: Float32Array | Float64Array,
  start: number,
  end: number,
  wide?: WideLane,
): boolean {
  const k = load();
  if (k === null) return false;
  const typed = xs instanceof Float32Array || xs instanceof Float64Array;
  for (let base = start; base < end; base += k.chunk) {
    const m = Math.min(k.chunk, end - base);
    if (typed) k.input.set(xs.subarray(base, base + m));
    else for (let j = 0; j < m; j++) k.input[j] = xs[base + j]!;
    const groups = kernel === 'exp' ? (k.exports.exp(m), 0) : k.exports[kernel](m);
    out.set(k.output.subarray(0, m), base);
    for (let g = 0; g < groups; g++) {
      const first = base + k.wide[g]!;
      const last = Math.min(first + 8, base + m);
      for (let i = first; i < last; i++) wide!(xs, out, i, 1);
    }
  }
  return true;
}
