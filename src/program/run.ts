/**
 * Run a script as `python3 script.py` would: stdout, warnings and the
 * traceback's last line on stderr, and the exit code (0, 1 on an uncaught
 * error, 2 for input outside the subset or over a limit).
 */
import { setGradEnabled } from '../autograd/grad-mode.js';
import { beginRun } from '../random/torch-random.js';
import '../ops/index.js';
import { PyError } from '../tensor/errors.js';
import { formatScriptError, ScriptSyntaxError } from './errors.js';
import { clip, clipMessage } from './excerpt.js';
import { DEFAULT_LIMITS, Interpreter, type Limits } from './interpreter.js';
import { parseProgram } from './parse.js';

export interface RunOptions {
  fileName?: string;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  limits?: Partial<Limits>;
  /** Called when a script binds a name (used by dzdx check to name tensors). */
  assigned?: (name: string, value: unknown, line: number) => void;
  /** Called before each statement runs, with its line. */
  statement?: (line: number) => void;
  /** The seed of torch's default generator when the script sets none (default: src/random's DEFAULT_SEED). */
  seed?: bigint;
}

export interface RunResult {
  exitCode: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

export function runScript(source: string, options: RunOptions = {}): RunResult {
  const fileName = options.fileName ?? '<script>';
  let stdout = '';
  let stderr = '';
  const out = (t: string) => (options.stdout ? options.stdout(t) : (stdout += t));
  const err = (t: string) => (options.stderr ? options.stderr(t) : (stderr += t));
  const lines = source.split(/\r\n|\r|\n/);
  const interpreter = new Interpreter(
    {
      stdout: out,
      assigned: options.assigned,
      statement: options.statement,
      warning: (line, category, message) => err(`${fileName}:${line}: ${category}: ${clipMessage(message)}\n  ${clip((lines[line - 1] ?? '').trim())}\n`),
    },
    { ...DEFAULT_LIMITS, ...options.limits },
  );
  // Grad mode and the default generator are global state: every run starts as a fresh Python process does.
  setGradEnabled(true);
  beginRun(options.seed);
  try {
    interpreter.run(parseProgram(source).body);
    return { exitCode: 0, stdout, stderr };
  } catch (e) {
    if (e instanceof ScriptSyntaxError) {
      err(formatScriptError(e, fileName, source) + '\n');
      return { exitCode: 2, stdout, stderr };
    }
    if (e instanceof PyError) {
      const line = interpreter.line;
      err(`Traceback (most recent call last):\n  File "${fileName}", line ${line}, in <module>\n    ${clip((lines[line - 1] ?? '').trim())}\n`);
      err(e.message === '' ? `${e.pyType}\n` : `${e.pyType}: ${clipMessage(e.message)}\n`);
      return { exitCode: 1, stdout, stderr };
    }
    if (e instanceof RangeError && /call stack/.test(e.message)) {
      err(`${fileName}:${interpreter.line}:1: the script nests too deeply for dzdx\n`);
      return { exitCode: 2, stdout, stderr };
    }
    throw e;
  } finally {
    setGradEnabled(true);
  }
}
