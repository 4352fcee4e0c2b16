/**
 * An error PyTorch (or Python) would raise, with the Python exception type
 * that a script's `except RuntimeError as e:` matches and a traceback ends with.
 */
export type PyErrorType =
  | 'RuntimeError'
  | 'ValueError'
  | 'IndexError'
  | 'TypeError'
  | 'AttributeError'
  | 'NameError'
  | 'ZeroDivisionError'
  | 'AssertionError'
  | 'KeyError'
  | 'UnboundLocalError'
  | 'OverflowError'
  | 'NotImplementedError'
  | 'RecursionError'
  | 'StopIteration'
  | 'LookupError'
  | 'ArithmeticError'
  | 'ImportError'
  | 'MemoryError'
  | 'Exception';

export class PyError extends Error {
  constructor(
    readonly pyType: PyErrorType,
    message: string,
  ) {
    super(message);
    this.name = pyType;
  }
}

export function runtimeError(message: string): PyError {
  return new PyError('RuntimeError', message);
}

/** A size, depth or time bound of dzdx itself (not of PyTorch) was exceeded. */
export class LimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LimitError';
  }
}

/**
 * Something real PyTorch (or Python) does that dzdx does not: the script
 * runner reports it as outside the subset (exit 2, with the position of the
 * call), never as a Python exception the script could catch.
 */
export class UnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedError';
  }
}
