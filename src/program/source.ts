/**
 * What a run reads: the program text and how its positions are written.
 * A script is one file (`FILE:LINE:COL`); a Jupyter notebook
 * (src/notebook/script.ts) is its code cells joined into one text, each
 * line mapped back to its cell (`NOTEBOOK.ipynb:cell 7:line 2:col 5`), with
 * the expression statements whose values Jupyter displays. run, check and
 * graph all take a Source, so a notebook goes the one path a script goes.
 */
import type { Pos } from './ast.js';
import { ScriptSyntaxError } from './errors.js';

export interface Source {
  /** The program text (a notebook's code cells, joined). */
  text: string;
  /** The file's name as messages show it (`__file__` too). */
  fileName: string;
  /** `FILE:LINE:COL`, or `FILE:LINE` without a column: the prefix of an error or warning line. */
  position(line: number, col?: number): string;
  /** A traceback frame's place: `File "FILE", line N`. */
  frame(line: number): string;
  /** A line as reports name it: `line 5`, or a notebook's `cell 7, line 2`. */
  place(line: number): string;
  /** A notebook's: the line of the text where line `line` of cell number `cell` is (null when there is none). */
  lineOf?(cell: number, line: number): number | null;
  /** Top-level expression statements whose value is displayed as Jupyter displays it (where each starts). */
  display?: readonly Pos[];
  /** False for a notebook: Jupyter's tracebacks have no `Did you mean` hint (Python's own display adds it). */
  hints?: boolean;
  /** An error found while reading the source (a notebook cell's syntax, a refused magic): reported instead of running. */
  error?: ScriptSyntaxError;
}

/** A plain script. */
export function scriptSource(text: string, fileName = '<script>'): Source {
  return {
    text,
    fileName,
    position: (line, col) => (col === undefined ? `${fileName}:${line}` : `${fileName}:${line}:${col}`),
    frame: (line) => `File "${fileName}", line ${line}`,
    place: (line) => `line ${line}`,
  };
}

/** A Source from what the caller has: a Source as it is, or a script's text with its name. */
export function toSource(source: string | Source, fileName?: string): Source {
  return typeof source === 'string' ? scriptSource(source, fileName) : source;
}
