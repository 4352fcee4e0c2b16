/**
 * A notebook as a run's Source (src/program/source.ts): its code cells in
 * order, as Jupyter's Run All runs them, for `dzdx run/check/graph
 * NOTEBOOK.ipynb` and the playground.
 *
 * - Markdown and raw cells are skipped; each code cell is parsed on its own
 *   (an unclosed bracket cannot run into the next cell), then the cells run
 *   as one program in one namespace.
 * - A cell's last statement, when it is an expression, is displayed as
 *   Jupyter displays it (IPython's text/plain, src/program/pretty.ts),
 *   unless its value is None or the cell's last token is `;`.
 * - Positions are `NOTEBOOK.ipynb:cell 7:line 2:col 5` (cells counted as the
 *   notebook shows them, markdown included); a traceback frame is
 *   `File "NOTEBOOK.ipynb", cell 7, line 2, in f`.
 * - IPython magics: `%matplotlib …` and `%config …` only configure figures
 *   and are passed over; any other line magic, a `%%cell magic`, a `!shell`
 *   line or `x = !cmd` is outside the subset (exit 2 at its position).
 */
import type { Pos } from '../program/ast.js';
import { ScriptSyntaxError } from '../program/errors.js';
import { parseProgram } from '../program/parse.js';
import { MAX_SOURCE_LENGTH } from '../program/parse-util.js';
import { scriptSource, type Source } from '../program/source.js';
import { formatCellPosition, parseNotebook, type Cell } from './notebook.js';

/** Line magics that only say how figures are drawn: they print nothing in Jupyter. */
const DISPLAY_ONLY_MAGICS = new Set(['matplotlib', 'config']);

/** What a lexical pass over a cell knows: which lines start a statement, and the cell's last token. */
interface CellScan {
  /** Per line: true when it begins a logical line (not inside a string, brackets or a `\` continuation). */
  logicalStart: boolean[];
  /** The last character outside comments and whitespace ('' for none). */
  last: string;
}

function scanCell(text: string): CellScan {
  const logicalStart = [true];
  let last = '';
  let depth = 0;
  let quote = '';
  let i = 0;
  let continued = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (text.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = '';
        last = c;
      } else if (c === '\n') {
        if (quote.length === 1) quote = ''; // an unterminated string: the parser reports it
        logicalStart.push(false);
      }
      i++;
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '\n') {
      logicalStart.push(depth === 0 && !continued);
      continued = false;
      i++;
      continue;
    }
    if (c === '\\' && text[i + 1] === '\n') {
      continued = true;
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      i += quote.length;
      continue;
    }
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth = Math.max(0, depth - 1);
    if (c !== ' ' && c !== '\t' && c !== '\r' && c !== '\f') last = c;
    i++;
  }
  return { logicalStart, last };
}

const MAGIC = /^([ \t]*)(%%?|!)([A-Za-z_][\w.]*)?/;
const ASSIGNED_MAGIC = /^([ \t]*[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*[ \t]*=[ \t]*)([%!])/;

/** The cell with display-only magics made `pass`; a ScriptSyntaxError (cell line and column) for any other magic. */
function withoutMagics(cell: Cell, scan: CellScan): string {
  return cell.lines
    .map((line, k) => {
      if (!scan.logicalStart[k]) return line;
      const assigned = ASSIGNED_MAGIC.exec(line);
      if (assigned) {
        const rest = line.slice(assigned[1]!.length).trim();
        throw magicError(assigned[2] === '!' ? `shell command '${rest}'` : `IPython magic '${rest}'`, k + 1, assigned[1]!.length + 1);
      }
      const m = MAGIC.exec(line);
      if (!m) return line;
      const [, indent, sigil, name = ''] = m;
      if (sigil === '%' && DISPLAY_ONLY_MAGICS.has(name)) return `${indent}pass`;
      const what = sigil === '!' ? `shell command '${line.trim()}'` : sigil === '%%' ? `IPython cell magic '%%${name}'` : `IPython magic '%${name}'`;
      throw magicError(what, k + 1, indent!.length + 1);
    })
    .join('\n');
}

function magicError(what: string, line: number, col: number): ScriptSyntaxError {
  return new ScriptSyntaxError({
    kind: 'unsupported',
    line,
    col,
    message: `${what} is not supported (dzdx runs a notebook's Python; it passes over only %matplotlib and %config)`,
  });
}

/** A notebook's code cells as one Source. Throws NotebookError for a file that is not a notebook. */
export function notebookSource(fileText: string, fileName: string): Source {
  const notebook = parseNotebook(fileText, { fileName });
  const cells = notebook.cells.filter((c) => c.kind === 'code');
  const texts: string[] = [];
  /** Per line of the joined text: its cell and line. */
  const origin: { cell: Cell; line: number }[] = [];
  const display: Pos[] = [];
  let error: ScriptSyntaxError | undefined;
  for (const cell of cells) {
    const offset = origin.length;
    cell.lines.forEach((_, k) => origin.push({ cell, line: k + 1 }));
    const scan = scanCell(cell.source);
    let text = cell.source;
    try {
      text = withoutMagics(cell, scan);
      // A cell rarely ends in a newline; a file always may (the parser reads a bare `print` at the very end as Python 2's statement).
      const body = parseProgram(text + '\n').body;
      const lastStatement = body.at(-1);
      if (lastStatement?.kind === 'expr' && scan.last !== ';') display.push({ line: lastStatement.pos.line + offset, col: lastStatement.pos.col });
    } catch (e) {
      if (!(e instanceof ScriptSyntaxError)) throw e;
      error ??= new ScriptSyntaxError({ kind: e.kind, line: e.line + offset, col: e.col, message: e.message });
    }
    texts.push(text);
  }
  const text = texts.join('\n') + '\n';
  if (text.length > MAX_SOURCE_LENGTH && !error) {
    error = new ScriptSyntaxError({ kind: 'limit', line: 1, col: 1, message: `the notebook's code is too long (${text.length} characters; the limit is ${MAX_SOURCE_LENGTH})` });
  }
  const where = (line: number) => origin[line - 1] ?? origin.at(-1) ?? null;
  return {
    text,
    fileName,
    display,
    hints: false,
    error,
    position(line, col) {
      const at = where(line);
      if (!at) return col === undefined ? `${fileName}:${line}` : `${fileName}:${line}:${col}`;
      // `FILE:cell 7:line 2:col 5`; a warning's, without the column.
      return col === undefined ? `${fileName}:cell ${at.cell.number}:line ${at.line}` : formatCellPosition({ fileName, cell: at.cell.number, line: at.line, col });
    },
    place(line) {
      const at = where(line);
      return at ? `cell ${at.cell.number}, line ${at.line}` : `line ${line}`;
    },
    lineOf(cell, line) {
      const k = origin.findIndex((o) => o.cell.number === cell && o.line === line);
      return k < 0 ? null : k + 1;
    },
    frame(line) {
      const at = where(line);
      return at ? `File "${fileName}", cell ${at.cell.number}, line ${at.line}` : `File "${fileName}", line ${line}`;
    },
  };
}

/** What `dzdx run/check/graph FILE` reads: a notebook by its `.ipynb` name, else a script. */
export function sourceOf(fileText: string, fileName: string): Source {
  return /\.ipynb$/i.test(fileName) ? notebookSource(fileText, fileName) : scriptSource(fileText, fileName);
}
