/**
 * `dzdx props`: run the property suite (or one property) with a progress
 * line on stderr, print a summary table, and for a failure the shrunk
 * program as a script and the replay command.
 *
 * Wired into cli/main.ts as `dzdx props [--runs N] [--seed S] [--property NAME] [--engine FILE]`.
 */
import type { RunOutcome } from '../properties/suite.js';

export interface PropsOptions {
  runs?: number;
  seed?: number;
  property?: string;
  engine?: string;
  path?: string;
  json?: boolean;
  list?: boolean;
}

interface Job {
  name: string;
  says: string;
  runs: number;
  run: (onRun: (n: number) => void) => RunOutcome;
}

/** Run the suite; resolves to the exit code (0 all passed, 1 a property failed, 2 bad usage). */
export async function propsCommand(options: PropsOptions): Promise<number> {
  const suite = await import('../properties/suite.js');
  const engines = await import('../properties/engine.js');
  const err = (t: string) => process.stderr.write(t);
  let jobs: Job[];
  if (options.engine) {
    let engine;
    try {
      engine = await engines.loadEngine(options.engine);
      engines.engineOptions(engine);
    } catch (e) {
      err(`dzdx props: ${(e as Error).message}\n`);
      return 2;
    }
    jobs = engines.ENGINE_PROPERTIES.map((def) => ({
      name: def.name,
      says: def.says,
      runs: options.runs ?? def.runs,
      run: (onRun) => engines.runEngineProperty(def, engine, { seed: options.seed, runs: options.runs, path: options.path, onRun }, options.engine),
    }));
  } else {
    jobs = suite.PROGRAM_PROPERTIES.map((def) => ({
      name: def.name,
      says: def.says,
      runs: options.runs ?? def.runs,
      run: (onRun) => suite.runProperty(def, { seed: options.seed, runs: options.runs, path: options.path, onRun }),
    }));
  }
  if (options.list) {
    for (const j of jobs) process.stdout.write(`${j.name.padEnd(34)}${j.says}\n`);
    return 0;
  }
  if (options.property) {
    const chosen = jobs.filter((j) => j.name === options.property);
    if (chosen.length === 0) {
      err(`dzdx props: no property ${options.property}; the properties are: ${jobs.map((j) => j.name).join(', ')}\n`);
      return 2;
    }
    jobs = chosen;
  } else if (options.path) {
    err('dzdx props: --path replays one failure: give --property (and --seed) too\n');
    return 2;
  }
  const tty = process.stderr.isTTY === true;
  const outcomes: RunOutcome[] = [];
  for (const [i, job] of jobs.entries()) {
    let last = 0;
    const label = `[${i + 1}/${jobs.length}] ${job.name}`;
    const progress = (n: number) => {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      const shown = n <= job.runs ? `${n}/${job.runs}` : `${job.runs}/${job.runs}, shrinking (${n - job.runs})`;
      if (tty) err(`\r${label} ${bar(Math.min(n, job.runs) / job.runs)} ${shown}\x1b[K`);
    };
    if (!tty) err(`${label} ...\n`);
    const o = job.run(progress);
    if (tty) err(`\r${label} ${o.passed ? 'passed' : 'FAILED'} (${o.runs} runs, ${(o.timeMs / 1000).toFixed(1)} s)\x1b[K\n`);
    outcomes.push(o);
  }
  if (options.json) {
    process.stdout.write(JSON.stringify(outcomes, null, 2) + '\n');
  } else {
    process.stdout.write(table(outcomes));
    for (const o of outcomes.filter((x) => !x.passed)) process.stdout.write('\n' + suite.formatFailure(o) + '\n');
  }
  return outcomes.every((o) => o.passed) ? 0 : 1;
}

function bar(fraction: number): string {
  const width = 20;
  const full = Math.round(fraction * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

/** The summary: property, runs (skipped), passed/failed, time. */
export function table(outcomes: readonly RunOutcome[]): string {
  const rows = outcomes.map((o) => [o.name, `${o.runs}${o.skipped ? ` (+${o.skipped} skipped)` : ''}`, o.passed ? 'passed' : 'FAILED', `${(o.timeMs / 1000).toFixed(1)} s`]);
  const head = ['property', 'runs', 'result', 'time'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd() + '\n';
  const total = outcomes.reduce((s, o) => s + o.timeMs, 0);
  return line(head) + line(widths.map((w) => '-'.repeat(w))) + rows.map(line).join('') + `\n${outcomes.filter((o) => o.passed).length}/${outcomes.length} passed in ${(total / 1000).toFixed(1)} s (seed ${outcomes[0]?.seed ?? '-'})\n`;
}
