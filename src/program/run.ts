/**
 * Run a script as `python3 script.py` would: stdout, warnings and the
 * traceback on stderr (every frame, Python's last line with its "Did you
 * mean" hint), and the exit code (0, 1 on an uncaught error, 2 for input
 * outside the subset or over a limit).
 */
import { setGradEnabled } from '../autograd/grad-mode.js';
import { beginRun } from '../random/torch-random.js';
import '../ops/index.js';
import { PyError } from '../tensor/errors.js';
import { dirOf } from './builtins.js';
import { formatScriptError, ScriptSyntaxError } from './errors.js';
import { exceptionOf, tracebackOf } from './exceptions.js';
import { clip, clipMessage } from './excerpt.js';
import { DEFAULT_LIMITS, Interpreter, nameErrorContext, type Limits } from './interpreter.js';
import { knownList } from './known-names.js';
import { attributeErrorContext } from './objects.js';
import { parseProgram } from './parse.js';
import { str } from './repr.js';
import { suggest } from './suggestions.js';
import { PyModule } from './values.js';

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

/** The class name a traceback's last line shows: `ValueError`, `MyError`, `torch.autograd.gradcheck.GradcheckError`. */
function exceptionName(err: PyError): string {
  const cls = exceptionOf(err).cls;
  return cls.module === '__main__' || cls.module === 'builtins' ? cls.qualname : `${cls.module}.${cls.qualname}`;
}

/** Python's "Did you mean" hint for an uncaught NameError / AttributeError, or ''. */
function hint(err: PyError): string {
  const attr = attributeErrorContext.get(err);
  if (attr) {
    const names = attr.obj instanceof PyModule ? (knownList(`module:${attr.obj.name}`) ?? dirOf(attr.obj)) : dirOf(attr.obj);
    const s = suggest(attr.name, names);
    return s ? `. Did you mean: '${s}'?` : '';
  }
  const name = nameErrorContext.get(err);
  if (name) {
    for (const scope of name.scopes()) {
      const s = suggest(name.name, scope);
      if (s) return `. Did you mean: '${s}'?`;
    }
  }
  return '';
}

export function formatTraceback(err: PyError, fileName: string, lines: readonly string[], moduleLine: number): string {
  const frames = [{ name: '<module>', line: moduleLine }, ...[...tracebackOf(err)].reverse()];
  let out = 'Traceback (most recent call last):\n';
  for (const f of frames) {
    out += `  File "${fileName}", line ${f.line}, in ${f.name}\n`;
    const text = clip((lines[f.line - 1] ?? '').trim());
    if (text) out += `    ${text}\n`;
  }
  let message: string;
  try {
    message = str(exceptionOf(err));
  } catch {
    message = '<exception str() failed>';
  }
  let last = exceptionName(err) + (message === '' ? '' : `: ${clipMessage(message)}`);
  try {
    last += hint(err);
  } catch {
    // A failing dir() gives no hint, as in CPython.
  }
  return out + last + '\n';
}

export function runScript(source: string, options: RunOptions = {}): RunResult {
  const fileName = options.fileName ?? '<script>';
  let stdout = '';
  let stderr = '';
  const out = (t: string) => (options.stdout ? options.stdout(t) : (stdout += t));
  const err = (t: string) => (options.stderr ? options.stderr(t) : (stderr += t));
  const lines = source.split(/\r\n|\r|\n/);
  let interpreter: Interpreter | null = null;
  // Grad mode and the default generator are global state: every run starts as a fresh Python process does.
  setGradEnabled(true);
  beginRun(options.seed);
  try {
    const program = parseProgram(source);
    interpreter = new Interpreter(
      {
        stdout: out,
        assigned: options.assigned,
        statement: options.statement,
        warning: (line, category, message) => err(`${fileName}:${line}: ${category}: ${clipMessage(message)}\n  ${clip((lines[line - 1] ?? '').trim())}\n`),
      },
      { ...DEFAULT_LIMITS, ...options.limits },
      fileName,
    );
    interpreter.run(program.body);
    return { exitCode: 0, stdout, stderr };
  } catch (e) {
    if (e instanceof ScriptSyntaxError) {
      err(formatScriptError(e, fileName, source) + '\n');
      return { exitCode: 2, stdout, stderr };
    }
    if (e instanceof PyError) {
      err(formatTraceback(e, fileName, lines, interpreter?.line ?? 1));
      return { exitCode: 1, stdout, stderr };
    }
    if (e instanceof RangeError && /call stack/.test(e.message)) {
      const depth = interpreter && interpreter.deepest > 0 ? ` (${interpreter.deepest} nested calls; Python allows ${DEFAULT_LIMITS.maxCallDepth})` : '';
      err(`${fileName}:${interpreter?.line ?? 1}:1: the script nests too deeply for dzdx${depth}\n`);
      return { exitCode: 2, stdout, stderr };
    }
    throw e;
  } finally {
    setGradEnabled(true);
  }
}


