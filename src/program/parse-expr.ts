/** Mapping of lezer expression nodes onto the AST's Expr. */
import type { BinaryOp, CompareOp, Expr, FStringPart, Keyword } from './ast.js';
import { splitCommas, type Ctx, type Node } from './parse-util.js';
import { decodeText, stringShape } from './parse-strings.js';

/** Node types that are valid Python but outside the subset, with the message naming them. */
const UNSUPPORTED: Record<string, string> = {
  LambdaExpression: 'lambda expressions are not supported',
  ArrayComprehensionExpression: 'list comprehensions are not supported',
  ComprehensionExpression: 'generator expressions are not supported',
  DictionaryExpression: 'dict literals are not supported',
  DictionaryComprehensionExpression: 'dict comprehensions are not supported',
  SetExpression: 'set literals are not supported',
  SetComprehensionExpression: 'set comprehensions are not supported',
  AwaitExpression: "'await' expressions are not supported (async)",
  NamedExpression: 'the walrus operator (:=) is not supported',
  YieldExpression: "'yield' is not supported",
};

const PY_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '),
);

const BINARY_OPS = new Set<string>(['+', '-', '*', '/', '//', '%', '**', '@']);

export function mapExpr(c: Ctx, n: Node, depth: number): Expr {
  c.checkDepth(depth, n);
  const pos = c.pos(n);
  switch (n.name) {
    case 'VariableName':
      return { kind: 'name', pos, id: c.text(n) };
    case 'Number':
      return mapNumber(c, n);
    case 'String':
    case 'FormatString':
      return mapStrings(c, [n], n, depth);
    case 'ContinuedString':
      return mapStrings(c, c.kids(n), n, depth);
    case 'Boolean':
      return { kind: 'bool', pos, value: c.text(n) === 'True' };
    case 'None':
      return { kind: 'none', pos };
    case 'Ellipsis':
      return { kind: 'ellipsis', pos };
    case 'MemberExpression':
      return mapMember(c, n, depth);
    case 'CallExpression': {
      const [fn, argList] = c.kids(n);
      const callee = mapExpr(c, fn!, depth + 1); // first, so that errors come in source order
      return { kind: 'call', pos, fn: callee, ...mapArgs(c, argList!, depth + 1) };
    }
    case 'BinaryExpression':
      return mapBinary(c, n, depth);
    case 'UnaryExpression': {
      const [op, operand] = c.kids(n);
      if (op!.name === 'not') return mapBoolChain(c, n, depth);
      const sign = c.text(op!);
      if (sign !== '-' && sign !== '+') c.unsupported(op!, `the '${sign}' operator is not supported (bitwise operators)`);
      return { kind: 'unary', pos, op: sign, operand: mapExpr(c, operand!, depth + 1) };
    }
    case 'ParenthesizedExpression': {
      const inner = c.kids(n).slice(1, -1);
      if (inner.length !== 1) starred(c, inner[0] ?? n);
      return mapExpr(c, inner[0]!, depth + 1);
    }
    case 'TupleExpression':
      return { kind: 'tuple', pos, elts: mapElements(c, c.kids(n).slice(1, -1), depth + 1) };
    case 'ArrayExpression':
      return { kind: 'list', pos, elts: mapElements(c, c.kids(n).slice(1, -1), depth + 1) };
    case 'ConditionalExpression': {
      const [bodyNode, , testNode, , orelseNode] = c.kids(n);
      const body = mapExpr(c, bodyNode!, depth + 1); // source order: `body if test else orelse`
      const test = mapExpr(c, testNode!, depth + 1);
      return { kind: 'ifexp', pos, test, body, orelse: mapExpr(c, orelseNode!, depth + 1) };
    }
    default: {
      const message = UNSUPPORTED[n.name];
      if (message) c.unsupported(n, message);
      return c.syntax(n);
    }
  }
}

function starred(c: Ctx, at: Node): never {
  return c.unsupported(at, 'starred expressions (*x) are not supported');
}

/**
 * A comma-separated expression list as statements use it (`return a, b`,
 * `x = 1, 2`, `for i in a, b`): one item is that expression, more items (or a
 * trailing comma) make a tuple positioned at the first item.
 */
export function mapExprList(c: Ctx, nodes: Node[], depth: number, at: Node): Expr {
  const { groups, trailing } = splitCommas(nodes);
  if (groups.length === 1 && !trailing) {
    const only = groups[0]!;
    if (only.length !== 1) return only.length === 0 ? c.syntax(at) : starred(c, only[0]!);
    return mapExpr(c, only[0]!, depth);
  }
  return { kind: 'tuple', pos: c.pos(nodes[0]!), elts: mapElements(c, nodes, depth + 1) };
}

/** The elements of a tuple or list display (`*x` is refused). */
function mapElements(c: Ctx, nodes: Node[], depth: number): Expr[] {
  if (nodes.length === 0) return [];
  return splitCommas(nodes).groups.map((g) => {
    if (g.length !== 1) return g.length === 0 ? c.syntax(nodes[0]!) : starred(c, g[0]!);
    return mapExpr(c, g[0]!, depth);
  });
}

function mapNumber(c: Ctx, n: Node): Expr {
  const pos = c.pos(n);
  // The original text, not lezer's: `1.` was patched to `10` for lezer.
  const text = c.text(n).replace(/_/g, '');
  if (/[jJ]$/.test(text)) c.unsupported(n, 'complex numbers are not supported');
  const radix = /^0[xX]/.test(text) ? 16 : /^0[oO]/.test(text) ? 8 : /^0[bB]/.test(text) ? 2 : 10;
  if (radix !== 10) return { kind: 'num', pos, value: parseInt(text.slice(2), radix), isInt: true };
  if (/[.eE]/.test(text)) return { kind: 'num', pos, value: Number(text), isInt: false };
  if (/^0+[1-9]/.test(text)) {
    c.syntax(n, 'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers');
  }
  return { kind: 'num', pos, value: Number(text), isInt: true };
}

/** One or more adjacent string literals (`'a' 'b'`, `'x' f'{y}'`), concatenated as Python does. */
function mapStrings(c: Ctx, pieces: Node[], whole: Node, depth: number): Expr {
  const parts: FStringPart[] = [];
  let isFormat = false;
  for (const piece of pieces) {
    const shape = stringShape(c, piece);
    if (shape.bytes) c.unsupported(piece, 'bytes literals are not supported');
    if (!shape.format) {
      parts.push({ kind: 'text', value: decodeText(c, shape.bodyFrom, shape.bodyTo, shape.raw, false) });
      continue;
    }
    isFormat = true;
    let from = shape.bodyFrom;
    for (const field of c.kids(piece)) {
      if (field.name !== 'FormatReplacement') continue; // Escape nodes: decoded with the text
      parts.push({ kind: 'text', value: decodeText(c, from, field.from, shape.raw, true) });
      parts.push(...mapField(c, field, depth + 1));
      from = field.to;
    }
    parts.push({ kind: 'text', value: decodeText(c, from, shape.bodyTo, shape.raw, true) });
  }
  const pos = c.pos(whole);
  if (!isFormat) return { kind: 'str', pos, value: parts.map((p) => (p.kind === 'text' ? p.value : '')).join('') };
  // Merge neighbouring text pieces and drop empty ones.
  const merged: FStringPart[] = [];
  for (const p of parts) {
    const last = merged[merged.length - 1];
    if (p.kind === 'text' && p.value === '') continue;
    if (p.kind === 'text' && last?.kind === 'text') last.value += p.value;
    else merged.push(p);
  }
  return { kind: 'fstr', pos, parts: merged };
}

/** `{expr}`, `{expr!r}`, `{expr:.4f}`, and `{expr=}` (which adds its own source text). */
function mapField(c: Ctx, field: Node, depth: number): FStringPart[] {
  const kids = c.kids(field).slice(1, -1); // without `{` and `}`
  const exprNodes: Node[] = [];
  let selfDoc: string | null = null;
  let conversion: 'r' | 's' | null = null;
  let spec: string | null = null;
  for (const k of kids) {
    if (k.name === 'FormatSelfDoc') {
      const next = k.nextSibling;
      selfDoc = c.src.slice(field.from + 1, next ? next.from : k.to);
    } else if (k.name === 'FormatConversion') {
      const conv = c.text(k).slice(1);
      if (conv !== 'r' && conv !== 's') c.unsupported(k, `the !${conv} conversion is not supported`);
      conversion = conv;
    } else if (k.name === 'FormatSpec') {
      const nested = c.kids(k).find((s) => s.name === 'FormatReplacement');
      if (nested) c.unsupported(nested, 'nested replacement fields in format specs are not supported');
      spec = c.src.slice(k.from + 1, k.to);
    } else if (k.name !== '*') {
      exprNodes.push(k);
    } else {
      starred(c, k);
    }
  }
  if (exprNodes.length === 0) c.syntax(field, "f-string: valid expression required before '}'");
  const expr = mapExprList(c, exprNodes, depth, field);
  const parts: FStringPart[] = [];
  if (selfDoc !== null) {
    parts.push({ kind: 'text', value: selfDoc });
    // Python shows the repr unless a conversion or a format spec is given.
    if (conversion === null && spec === null) conversion = 'r';
  }
  parts.push({ kind: 'field', expr, spec, conversion });
  return parts;
}

/** `obj.name` or `obj[index]`. */
function mapMember(c: Ctx, n: Node, depth: number): Expr {
  const kids = c.kids(n);
  const pos = c.pos(n);
  const obj = mapExpr(c, kids[0]!, depth + 1);
  if (kids[1]?.name === '.') {
    if (kids[2]?.name !== 'PropertyName') return c.syntax(kids[2] ?? n.to);
    const name = c.text(kids[2]);
    // The grammar lets any word follow a dot; Python does not allow keywords there.
    if (PY_KEYWORDS.has(name)) c.syntax(kids[2]);
    return { kind: 'attr', pos, obj, name };
  }
  const items = kids.slice(2, -1);
  if (items.length === 0) return c.syntax(kids[kids.length - 1]!);
  const { groups, trailing } = splitCommas(items);
  const elts = groups.map((g) => mapIndexItem(c, g, depth + 2, n));
  const index: Expr = groups.length === 1 && !trailing ? elts[0]! : { kind: 'tuple', pos: elts[0]!.pos, elts };
  return { kind: 'subscript', pos, obj, index };
}

/** One item of a subscript: an expression or a slice `lower:upper:step` (each part optional). */
function mapIndexItem(c: Ctx, nodes: Node[], depth: number, at: Node): Expr {
  if (nodes.length === 0) return c.syntax(at);
  if (!nodes.some((k) => k.name === ':')) {
    if (nodes.length !== 1) return starred(c, nodes[0]!);
    return mapExpr(c, nodes[0]!, depth);
  }
  const parts: (Expr | null)[] = [null, null, null];
  let slot = 0;
  for (const k of nodes) {
    if (k.name === ':') slot++;
    else if (slot > 2 || parts[slot]) return c.syntax(k);
    else parts[slot] = mapExpr(c, k, depth + 1);
  }
  return { kind: 'slice', pos: c.pos(nodes[0]!), lower: parts[0]!, upper: parts[1]!, step: parts[2]! };
}

/** The arguments of a call: positional ones, then `name=value` keywords. */
export function mapArgs(c: Ctx, argList: Node, depth: number): { args: Expr[]; kwargs: Keyword[] } {
  c.checkDepth(depth, argList);
  const args: Expr[] = [];
  const kwargs: Keyword[] = [];
  const inner = c.kids(argList).slice(1, -1);
  if (inner.length === 0) return { args, kwargs };
  for (const g of splitCommas(inner).groups) {
    if (g.length === 0) return c.syntax(argList);
    const first = g[0]!;
    if (first.name === '*' || first.name === '**') c.unsupported(first, 'starred arguments (*args, **kwargs) are not supported');
    if (g.some((k) => k.name === 'for')) c.unsupported(first, 'generator expressions are not supported');
    if (g.length === 1) {
      if (kwargs.length > 0) c.syntax(first, 'positional argument follows keyword argument');
      args.push(mapExpr(c, first, depth + 1));
    } else if (g.length === 3 && g[1]!.name === 'AssignOp') {
      if (c.text(g[1]!) !== '=') c.unsupported(g[1]!, 'the walrus operator (:=) is not supported');
      const name = c.text(first);
      if (kwargs.some((k) => k.name === name)) c.syntax(first, `keyword argument repeated: ${name}`);
      kwargs.push({ name, value: mapExpr(c, g[2]!, depth + 1), pos: c.pos(first) });
    } else {
      return c.syntax(g[1]!);
    }
  }
  return { args, kwargs };
}

function mapBinary(c: Ctx, n: Node, depth: number): Expr {
  const kids = c.kids(n);
  const op = kids[1]!;
  if (op.name === 'and' || op.name === 'or') return mapBoolChain(c, n, depth);
  if (op.name === 'ArithOp') {
    const text = c.text(op);
    if (!BINARY_OPS.has(text)) return c.syntax(op);
    return {
      kind: 'binary',
      pos: c.pos(n),
      op: text as BinaryOp,
      left: mapExpr(c, kids[0]!, depth + 1),
      right: mapExpr(c, kids[2]!, depth + 1),
    };
  }
  if (op.name === 'BitOp') return c.unsupported(op, `the '${c.text(op)}' operator is not supported (bitwise operators)`);
  return mapCompare(c, n, depth);
}

function isCompare(c: Ctx, n: Node): boolean {
  if (n.name !== 'BinaryExpression') return false;
  const op = c.kids(n)[1]?.name;
  return op === 'CompareOp' || op === 'in' || op === 'not' || op === 'is';
}

/** A chain `a < b <= c`: lezer nests it to the left; the AST keeps it flat. */
function mapCompare(c: Ctx, n: Node, depth: number): Expr {
  const ops: CompareOp[] = [];
  const rights: Node[] = [];
  let cur = n;
  while (isCompare(c, cur)) {
    const kids = c.kids(cur);
    const opText = kids.slice(1, -1).map((k) => c.text(k)).join(' ');
    if (opText === '<>') c.syntax(kids[1]!);
    ops.push(opText as CompareOp);
    rights.push(kids[kids.length - 1]!);
    cur = kids[0]!;
  }
  const operands = [cur, ...rights.reverse()].map((k) => mapExpr(c, k, depth + 1));
  return { kind: 'compare', pos: c.pos(n), ops: ops.reverse(), operands };
}

type BoolToken = { t: 'not' | 'and' | 'or'; at: Node } | { t: 'leaf'; at: Node };

/**
 * `and` / `or` / `not`. The lezer grammar gives `not` the lowest precedence
 * (`not a and b` parses as `not (a and b)`), so the chain is flattened back to
 * its tokens and re-parsed with Python's precedence: or < and < not.
 */
function mapBoolChain(c: Ctx, n: Node, depth: number): Expr {
  const tokens: BoolToken[] = [];
  const stack: (Node | BoolToken)[] = [n];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if ('t' in item) {
      tokens.push(item);
      continue;
    }
    const kids = item.name === 'BinaryExpression' || item.name === 'UnaryExpression' ? c.kids(item) : [];
    if (item.name === 'BinaryExpression' && (kids[1]!.name === 'and' || kids[1]!.name === 'or')) {
      stack.push(kids[2]!, { t: kids[1]!.name as 'and' | 'or', at: kids[1]! }, kids[0]!);
    } else if (item.name === 'UnaryExpression' && kids[0]!.name === 'not') {
      stack.push(kids[1]!, { t: 'not', at: kids[0]! });
    } else {
      tokens.push({ t: 'leaf', at: item });
    }
  }
  let i = 0;
  const parseNot = (): Expr => {
    const nots: Node[] = [];
    while (tokens[i]!.t === 'not') nots.push(tokens[i++]!.at);
    c.checkDepth(depth + nots.length, tokens[i]!.at);
    let e = mapExpr(c, tokens[i++]!.at, depth + nots.length + 1);
    for (let k = nots.length - 1; k >= 0; k--) e = { kind: 'unary', pos: c.pos(nots[k]!), op: 'not', operand: e };
    return e;
  };
  const parseLevel = (op: 'and' | 'or', operand: () => Expr): Expr => {
    const start = tokens[i]!.at; // a parenthesized operand starts at its `(`
    const values = [operand()];
    while (tokens[i]?.t === op) {
      i++;
      values.push(operand());
    }
    return values.length === 1 ? values[0]! : { kind: 'boolop', pos: c.pos(start), op, values };
  };
  return parseLevel('or', () => parseLevel('and', parseNot));
}
