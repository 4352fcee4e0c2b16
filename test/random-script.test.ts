/**
 * Random numbers in scripts: every run starts from the same generator state
 * (a fixed seed, or RunOptions.seed as `dzdx run --seed` passes it), as a
 * fresh Python process starts from its own; the default generator is global
 * state and no run leaks into the next.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runScript } from '../src/program/run.js';
import { DEFAULT_SEED } from '../src/random/torch-random.js';
import { Generator } from '../src/random/generator.js';

const run = (source: string, seed?: bigint) => {
  const r = runScript(`import torch\n${source}`, { seed });
  expect(r.stderr).toBe('');
  return r.stdout;
};

describe('seeding a run', () => {
  const draw = 'print(torch.randn(3), torch.rand(2, dtype=torch.float64), torch.randint(0, 100, (4,)))\n';

  it('an unseeded run repeats, and is the run seeded with DEFAULT_SEED', () => {
    const first = run(draw);
    expect(run(draw)).toBe(first);
    expect(run(`torch.manual_seed(${DEFAULT_SEED})\n${draw}`)).toBe(first);
    expect(run('print(torch.initial_seed())\n')).toBe('67280421310721\n');
  });

  it('RunOptions.seed seeds the default generator as torch.manual_seed does', () => {
    expect(run(draw, 5n)).toBe(run(`torch.manual_seed(5)\n${draw}`));
    expect(run(draw, 5n)).not.toBe(run(draw, 6n));
    expect(run('print(torch.initial_seed())\n', 2n ** 64n - 1n)).toBe('18446744073709551615\n');
  });

  it('a run that draws (and caches a normal) does not change the next run', () => {
    const before = run(draw);
    run('torch.manual_seed(3)\nx = torch.randn(1)\ng = torch.default_generator\n');
    expect(run(draw)).toBe(before);
  });

  it('torch.seed() reseeds from a sequence that repeats with the run', () => {
    const a = run('s = torch.seed()\nprint(s, torch.initial_seed() == s, torch.seed() == s)\nprint(torch.rand(2))\n');
    expect(a).toBe(run('s = torch.seed()\nprint(s, torch.initial_seed() == s, torch.seed() == s)\nprint(torch.rand(2))\n'));
    expect(a).toMatch(/^\d+ True False\n/);
  });
});

describe('Generator', () => {
  it('state bytes round-trip, and a new generator has PyTorch\'s default seed', () => {
    const g = new Generator();
    expect(g.initialSeed()).toBe(67280421310721n);
    g.random64();
    const state = g.getState();
    expect(state.length).toBe(5056);
    const h = new Generator(0n);
    h.setState(state);
    expect(h.random()).toBe(g.random());
    expect(Array.from(h.getState())).toEqual(Array.from(g.getState()));
  });

  it('seeds are taken modulo 2^64 and only their low 32 bits seed the engine', () => {
    const a = new Generator(5n);
    const b = new Generator(5n + 2n ** 32n);
    expect(a.random()).toBe(b.random());
    expect(b.initialSeed()).toBe(5n + 2n ** 32n);
    expect(new Generator(-1n).initialSeed()).toBe(2n ** 64n - 1n);
  });
});

describe('dzdx run --seed (the CLI in dist/)', () => {
  const cli = (source: string, ...args: string[]) =>
    spawnSync('node', ['dist/bundle/main.js', 'run', '-', ...args], { input: source, encoding: 'utf8', timeout: 20_000 });

  it('sets the default generator\'s seed; a bad value is a usage error', () => {
    const seeded = cli('import torch\nprint(torch.randn(2))\n', '--seed', '5');
    expect(seeded.status).toBe(0);
    expect(seeded.stdout).toBe(cli('import torch\ntorch.manual_seed(5)\nprint(torch.randn(2))\n').stdout);
    const bad = cli('import torch\n', '--seed', '1.5');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--seed is a whole number');
  });
});
