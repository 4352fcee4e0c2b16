/**
 * The CLI's code cache (cli/bundle/launch.ts) is only ever a saving: on a
 * copy of the built bundle, a first run writes the caches, later runs read
 * them, a bundle file rewritten (a rebuild, an edit) is never run from its
 * old cache, a damaged cache is rejected and replaced, and a folder the
 * user cannot write sends the caches to the user's cache folder.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'dzdx-cache-'));
const bundle = join(dir, 'bundle');
const caches = join(bundle, '.v8-cache');
const script = join(dir, 'script.py');
afterAll(() => {
  chmodSync(bundle, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

function run(env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync('node', [join(bundle, 'main.js'), 'run', script], { encoding: 'utf8', env, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the code cache of the CLI', { timeout: 120_000 }, () => {
  it('is written by a first run, read by the next, never used for a rewritten file, replaced when damaged', () => {
    cpSync('dist/bundle', bundle, { recursive: true, filter: (f) => !f.includes('.v8-cache') });
    writeFileSync(script, 'import torch\nx = torch.ones(2, requires_grad=True)\ny = (x * 3).sum()\nprint(y)\n');
    const first = run();
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toBe('tensor(6., grad_fn=<SumBackward0>)\n');
    const written = readdirSync(caches).sort();
    expect(written.map((f) => f.replace(/\..*/, ''))).toEqual(['cli', 'run']);
    expect(run()).toEqual(first);
    expect(readdirSync(caches).sort()).toEqual(written);

    // A rebuilt run.cjs of the same length (V8 alone would accept the old cache for it) prints what it now says.
    const file = join(bundle, 'run.cjs');
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('grad_fn=<', 'grad_fn=['));
    expect(run().stdout).toBe('tensor(6., grad_fn=[SumBackward0>)\n');
    const rewritten = readdirSync(caches).filter((f) => f.startsWith('run.cjs.'));
    expect(rewritten).toHaveLength(1);
    expect(written).not.toContain(rewritten[0]);

    // A damaged cache is rejected by V8, the run is as before, and the cache is written again.
    const cache = join(caches, rewritten[0]!);
    writeFileSync(cache, Buffer.alloc(1000, 7));
    expect(run().stdout).toBe('tensor(6., grad_fn=[SumBackward0>)\n');
    expect(readFileSync(cache).length).toBeGreaterThan(1000);
  });

  it.skipIf(process.getuid?.() === 0)('goes to the user\'s cache folder when the bundle\'s folder is not writable', () => {
    rmSync(caches, { recursive: true, force: true });
    chmodSync(bundle, 0o555);
    const home = join(dir, 'cache-home');
    const r = run({ ...process.env, XDG_CACHE_HOME: home });
    expect(r.code).toBe(0);
    expect(existsSync(caches)).toBe(false);
    expect(readdirSync(join(home, 'dzdx', 'v8-cache')).length).toBe(2);
  });
});
