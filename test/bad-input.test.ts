/**
 * Bad and hostile input through the real CLI: each ends with a clear
 * error (position and caret, or Python's traceback line) and the right
 * exit code, never a JavaScript stack trace or a hang.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const CLI = 'dist/bundle/main.js';

function run(source: string, ...args: string[]) {
  const r = spawnSync('node', [CLI, 'run', '-', ...args], { input: source, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const noStackTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);

describe('bad input', () => {
  it('a syntax error: exit 2, file:line:col and a caret', () => {
    const r = run('import torch\nx = torch.tensor([1., 2.]\nprint(x)\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("<stdin>:2:17: '(' was never closed\nx = torch.tensor([1., 2.]\n                ^\n");
  });

  it('a construct outside the subset is named', () => {
    const r = run('import torch\nz = 2 + 3j\n');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('<stdin>:2:9: complex numbers are not supported');
  });

  it('an unsupported torch function is named at its position', () => {
    const r = run('import torch\nx = torch.poisson(torch.ones(3))\n');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('<stdin>:2:5: torch.poisson is not supported');
  });

  it('a shape mismatch is PyTorch\'s RuntimeError, exit 1', () => {
    const r = run('import torch\na = torch.ones(2, 3)\nb = torch.ones(3, 2)\nc = a + b\n');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      'RuntimeError: The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1',
    );
    noStackTrace(r.stderr);
  });

  it('a huge tensor is refused before any allocation', () => {
    const r = run('import torch\nx = torch.ones(100000, 100000)\n');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      "<stdin>:2:5: tensor of 10000000000 elements is larger than dzdx's limit of 10000000 elements",
    );
  });

  it('an endless loop of Python statements hits the step limit', () => {
    const r = run('i = 0\nwhile True:\n    i += 1\n');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('<stdin>:2:1: the script ran more than 2000000 steps (an endless loop?)');
  });

  it('an endless loop of tensor ops hits the op limit', () => {
    const r = run('import torch\nx = torch.tensor(1.0, requires_grad=True)\nwhile True:\n    x = x * 1.0001 + 1\n');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('<stdin>:3:1: the script ran more than 50000 tensor ops (an endless loop?)');
  });

  it('the time limit is configurable and ends a slow script', () => {
    const r = run('import torch\nx = torch.ones(1000)\nwhile True:\n    y = x * 2\n', '--time-limit', '0.2', '--max-ops', '100000000');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/^<stdin>:\d+:\d+: the script ran (longer than 0.2 s|more than 2000000 steps)/);
  });

  it('runaway recursion is Python\'s RecursionError', () => {
    const r = run('def f(n):\n    return f(n + 1)\nf(0)\n');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toBe('RecursionError: maximum recursion depth exceeded');
  });

  it('deep nesting is a limit error, not a stack overflow', () => {
    const r = run(`x = ${'('.repeat(5000)}1${')'.repeat(5000)}\n`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nesting too deep/);
    noStackTrace(r.stderr);
  });

  it('a missing file is a usage error', () => {
    const r = spawnSync('node', [CLI, 'run', 'no/such/file.py'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('dzdx: cannot read no/such/file.py: ENOENT\n');
  });

  it('--version and --help', () => {
    const v = spawnSync('node', [CLI, '--version'], { encoding: 'utf8' });
    expect(v.stdout.trim()).toBe('0.1.0');
    const h = spawnSync('node', [CLI, '--help'], { encoding: 'utf8' });
    expect(h.stdout).toMatch(/dzdx run <file>/);
  });
});
