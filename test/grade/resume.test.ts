/**
 * Nothing lost in a long batch: a `dzdx grade` run of 10,000 answers killed
 * at random moments (SIGKILL before and while grading, Ctrl-C) and resumed
 * with --resume ends with every row exactly once and results identical to
 * an uninterrupted run; a torn journal record is dropped; a full disk stops
 * the run without a half-written results file. Through the bundled CLI
 * (dist/, built by `npm test` first).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { readCsv } from '../../src/grade/csv.js';

vi.setConfig({ testTimeout: 900_000 });

const CLI = resolve('dist/bundle/main.js');
const EXERCISE = resolve('examples/exercises/tutorial_data_mutation.yaml');
const dir = mkdtempSync(join(tmpdir(), 'dzdx-resume-'));

/** A seeded generator: random moments, the same every run of the test. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ANSWERS: Record<string, string[]> = {
  grad: ['"[[2, 2], [2, 2]]"', '"[[202, 204], [206, 208]]"', '"[[-2, -2], [-2, -2]]"', '"[[2, 4], [6, 8]]"', 'x', '"[[1, 2"', '"tensor([[2., 2.],\n        [2., 2.]])"'],
  formula: ['2', '2*(x+100)', '2*x', '-2', '"2x"'],
  printed: ['"tensor([[2., 2.],\n        [2., 2.]])"', '"tensor([[202., 204.], [206., 208.]])"', '"tensor([[2, 2], [2, 3]])"'],
};

function answersCsv(n: number): string {
  const rand = random(13);
  const rows = ['student,question,answer'];
  const questions = Object.keys(ANSWERS);
  for (let i = 0; i < n; i++) {
    const q = questions[Math.floor(rand() * questions.length)]!;
    const list = ANSWERS[q]!;
    rows.push(`s${Math.floor(i / 3)},${q},${list[Math.floor(rand() * list.length)]}`);
  }
  return rows.join('\n') + '\n';
}

const journalLines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').length - 2 : -1);

/** Run `dzdx grade … --out out --resume`, and stop it with `signal` once `when` says so (or let it finish). */
async function run(csv: string, out: string, when: (() => boolean) | null, signal: NodeJS.Signals = 'SIGKILL', delayMs = 0): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child: ChildProcess = spawn('node', [CLI, 'grade', EXERCISE, csv, '--out', out, '--resume'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('exit', (code, sig) => done({ code, signal: sig })));
  if (when) {
    const poll = setInterval(() => {
      if (!when()) return;
      clearInterval(poll);
      setTimeout(() => child.kill(signal), delayMs);
    }, 5);
    exited.then(() => clearInterval(poll));
  }
  return { ...(await exited), stderr };
}

describe('--resume after a kill', () => {
  const csv = join(dir, 'answers.csv');
  writeFileSync(csv, answersCsv(10_000));

  test('10,000 answers, killed at random moments several times: every row once, the results of an uninterrupted run', async () => {
    const full = join(dir, 'full.csv');
    const whole = spawnSync('node', [CLI, 'grade', EXERCISE, csv, '--out', full], { encoding: 'utf8' });
    expect(whole.status, whole.stderr).toBe(0);
    const expected = readFileSync(full, 'utf8');
    expect(existsSync(`${full}.journal`)).toBe(false);

    const out = join(dir, 'part.csv');
    const journal = `${out}.journal`;
    const rand = random(7);
    const stops: string[] = [];
    // Before any answer is graded (starting up, building the key): a random moment in the first second.
    const started = Date.now();
    const early = 50 + rand() * 900;
    let r = await run(csv, out, () => Date.now() - started > early);
    stops.push(`${r.signal ?? r.code} at ${Math.round(early)} ms, journal ${journalLines(journal)}`);
    // While grading: after random numbers of graded rows, with a random delay (so sometimes mid-write).
    const targets = [0.08, 0.3, 0.45, 0.62, 0.8].map((f) => Math.round((f + rand() * 0.1) * 10_000));
    for (const target of targets) {
      const before = journalLines(journal);
      r = await run(csv, out, () => journalLines(journal) >= Math.max(target, before + 1), 'SIGKILL', Math.floor(rand() * 30));
      stops.push(`${r.signal ?? r.code} past ${target}: journal ${journalLines(journal)}`);
      expect(existsSync(out), stops.join('; ')).toBe(r.code === 0);
      if (r.code === 0) break;
    }
    // Ctrl-C: stops cleanly, says how to go on.
    if (!existsSync(out)) {
      const before = journalLines(journal);
      r = await run(csv, out, () => journalLines(journal) > before, 'SIGINT');
      stops.push(`${r.signal ?? r.code} on SIGINT: journal ${journalLines(journal)}`);
      if (r.code === 130) expect(r.stderr).toContain('run again with --resume');
    }
    if (!existsSync(out)) r = await run(csv, out, null);
    expect(r.code, `${stops.join('; ')}\n${r.stderr}`).toBe(0);
    expect(stops.filter((s) => s.startsWith('SIGKILL')).length, stops.join('; ')).toBeGreaterThanOrEqual(4);
    const got = readFileSync(out, 'utf8');
    // Every row exactly once, in the order of the answers.
    const records = readCsv(got).records.slice(1).map((r) => `${r.fields[0]},${r.fields[1]}`);
    const inputs = readCsv(readFileSync(csv, 'utf8')).records.slice(1).map((r) => `${r.fields[0]},${r.fields[1]}`);
    expect(records.length).toBe(10_000);
    expect(records).toEqual(inputs);
    expect(got).toBe(expected);
    expect(existsSync(journal)).toBe(false);
    console.log(`stops: ${stops.join('; ')}`);
  });

  test('a torn last record is dropped and graded again', async () => {
    const out = join(dir, 'torn.csv');
    const journal = `${out}.journal`;
    const small = join(dir, 'small.csv');
    writeFileSync(small, answersCsv(300));
    const killed = await run(small, out, () => journalLines(journal) >= 1, 'SIGKILL');
    expect(killed.signal ?? killed.code).toBeTruthy();
    if (existsSync(journal)) appendFileSync(journal, '[299, {"student": "s99", "verd');
    const r = await run(small, out, null);
    expect(r.code, r.stderr).toBe(0);
    if (killed.signal) expect(r.stderr).toMatch(/resuming: \d+ of 300 answers were graded \(a torn record of \d+ bytes at the end of the journal was dropped\)/);
    const whole = spawnSync('node', [CLI, 'grade', EXERCISE, small], { encoding: 'utf8' });
    expect(readFileSync(out, 'utf8')).toBe(whole.stdout);
  });

  test('another exercise or other answers: --resume refuses the journal', async () => {
    const out = join(dir, 'other.csv');
    writeFileSync(`${out}.journal`, JSON.stringify({ magic: 'dzdx grade journal', fingerprint: 'something else', rows: 10 }) + '\n');
    const r = spawnSync('node', [CLI, 'grade', EXERCISE, csv, '--out', out, '--resume'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('was written for other inputs');
  });

  test('a full disk: the run stops with the reason, no results file is left half-written', () => {
    const out = join(dir, 'full-disk.csv');
    writeFileSync(out, 'the results of an earlier run\n');
    symlinkSync('/dev/full', `${out}.journal`);
    const r = spawnSync('node', [CLI, 'grade', EXERCISE, csv, '--out', out, '--workers', '1'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot write .*ENOSPC \(the disk is full\)/);
    expect(readFileSync(out, 'utf8')).toBe('the results of an earlier run\n');
    rmSync(`${out}.journal`);
    expect(statSync(out).size).toBeGreaterThan(0);
  });
});
