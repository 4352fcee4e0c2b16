/**
 * `dzdx props`: run the property suite (or one property) with a progress
 * line on stderr, print a summary table (or JSON, or JUnit XML), and for a
 * failure the shrunk program as a script and the replay command.
 *
 * Wired into cli/main.ts as `dzdx props [--runs N] [--seed S] [--property NAME]
 * [--engine FILE | --engine-cmd CMD] [--shard K/N] [--reporter text|json|junit] [--stats]`.
 */
import type { AutogradEngine } from '../properties/engine-api.js';
import type { RunOutcome } from '../properties/suite.js';
import { junitReport } from './junit.js';

export interface PropsOptions {
  runs?: number;
  seed?: number;
  property?: string;
  engine?: string;
  engineCmd?: string;
  /** Seconds a child-process engine has for each request. */
  engineTimeout?: number;
  path?: string;
  json?: boolean;
  reporter?: 'text' | 'json' | 'junit';
  list?: boolean;
  /** `K/N`: run shard K of N (its own seed, 1/N of the runs). */
  shard?: string;
  stats?: boolean;
}

interface Job {
  name: string;
  says: string;
  runs: number;
  run: (onRun: (n: number) => void) => Promise<RunOutcome>;
}

const shellQuote = (s: string) => (/^[\w./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** Run the suite; resolves to the exit code (0 nothing failed, 1 a property failed, 2 bad usage). */
export async function propsCommand(options: PropsOptions): Promise<number> {
  const err = (t: string) => process.stderr.write(t);
  if (options.engine && options.engineCmd) {
    err('dzdx props: give --engine FILE or --engine-cmd CMD, not both\n');
    return 2;
  }
  let shard = { k: 1, n: 1 };
  if (options.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(options.shard);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) {
      err(`dzdx props: --shard takes K/N with 1 <= K <= N (e.g. 2/4), not ${JSON.stringify(options.shard)}\n`);
      return 2;
    }
    shard = { k: Number(m[1]), n: Number(m[2]) };
  }
  if (options.runs !== undefined && (!Number.isInteger(options.runs) || options.runs < 1)) {
    err('dzdx props: --runs takes a positive integer\n');
    return 2;
  }
  const suite = await import('../properties/suite.js');
  const engines = await import('../properties/engine.js');
  const { DEFAULT_SEED } = suite;
  // Shard K of N: its own seed, and its share of every property's runs.
  const seed = (options.seed ?? DEFAULT_SEED) + shard.k - 1;
  const runsOf = (defaultRuns: number) => Math.ceil((options.runs ?? defaultRuns) / shard.n);

  // The engine: a module, or a child process started afresh for each property (a crash ends only that one).
  let makeEngine: (() => Promise<AutogradEngine<any>>) | null = null;
  let closeEngine = async () => {};
  let replayExtra = '';
  if (options.engine) {
    const file = options.engine;
    let engine: AutogradEngine<any>;
    try {
      engine = await engines.loadEngine(file);
      engines.engineOptions(engine);
    } catch (e) {
      err(`dzdx props: ${(e as Error).message}\n`);
      return 2;
    }
    makeEngine = async () => engine;
    replayExtra = ` --engine ${shellQuote(file)}`;
  } else if (options.engineCmd) {
    const { startEngineProcess } = await import('../properties/engine-process.js');
    const command = options.engineCmd;
    const processOptions = options.engineTimeout ? { timeoutMs: options.engineTimeout * 1000 } : {};
    // One child for the whole run; a new one when it failed (a crash ends only the property it happened in).
    let current: Awaited<ReturnType<typeof startEngineProcess>> | null = null;
    makeEngine = async () => {
      if (!current || current.failed) current = await startEngineProcess(command, processOptions);
      return current;
    };
    closeEngine = async () => current?.close();
    try {
      engines.engineOptions(await makeEngine());
    } catch (e) {
      await closeEngine();
      err(`dzdx props: ${(e as Error).message}\n`);
      return 2;
    }
    replayExtra = ` --engine-cmd ${shellQuote(command)}${options.engineTimeout ? ` --engine-timeout ${options.engineTimeout}` : ''}`;
  }

  let jobs: Job[];
  if (makeEngine) {
    const make = makeEngine;
    jobs = engines.ENGINE_PROPERTIES.map((def) => ({
      name: def.name,
      says: def.says,
      runs: runsOf(def.runs),
      run: async (onRun) => {
        let engine: Awaited<ReturnType<typeof make>>;
        try {
          engine = await make();
        } catch (e) {
          return { ...engines.notCheckedOutcome(def.name, '', seed), notChecked: undefined, error: `the engine could not be started: ${(e as Error).message}` };
        }
        return engines.runEngineProperty(def, engine, { seed, runs: runsOf(def.runs), path: options.path, onRun }, replayExtra);
      },
    }));
  } else {
    jobs = suite.PROGRAM_PROPERTIES.map((def) => ({
      name: def.name,
      says: def.says,
      runs: runsOf(def.runs),
      run: async (onRun) => suite.runProperty(def, { seed, runs: runsOf(def.runs), path: options.path, onRun }),
    }));
  }
  try {
    return await runJobs(jobs, options, makeEngine, seed, shard, replayExtra);
  } finally {
    await closeEngine();
  }
}

async function runJobs(
  allJobs: Job[],
  options: PropsOptions,
  makeEngine: (() => Promise<AutogradEngine<any>>) | null,
  seed: number,
  shard: { k: number; n: number },
  replayExtra: string,
): Promise<number> {
  const err = (t: string) => process.stderr.write(t);
  const reporter = options.reporter ?? (options.json ? 'json' : 'text');
  const suite = await import('../properties/suite.js');
  let jobs = allJobs;
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
  if (options.stats) return statsCommand(options, makeEngine, seed);

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
    const o = await job.run(progress);
    if (tty) err(`\r${label} ${status(o)} (${o.runs} runs, ${(o.timeMs / 1000).toFixed(1)} s)\x1b[K\n`);
    outcomes.push(o);
  }
  const shardNote = shard.n > 1 ? `${shard.k}/${shard.n}` : '';
  if (reporter === 'json') {
    process.stdout.write(JSON.stringify(outcomes, null, 2) + '\n');
  } else if (reporter === 'junit') {
    process.stdout.write(junitReport(outcomes, { suite: makeEngine ? `dzdx props${replayExtra}` : 'dzdx props', seed, shard: shardNote, formatFailure: suite.formatFailure }));
  } else {
    process.stdout.write(table(outcomes, shardNote ? `shard ${shardNote}` : ''));
    for (const o of outcomes.filter((x) => !x.passed && !x.notChecked)) process.stdout.write('\n' + suite.formatFailure(o) + '\n');
  }
  return outcomes.some((o) => !o.passed && !o.notChecked) ? 1 : 0;
}

/** `--stats`: what the generator produces for the chosen programs. */
async function statsCommand(options: PropsOptions, makeEngine: (() => Promise<AutogradEngine<any>>) | null, seed: number): Promise<number> {
  const { generatorStats, formatStats } = await import('../properties/stats.js');
  const { programArb, ALL_FEATURES } = await import('../properties/arbitraries.js');
  const count = options.runs ?? 2000;
  let arb;
  let title;
  if (makeEngine) {
    const engines = await import('../properties/engine.js');
    const engine = await makeEngine();
    const def = engines.ENGINE_PROPERTIES.find((d) => d.name === (options.property ?? 'engineGradientsEqualExpected'))!;
    if (def.name === 'engineLinearInGradient') arb = def.arbitrary(engine).map((input: { program: unknown }) => input.program);
    else arb = def.arbitrary(engine);
    title = `programs of ${def.name} for engine ${engine.name}`;
  } else {
    const suite = await import('../properties/suite.js');
    const def = suite.PROGRAM_PROPERTIES.find((d) => d.name === (options.property ?? 'tapeEqualsSymbolic'))!;
    const isProgram = ['tapeEqualsSymbolic', 'symbolicEqualsFiniteDifferences', 'dataMutationHitsSavers', 'detachEqualsNoGrad', 'accumulatesTwice', 'versionCheck', 'secondDerivative'].includes(def.name);
    arb = isProgram ? def.arbitrary() : programArb(ALL_FEATURES);
    title = `programs of ${isProgram ? def.name : 'tapeEqualsSymbolic'}`;
  }
  process.stdout.write(formatStats(generatorStats(arb, count, seed), `${title} (seed ${seed})`));
  return 0;
}

function bar(fraction: number): string {
  const width = 20;
  const full = Math.round(fraction * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

const status = (o: RunOutcome) => (o.notChecked ? 'not checked' : o.passed ? 'passed' : 'FAILED');

/** The summary: property, runs (skipped), passed/failed/not checked, time; why the unchecked ones were not run. */
export function table(outcomes: readonly RunOutcome[], note = ''): string {
  const rows = outcomes.map((o) => [o.name, o.notChecked ? '-' : `${o.runs}${o.skipped ? ` (+${o.skipped} skipped)` : ''}`, status(o), `${(o.timeMs / 1000).toFixed(1)} s`]);
  const head = ['property', 'runs', 'result', 'time'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd() + '\n';
  const total = outcomes.reduce((s, o) => s + o.timeMs, 0);
  const unchecked = outcomes.filter((o) => o.notChecked);
  const checked = outcomes.length - unchecked.length;
  const passed = outcomes.filter((o) => o.passed && !o.notChecked).length;
  const summary = `${passed}/${checked} passed${unchecked.length ? `, ${unchecked.length} not checked` : ''} in ${(total / 1000).toFixed(1)} s (seed ${outcomes[0]?.seed ?? '-'}${note ? `, ${note}` : ''})\n`;
  const why = unchecked.map((o) => `not checked: ${o.name}: ${o.notChecked}\n`).join('');
  return line(head) + line(widths.map((w) => '-'.repeat(w))) + rows.map(line).join('') + '\n' + summary + why;
}
