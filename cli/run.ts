/** `dzdx run FILE`: the script's stdout and stderr as `python3 FILE` with PyTorch writes them. */
import { loadLibrariesFor } from '../src/libraries.js';
import { runScript } from '../src/program/run.js';
import { readProgram } from './program.js';
import { bufferedOutput } from './output.js';

export interface RunArgs {
  'time-limit': number;
  'max-ops': number;
}

/** Runs the script or notebook (after loading the libraries it names); returns the exit code. */
export async function runCommand(args: RunArgs, text: string, fileName: string, seed?: bigint): Promise<number> {
  const source = readProgram(text, fileName);
  if (!source) return 2;
  await loadLibrariesFor(source.text);
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
