/**
 * What run, check and graph read: a script, or a notebook by its `.ipynb`
 * name (its code cells, src/notebook). Imported by each command's own file,
 * so that the Source and the run share one copy of the interpreter.
 */
import { NotebookError, sourceOf } from '../src/notebook/index.js';
import { formatErrorAt } from '../src/program/errors.js';
import type { Source } from '../src/program/source.js';

/** The Source, or null after printing why a file named .ipynb is not a notebook (exit 2). */
export function readProgram(text: string, fileName: string): Source | null {
  try {
    return sourceOf(text, fileName);
  } catch (e) {
    if (!(e instanceof NotebookError)) throw e;
    process.stderr.write(formatErrorAt(`${fileName}:${e.line}:${e.col}`, e, text) + '\n');
    return null;
  }
}
