/**
 * The V8 flag the CLI sets (cli/main.ts): on Node 20, WebAssembly relaxed
 * SIMD, so that the tests run the float32 sin/cos/exp build the CLI runs.
 */
import { setFlagsFromString } from 'node:v8';

if (Number(process.versions.node.split('.')[0]) < 21) setFlagsFromString('--experimental-wasm-relaxed-simd');
