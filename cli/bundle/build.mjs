/**
 * The CLI's bundle (dist/bundle, CommonJS), built by esbuild: main.js, the
 * start (cli/bundle/launch.ts), loads cli.cjs (cli/main.ts: the command
 * line) and then one file per command (cli/run.ts → run.cjs, cli/check.ts
 * → check.cjs, …: every `import('./X.js')` of cli/main.ts), each holding
 * everything its command runs, mathjs's single-file build and the YAML
 * and CSV readers included (loaded by Node, yaml alone took 40 ms), so
 * that the launcher's code cache covers it all. A command's own lazy
 * imports stay in its file (evaluated only when reached).
 * grade-worker.js runs the worker threads of `dzdx grade`.
 *
 *   node cli/bundle/build.mjs [--analyze]
 *
 * --analyze prints what each file holds, by package and source folder
 * (from esbuild's metafile).
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = join(ROOT, 'dist/bundle');
/** Left in node_modules: Graphviz's 1.6 MB of WebAssembly, read only to draw an SVG. */
const EXTERNAL = ['@viz-js/viz'];

/** src/symbolic/mathjs.ts loads mathjs with `createRequire(...)(…)`: here, as in the playground, the bundled single-file build. */
const bundledMathjs = {
  name: 'bundled-mathjs',
  setup(b) {
    b.onResolve({ filter: /^node:module$/ }, (args) =>
      args.importer === join(ROOT, 'src/symbolic/mathjs.ts') ? { path: join(ROOT, 'web/shims/node-module.ts') } : undefined,
    );
  },
};

/**
 * Commands whose file Node loads itself, without the code cache: `dzdx
 * props --engine FILE` import()s the user's ES module, which code compiled
 * from a V8 cache (vm.Script) cannot do without an experimental flag.
 */
const LOADED_BY_NODE = new Set(['props']);

/**
 * The commands cli/main.ts imports (`await import('./run.js')`) become
 * files of their own, required when the command runs: run.cjs through the
 * launcher's code cache, props.js by Node.
 */
function commandFiles(found) {
  return {
    name: 'command-files',
    setup(b) {
      b.onResolve({ filter: /^\.\/[\w-]+\.js$/ }, (args) => {
        if (args.importer !== join(ROOT, 'cli/main.ts') || args.kind !== 'dynamic-import') return undefined;
        found.add(args.path.slice(2, -3));
        return { path: args.path.slice(2, -3), namespace: 'command-file' };
      });
      b.onLoad({ filter: /.*/, namespace: 'command-file' }, (args) => ({
        contents: `module.exports = require('./${args.path}.${LOADED_BY_NODE.has(args.path) ? 'js' : 'cjs'}');`,
        loader: 'js',
      }));
      b.onResolve({ filter: /^\.\//, namespace: 'command-file' }, (args) => ({ path: args.path, external: true }));
    },
  };
}

const ANALYZE = process.argv.includes('--analyze');

const common = {
  bundle: true,
  metafile: ANALYZE,
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  // A third smaller, so less to read at every start; names are kept, so a stack trace still reads.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  plugins: [bundledMathjs],
};

/**
 * CommonJS for the launcher: import() becomes require() (packages left in
 * node_modules have CommonJS builds); import.meta.url the file's own URL,
 * made when first read (making a URL at every start cost about 8 ms).
 */
const commonjs = {
  ...common,
  format: 'cjs',
  outdir: OUT,
  outExtension: { '.js': '.cjs' },
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__import_meta.url', 'import.meta.dirname': '__dirname' },
  // "use strict" first: the banner would otherwise take its place as the file's first statement, and the ES modules bundled here are strict code.
  banner: { js: '"use strict";\nvar __import_meta = { get url() { return require("node:url").pathToFileURL(__filename).href; } };' },
};

/** What each output file holds, by package or source folder, largest first. */
function analyze({ metafile }) {
  for (const [file, output] of Object.entries(metafile.outputs)) {
    const parts = new Map();
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const part = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input.split('/').slice(0, 2).join('/');
      parts.set(part, (parts.get(part) ?? 0) + bytesInOutput);
    }
    const top = [...parts].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([part, bytes]) => `${part} ${Math.round(bytes / 1024)} KB`);
    console.log(`${file.replace(/.*\//, '')} ${Math.round(output.bytes / 1024)} KB: ${top.join(', ')}`);
  }
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
// The package is "type": "module"; the bundle's .js files are CommonJS.
writeFileSync(join(OUT, 'package.json'), '{ "type": "commonjs" }\n');
const commands = new Set();
const entries = (names) => Object.fromEntries(names.map((c) => [c, join(ROOT, `cli/${c}.ts`)]));
const plain = { ...commonjs, outExtension: {} };
const results = [await build({ ...commonjs, entryPoints: { cli: join(ROOT, 'cli/main.ts') }, plugins: [...common.plugins, commandFiles(commands)] })];
results.push(
  await build({ ...commonjs, entryPoints: entries([...commands].filter((c) => !LOADED_BY_NODE.has(c))) }),
  await build({ ...plain, supported: {}, entryPoints: entries([...commands].filter((c) => LOADED_BY_NODE.has(c))) }),
  await build({ ...plain, entryPoints: { 'grade-worker': join(ROOT, 'cli/grade-worker.ts') } }),
  await build({ ...plain, entryPoints: { main: join(ROOT, 'cli/bundle/launch.ts') }, banner: { js: `#!/usr/bin/env node\n${commonjs.banner.js}` } }),
);
if (ANALYZE) results.forEach(analyze);
chmodSync(join(OUT, 'main.js'), 0o755);
