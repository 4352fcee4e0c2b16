/**
 * How Jupyter displays a value: IPython's `text/plain` form, made by
 * IPython.lib.pretty (IPython 8.5), not by `repr`. Lists, tuples, dicts and
 * sets are laid out by its line-breaking printer (width 79, groups broken
 * outermost first, a multi-line item's lines indented under its bracket);
 * sets are sorted; an instance without `__repr__` is `<__main__.Foo at 0x…>`;
 * a grad_fn `<MulBackward0 at 0x…>`; a class is `__main__.Foo`; a function `<function __main__.f(x, y=2)>`;
 * anything with its own `__repr__` (tensors too) is that repr, its lines
 * kept. The printer below follows IPython's algorithm step by step (its
 * group queue included), so that the breaks fall where IPython puts them.
 */
import { Node } from '../autograd/node.js';
import { Tensor } from '../autograd/tensor.js';
import { PyError } from '../tensor/errors.js';
import { PyDict } from './dict.js';
import { UnsupportedError } from './errors.js';
import { exceptionState, isExceptionClass } from './exceptions.js';
import { iterate } from './iteration.js';
import { getAttr } from './objects.js';
import { compare } from './operators.js';
import { repr, str } from './repr.js';
import { PySet } from './set.js';
import { Builtin, dictClass, Ellipsis, hexAddress, NotImplemented, objectClass, PyClass, PyFunction, PyInstance, PyTuple, tupleClass, typeOf, type PyValue } from './values.js';

const MAX_WIDTH = 79;
const MAX_SEQ_LENGTH = 1000;
const MAX_DEPTH = 1000;

class Group {
  readonly breakables: Breakable[] = [];
  wantBreak = false;
  constructor(readonly depth: number) {}
}

class Text {
  readonly parts: string[] = [];
  width = 0;
}

class Breakable {
  constructor(
    readonly sep: string,
    readonly indentation: number,
    readonly group: Group,
  ) {}
}

/** IPython's PrettyPrinter (lib/pretty.py), writing into a string. */
class Printer {
  out = '';
  private outputWidth = 0;
  private bufferWidth = 0;
  private buffer: (Text | Breakable)[] = [];
  private readonly groupStack: Group[];
  /** GroupQueue: groups by depth. */
  private readonly queue: Group[][] = [];
  indentation = 0;
  depth = 0;

  constructor() {
    const root = new Group(0);
    this.groupStack = [root];
    this.enqueue(root);
  }

  private enqueue(group: Group): void {
    while (group.depth > this.queue.length - 1) this.queue.push([]);
    this.queue[group.depth]!.push(group);
  }

  /** GroupQueue.deq, with its quirk: the index found in the reversed stack deletes from the stack itself. */
  private dequeue(): Group | undefined {
    for (const stack of this.queue) {
      for (let idx = 0; idx < stack.length; idx++) {
        const group = stack[stack.length - 1 - idx]!;
        if (group.breakables.length > 0) {
          stack.splice(idx, 1);
          group.wantBreak = true;
          return group;
        }
      }
      for (const group of stack) group.wantBreak = true;
      stack.length = 0;
    }
    return undefined;
  }

  private removeGroup(group: Group): void {
    const stack = this.queue[group.depth];
    const i = stack ? stack.indexOf(group) : -1;
    if (i >= 0) stack!.splice(i, 1);
  }

  /** Writes one buffered item; returns the new output width. */
  private emit(item: Text | Breakable, width: number): number {
    if (item instanceof Text) {
      this.out += item.parts.join('');
      return width + item.width;
    }
    item.group.breakables.shift();
    if (item.group.wantBreak) {
      this.out += '\n' + ' '.repeat(item.indentation);
      return item.indentation;
    }
    if (item.group.breakables.length === 0) this.removeGroup(item.group);
    this.out += item.sep;
    return width + item.sep.length;
  }

  private breakOneGroup(group: Group): void {
    while (group.breakables.length > 0) {
      const x = this.buffer.shift()!;
      this.outputWidth = this.emit(x, this.outputWidth);
      this.bufferWidth -= x instanceof Text ? x.width : x.sep.length;
    }
    while (this.buffer.length > 0 && this.buffer[0] instanceof Text) {
      const x = this.buffer.shift() as Text;
      this.outputWidth = this.emit(x, this.outputWidth);
      this.bufferWidth -= x.width;
    }
  }

  private breakOuterGroups(): void {
    while (MAX_WIDTH < this.outputWidth + this.bufferWidth) {
      const group = this.dequeue();
      if (!group) return;
      this.breakOneGroup(group);
    }
  }

  text(s: string): void {
    const width = s.length;
    if (this.buffer.length > 0) {
      let last = this.buffer[this.buffer.length - 1]!;
      if (!(last instanceof Text)) {
        last = new Text();
        this.buffer.push(last);
      }
      last.parts.push(s);
      last.width += width;
      this.bufferWidth += width;
      this.breakOuterGroups();
    } else {
      this.out += s;
      this.outputWidth += width;
    }
  }

  breakable(sep = ' '): void {
    const group = this.groupStack[this.groupStack.length - 1]!;
    if (group.wantBreak) {
      this.flush();
      this.out += '\n' + ' '.repeat(this.indentation);
      this.outputWidth = this.indentation;
      this.bufferWidth = 0;
    } else {
      const b = new Breakable(sep, this.indentation, group);
      group.breakables.push(b);
      this.buffer.push(b);
      this.bufferWidth += sep.length;
      this.breakOuterGroups();
    }
  }

  /** An explicit newline at the current indentation. */
  break(): void {
    const group = this.dequeue();
    if (group) this.breakOneGroup(group);
    this.flush();
    this.out += '\n' + ' '.repeat(this.indentation);
    this.outputWidth = this.indentation;
    this.bufferWidth = 0;
  }

  beginGroup(indent = 0, open = ''): void {
    if (open) this.text(open);
    const group = new Group(this.groupStack[this.groupStack.length - 1]!.depth + 1);
    this.groupStack.push(group);
    this.enqueue(group);
    this.indentation += indent;
  }

  endGroup(dedent = 0, close = ''): void {
    this.indentation -= dedent;
    const group = this.groupStack.pop()!;
    if (group.breakables.length === 0) this.removeGroup(group);
    if (close) this.text(close);
  }

  flush(): void {
    // IPython adds the returned width to the width (doubling it); every flush is followed by a reset, as here.
    for (const item of this.buffer) this.outputWidth += this.emit(item, this.outputWidth);
    this.buffer = [];
    this.bufferWidth = 0;
  }
}

/** `_repr_pprint`: the repr, its lines joined by explicit breaks (indented under an enclosing bracket). */
function reprLines(p: Printer, text: string): void {
  p.beginGroup();
  text.split(/\r\n|\r|\n/).forEach((line, i, lines) => {
    if (i === lines.length - 1 && line === '' && i > 0) return; // splitlines drops a final empty line
    if (i) p.break();
    p.text(line);
  });
  p.endGroup();
}

function sequence(p: Printer, items: readonly PyValue[], open: string, close: string, oneTuple: boolean, seen: Set<object>): void {
  p.beginGroup(open.length, open);
  for (let i = 0; i < items.length; i++) {
    if (i) {
      p.text(',');
      p.breakable();
    }
    if (i >= MAX_SEQ_LENGTH) {
      p.text('...');
      break;
    }
    pretty(p, items[i]!, seen);
  }
  if (oneTuple) p.text(',');
  p.endGroup(open.length, close);
}

/** IPython sorts a set's items for display: by `<`, else by str, else as they are. */
function sortedForDisplay(items: PyValue[]): PyValue[] {
  const by = (less: (a: PyValue, b: PyValue) => boolean): PyValue[] => {
    // A stable merge sort calling only `<`, as Python's sorted does.
    const sort = (xs: PyValue[]): PyValue[] => {
      if (xs.length < 2) return xs;
      const mid = xs.length >> 1;
      const a = sort(xs.slice(0, mid));
      const b = sort(xs.slice(mid));
      const out: PyValue[] = [];
      let i = 0;
      let j = 0;
      while (i < a.length && j < b.length) out.push(less(b[j]!, a[i]!) ? b[j++]! : a[i++]!);
      return out.concat(a.slice(i), b.slice(j));
    };
    return sort(items);
  };
  try {
    return by((a, b) => compare('<', a, b) === true);
  } catch (e) {
    if (!(e instanceof PyError)) throw e;
  }
  try {
    return by((a, b) => str(a) < str(b));
  } catch (e) {
    if (!(e instanceof PyError)) throw e;
    return items;
  }
}

/** `_type_pprint`: `int`, `__main__.Foo`, `torch.Tensor`. */
function typeName(cls: PyClass): string {
  return cls.module === 'builtins' ? cls.qualname : `${cls.module}.${cls.qualname}`;
}

/** `str(inspect.signature(f))` for a script's function. */
function signature(f: PyFunction): string {
  const parts: string[] = [];
  let star = false;
  f.code.params.forEach((param, i) => {
    const value = f.defaults[i];
    if (param.kind === 'varargs') {
      star = true;
      parts.push(`*${param.name}`);
    } else if (param.kind === 'varkw') parts.push(`**${param.name}`);
    else {
      if (param.kind === 'keyword' && !star) {
        star = true;
        parts.push('*');
      }
      parts.push(value === undefined ? param.name : `${param.name}=${repr(value)}`);
    }
  });
  return `(${parts.join(', ')})`;
}

/** A `name(arg, …, key=value)` call form (IPython's CallExpression): exceptions and the collections. */
function callForm(p: Printer, name: string, args: PyValue[], seen: Set<object>, kwargs: [string, PyValue][] = []): void {
  const prefix = `${name}(`;
  p.beginGroup(prefix.length, prefix);
  args.forEach((a, i) => {
    if (i) {
      p.text(',');
      p.breakable();
    }
    pretty(p, a, seen);
  });
  kwargs.forEach(([key, value], i) => {
    if (i || args.length) {
      p.text(',');
      p.breakable();
    }
    p.beginGroup(key.length + 1, `${key}=`);
    pretty(p, value, seen);
    p.endGroup(key.length + 1);
  });
  p.endGroup(prefix.length, ')');
}

/** IPython's printers for the collections module's classes (by module and name, as it registers them), or false. */
function collectionsForm(p: Printer, cls: PyClass, v: PyValue, seen: Set<object>): boolean {
  if (cls.module !== 'collections') return false;
  const name = typeOf(v).name;
  if (v instanceof PyDict && (cls.name === 'OrderedDict' || cls.name === 'Counter' || cls.name === 'defaultdict')) {
    const items = v.snapshot();
    const plain = () => {
      const d = new PyDict();
      for (const e of items) d.set(e.key, e.value);
      return d;
    };
    if (cls.name === 'OrderedDict') callForm(p, name, items.length ? [items.map((e) => new PyTuple([e.key, e.value]))] : [], seen);
    else if (cls.name === 'Counter') callForm(p, name, items.length ? [plain()] : [], seen);
    else callForm(p, name, [(v as unknown as { defaultFactory: PyValue }).defaultFactory, plain()], seen);
    return true;
  }
  if (cls.name === 'deque') {
    const maxlen = getAttr(v, 'maxlen');
    callForm(p, name, [[...iterate(v)]], seen, maxlen === null ? [] : [['maxlen', maxlen]]);
    return true;
  }
  return false;
}

/** The first class along the MRO that says how to show `v`, as IPython's RepresentationPrinter.pretty looks it up. */
function showInstance(p: Printer, v: PyValue, seen: Set<object>): void {
  for (const cls of typeOf(v).mro) {
    if (cls.builtin && cls.module === 'builtins') {
      if (cls === dictClass && v instanceof PyDict) return showDict(p, v, seen);
      if (cls === tupleClass && v instanceof PyTuple) return sequence(p, v.items, '(', ')', v.items.length === 1, seen);
      if ((cls.name === 'set' || cls.name === 'frozenset') && v instanceof PySet) return showSet(p, v, seen);
      if (cls === objectClass) break;
      if (v instanceof PyInstance && isExceptionClass(cls)) return callForm(p, typeName(v.cls), exceptionState(v).args, seen);
    }
    if (collectionsForm(p, cls, v, seen)) return;
    if (cls !== objectClass && cls.dict.has('__repr__')) return reprLines(p, repr(v));
  }
  if (v instanceof PyInstance) {
    // _default_pprint: the class as _type_pprint shows it.
    p.beginGroup(1, '<');
    p.text(typeName(v.cls));
    p.text(` at ${hexAddress(v)}`);
    p.endGroup(1, '>');
    return;
  }
  reprLines(p, repr(v));
}

function showDict(p: Printer, d: PyDict, seen: Set<object>): void {
  p.beginGroup(1, '{');
  d.snapshot().forEach((e, i) => {
    if (i) {
      p.text(',');
      p.breakable();
    }
    if (i >= MAX_SEQ_LENGTH) {
      p.text('...');
      return;
    }
    pretty(p, e.key, seen);
    p.text(': ');
    pretty(p, e.value, seen);
  });
  p.endGroup(1, '}');
}

function showSet(p: Printer, s: PySet, seen: Set<object>): void {
  const name = s.frozen ? 'frozenset' : 'set';
  if (s.size === 0) return p.text(`${name}()`);
  const open = s.frozen ? 'frozenset({' : '{';
  const items = [...s];
  sequence(p, items.length >= MAX_SEQ_LENGTH ? items : sortedForDisplay(items), open, s.frozen ? '})' : '}', false, seen);
}

/** One value, inside the group IPython opens for every value. */
function pretty(p: Printer, v: PyValue, seen: Set<object>): void {
  const isObject = typeof v === 'object' && v !== null;
  if (isObject && seen.has(v)) {
    // A container met again inside itself.
    if (Array.isArray(v)) return p.text('[...]');
    if (v instanceof PyTuple) return p.text('(...)');
    if (v instanceof PyDict) return p.text('{...}');
    if (v instanceof PySet) return p.text(v.frozen ? 'frozenset({...})' : '{...}');
  }
  if (++p.depth > MAX_DEPTH) throw new PyError('RecursionError', 'maximum recursion depth exceeded while calling a Python object');
  if (isObject) seen.add(v);
  p.beginGroup();
  try {
    // A grad_fn's class has no __repr__ of its own: IPython's default form.
    if (v instanceof Node) return p.text(`<${v.name} at 0x${v.address.toString(16)}>`);
    if (v === null || typeof v !== 'object' || v === Ellipsis || v === NotImplemented || v instanceof Tensor) return reprLines(p, repr(v));
    if (Array.isArray(v)) return sequence(p, v, '[', ']', false, seen);
    // torch.Size, torch.return_types: built-in tuple subclasses with a repr of their own.
    if (v instanceof PyTuple && typeOf(v).builtin && typeOf(v) !== tupleClass) return reprLines(p, repr(v));
    if (v instanceof PyInstance || v instanceof PyDict || v instanceof PySet || v instanceof PyTuple || typeOf(v).module === 'collections') return showInstance(p, v, seen);
    if (v instanceof PyClass) {
      // A metaclass with its own __repr__ decides; type's own shows the name.
      return typeOf(v).mro.some((c) => !c.builtin && c.dict.has('__repr__')) ? reprLines(p, repr(v)) : p.text(typeName(v));
    }
    if (v instanceof PyFunction) return p.text(`<function ${v.module === 'builtins' ? '' : `${v.module}.`}${v.qualname}${signature(v)}>`);
    // IPython shows a built-in function with its text signature (`<function len(obj, /)>`), which dzdx does not keep.
    if (v instanceof Builtin && v.self === undefined) throw new UnsupportedError(`displaying the built-in function ${v.name} in a notebook is not supported`);
    return reprLines(p, repr(v));
  } finally {
    p.endGroup();
    if (isObject) seen.delete(v);
    p.depth--;
  }
}

/** The `text/plain` Jupyter shows for a displayed value (no trailing newline). */
export function displayText(v: PyValue): string {
  const p = new Printer();
  pretty(p, v, new Set());
  p.flush();
  return p.out;
}
