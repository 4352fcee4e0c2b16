/** `dzdx run FILE`: the script's stdout and stderr as `python3 FILE` with PyTorch writes them. */
import { runScript } from '../src/program/run.js';
import { readProgram } from './program.js';
import { bufferedOutput } from './output.js';

export interface RunArgs {
  'time-limit': number;
  'max-ops': number;
}

/** Runs the script or notebook; returns the exit code. */
export function runCommand(args: RunArgs, text: string, fileName: string, seed?: bigint): number {
  const source = readProgram(text, fileName);
  if (!source) return 2;
  const output = bufferedOutput();
  try {
    return runScript(source, {
      stdout: output.stdout,
      stderr: output.stderr,
      limits: { maxSeconds: args['time-limit'], maxOps: args['max-ops'] },
      seed,
    }).exitCode;
  } finally {
    output.flush();
  }
}
