/** Shared plumbing for the parser: positions, errors and tree access. */
import type { parser } from '@lezer/python';
import type { Pos } from './ast.js';
import { ScriptSyntaxError, type ScriptErrorKind } from './errors.js';

/** A node of the lezer concrete syntax tree (typed without importing @lezer/common directly). */
export type Node = ReturnType<typeof parser.parse>['topNode'];

/** Deepest allowed nesting of blocks plus expressions (the AST depth). */
export const MAX_DEPTH = 200;
export const MAX_SOURCE_LENGTH = 1_000_000;
export const DEPTH_MESSAGE = `nesting too deep (more than ${MAX_DEPTH} levels)`;

/** Offset -> line/col through a table of line starts and a binary search. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(src: string) {
    for (let i = src.indexOf('\n'); i >= 0; i = src.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  pos(offset: number): Pos {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo]! + 1 };
  }
}

/** Where an error points: a tree node, a source offset, or an already computed position. */
export type At = Node | number | Pos;

/** The source being mapped, with helpers every mapping function needs. */
export class Ctx {
  readonly lines: LineIndex;
  /** Set when a `yield` is mapped: the enclosing def is a generator function. */
  sawYield = false;

  constructor(readonly src: string) {
    this.lines = new LineIndex(src);
  }

  pos(at: At): Pos {
    if (typeof at === 'number') return this.lines.pos(at);
    if ('line' in at) return at;
    return this.lines.pos(at.from);
  }

  text(n: Node): string {
    return this.src.slice(n.from, n.to);
  }

  error(kind: ScriptErrorKind, message: string, at: At): ScriptSyntaxError {
    const { line, col } = this.pos(at);
    return new ScriptSyntaxError({ kind, line, col, message });
  }

  syntax(at: At, message = 'invalid syntax'): never {
    throw this.error('syntax', message, at);
  }

  unsupported(at: At, message: string): never {
    throw this.error('unsupported', message, at);
  }

  /** Called before every recursive step so that hostile input ends in a clear error, not a stack overflow. */
  checkDepth(depth: number, at: At): void {
    if (depth > MAX_DEPTH) throw this.error('limit', DEPTH_MESSAGE, at);
  }

  /** The children of a node, without comments; an error node inside is a syntax error (but for a bare `yield`'s). */
  kids(n: Node): Node[] {
    const out: Node[] = [];
    for (let k = n.firstChild; k; k = k.nextSibling) {
      if (k.type.isError) {
        // lezer reads a bare `yield` (`yield`, `x = yield`) with an empty error node after it.
        if (k.from === k.to && (n.name === 'YieldStatement' || n.name === 'YieldExpression')) continue;
        this.syntax(k);
      }
      if (k.name !== 'Comment') out.push(k);
    }
    return out;
  }
}

/** Split a flat child list at `,` tokens; `trailing` says whether the list ended with a comma. */
export function splitCommas(nodes: Node[]): { groups: Node[][]; trailing: boolean } {
  const groups: Node[][] = [];
  let cur: Node[] = [];
  for (const n of nodes) {
    if (n.name === ',') {
      groups.push(cur);
      cur = [];
    } else cur.push(n);
  }
  const trailing = cur.length === 0 && groups.length > 0;
  if (!trailing) groups.push(cur);
  return { groups, trailing };
}
