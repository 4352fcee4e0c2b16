/**
 * Jupyter notebooks (nbformat 4) as untrusted input: read with bounds,
 * cells with their kind, source, tags and metadata, and every cell line
 * mapped to where it is in the .ipynb file, so that a message can say
 * `NOTEBOOK.ipynb:cell 7:line 2:col 5` (and an editor can jump to the file's
 * own line and column). Nothing here runs code or knows about grading.
 *
 * API (also for `dzdx run/check/graph NOTEBOOK.ipynb`):
 *
 *   parseNotebook(text, { fileName?, limits? }): Notebook
 *     Throws NotebookError (file line and column of the problem, and the
 *     path of the offending value: `cells[3].cell_type: …`).
 *   Notebook: { fileName, nbformat, nbformatMinor, metadata, language, cells }
 *     language: metadata.kernelspec.language ?? metadata.language_info.name.
 *   Cell: { index (0-based), number (1-based: what messages show), kind
 *     ('code' | 'markdown' | 'raw'), id (nbformat 4.5, or null), source (the
 *     joined text), lines (source split into lines), tags (metadata.tags),
 *     metadata, fileLines (for each source line, its 1-based line and column
 *     in the .ipynb file) }
 *   cellPosition(notebook, cell, line, col): CellPosition — a position
 *     inside a cell's source (1-based line and column) with its place in
 *     the file; formatCellPosition(position) → `FILE:cell 7:line 2:col 5`.
 *   codeScript(notebook, { cells?, magics? }): { source, cellOf(line) } —
 *     the code cells joined into one script, each script line mapped back
 *     to its cell and line. IPython magics (`%…`, `!…`) become comment lines
 *     (same number of lines) unless `magics: 'keep'`.
 *
 * Limits (NOTEBOOK_LIMITS): 50,000,000 characters of file (outputs with
 * images are large), 10,000 cells, 1,000,000 characters of source in one
 * cell, JSON nested 100 deep.
 */
import { JsonError, parseJson, plain, rawOffset, type JsonNode } from './json.js';

export const NOTEBOOK_LIMITS = { maxChars: 50_000_000, maxCells: 10_000, maxCellChars: 1_000_000, maxDepth: 100 } as const;

export type CellKind = 'code' | 'markdown' | 'raw';

export interface FilePosition {
  /** 1-based line and column in the .ipynb text. */
  line: number;
  col: number;
}

export interface Cell {
  index: number;
  number: number;
  kind: CellKind;
  id: string | null;
  source: string;
  lines: string[];
  tags: string[];
  metadata: Record<string, unknown>;
  fileLines: FilePosition[];
}

export interface Notebook {
  fileName: string;
  nbformat: number;
  nbformatMinor: number;
  metadata: Record<string, unknown>;
  language: string | null;
  cells: Cell[];
}

export interface CellPosition {
  fileName: string;
  /** 1-based cell number, line and column inside its source. */
  cell: number;
  line: number;
  col: number;
  /** The same place in the .ipynb text. */
  file: FilePosition;
}

export class NotebookError extends Error {
  constructor(
    message: string,
    readonly fileName: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message);
    this.name = 'NotebookError';
  }

  /** `FILE:LINE:COL: message`, as the CLI prints bad input. */
  format(): string {
    return `${this.fileName}:${this.line}:${this.col}: ${this.message}`;
  }
}

/** 1-based line and column of `index` in `text`, with a table of line starts built once. */
function locator(text: string): (index: number) => FilePosition {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return (index) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: index - starts[lo]! + 1 };
  };
}

/** How to find a cell's characters in the file (escapes make a character several characters of JSON). */
const origins = new WeakMap<Cell, { text: string; pieces: (JsonNode & { kind: 'string' })[]; at: (index: number) => FilePosition }>();

export function parseNotebook(text: string, options: { fileName?: string; limits?: Partial<typeof NOTEBOOK_LIMITS> } = {}): Notebook {
  const fileName = options.fileName ?? '<notebook>';
  const limits = { ...NOTEBOOK_LIMITS, ...options.limits };
  const at = locator(text);
  const fail = (message: string, index: number): never => {
    const { line, col } = at(index);
    throw new NotebookError(message, fileName, line, col);
  };
  if (text.length > limits.maxChars) fail(`the notebook has ${text.length} characters; at most ${limits.maxChars} are read`, 0);
  let root: JsonNode;
  try {
    root = parseJson(text.replace(/^\uFEFF/, ' '), limits.maxDepth);
  } catch (e) {
    if (e instanceof JsonError) return fail(`not a notebook: not JSON (${e.message})`, e.index);
    throw e;
  }
  const field = (node: JsonNode, path: string, key: string) => (node.kind === 'object' ? node.entries.get(key) : undefined) ?? fail(`${path}: '${key}' is missing`, node.start);
  const expect = <K extends JsonNode['kind']>(node: JsonNode, kind: K, path: string, what: string): JsonNode & { kind: K } =>
    node.kind === kind ? (node as JsonNode & { kind: K }) : fail(`${path}: expected ${what}`, node.start);
  const top = root.kind === 'object' ? root : fail('not a notebook: expected a JSON object with "cells"', root.start);
  const nbformat = expect(field(top, 'notebook', 'nbformat'), 'number', 'nbformat', 'a number').value;
  if (nbformat !== 4) fail(`nbformat ${nbformat}: only nbformat 4 notebooks are read (save it with Jupyter 4.x or later)`, field(top, 'notebook', 'nbformat').start);
  const minorNode = top.entries.get('nbformat_minor');
  const nbformatMinor = minorNode ? expect(minorNode, 'number', 'nbformat_minor', 'a number').value : 0;
  const metadataNode = top.entries.get('metadata');
  const metadata = metadataNode ? (plain(expect(metadataNode, 'object', 'metadata', 'an object')) as Record<string, unknown>) : Object.create(null);
  const cellsNode = expect(field(top, 'notebook', 'cells'), 'array', 'cells', 'a list of cells');
  if (cellsNode.items.length > limits.maxCells) fail(`the notebook has ${cellsNode.items.length} cells; at most ${limits.maxCells} are read`, cellsNode.start);

  const cells = cellsNode.items.map((node, index): Cell => {
    const path = `cells[${index}]`;
    const cell = expect(node, 'object', path, 'an object');
    const kindNode = expect(field(cell, path, 'cell_type'), 'string', `${path}.cell_type`, 'text');
    if (!['code', 'markdown', 'raw'].includes(kindNode.value)) fail(`${path}.cell_type: expected "code", "markdown" or "raw", not ${JSON.stringify(kindNode.value)}`, kindNode.start);
    const sourceNode = field(cell, path, 'source');
    const pieces = sourceNode.kind === 'string' ? [sourceNode] : expect(sourceNode, 'array', `${path}.source`, 'text or a list of text').items.map((s, k) => expect(s, 'string', `${path}.source[${k}]`, 'text'));
    const source = pieces.map((p) => p.value).join('');
    if (source.length > limits.maxCellChars) fail(`${path}.source: ${source.length} characters; at most ${limits.maxCellChars} are read in one cell`, sourceNode.start);
    // Where each source line starts in the file: walk the pieces as the joined text is walked.
    const fileLines: FilePosition[] = [];
    let lineStart = true;
    for (const piece of pieces) {
      for (let k = 0; k <= piece.value.length; k++) {
        if (lineStart && k < piece.value.length) {
          fileLines.push(at(rawOffset(text, piece, k)));
          lineStart = false;
        }
        if (piece.value[k] === '\n') lineStart = true;
      }
    }
    const lines = source.split('\n');
    while (fileLines.length < lines.length) fileLines.push(at(sourceNode.end));
    const cellMetadataNode = cell.entries.get('metadata');
    const cellMetadata = cellMetadataNode ? (plain(expect(cellMetadataNode, 'object', `${path}.metadata`, 'an object')) as Record<string, unknown>) : Object.create(null);
    const tags = Array.isArray(cellMetadata.tags) ? (cellMetadata.tags as unknown[]).filter((t): t is string => typeof t === 'string') : [];
    const idNode = cell.entries.get('id');
    const result: Cell = {
      index,
      number: index + 1,
      kind: kindNode.value as CellKind,
      id: idNode?.kind === 'string' ? idNode.value : null,
      source,
      lines,
      tags,
      metadata: cellMetadata,
      fileLines,
    };
    origins.set(result, { text, pieces, at });
    return result;
  });
  const kernel = metadata.kernelspec as { language?: unknown } | undefined;
  const info = metadata.language_info as { name?: unknown } | undefined;
  const language = typeof kernel?.language === 'string' ? kernel.language : typeof info?.name === 'string' ? info.name : null;
  return { fileName, nbformat, nbformatMinor, metadata, language, cells };
}

/** A place inside a cell's source (1-based line and column), with its place in the file. */
export function cellPosition(notebook: Notebook, cell: Cell, line: number, col: number): CellPosition {
  const position = { fileName: notebook.fileName, cell: cell.number, line, col };
  const origin = origins.get(cell);
  const start = cell.fileLines[Math.min(Math.max(line, 1), cell.fileLines.length) - 1] ?? { line: 1, col: 1 };
  if (!origin) return { ...position, file: { line: start.line, col: start.col + col - 1 } };
  // The character's index in the joined source, then in the piece (a JSON string) that holds it.
  let index = cell.lines.slice(0, Math.max(line, 1) - 1).reduce((n, l) => n + l.length + 1, 0) + Math.max(col, 1) - 1;
  for (const piece of origin.pieces) {
    if (index < piece.value.length) return { ...position, file: origin.at(rawOffset(origin.text, piece, index)) };
    index -= piece.value.length;
  }
  const last = origin.pieces.at(-1);
  return { ...position, file: last ? origin.at(last.end - 1) : start };
}

/** `NOTEBOOK.ipynb:cell 7:line 2:col 5` */
export function formatCellPosition(p: Pick<CellPosition, 'fileName' | 'cell' | 'line' | 'col'>): string {
  return `${p.fileName}:cell ${p.cell}:line ${p.line}:col ${p.col}`;
}

/** The code cells (or those chosen) as one script, and for each of its lines the cell and line it came from. */
export function codeScript(
  notebook: Notebook,
  options: { cells?: (cell: Cell) => boolean; magics?: 'comment' | 'keep' } = {},
): { source: string; cellOf: (line: number) => { cell: Cell; line: number } | null } {
  const chosen = notebook.cells.filter((c) => c.kind === 'code' && (options.cells?.(c) ?? true));
  const out: string[] = [];
  const origin: { cell: Cell; line: number }[] = [];
  for (const cell of chosen) {
    cell.lines.forEach((text, k) => {
      out.push(options.magics !== 'keep' && /^\s*[%!]/.test(text) ? `# ${text}` : text);
      origin.push({ cell, line: k + 1 });
    });
  }
  return { source: out.join('\n'), cellOf: (line) => origin[line - 1] ?? null };
}
