/**
 * Source text -> AST (ast.ts). Three passes:
 * 1. a lexical scan (parse-scan.ts) for indentation, brackets, unterminated
 *    strings, nesting limits and `1.` floats, none of which lezer reports well;
 * 2. @lezer/python, which builds a concrete syntax tree with error nodes;
 * 3. the mapping onto the AST (parse-stmt.ts, parse-expr.ts), which refuses
 *    constructs outside the subset.
 * Errors are ScriptSyntaxError, chosen the way CPython would choose:
 * - the nesting limit at once (hostile input; nothing else is trustworthy);
 * - a bad string, number or bracket anywhere (CPython tokenizes the whole
 *   file after a parser error and reports such an error instead);
 * - else the first syntax error of the three passes;
 * - an unsupported construct only when the script is valid Python.
 */
import { parser } from '@lezer/python';
import type { Pos, Program } from './ast.js';
import { ScriptSyntaxError } from './errors.js';
import { scanSource } from './parse-scan.js';
import { resolveScopes } from './scope.js';
import { mapScript } from './parse-stmt.js';
import { Ctx, DEPTH_MESSAGE, MAX_SOURCE_LENGTH, type Node } from './parse-util.js';

export { ScriptSyntaxError } from './errors.js';

export function parseProgram(source: string): Program {
  if (source.length > MAX_SOURCE_LENGTH) {
    throw new ScriptSyntaxError({
      kind: 'limit',
      line: 1,
      col: 1,
      message: `script too long (${source.length} characters; the limit is ${MAX_SOURCE_LENGTH})`,
    });
  }
  // Python reads source with universal newlines and skips a byte order mark.
  const c = new Ctx(source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n'));
  const scan = scanSource(c);

  let top: Node;
  try {
    top = parser.parse(scan.patched).topNode;
  } catch (e) {
    // lezer builds its tree recursively; the scan refuses deep brackets and
    // blocks, so this is only a safety net for other deep shapes.
    if (!(e instanceof RangeError)) throw e;
    throw scan.tokenError ?? scan.error ?? c.error('limit', DEPTH_MESSAGE, 0);
  }

  checkTreeDepth(c, top);
  let body: Program['body'] | null = null;
  let mapError: ScriptSyntaxError | null = null;
  let internal: unknown = null;
  try {
    body = mapScript(c, top);
  } catch (e) {
    if (e instanceof ScriptSyntaxError) {
      if (e.kind === 'limit') throw e;
      mapError = e;
    } else {
      // The mapper trusts the tree's shape; lezer's error recovery can break
      // that, which is fine as long as a syntax error is reported below.
      internal = e;
    }
  }
  if (scan.tokenError) throw scan.tokenError;
  const treeError = firstErrorNode(c, top);
  const syntaxError = earliest([
    scan.error && { error: scan.error, order: scan.order! },
    treeError && { error: treeError, order: treeError },
    mapError?.kind === 'syntax' ? { error: mapError, order: mapError } : null,
  ]);
  if (syntaxError) throw syntaxError;
  if (internal) throw internal;
  if (mapError) throw mapError;
  const program = { body: body! };
  resolveScopes(program);
  return program;
}

/**
 * lezer stops nesting at about 650 levels and recovers with error nodes, which
 * would then be reported as `invalid syntax`. Every AST level is at least one
 * tree level, and a script within the AST limit stays far below this bound, so
 * a deeper tree is reported as the nesting limit it is.
 */
const TREE_DEPTH_LIMIT = 500;

function checkTreeDepth(c: Ctx, top: Node): void {
  const cursor = top.cursor();
  let depth = 0;
  for (;;) {
    if (depth > TREE_DEPTH_LIMIT) throw c.error('limit', DEPTH_MESSAGE, cursor.from);
    if (cursor.firstChild()) {
      depth++;
      continue;
    }
    while (!cursor.nextSibling()) {
      if (!cursor.parent()) return;
      depth--;
    }
  }
}

const COMPOUND = new Set(['IfStatement', 'WhileStatement', 'ForStatement', 'TryStatement', 'WithStatement', 'FunctionDefinition', 'ClassDefinition']);

/** The first lezer error node in document order, walked with a cursor (no recursion). */
function firstErrorNode(c: Ctx, top: Node): ScriptSyntaxError | null {
  const cursor = top.cursor();
  do {
    if (!cursor.type.isError) continue;
    const node = cursor.node;
    const parent = node.parent?.name ?? '';
    // lezer reads a bare `yield` (`yield`, `x = yield`) with an empty error node (mapYield skips it).
    if ((parent === 'YieldExpression' || parent === 'YieldStatement') && node.from === node.to) continue;
    // A block header without its colon: lezer puts the error at the line end or first in the Body.
    const atLineEnd = c.src[node.from] === '\n' || node.from === c.src.length;
    if ((parent === 'Body' && !node.prevSibling) || (COMPOUND.has(parent) && atLineEnd)) {
      return c.error('syntax', "expected ':'", node.from);
    }
    const before = missingComma(c, node);
    if (before) return c.error('syntax', 'invalid syntax. Perhaps you forgot a comma?', before);
    return c.error('syntax', 'invalid syntax', node.from);
  } while (cursor.next());
  return null;
}

const BRACKETS = new Set(['ArgList', 'ArrayExpression', 'TupleExpression', 'ParenthesizedExpression', 'MemberExpression']);
/** Test-level nodes that the grammar keeps outside its Expression group. */
const OPERATIONS = new Set(['BinaryExpression', 'UnaryExpression', 'ConditionalExpression']);
const NOT_AN_OPERAND = /^(?:and|as|assert|async|break|class|continue|def|del|elif|else|except|finally|for|from|global|if|import|in|is|nonlocal|or|pass|raise|return|try|while|with|yield)\b/;

/**
 * CPython's hint for two expressions side by side inside brackets (`f(a b)`,
 * `[1 2]`): lezer skips the second one as an error node right after the first.
 * Returns the first expression, where CPython points.
 */
function missingComma(c: Ctx, error: Node): Node | null {
  const prev = error.prevSibling;
  const operand = prev && (prev.type.is('Expression') || OPERATIONS.has(prev.name));
  if (!operand || !BRACKETS.has(error.parent?.name ?? '')) return null;
  const next = c.src.slice(error.from, error.from + 12);
  if (error.from === error.to || !/^[\w'"([{\u00a1-\uffff]/.test(next) || NOT_AN_OPERAND.test(next)) return null;
  // Like CPython, not for `name 'string'` (a likely prefix typo) or a Python 2 `print x`.
  if (prev.name === 'VariableName' && (/^['"]/.test(next) || c.text(prev) === 'print')) return null;
  return prev;
}

/** The error that ranks first (see ScanResult.order); on a tie the earlier entry (the more specific message) wins. */
function earliest(errors: ({ error: ScriptSyntaxError; order: Pos } | null)[]): ScriptSyntaxError | null {
  let best: { error: ScriptSyntaxError; order: Pos } | null = null;
  for (const e of errors) {
    if (!e) continue;
    const { line, col } = e.order;
    if (!best || line < best.order.line || (line === best.order.line && col < best.order.col)) best = e;
  }
  return best?.error ?? null;
}
