/**
 * The conformance rule of ../shared/spec/script-subset.md, in-process:
 * stdout byte-identical up to object addresses, the last stderr line
 * (warnings read as `XWarning: msg`), and the exit code.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import '../../src/all-libraries.js';
import { sourceOf } from '../../src/notebook/index.js';
import { runScript } from '../../src/program/run.js';

export interface Fixture {
  name: string;
  /** NAME.py, or NAME.ipynb (a notebook, run as Jupyter's Run All: tools/record-notebook.py). */
  file: string;
  source: string;
  out: string;
  err: string;
  code: number;
}

export function loadFixtures(dir: string): Fixture[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.(py|ipynb)$/.test(f) && existsSync(join(dir, f.replace(/\.(py|ipynb)$/, '.code'))))
    .sort()
    .map((f) => {
      const base = join(dir, f.replace(/\.(py|ipynb)$/, ''));
      return {
        name: f.replace(/\.(py|ipynb)$/, ''),
        file: f,
        source: readFileSync(join(dir, f), 'utf8'),
        out: readFileSync(`${base}.out`, 'utf8'),
        err: readFileSync(`${base}.err`, 'utf8').replace(/\n$/, ''),
        code: Number(readFileSync(`${base}.code`, 'utf8').trim()),
      };
    });
}

const addresses = (s: string) => s.replace(/0x[0-9a-f]+/g, '0x?');

/** The last non-empty stderr line, with `file:LINE: XWarning: msg` (a notebook's `file:cell 7:line 2: …`) read as `XWarning: msg` and its source echo dropped. */
export function lastErrorLine(stderr: string): string {
  const lines: string[] = [];
  let skipEcho = false;
  for (const raw of stderr.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const m = /:(?:line )?[0-9]+: ([A-Za-z_][A-Za-z0-9_]*Warning: .*)$/.exec(line);
    if (m) {
      lines.push(m[1]!);
      skipEcho = true;
      continue;
    }
    if (skipEcho && line.startsWith('  ')) {
      skipEcho = false;
      continue;
    }
    skipEcho = false;
    lines.push(line);
  }
  return [...lines].reverse().find((l) => /[^ \t]/.test(l)) ?? '';
}

export function runFixture(f: Fixture) {
  const result = runScript(sourceOf(f.source, f.file));
  return {
    stdout: addresses(result.stdout),
    expectedStdout: addresses(f.out),
    lastErr: lastErrorLine(result.stderr),
    exitCode: result.exitCode,
  };
}
