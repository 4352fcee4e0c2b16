/**
 * The AST of the script language. The parser (parse.ts) maps the
 * @lezer/python tree onto these nodes; the scope pass (scope.ts) then
 * resolves every name to where it lives (a fast local slot, a closure cell,
 * a class body or the globals) so that the interpreter never searches scopes
 * at run time.
 */

/** 1-based line and column of a node's first character in the source. */
export interface Pos {
  line: number;
  col: number;
}

export type BinaryOp = '+' | '-' | '*' | '/' | '//' | '%' | '**' | '@' | '&' | '|' | '^' | '<<' | '>>';
export type UnaryOp = '-' | '+' | 'not' | '~';
export type CompareOp = '<' | '<=' | '>' | '>=' | '==' | '!=' | 'is' | 'is not' | 'in' | 'not in';

/** Where a name lives, decided by the scope pass (scope.ts). */
export const REF_GLOBAL = 0;
/** A local of a function scope: `frame.fast[slot]`. */
export const REF_FAST = 1;
/** A local captured by an inner scope, or a free variable: `frame.cells[slot]`. */
export const REF_CELL = 2;
/** A name in a class body: the class namespace, then the cell `slot` (or the globals when slot is -1). */
export const REF_CLASS = 3;

export interface NameNode {
  kind: 'name';
  pos: Pos;
  id: string;
  ref: number;
  slot: number;
}

export type Expr =
  | { kind: 'num'; pos: Pos; value: number; isInt: boolean; big?: bigint }
  | { kind: 'str'; pos: Pos; value: string }
  | { kind: 'fstr'; pos: Pos; parts: FStringPart[] }
  | { kind: 'bool'; pos: Pos; value: boolean }
  | { kind: 'none'; pos: Pos }
  | { kind: 'ellipsis'; pos: Pos }
  | NameNode
  | { kind: 'attr'; pos: Pos; obj: Expr; name: string }
  | { kind: 'subscript'; pos: Pos; obj: Expr; index: Expr }
  /** Only inside a subscript's index (possibly inside a tuple index). */
  | { kind: 'slice'; pos: Pos; lower: Expr | null; upper: Expr | null; step: Expr | null }
  /** `args` may hold `starred` items (`f(*xs)`); a keyword with a null name is `**mapping`. */
  | { kind: 'call'; pos: Pos; fn: Expr; args: Expr[]; kwargs: Keyword[] }
  | { kind: 'binary'; pos: Pos; op: BinaryOp; left: Expr; right: Expr }
  | { kind: 'unary'; pos: Pos; op: UnaryOp; operand: Expr }
  /** Chained comparison `a < b <= c`: ops.length === operands.length - 1. */
  | { kind: 'compare'; pos: Pos; ops: CompareOp[]; operands: Expr[] }
  | { kind: 'boolop'; pos: Pos; op: 'and' | 'or'; values: Expr[] }
  | { kind: 'ifexp'; pos: Pos; test: Expr; body: Expr; orelse: Expr }
  | { kind: 'tuple'; pos: Pos; elts: Expr[] }
  | { kind: 'list'; pos: Pos; elts: Expr[] }
  | { kind: 'set'; pos: Pos; elts: Expr[] }
  /** `{k: v, **m}`: a null key is a `**m` item. */
  | { kind: 'dict'; pos: Pos; keys: (Expr | null)[]; values: Expr[] }
  /** `*x` inside a display, a call's arguments or an assignment target. */
  | { kind: 'starred'; pos: Pos; value: Expr }
  | { kind: 'lambda'; pos: Pos; code: FunctionCode }
  | Comprehension
  /** `(name := value)`. */
  | { kind: 'namedexpr'; pos: Pos; target: NameNode; value: Expr }
  /** `yield value` / `yield from value`: run only by a generator function's statement walker (Interpreter.genBlock) where it stands alone. */
  | { kind: 'yield'; pos: Pos; value: Expr | null; from: boolean }
  /** Valid Python outside the subset (a bytes or complex literal): exit 2 when evaluated, not when parsed. */
  | { kind: 'unsupported'; pos: Pos; message: string };

export interface Comprehension {
  kind: 'comp';
  pos: Pos;
  type: 'list' | 'set' | 'dict' | 'generator';
  /** The element (for a dict comprehension, its key). */
  elt: Expr;
  /** A dict comprehension's value. */
  value: Expr | null;
  generators: ComprehensionFor[];
  scope: ScopeInfo;
}

export interface ComprehensionFor {
  target: Target;
  iter: Expr;
  ifs: Expr[];
}

export interface Keyword {
  /** null for `**mapping`. */
  name: string | null;
  value: Expr;
  pos: Pos;
}

/** A literal piece of an f-string, or a `{expr}` / `{expr:spec}` / `{expr!r}` field; a spec may hold nested fields. */
export type FStringPart =
  | { kind: 'text'; value: string }
  | { kind: 'field'; expr: Expr; spec: FStringPart[] | null; conversion: 'r' | 's' | 'a' | null };

/** What may stand on the left of `=` / `+=` / `for ... in` / `del`. */
export type Target =
  | NameNode
  | { kind: 'attr'; pos: Pos; obj: Expr; name: string }
  | { kind: 'subscript'; pos: Pos; obj: Expr; index: Expr }
  | { kind: 'tuple'; pos: Pos; elts: Target[] }
  | { kind: 'starred'; pos: Pos; value: Target };

export type ParamKind = 'positional' | 'varargs' | 'keyword' | 'varkw';

export interface Param {
  name: string;
  kind: ParamKind;
  default: Expr | null;
  pos: Pos;
}

/** A `def` or a `lambda`: what a function object is made from. */
export interface FunctionCode {
  name: string;
  /** `f`, `Net.forward`, `outer.<locals>.inner`, `<lambda>`. */
  qualname: string;
  params: Param[];
  body: Stmt[];
  isLambda: boolean;
  /** The body contains `yield`: a call makes a generator. */
  isGenerator: boolean;
  /** In a generator function, the statements (at any depth of its body) holding a `yield` (filled by the scope pass). */
  yieldStmts: Set<Stmt> | null;
  docstring: string | null;
  pos: Pos;
  scope: ScopeInfo;
}

/**
 * What the scope pass found about a function, lambda, comprehension or class
 * body: how many fast slots a call needs, which locals live in cells, and
 * where each free variable comes from in the defining frame.
 */
export interface ScopeInfo {
  /** Local names by fast slot (parameters first). */
  locals: string[];
  /** Cell names: own cell variables first (`ownCells` of them), then free variables. */
  cells: string[];
  ownCells: number;
  /** For each free variable, the index of its cell in the defining frame's cells. */
  closure: number[];
  /** Parameters that live in cells: [fast slot, cell index]. */
  paramCells: [number, number][];
  /** The cell of `__class__` (for zero-argument `super()`), or -1. */
  classCell: number;
}

export interface ExceptHandler {
  pos: Pos;
  /** The exception class expression (`RuntimeError`, `(ValueError, TypeError)`), or null for a bare `except:`. */
  type: Expr | null;
  name: NameNode | null;
  body: Stmt[];
}

export interface WithItem {
  context: Expr;
  target: Target | null;
}

export type Stmt =
  | { kind: 'expr'; pos: Pos; expr: Expr }
  /** `a = b = value`: targets in source order. */
  | { kind: 'assign'; pos: Pos; targets: Target[]; value: Expr }
  /** `x: int` without a value: nothing runs, but the name becomes local in a function. */
  | { kind: 'annotation'; pos: Pos; target: Target }
  | { kind: 'augassign'; pos: Pos; target: Target; op: BinaryOp; value: Expr }
  | { kind: 'if'; pos: Pos; test: Expr; body: Stmt[]; orelse: Stmt[] }
  | { kind: 'for'; pos: Pos; target: Target; iter: Expr; body: Stmt[]; orelse: Stmt[] }
  | { kind: 'while'; pos: Pos; test: Expr; body: Stmt[]; orelse: Stmt[] }
  | { kind: 'with'; pos: Pos; items: WithItem[]; body: Stmt[] }
  | { kind: 'try'; pos: Pos; body: Stmt[]; handlers: ExceptHandler[]; orelse: Stmt[]; finalbody: Stmt[] }
  | { kind: 'def'; pos: Pos; target: NameNode; code: FunctionCode; decorators: Expr[] }
  | {
      kind: 'class';
      pos: Pos;
      target: NameNode;
      name: string;
      qualname: string;
      bases: Expr[];
      body: Stmt[];
      decorators: Expr[];
      docstring: string | null;
      scope: ScopeInfo;
    }
  | { kind: 'return'; pos: Pos; value: Expr | null }
  | { kind: 'pass'; pos: Pos }
  | { kind: 'break'; pos: Pos }
  | { kind: 'continue'; pos: Pos }
  | { kind: 'raise'; pos: Pos; exc: Expr | null; cause: Expr | null }
  | { kind: 'assert'; pos: Pos; test: Expr; msg: Expr | null }
  | { kind: 'del'; pos: Pos; targets: Target[] }
  | { kind: 'global'; pos: Pos; names: string[] }
  | { kind: 'nonlocal'; pos: Pos; names: string[] }
  /** `import torch` binds `torch`; `import torch.nn as nn` binds the submodule. */
  | { kind: 'import'; pos: Pos; module: string; target: NameNode; asName: boolean }
  /** `from torch import nn` / `from math import pi as PI`. */
  | { kind: 'importfrom'; pos: Pos; module: string; names: { name: string; target: NameNode; pos: Pos }[] };

export interface Program {
  body: Stmt[];
}

export const EMPTY_SCOPE: ScopeInfo = { locals: [], cells: [], ownCells: 0, closure: [], paramCells: [], classCell: -1 };

export function nameNode(pos: Pos, id: string): NameNode {
  return { kind: 'name', pos, id, ref: REF_GLOBAL, slot: -1 };
}
