/**
 * Python's exception classes and the bridge between the two ways an
 * exception exists here: a PyError thrown by TypeScript code (the tape,
 * builtins), which names its built-in class, and an exception instance a
 * script raises or catches (`except ValueError as e`), which may be of the
 * script's own class (`class MyError(Exception)`).
 */
import { PyError, type PyErrorType } from '../tensor/errors.js';
import { PyClass, PyInstance, PyTuple, objectClass, type CallArgs, type PyValue } from './values.js';

/** What a BaseException instance holds. */
export interface ExceptionState {
  args: PyValue[];
  cause: PyValue;
  /** A KeyError's single argument prints as its repr. */
}

/** One frame of a traceback: the function's name and the line the error passed through. */
export interface TracebackEntry {
  name: string;
  line: number;
}

const tracebacks = new WeakMap<Error, TracebackEntry[]>();

export function tracebackOf(err: Error): TracebackEntry[] {
  let tb = tracebacks.get(err);
  if (!tb) {
    tb = [];
    tracebacks.set(err, tb);
  }
  return tb;
}

const classes = new Map<string, PyClass>();

function exceptionClass(name: string, base: PyClass | null): PyClass {
  const cls = new PyClass(name, [base ?? objectClass], new Map(), {
    builtin: true,
    create: base ? undefined : (_inst: PyInstance, call: CallArgs): ExceptionState => ({ args: [...call.args], cause: null }),
  });
  classes.set(name, cls);
  return cls;
}

export const baseException = exceptionClass('BaseException', null);
const tree: [string, string][] = [
  ['SystemExit', 'BaseException'],
  ['KeyboardInterrupt', 'BaseException'],
  ['GeneratorExit', 'BaseException'],
  ['Exception', 'BaseException'],
  ['StopIteration', 'Exception'],
  ['ArithmeticError', 'Exception'],
  ['FloatingPointError', 'ArithmeticError'],
  ['OverflowError', 'ArithmeticError'],
  ['ZeroDivisionError', 'ArithmeticError'],
  ['AssertionError', 'Exception'],
  ['AttributeError', 'Exception'],
  ['BufferError', 'Exception'],
  ['EOFError', 'Exception'],
  ['ImportError', 'Exception'],
  ['ModuleNotFoundError', 'ImportError'],
  ['LookupError', 'Exception'],
  ['IndexError', 'LookupError'],
  ['KeyError', 'LookupError'],
  ['MemoryError', 'Exception'],
  ['NameError', 'Exception'],
  ['UnboundLocalError', 'NameError'],
  ['OSError', 'Exception'],
  ['ReferenceError', 'Exception'],
  ['RuntimeError', 'Exception'],
  ['NotImplementedError', 'RuntimeError'],
  ['RecursionError', 'RuntimeError'],
  ['SyntaxError', 'Exception'],
  ['SystemError', 'Exception'],
  ['TypeError', 'Exception'],
  ['ValueError', 'Exception'],
  ['UnicodeError', 'ValueError'],
  ['Warning', 'Exception'],
  ['UserWarning', 'Warning'],
  ['DeprecationWarning', 'Warning'],
  ['RuntimeWarning', 'Warning'],
  ['FutureWarning', 'Warning'],
];
for (const [name, base] of tree) exceptionClass(name, classes.get(base)!);

export const exceptionBase = classes.get('Exception')!;

/** The built-in exception classes by name, for the builtins module. */
export function builtinExceptionClasses(): ReadonlyMap<string, PyClass> {
  return classes;
}

export function exceptionClassNamed(name: string): PyClass {
  return classes.get(name) ?? exceptionBase;
}

export function isExceptionClass(cls: PyClass): boolean {
  return cls.isSubclassOf(baseException);
}

export function exceptionState(exc: PyInstance): ExceptionState {
  return exc.native as ExceptionState;
}

/** The nearest built-in class of an exception's class: what a PyError must name. */
function builtinAncestor(cls: PyClass): PyErrorType {
  const c = cls.mro.find((k) => k.builtin && classes.get(k.name) === k);
  return (c?.name ?? 'Exception') as PyErrorType;
}

/**
 * An exception instance raised by the script (`raise MyError("x")`), or a
 * built-in one re-raised. `message` is its `str()`, computed when raised.
 */
export class RaisedError extends PyError {
  constructor(
    readonly exc: PyInstance,
    message: string,
  ) {
    super(builtinAncestor(exc.cls), message);
  }
}

const instances = new WeakMap<PyError, PyInstance>();

/** A new instance of an exception class with these args (no __init__ runs: for errors TypeScript raises). */
export function newException(cls: PyClass, args: PyValue[]): PyInstance {
  const exc = new PyInstance(cls);
  exc.native = { args, cause: null } satisfies ExceptionState;
  return exc;
}

/** The exception instance of an error, made once for a PyError thrown by TypeScript code. */
export function exceptionOf(err: PyError): PyInstance {
  if (err instanceof RaisedError) return err.exc;
  let exc = instances.get(err);
  if (!exc) {
    const args = err.pyType === 'StopIteration' && err.message === '' ? [] : [err.message];
    exc = newException(exceptionClassNamed(err.pyType), err.message === '' && err.pyType !== 'KeyError' ? [] : args);
    instances.set(err, exc);
  }
  return exc;
}

/** The class `except` clauses match an error against. */
export function exceptionClassOf(err: PyError): PyClass {
  return err instanceof RaisedError ? err.exc.cls : exceptionClassNamed(err.pyType);
}

/** `args` as a tuple. */
export function exceptionArgs(exc: PyInstance): PyTuple {
  return new PyTuple(exceptionState(exc).args);
}
