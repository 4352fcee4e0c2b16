/**
 * float32 matrix products in WebAssembly SIMD. Each element of the result
 * still adds its products in the BLAS's order of p, one float32 product and
 * one float32 sum at a time (f32x4.mul and f32x4.add are IEEE float32
 * operations, lane by lane): the same bits as the JavaScript loop, which
 * emulates float32 in doubles (a sum of two float32 values rounded through
 * a double is rounded correctly), four columns at once.
 *
 * The module is a few hundred bytes assembled here, so no build step or
 * binary file is needed; where WebAssembly or its SIMD is missing, mm()
 * keeps the JavaScript loop.
 */

// Opcodes used below (WebAssembly core and SIMD).
const OP = {
  block: 0x02, loop: 0x03, end: 0x0b, br: 0x0c, brIf: 0x0d,
  get: 0x20, set: 0x21, tee: 0x22,
  f32load: 0x2a, f32store: 0x38, i32const: 0x41,
  geU: 0x4f, add: 0x6a, mul: 0x6c, and: 0x71, shl: 0x74,
  f32add: 0x92, f32mul: 0x94, simd: 0xfd,
} as const;
const VOID = 0x40;

// Parameters: a, b, out (byte addresses), n, k, m. Locals after them.
const [A, B, OUT, N, K, M] = [0, 1, 2, 3, 4, 5];
const [I, P, J, OUT_ROW, B_ROW, M4, XS, XV] = [6, 7, 8, 9, 10, 11, 12, 13];

const get = (l: number) => [OP.get, l];
const set = (l: number) => [OP.set, l];
const i32 = (v: number) => [OP.i32const, v & 0x7f]; // small non-negative constants only (< 64)
const addrOf = (row: number, index: number) => [...get(row), ...get(index), ...i32(2), OP.shl, OP.add];
/** `while (counter < limit) { body; counter += step }` */
const loopWhile = (counter: number, limit: number, step: number, body: number[]) => [
  OP.block, VOID, OP.loop, VOID,
  ...get(counter), ...get(limit), OP.geU, OP.brIf, 1,
  ...body,
  ...get(counter), ...i32(step), OP.add, ...set(counter),
  OP.br, 0, OP.end, OP.end,
];

function body(): number[] {
  const vectorStep = [
    ...addrOf(OUT_ROW, J),
    ...addrOf(OUT_ROW, J), OP.simd, 0x00, 4, 0, // v128.load
    ...get(XV), ...addrOf(B_ROW, J), OP.simd, 0x00, 4, 0,
    OP.simd, 0xe6, 0x01, // f32x4.mul
    OP.simd, 0xe4, 0x01, // f32x4.add
    OP.simd, 0x0b, 4, 0, // v128.store
  ];
  const scalarStep = [
    ...addrOf(OUT_ROW, J),
    ...addrOf(OUT_ROW, J), OP.f32load, 2, 0,
    ...get(XS), ...addrOf(B_ROW, J), OP.f32load, 2, 0,
    OP.f32mul, OP.f32add, OP.f32store, 2, 0,
  ];
  const perP = [
    // xs = a[i * k + p]; xv = splat(xs); bRow = b + p * m * 4; j = 0
    ...get(A), ...get(I), ...get(K), OP.mul, ...get(P), OP.add, ...i32(2), OP.shl, OP.add, OP.f32load, 2, 0,
    OP.tee, XS, OP.simd, 0x13, ...set(XV),
    ...get(B), ...get(P), ...get(M), OP.mul, ...i32(2), OP.shl, OP.add, ...set(B_ROW),
    ...i32(0), ...set(J),
    ...loopWhile(J, M4, 4, vectorStep),
    ...loopWhile(J, M, 1, scalarStep),
  ];
  const perI = [
    ...get(OUT), ...get(I), ...get(M), OP.mul, ...i32(2), OP.shl, OP.add, ...set(OUT_ROW),
    ...i32(0), ...set(P),
    ...loopWhile(P, K, 1, perP),
  ];
  return [
    ...get(M), OP.i32const, 0x7c, OP.and, ...set(M4), // m4 = m & -4
    ...i32(0), ...set(I),
    ...loopWhile(I, N, 1, perI),
    OP.end,
  ];
}

const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return out;
}
const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const locals = [3, 6, 0x7f, 1, 0x7d, 1, 0x7b]; // 6 × i32, 1 × f32, 1 × v128
  const code = [...locals, ...body()];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 6, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]),
    ...section(2, [1, ...name('env'), ...name('mem'), 0x02, 0x00, 0x01]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('mm32'), 0x00, 0]),
    ...section(10, [1, ...uleb(code.length), ...code]),
  ]);
}

interface Kernel {
  memory: WebAssembly.Memory;
  mm32: (a: number, b: number, out: number, n: number, k: number, m: number) => void;
}

let kernel: Kernel | null | undefined;

function load(): Kernel | null {
  try {
    const bytes = moduleBytes();
    if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) return null;
    const memory = new WebAssembly.Memory({ initial: 1 });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } });
    return { memory, mm32: instance.exports.mm32 as Kernel['mm32'] };
  } catch {
    return null;
  }
}

/**
 * out (n×m, zeros) = a (n×k) · b (k×m) in float32, or false when
 * WebAssembly SIMD is not available here.
 */
export function mm32(a: ArrayLike<number>, b: ArrayLike<number>, out: Float32Array, n: number, k: number, m: number): boolean {
  if (kernel === undefined) kernel = load();
  if (!kernel) return false;
  const bytes = 4 * (n * k + k * m + n * m);
  const { memory } = kernel;
  if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
  const heap = new Float32Array(memory.buffer);
  heap.set(a, 0);
  heap.set(b, n * k);
  heap.fill(0, n * k + k * m, n * k + k * m + n * m);
  kernel.mm32(0, 4 * n * k, 4 * (n * k + k * m), n, k, m);
  out.set(heap.subarray(n * k + k * m, n * k + k * m + n * m));
  return true;
}
