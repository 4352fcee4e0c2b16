/**
 * The machine's `python3` (first on PATH), for the Python adapter client's
 * tests: no PyTorch needed. Resolved once to the interpreter itself
 * (`sys.executable`), so that a version manager's shim is not paid for at
 * every start. Without one the tests are skipped with a message, except in
 * CI, where that is a failure.
 */
import { spawnSync } from 'node:child_process';

export interface PythonFound {
  /** The interpreter's path, or null with the reason. */
  python: string | null;
  why: string;
}

export function findPython(): PythonFound {
  const r = spawnSync('python3', ['-c', 'import sys; assert sys.version_info >= (3, 8); print(sys.executable)'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0 && r.stdout.trim()) return { python: r.stdout.trim(), why: '' };
  return { python: null, why: `no python3 (3.8 or later) on PATH${r.error ? ` (${r.error.message})` : ''}: the Python adapter client's tests are skipped` };
}

export const PYTHON = findPython();

/** The command that serves examples/python's engine with a planted bug (or none). */
export const pythonEngineCommand = (python: string) => `${JSON.stringify(python)} examples/python/adapter.py`;
