/**
 * The names that exist in real Python 3.11 / PyTorch 1.13 (recorded by
 * tools/record-python-names.py into python-names.ts). A name dzdx lacks but
 * Python has is outside the subset (exit 2); a name Python lacks too is the
 * script's own error (AttributeError / NameError, with Python's suggestion).
 */
import { PYTHON_NAMES } from './python-names.js';

const sets = new Map<string, ReadonlySet<string> | null>();
const lists = new Map<string, readonly string[] | null>();

/** dir() of the built-in type or module `key` ('str', 'Tensor', 'module:torch', 'module:builtins'), in recorded order. */
export function knownList(key: string): readonly string[] | null {
  let l = lists.get(key);
  if (l === undefined) {
    const text = PYTHON_NAMES[key];
    l = text === undefined ? null : text.split(' ');
    lists.set(key, l);
  }
  return l;
}

export function knownNames(key: string): ReadonlySet<string> | null {
  let s = sets.get(key);
  if (s === undefined) {
    const l = knownList(key);
    s = l === null ? null : new Set(l);
    sets.set(key, s);
  }
  return s;
}
