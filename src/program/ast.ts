/**
 * The small AST of the script subset. The parser (parse.ts) maps the
 * @lezer/python tree onto these nodes; the interpreter reads only these.
 */

/** 1-based line and column of a node's first character in the source. */
export interface Pos {
  line: number;
  col: number;
}

export type BinaryOp = '+' | '-' | '*' | '/' | '//' | '%' | '**' | '@';
export type CompareOp = '<' | '<=' | '>' | '>=' | '==' | '!=' | 'is' | 'is not' | 'in' | 'not in';

export type Expr =
  | { kind: 'num'; pos: Pos; value: number; isInt: boolean }
  | { kind: 'str'; pos: Pos; value: string }
  | { kind: 'fstr'; pos: Pos; parts: FStringPart[] }
  | { kind: 'bool'; pos: Pos; value: boolean }
  | { kind: 'none'; pos: Pos }
  | { kind: 'ellipsis'; pos: Pos }
  | { kind: 'name'; pos: Pos; id: string }
  | { kind: 'attr'; pos: Pos; obj: Expr; name: string }
  | { kind: 'subscript'; pos: Pos; obj: Expr; index: Expr }
  /** Only inside a subscript's index (possibly inside a tuple index). */
  | { kind: 'slice'; pos: Pos; lower: Expr | null; upper: Expr | null; step: Expr | null }
  | { kind: 'call'; pos: Pos; fn: Expr; args: Expr[]; kwargs: Keyword[] }
  | { kind: 'binary'; pos: Pos; op: BinaryOp; left: Expr; right: Expr }
  | { kind: 'unary'; pos: Pos; op: '-' | '+' | 'not'; operand: Expr }
  /** Chained comparison `a < b <= c`: ops.length === operands.length - 1. */
  | { kind: 'compare'; pos: Pos; ops: CompareOp[]; operands: Expr[] }
  | { kind: 'boolop'; pos: Pos; op: 'and' | 'or'; values: Expr[] }
  | { kind: 'ifexp'; pos: Pos; test: Expr; body: Expr; orelse: Expr }
  | { kind: 'tuple'; pos: Pos; elts: Expr[] }
  | { kind: 'list'; pos: Pos; elts: Expr[] };

export interface Keyword {
  name: string;
  value: Expr;
  pos: Pos;
}

/** A literal piece of an f-string, or a `{expr}` / `{expr:spec}` / `{expr!r}` field. */
export type FStringPart =
  | { kind: 'text'; value: string }
  | { kind: 'field'; expr: Expr; spec: string | null; conversion: 'r' | 's' | null };

/** What may stand on the left of `=` / `+=`: names, attributes, subscripts, tuples of them. */
export type Target =
  | { kind: 'name'; pos: Pos; id: string }
  | { kind: 'attr'; pos: Pos; obj: Expr; name: string }
  | { kind: 'subscript'; pos: Pos; obj: Expr; index: Expr }
  | { kind: 'tuple'; pos: Pos; elts: Target[] };

export interface Param {
  name: string;
  default: Expr | null;
  pos: Pos;
}

export interface ExceptHandler {
  pos: Pos;
  /** The exception class expression (`RuntimeError`, `(ValueError, TypeError)`), or null for a bare `except:`. */
  type: Expr | null;
  name: string | null;
  body: Stmt[];
}

export interface WithItem {
  context: Expr;
  asName: string | null;
}

export type Stmt =
  | { kind: 'expr'; pos: Pos; expr: Expr }
  /** `a = b = value`: targets in source order. */
  | { kind: 'assign'; pos: Pos; targets: Target[]; value: Expr }
  | { kind: 'augassign'; pos: Pos; target: Target; op: BinaryOp; value: Expr }
  | { kind: 'if'; pos: Pos; test: Expr; body: Stmt[]; orelse: Stmt[] }
  | { kind: 'for'; pos: Pos; target: Target; iter: Expr; body: Stmt[] }
  | { kind: 'while'; pos: Pos; test: Expr; body: Stmt[] }
  | { kind: 'with'; pos: Pos; items: WithItem[]; body: Stmt[] }
  | { kind: 'try'; pos: Pos; body: Stmt[]; handlers: ExceptHandler[]; orelse: Stmt[]; finalbody: Stmt[] }
  | { kind: 'def'; pos: Pos; name: string; params: Param[]; body: Stmt[]; decorators: Expr[] }
  | { kind: 'return'; pos: Pos; value: Expr | null }
  | { kind: 'pass'; pos: Pos }
  | { kind: 'break'; pos: Pos }
  | { kind: 'continue'; pos: Pos }
  | { kind: 'raise'; pos: Pos; exc: Expr | null }
  | { kind: 'assert'; pos: Pos; test: Expr; msg: Expr | null }
  /** `import torch`, `import torch.nn.functional as F`. */
  | { kind: 'import'; pos: Pos; module: string; asName: string | null }
  /** `from torch import nn` / `from math import pi as PI`. */
  | { kind: 'importfrom'; pos: Pos; module: string; names: { name: string; asName: string | null }[] };

export interface Program {
  body: Stmt[];
}
