/** Mapping of lezer statement nodes onto the AST's Stmt. */
import { EMPTY_SCOPE, nameNode, type BinaryOp, type ExceptHandler, type Expr, type FunctionCode, type Stmt, type WithItem } from './ast.js';
import { MAX_DEPTH, splitCommas, type Ctx, type Node } from './parse-util.js';
import { describe, mapArgs, mapExpr, mapExprList, mapParams, mapYield, toTarget } from './parse-expr.js';

/** What encloses a statement, for Python's compile-time checks (`'break' outside loop`). */
interface Scope {
  inLoop: boolean;
  inFunction: boolean;
}

const UNSUPPORTED: Record<string, string> = {
  MatchStatement: "'match' statements are not supported",
  TypeDefinition: "'type' statements are not supported",
};

const AUG_OPS = new Set<string>(['+', '-', '*', '/', '//', '%', '**', '@', '&', '|', '^', '<<', '>>']);

export function mapScript(c: Ctx, script: Node): Stmt[] {
  return c.kids(script).flatMap((k) => mapStmt(c, k, 0, { inLoop: false, inFunction: false }));
}

/** The statements of a block (`Body` is `:` then the statements). */
function mapBody(c: Ctx, body: Node, depth: number, scope: Scope): Stmt[] {
  c.checkDepth(depth, body);
  const kids = c.kids(body).slice(1);
  if (kids.length === 0) return c.syntax(body.to);
  return kids.flatMap((k) => mapStmt(c, k, depth, scope));
}

function mapStmt(c: Ctx, n: Node, depth: number, scope: Scope): Stmt[] {
  c.checkDepth(depth, n);
  const pos = c.pos(n);
  const kids = c.kids(n);
  const expr = (k: Node): Expr => mapExpr(c, k, depth + 1);
  switch (n.name) {
    case 'ExpressionStatement':
      return [{ kind: 'expr', pos, expr: mapExprList(c, kids, depth + 1, n) }];
    case 'AssignStatement':
      return [mapAssign(c, n, kids, depth)];
    case 'UpdateStatement':
      return [mapUpdate(c, n, kids, depth)];
    case 'StatementGroup':
      return kids.filter((k) => k.name !== ';').flatMap((k) => mapStmt(c, k, depth, scope));
    case 'PassStatement':
      return [{ kind: 'pass', pos }];
    case 'BreakStatement':
    case 'ContinueStatement': {
      const kind = n.name === 'BreakStatement' ? 'break' : 'continue';
      if (!scope.inLoop) c.syntax(n, `'${kind}' ${kind === 'break' ? 'outside' : 'not properly in'} loop`);
      return [{ kind, pos }];
    }
    case 'ReturnStatement': {
      if (!scope.inFunction) c.syntax(n, "'return' outside function");
      const values = kids.slice(1);
      return [{ kind: 'return', pos, value: values.length ? mapExprList(c, values, depth + 1, n) : null }];
    }
    case 'RaiseStatement': {
      const fromAt = kids.findIndex((k) => k.name === 'from');
      if (fromAt >= 0) {
        if (fromAt !== 2 || kids.length !== 4) c.syntax(kids[fromAt]!);
        return [{ kind: 'raise', pos, exc: expr(kids[1]!), cause: expr(kids[3]!) }];
      }
      if (kids.length > 2) c.syntax(kids[2]!);
      return [{ kind: 'raise', pos, exc: kids[1] ? expr(kids[1]) : null, cause: null }];
    }
    case 'AssertStatement': {
      const { groups, trailing } = splitCommas(kids.slice(1));
      if (trailing || groups.length > 2 || groups.some((g) => g.length !== 1)) c.syntax(n);
      return [{ kind: 'assert', pos, test: expr(groups[0]![0]!), msg: groups[1] ? expr(groups[1][0]!) : null }];
    }
    case 'DeleteStatement': {
      const { groups } = splitCommas(kids.slice(1));
      const targets = groups.map((g) => {
        if (g.length !== 1) return c.syntax(g[1] ?? n);
        const e = expr(g[0]!);
        if (e.kind === 'starred') c.syntax(e.pos, 'cannot delete starred');
        if (e.kind !== 'name' && e.kind !== 'attr' && e.kind !== 'subscript' && e.kind !== 'tuple' && e.kind !== 'list') {
          c.syntax(e.pos, `cannot delete ${describe(e)}`);
        }
        return toTarget(c, e);
      });
      return [{ kind: 'del', pos, targets }];
    }
    case 'ImportStatement':
      return mapImport(c, n, kids);
    case 'ScopeStatement': {
      const which = c.text(kids[0]!) as 'global' | 'nonlocal';
      const names = splitCommas(kids.slice(1)).groups.map((g) => (g.length === 1 && g[0]!.name === 'VariableName' ? c.text(g[0]!) : c.syntax(g[0] ?? n)));
      if (which === 'nonlocal' && !scope.inFunction) c.syntax(n, 'nonlocal declaration not allowed at module level');
      return [{ kind: which, pos, names }];
    }
    case 'YieldStatement':
      if (!scope.inFunction) c.syntax(n, "'yield' outside function");
      return [{ kind: 'expr', pos, expr: mapYield(c, n, depth) }];
    case 'PrintStatement':
      return c.syntax(n, "Missing parentheses in call to 'print'. Did you mean print(...)?");
    case 'IfStatement':
      return [mapIf(c, kids, depth, scope)];
    case 'WhileStatement': {
      const loop = { ...scope, inLoop: true };
      const orelse = kids[3] ? mapBody(c, kids[4]!, depth + 1, scope) : [];
      return [{ kind: 'while', pos, test: expr(kids[1]!), body: mapBody(c, kids[2]!, depth + 1, loop), orelse }];
    }
    case 'ForStatement':
      return [mapFor(c, n, kids, depth, scope)];
    case 'TryStatement':
      return [mapTry(c, n, kids, depth, scope)];
    case 'WithStatement':
      return [mapWith(c, n, kids, depth, scope)];
    case 'FunctionDefinition':
      return [mapDef(c, n, kids, depth, [])];
    case 'ClassDefinition':
      return [mapClass(c, n, kids, depth, [])];
    case 'DecoratedStatement': {
      const decorators = kids.slice(0, -1).map((d) => mapDecorator(c, d, depth + 1));
      const def = kids[kids.length - 1]!;
      if (def.name === 'ClassDefinition') return [mapClass(c, def, c.kids(def), depth, decorators)];
      return [mapDef(c, def, c.kids(def), depth, decorators)];
    }
    default: {
      const message = UNSUPPORTED[n.name];
      if (message) c.unsupported(n, message);
      return c.syntax(n);
    }
  }
}

/** `a = b = value`, `a, *b = f()`, `[x, y] = pair`, `x: int = 3`, `x: int`. */
function mapAssign(c: Ctx, n: Node, kids: Node[], depth: number): Stmt {
  const typeAt = kids.findIndex((k) => k.name === 'TypeDef');
  if (typeAt >= 0) {
    const target = mapExprList(c, kids.slice(0, typeAt), depth + 1, n);
    if (target.kind === 'tuple') c.syntax(target.pos, 'only single target (not tuple) can be annotated');
    if (target.kind === 'list') c.syntax(target.pos, 'only single target (not list) can be annotated');
    if (target.kind !== 'name' && target.kind !== 'attr' && target.kind !== 'subscript') c.syntax(target.pos, 'illegal target for annotation');
    const t = toTarget(c, target);
    const rest = kids.slice(typeAt + 1);
    if (rest.length === 0) return { kind: 'annotation', pos: c.pos(n), target: t };
    if (rest[0]!.name !== 'AssignOp' || rest.length < 2) return c.syntax(rest[0]!);
    return { kind: 'assign', pos: c.pos(n), targets: [t], value: mapExprList(c, rest.slice(1), depth + 1, n) };
  }
  const groups: Node[][] = [[]];
  for (const k of kids) {
    if (k.name === 'AssignOp') groups.push([]);
    else groups[groups.length - 1]!.push(k);
  }
  // Each target is checked before the next group is mapped, so that errors come in source order.
  const targets = groups.slice(0, -1).map((g) => {
    const e = mapTargetList(c, g, depth + 1, n);
    // CPython's hint for a lone non-target on the left of `=`.
    const hint = ['call', 'num', 'str', 'fstr', 'compare', 'binary', 'unary', 'boolop', 'ifexp'].includes(e.kind);
    return hint ? c.syntax(e.pos, `cannot assign to ${describe(e)} here. Maybe you meant '==' instead of '='?`) : toTarget(c, e);
  });
  const value = mapExprList(c, groups[groups.length - 1]!, depth + 1, n);
  return { kind: 'assign', pos: c.pos(n), targets, value };
}

/** A target list (`a, *b`), where a lone `*b` is still a tuple of one starred item. */
function mapTargetList(c: Ctx, nodes: Node[], depth: number, at: Node): Expr {
  const { groups, trailing } = splitCommas(nodes);
  if (groups.length === 1 && !trailing && groups[0]!.length === 2 && groups[0]![0]!.name === '*') {
    return c.syntax(groups[0]![0]!, 'starred assignment target must be in a list or tuple');
  }
  return mapExprList(c, nodes, depth, at);
}

/** `x += 1`, `t.data -= g`, `a[0] *= 2`. */
function mapUpdate(c: Ctx, n: Node, kids: Node[], depth: number): Stmt {
  const at = kids.findIndex((k) => k.name === 'UpdateOp');
  const opText = c.text(kids[at]!).slice(0, -1);
  if (!AUG_OPS.has(opText)) c.syntax(kids[at]!);
  const target = mapExprList(c, kids.slice(0, at), depth + 1, n);
  if (target.kind !== 'name' && target.kind !== 'attr' && target.kind !== 'subscript') {
    return c.syntax(target.pos, `'${describe(target)}' is an illegal expression for augmented assignment`);
  }
  const value = mapExprList(c, kids.slice(at + 1), depth + 1, n);
  return { kind: 'augassign', pos: c.pos(n), target, op: opText as BinaryOp, value };
}

/** `if / elif / else`: each `elif` becomes an `if` alone in the orelse of the one before. */
function mapIf(c: Ctx, kids: Node[], depth: number, scope: Scope): Stmt {
  const clauses: { at: Node; test: Node; body: Node }[] = [];
  let elseBody: Node | null = null;
  for (let i = 0; i < kids.length; i += 3) {
    const kw = kids[i]!;
    if (kw.name === 'else') {
      elseBody = kids[i + 1]!;
      break;
    }
    if (kids[i + 2]?.name !== 'Body') c.syntax(kids[i + 1] ?? kw);
    clauses.push({ at: kw, test: kids[i + 1]!, body: kids[i + 2]! });
  }
  // Each elif nests one level deeper in the AST, so the chain counts towards the depth limit.
  const tooDeep = MAX_DEPTH - depth + 1;
  if (tooDeep < clauses.length) c.checkDepth(depth + tooDeep, clauses[tooDeep]!.at);
  // Map in source order (errors come in that order), then nest from the last clause.
  const mapped = clauses.map(({ at, test, body }, k) => ({
    pos: c.pos(at),
    test: mapExpr(c, test, depth + k + 1),
    body: mapBody(c, body, depth + k + 1, scope),
  }));
  let orelse = elseBody ? mapBody(c, elseBody, depth + clauses.length, scope) : [];
  for (let k = mapped.length - 1; k >= 0; k--) orelse = [{ kind: 'if', ...mapped[k]!, orelse }];
  return orelse[0]!;
}

function mapFor(c: Ctx, n: Node, kids: Node[], depth: number, scope: Scope): Stmt {
  if (kids[0]!.name === 'async') c.unsupported(kids[0]!, "'async for' is not supported");
  const inAt = kids.findIndex((k) => k.name === 'in');
  const bodyAt = kids.findIndex((k) => k.name === 'Body');
  const target = toTarget(c, mapTargetList(c, kids.slice(1, inAt), depth + 1, n));
  const iter = mapExprList(c, kids.slice(inAt + 1, bodyAt), depth + 1, n);
  const body = mapBody(c, kids[bodyAt]!, depth + 1, { ...scope, inLoop: true });
  const orelse = kids[bodyAt + 1] ? mapBody(c, kids[bodyAt + 2]!, depth + 1, scope) : [];
  return { kind: 'for', pos: c.pos(n), target, iter, body, orelse };
}

function mapTry(c: Ctx, n: Node, kids: Node[], depth: number, scope: Scope): Stmt {
  const body = mapBody(c, kids[1]!, depth + 1, scope);
  const handlers: ExceptHandler[] = [];
  let orelse: Stmt[] = [];
  let finalbody: Stmt[] = [];
  let hasFinally = false;
  for (let i = 2; i < kids.length; ) {
    const kw = kids[i]!;
    const bodyAt = kids.findIndex((k, j) => j > i && k.name === 'Body');
    const between = kids.slice(i + 1, bodyAt);
    const block = mapBody(c, kids[bodyAt]!, depth + 1, scope);
    if (kw.name === 'else') orelse = block;
    else if (kw.name === 'finally') (finalbody = block), (hasFinally = true);
    else handlers.push(mapHandler(c, kw, between, block, depth, handlers));
    i = bodyAt + 1;
  }
  if (handlers.length === 0 && !hasFinally) c.syntax(n.to, "expected 'except' or 'finally' block");
  return { kind: 'try', pos: c.pos(n), body, handlers, orelse, finalbody };
}

/** `except:`, `except T:`, `except (A, B) as e:`. */
function mapHandler(c: Ctx, kw: Node, between: Node[], body: Stmt[], depth: number, before: ExceptHandler[]): ExceptHandler {
  if (before.length > 0 && before[before.length - 1]!.type === null) c.syntax(before[before.length - 1]!.pos, "default 'except:' must be last");
  if (between[0]?.name === '*') c.unsupported(between[0], "'except*' is not supported");
  if (between[1] && between[1].name !== 'as') c.syntax(between[0]!, 'multiple exception types must be parenthesized');
  if (between.length !== 0 && between.length !== 1 && between.length !== 3) c.syntax(between[between.length - 1]!);
  const type = between[0] ? mapExpr(c, between[0], depth + 1) : null;
  const name = between[2] ? nameNode(c.pos(between[2]), c.text(between[2])) : null;
  return { pos: c.pos(kw), type, name, body };
}

/** `with A as b, C:`. */
function mapWith(c: Ctx, n: Node, kids: Node[], depth: number, scope: Scope): Stmt {
  if (kids[0]!.name === 'async') c.unsupported(kids[0]!, "'async with' is not supported");
  const bodyAt = kids.findIndex((k) => k.name === 'Body');
  const items: WithItem[] = splitCommas(kids.slice(1, bodyAt)).groups.map((g) => {
    if (g.length !== 1 && !(g.length === 3 && g[1]!.name === 'as')) return c.syntax(g[1] ?? n);
    const target = g[2] ? toTarget(c, mapExpr(c, g[2], depth + 1)) : null;
    return { context: mapExpr(c, g[0]!, depth + 1), target };
  });
  return { kind: 'with', pos: c.pos(n), items, body: mapBody(c, kids[bodyAt]!, depth + 1, scope) };
}

/** The docstring of a body: its first statement when that is a string literal. */
function docstringOf(body: Stmt[]): string | null {
  const first = body[0];
  return first?.kind === 'expr' && first.expr.kind === 'str' ? first.expr.value : null;
}

/** `def f(a, b=1, *args, k, **kw) -> T: ...` (annotations are read and dropped). */
function mapDef(c: Ctx, n: Node, kids: Node[], depth: number, decorators: Expr[]): Stmt {
  if (kids[0]!.name === 'async') c.unsupported(kids[0]!, "'async def' is not supported");
  const nameNode_ = kids.find((k) => k.name === 'VariableName')!;
  const generic = kids.find((k) => k.name === 'TypeParamList');
  if (generic) c.unsupported(generic, 'type parameters are not supported');
  const paramList = kids.find((k) => k.name === 'ParamList')!;
  const params = mapParams(c, c.kids(paramList).slice(1, -1), paramList, depth + 1, true);
  const outerYield = c.sawYield;
  c.sawYield = false;
  const body = mapBody(c, kids.find((k) => k.name === 'Body')!, depth + 1, { inLoop: false, inFunction: true });
  const isGenerator = c.sawYield;
  c.sawYield = outerYield;
  const name = c.text(nameNode_);
  const pos = c.pos(n);
  const code: FunctionCode = { name, qualname: name, params, body, isLambda: false, isGenerator, yieldStmts: null, docstring: docstringOf(body), pos, scope: EMPTY_SCOPE };
  return { kind: 'def', pos, target: nameNode(c.pos(nameNode_), name), code, decorators };
}

/** `class Name(Base1, Base2): ...`. */
function mapClass(c: Ctx, n: Node, kids: Node[], depth: number, decorators: Expr[]): Stmt {
  const nameAt = kids.find((k) => k.name === 'VariableName')!;
  const generic = kids.find((k) => k.name === 'TypeParamList');
  if (generic) c.unsupported(generic, 'type parameters are not supported');
  const argList = kids.find((k) => k.name === 'ArgList');
  let bases: Expr[] = [];
  if (argList) {
    const { args, kwargs } = mapArgs(c, argList, depth + 1);
    const starred = args.find((a) => a.kind === 'starred');
    if (starred) c.unsupported(starred.pos, 'starred base classes are not supported');
    if (kwargs.length) c.unsupported(kwargs[0]!.pos, kwargs[0]!.name === 'metaclass' ? 'metaclasses are not supported' : 'class keyword arguments are not supported');
    bases = args;
  }
  const body = mapBody(c, kids.find((k) => k.name === 'Body')!, depth + 1, { inLoop: false, inFunction: false });
  const name = c.text(nameAt);
  const pos = c.pos(n);
  return { kind: 'class', pos, target: nameNode(c.pos(nameAt), name), name, qualname: name, bases, body, decorators, docstring: docstringOf(body), scope: EMPTY_SCOPE };
}

/** `@name`, `@a.b.c`, `@a.b(args)`: lezer only allows a dotted name with an optional argument list. */
function mapDecorator(c: Ctx, d: Node, depth: number): Expr {
  const kids = c.kids(d).slice(1); // without `@`
  const names = kids.filter((k) => k.name === 'VariableName');
  if (names.length === 0) return c.syntax(d);
  let e: Expr = nameNode(c.pos(names[0]!), c.text(names[0]!));
  for (const k of names.slice(1)) e = { kind: 'attr', pos: e.pos, obj: e, name: c.text(k) };
  const argList = kids.find((k) => k.name === 'ArgList');
  if (argList) e = { kind: 'call', pos: e.pos, fn: e, ...mapArgs(c, argList, depth + 1) };
  return e;
}

/** `import a.b as c, d` (one Stmt per module) and `from a.b import c as d, e`. */
function mapImport(c: Ctx, n: Node, kids: Node[]): Stmt[] {
  const pos = c.pos(n);
  // Read `name(.name)* (as name)?` items separated by commas, starting at kids[i].
  const readNames = (i: number) => {
    const items = kids.slice(i).filter((k) => k.name !== '(' && k.name !== ')');
    return splitCommas(items).groups.map((g) => {
      const asAt = g.findIndex((k) => k.name === 'as');
      const dotted = asAt < 0 ? g : g.slice(0, asAt);
      const asNode = asAt < 0 ? null : g[asAt + 1]!;
      return { name: dotted.map((k) => c.text(k)).join(''), asNode, at: g[0]! };
    });
  };
  if (kids[0]!.name === 'import') {
    return readNames(1).map(({ name, asNode, at }) => {
      const bound = asNode ? c.text(asNode) : name.split('.')[0]!;
      return { kind: 'import', pos, module: name, target: nameNode(c.pos(asNode ?? at), bound), asName: asNode !== null };
    });
  }
  const importAt = kids.findIndex((k) => k.name === 'import');
  const moduleNodes = kids.slice(1, importAt);
  if (moduleNodes[0]!.name === '.' || moduleNodes[0]!.name === 'Ellipsis' || moduleNodes[0]!.name === '...') {
    c.unsupported(moduleNodes[0]!, 'relative imports are not supported');
  }
  if (kids[importAt + 1]?.name === '*') c.unsupported(kids[importAt + 1]!, "'from ... import *' is not supported");
  const names = readNames(importAt + 1);
  for (const { name, at } of names) if (name.includes('.')) c.syntax(at.nextSibling ?? at);
  const module = moduleNodes.map((k) => c.text(k)).join('');
  if (module === '__future__') {
    for (const { name, at } of names) {
      if (!FUTURE_FEATURES.has(name)) c.syntax(at, name === 'braces' ? 'not a chance' : `future feature ${name} is not defined`);
    }
  }
  return [
    {
      kind: 'importfrom',
      pos,
      module,
      names: names.map(({ name, asNode, at }) => ({ name, target: nameNode(c.pos(asNode ?? at), asNode ? c.text(asNode) : name), pos: c.pos(at) })),
    },
  ];
}

const FUTURE_FEATURES = new Set(['nested_scopes', 'generators', 'division', 'absolute_import', 'with_statement', 'print_function', 'unicode_literals', 'barry_as_FLUFL', 'generator_stop', 'annotations']);
