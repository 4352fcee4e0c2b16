/**
 * Runs a parsed script over the tape: statements, expressions, scopes and
 * Python's control flow, with bounds on steps, time and call depth.
 */
import { isGradEnabled, setGradEnabled } from '../autograd/grad-mode.js';
import { opsRunSoFar } from '../autograd/record.js';
import { Tensor } from '../autograd/tensor.js';
import { LimitError, PyError, UnsupportedError } from '../tensor/errors.js';
import type { Expr, FStringPart, Pos, Stmt, Target } from './ast.js';
import { getAttribute, setAttribute } from './attributes.js';
import { builtins, exceptionMatches, iterate, makeException } from './builtins.js';
import { ScriptSyntaxError } from './errors.js';
import { binary, compare, unary } from './operators.js';
import { formatValue } from './format-value.js';
import { getItem, setItem } from './subscript.js';
import * as F from '../ops/functional.js';
import { toScalar } from './args.js';
import { importableModules } from './torch-module.js';
import {
  Builtin,
  ELLIPSIS,
  GradModeContext,
  isNumber,
  PyException,
  PyExceptionClass,
  PyFunction,
  PyModule,
  PyTuple,
  SliceValue,
  repr,
  str,
  truthy,
  typeName,
  type CallArgs,
  type PyValue,
} from './values.js';

export interface Limits {
  /** Statements and loop iterations executed. */
  maxSteps: number;
  /** Tensor ops run (each one also grows the autograd graph). */
  maxOps: number;
  maxSeconds: number;
  maxCallDepth: number;
  maxOutputChars: number;
}

export const DEFAULT_LIMITS: Limits = { maxSteps: 2_000_000, maxOps: 50_000, maxSeconds: 10, maxCallDepth: 200, maxOutputChars: 10_000_000 };

export interface InterpreterIO {
  stdout(text: string): void;
  /** A name was bound to a value (dzdx check names tensors after the variables that hold them). */
  assigned?(name: string, value: PyValue, line: number): void;
  statement?(line: number): void;
  /** A warning as Python shows it: the line it was raised on, and its text. */
  warning(line: number, category: string, message: string): void;
}

class BreakSignal {}
class ContinueSignal {}
class ReturnSignal {
  constructor(readonly value: PyValue) {}
}

const limitError = (pos: Pos, message: string) => new ScriptSyntaxError({ kind: 'limit', line: pos.line, col: pos.col, message });
const unsupported = (pos: Pos, message: string) => new ScriptSyntaxError({ kind: 'unsupported', line: pos.line, col: pos.col, message });


export class Interpreter {
  private readonly globals = new Map<string, PyValue>();
  private readonly builtins: Map<string, PyValue>;
  private readonly modules = importableModules((m) => this.warn(m));
  private locals: Map<string, PyValue> | null = null;
  private steps = 0;
  private callDepth = 0;
  private outputChars = 0;
  private readonly deadline: number;
  private readonly opsAtStart = opsRunSoFar();
  private readonly warned = new Set<string>();
  /** The statement being run: where an uncaught error is reported. */
  line = 1;

  constructor(
    private readonly io: InterpreterIO,
    private readonly limits: Limits = DEFAULT_LIMITS,
  ) {
    this.deadline = Date.now() + limits.maxSeconds * 1000;
    this.builtins = builtins((text) => {
      this.outputChars += text.length;
      if (this.outputChars > limits.maxOutputChars) {
        throw limitError({ line: this.line, col: 1 }, `output longer than ${limits.maxOutputChars} characters`);
      }
      io.stdout(text);
    });
  }

  run(body: readonly Stmt[]): void {
    this.execBlock(body);
  }

  private tick(pos: Pos): void {
    this.steps++;
    if (this.steps > this.limits.maxSteps) {
      throw limitError(pos, `the script ran more than ${this.limits.maxSteps} steps (an endless loop?)`);
    }
    if (opsRunSoFar() - this.opsAtStart > this.limits.maxOps) {
      throw limitError(pos, `the script ran more than ${this.limits.maxOps} tensor ops (an endless loop?)`);
    }
    if ((this.steps & 1023) === 0 && Date.now() > this.deadline) {
      throw limitError(pos, `the script ran longer than ${this.limits.maxSeconds} s`);
    }
  }

  private warn(message: string): void {
    const key = `${this.line}:${message}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.io.warning(this.line, 'UserWarning', message);
  }

  private execBlock(body: readonly Stmt[]): void {
    for (const stmt of body) this.exec(stmt);
  }

  private exec(s: Stmt): void {
    this.line = s.pos.line;
    this.io.statement?.(s.pos.line);
    this.tick(s.pos);
    try {
      this.execStmt(s);
    } catch (e) {
      if (e instanceof LimitError) throw limitError(s.pos, e.message);
      throw e;
    }
  }

  private execStmt(s: Stmt): void {
    switch (s.kind) {
      case 'expr':
        this.eval(s.expr);
        return;
      case 'assign': {
        const value = this.eval(s.value);
        for (const t of s.targets) this.assign(t, value);
        return;
      }
      case 'augassign':
        return this.augAssign(s.target, s.op, s.value);
      case 'if':
        return this.execBlock(truthy(this.eval(s.test)) ? s.body : s.orelse);
      case 'for':
        return this.execFor(s);
      case 'while':
        while (truthy(this.eval(s.test))) {
          this.tick(s.pos);
          if (this.loopBody(s.body)) break;
        }
        return;
      case 'with':
        return this.execWith(s.items, 0, s.body, s.pos);
      case 'try':
        return this.execTry(s);
      case 'def':
        return this.execDef(s);
      case 'return':
        throw new ReturnSignal(s.value ? this.eval(s.value) : null);
      case 'pass':
        return;
      case 'break':
        throw new BreakSignal();
      case 'continue':
        throw new ContinueSignal();
      case 'raise': {
        if (!s.exc) throw new PyError('RuntimeError', 'No active exception to reraise');
        let v = this.eval(s.exc);
        if (v instanceof PyExceptionClass) v = makeException(v, { args: [], kwargs: new Map() });
        if (!(v instanceof PyException)) throw new PyError('TypeError', 'exceptions must derive from BaseException');
        throw v.error;
      }
      case 'assert':
        if (!truthy(this.eval(s.test))) throw new PyError('AssertionError', s.msg ? str(this.eval(s.msg)) : '');
        return;
      case 'import':
        return this.execImport(s.module, s.asName, s.pos);
      case 'importfrom':
        for (const n of s.names) {
          const full = `${s.module}.${n.name}`;
          const mod = this.modules.get(full);
          const value = mod ?? this.moduleNamed(s.module, s.pos).attrs.get(n.name);
          if (value === undefined) throw unsupported(s.pos, `'from ${s.module} import ${n.name}' is not supported`);
          this.setName(n.asName ?? n.name, value);
        }
        return;
    }
  }

  private moduleNamed(name: string, pos: Pos): PyModule {
    const mod = this.modules.get(name);
    if (!mod) throw unsupported(pos, `module '${name}' is not supported (dzdx runs torch, torch.nn.functional and math)`);
    return mod;
  }

  private execImport(module: string, asName: string | null, pos: Pos): void {
    const mod = this.moduleNamed(module, pos);
    // `import torch.nn.functional` binds `torch`; with `as F` it binds the submodule.
    if (asName) this.setName(asName, mod);
    else this.setName(module.split('.')[0]!, this.moduleNamed(module.split('.')[0]!, pos));
  }

  /** Runs a loop body; true when it ended with `break`. */
  private loopBody(body: readonly Stmt[]): boolean {
    try {
      this.execBlock(body);
    } catch (e) {
      if (e instanceof BreakSignal) return true;
      if (e instanceof ContinueSignal) return false;
      throw e;
    }
    return false;
  }

  private execFor(s: Extract<Stmt, { kind: 'for' }>): void {
    for (const value of iterate(this.eval(s.iter))) {
      this.tick(s.pos);
      this.assign(s.target, value);
      if (this.loopBody(s.body)) break;
    }
  }

  private execWith(items: Extract<Stmt, { kind: 'with' }>['items'], i: number, body: readonly Stmt[], pos: Pos): void {
    if (i === items.length) return this.execBlock(body);
    const item = items[i]!;
    const ctx = this.eval(item.context);
    if (!(ctx instanceof GradModeContext)) {
      throw unsupported(pos, `'with' on a ${typeName(ctx)} is not supported (only torch.no_grad(), torch.enable_grad(), torch.set_grad_enabled())`);
    }
    const before = ctx.modeBeforeCall ?? isGradEnabled();
    setGradEnabled(ctx.mode);
    if (item.asName) this.setName(item.asName, null);
    try {
      this.execWith(items, i + 1, body, pos);
    } finally {
      setGradEnabled(before);
    }
  }

  private execTry(s: Extract<Stmt, { kind: 'try' }>): void {
    try {
      try {
        this.execBlock(s.body);
      } catch (e) {
        if (!(e instanceof PyError)) throw e;
        const handler = s.handlers.find((h) => h.type === null || this.handles(this.eval(h.type), e));
        if (!handler) throw e;
        if (handler.name) this.setName(handler.name, new PyException(e));
        this.execBlock(handler.body);
        return;
      }
      this.execBlock(s.orelse);
    } finally {
      this.execBlock(s.finalbody);
    }
  }

  private handles(cls: PyValue, e: PyError): boolean {
    if (cls instanceof PyTuple) return cls.items.some((c) => this.handles(c, e));
    if (cls instanceof PyExceptionClass) return exceptionMatches(cls, e);
    throw new PyError('TypeError', 'catching classes that do not inherit from BaseException is not allowed');
  }

  private execDef(s: Extract<Stmt, { kind: 'def' }>): void {
    let gradMode: boolean | null = null;
    for (const d of s.decorators) {
      const v = this.eval(d);
      if (!(v instanceof GradModeContext)) throw unsupported(d.pos, 'decorators other than @torch.no_grad() are not supported');
      gradMode = v.mode;
    }
    const defaults = s.params.map((p) => (p.default ? this.eval(p.default) : undefined));
    this.setName(s.name, new PyFunction(s.name, s.params, defaults, s.body, gradMode));
  }

  private setName(name: string, value: PyValue): void {
    (this.locals ?? this.globals).set(name, value);
    this.io.assigned?.(name, value, this.line);
  }

  private lookup(name: string): PyValue {
    const v = this.locals?.get(name) ?? this.globals.get(name) ?? this.builtins.get(name);
    if (v === undefined) {
      const has = this.locals?.has(name) || this.globals.has(name) || this.builtins.has(name);
      if (!has) throw new PyError('NameError', `name '${name}' is not defined`);
      return null;
    }
    return v;
  }

  private assign(t: Target, value: PyValue): void {
    switch (t.kind) {
      case 'name':
        return this.setName(t.id, value);
      case 'tuple': {
        const items = [...iterate(value)];
        if (items.length !== t.elts.length) {
          throw new PyError(
            'ValueError',
            items.length > t.elts.length
              ? `too many values to unpack (expected ${t.elts.length})`
              : `not enough values to unpack (expected ${t.elts.length}, got ${items.length})`,
          );
        }
        t.elts.forEach((e, i) => this.assign(e, items[i]!));
        return;
      }
      case 'attr':
        return setAttribute(this.eval(t.obj), t.name, value, t.pos);
      case 'subscript':
        return setItem(this.eval(t.obj), this.eval(t.index), value);
    }
  }

  /** `a += b`: in place for tensors (`__iadd__`), rebinding for everything else. */
  private augAssign(t: Target, op: Extract<Stmt, { kind: 'augassign' }>['op'], valueExpr: Expr): void {
    if (t.kind === 'tuple') throw new PyError('SyntaxError' as never, "illegal expression for augmented assignment");
    const obj = t.kind === 'name' ? null : this.eval(t.obj);
    const index = t.kind === 'subscript' ? this.eval(t.index) : null;
    const current =
      t.kind === 'name' ? this.lookup(t.id) : t.kind === 'attr' ? this.attr(obj!, t.name, t.pos) : getItem(obj!, index!);
    const value = this.eval(valueExpr);
    const result = current instanceof Tensor ? inPlaceOp(op, current, value) ?? binary(op, current, value) : binary(op, current, value);
    if (t.kind === 'name') this.setName(t.id, result);
    else if (t.kind === 'attr') setAttribute(obj!, t.name, result, t.pos);
    else setItem(obj!, index!, result);
  }

  private attr(obj: PyValue, name: string, pos: Pos): PyValue {
    return getAttribute(obj, name, pos, (m) => this.warn(m));
  }

  eval(e: Expr): PyValue {
    switch (e.kind) {
      case 'num':
        return e.isInt ? BigInt(e.value) : e.value;
      case 'str':
        return e.value;
      case 'fstr':
        return e.parts.map((p) => this.fstringPart(p)).join('');
      case 'bool':
        return e.value;
      case 'none':
        return null;
      case 'ellipsis':
        return ELLIPSIS;
      case 'name':
        return this.lookup(e.id);
      case 'attr':
        return this.attr(this.eval(e.obj), e.name, e.pos);
      case 'subscript':
        return getItem(this.eval(e.obj), this.eval(e.index));
      case 'slice':
        return new SliceValue(this.optional(e.lower), this.optional(e.upper), this.optional(e.step));
      case 'call':
        return this.call(e);
      case 'binary':
        return binary(e.op, this.eval(e.left), this.eval(e.right));
      case 'unary':
        return unary(e.op, this.eval(e.operand));
      case 'compare': {
        let left = this.eval(e.operands[0]!);
        let result: PyValue = true;
        for (let i = 0; i < e.ops.length; i++) {
          const right = this.eval(e.operands[i + 1]!);
          result = compare(e.ops[i]!, left, right);
          if (!(result instanceof Tensor) && !truthy(result)) return result;
          left = right;
        }
        return result;
      }
      case 'boolop': {
        let v: PyValue = null;
        for (const x of e.values) {
          v = this.eval(x);
          if (e.op === 'and' ? !truthy(v) : truthy(v)) return v;
        }
        return v;
      }
      case 'ifexp':
        return truthy(this.eval(e.test)) ? this.eval(e.body) : this.eval(e.orelse);
      case 'tuple':
        return new PyTuple(e.elts.map((x) => this.eval(x)));
      case 'list':
        return e.elts.map((x) => this.eval(x));
    }
  }

  private optional(e: Expr | null): PyValue {
    return e ? this.eval(e) : null;
  }

  private fstringPart(p: FStringPart): string {
    if (p.kind === 'text') return p.value;
    const v = this.eval(p.expr);
    if (p.conversion === 'r') return formatValue(repr(v), p.spec ?? '');
    return formatValue(v, p.spec ?? '');
  }

  private call(e: Extract<Expr, { kind: 'call' }>): PyValue {
    const fn = this.eval(e.fn);
    const args: CallArgs = { args: e.args.map((a) => this.eval(a)), kwargs: new Map() };
    for (const k of e.kwargs) args.kwargs.set(k.name, this.eval(k.value));
    if (fn instanceof Builtin) {
      try {
        return fn.fn(args);
      } catch (err) {
        // A real PyTorch feature dzdx lacks: outside the subset, at this call.
        if (err instanceof UnsupportedError) throw unsupported(e.pos, err.message);
        throw err;
      }
    }
    if (fn instanceof PyFunction) return this.callFunction(fn, args);
    if (fn instanceof PyExceptionClass) return makeException(fn, args);
    throw new PyError('TypeError', `'${typeName(fn)}' object is not callable`);
  }

  private callFunction(fn: PyFunction, call: CallArgs): PyValue {
    if (this.callDepth >= this.limits.maxCallDepth) {
      throw new PyError('RecursionError', 'maximum recursion depth exceeded');
    }
    const scope = new Map<string, PyValue>();
    fn.params.forEach((p, i) => {
      const v = i < call.args.length ? call.args[i] : call.kwargs.get(p.name) ?? fn.defaults[i];
      if (v === undefined) throw new PyError('TypeError', `${fn.name}() missing 1 required positional argument: '${p.name}'`);
      scope.set(p.name, v);
    });
    if (call.args.length > fn.params.length) {
      const required = fn.defaults.filter((d) => d === undefined).length;
      const takes = required === fn.params.length ? `${required}` : `from ${required} to ${fn.params.length}`;
      const s = fn.params.length === 1 && required === 1 ? '' : 's';
      throw new PyError('TypeError', `${fn.name}() takes ${takes} positional argument${s} but ${call.args.length} were given`);
    }
    for (const k of call.kwargs.keys()) {
      if (!fn.params.some((p) => p.name === k)) throw new PyError('TypeError', `${fn.name}() got an unexpected keyword argument '${k}'`);
    }
    const saved = { locals: this.locals, line: this.line, grad: isGradEnabled() };
    this.locals = scope;
    this.callDepth++;
    if (fn.gradMode !== null) setGradEnabled(fn.gradMode);
    try {
      this.execBlock(fn.body);
      return null;
    } catch (err) {
      if (err instanceof ReturnSignal) return err.value;
      throw err;
    } finally {
      this.locals = saved.locals;
      this.line = saved.line;
      this.io.statement?.(saved.line);
      this.callDepth--;
      if (fn.gradMode !== null) setGradEnabled(saved.grad);
    }
  }
}

/** `t += v` is `t.add_(v)` (Python's `__iadd__`); operators without an in-place form rebind. */
const IN_PLACE: Partial<Record<string, (t: Tensor, v: F.Operand) => Tensor>> = {
  '+': F.addInPlace,
  '-': F.subInPlace,
  '*': F.mulInPlace,
  '/': F.divInPlace,
};

function inPlaceOp(op: string, t: Tensor, value: PyValue): Tensor | null {
  const f = IN_PLACE[op];
  if (!f) return null;
  if (value instanceof Tensor) return f(t, value);
  if (isNumber(value)) return f(t, toScalar(value));
  return null;
}
