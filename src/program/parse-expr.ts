/** Mapping of lezer expression nodes onto the AST's Expr. */
import {
  EMPTY_SCOPE,
  nameNode,
  type BinaryOp,
  type CompareOp,
  type ComprehensionFor,
  type Expr,
  type FStringPart,
  type FunctionCode,
  type Keyword,
  type NameNode,
  type Param,
  type Target,
} from './ast.js';
import { splitCommas, type Ctx, type Node } from './parse-util.js';
import { decodeText, stringShape } from './parse-strings.js';

/** Node types that are valid Python but outside the subset, with the message naming them. */
const UNSUPPORTED: Record<string, string> = {
  AwaitExpression: "'await' expressions are not supported (async)",
};

const PY_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '),
);

const BINARY_OPS = new Set<string>(['+', '-', '*', '/', '//', '%', '**', '@']);
const BIT_OPS = new Set<string>(['&', '|', '^', '<<', '>>']);

export function mapExpr(c: Ctx, n: Node, depth: number): Expr {
  c.checkDepth(depth, n);
  const pos = c.pos(n);
  switch (n.name) {
    case 'VariableName':
      return nameNode(pos, c.text(n));
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
      if (sign !== '-' && sign !== '+' && sign !== '~') return c.syntax(op!);
      return { kind: 'unary', pos, op: sign, operand: mapExpr(c, operand!, depth + 1) };
    }
    case 'ParenthesizedExpression': {
      const inner = c.kids(n).slice(1, -1);
      if (inner.length !== 1) {
        if (inner[0]?.name === '*') c.syntax(inner[0], 'cannot use starred expression here');
        return c.syntax(inner[0] ?? n);
      }
      return mapExpr(c, inner[0]!, depth + 1);
    }
    case 'TupleExpression':
      return { kind: 'tuple', pos, elts: mapElements(c, c.kids(n).slice(1, -1), depth + 1) };
    case 'ArrayExpression':
      return { kind: 'list', pos, elts: mapElements(c, c.kids(n).slice(1, -1), depth + 1) };
    case 'SetExpression':
      return { kind: 'set', pos, elts: mapElements(c, c.kids(n).slice(1, -1), depth + 1) };
    case 'DictionaryExpression':
      return mapDict(c, n, depth);
    case 'ArrayComprehensionExpression':
      return mapComprehension(c, n, c.kids(n).slice(1, -1), 'list', depth);
    case 'SetComprehensionExpression':
      return mapComprehension(c, n, c.kids(n).slice(1, -1), 'set', depth);
    case 'DictionaryComprehensionExpression':
      return mapComprehension(c, n, c.kids(n).slice(1, -1), 'dict', depth);
    case 'ComprehensionExpression':
      return mapComprehension(c, n, c.kids(n).slice(1, -1), 'generator', depth);
    case 'ConditionalExpression': {
      const [bodyNode, , testNode, , orelseNode] = c.kids(n);
      const body = mapExpr(c, bodyNode!, depth + 1); // source order: `body if test else orelse`
      const test = mapExpr(c, testNode!, depth + 1);
      return { kind: 'ifexp', pos, test, body, orelse: mapExpr(c, orelseNode!, depth + 1) };
    }
    case 'LambdaExpression':
      return mapLambda(c, n, depth);
    case 'YieldExpression':
      return mapYield(c, n, depth);
    case 'NamedExpression': {
      const [target, op, value] = c.kids(n);
      if (target!.name !== 'VariableName') c.syntax(target!, `cannot use assignment expressions with ${describeNode(target!)}`);
      if (c.text(op!) !== ':=') c.syntax(op!);
      return { kind: 'namedexpr', pos, target: nameNode(c.pos(target!), c.text(target!)), value: mapExpr(c, value!, depth + 1) };
    }
    default: {
      const message = UNSUPPORTED[n.name];
      if (message) c.unsupported(n, message);
      return c.syntax(n);
    }
  }
}

function describeNode(n: Node): string {
  if (n.name === 'MemberExpression') return 'attribute';
  return 'expression';
}

/** `yield`, `yield x`, `yield a, b`, `yield from it` (a statement or a value). */
export function mapYield(c: Ctx, n: Node, depth: number): Expr {
  c.sawYield = true;
  const kids = c.kids(n);
  const pos = c.pos(n);
  if (kids[1]?.name === 'from') {
    if (kids.length !== 3) c.syntax(kids[3] ?? n);
    return { kind: 'yield', pos, value: mapExpr(c, kids[2]!, depth + 1), from: true };
  }
  const rest = kids.slice(1);
  return { kind: 'yield', pos, value: rest.length ? mapExprList(c, rest, depth + 1, n) : null, from: false };
}

/**
 * A comma-separated expression list as statements use it (`return a, b`,
 * `x = 1, 2`, `for i in a, b`): one item is that expression, more items (or a
 * trailing comma, or a starred item) make a tuple positioned at the first item.
 */
export function mapExprList(c: Ctx, nodes: Node[], depth: number, at: Node): Expr {
  const { groups, trailing } = splitCommas(nodes);
  if (groups.length === 1 && !trailing) {
    const only = groups[0]!;
    if (only.length === 0) return c.syntax(at);
    if (only.length !== 1) {
      if (only[0]!.name === '*') return c.syntax(only[0]!, "can't use starred expression here");
      return c.syntax(only[1]!);
    }
    return mapExpr(c, only[0]!, depth);
  }
  return { kind: 'tuple', pos: c.pos(nodes[0]!), elts: mapElements(c, nodes, depth + 1) };
}

/** The elements of a tuple, list or set display; `*x` items are kept as `starred`. */
function mapElements(c: Ctx, nodes: Node[], depth: number): Expr[] {
  if (nodes.length === 0) return [];
  return splitCommas(nodes).groups.map((g) => {
    if (g.length === 0) return c.syntax(nodes[0]!);
    if (g[0]!.name === '*') {
      if (g.length !== 2) return c.syntax(g[2] ?? g[0]!);
      return { kind: 'starred', pos: c.pos(g[0]!), value: mapExpr(c, g[1]!, depth + 1) };
    }
    if (g.length !== 1) return c.syntax(g[1]!);
    return mapExpr(c, g[0]!, depth);
  });
}

/** `{k: v, **m}`. */
function mapDict(c: Ctx, n: Node, depth: number): Expr {
  const inner = c.kids(n).slice(1, -1);
  const keys: (Expr | null)[] = [];
  const values: Expr[] = [];
  if (inner.length > 0) {
    for (const g of splitCommas(inner).groups) {
      if (g.length === 2 && g[0]!.name === '**') {
        keys.push(null);
        values.push(mapExpr(c, g[1]!, depth + 1));
      } else if (g.length === 3 && g[1]!.name === ':') {
        keys.push(mapExpr(c, g[0]!, depth + 1));
        values.push(mapExpr(c, g[2]!, depth + 1));
      } else {
        return c.syntax(g[1] ?? g[0] ?? n);
      }
    }
  }
  return { kind: 'dict', pos: c.pos(n), keys, values };
}

/**
 * `[elt for t in it if c ...]` and its set, dict and generator forms: `kids`
 * are the nodes between the brackets.
 */
function mapComprehension(c: Ctx, n: Node, kids: Node[], type: 'list' | 'set' | 'dict' | 'generator', depth: number, inCall = false): Expr {
  const firstFor = kids.findIndex((k) => k.name === 'for' || k.name === 'async');
  const head = kids.slice(0, firstFor);
  let elt: Expr;
  let value: Expr | null = null;
  if (type === 'dict') {
    if (head.length !== 3 || head[1]!.name !== ':') return c.syntax(head[0] ?? n);
    elt = mapExpr(c, head[0]!, depth + 1);
    value = mapExpr(c, head[2]!, depth + 1);
  } else {
    if (head.length !== 1) {
      if (head[0]?.name === '*') c.syntax(head[0], type === 'generator' ? 'iterable unpacking cannot be used in comprehension' : 'iterable unpacking cannot be used in comprehension');
      return c.syntax(head[1] ?? n);
    }
    elt = mapExpr(c, head[0]!, depth + 1);
  }
  const generators: ComprehensionFor[] = [];
  let i = firstFor;
  while (i < kids.length) {
    if (kids[i]!.name === 'async') c.unsupported(kids[i]!, "'async for' comprehensions are not supported");
    if (kids[i]!.name !== 'for') return c.syntax(kids[i]!);
    const inAt = kids.findIndex((k, j) => j > i && k.name === 'in');
    if (inAt < 0) return c.syntax(kids[i]!);
    const target = toTarget(c, mapExprList(c, kids.slice(i + 1, inAt), depth + 1, kids[i]!));
    const iterNode = kids[inAt + 1];
    if (!iterNode) return c.syntax(kids[inAt]!);
    const iter = mapExpr(c, iterNode, depth + 1);
    const ifs: Expr[] = [];
    i = inAt + 2;
    while (kids[i]?.name === 'if') {
      if (!kids[i + 1]) return c.syntax(kids[i]!);
      ifs.push(mapExpr(c, kids[i + 1]!, depth + 1));
      i += 2;
    }
    if (kids[i]?.name === ',') c.syntax(inCall ? kids[0]! : kids[i]!, inCall ? 'Generator expression must be parenthesized' : 'invalid syntax');
    generators.push({ target, iter, ifs });
  }
  return { kind: 'comp', pos: c.pos(n), type, elt, value, generators, scope: EMPTY_SCOPE };
}

/** `lambda a, b=1, *args, k, **kw: body`. */
function mapLambda(c: Ctx, n: Node, depth: number): Expr {
  const kids = c.kids(n);
  const paramList = kids.find((k) => k.name === 'ParamList');
  const bodyNode = kids[kids.length - 1]!;
  const params = paramList ? mapParams(c, c.kids(paramList), paramList, depth + 1, false) : [];
  const pos = c.pos(n);
  // A `yield` in a lambda makes the lambda (not the enclosing def) a generator: not run (eval refuses it).
  const outerYield = c.sawYield;
  const body = mapExpr(c, bodyNode, depth + 1);
  c.sawYield = outerYield;
  const code: FunctionCode = {
    name: '<lambda>',
    qualname: '<lambda>',
    params,
    body: [{ kind: 'return', pos: body.pos, value: body }],
    isLambda: true,
    isGenerator: false,
    yieldStmts: null,
    docstring: null,
    pos,
    scope: EMPTY_SCOPE,
  };
  return { kind: 'lambda', pos, code };
}

/**
 * The parameters of a def (`inner` without its parentheses) or a lambda:
 * positional ones with defaults, `*args` or a bare `*`, keyword-only ones,
 * `**kwargs`. Annotations are read and dropped.
 */
export function mapParams(c: Ctx, inner: Node[], at: Node, depth: number, annotations: boolean): Param[] {
  const params: Param[] = [];
  if (inner.length === 0) return params;
  let keywordOnly = false;
  let sawDefault = false;
  let bareStar: Node | null = null;
  const { groups, trailing } = splitCommas(inner);
  for (const [gi, g] of groups.entries()) {
    if (g.length === 0) {
      // lezer drops the `/` of positional-only parameters, leaving an empty item.
      const prev = groups[gi - 1]?.at(-1);
      const from = prev ? prev.to : at.from;
      const next = groups[gi + 1]?.[0];
      if (c.src.slice(from, next ? next.from : at.to).includes('/')) c.unsupported(from + c.src.slice(from).indexOf('/'), 'positional-only parameters are not supported');
      return c.syntax(at);
    }
    let k = 0;
    let kind: Param['kind'] = keywordOnly ? 'keyword' : 'positional';
    const first = g[0]!;
    if (first.name === '*' || first.name === '**') {
      if (first.name === '**') kind = 'varkw';
      else if (g.length === 1) {
        if (keywordOnly) c.syntax(first, '* argument may appear only once');
        keywordOnly = true;
        bareStar = first;
        if (gi === groups.length - 1 && !trailing) c.syntax(first, 'named arguments must follow bare *');
        continue;
      } else {
        if (keywordOnly) c.syntax(first, '* argument may appear only once');
        kind = 'varargs';
        keywordOnly = true;
      }
      k = 1;
    } else if (params.some((p) => p.kind === 'varkw')) {
      return c.syntax(first, 'arguments cannot follow var-keyword argument');
    }
    const nameAt = g[k];
    if (!nameAt || nameAt.name !== 'VariableName') return c.syntax(nameAt ?? first);
    k++;
    if (g[k]?.name === 'TypeDef') {
      if (!annotations) return c.syntax(g[k]!);
      k++;
    }
    let deflt: Expr | null = null;
    if (g[k]?.name === 'AssignOp') {
      if (kind === 'varargs' || kind === 'varkw' || !g[k + 1]) return c.syntax(g[k]!);
      deflt = mapExpr(c, g[k + 1]!, depth + 1);
      k += 2;
    }
    if (g[k]) return c.syntax(g[k]!);
    const name = c.text(nameAt);
    if (params.some((p) => p.name === name)) c.syntax(nameAt, `duplicate argument '${name}' in function definition`);
    if (kind === 'positional') {
      if (deflt) sawDefault = true;
      else if (sawDefault) c.syntax(nameAt, 'non-default argument follows default argument');
    }
    params.push({ name, kind, default: deflt, pos: c.pos(nameAt) });
  }
  if (bareStar && !params.some((p) => p.kind === 'keyword')) c.syntax(bareStar, 'named arguments must follow bare *');
  return params;
}

function mapNumber(c: Ctx, n: Node): Expr {
  const pos = c.pos(n);
  // The original text, not lezer's: `1.` was patched to `10` for lezer.
  const text = c.text(n).replace(/_/g, '');
  if (/[jJ]$/.test(text)) return { kind: 'unsupported', pos, message: 'complex numbers are not supported' };
  const radix = /^0[xX]/.test(text) ? 16 : /^0[oO]/.test(text) ? 8 : /^0[bB]/.test(text) ? 2 : 10;
  if (radix !== 10) {
    const big = BigInt(text.slice(0, 2).toLowerCase() + text.slice(2));
    return { kind: 'num', pos, value: Number(big), isInt: true, big };
  }
  if (/[.eE]/.test(text)) return { kind: 'num', pos, value: Number(text), isInt: false };
  if (/^0+[1-9]/.test(text)) {
    c.syntax(n, 'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers');
  }
  return { kind: 'num', pos, value: Number(text), isInt: true, big: BigInt(text) };
}

/** One or more adjacent string literals (`'a' 'b'`, `'x' f'{y}'`), concatenated as Python does. */
function mapStrings(c: Ctx, pieces: Node[], whole: Node, depth: number): Expr {
  const parts: FStringPart[] = [];
  let isFormat = false;
  for (const piece of pieces) {
    const shape = stringShape(c, piece);
    if (shape.bytes) return { kind: 'unsupported', pos: c.pos(whole), message: 'bytes literals are not supported' };
    if (!shape.format) {
      parts.push({ kind: 'text', value: decodeText(c, shape.bodyFrom, shape.bodyTo, shape.raw, false) });
      continue;
    }
    isFormat = true;
    parts.push(...mapFormatBody(c, piece, shape.bodyFrom, shape.bodyTo, shape.raw, depth));
  }
  const pos = c.pos(whole);
  if (!isFormat) return { kind: 'str', pos, value: parts.map((p) => (p.kind === 'text' ? p.value : '')).join('') };
  return { kind: 'fstr', pos, parts: mergeText(parts) };
}

/** The literal text and replacement fields of an f-string body (or of a format spec with nested fields). */
function mapFormatBody(c: Ctx, node: Node, from: number, to: number, raw: boolean, depth: number): FStringPart[] {
  const parts: FStringPart[] = [];
  for (const field of c.kids(node)) {
    if (field.name !== 'FormatReplacement') continue; // Escape nodes: decoded with the text
    parts.push({ kind: 'text', value: decodeText(c, from, field.from, raw, true) });
    parts.push(...mapField(c, field, raw, depth + 1));
    from = field.to;
  }
  parts.push({ kind: 'text', value: decodeText(c, from, to, raw, true) });
  return parts;
}

/** Merge neighbouring text pieces and drop empty ones. */
function mergeText(parts: FStringPart[]): FStringPart[] {
  const merged: FStringPart[] = [];
  for (const p of parts) {
    const last = merged[merged.length - 1];
    if (p.kind === 'text' && p.value === '') continue;
    if (p.kind === 'text' && last?.kind === 'text') last.value += p.value;
    else merged.push(p);
  }
  return merged;
}

/** `{expr}`, `{expr!r}`, `{expr:.4f}`, `{expr:{width}}` and `{expr=}` (which adds its own source text). */
function mapField(c: Ctx, field: Node, raw: boolean, depth: number): FStringPart[] {
  c.checkDepth(depth, field);
  const kids = c.kids(field).slice(1, -1); // without `{` and `}`
  const exprNodes: Node[] = [];
  let selfDoc: string | null = null;
  let conversion: 'r' | 's' | 'a' | null = null;
  let spec: FStringPart[] | null = null;
  for (const k of kids) {
    if (k.name === 'FormatSelfDoc') {
      const next = k.nextSibling;
      selfDoc = c.src.slice(field.from + 1, next ? next.from : k.to);
    } else if (k.name === 'FormatConversion') {
      const conv = c.text(k).slice(1);
      if (conv !== 'r' && conv !== 's' && conv !== 'a') c.syntax(k, `f-string: invalid conversion character '${conv}': expected 's', 'r', or 'a'`);
      conversion = conv;
    } else if (k.name === 'FormatSpec') {
      spec = mergeText(mapFormatBody(c, k, k.from + 1, k.to, raw, depth + 1));
    } else {
      exprNodes.push(k);
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
  const index: Expr = groups.length === 1 && !trailing && elts[0]!.kind !== 'starred' ? elts[0]! : { kind: 'tuple', pos: elts[0]!.pos, elts };
  return { kind: 'subscript', pos, obj, index };
}

/** One item of a subscript: an expression, `*x`, or a slice `lower:upper:step` (each part optional). */
function mapIndexItem(c: Ctx, nodes: Node[], depth: number, at: Node): Expr {
  if (nodes.length === 0) return c.syntax(at);
  if (!nodes.some((k) => k.name === ':')) {
    if (nodes[0]!.name === '*' && nodes.length === 2) return { kind: 'starred', pos: c.pos(nodes[0]!), value: mapExpr(c, nodes[1]!, depth) };
    if (nodes.length !== 1) return c.syntax(nodes[1]!);
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

/** The arguments of a call: positional ones (`*it` included), then `name=value` keywords and `**mapping`. */
export function mapArgs(c: Ctx, argList: Node, depth: number): { args: Expr[]; kwargs: Keyword[] } {
  c.checkDepth(depth, argList);
  const args: Expr[] = [];
  const kwargs: Keyword[] = [];
  const inner = c.kids(argList).slice(1, -1);
  if (inner.length === 0) return { args, kwargs };
  const forAt = inner.findIndex((k) => k.name === 'for' || k.name === 'async');
  if (forAt >= 0) {
    // A bare generator expression must be the only argument (commas after its first `for` are its own targets').
    const before = inner.slice(0, forAt).map((k) => k.name);
    const comma = before.lastIndexOf(',');
    if (comma >= 0) c.syntax(inner[comma + 1]!, 'Generator expression must be parenthesized');
    return { args: [mapComprehension(c, argList, inner, 'generator', depth, true)], kwargs };
  }
  let sawDoubleStar = false;
  for (const g of splitCommas(inner).groups) {
    if (g.length === 0) return c.syntax(argList);
    const first = g[0]!;
    if (first.name === '*') {
      if (g.length !== 2) return c.syntax(g[2] ?? first);
      if (sawDoubleStar) c.syntax(first, 'iterable argument unpacking follows keyword argument unpacking');
      args.push({ kind: 'starred', pos: c.pos(first), value: mapExpr(c, g[1]!, depth + 1) });
    } else if (first.name === '**') {
      if (g.length !== 2) return c.syntax(g[2] ?? first);
      sawDoubleStar = true;
      kwargs.push({ name: null, value: mapExpr(c, g[1]!, depth + 1), pos: c.pos(first) });
    } else if (g.length === 1) {
      if (sawDoubleStar) c.syntax(first, 'positional argument follows keyword argument unpacking');
      if (kwargs.length > 0) c.syntax(first, 'positional argument follows keyword argument');
      args.push(mapExpr(c, first, depth + 1));
    } else if (g.length === 3 && g[1]!.name === 'AssignOp') {
      if (c.text(g[1]!) !== '=') {
        // `f(x := 1)`: a named expression as an argument.
        if (sawDoubleStar || kwargs.length > 0) c.syntax(first, 'positional argument follows keyword argument');
        if (first.name !== 'VariableName') c.syntax(first);
        args.push({ kind: 'namedexpr', pos: c.pos(first), target: nameNode(c.pos(first), c.text(first)), value: mapExpr(c, g[2]!, depth + 1) });
        continue;
      }
      if (first.name !== 'VariableName') c.syntax(first, 'expression cannot contain assignment, perhaps you meant "=="?');
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
  if (op.name === 'ArithOp' || op.name === 'BitOp') {
    const text = c.text(op);
    if (!BINARY_OPS.has(text) && !BIT_OPS.has(text)) return c.syntax(op);
    return {
      kind: 'binary',
      pos: c.pos(n),
      op: text as BinaryOp,
      left: mapExpr(c, kids[0]!, depth + 1),
      right: mapExpr(c, kids[2]!, depth + 1),
    };
  }
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

/** Turn an expression into an assignment target, with CPython's message when it cannot be one. */
export function toTarget(c: Ctx, e: Expr, inStar = false): Target {
  switch (e.kind) {
    case 'name':
    case 'attr':
    case 'subscript':
      return e;
    case 'tuple':
    case 'list': {
      const stars = e.elts.filter((x) => x.kind === 'starred');
      if (stars.length > 1) c.syntax(stars[1]!.pos, 'multiple starred expressions in assignment');
      return { kind: 'tuple', pos: e.pos, elts: e.elts.map((x) => toTarget(c, x, true)) };
    }
    case 'starred':
      if (!inStar) c.syntax(e.pos, 'starred assignment target must be in a list or tuple');
      return { kind: 'starred', pos: e.pos, value: toTarget(c, e.value) };
    default:
      return c.syntax(e.pos, `cannot assign to ${describe(e)}`);
  }
}

export function describe(e: Expr): string {
  switch (e.kind) {
    case 'call':
      return 'function call';
    case 'bool':
      return e.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'ellipsis':
      return 'ellipsis';
    case 'num':
    case 'str':
      return 'literal';
    case 'fstr':
      return 'f-string expression';
    case 'compare':
      return 'comparison';
    case 'ifexp':
      return 'conditional expression';
    case 'tuple':
      return 'tuple';
    case 'list':
      return 'list';
    case 'set':
      return 'set display';
    case 'dict':
      return 'dict literal';
    case 'lambda':
      return 'lambda';
    case 'namedexpr':
      return 'named expression';
    case 'unsupported':
      return 'literal';
    case 'comp':
      return e.type === 'generator' ? 'generator expression' : e.type === 'list' ? 'list comprehension' : e.type === 'set' ? 'set comprehension' : 'dict comprehension';
    default:
      return 'expression';
  }
}

export function isNameNode(e: Expr | Target): e is NameNode {
  return e.kind === 'name';
}
