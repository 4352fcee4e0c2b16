/**
 * `dzdx run` writes a script's output in large chunks (cli/output.ts):
 * everything arrives, in order, and interleaved with stderr (warnings, the
 * traceback) exactly as if every print were written at once; a reader that
 * goes away ends the run quietly.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const CLI = 'dist/bundle/main.js';

/** Runs the script with stdout and stderr into the same pipe, as a terminal or `2>&1` sees them. */
function merged(source: string, pipeTo = '') {
  const r = spawnSync('sh', ['-c', `node ${CLI} run - 2>&1 ${pipeTo}`], { input: source, encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 26 });
  return { code: r.status, output: r.stdout };
}

describe('the output of dzdx run', () => {
  it('interleaves prints, warnings and the traceback in the order they happen', () => {
    const script = [
      'import torch',
      'x = torch.ones(2, requires_grad=True)',
      'y = x * 2',
      'for i in range(3000):',
      '    print("line", i)',
      'print(y.grad)',
      'print("after the warning")',
      'z = torch.ones(2) + torch.ones(3)',
      'print("never")',
      '',
    ].join('\n');
    const { code, output } = merged(script);
    expect(code).toBe(1);
    const lines = output.split('\n');
    expect(lines.slice(0, 3000)).toEqual(Array.from({ length: 3000 }, (_, i) => `line ${i}`));
    expect(lines[3000]).toMatch(/^<stdin>:6: UserWarning: The \.grad attribute of a Tensor that is not a leaf Tensor/);
    expect(lines.slice(3001)).toEqual([
      '  print(y.grad)',
      'None',
      'after the warning',
      'Traceback (most recent call last):',
      '  File "<stdin>", line 8, in <module>',
      '    z = torch.ones(2) + torch.ones(3)',
      'RuntimeError: The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0',
      '',
    ]);
  });

  it('writes everything a long print loop prints, up to the bound', () => {
    const r = spawnSync('node', [CLI, 'run', '-'], { input: 'for i in range(200000):\n    print(i, i * i, sep=",")\n', encoding: 'utf8', maxBuffer: 1 << 26, timeout: 60_000 });
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(200_001);
    expect(lines[123_456]).toBe(`123456,${123_456 ** 2}`);
  });

  it('ends quietly when the reader goes away', () => {
    // stderr to the test, stdout into `head`, which reads two lines and leaves.
    const r = spawnSync('sh', ['-c', `node ${CLI} run - | head -2`], { input: 'for i in range(10**9):\n    print(i)\n', encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toBe('0\n1\n');
    expect(r.stderr).toBe('');
  });
});
