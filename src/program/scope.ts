/**
 * Python's static scoping, decided once after parsing (CPython's symtable):
 * a name is local to a function when the function binds it (assignment,
 * parameter, `for`, `import`, `def`, `del`, ...) and does not declare it
 * `global`/`nonlocal`; a name used but not bound is free and comes from the
 * nearest enclosing function that binds it (class bodies are skipped), else
 * from the globals. Locals captured by inner scopes live in cells. Every
 * name node gets its `ref`/`slot`, every function, class body and
 * comprehension its ScopeInfo, so the interpreter never searches at run time.
 */
import {
  REF_CELL,
  REF_CLASS,
  REF_FAST,
  REF_GLOBAL,
  type Expr,
  type FStringPart,
  type FunctionCode,
  type NameNode,
  type Program,
  type ScopeInfo,
  type Stmt,
  type Target,
} from './ast.js';
import { ScriptSyntaxError } from './errors.js';

type Kind = 'module' | 'function' | 'class' | 'comprehension';

class Scope {
  readonly bound = new Set<string>();
  readonly params: string[] = [];
  readonly globals = new Set<string>();
  readonly nonlocals = new Set<string>();
  readonly refs: NameNode[] = [];
  readonly children: Scope[] = [];
  readonly cellvars = new Set<string>();
  readonly freevars: string[] = [];
  /** The info object the interpreter will read (filled at the end). */
  readonly info: ScopeInfo = { locals: [], cells: [], ownCells: 0, closure: [], paramCells: [], classCell: -1 };
  usesSuper = false;

  constructor(
    readonly kind: Kind,
    readonly parent: Scope | null,
    readonly qualname: string,
  ) {
    parent?.children.push(this);
  }

  isLocal(name: string): boolean {
    return this.bound.has(name) && !this.globals.has(name) && !this.nonlocals.has(name);
  }

  /** The prefix of the qualified names of functions and classes defined here. */
  childQualname(name: string): string {
    if (this.kind === 'module') return name;
    if (this.kind === 'class') return `${this.qualname}.${name}`;
    return this.kind === 'function' ? `${this.qualname}.<locals>.${name}` : `${this.qualname}.${name}`;
  }
}

const syntaxError = (pos: { line: number; col: number }, message: string) =>
  new ScriptSyntaxError({ kind: 'syntax', line: pos.line, col: pos.col, message });

/** Resolves every name of a parsed program in place. */
export function resolveScopes(program: Program): void {
  const module = new Scope('module', null, '');
  const walker = new Walker();
  walker.stmts(program.body, module);
  analyse(module);
}

class Walker {
  /** The generator function whose body is being walked (null elsewhere), and the statements open around the current point. */
  private generator: FunctionCode | null = null;
  private open: Stmt[] = [];

  stmts(body: readonly Stmt[], s: Scope): void {
    for (const st of body) {
      this.open.push(st);
      this.stmt(st, s);
      this.open.pop();
    }
  }

  /** Walks a def's, lambda's or class's body with its own generator context. */
  private nested(generator: FunctionCode | null, walk: () => void): void {
    const [outer, open] = [this.generator, this.open];
    this.generator = generator;
    this.open = [];
    try {
      walk();
    } finally {
      this.generator = outer;
      this.open = open;
    }
  }

  private bind(n: NameNode, s: Scope): void {
    s.bound.add(n.id);
    s.refs.push(n);
  }

  private target(t: Target, s: Scope): void {
    switch (t.kind) {
      case 'name':
        return this.bind(t, s);
      case 'attr':
        return this.expr(t.obj, s);
      case 'subscript':
        this.expr(t.obj, s);
        return this.expr(t.index, s);
      case 'tuple':
        for (const e of t.elts) this.target(e, s);
        return;
      case 'starred':
        return this.target(t.value, s);
    }
  }

  private declare(names: string[], which: 'global' | 'nonlocal', pos: Stmt['pos'], s: Scope): void {
    for (const name of names) {
      if (s.params.includes(name)) throw syntaxError(pos, `name '${name}' is parameter and ${which}`);
      const other = which === 'global' ? s.nonlocals : s.globals;
      if (other.has(name)) throw syntaxError(pos, `name '${name}' is nonlocal and global`);
      if (s.refs.some((r) => r.id === name)) {
        const assigned = s.bound.has(name);
        throw syntaxError(pos, `name '${name}' is ${assigned ? 'assigned to before' : 'used prior to'} ${which} declaration`);
      }
      (which === 'global' ? s.globals : s.nonlocals).add(name);
    }
  }

  private stmt(st: Stmt, s: Scope): void {
    switch (st.kind) {
      case 'expr':
        return this.expr(st.expr, s);
      case 'assign':
        this.expr(st.value, s);
        for (const t of st.targets) this.target(t, s);
        return;
      case 'annotation':
        return this.target(st.target, s);
      case 'augassign':
        if (st.target.kind === 'name') s.refs.push(st.target), s.bound.add(st.target.id);
        else this.target(st.target, s);
        return this.expr(st.value, s);
      case 'if':
        this.expr(st.test, s);
        this.stmts(st.body, s);
        return this.stmts(st.orelse, s);
      case 'while':
        this.expr(st.test, s);
        this.stmts(st.body, s);
        return this.stmts(st.orelse, s);
      case 'for':
        this.expr(st.iter, s);
        this.target(st.target, s);
        this.stmts(st.body, s);
        return this.stmts(st.orelse, s);
      case 'with':
        for (const item of st.items) {
          this.expr(item.context, s);
          if (item.target) this.target(item.target, s);
        }
        return this.stmts(st.body, s);
      case 'try':
        this.stmts(st.body, s);
        for (const h of st.handlers) {
          if (h.type) this.expr(h.type, s);
          if (h.name) this.bind(h.name, s);
          this.stmts(h.body, s);
        }
        this.stmts(st.orelse, s);
        return this.stmts(st.finalbody, s);
      case 'def':
        for (const d of st.decorators) this.expr(d, s);
        this.function(st.code, s, st.code.name);
        return this.bind(st.target, s);
      case 'class': {
        for (const d of st.decorators) this.expr(d, s);
        for (const b of st.bases) this.expr(b, s);
        st.qualname = s.childQualname(st.name);
        const inner = new Scope('class', s, st.qualname);
        this.nested(null, () => this.stmts(st.body, inner));
        st.scope = inner.info;
        return this.bind(st.target, s);
      }
      case 'return':
        if (st.value) this.expr(st.value, s);
        return;
      case 'raise':
        if (st.exc) this.expr(st.exc, s);
        if (st.cause) this.expr(st.cause, s);
        return;
      case 'assert':
        this.expr(st.test, s);
        if (st.msg) this.expr(st.msg, s);
        return;
      case 'del':
        for (const t of st.targets) this.target(t, s);
        return;
      case 'global':
      case 'nonlocal':
        if (s.kind !== 'module' || st.kind === 'global') this.declare(st.names, st.kind, st.pos, s);
        return;
      case 'import':
        return this.bind(st.target, s);
      case 'importfrom':
        for (const n of st.names) this.bind(n.target, s);
        return;
      case 'pass':
      case 'break':
      case 'continue':
        return;
    }
  }

  /** A def or lambda: defaults in the defining scope, the body in its own. */
  private function(code: FunctionCode, s: Scope, name: string): void {
    for (const p of code.params) if (p.default) this.expr(p.default, s);
    code.qualname = s.childQualname(name);
    const inner = new Scope('function', s, code.qualname);
    for (const p of code.params) {
      inner.params.push(p.name);
      inner.bound.add(p.name);
    }
    this.nested(code.isGenerator ? code : null, () => this.stmts(code.body, inner));
    code.scope = inner.info;
  }

  expr(e: Expr, s: Scope): void {
    switch (e.kind) {
      case 'name':
        s.refs.push(e);
        if (e.id === 'super' && s.kind !== 'module' && s.kind !== 'class') s.usesSuper = true;
        return;
      case 'num':
      case 'str':
      case 'bool':
      case 'none':
      case 'ellipsis':
      case 'unsupported':
        return;
      case 'fstr':
        for (const p of e.parts) this.fstringPart(p, s);
        return;
      case 'attr':
        return this.expr(e.obj, s);
      case 'subscript':
        this.expr(e.obj, s);
        return this.expr(e.index, s);
      case 'slice':
        if (e.lower) this.expr(e.lower, s);
        if (e.upper) this.expr(e.upper, s);
        if (e.step) this.expr(e.step, s);
        return;
      case 'call':
        this.expr(e.fn, s);
        for (const a of e.args) this.expr(a, s);
        for (const k of e.kwargs) this.expr(k.value, s);
        return;
      case 'binary':
        this.expr(e.left, s);
        return this.expr(e.right, s);
      case 'unary':
        return this.expr(e.operand, s);
      case 'compare':
        for (const o of e.operands) this.expr(o, s);
        return;
      case 'boolop':
        for (const v of e.values) this.expr(v, s);
        return;
      case 'ifexp':
        this.expr(e.test, s);
        this.expr(e.body, s);
        return this.expr(e.orelse, s);
      case 'tuple':
      case 'list':
      case 'set':
        for (const x of e.elts) this.expr(x, s);
        return;
      case 'dict':
        e.keys.forEach((k, i) => {
          if (k) this.expr(k, s);
          this.expr(e.values[i]!, s);
        });
        return;
      case 'starred':
        return this.expr(e.value, s);
      case 'yield': {
        if (e.value) this.expr(e.value, s);
        if (s.kind === 'module' || s.kind === 'class') throw syntaxError(e.pos, "'yield' outside function");
        if (s.kind === 'comprehension') {
          const what = ({ '<listcomp>': 'list comprehension', '<setcomp>': 'set comprehension', '<dictcomp>': 'dict comprehension' } as Record<string, string>)[s.qualname.slice(s.qualname.lastIndexOf('.') + 1)] ?? 'generator expression';
          throw syntaxError(e.pos, `'yield' inside ${what}`);
        }
        const g = this.generator;
        if (g) {
          g.yieldStmts ??= new Set();
          for (const st of this.open) g.yieldStmts.add(st);
        }
        return;
      }
      case 'lambda':
        return this.function(e.code, s, '<lambda>');
      case 'comp': {
        const [first, ...rest] = e.generators;
        this.expr(first!.iter, s);
        const label = e.type === 'generator' ? '<genexpr>' : `<${e.type}comp>`;
        const inner = new Scope('comprehension', s, s.childQualname(label));
        this.target(first!.target, inner);
        for (const c of first!.ifs) this.expr(c, inner);
        for (const g of rest) {
          this.expr(g.iter, inner);
          this.target(g.target, inner);
          for (const c of g.ifs) this.expr(c, inner);
        }
        this.expr(e.elt, inner);
        if (e.value) this.expr(e.value, inner);
        e.scope = inner.info;
        return;
      }
      case 'namedexpr': {
        this.expr(e.value, s);
        // The name binds in the nearest scope that is not a comprehension.
        let owner = s;
        while (owner.kind === 'comprehension') owner = owner.parent!;
        if (owner !== s && owner.kind === 'class') throw syntaxError(e.pos, 'assignment expression within a comprehension cannot be used in a class body');
        if (owner !== s && !owner.globals.has(e.target.id) && owner.kind !== 'module') owner.bound.add(e.target.id);
        if (owner === s) return this.bind(e.target, s);
        if (owner.kind === 'module') owner.bound.add(e.target.id);
        // Inside the comprehension the name is free, resolved to the owner's binding.
        s.refs.push(e.target);
        return;
      }
    }
  }

  private fstringPart(p: FStringPart, s: Scope): void {
    if (p.kind === 'text') return;
    this.expr(p.expr, s);
    for (const q of p.spec ?? []) this.fstringPart(q, s);
  }
}

/** Where a free name of `s` is bound: an enclosing function-like scope, the class owning `__class__`, or the globals. */
function bindingOf(s: Scope, name: string): Scope | null {
  for (let p = s.parent; p; p = p.parent) {
    if (p.kind === 'class') {
      if (name === '__class__') return p;
      continue;
    }
    if (p.kind === 'module' || p.globals.has(name)) return null;
    if (p.isLocal(name)) return p;
  }
  return null;
}

/** Marks `name` as a cell of `owner` and a free variable of every scope from `s` up to it. */
function capture(s: Scope, owner: Scope, name: string): void {
  owner.cellvars.add(name);
  for (let t: Scope | null = s; t && t !== owner; t = t.parent) {
    if (!t.freevars.includes(name)) t.freevars.push(name);
  }
}

function analyse(module: Scope): void {
  const all: Scope[] = [];
  const collect = (s: Scope) => {
    all.push(s);
    s.children.forEach(collect);
  };
  collect(module);

  // Free variables first (they decide which locals become cells).
  for (const s of all) {
    if (s.kind === 'module') continue;
    for (const name of s.nonlocals) {
      const owner = bindingOf(s, name);
      if (!owner || owner.kind === 'class') {
        const ref = s.refs.find((r) => r.id === name);
        throw syntaxError(ref?.pos ?? { line: 1, col: 1 }, `no binding for nonlocal '${name}' found`);
      }
      capture(s, owner, name);
    }
    if (s.usesSuper) {
      const owner = bindingOf(s, '__class__');
      if (owner) capture(s, owner, '__class__');
    }
    for (const r of s.refs) {
      if (s.kind === 'class' ? s.bound.has(r.id) || s.globals.has(r.id) : s.isLocal(r.id) || s.globals.has(r.id) || s.nonlocals.has(r.id)) continue;
      const owner = bindingOf(s, r.id);
      if (owner) capture(s, owner, r.id);
    }
  }

  for (const s of all) {
    if (s.kind === 'module') {
      for (const r of s.refs) r.ref = REF_GLOBAL;
      continue;
    }
    const info = s.info;
    if (s.kind === 'class') {
      info.locals = [];
      const own = s.cellvars.has('__class__') ? ['__class__'] : [];
      info.cells = [...own, ...s.freevars];
      info.ownCells = own.length;
      info.classCell = own.length ? 0 : -1;
    } else {
      const locals = [...s.params];
      for (const name of s.bound) if (!locals.includes(name) && s.isLocal(name)) locals.push(name);
      info.locals = locals;
      const own = locals.filter((n) => s.cellvars.has(n));
      info.cells = [...own, ...s.freevars];
      info.ownCells = own.length;
      info.paramCells = s.params.map((p, i) => [i, own.indexOf(p)] as [number, number]).filter(([, c]) => c >= 0);
      info.classCell = s.freevars.includes('__class__') ? info.cells.indexOf('__class__') : -1;
    }
    // Each free variable comes from the defining scope's cells.
    const parentCells = s.parent!.kind === 'module' ? [] : s.parent!.info.cells;
    info.closure = s.freevars.map((n) => parentCells.indexOf(n));
    for (const r of s.refs) resolveRef(s, r);
  }
}

function resolveRef(s: Scope, r: NameNode): void {
  const cells = s.info.cells;
  if (s.globals.has(r.id)) {
    r.ref = REF_GLOBAL;
  } else if (s.kind === 'class') {
    if (s.nonlocals.has(r.id)) {
      r.ref = REF_CELL;
      r.slot = cells.indexOf(r.id);
    } else {
      r.ref = REF_CLASS;
      r.slot = s.bound.has(r.id) ? -1 : cells.indexOf(r.id);
    }
  } else if (s.isLocal(r.id) && !s.cellvars.has(r.id)) {
    r.ref = REF_FAST;
    r.slot = s.info.locals.indexOf(r.id);
  } else if (cells.includes(r.id)) {
    r.ref = REF_CELL;
    r.slot = cells.indexOf(r.id);
  } else {
    r.ref = REF_GLOBAL;
  }
}
