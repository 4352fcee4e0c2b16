/** `dzdx run FILE`: the script's stdout and stderr as `python3 FILE` with PyTorch writes them. */
import { loadLibrariesFor } from '../src/libraries.js';
import { runScript } from '../src/program/run.js';
import { bufferedOutput } from './output.js';

export interface RunArgs {
  'time-limit': number;
  'max-ops': number;
}

/** Runs the script (after loading the libraries it names); returns the exit code. */
export async function runCommand(args: RunArgs, source: string, fileName: string, seed?: bigint): Promise<number> {
  await loadLibrariesFor(source);
  const output = bufferedOutput();
  try {
    return runScript(source, {
      fileName,
      stdout: output.stdout,
      stderr: output.stderr,
      limits: { maxSeconds: args['time-limit'], maxOps: args['max-ops'] },
      seed,
    }).exitCode;
  } finally {
    output.flush();
  }
}
