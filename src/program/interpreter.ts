/**
 * Runs a parsed, scope-resolved script (ast.ts, scope.ts) over the tape:
 * statements and expressions, frames with fast locals and closure cells,
 * calls with Python's argument binding, classes, comprehensions and
 * generator expressions, exceptions with tracebacks, bounded in steps,
 * time, call depth and output. Everything about values themselves (the
 * object protocol, operators, formatting, builtins) lives in the modules
 * this one calls.
 */
import { isGradEnabled, setGradEnabled } from '../autograd/grad-mode.js';
import { opsRunSoFar } from '../autograd/record.js';
import { Tensor } from '../autograd/tensor.js';
import { LimitError, PyError } from '../tensor/errors.js';
import {
  REF_CELL,
  REF_CLASS,
  REF_FAST,
  type Comprehension,
  type Expr,
  type FStringPart,
  type FunctionCode,
  type NameNode,
  type Pos,
  type ScopeInfo,
  type Stmt,
  type Target,
} from './ast.js';
import { dirOf, printBuiltin, sharedBuiltins } from './builtins.js';
import { PyDict } from './dict.js';
import { ScriptSyntaxError, UnsupportedError } from './errors.js';
import {
  exceptionClassNamed,
  exceptionClassOf,
  exceptionOf,
  exceptionState,
  isExceptionClass,
  newException,
  RaisedError,
  tracebackOf,
} from './exceptions.js';
import { convert, formatValue } from './format.js';
import { iterate, makeIterator } from './iteration.js';
import { knownNames } from './known-names.js';
import { newModuleTable, type ModuleTable } from './modules.js';
import {
  callBound,
  callValue,
  delAttr,
  getAttr,
  lookupSpecial,
  makeClass,
  setAttr,
  setHost,
  type Host,
} from './objects.js';
import { binary, compare, inPlace, mappingItems, truthy, unary } from './operators.js';
import { DisplayHook } from './display.js';
import { str } from './repr.js';
import { PySet } from './set.js';
import { delItem, getItem, setItem } from './subscript.js';
import { consumed, made, temporaryMark } from './temporaries.js';
import {
  BoundMethod,
  Builtin,
  Ellipsis,
  NO_KWARGS,
  PyClass,
  PyFunction,
  PyInstance,
  PyRange,
  PySuper,
  PyTuple,
  SliceValue,
  superClass,
  typeOf,
  type Cell,
  type Kwargs,
  type PyValue,
} from './values.js';
import './methods-str.js';
import './methods-seq.js';
import './methods-dict.js';
import './methods-misc.js';
import './math-module.js';
import './torch-module.js';
import './warnings-module.js';

export interface Limits {
  /** Statements and loop iterations executed. */
  maxSteps: number;
  /** Tensor ops run (each one also grows the autograd graph). */
  maxOps: number;
  maxSeconds: number;
  maxCallDepth: number;
  maxOutputChars: number;
}

export const DEFAULT_LIMITS: Limits = { maxSteps: 2_000_000, maxOps: 50_000, maxSeconds: 10, maxCallDepth: 1000, maxOutputChars: 10_000_000 };

export interface InterpreterIO {
  stdout(text: string): void;
  /** A name was bound to a value (dzdx check names tensors after the variables that hold them). */
  assigned?(name: string, value: PyValue, line: number): void;
  statement?(line: number): void;
  /** A warning as Python shows it: the line it was raised on, and its text. */
  warning(line: number, category: string, message: string): void;
  /** Expression statements whose value is displayed as Jupyter displays it (a notebook cell's last). */
  displayed?: ReadonlySet<Stmt>;
}

/** How a block ended. */
const NORMAL = 0;
const BREAK = 1;
const CONTINUE = 2;
const RETURN = 3;

/** A function's (or class body's, or comprehension's) running state. */
class Frame {
  constructor(
    readonly name: string,
    readonly info: ScopeInfo | null,
    readonly fast: (PyValue | undefined)[],
    readonly cells: Cell[],
    /** A class body's namespace. */
    readonly ns: Map<string, PyValue> | null,
  ) {}
}

const NO_CELLS: Cell[] = [];

/** An expression CPython's compiler folds to a constant (literals, signs, arithmetic and tuples of them). */
function isConstant(e: Expr): boolean {
  switch (e.kind) {
    case 'num':
    case 'str':
    case 'bool':
    case 'none':
    case 'ellipsis':
      return true;
    case 'unary':
      return e.op !== 'not' && isConstant(e.operand);
    case 'binary':
      return isConstant(e.left) && isConstant(e.right);
    case 'tuple':
      return e.elts.every(isConstant);
    default:
      return false;
  }
}

/** What a call binds: the layout of a def's parameters, computed once per function. */
interface Signature {
  positional: number;
  varargs: number;
  varkw: number;
  keywordOnly: number[];
  slots: Map<string, number>;
}

const signatures = new WeakMap<FunctionCode, Signature>();

function signatureOf(code: FunctionCode): Signature {
  let sig = signatures.get(code);
  if (!sig) {
    const params = code.params;
    sig = {
      positional: params.filter((p) => p.kind === 'positional').length,
      varargs: params.findIndex((p) => p.kind === 'varargs'),
      varkw: params.findIndex((p) => p.kind === 'varkw'),
      keywordOnly: params.flatMap((p, i) => (p.kind === 'keyword' ? [i] : [])),
      slots: new Map(params.flatMap((p, i) => (p.kind === 'positional' || p.kind === 'keyword' ? [[p.name, i] as [string, number]] : []))),
    };
    signatures.set(code, sig);
  }
  return sig;
}

/** `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'`, as CPython lists missing arguments. */
function nameList(names: string[]): string {
  const q = names.map((n) => `'${n}'`);
  if (q.length === 1) return q[0]!;
  if (q.length === 2) return `${q[0]} and ${q[1]}`;
  return `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`;
}

const limitError = (pos: Pos, message: string) => new ScriptSyntaxError({ kind: 'limit', line: pos.line, col: pos.col, message });
const unsupported = (pos: Pos, message: string) => new ScriptSyntaxError({ kind: 'unsupported', line: pos.line, col: pos.col, message });

/** Context of a NameError, for Python's "Did you mean" suggestion when it goes uncaught. */
export const nameErrorContext = new WeakMap<PyError, { name: string; scopes: () => string[][] }>();

export class Interpreter implements Host {
  readonly globals = new Map<string, PyValue>();
  /** This run's own builtins (print, dir), before the shared ones. */
  private readonly builtins: Map<string, PyValue>;
  private readonly shared = sharedBuiltins();
  private readonly modules: ModuleTable;
  private frame: Frame;
  private steps = 0;
  private callDepth = 0;
  private outputChars = 0;
  private readonly deadline: number;
  private readonly opsAtStart = opsRunSoFar();
  private readonly warned = new Set<string>();
  /** warnings.filterwarnings / simplefilter, latest last. */
  private readonly warningFilters: ['ignore' | 'default', PyClass][] = [];
  private returnValue: PyValue = null;
  /** The operation being evaluated: where an UnsupportedError is reported. */
  private exprPos: Pos | null = null;
  /** Exceptions being handled (innermost last), for a bare `raise` (a generator has its own while it runs). */
  private handling: PyError[] = [];
  /** The statement being run: where an uncaught error is reported. */
  line = 1;
  /** The deepest the calls went (reported when JavaScript's own stack runs out first). */
  deepest = 0;
  /** A notebook's displays (Jupyter's displayhook, `display()`, `_`). */
  private readonly displayHook: DisplayHook | null = null;

  constructor(
    private readonly io: InterpreterIO,
    private readonly limits: Limits = DEFAULT_LIMITS,
    fileName = '<script>',
  ) {
    this.deadline = Date.now() + limits.maxSeconds * 1000;
    this.builtins = new Map<string, PyValue>([
      ['print', printBuiltin((text) => this.write(text))],
    ]);
    this.builtins.set(
      'dir',
      new Builtin('dir', (call) => {
        if (call.args.length === 0 && call.kwargs.size === 0) return this.scopeNames().sort();
        if (call.args.length !== 1 || call.kwargs.size > 0) throw new PyError('TypeError', `dir expected at most 1 argument, got ${call.args.length}`);
        return dirOf(call.args[0]!);
      }),
    );
    this.modules = newModuleTable();
    this.frame = new Frame('<module>', null, [], NO_CELLS, null);
    this.globals.set('__name__', '__main__');
    this.globals.set('__doc__', null);
    this.globals.set('__package__', null);
    this.globals.set('__spec__', null);
    this.globals.set('__annotations__', new PyDict());
    this.globals.set('__file__', fileName);
    if (io.displayed) {
      this.displayHook = new DisplayHook(this.globals, (text) => this.write(text));
      this.builtins.set('display', this.displayHook.displayBuiltin());
    }
  }

  /** Everything the script shows goes out here, within the output bound. */
  private write(text: string): void {
    this.outputChars += text.length;
    if (this.outputChars > this.limits.maxOutputChars) throw new LimitError(`output longer than ${this.limits.maxOutputChars} characters`);
    this.io.stdout(text);
  }

  run(body: readonly Stmt[]): void {
    const first = body[0];
    if (first?.kind === 'expr' && first.expr.kind === 'str') this.globals.set('__doc__', first.expr.value);
    const previous = setHost(this);
    try {
      this.execBlock(body);
    } finally {
      setHost(previous);
    }
  }

  /** A step of a loop run by TypeScript code (Host): over a bound, a LimitError placed at the expression running it. */
  tick(): void {
    const over = this.overLimit();
    if (over) throw new LimitError(over);
  }

  /** A statement or a loop iteration at `pos`: over a bound, the limit error is placed there. */
  private tickAt(pos: Pos): void {
    const over = this.overLimit();
    if (over) throw limitError(pos, over);
  }

  private overLimit(): string | null {
    this.steps++;
    if (this.steps > this.limits.maxSteps) return `the script ran more than ${this.limits.maxSteps} steps (an endless loop?)`;
    if (opsRunSoFar() - this.opsAtStart > this.limits.maxOps) return `the script ran more than ${this.limits.maxOps} tensor ops (an endless loop?)`;
    if ((this.steps & 1023) === 0 && Date.now() > this.deadline) return `the script ran longer than ${this.limits.maxSeconds} s`;
    return null;
  }

  warn(message: string, category: PyClass = exceptionClassNamed('UserWarning')): void {
    for (let i = this.warningFilters.length - 1; i >= 0; i--) {
      const [action, cls] = this.warningFilters[i]!;
      if (category.isSubclassOf(cls)) {
        if (action === 'ignore') return;
        break;
      }
    }
    const key = `${this.line}:${category.name}:${message}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.io.warning(this.line, category.name, message);
  }

  filterWarnings(action: 'ignore' | 'default', category: PyClass): void {
    this.warningFilters.push([action, category]);
  }

  // ---- statements ----

  /**
   * Runs statements in order until one ends the block (break, continue,
   * return). An UnsupportedError or LimitError from the statement running
   * gets its position here: the expression being evaluated, else the
   * statement. (One frame per nesting level: deep recursion needs the stack.)
   */
  private execBlock(body: readonly Stmt[]): number {
    let s: Stmt | undefined;
    try {
      for (let i = 0; i < body.length; i++) {
        s = body[i]!;
        this.line = s.pos.line;
        this.io.statement?.(s.pos.line);
        this.tickAt(s.pos);
        this.exprPos = null;
        const c = this.execStmt(s);
        if (c !== NORMAL) return c;
      }
      return NORMAL;
    } catch (e) {
      if (e instanceof LimitError) throw limitError(this.exprPos ?? s!.pos, e.message);
      if (e instanceof UnsupportedError) throw unsupported(this.exprPos ?? s!.pos, e.message);
      throw e;
    }
  }

  private execStmt(s: Stmt): number {
    switch (s.kind) {
      case 'expr': {
        const value = this.eval(s.expr);
        if (this.displayHook && this.io.displayed!.has(s)) this.displayHook.show(value);
        return NORMAL;
      }
      case 'assign':
        return this.execAssign(s);
      case 'augassign':
        this.augAssign(s.target, s.op, s.value, s.pos);
        return NORMAL;
      case 'if':
        return this.execBlock(truthy(this.eval(s.test)) ? s.body : s.orelse);
      case 'for':
        return this.execFor(s);
      case 'while':
        return this.execWhile(s);
      case 'with':
        return this.execWith(s.items, 0, s.body);
      case 'try':
        return this.execTry(s);
      case 'def':
        return this.execDef(s);
      case 'class':
        return this.execClass(s);
      case 'return':
        this.returnValue = s.value ? this.eval(s.value) : null;
        return RETURN;
      case 'pass':
      case 'annotation':
      case 'global':
      case 'nonlocal':
        return NORMAL;
      case 'break':
        return BREAK;
      case 'continue':
        return CONTINUE;
      case 'raise':
        return this.execRaise(s);
      case 'assert':
        return this.execAssert(s);
      case 'del':
        for (const t of s.targets) this.delete(t);
        return NORMAL;
      case 'import':
      case 'importfrom':
        return this.execImport(s);
    }
  }

  // Statement kinds in methods of their own keep execStmt's stack frame small (it is on the stack once per nesting level).

  private execAssign(s: Extract<Stmt, { kind: 'assign' }>): number {
    const value = this.eval(s.value);
    for (const t of s.targets) this.assign(t, value);
    return NORMAL;
  }

  private execWhile(s: Extract<Stmt, { kind: 'while' }>): number {
    while (truthy(this.eval(s.test))) {
      this.tickAt(s.pos);
      const c = this.execBlock(s.body);
      if (c === BREAK) return NORMAL;
      if (c === RETURN) return c;
      this.line = s.pos.line; // the test's errors are the while statement's
    }
    return this.execBlock(s.orelse);
  }

  private execAssert(s: Extract<Stmt, { kind: 'assert' }>): number {
    if (!truthy(this.eval(s.test))) {
      const args = s.msg ? [this.eval(s.msg)] : [];
      const exc = newException(exceptionClassNamed('AssertionError'), args);
      throw new RaisedError(exc, args.length ? str(args[0]!) : '');
    }
    return NORMAL;
  }

  private execImport(s: Extract<Stmt, { kind: 'import' | 'importfrom' }>): number {
    if (s.kind === 'import') {
      const parts = s.module.split('.');
      for (let i = 1; i <= parts.length; i++) this.modules.resolve(parts.slice(0, i).join('.'));
      this.storeName(s.target, this.modules.resolve(s.asName ? s.module : parts[0]!));
      return NORMAL;
    }
    if (s.module === '__future__') return NORMAL;
    for (const n of s.names) {
      this.exprPos = n.pos;
      this.storeName(n.target, this.modules.importFrom(s.module, n.name));
    }
    return NORMAL;
  }

  private execFor(s: Extract<Stmt, { kind: 'for' }>): number {
    const iterable = this.eval(s.iter);
    if (Array.isArray(iterable)) {
      // A list is iterated live, by index, as Python's list iterator does.
      for (let i = 0; i < iterable.length; i++) {
        this.tickAt(s.pos);
        this.assign(s.target, iterable[i]!);
        const c = this.execBlock(s.body);
        if (c === BREAK) return NORMAL;
        if (c === RETURN) return c;
      }
      return this.execBlock(s.orelse);
    }
    if (iterable instanceof PyRange) {
      const { start, stop, step } = iterable;
      for (let i = start; step > 0n ? i < stop : i > stop; i += step) {
        this.tickAt(s.pos);
        this.assign(s.target, i);
        const c = this.execBlock(s.body);
        if (c === BREAK) return NORMAL;
        if (c === RETURN) return c;
      }
      return this.execBlock(s.orelse);
    }
    for (const value of iterate(iterable)) {
      this.tickAt(s.pos);
      this.assign(s.target, value);
      const c = this.execBlock(s.body);
      if (c === BREAK) return NORMAL;
      if (c === RETURN) return c;
      this.line = s.pos.line; // an error fetching the next value is the for statement's
    }
    return this.execBlock(s.orelse);
  }

  private execWith(items: Extract<Stmt, { kind: 'with' }>['items'], i: number, body: readonly Stmt[]): number {
    if (i === items.length) return this.execBlock(body);
    const item = items[i]!;
    const ctx = this.eval(item.context);
    const exit = this.enterContext(ctx, item.target);
    let c: number;
    try {
      c = this.execWith(items, i + 1, body);
    } catch (e) {
      if (e instanceof PyError) {
        const exc = exceptionOf(e);
        if (truthy(callBound(exit, ctx, [exc.cls, exc, null]))) return NORMAL;
      }
      throw e;
    }
    callBound(exit, ctx, [null, null, null]);
    return c;
  }

  /** `with`'s entry: calls `__enter__`, binds the target, returns `__exit__`. */
  private enterContext(ctx: PyValue, target: Target | null): PyValue {
    const enter = lookupSpecial(ctx, '__enter__');
    const exit = lookupSpecial(ctx, '__exit__');
    if (enter === undefined || exit === undefined) {
      throw new PyError('TypeError', `'${typeOf(ctx).name}' object does not support the context manager protocol`);
    }
    const value = callBound(enter, ctx, []);
    if (target) this.assign(target, value);
    return exit;
  }

  private handlerFor(s: Extract<Stmt, { kind: 'try' }>, e: PyError): Extract<Stmt, { kind: 'try' }>['handlers'][number] | undefined {
    return s.handlers.find((h) => h.type === null || this.handles(this.eval(h.type), e));
  }

  private execTry(s: Extract<Stmt, { kind: 'try' }>): number {
    try {
      let c: number;
      try {
        c = this.execBlock(s.body);
      } catch (e) {
        if (!(e instanceof PyError)) throw e;
        const handler = this.handlerFor(s, e);
        if (!handler) throw e;
        this.handling.push(e);
        try {
          if (handler.name) this.storeName(handler.name, exceptionOf(e));
          return this.execBlock(handler.body);
        } finally {
          this.handling.pop();
          // Python deletes the name bound by `except ... as name` when the handler ends.
          if (handler.name) this.unbindName(handler.name, false);
        }
      }
      return c === NORMAL ? this.execBlock(s.orelse) : c;
    } finally {
      if (s.finalbody.length) {
        const c = this.execBlock(s.finalbody);
        // `return`/`break` in a finally block replaces the pending outcome, exception included.
        // eslint-disable-next-line no-unsafe-finally
        if (c !== NORMAL) return c;
      }
    }
  }

  private handles(cls: PyValue, e: PyError): boolean {
    if (cls instanceof PyTuple) return cls.items.some((c) => this.handles(c, e));
    if (cls instanceof PyClass && isExceptionClass(cls)) return exceptionClassOf(e).isSubclassOf(cls);
    if (typeOf(cls).name === 'module' && !(cls instanceof PyClass)) throw new UnsupportedError('catching an exception class dzdx does not provide is not supported');
    throw new PyError('TypeError', 'catching classes that do not inherit from BaseException is not allowed');
  }

  /** The exception instance a `raise` statement raises. */
  private exceptionValue(v: PyValue, what: string): PyInstance {
    if (v instanceof PyClass && isExceptionClass(v)) {
      const inst = callValue(v, []);
      if (inst instanceof PyInstance && isExceptionClass(inst.cls)) return inst;
      throw new PyError('TypeError', `calling ${str(v)} should have returned an instance of BaseException, not ${typeOf(inst).name}`);
    }
    if (v instanceof PyInstance && isExceptionClass(v.cls)) return v;
    throw new PyError('TypeError', what);
  }

  private execRaise(s: Extract<Stmt, { kind: 'raise' }>): number {
    if (!s.exc) {
      const current = this.handling[this.handling.length - 1];
      if (!current) throw new PyError('RuntimeError', 'No active exception to reraise');
      throw current;
    }
    const exc = this.exceptionValue(this.eval(s.exc), 'exceptions must derive from BaseException');
    if (s.cause) {
      const cause = this.eval(s.cause);
      exceptionState(exc).cause = cause === null ? null : this.exceptionValue(cause, 'exception causes must derive from BaseException');
    }
    let message: string;
    try {
      message = str(exc);
    } catch {
      message = '<exception str() failed>';
    }
    throw new RaisedError(exc, message);
  }

  private execDef(s: Extract<Stmt, { kind: 'def' }>): number {
    const decorators = s.decorators.map((d) => this.eval(d));
    let fn: PyValue = this.makeFunction(s.code);
    for (let i = decorators.length - 1; i >= 0; i--) {
      this.exprPos = s.decorators[i]!.pos;
      fn = callValue(decorators[i]!, [fn]);
    }
    this.storeName(s.target, fn);
    return NORMAL;
  }

  private makeFunction(code: FunctionCode): PyFunction {
    const defaults = code.params.map((p) => (p.default ? this.eval(p.default) : undefined));
    const info = code.scope;
    const closure = info.closure.length ? info.closure.map((i) => this.frame.cells[i]!) : NO_CELLS;
    return new PyFunction(code, defaults, closure);
  }

  /** The cells of a new frame: its own (empty) ones, then the closure's. */
  private newCells(info: ScopeInfo, closure: Cell[]): Cell[] {
    if (info.cells.length === 0) return NO_CELLS;
    const cells: Cell[] = new Array(info.cells.length);
    for (let i = 0; i < info.ownCells; i++) cells[i] = { value: undefined };
    for (let j = 0; j < closure.length; j++) cells[info.ownCells + j] = closure[j]!;
    return cells;
  }

  private execClass(s: Extract<Stmt, { kind: 'class' }>): number {
    const decorators = s.decorators.map((d) => this.eval(d));
    const bases = s.bases.map((b) => this.eval(b));
    const info = s.scope;
    const closure = info.closure.map((i) => this.frame.cells[i]!);
    const ns = new Map<string, PyValue>([
      ['__module__', '__main__'],
      ['__qualname__', s.qualname],
    ]);
    if (s.docstring !== null) ns.set('__doc__', s.docstring);
    const frame = new Frame(s.name, info, [], this.newCells(info, closure), ns);
    const saved = this.frame;
    this.frame = frame;
    try {
      this.execBlock(s.body);
    } finally {
      this.frame = saved;
    }
    this.exprPos = s.pos;
    let cls: PyValue = makeClass(s.name, s.qualname, bases, ns);
    if (info.classCell >= 0) frame.cells[info.classCell]!.value = cls;
    for (let i = decorators.length - 1; i >= 0; i--) cls = callValue(decorators[i]!, [cls]);
    this.storeName(s.target, cls);
    return NORMAL;
  }

  // ---- names ----

  private loadName(e: NameNode): PyValue {
    switch (e.ref) {
      case REF_FAST: {
        const v = this.frame.fast[e.slot];
        if (v === undefined) throw this.unboundLocal(e.id);
        return v;
      }
      case REF_CELL: {
        const v = this.frame.cells[e.slot]!.value;
        if (v === undefined) {
          if (e.slot < this.frame.info!.ownCells) throw this.unboundLocal(e.id);
          throw new PyError('NameError', `cannot access free variable '${e.id}' where it is not associated with a value in enclosing scope`);
        }
        return v;
      }
      case REF_CLASS: {
        const v = this.frame.ns!.get(e.id);
        if (v !== undefined) return v;
        if (e.slot >= 0) {
          const c = this.frame.cells[e.slot]!.value;
          if (c !== undefined) return c;
          throw new PyError('NameError', `cannot access free variable '${e.id}' where it is not associated with a value in enclosing scope`);
        }
        return this.loadGlobal(e);
      }
      default:
        return this.loadGlobal(e);
    }
  }

  private loadGlobal(e: NameNode): PyValue {
    const name = e.id;
    const v = this.globals.get(name);
    if (v !== undefined) return v;
    const b = this.builtins.get(name) ?? this.shared.get(name);
    if (b !== undefined) return b;
    this.exprPos = e.pos;
    // Python has it (open, eval, exec, input, __import__, globals ...): dzdx refuses it.
    if (knownNames('module:builtins')?.has(name)) throw new UnsupportedError(`the builtin ${name} is not supported`);
    const err = new PyError('NameError', `name '${name}' is not defined`);
    nameErrorContext.set(err, { name, scopes: this.suggestionScopes() });
    throw err;
  }

  private unboundLocal(name: string): PyError {
    return new PyError('UnboundLocalError', `cannot access local variable '${name}' where it is not associated with a value`);
  }

  /** The names Python's NameError suggestion looks through: the frame's variables, the globals, the builtins. */
  private suggestionScopes(): () => string[][] {
    const frame = this.frame;
    return () => [frame.info?.locals ?? [], [...this.globals.keys()], [...(knownNames('module:builtins') ?? [])]];
  }

  /** `dir()` without an argument: the names bound in the current scope. */
  private scopeNames(): string[] {
    const f = this.frame;
    if (f.ns) return [...f.ns.keys()];
    if (f.info) {
      const names = f.info.locals.filter((_, i) => f.fast[i] !== undefined);
      f.info.cells.forEach((n, i) => f.cells[i]!.value !== undefined && !names.includes(n) && names.push(n));
      return names;
    }
    return [...this.globals.keys()];
  }

  private storeName(t: NameNode, v: PyValue): void {
    switch (t.ref) {
      case REF_FAST:
        this.frame.fast[t.slot] = v;
        break;
      case REF_CELL:
        this.frame.cells[t.slot]!.value = v;
        break;
      case REF_CLASS:
        this.frame.ns!.set(t.id, v);
        break;
      default:
        this.globals.set(t.id, v);
    }
    this.io.assigned?.(t.id, v, this.line);
  }

  /** `del name`; `strict` false for the implicit delete after an except handler. */
  private unbindName(t: NameNode, strict: boolean): void {
    let existed: boolean;
    switch (t.ref) {
      case REF_FAST:
        existed = this.frame.fast[t.slot] !== undefined;
        this.frame.fast[t.slot] = undefined;
        if (!existed && strict) throw this.unboundLocal(t.id);
        return;
      case REF_CELL:
        existed = this.frame.cells[t.slot]!.value !== undefined;
        this.frame.cells[t.slot]!.value = undefined;
        if (!existed && strict) throw this.unboundLocal(t.id);
        return;
      case REF_CLASS:
        existed = this.frame.ns!.delete(t.id);
        break;
      default:
        existed = this.globals.delete(t.id);
    }
    if (!existed && strict) {
      const err = new PyError('NameError', `name '${t.id}' is not defined`);
      nameErrorContext.set(err, { name: t.id, scopes: this.suggestionScopes() });
      throw err;
    }
  }

  // ---- targets ----

  private assign(t: Target, value: PyValue): void {
    switch (t.kind) {
      case 'name':
        return this.storeName(t, value);
      case 'attr': {
        const obj = this.eval(t.obj);
        this.exprPos = t.pos;
        return setAttr(obj, t.name, value);
      }
      case 'subscript': {
        const obj = this.eval(t.obj);
        const index = this.eval(t.index);
        this.exprPos = t.pos;
        return setItem(obj, index, value);
      }
      case 'tuple':
        return this.unpack(t, value);
      case 'starred':
        return this.assign(t.value, value);
    }
  }

  private unpack(t: Extract<Target, { kind: 'tuple' }>, value: PyValue): void {
    let items: PyValue[];
    if (Array.isArray(value)) items = value.slice();
    else if (value instanceof PyTuple) items = value.items;
    else {
      try {
        items = [...iterate(value)];
      } catch (e) {
        if (e instanceof PyError && e.pyType === 'TypeError' && /object is not iterable$/.test(e.message)) {
          throw new PyError('TypeError', `cannot unpack non-iterable ${typeOf(value).name} object`);
        }
        throw e;
      }
    }
    const star = t.elts.findIndex((e) => e.kind === 'starred');
    const n = t.elts.length;
    if (star < 0) {
      if (items.length !== n) {
        throw new PyError(
          'ValueError',
          items.length > n ? `too many values to unpack (expected ${n})` : `not enough values to unpack (expected ${n}, got ${items.length})`,
        );
      }
      for (let i = 0; i < n; i++) this.assign(t.elts[i]!, items[i]!);
      return;
    }
    const after = n - star - 1;
    if (items.length < n - 1) throw new PyError('ValueError', `not enough values to unpack (expected at least ${n - 1}, got ${items.length})`);
    for (let i = 0; i < star; i++) this.assign(t.elts[i]!, items[i]!);
    this.assign(t.elts[star]!, items.slice(star, items.length - after));
    for (let i = 0; i < after; i++) this.assign(t.elts[star + 1 + i]!, items[items.length - after + i]!);
  }

  private delete(t: Target): void {
    switch (t.kind) {
      case 'name':
        return this.unbindName(t, true);
      case 'attr': {
        const obj = this.eval(t.obj);
        this.exprPos = t.pos;
        return delAttr(obj, t.name);
      }
      case 'subscript': {
        const obj = this.eval(t.obj);
        const index = this.eval(t.index);
        this.exprPos = t.pos;
        return delItem(obj, index);
      }
      case 'tuple':
        for (const e of t.elts) this.delete(e);
        return;
      case 'starred':
        return this.delete(t.value);
    }
  }

  /** `a op= b`: the target is evaluated once; the in-place form when the type has one. */
  private augAssign(t: Target, op: Extract<Stmt, { kind: 'augassign' }>['op'], valueExpr: Expr, pos: Pos): void {
    switch (t.kind) {
      case 'name': {
        const current = this.loadName(t);
        const value = this.eval(valueExpr);
        this.exprPos = pos;
        return this.storeName(t, this.inPlace(op, current, value, valueExpr));
      }
      case 'attr': {
        const obj = this.eval(t.obj);
        this.exprPos = t.pos;
        const current = getAttr(obj, t.name);
        const value = this.eval(valueExpr);
        this.exprPos = pos;
        const result = this.inPlace(op, current, value, valueExpr);
        this.exprPos = t.pos;
        return setAttr(obj, t.name, result);
      }
      case 'subscript': {
        const obj = this.eval(t.obj);
        const index = this.eval(t.index);
        this.exprPos = t.pos;
        const current = getItem(obj, index);
        const value = this.eval(valueExpr);
        this.exprPos = pos;
        const result = this.inPlace(op, current, value, valueExpr);
        this.exprPos = t.pos;
        return setItem(obj, index, result);
      }
      default:
        throw new PyError('TypeError', 'illegal expression for augmented assignment');
    }
  }

  /** `current op= value`; a tensor's in-place op consumes a temporary `value` (`w -= lr * w.grad`). */
  private inPlace(op: Extract<Stmt, { kind: 'augassign' }>['op'], current: PyValue, value: PyValue, valueExpr: Expr): PyValue {
    const result = inPlace(op, current, value);
    if (current instanceof Tensor && !(value instanceof PyInstance)) consumed(valueExpr, value, result);
    return result;
  }

  // ---- expressions ----

  eval(e: Expr): PyValue {
    switch (e.kind) {
      case 'name':
        return this.loadName(e);
      case 'num':
        return e.isInt ? e.big! : e.value;
      case 'attr':
        return this.evalAttr(e);
      case 'call':
        return this.call(e);
      case 'binary':
        return this.evalBinary(e);
      case 'str':
        return e.value;
      case 'subscript':
        return this.evalSubscript(e);
      case 'compare':
        return this.evalCompare(e);
      case 'bool':
        return e.value;
      case 'none':
        return null;
      case 'unary':
        return this.evalUnary(e);
      case 'boolop':
        return this.evalBoolop(e);
      case 'ifexp':
        return truthy(this.eval(e.test)) ? this.eval(e.body) : this.eval(e.orelse);
      case 'fstr':
        return this.evalFstring(e);
      case 'tuple':
        return new PyTuple(this.evalElements(e.elts));
      case 'list':
        return this.evalElements(e.elts);
      case 'set':
        return this.evalSet(e);
      case 'dict':
        return this.evalDict(e);
      case 'slice':
        return new SliceValue(e.lower ? this.eval(e.lower) : null, e.upper ? this.eval(e.upper) : null, e.step ? this.eval(e.step) : null);
      case 'lambda':
        return this.makeFunction(e.code);
      case 'comp':
        return this.comprehension(e);
      case 'namedexpr':
        return this.evalNamed(e);
      case 'ellipsis':
        return Ellipsis;
      case 'unsupported':
        this.exprPos = e.pos;
        throw new UnsupportedError(e.message);
      case 'yield':
        // A generator function's statement walker runs `yield` where it is a statement or an assignment's value.
        this.exprPos = e.pos;
        throw new UnsupportedError(`'yield' inside an expression is not supported (only as a statement, \`yield x\`, or an assignment's value, \`y = yield x\`)`);
      case 'starred':
        throw new Error('a starred expression outside a display or a call (the parser refuses it)');
    }
  }

  // Each kind in a method of its own keeps eval's stack frame small: it is on the stack once per nesting level.

  private evalAttr(e: Extract<Expr, { kind: 'attr' }>): PyValue {
    const obj = this.eval(e.obj);
    this.exprPos = e.pos;
    return getAttr(obj, e.name);
  }

  private evalSubscript(e: Extract<Expr, { kind: 'subscript' }>): PyValue {
    const obj = this.eval(e.obj);
    const index = this.eval(e.index);
    this.exprPos = e.pos;
    return getItem(obj, index);
  }

  private evalCompare(e: Extract<Expr, { kind: 'compare' }>): PyValue {
    let left = this.eval(e.operands[0]!);
    let result: PyValue = true;
    for (let i = 0; i < e.ops.length; i++) {
      const right = this.eval(e.operands[i + 1]!);
      this.exprPos = e.pos;
      result = compare(e.ops[i]!, left, right);
      if (i < e.ops.length - 1 && !truthy(result)) return result;
      left = right;
    }
    return result;
  }

  private evalBinary(e: Extract<Expr, { kind: 'binary' }>): PyValue {
    const left = this.eval(e.left);
    const right = this.eval(e.right);
    this.exprPos = e.pos;
    const mark = temporaryMark();
    const result = binary(e.op, left, right);
    // no script class's __op__ ran: a tensor result is a registry op's
    if (result instanceof Tensor && !(left instanceof PyInstance) && !(right instanceof PyInstance)) {
      consumed(e.left, left, result);
      consumed(e.right, right, result);
      made(e, result, mark);
    }
    return result;
  }

  private evalUnary(e: Extract<Expr, { kind: 'unary' }>): PyValue {
    const v = this.eval(e.operand);
    this.exprPos = e.pos;
    const mark = temporaryMark();
    const result = unary(e.op, v);
    if (v instanceof Tensor) {
      consumed(e.operand, v, result);
      made(e, result, mark);
    }
    return result;
  }

  private evalBoolop(e: Extract<Expr, { kind: 'boolop' }>): PyValue {
    let v: PyValue = null;
    for (const x of e.values) {
      v = this.eval(x);
      if (e.op === 'and' ? !truthy(v) : truthy(v)) return v;
    }
    return v;
  }

  private evalFstring(e: Extract<Expr, { kind: 'fstr' }>): PyValue {
    let out = '';
    for (const p of e.parts) out += this.fstringPart(p, e.pos);
    return out;
  }

  private evalSet(e: Extract<Expr, { kind: 'set' }>): PyValue {
    const s = new PySet();
    if (e.elts.length > 2 && e.elts.every(isConstant)) {
      // CPython compiles a display of 3+ constants to a frozenset constant merged into a new set: its table order.
      const frozen = new PySet(true);
      for (const v of this.evalElements(e.elts)) frozen.add(v);
      s.update(frozen);
      return s;
    }
    for (const v of this.evalElements(e.elts)) s.add(v);
    return s;
  }

  private evalDict(e: Extract<Expr, { kind: 'dict' }>): PyValue {
    const d = new PyDict();
    for (let i = 0; i < e.keys.length; i++) {
      const k = e.keys[i];
      if (k === null) {
        const m = this.eval(e.values[i]!);
        this.exprPos = e.values[i]!.pos;
        if (!(m instanceof PyDict) && !(m instanceof PyInstance && lookupSpecial(m, 'keys') !== undefined)) {
          throw new PyError('TypeError', `'${typeOf(m).name}' object is not a mapping`);
        }
        for (const [key, value] of mappingItems(m)) d.set(key, value);
      } else {
        const key = this.eval(k);
        d.set(key, this.eval(e.values[i]!));
      }
    }
    return d;
  }

  private evalNamed(e: Extract<Expr, { kind: 'namedexpr' }>): PyValue {
    const v = this.eval(e.value);
    this.storeName(e.target, v);
    return v;
  }

  /** The items of a display, with `*iterable` items spread. */
  private evalElements(elts: readonly Expr[]): PyValue[] {
    const out: PyValue[] = [];
    for (const x of elts) {
      if (x.kind === 'starred') {
        const v = this.eval(x.value);
        this.exprPos = x.pos;
        for (const item of iterate(v)) out.push(item);
      } else {
        out.push(this.eval(x));
      }
    }
    return out;
  }

  private fstringPart(p: FStringPart, pos: Pos): string {
    if (p.kind === 'text') return p.value;
    const v = convert(this.eval(p.expr), p.conversion);
    let spec = '';
    if (p.spec) for (const q of p.spec) spec += this.fstringPart(q, pos);
    this.exprPos = pos;
    return formatValue(v, spec);
  }

  private call(e: Extract<Expr, { kind: 'call' }>): PyValue {
    const f = e.fn;
    let callee: PyValue;
    let self: PyValue | undefined;
    if (f.kind === 'attr') {
      const obj = this.eval(f.obj);
      this.exprPos = f.pos;
      if (obj instanceof PyInstance) {
        // obj.method(...) without a bound-method object in between.
        const d = obj.cls.lookup(f.name);
        if (d instanceof PyFunction && !obj.attrs.has(f.name)) {
          callee = d;
          self = obj;
        } else {
          callee = getAttr(obj, f.name);
        }
      } else {
        callee = getAttr(obj, f.name);
      }
    } else {
      callee = this.eval(f);
      if (callee === superClass && e.args.length === 0 && e.kwargs.length === 0) return this.zeroArgSuper();
    }
    const args = e.args.length === 0 ? [] : this.evalArgs(e.args, callee);
    const kwargs = e.kwargs.length === 0 ? NO_KWARGS : this.evalKwargs(e.kwargs, callee);
    this.exprPos = e.pos;
    if (callee instanceof PyFunction) return this.runFunction(callee, args, kwargs, self);
    if (callee instanceof BoundMethod && callee.fn instanceof PyFunction) return this.runFunction(callee.fn, args, kwargs, callee.self);
    if (!(callee instanceof Builtin && callee.pure)) return callValue(callee, args, kwargs);
    const mark = temporaryMark();
    const result = callValue(callee, args, kwargs);
    // the op's tensors: `t` of `t.exp()`, and the positional arguments (where no * spread moved them)
    if (f.kind === 'attr' && callee.self instanceof Tensor) consumed(f.obj, callee.self, result);
    if (args.length === e.args.length) for (let i = 0; i < args.length; i++) consumed(e.args[i]!, args[i]!, result);
    made(e, result, mark);
    return result;
  }

  private evalArgs(exprs: readonly Expr[], callee: PyValue): PyValue[] {
    const args: PyValue[] = [];
    for (const a of exprs) {
      if (a.kind === 'starred') {
        const v = this.eval(a.value);
        this.exprPos = a.pos;
        if (Array.isArray(v)) {
          for (const x of v) args.push(x);
          continue;
        }
        try {
          for (const x of iterate(v)) args.push(x);
        } catch (err) {
          if (err instanceof PyError && err.pyType === 'TypeError' && /object is not iterable$/.test(err.message)) {
            throw new PyError('TypeError', `${this.calleeName(callee)} argument after * must be an iterable, not ${typeOf(v).name}`);
          }
          throw err;
        }
      } else {
        args.push(this.eval(a));
      }
    }
    return args;
  }

  private evalKwargs(keywords: Extract<Expr, { kind: 'call' }>['kwargs'], callee: PyValue): Kwargs {
    const kwargs: Kwargs = new Map();
    for (const k of keywords) {
      const v = this.eval(k.value);
      if (k.name !== null) {
        if (kwargs.has(k.name)) throw new PyError('TypeError', `${this.calleeName(callee)} got multiple values for keyword argument '${k.name}'`);
        kwargs.set(k.name, v);
        continue;
      }
      this.exprPos = k.pos;
      if (!(v instanceof PyDict) && !(v instanceof PyInstance && lookupSpecial(v, 'keys') !== undefined)) {
        throw new PyError('TypeError', `${this.calleeName(callee)} argument after ** must be a mapping, not ${typeOf(v).name}`);
      }
      for (const [key, value] of mappingItems(v)) {
        if (typeof key !== 'string') throw new PyError('TypeError', 'keywords must be strings');
        if (kwargs.has(key)) throw new PyError('TypeError', `${this.calleeName(callee)} got multiple values for keyword argument '${key}'`);
        kwargs.set(key, value);
      }
    }
    return kwargs;
  }

  /** CPython's _PyObject_FunctionStr: `__main__.f()`, `len()`. */
  private calleeName(f: PyValue): string {
    const fn = f instanceof BoundMethod ? f.fn : f;
    if (fn instanceof PyFunction) return `${fn.module}.${fn.qualname}()`;
    if (fn instanceof PyClass) return fn.module === 'builtins' ? `${fn.qualname}()` : `${fn.module}.${fn.qualname}()`;
    if (fn instanceof Builtin) return fn.module === 'builtins' || fn.self !== undefined ? `${fn.name}()` : `${fn.module}.${fn.name}()`;
    return str(f);
  }

  /** `super()` inside a method: the class that defines the method (its `__class__` cell) and the first argument. */
  private zeroArgSuper(): PySuper {
    const f = this.frame;
    const info = f.info;
    if (!info || f.ns) throw new PyError('RuntimeError', 'super(): no arguments');
    if (info.classCell < 0) throw new PyError('RuntimeError', 'super(): __class__ cell not found');
    const cls = f.cells[info.classCell]!.value;
    if (!(cls instanceof PyClass)) throw new PyError('RuntimeError', 'super(): empty __class__ cell');
    if (info.locals.length === 0) throw new PyError('RuntimeError', 'super(): no arguments');
    const cell = info.paramCells.find(([slot]) => slot === 0);
    const obj = cell ? f.cells[cell[1]]!.value : f.fast[0];
    if (obj === undefined) throw new PyError('RuntimeError', 'super(): arg[0] deleted');
    const objType = obj instanceof PyClass && obj.isSubclassOf(cls) ? obj : typeOf(obj);
    if (!objType.isSubclassOf(cls)) throw new PyError('TypeError', 'super(type, obj): obj must be an instance or subtype of type');
    return new PySuper(cls, obj, objType);
  }

  // ---- calls ----

  /** A call of a script function from TypeScript code (Host): a builtin, an operator, a native class. */
  callFunction(fn: PyFunction, args: PyValue[], kwargs: Kwargs, self?: PyValue): PyValue {
    if (this.callDepth >= this.limits.maxCallDepth) throw new PyError('RecursionError', 'maximum recursion depth exceeded while calling a Python object');
    return this.runFunction(fn, args, kwargs, self);
  }

  /** A call of a script function, from the script itself or from TypeScript code. */
  private runFunction(fn: PyFunction, args: PyValue[], kwargs: Kwargs, self?: PyValue): PyValue {
    const frame = this.newFrame(fn, args, kwargs, self);
    if (fn.code.isGenerator) return this.makeGenerator(fn, frame);
    const saved = this.frame;
    const savedLine = this.line;
    // A return value on its way out of the caller (through a finally block or __exit__) must survive this call.
    const pending = this.returnValue;
    const savedGrad = fn.gradMode === null ? null : isGradEnabled();
    this.frame = frame;
    if (++this.callDepth > this.deepest) this.deepest = this.callDepth;
    if (fn.gradMode !== null) setGradEnabled(fn.gradMode);
    try {
      if (this.execBlock(fn.code.body) !== RETURN) return null;
      return this.returnValue;
    } catch (e) {
      if (e instanceof PyError) tracebackOf(e).push({ name: frame.name, line: this.line });
      throw e;
    } finally {
      this.frame = saved;
      this.line = savedLine;
      this.returnValue = pending;
      this.io.statement?.(savedLine);
      this.callDepth--;
      if (savedGrad !== null) setGradEnabled(savedGrad);
    }
  }

  /** The frame of a call: its arguments bound, its cells made (kept out of runFunction, whose frame deep recursion stacks). */
  private newFrame(fn: PyFunction, args: PyValue[], kwargs: Kwargs, self: PyValue | undefined): Frame {
    if (this.callDepth >= this.limits.maxCallDepth) throw new PyError('RecursionError', 'maximum recursion depth exceeded');
    const info = fn.code.scope;
    const fast: (PyValue | undefined)[] = new Array(info.locals.length);
    this.bindArguments(fn, fast, args, kwargs, self);
    let cells = NO_CELLS;
    if (info.cells.length) {
      cells = this.newCells(info, fn.closure);
      for (const [slot, cell] of info.paramCells) cells[cell]!.value = fast[slot];
    }
    return new Frame(fn.code.name, info, fast, cells, null);
  }

  /** Python's binding of a call's arguments to a def's parameters, with CPython's error messages. */
  private bindArguments(fn: PyFunction, fast: (PyValue | undefined)[], args: PyValue[], kwargs: Kwargs, self: PyValue | undefined): void {
    const code = fn.code;
    const params = code.params;
    const sig = signatureOf(code);
    const offset = self === undefined ? 0 : 1;
    const given = args.length + offset;
    const np = sig.positional;
    if (self !== undefined && np > 0) fast[0] = self;
    const take = Math.min(given, np);
    for (let i = offset; i < take; i++) fast[i] = args[i - offset];
    if (sig.varargs >= 0) {
      const rest: PyValue[] = [];
      if (self !== undefined && np === 0) rest.push(self);
      for (let i = Math.max(np, offset) - offset; i < args.length; i++) rest.push(args[i]!);
      fast[sig.varargs] = new PyTuple(rest);
    }
    let extra: PyDict | null = null;
    if (kwargs.size > 0) {
      for (const [k, v] of kwargs) {
        const slot = sig.slots.get(k);
        if (slot === undefined) {
          if (sig.varkw < 0) throw new PyError('TypeError', `${fn.qualname}() got an unexpected keyword argument '${k}'`);
          extra ??= new PyDict();
          extra.set(k, v);
          continue;
        }
        if (fast[slot] !== undefined) throw new PyError('TypeError', `${fn.qualname}() got multiple values for argument '${k}'`);
        fast[slot] = v;
      }
    }
    if (given > np && sig.varargs < 0) {
      const required = params.slice(0, np).filter((p, i) => p.default === null && fn.defaults[i] === undefined).length;
      const takes = required === np ? `${np}` : `from ${required} to ${np}`;
      const kwonlyGiven = sig.keywordOnly.filter((i) => kwargs.has(params[i]!.name)).length;
      const also = kwonlyGiven ? ` positional argument${given === 1 ? '' : 's'} (and ${kwonlyGiven} keyword-only argument${kwonlyGiven === 1 ? '' : 's'})` : '';
      const verb = given === 1 && !also ? 'was' : 'were';
      throw new PyError('TypeError', `${fn.qualname}() takes ${takes} positional argument${np === 1 && required === np ? '' : 's'} but ${given}${also} ${verb} given`);
    }
    let missing: string[] | null = null;
    for (let i = 0; i < np; i++) {
      if (fast[i] === undefined) {
        const d = fn.defaults[i];
        if (d !== undefined) fast[i] = d;
        else (missing ??= []).push(params[i]!.name);
      }
    }
    if (missing) {
      throw new PyError('TypeError', `${fn.qualname}() missing ${missing.length} required positional argument${missing.length === 1 ? '' : 's'}: ${nameList(missing)}`);
    }
    for (const i of sig.keywordOnly) {
      if (fast[i] === undefined) {
        const d = fn.defaults[i];
        if (d !== undefined) fast[i] = d;
        else (missing ??= []).push(params[i]!.name);
      }
    }
    if (missing) {
      throw new PyError('TypeError', `${fn.qualname}() missing ${missing.length} required keyword-only argument${missing.length === 1 ? '' : 's'}: ${nameList(missing)}`);
    }
    if (sig.varkw >= 0) fast[sig.varkw] = extra ?? new PyDict();
  }

  // ---- generator functions ----

  /**
   * A call of a generator function: a generator object whose steps run the
   * body in its own frame (made by the call) up to the next `yield`. The
   * body is walked by genBlock, a JavaScript generator: statements holding
   * no `yield` run as usual (execOne), the others (a `yield` statement,
   * `x = yield v`, and the if/for/while/with/try around them) by their
   * suspendable versions below.
   */
  private makeGenerator(fn: PyFunction, frame: Frame): PyValue {
    const body = this.genBlock(fn.code.body, fn.code.yieldStmts ?? new Set<Stmt>());
    const handling: PyError[] = [];
    let line = fn.code.pos.line;
    let running = false;
    const self = this;
    const steps: Iterator<PyValue> = {
      next(): IteratorResult<PyValue> {
        if (running) throw new PyError('ValueError', 'generator already executing');
        if (self.callDepth >= self.limits.maxCallDepth) throw new PyError('RecursionError', 'maximum recursion depth exceeded');
        const [savedFrame, savedLine, pending, savedHandling, savedPos] = [self.frame, self.line, self.returnValue, self.handling, self.exprPos];
        const savedGrad = fn.gradMode === null ? null : isGradEnabled();
        self.frame = frame;
        self.line = line;
        self.handling = handling;
        running = true;
        if (++self.callDepth > self.deepest) self.deepest = self.callDepth;
        if (fn.gradMode !== null) setGradEnabled(fn.gradMode);
        try {
          return body.next() as IteratorResult<PyValue>;
        } catch (e) {
          if (e instanceof PyError) tracebackOf(e).push({ name: frame.name, line: self.line });
          throw e;
        } finally {
          running = false;
          line = self.line;
          self.frame = savedFrame;
          self.line = savedLine;
          self.returnValue = pending;
          self.handling = savedHandling;
          self.exprPos = savedPos;
          self.io.statement?.(savedLine);
          self.callDepth--;
          if (savedGrad !== null) setGradEnabled(savedGrad);
        }
      },
    };
    return makeIterator('generator', steps, fn.code.qualname);
  }

  /** One statement, as execBlock runs each. */
  private execOne(s: Stmt): number {
    try {
      this.line = s.pos.line;
      this.io.statement?.(s.pos.line);
      this.tickAt(s.pos);
      this.exprPos = null;
      return this.execStmt(s);
    } catch (e) {
      if (e instanceof LimitError) throw limitError(this.exprPos ?? s.pos, e.message);
      if (e instanceof UnsupportedError) throw unsupported(this.exprPos ?? s.pos, e.message);
      throw e;
    }
  }

  private *genBlock(body: readonly Stmt[], ys: Set<Stmt>): Generator<PyValue, number, undefined> {
    for (let i = 0; i < body.length; i++) {
      const s = body[i]!;
      let c: number;
      if (!ys.has(s)) c = this.execOne(s);
      else {
        try {
          this.line = s.pos.line;
          this.io.statement?.(s.pos.line);
          this.tickAt(s.pos);
          this.exprPos = null;
          c = yield* this.genStmt(s, ys);
        } catch (e) {
          if (e instanceof LimitError) throw limitError(this.exprPos ?? s.pos, e.message);
          if (e instanceof UnsupportedError) throw unsupported(this.exprPos ?? s.pos, e.message);
          throw e;
        }
      }
      if (c !== NORMAL) return c;
    }
    return NORMAL;
  }

  /** A statement holding a `yield`. */
  private *genStmt(s: Stmt, ys: Set<Stmt>): Generator<PyValue, number, undefined> {
    switch (s.kind) {
      case 'expr':
        if (s.expr.kind !== 'yield') break;
        yield* this.genYield(s.expr);
        return NORMAL;
      case 'assign': {
        if (s.value.kind !== 'yield') break;
        const value = yield* this.genYield(s.value);
        for (const t of s.targets) this.assign(t, value);
        return NORMAL;
      }
      case 'if':
        return yield* this.genBlock(truthy(this.eval(s.test)) ? s.body : s.orelse, ys);
      case 'for': {
        const iterable = this.eval(s.iter);
        for (const value of iterate(iterable)) {
          this.tickAt(s.pos);
          this.assign(s.target, value);
          const c = yield* this.genBlock(s.body, ys);
          if (c === BREAK) return NORMAL;
          if (c === RETURN) return c;
          this.line = s.pos.line;
        }
        return yield* this.genBlock(s.orelse, ys);
      }
      case 'while':
        while (truthy(this.eval(s.test))) {
          this.tickAt(s.pos);
          const c = yield* this.genBlock(s.body, ys);
          if (c === BREAK) return NORMAL;
          if (c === RETURN) return c;
          this.line = s.pos.line;
        }
        return yield* this.genBlock(s.orelse, ys);
      case 'with':
        return yield* this.genWith(s.items, 0, s.body, ys);
      case 'try':
        return yield* this.genTry(s, ys);
      default:
        break;
    }
    // The `yield` stands inside an expression: eval refuses it there.
    return this.execStmt(s);
  }

  private *genYield(e: Extract<Expr, { kind: 'yield' }>): Generator<PyValue, PyValue, undefined> {
    if (e.from) {
      const source = iterate(this.eval(e.value!));
      for (const v of source) yield v;
      return null;
    }
    yield e.value ? this.eval(e.value) : null;
    return null; // send() is not provided: a yield's value is None
  }

  private *genWith(items: Extract<Stmt, { kind: 'with' }>['items'], i: number, body: readonly Stmt[], ys: Set<Stmt>): Generator<PyValue, number, undefined> {
    if (i === items.length) return yield* this.genBlock(body, ys);
    const item = items[i]!;
    const ctx = this.eval(item.context);
    const exit = this.enterContext(ctx, item.target);
    let c: number;
    try {
      c = yield* this.genWith(items, i + 1, body, ys);
    } catch (e) {
      if (e instanceof PyError) {
        const exc = exceptionOf(e);
        if (truthy(callBound(exit, ctx, [exc.cls, exc, null]))) return NORMAL;
      }
      throw e;
    }
    callBound(exit, ctx, [null, null, null]);
    return c;
  }

  private *genTry(s: Extract<Stmt, { kind: 'try' }>, ys: Set<Stmt>): Generator<PyValue, number, undefined> {
    try {
      let c: number;
      try {
        c = yield* this.genBlock(s.body, ys);
      } catch (e) {
        if (!(e instanceof PyError)) throw e;
        const handler = this.handlerFor(s, e);
        if (!handler) throw e;
        this.handling.push(e);
        try {
          if (handler.name) this.storeName(handler.name, exceptionOf(e));
          return yield* this.genBlock(handler.body, ys);
        } finally {
          this.handling.pop();
          if (handler.name) this.unbindName(handler.name, false);
        }
      }
      return c === NORMAL ? yield* this.genBlock(s.orelse, ys) : c;
    } finally {
      if (s.finalbody.length) {
        const c = yield* this.genBlock(s.finalbody, ys);
        // eslint-disable-next-line no-unsafe-finally
        if (c !== NORMAL) return c;
      }
    }
  }

  // ---- comprehensions ----

  private comprehension(e: Comprehension): PyValue {
    const first = this.eval(e.generators[0]!.iter);
    this.exprPos = e.generators[0]!.iter.pos;
    const source = iterate(first);
    const info = e.scope;
    const closure = info.closure.map((i) => this.frame.cells[i]!);
    const label = e.type === 'generator' ? '<genexpr>' : `<${e.type === 'list' ? 'list' : e.type === 'set' ? 'set' : 'dict'}comp>`;
    const frame = new Frame(label, info, new Array(info.locals.length), this.newCells(info, closure), null);
    if (e.type === 'generator') return makeIterator('generator', this.generate(e, frame, source), label);
    if (this.callDepth >= this.limits.maxCallDepth) throw new PyError('RecursionError', 'maximum recursion depth exceeded');
    const saved = this.frame;
    this.frame = frame;
    this.callDepth++;
    try {
      if (e.type === 'list') {
        const out: PyValue[] = [];
        this.loop(e, 0, source, () => out.push(this.eval(e.elt)));
        return out;
      }
      if (e.type === 'set') {
        const out = new PySet();
        this.loop(e, 0, source, () => out.add(this.eval(e.elt)));
        return out;
      }
      const out = new PyDict();
      this.loop(e, 0, source, () => {
        const k = this.eval(e.elt);
        out.set(k, this.eval(e.value!));
      });
      return out;
    } catch (err) {
      if (err instanceof PyError) tracebackOf(err).push({ name: label, line: this.line });
      throw err;
    } finally {
      this.frame = saved;
      this.callDepth--;
    }
  }

  private loop(e: Comprehension, level: number, source: Iterable<PyValue>, emit: () => void): void {
    const g = e.generators[level]!;
    const last = level === e.generators.length - 1;
    outer: for (const v of source) {
      this.tickAt(e.pos);
      this.assign(g.target, v);
      for (const c of g.ifs) if (!truthy(this.eval(c))) continue outer;
      if (last) emit();
      else {
        const next = e.generators[level + 1]!;
        this.loop(e, level + 1, iterate(this.eval(next.iter)), emit);
      }
    }
  }

  /** A generator expression's values, computed lazily in its own frame each time the consumer asks. */
  private *generate(e: Comprehension, frame: Frame, source: Iterable<PyValue>): Generator<PyValue> {
    const inFrame = <T>(f: () => T): T => {
      const saved = this.frame;
      this.frame = frame;
      try {
        return f();
      } finally {
        this.frame = saved;
      }
    };
    const n = e.generators.length;
    const iterators: Iterator<PyValue>[] = [source[Symbol.iterator]()];
    let level = 0;
    while (level >= 0) {
      const r = inFrame(() => iterators[level]!.next());
      if (r.done) {
        level--;
        continue;
      }
      const step = inFrame(() => {
        this.tickAt(e.pos);
        const g = e.generators[level]!;
        this.assign(g.target, r.value);
        for (const c of g.ifs) if (!truthy(this.eval(c))) return 'skip' as const;
        if (level === n - 1) return { value: this.eval(e.elt) };
        iterators[level + 1] = iterate(this.eval(e.generators[level + 1]!.iter))[Symbol.iterator]();
        return 'deeper' as const;
      });
      if (step === 'skip') continue;
      if (step === 'deeper') {
        level++;
        continue;
      }
      yield step.value;
    }
  }
}
