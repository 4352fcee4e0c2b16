/**
 * The playground's build: static files in dist/web that work from a server
 * (`dzdx serve`) and opened straight from disk (file://), offline. From
 * file:// Chromium refuses module scripts, crossorigin links and web fonts,
 * so the bundle is one classic (IIFE) script, tags lose `type=module` and
 * `crossorigin`, and KaTeX's fonts are inlined into the CSS.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * KaTeX's stylesheet names each font three times (woff2, woff, ttf); every
 * browser that runs the page reads woff2, so the other two, inlined, would
 * only make the script 1.1 MB larger.
 */
const woff2Only: Plugin = {
  name: 'dzdx-katex-woff2-only',
  enforce: 'pre',
  transform(code, id) {
    if (!/katex(\.min)?\.css/.test(id)) return null;
    return code.replace(/,\s*url\([^)]*\.woff\)\s*format\("woff"\)|,\s*url\([^)]*\.ttf\)\s*format\("truetype"\)/g, '');
  },
};

const classicScript: Plugin = {
  name: 'dzdx-classic-script',
  enforce: 'post',
  transformIndexHtml: {
    order: 'post',
    handler: (html) => html.replace(/<script type="module" crossorigin/g, '<script defer').replace(/ crossorigin(?=[ >])/g, ''),
  },
};

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  publicDir: false,
  logLevel: 'warn',
  plugins: [woff2Only, classicScript],
  // Neither user of import.meta.url needs it here: the mathjs shim ignores it, @viz-js/viz has its wasm inline.
  define: { 'import.meta.url': 'undefined' },
  resolve: {
    alias: { 'node:module': fileURLToPath(new URL('./shims/node-module.ts', import.meta.url)) },
  },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // Everything inline that file:// would otherwise block (fonts); the wasm is inlined by @viz-js/viz itself.
    assetsInlineLimit: 1024 * 1024,
    chunkSizeWarningLimit: 8192,
    modulePreload: false,
    rolldownOptions: {
      output: { format: 'iife', codeSplitting: false },
      // import.meta is handled above (define); the build's timing report is noise in npm test.
      checks: { emptyImportMeta: false, pluginTimings: false },
    },
  },
});
