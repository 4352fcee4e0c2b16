/**
 * The start of the `dzdx` command (dist/bundle/main.js, CommonJS: an ES
 * module entry costs about 15 ms more): it loads the bundle's files,
 * cli.cjs and then the file of the command that runs, through V8's code
 * cache, so that a start does not compile them again. Node 20 keeps no
 * code cache for user code (its compile cache came in Node 22); compiling
 * the bundle was a fifth of `dzdx run` and, with mathjs, about 100 ms of
 * `dzdx check`.
 *
 * The cache is safe to lose or to find stale: a file's cache is named by
 * the file's size, modification time and inode and by Node's version, so
 * a rebuilt or edited bundle or another Node never reads an old one (V8
 * itself only checks the source's length; hashing the source instead
 * would cost 10 to 20 ms with node:crypto or zlib's crc32, so a file
 * rewritten in place with its size and modification time both put back
 * would be run from its old cache); a cache V8
 * rejects (other flags) is rewritten; writes go to a temporary file
 * renamed into place, so concurrent runs never read half a file; and any
 * failure to read or write just means compiling as usual. The caches live
 * next to the bundle (dist/bundle/.v8-cache, removed by the next build)
 * or, when that folder is not the user's to write (a global install), in
 * the user's cache folder.
 */
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

const HERE = import.meta.dirname;

function cacheFolder(): string {
  try {
    accessSync(HERE, constants.W_OK);
    return join(HERE, '.v8-cache');
  } catch {
    const base =
      process.env.XDG_CACHE_HOME ??
      (process.platform === 'win32' ? (process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local')) : join(homedir(), process.platform === 'darwin' ? 'Library/Caches' : '.cache'));
    return join(base, 'dzdx', 'v8-cache');
  }
}

const CACHE = cacheFolder();

interface Loaded {
  exports: unknown;
}

const modules = new Map<string, Loaded>();
/** Scripts compiled without a usable cache: their cache is written when the process ends. */
const uncached: { script: Script; name: string; cacheFile: string }[] = [];

/** Runs one of the bundle's CommonJS files, as Node's require would, compiled from its cache when there is one. */
function load(file: string): unknown {
  const known = modules.get(file);
  if (known) return known.exports;
  const source = readFileSync(file, 'utf8');
  const name = basename(file);
  const { size, mtimeMs, ino } = statSync(file);
  const cacheFile = join(CACHE, `${name}.${size}-${Math.round(mtimeMs * 1000)}-${ino}-${process.version}.bin`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // A `#!` line is only allowed first in a file: kept as a comment, so line numbers stay.
  const body = source.startsWith('#!') ? `//${source.slice(2)}` : source;
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${body}\n})`, { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) uncached.push({ script, name, cacheFile });
  const module: Loaded = { exports: {} };
  modules.set(file, module);
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, requireFrom(file), module, file, dirname(file));
  return module.exports;
}

/**
 * `require` inside a bundle file: the bundle's .cjs files through the
 * cache, anything else (packages, the .js files of commands that need
 * Node's own loader) through Node's require.
 */
function requireFrom(file: string): NodeRequire {
  const native = createRequire(file);
  const bundled = (id: string) => (/^\.\/[\w.-]+\.cjs$/.test(id) ? load(join(dirname(file), id)) : native(id));
  return Object.assign(bundled, { resolve: native.resolve, cache: native.cache, extensions: native.extensions, main: undefined }) as NodeRequire;
}

process.on('exit', () => {
  // After the run, so that the cache holds every function this run compiled, not only the top level.
  for (const { script, name, cacheFile } of uncached) {
    try {
      mkdirSync(CACHE, { recursive: true });
      const temporary = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(temporary, script.createCachedData());
      renameSync(temporary, cacheFile);
      for (const old of readdirSync(CACHE)) {
        if (old.startsWith(`${name}.`) && old.endsWith('.bin') && join(CACHE, old) !== cacheFile) unlinkSync(join(CACHE, old));
      }
    } catch {
      // A cache is only ever a saving: without it the next start compiles as this one did.
    }
  }
});

load(join(HERE, 'cli.cjs'));
