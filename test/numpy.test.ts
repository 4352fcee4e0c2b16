/**
 * numpy (src/numpy): loaded only when a script names it, refusing what it
 * lacks with a position, and its printing and promotion rules on values
 * recorded from numpy 1.24 (the np_*.py fixtures cover whole scripts).
 * This file imports no library eagerly, so that the registry shows what
 * loading a script's libraries brought in.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { librariesFor, loadLibrariesFor } from '../src/libraries.js';
import { registeredLibraries } from '../src/program/modules.js';
import { runScript } from '../src/program/run.js';

const torchOnly = 'import torch\nx = torch.ones(2, requires_grad=True)\n(x * 3).sum().backward()\nprint(x.grad)\n';

async function run(source: string) {
  await loadLibrariesFor(source);
  return runScript(source, { fileName: 't.py' });
}

describe('numpy loads only when a script names it', () => {
  it('a torch-only script runs without loading numpy', async () => {
    expect(librariesFor(torchOnly).map((l) => l.name)).not.toContain('numpy');
    const r = await run(torchOnly);
    expect(r.stdout).toBe('tensor([3., 3.])\n');
    expect(registeredLibraries()).not.toContain('numpy');
  });

  it('import numpy, t.numpy() and torch.from_numpy each load it', async () => {
    expect(librariesFor('import torch\nt = torch.ones(2)\nprint(t.numpy())\n').map((l) => l.name)).toContain('numpy');
    expect(librariesFor('from torch import from_numpy\n').map((l) => l.name)).toContain('numpy');
    const r = await run('import numpy as np\nprint(np.ones(2))\n');
    expect(r.stdout).toBe('[1. 1.]\n');
    expect(registeredLibraries()).toContain('numpy');
  });
  it("the CLI's run file evaluates numpy only behind its lazy import, and a CLI run of numpy works", () => {
    const dir = 'dist/bundle';
    if (!existsSync(dir)) return;
    const text = readFileSync(`${dir}/run.cjs`, 'utf8');
    expect(text).toMatch(/init_numpy=__esm\(\{"src\/numpy\/index\.ts"\(\)/);
    expect(text.match(/init_numpy\(\)/g) ?? []).toHaveLength(1);
    expect(text).toContain('Promise.resolve().then(()=>(init_numpy(),numpy_exports))');
    const r = spawnSync(process.execPath, [`${dir}/main.js`, 'run', '-'], { input: 'import numpy as np\nprint(repr(np.linspace(0, 1, 3, dtype=np.float32)))\n', encoding: 'utf8' });
    expect(r.stdout).toBe('array([0. , 0.5, 1. ], dtype=float32)\n');
  });
});

describe('numpy in scripts', () => {
  it('refuses what dzdx lacks with its position (exit 2), and raises AttributeError for what numpy lacks', async () => {
    let r = await run('import numpy as np\na = np.ones(3)\nprint(a.std())\n');
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('t.py:3:7: numpy.ndarray.std is not supported');
    r = await run('import numpy as np\nx = np.fft.fft([1.0])\n');
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('t.py:2:5: numpy.fft is not supported');
    r = await run('import numpy as np\nnp.random.gamma(1.0)\n');
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^t\.py:2:1: numpy\.random\.gamma is not supported/);
    r = await run('import numpy as np\nnp.arrray([1])\n');
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^AttributeError: module 'numpy' has no attribute 'arrray'/);
    r = await run('import numpy as np\nprint(np.zeros(2, dtype=np.int8))\n');
    expect(r.exitCode).toBe(2);
  });

  it('prints as numpy 1.24 prints (values recorded from numpy)', async () => {
    const cases: [string, string][] = [
      ['np.array([0.1, 0.25, 1/3])', '[0.1        0.25       0.33333333]'],
      ['repr(np.array([1e-5, 1.5]))', 'array([1.0e-05, 1.5e+00])'],
      ['repr(np.array([1.0, 2.0], dtype=np.float32))', 'array([1., 2.], dtype=float32)'],
      ['repr(np.array([1 / 3], dtype=np.float32))', 'array([0.33333334], dtype=float32)'],
      ['np.float32(0.1)', '0.1'],
      ['np.float32(0.1) * 3', '0.30000000447034836'],
      ['repr(np.array([np.nan, -np.inf, 1.0]))', 'array([ nan, -inf,   1.])'],
      ['repr(np.array([]))', 'array([], dtype=float64)'],
      ['repr(np.zeros((2, 0)))', 'array([], shape=(2, 0), dtype=float64)'],
      ['repr(np.array([True, False]))', 'array([ True, False])'],
      ['repr(np.array(2.5))', 'array(2.5)'],
      ['np.array([1e8, 1.0])', '[1.e+08 1.e+00]'],
    ];
    const source = 'import numpy as np\n' + cases.map(([e]) => `print(${e})\n`).join('');
    const r = await run(source);
    expect(r.stdout).toBe(cases.map(([, out]) => out + '\n').join(''));
  });

  it('promotes as numpy 1.24 does: scalars only change the dtype when of a higher kind', async () => {
    const cases: [string, string][] = [
      ['(np.ones(2, dtype=np.float32) + 1.5).dtype', 'float32'],
      ['(np.ones(2, dtype=np.float32) + 1e300).dtype', 'float64'],
      ['(np.ones(2, dtype=np.float32) + np.ones(2)).dtype', 'float64'],
      ['(np.arange(2) + np.float32(1)).dtype', 'float64'],
      ['(np.arange(2) * 2.5).dtype', 'float64'],
      ['(np.arange(2) / 2).dtype', 'float64'],
      ['(np.array([True]) + 1).dtype', 'int64'],
      ['(np.array([True]) + np.float32(1)).dtype', 'float32'],
      ['type(np.float32(1.5) * 2).__name__', 'float'],
      ['type(np.ones(2, dtype=np.float32).sum()).__name__', 'float32'],
    ];
    const r = await run('import numpy as np\n' + cases.map(([e]) => `print(${e})\n`).join(''));
    expect(r.stdout).toBe(cases.map(([, out]) => out + '\n').join(''));
  });
});
