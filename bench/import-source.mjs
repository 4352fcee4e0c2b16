/**
 * For the in-process benchmarks: import TypeScript modules of src/ without
 * a build. `contents` is an entry module's source (imports and exports,
 * paths from the repository root); esbuild bundles it into a temporary
 * file, which is imported and removed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function importSource(contents) {
  const dir = mkdtempSync(join(os.tmpdir(), 'dzdx-bench-'));
  try {
    const bundle = join(dir, 'entry.mjs');
    await build({
      stdin: { contents, resolveDir: ROOT, loader: 'ts' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      outfile: bundle,
      logLevel: 'error',
    });
    return await import(pathToFileURL(bundle).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
