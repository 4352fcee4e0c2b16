/**
 * DOT to SVG with Graphviz compiled to WebAssembly (@viz-js/viz): the same
 * in Node and in the browser, and no system Graphviz needed. The module
 * (about 1 MB, the wasm inlined) is loaded on first use only.
 */
import type { Viz } from '@viz-js/viz';

let viz: Promise<Viz> | undefined;

export async function renderSvg(dot: string): Promise<string> {
  viz ??= import('@viz-js/viz').then((m) => m.instance());
  return (await viz).renderString(dot, { format: 'svg', engine: 'dot' });
}
