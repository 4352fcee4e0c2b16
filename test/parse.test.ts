import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseProgram } from '../src/program/parse.js';
import { ScriptSyntaxError, formatScriptError } from '../src/program/errors.js';
import type { Expr, FStringPart, Stmt, Target } from '../src/program/ast.js';

// Expected trees and messages were checked against CPython 3.11's `ast` and
// `compile()`; columns differ only where CPython's caret is less useful
// (indentation errors point at the first character of the line's code here).

/** A compact rendering of an expression, so that tests read like the source. */
function sx(e: Expr | Target | null): string {
  if (e === null) return '_';
  switch (e.kind) {
    case 'num':
      return e.isInt ? String(e.value) : Number.isInteger(e.value) ? `${e.value}.0` : String(e.value);
    case 'str':
      return JSON.stringify(e.value);
    case 'fstr':
      return `f[${e.parts.map(part).join(' ')}]`;
    case 'bool':
      return e.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'name':
      return e.id;
    case 'attr':
      return `${sx(e.obj)}.${e.name}`;
    case 'subscript':
      return `${sx(e.obj)}[${sx(e.index)}]`;
    case 'slice':
      return `${sx(e.lower)}:${sx(e.upper)}:${sx(e.step)}`;
    case 'call':
      return `${sx(e.fn)}(${[...e.args.map(sx), ...e.kwargs.map((k) => `${k.name}=${sx(k.value)}`)].join(', ')})`;
    case 'binary':
      return `(${e.op} ${sx(e.left)} ${sx(e.right)})`;
    case 'unary':
      return `(${e.op} ${sx(e.operand)})`;
    case 'compare':
      return `(cmp ${e.operands.map((o, i) => (i ? `${e.ops[i - 1]} ` : '') + sx(o)).join(' ')})`;
    case 'boolop':
      return `(${e.op} ${e.values.map(sx).join(' ')})`;
    case 'ifexp':
      return `(if ${sx(e.test)} ${sx(e.body)} ${sx(e.orelse)})`;
    case 'tuple':
      return `(tuple ${e.elts.map(sx).join(' ')})`;
    case 'list':
      return `[${e.elts.map(sx).join(', ')}]`;
    case 'set':
      return `{${e.elts.map(sx).join(', ')}}`;
    case 'dict':
      return `{${e.keys.map((k, i) => (k === null ? `**${sx(e.values[i]!)}` : `${sx(k)}: ${sx(e.values[i]!)}`)).join(', ')}}`;
    case 'starred':
      return `*${sx(e.value)}`;
    case 'ellipsis':
      return '...';
    case 'namedexpr':
      return `(:= ${e.target.id} ${sx(e.value)})`;
    case 'lambda':
      return `(lambda ${e.code.params.map((p) => p.name).join(' ')}: ${sx((e.code.body[0] as { value: Expr }).value)})`;
    case 'comp':
      return `(${e.type}comp ${sx(e.elt)}${e.value ? ': ' + sx(e.value) : ''} ${e.generators
        .map((g) => `for ${sx(g.target)} in ${sx(g.iter)}${g.ifs.map((c) => ` if ${sx(c)}`).join('')}`)
        .join(' ')})`;
  }
}

function part(p: FStringPart): string {
  if (p.kind === 'text') return JSON.stringify(p.value);
  const spec = p.spec === null ? '' : ':' + p.spec.map((q) => (q.kind === 'text' ? q.value : part(q))).join('');
  return `{${sx(p.expr)}${p.conversion ? '!' + p.conversion : ''}${spec}}`;
}

function stmts(src: string): Stmt[] {
  return parseProgram(src).body;
}

/** The expression of a one-line expression statement. */
function expr(src: string): Expr {
  const [s] = stmts(src + '\n');
  if (s?.kind !== 'expr') throw new Error(`not an expression statement: ${src}`);
  return s.expr;
}

function caught(src: string): ScriptSyntaxError {
  try {
    parseProgram(src);
  } catch (e) {
    if (e instanceof ScriptSyntaxError) return e;
    throw e;
  }
  throw new Error(`no error for ${JSON.stringify(src)}`);
}

/** The error as the CLI prints it, for file `t.py`. */
function report(src: string): string {
  return formatScriptError(caught(src), 't.py', src);
}

describe('literals', () => {
  it('numbers: ints, underscores, hex/octal/binary, floats with and without digits around the dot', () => {
    expect(['1', '1_000', '0xFF', '0o17', '0b101', '0'].map((s) => sx(expr(s)))).toEqual(['1', '1000', '255', '15', '5', '0']);
    expect(['1.', '.5', '1e-3', '2.e5', '1.E-2', '3.25', '1_0.5'].map((s) => sx(expr(s)))).toEqual([
      '1.0', '0.5', '0.001', '200000.0', '0.01', '3.25', '10.5',
    ]);
    expect(sx(expr('[1., 2.]'))).toBe('[1.0, 2.0]');
    expect(sx(expr('f(1.,x=2.)'))).toBe('f(1.0, x=2.0)');
    expect(sx(expr('t[1.:]'))).toBe('t[1.0:_:_]');
    expect(sx(expr('1.5*2.'))).toBe('(* 1.5 2.0)');
  });

  it('strings: quotes, escapes, raw, implicit concatenation, triple quotes, line continuation', () => {
    expect(sx(expr(`'a' "b" '''c\nd''' """e"""`))).toBe('"abc\\nde"');
    expect((expr(String.raw`'\n\t\\\'\x41\u00e9\101\q'`) as { value: string }).value).toBe("\n\t\\'AéA\\q");
    expect(sx(expr(`'a\\\nb'`))).toBe('"ab"');
    expect(sx(expr(String.raw`r'raw\n' u'u'`))).toBe(String.raw`"raw\\nu"`);
    expect(sx(expr('True, False, None'))).toBe('(tuple True False None)');
  });

  it('f-strings: fields, format specs, conversions, escaped braces, self-documenting fields', () => {
    expect(sx(expr(`f"a{x}b{x:.4f}c{x!r}{{d}}"`))).toBe('f["a" {x} "b" {x:.4f} "c" {x!r} "{d}"]');
    expect(sx(expr(`f"{x!s:>10}" 'tail' rf'\\d{y}'`))).toBe(String.raw`f[{x!s:>10} "tail\\d" {y}]`);
    expect(sx(expr(`f"{ x = }{y=:.2f}"`))).toBe('f[" x = " {x!r} "y=" {y:.2f}]');
    expect(sx(expr(`f"{a, b}{t['k']}\\n"`))).toBe('f[{(tuple a b)} {t["k"]} "\\n"]');
    expect(sx(expr(`f"{x.sum().item():.3e}"`))).toBe('f[{x.sum().item():.3e}]');
  });

  it('lists and tuples', () => {
    expect(['()', '(x,)', 'x,', '(1, 2)', '[]', '[1, [2, 3], (4,)]', '(x)'].map((s) => sx(expr(s)))).toEqual([
      '(tuple )', '(tuple x)', '(tuple x)', '(tuple 1 2)', '[]', '[1, [2, 3], (tuple 4)]', 'x',
    ]);
  });
});

describe('expressions', () => {
  it('arithmetic precedence, right-associative **, unary minus below **', () => {
    expect(sx(expr('a + b * c - d / e // f % g @ h'))).toBe('(- (+ a (* b c)) (@ (% (// (/ d e) f) g) h))');
    expect(sx(expr('-x ** -2 ** 3'))).toBe('(- (** x (- (** 2 3))))');
    expect(sx(expr('+-a'))).toBe('(+ (- a))');
  });

  it('not binds tighter than and/or (lezer parses it the other way round)', () => {
    expect(sx(expr('not a and b or c'))).toBe('(or (and (not a) b) c)');
    expect(sx(expr('x and not a or b'))).toBe('(or (and x (not a)) b)');
    expect(sx(expr('not a or b and not not c'))).toBe('(or (not a) (and b (not (not c))))');
    expect(sx(expr('a or b or c and d and e'))).toBe('(or a b (and c d e))');
    expect(sx(expr('not a == b'))).toBe('(not (cmp a == b))');
    expect(sx(expr('(a or b) and c'))).toBe('(and (or a b) c)');
  });

  it('chained comparisons stay flat', () => {
    expect(sx(expr('a < b <= c == d != e > f >= g'))).toBe('(cmp a < b <= c == d != e > f >= g)');
    expect(sx(expr('a is b is not c in d not in e'))).toBe('(cmp a is b is not c in d not in e)');
    expect(sx(expr('(a < b) < c'))).toBe('(cmp (cmp a < b) < c)');
  });

  it('conditional expressions', () => {
    expect(sx(expr('a if b else c if d else e'))).toBe('(if b a (if d c e))');
    expect(sx(expr('not a if b else c'))).toBe('(if b (not a) c)');
  });

  it('calls, attributes and subscripts', () => {
    expect(sx(expr('f(1, 2, k=3, m=x.y.z())(4)[5].w'))).toBe('f(1, 2, k=3, m=x.y.z())(4)[5].w');
    expect(sx(expr('torch.autograd.grad(y, [x], create_graph=True)[0]'))).toBe('torch.autograd.grad(y, [x], create_graph=True)[0]');
    expect(sx(expr('f(a,\n  # comment\n  b,)'))).toBe('f(a, b)');
  });

  it('subscripts: indices, slices, tuples of them', () => {
    const cases: [string, string][] = [
      ['t[0][1]', 't[0][1]'],
      ['t[:, 1]', 't[(tuple _:_:_ 1)]'],
      ['t[a:b]', 't[a:b:_]'],
      ['t[::2]', 't[_:_:2]'],
      ['t[1:]', 't[1:_:_]'],
      ['t[:-1]', 't[_:(- 1):_]'],
      ['t[1:2:3]', 't[1:2:3]'],
      ['t[1, 2]', 't[(tuple 1 2)]'],
      ['t[1,]', 't[(tuple 1)]'],
      ['t[(1, 2)]', 't[(tuple 1 2)]'],
    ];
    for (const [src, want] of cases) expect(sx(expr(src)), src).toBe(want);
  });
});

describe('statements', () => {
  it('imports', () => {
    const body = stmts('import torch\nimport torch.nn.functional as F, math\nfrom math import pi as PI, e\nfrom torch import (nn,\n  autograd)\nimport a.b.c\n');
    expect(body).toMatchObject([
      { kind: 'import', module: 'torch', target: { id: 'torch' }, asName: false },
      { kind: 'import', module: 'torch.nn.functional', target: { id: 'F' }, asName: true },
      { kind: 'import', module: 'math', target: { id: 'math' }, asName: false },
      { kind: 'importfrom', module: 'math', names: [{ name: 'pi', target: { id: 'PI' } }, { name: 'e', target: { id: 'e' } }] },
      { kind: 'importfrom', module: 'torch', names: [{ name: 'nn', target: { id: 'nn' } }, { name: 'autograd', target: { id: 'autograd' } }] },
      { kind: 'import', module: 'a.b.c', target: { id: 'a' }, asName: false },
    ]);
    expect(stmts('from __future__ import annotations, division\n')).toMatchObject([{ kind: 'importfrom', module: '__future__' }]);
    expect(caught('from __future__ import nope\n').message).toBe('future feature nope is not defined');
  });

  it('assignments: chained, tuple unpacking, parenthesized and list targets', () => {
    const show = (src: string) => {
      const [s] = stmts(src);
      if (s?.kind !== 'assign') throw new Error(src);
      return `${s.targets.map(sx).join(' = ')} = ${sx(s.value)}`;
    };
    expect(show('a = b = c = 1')).toBe('a = b = c = 1');
    expect(show('a, b = f()')).toBe('(tuple a b) = f()');
    expect(show('(a, b), [c, d] = x')).toBe('(tuple (tuple a b) (tuple c d)) = x');
    expect(show('[p, q] = 5, 6')).toBe('(tuple p q) = (tuple 5 6)');
    expect(show('x.data = t[0] = None')).toBe('x.data = t[0] = None');
  });

  it('augmented assignment on names, attributes and subscripts', () => {
    const body = stmts('x += 1\nx.grad -= g\nt[0, 1] *= 2\nx //= 2; x %= 3; x **= 2; x @= y; x /= 4\n');
    expect(body.map((s) => (s.kind === 'augassign' ? `${sx(s.target)} ${s.op}= ${sx(s.value)}` : s.kind))).toEqual([
      'x += 1', 'x.grad -= g', 't[(tuple 0 1)] *= 2', 'x //= 2', 'x %= 3', 'x **= 2', 'x @= y', 'x /= 4',
    ]);
  });

  it('if / elif / else: each elif is an if alone in the orelse before it', () => {
    const [s] = stmts('if a:\n    pass\nelif b:\n    x = 1\nelif c: pass\nelse:\n    y\n');
    expect(s).toMatchObject({
      kind: 'if',
      pos: { line: 1, col: 1 },
      test: { kind: 'name', id: 'a' },
      body: [{ kind: 'pass' }],
      orelse: [
        {
          kind: 'if',
          pos: { line: 3, col: 1 },
          test: { id: 'b' },
          orelse: [{ kind: 'if', pos: { line: 5, col: 1 }, test: { id: 'c' }, orelse: [{ kind: 'expr' }] }],
        },
      ],
    });
  });

  it('loops, break, continue', () => {
    const body = stmts('for i in range(3):\n  if i: break\n  continue\nfor i, (j, k) in enumerate(z): pass\nfor i in a, b: pass\nwhile x > 0:\n  x -= 1\n');
    expect(body.map((s) => (s.kind === 'for' ? `for ${sx(s.target)} in ${sx(s.iter)}` : s.kind))).toEqual([
      'for i in range(3)', 'for (tuple i (tuple j k)) in enumerate(z)', 'for i in (tuple a b)', 'while',
    ]);
    expect(body[0]).toMatchObject({ body: [{ kind: 'if', body: [{ kind: 'break' }] }, { kind: 'continue' }] });
  });

  it('with, including several items', () => {
    const body = stmts('with torch.no_grad():\n  y = x\nwith A as b, C, D() as e:\n  pass\n');
    expect(body[0]).toMatchObject({ kind: 'with', items: [{ target: null }], body: [{ kind: 'assign' }] });
    const w = body[1]!;
    if (w.kind !== 'with') throw new Error('with');
    expect(w.items.map((i) => `${sx(i.context)} as ${sx(i.target)}`)).toEqual(['A as b', 'C as _', 'D() as e']);
  });

  it('try / except / else / finally, raise and assert', () => {
    const src = [
      'try:',
      '  raise RuntimeError("boom")',
      'except (ValueError, TypeError) as err:',
      '  print(err)',
      'except RuntimeError:',
      '  raise',
      'except:',
      '  pass',
      'else:',
      '  pass',
      'finally:',
      '  assert x, "msg"',
      'assert y',
    ].join('\n');
    const [t, a] = stmts(src);
    if (t?.kind !== 'try') throw new Error('try');
    expect(t.handlers.map((h) => `${sx(h.type)} as ${h.name?.id ?? null} @${h.pos.line}:${h.pos.col}`)).toEqual([
      '(tuple ValueError TypeError) as err @3:1', 'RuntimeError as null @5:1', '_ as null @7:1',
    ]);
    expect(t.body).toMatchObject([{ kind: 'raise', exc: { kind: 'call' } }]);
    expect(t.handlers[1]!.body).toMatchObject([{ kind: 'raise', exc: null }]);
    expect(t.orelse).toMatchObject([{ kind: 'pass' }]);
    expect(t.finalbody).toMatchObject([{ kind: 'assert', msg: { kind: 'str', value: 'msg' } }]);
    expect(a).toMatchObject({ kind: 'assert', msg: null });
    expect(stmts('try:\n  pass\nfinally:\n  pass\n')).toMatchObject([{ kind: 'try', handlers: [], finalbody: [{ kind: 'pass' }] }]);
    expect(stmts('raise A from B\nraise A from None\n')).toMatchObject([
      { kind: 'raise', exc: { id: 'A' }, cause: { id: 'B' } },
      { kind: 'raise', cause: { kind: 'none' } },
    ]);
  });

  it('def with defaults and decorators, return', () => {
    const [f, g] = stmts('@torch.no_grad()\ndef f(a, b=1.0, c=-2):\n    """doc"""\n    return a * b\ndef g(): return 1, 2\n');
    if (f?.kind !== 'def' || g?.kind !== 'def') throw new Error('def');
    expect(f.code.name).toBe('f');
    expect(f.code.docstring).toBe('doc');
    expect(f.pos).toEqual({ line: 2, col: 1 });
    expect(f.code.params.map((p) => `${p.name}=${sx(p.default)}@${p.pos.col}`)).toEqual(['a=_@7', 'b=1.0@10', 'c=(- 2)@17']);
    expect(f.decorators.map(sx)).toEqual(['torch.no_grad()']);
    expect(f.code.body).toMatchObject([{ kind: 'expr', expr: { kind: 'str' } }, { kind: 'return', value: { kind: 'binary' } }]);
    expect(g.code.body).toMatchObject([{ kind: 'return', value: { kind: 'tuple' } }]);
    expect(stmts('def h():\n  return\n')[0]).toMatchObject({ code: { body: [{ kind: 'return', value: null }] } });
  });

  it('line continuation in brackets and with backslash, comments, semicolons, blank lines', () => {
    const body = stmts('x = (1 +\n     2)  # c\n\n# only a comment\ny = 1 + \\\n    2\nz = [\n  1,  # one\n  2,\n]\na = 1; b = 2;\nif x: c = 1; d = 2\n');
    expect(body.map((s) => s.kind)).toEqual(['assign', 'assign', 'assign', 'assign', 'assign', 'if']);
    expect(body[5]).toMatchObject({ body: [{ kind: 'assign' }, { kind: 'assign' }] });
  });

  it('print is a plain name in Python 3', () => {
    expect(stmts('print = f\nprint -x\nprint(1)\n').map((st) => (st.kind === 'assign' ? sx(st.value) : st.kind === 'expr' ? sx(st.expr) : st.kind))).toEqual([
      'f', '(- print x)', 'print(1)',
    ]);
    expect(stmts('print = f\n')[0]).toMatchObject({ targets: [{ kind: 'name', id: 'print' }] });
    // A bare `print` as the last line, with or without a newline after it.
    expect(stmts('x = 1\nprint')[1]).toMatchObject({ kind: 'expr', expr: { kind: 'name', id: 'print' } });
    expect(stmts('print\n')[0]).toMatchObject({ kind: 'expr', expr: { kind: 'name', id: 'print' } });
  });

  it('CRLF line endings, tabs and a byte order mark', () => {
    const body = stmts('\uFEFFdef f(a):\r\n\tif a:\r\n\t\treturn 1\r\n\treturn 2\r\ns = """a\r\nb"""\r\n');
    expect(body).toMatchObject([{ kind: 'def', code: { body: [{ kind: 'if' }, { kind: 'return' }] } }, { kind: 'assign', value: { value: 'a\nb' } }]);
    expect(body[0]!.pos).toEqual({ line: 1, col: 1 });
  });
});

describe('positions', () => {
  it('every node gets the 1-based line/col of its first character', () => {
    const [s] = stmts('\n\n  # x\nyy = f(a, k=-b[1:2])\n');
    expect(s).toMatchObject({
      pos: { line: 4, col: 1 },
      targets: [{ pos: { line: 4, col: 1 } }],
      value: {
        kind: 'call',
        pos: { line: 4, col: 6 },
        args: [{ pos: { line: 4, col: 8 } }],
        kwargs: [{ name: 'k', pos: { line: 4, col: 11 }, value: { kind: 'unary', pos: { line: 4, col: 13 }, operand: { kind: 'subscript', pos: { line: 4, col: 14 }, index: { kind: 'slice', pos: { line: 4, col: 16 } } } } }],
      },
    });
  });

  it('tuples: a bare tuple starts at its first element, a parenthesized one at the parenthesis', () => {
    expect(stmts('a, b = (1, 2)\n')[0]).toMatchObject({ targets: [{ kind: 'tuple', pos: { col: 1 } }], value: { pos: { col: 8 } } });
    expect(stmts('x = (a + b)\n')[0]).toMatchObject({ value: { kind: 'binary', pos: { col: 6 } } });
  });

  it('positions after multi-line strings and continuations', () => {
    const body = stmts("s = '''a\nb'''; t = 1\nu = (1,\n  v)\n");
    expect(body[1]!.pos).toEqual({ line: 2, col: 7 });
    expect(body[2]).toMatchObject({ value: { elts: [{}, { pos: { line: 4, col: 3 } }] } });
  });
});

describe('syntax errors', () => {
  const cases: [string, string, string][] = [
    ['invalid syntax at the first error', 'x = 1\ny = 1 2\n', 't.py:2:7: invalid syntax\ny = 1 2\n      ^'],
    ['dangling operator', 'x = 1 +\n', 't.py:1:8: invalid syntax\nx = 1 +\n       ^'],
    ['unexpected indent', 'x = 1\n  y = 2\n', 't.py:2:3: unexpected indent\n  y = 2\n  ^'],
    ['missing block', 'if x:\ny = 2\n', "t.py:2:1: expected an indented block after 'if' statement on line 1\ny = 2\n^"],
    ['missing block at the end', 'def f():\n', 't.py:2:1: expected an indented block after function definition on line 1\n\n^'],
    ['bad dedent', 'if x:\n    y = 2\n  z = 3\n', 't.py:3:3: unindent does not match any outer indentation level\n  z = 3\n  ^'],
    ['unclosed bracket', 'x = (1,\ny = 2\n', "t.py:1:5: '(' was never closed\nx = (1,\n    ^"],
    ['unmatched bracket', 'x = ]\n', "t.py:1:5: unmatched ']'\nx = ]\n    ^"],
    ['mismatched bracket', 'x = (1,\n2]\n', "t.py:2:2: closing parenthesis ']' does not match opening parenthesis '(' on line 1\n2]\n ^"],
    ['unterminated string', "x = 'abc\n", "t.py:1:5: unterminated string literal (detected at line 1)\nx = 'abc\n    ^"],
    ['unterminated triple-quoted string', 'x = """abc\n\n', 't.py:1:5: unterminated triple-quoted string literal (detected at line 2)\nx = """abc\n    ^'],
    ['missing colon', 'for x in y\n  pass\n', "t.py:1:11: expected ':'\nfor x in y\n          ^"],
    ['stray backslash', 'x = 1 \\ 2\n', 't.py:1:8: unexpected character after line continuation character\nx = 1 \\ 2\n       ^'],
    ['print statement', 'print x\n', "t.py:1:1: Missing parentheses in call to 'print'. Did you mean print(...)?\nprint x\n^"],
    ['assignment to a call', 'f() = 3\n', "t.py:1:1: cannot assign to function call here. Maybe you meant '==' instead of '='?\nf() = 3\n^"],
    ['loop target', 'for f() in x: pass\n', 't.py:1:5: cannot assign to function call\nfor f() in x: pass\n    ^'],
    ['augmented tuple', '(a, b) += 1\n', "t.py:1:1: 'tuple' is an illegal expression for augmented assignment\n(a, b) += 1\n^"],
    ['break outside loop', 'def f():\n  break\n', "t.py:2:3: 'break' outside loop\n  break\n  ^"],
    ['return outside function', 'return 1\n', "t.py:1:1: 'return' outside function\nreturn 1\n^"],
    ['yield outside function', 'x = yield\n', "t.py:1:5: 'yield' outside function\nx = yield\n    ^"],
    ['yield in a class body', 'class A:\n    x = yield 1\n', "t.py:2:9: 'yield' outside function\n    x = yield 1\n        ^"],
    ['yield in a comprehension', 'def f():\n    return [(yield x) for x in y]\n', "t.py:2:14: 'yield' inside list comprehension\n    return [(yield x) for x in y]\n             ^"],
    ['parameter order', 'def f(a=1, b): pass\n', 't.py:1:12: non-default argument follows default argument\ndef f(a=1, b): pass\n           ^'],
    ['argument order', 'f(a=1, 2)\n', 't.py:1:8: positional argument follows keyword argument\nf(a=1, 2)\n       ^'],
    ['repeated keyword', 'f(a=1, a=2)\n', 't.py:1:8: keyword argument repeated: a\nf(a=1, a=2)\n       ^'],
    ['leading zeros', 'x = 007\n', 't.py:1:5: leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers\nx = 007\n    ^'],
    ['single brace in f-string', 'x = f"a}b"\n', 't.py:1:8: f-string: single \'}\' is not allowed\nx = f"a}b"\n       ^'],
    ['bare except not last', 'try:\n  pass\nexcept:\n  pass\nexcept A:\n  pass\n', "t.py:3:1: default 'except:' must be last\nexcept:\n^"],
  ];
  for (const [name, src, want] of cases) {
    it(name, () => {
      expect(caught(src).kind).toBe('syntax');
      expect(report(src)).toBe(want);
    });
  }

  it('malformed number literals', () => {
    expect(report('x = 3.t()\n')).toBe('t.py:1:5: invalid decimal literal\nx = 3.t()\n    ^');
    const messages = ['x = 1_', 'x = 1e+', 'x = 0x1g', 'x = 0b2', 'x = 01..5'].map((s) => caught(s + '\n').message);
    expect(messages).toEqual(['invalid decimal literal', 'invalid decimal literal', 'invalid hexadecimal literal', "invalid digit '2' in binary literal", 'invalid syntax']);
    expect(sx(expr('1..real'))).toBe('1.0.real');
    expect(sx(expr('1if x else 2'))).toBe('(if x 1 2)');
  });

  it('keywords are not attribute names', () => {
    expect(report('x = torch.as\n')).toBe('t.py:1:11: invalid syntax\nx = torch.as\n          ^');
  });

  it('hints at a missing comma between expressions in brackets', () => {
    expect(report('f(x.sum() y)\n')).toBe('t.py:1:3: invalid syntax. Perhaps you forgot a comma?\nf(x.sum() y)\n  ^');
    expect(report('print(a\nb)\n')).toBe('t.py:1:7: invalid syntax. Perhaps you forgot a comma?\nprint(a\n      ^');
    expect(caught("f(a 'x')\n").message).toBe('invalid syntax');
  });

  it('a bad string, number or bracket later in the file wins over a parse error, as in CPython', () => {
    expect(report('x = = 1\ny = "abc\n')).toBe('t.py:2:5: unterminated string literal (detected at line 2)\ny = "abc\n    ^');
    expect(report('x = = 1\ny = )\n')).toBe("t.py:2:5: unmatched ')'\ny = )\n    ^");
    expect(report('if x:\ny = 2\nz = "abc\n')).toBe('t.py:3:5: unterminated string literal (detected at line 3)\nz = "abc\n    ^');
    // ... but a bad dedent or line continuation does not.
    expect(caught('x = = 1\nif x:\n    y = 2\n  z = 3\n').line).toBe(1);
    expect(caught('x = = 1\ny = 1 \\ 2\n').line).toBe(1);
  });

  it('an unclosed bracket loses against a parse error on its own line, as in CPython', () => {
    expect(report('def f(:\n  pass\n')).toBe('t.py:1:7: invalid syntax\ndef f(:\n      ^');
  });

  it('a syntax error wins over an earlier unsupported construct', () => {
    expect(report('x = 1j\nx = = 1\n')).toBe('t.py:2:5: invalid syntax\nx = = 1\n    ^');
  });

  it('tabs in the source line are kept in the caret line', () => {
    const src = 'def f():\n\tif x:\n\t\treturn 1 +\n';
    expect(report(src)).toBe('t.py:3:13: invalid syntax\n\t\treturn 1 +\n\t\t          ^');
  });

  it('the error carries kind, line, col and message', () => {
    const e = caught('x = 1\n  y = 2\n');
    expect(e).toBeInstanceOf(Error);
    expect({ kind: e.kind, line: e.line, col: e.col, message: e.message }).toEqual({ kind: 'syntax', line: 2, col: 3, message: 'unexpected indent' });
  });
});

describe('constructs outside the subset', () => {
  const cases: [string, string][] = [
    ['async def f(): pass', "'async def' is not supported"],
    ['match x:\n  case 1:\n    pass', "'match' statements are not supported"],
    ['from m import *', "'from ... import *' is not supported"],
    ['from . import m', 'relative imports are not supported'],
    ['x = "\\N{DASH}"', '\\N{...} escapes are not supported'],
    ['class A(metaclass=M): pass', 'metaclasses are not supported'],
    ['class A(*bases): pass', 'starred base classes are not supported'],
    ['try:\n  pass\nexcept* E:\n  pass', "'except*' is not supported"],
    ['def f(a, /, b): pass', 'positional-only parameters are not supported'],
    ['x = [y async for y in z]', "'async for' comprehensions are not supported"],
  ];
  for (const [src, message] of cases) {
    it(message + ' — ' + src.split('\n')[0], () => {
      const e = caught(src + '\n');
      expect(e.kind).toBe('unsupported');
      expect(e.message).toBe(message);
    });
  }

  it('is positioned at the construct', () => {
    expect(report('import torch\nclass A(metaclass=M): pass\n')).toBe('t.py:2:9: metaclasses are not supported\nclass A(metaclass=M): pass\n        ^');
  });

  it('complex and bytes literals parse (they are refused only when they run); generator functions are marked', () => {
    expect(stmts("x = 1j\ny = b'abc'\n")).toMatchObject([
      { value: { kind: 'unsupported', message: 'complex numbers are not supported' } },
      { value: { kind: 'unsupported', message: 'bytes literals are not supported' } },
    ]);
    expect(stmts('def g():\n    yield 1\ndef h(): return 1\n')).toMatchObject([{ code: { isGenerator: true } }, { code: { isGenerator: false } }]);
    expect(stmts('def g():\n    x = yield\n    yield\n    yield from y\n')).toMatchObject([
      {
        code: {
          body: [
            { kind: 'assign', value: { kind: 'yield', value: null, from: false } },
            { kind: 'expr', expr: { kind: 'yield', value: null, from: false } },
            { kind: 'expr', expr: { kind: 'yield', value: { kind: 'name', id: 'y' }, from: true } },
          ],
        },
      },
    ]);
    // a yield in a lambda makes the lambda (not the def) a generator
    expect(stmts('def g():\n    return lambda: (yield)\n')).toMatchObject([{ code: { isGenerator: false } }]);
  });
});

describe('the Python that used to be refused', () => {
  it('lambdas, comprehensions and generator expressions', () => {
    expect(sx(expr('lambda x, *a, k=1, **kw: x + k'))).toBe('(lambda x a k kw: (+ x k))');
    expect(sx(expr('lambda: 0'))).toBe('(lambda : 0)');
    expect(sx(expr('[x * y for x in a if x for y in b if y > 0 if y < 9]'))).toBe('(listcomp (* x y) for x in a if x for y in b if (cmp y > 0) if (cmp y < 9))');
    expect(sx(expr('{k: v for k, v in d}'))).toBe('(dictcomp k: v for (tuple k v) in d)');
    expect(sx(expr('{x for x in s}'))).toBe('(setcomp x for x in s)');
    expect(sx(expr('sum(p.numel() for p in ps)'))).toBe('sum((generatorcomp p.numel() for p in ps))');
    expect(sx(expr('(x for x in y)'))).toBe('(generatorcomp x for x in y)');
    expect(caught('f(x for x in y, 1)\n').message).toBe('Generator expression must be parenthesized');
  });

  it('dict and set displays, starred items and arguments, the walrus, bit operators, ellipsis', () => {
    expect(sx(expr("{'a': 1, **d, 2: b}"))).toBe('{"a": 1, **d, 2: b}');
    expect(sx(expr('{}'))).toBe('{}');
    expect(sx(expr('{1, *s}'))).toBe('{1, *s}');
    expect(sx(expr('[*a, 1]'))).toBe('[*a, 1]');
    expect(sx(expr('f(*a, b, *c, k=1, **kw)'))).toBe('f(*a, b, *c, k=1, null=kw)');
    expect(sx(expr('(y := f(x))'))).toBe('(:= y f(x))');
    expect(sx(expr('a | b & c ^ d << 1 >> 2'))).toBe('(| a (^ (& b c) (>> (<< d 1) 2)))');
    expect(sx(expr('~a'))).toBe('(~ a)');
    expect(sx(expr('t[..., 0]'))).toBe('t[(tuple ... 0)]');
    expect(caught('f(**k, 1)\n').message).toBe('positional argument follows keyword argument unpacking');
    expect(caught('x = *a\n').message).toBe("can't use starred expression here");
  });

  it('classes, decorators, del, global, nonlocal, loop else, annotations', () => {
    const [c] = stmts('@dec\nclass A(B, C):\n    """doc"""\n    x: int = 1\n    def m(self) -> int:\n        return self.x\n');
    expect(c).toMatchObject({ kind: 'class', name: 'A', qualname: 'A', docstring: 'doc', bases: [{ id: 'B' }, { id: 'C' }], decorators: [{ id: 'dec' }] });
    const body = (c as { body: { kind: string; code?: { qualname: string } }[] }).body;
    expect(body.map((st) => st.kind)).toEqual(['expr', 'assign', 'def']);
    expect(body[2]!.code!.qualname).toBe('A.m');
    expect(stmts('del a, b[0], c.d\n')).toMatchObject([{ kind: 'del', targets: [{ kind: 'name' }, { kind: 'subscript' }, { kind: 'attr' }] }]);
    expect(stmts('for x in y:\n  break\nelse:\n  z = 1\nwhile a:\n  pass\nelse:\n  pass\n')).toMatchObject([
      { kind: 'for', orelse: [{ kind: 'assign' }] },
      { kind: 'while', orelse: [{ kind: 'pass' }] },
    ]);
    expect(stmts('x: int\ny: float = 2.0\n')).toMatchObject([{ kind: 'annotation' }, { kind: 'assign', targets: [{ id: 'y' }] }]);
    expect(stmts('def f(a: int, *args: str, k: float = 1, **kw: dict) -> None: pass\n')).toMatchObject([
      { code: { params: [{ name: 'a', kind: 'positional' }, { name: 'args', kind: 'varargs' }, { name: 'k', kind: 'keyword' }, { name: 'kw', kind: 'varkw' }] } },
    ]);
    expect(stmts('a, *b = c\n')).toMatchObject([{ targets: [{ kind: 'tuple', elts: [{ kind: 'name' }, { kind: 'starred' }] }] }]);
    expect(caught('a, *b, *c = d\n').message).toBe('multiple starred expressions in assignment');
    expect(caught('*a = b\n').message).toBe('starred assignment target must be in a list or tuple');
    expect(caught('def f(*, a=1, b): pass\ndef g(*): pass\n').message).toBe('named arguments must follow bare *');
  });
});

describe('scopes (CPython symtable rules)', () => {
  const refs = (src: string) => {
    const out: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(walk);
      if (!v || typeof v !== 'object') return;
      const o = v as Record<string, unknown>;
      if (o.kind === 'name') out.push(`${o.id}:${['global', 'fast', 'cell', 'class'][o.ref as number]}${o.slot === -1 ? '' : o.slot}`);
      for (const k of Object.keys(o)) if (k !== 'pos') walk(o[k]);
    };
    walk(stmts(src));
    return out;
  };

  it('a name assigned in a function is local there; others are global', () => {
    expect(refs('def f(a):\n    b = a + g\n    return b\n')).toEqual(['f:global', 'b:fast1', 'a:fast0', 'g:global', 'b:fast1']);
  });

  it('a captured local becomes a cell, shared with the inner function', () => {
    expect(refs('def f():\n    n = 0\n    def g():\n        nonlocal n\n        n += 1\n    return g\n')).toEqual(['f:global', 'n:cell0', 'g:fast1', 'n:cell0', 'g:fast1']);
  });

  it('global declarations, class bodies and comprehensions', () => {
    expect(refs('def f():\n    global x\n    x = 1\n')).toEqual(['f:global', 'x:global']);
    expect(refs('class A:\n    y = 1\n    z = y\n')).toEqual(['A:global', 'y:class', 'z:class', 'y:class']);
    expect(refs('def f(k):\n    return [x * k for x in k]\n')).toEqual(['f:global', 'x:fast0', 'k:cell0', 'x:fast0', 'k:cell0']);
  });

  it("CPython's scope errors", () => {
    expect(caught('def f():\n    nonlocal q\n').message).toBe("no binding for nonlocal 'q' found");
    expect(caught('nonlocal x\n').message).toBe('nonlocal declaration not allowed at module level');
    expect(caught('def f(a):\n    global a\n').message).toBe("name 'a' is parameter and global");
    expect(caught('def f():\n    x = 1\n    global x\n').message).toBe("name 'x' is assigned to before global declaration");
  });
});

describe('limits', () => {
  const limit = (src: string) => {
    const start = performance.now();
    const e = caught(src);
    expect(performance.now() - start).toBeLessThan(5000);
    expect(e.kind).toBe('limit');
    return e;
  };

  it('10,000 nested parentheses', () => {
    const e = limit('x = ' + '('.repeat(10_000) + '1' + ')'.repeat(10_000) + '\n');
    expect(e.message).toBe('nesting too deep (more than 200 levels)');
    expect(e.line).toBe(1);
  });

  it('10,000 nested unary minus, not, ** and calls', () => {
    for (const src of ['-'.repeat(10_000) + '1', 'not '.repeat(10_000) + 'x', '2' + ' ** 2'.repeat(10_000), 'f' + '()'.repeat(10_000), 'a' + ' + a'.repeat(10_000)]) {
      expect(limit('x = ' + src + '\n').message).toBe('nesting too deep (more than 200 levels)');
    }
  });

  it('just past 200 levels', () => {
    expect(limit('x = ' + '-'.repeat(201) + '1\n').message).toBe('nesting too deep (more than 200 levels)');
    expect(stmts('x = ' + '-'.repeat(150) + '1\n')).toHaveLength(1);
    expect(stmts('x = ' + '('.repeat(150) + '1' + ')'.repeat(150) + '\n')).toHaveLength(1);
  });

  it('deeply nested blocks and long elif chains', () => {
    const blocks = Array.from({ length: 300 }, (_, i) => ' '.repeat(i) + 'if x:\n').join('') + ' '.repeat(300) + 'pass\n';
    expect(limit(blocks).line).toBe(202);
    expect(limit('if a: pass\n' + 'elif b: pass\n'.repeat(1000)).line).toBe(202);
  });

  it('sources longer than 1,000,000 characters', () => {
    const e = limit('x = 1\n'.repeat(170_000));
    expect(e.message).toBe('script too long (1020000 characters; the limit is 1000000)');
  });
});

describe('formatScriptError', () => {
  it('prints file:line:col, the source line and a caret', () => {
    const err = new ScriptSyntaxError({ kind: 'unsupported', line: 2, col: 5, message: 'm' });
    expect(formatScriptError(err, 'a.py', 'x\r\n\tab = 1\r\n')).toBe('a.py:2:5: m\n\tab = 1\n\t   ^');
    expect(formatScriptError({ line: 3, col: 1, message: 'eof' }, 'a.py', 'x\n')).toBe('a.py:3:1: eof\n\n^');
  });
});

describe('conformance corpus', () => {
  const local = fileURLToPath(new URL('./conformance', import.meta.url));
  const dir = existsSync(local) ? local : '/work/shared/conformance';
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.py')).sort() : [];

  it.skipIf(files.length === 0)('parses every script without error', () => {
    const failures: string[] = [];
    for (const f of files) {
      const src = readFileSync(`${dir}/${f}`, 'utf8');
      try {
        parseProgram(src);
      } catch (e) {
        failures.push(e instanceof ScriptSyntaxError ? formatScriptError(e, f, src) : `${f}: ${String(e)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('numbers with a trailing dot inside f-string fields', () => {
  it('parse as floats, as outside strings', () => {
    const stmt = parseProgram('print(f"{x(-0.)} {{1.}} {2.:.1f}")\n').body[0]!;
    expect(stmt.kind).toBe('expr');
    const call = (stmt as { expr: { args: { parts: unknown[] }[] } }).expr.args[0]!;
    expect(call.parts).toMatchObject([
      { kind: 'field', expr: { kind: 'call', args: [{ kind: 'unary', operand: { kind: 'num', value: 0, isInt: false } }] } },
      { kind: 'text', value: ' {1.} ' },
      { kind: 'field', expr: { kind: 'num', value: 2, isInt: false }, spec: [{ kind: 'text', value: '.1f' }] },
    ]);
  });
});
