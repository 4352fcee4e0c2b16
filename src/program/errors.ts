/**
 * Errors found before a script runs: syntax errors, constructs outside the
 * supported subset, and resource limits on untrusted input. The CLI prints
 * them with formatScriptError and exits 2.
 */
import { clipMessage, excerptAt } from './excerpt.js';

export type ScriptErrorKind = 'syntax' | 'unsupported' | 'limit';

export interface ScriptErrorInit {
  kind: ScriptErrorKind;
  /** 1-based line. */
  line: number;
  /** 1-based column, counted in UTF-16 code units (a tab counts as one). */
  col: number;
  message: string;
}

export class ScriptSyntaxError extends Error {
  readonly kind: ScriptErrorKind;
  readonly line: number;
  readonly col: number;

  constructor(init: ScriptErrorInit) {
    super(init.message);
    this.name = 'ScriptSyntaxError';
    this.kind = init.kind;
    this.line = init.line;
    this.col = init.col;
  }
}

/**
 * `FILE:LINE:COL: message`, the source line (a window of it around the
 * column when it is long) and a caret under the column. No trailing newline.
 */
export function formatScriptError(
  err: { line: number; col: number; message: string },
  fileName: string,
  source: string,
): string {
  const lines = source.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const { text, caret } = excerptAt(lines[err.line - 1] ?? '', err.col);
  return `${fileName}:${err.line}:${err.col}: ${clipMessage(err.message)}\n${text}\n${caret}`;
}

/**
 * A construct outside the subset met at run time (a method dzdx lacks, a
 * placeholder module used): thrown without a position (by the interpreter
 * or the tensor library), turned into a ScriptSyntaxError at the
 * expression being evaluated.
 */
export { UnsupportedError } from '../tensor/errors.js';
