/** `dzdx check FILE`: every backward() and autograd.grad() of a script checked three ways. */
import { check } from '../src/check/check.js';
import { formatReport } from '../src/check/report.js';
import { loadLibrariesFor } from '../src/libraries.js';

export interface CheckArgs {
  json: boolean;
  latex: boolean;
  graph: boolean;
  full: boolean;
  rtol?: number;
  atol?: number;
}

/** Checks the script; returns the exit code. */
export async function checkCommand(args: CheckArgs, source: string, fileName: string, seed?: bigint): Promise<number> {
  await loadLibrariesFor(source);
  const float32 = { rtol: args.rtol ?? 1e-4, atol: args.atol ?? 1e-5 };
  const report = check(source, { fileName, tolerances: { float32 }, seed });
  if (report.exitCode === 2) {
    process.stderr.write(report.stderr);
    return 2;
  }
  const graphs = args.graph ? (await import('./graph.js')).attachGraphs(report, source, fileName) : null;
  process.stdout.write(args.json ? JSON.stringify(graphs?.json ?? report, null, 2) + '\n' : formatReport(report, { latex: args.latex, full: args.full }) + (graphs?.text ?? ''));
  return report.ok ? 0 : 1;
}
