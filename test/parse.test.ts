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
  }
}

function part(p: FStringPart): string {
  if (p.kind === 'text') return JSON.stringify(p.value);
  return `{${sx(p.expr)}${p.conversion ? '!' + p.conversion : ''}${p.spec !== null ? ':' + p.spec : ''}}`;
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
    const body = stmts('import torch\nimport torch.nn.functional as F, math\nfrom math import pi as PI, e\nfrom torch import (nn,\n  autograd)\n');
    expect(body).toMatchObject([
      { kind: 'import', module: 'torch', asName: null },
      { kind: 'import', module: 'torch.nn.functional', asName: 'F' },
      { kind: 'import', module: 'math', asName: null },
      { kind: 'importfrom', module: 'math', names: [{ name: 'pi', asName: 'PI' }, { name: 'e', asName: null }] },
      { kind: 'importfrom', module: 'torch', names: [{ name: 'nn', asName: null }, { name: 'autograd', asName: null }] },
    ]);
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
    expect(body[0]).toMatchObject({ kind: 'with', items: [{ asName: null }], body: [{ kind: 'assign' }] });
    const w = body[1]!;
    if (w.kind !== 'with') throw new Error('with');
    expect(w.items.map((i) => `${sx(i.context)} as ${i.asName}`)).toEqual(['A as b', 'C as null', 'D() as e']);
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
    expect(t.handlers.map((h) => `${sx(h.type)} as ${h.name} @${h.pos.line}:${h.pos.col}`)).toEqual([
      '(tuple ValueError TypeError) as err @3:1', 'RuntimeError as null @5:1', '_ as null @7:1',
    ]);
    expect(t.body).toMatchObject([{ kind: 'raise', exc: { kind: 'call' } }]);
    expect(t.handlers[1]!.body).toMatchObject([{ kind: 'raise', exc: null }]);
    expect(t.orelse).toMatchObject([{ kind: 'pass' }]);
    expect(t.finalbody).toMatchObject([{ kind: 'assert', msg: { kind: 'str', value: 'msg' } }]);
    expect(a).toMatchObject({ kind: 'assert', msg: null });
    expect(stmts('try:\n  pass\nfinally:\n  pass\n')).toMatchObject([{ kind: 'try', handlers: [], finalbody: [{ kind: 'pass' }] }]);
  });

  it('def with defaults and decorators, return', () => {
    const [f, g] = stmts('@torch.no_grad()\ndef f(a, b=1.0, c=-2):\n    """doc"""\n    return a * b\ndef g(): return 1, 2\n');
    if (f?.kind !== 'def' || g?.kind !== 'def') throw new Error('def');
    expect(f.name).toBe('f');
    expect(f.pos).toEqual({ line: 2, col: 1 });
    expect(f.params.map((p) => `${p.name}=${sx(p.default)}@${p.pos.col}`)).toEqual(['a=_@7', 'b=1.0@10', 'c=(- 2)@17']);
    expect(f.decorators.map(sx)).toEqual(['torch.no_grad()']);
    expect(f.body).toMatchObject([{ kind: 'expr', expr: { kind: 'str' } }, { kind: 'return', value: { kind: 'binary' } }]);
    expect(g.body).toMatchObject([{ kind: 'return', value: { kind: 'tuple' } }]);
    expect(stmts('def h():\n  return\n')[0]).toMatchObject({ body: [{ kind: 'return', value: null }] });
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
  });

  it('CRLF line endings, tabs and a byte order mark', () => {
    const body = stmts('\uFEFFdef f(a):\r\n\tif a:\r\n\t\treturn 1\r\n\treturn 2\r\ns = """a\r\nb"""\r\n');
    expect(body).toMatchObject([{ kind: 'def', body: [{ kind: 'if' }, { kind: 'return' }] }, { kind: 'assign', value: { value: 'a\nb' } }]);
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
    expect(report('f = lambda: 0\nx = = 1\n')).toBe('t.py:2:5: invalid syntax\nx = = 1\n    ^');
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
    ['f = lambda x: x', 'lambda expressions are not supported'],
    ['y = [x for x in z]', 'list comprehensions are not supported'],
    ['y = sum(x for x in z)', 'generator expressions are not supported'],
    ['class A:\n  pass', 'classes are not supported'],
    ['global x', "'global' statements are not supported"],
    ['def f():\n  nonlocal x', "'nonlocal' statements are not supported"],
    ['@foo\ndef f(): pass', 'decorators other than @torch.no_grad() are not supported'],
    ['f(*a)', 'starred arguments (*args, **kwargs) are not supported'],
    ['f(**k)', 'starred arguments (*args, **kwargs) are not supported'],
    ['a, *b = c', 'starred expressions (*x) are not supported'],
    ['if (y := 3): pass', 'the walrus operator (:=) is not supported'],
    ['del x', "'del' statements are not supported"],
    ['def f():\n  yield 1', "'yield' is not supported"],
    ['async def f(): pass', "'async def' is not supported"],
    ['match x:\n  case 1:\n    pass', "'match' statements are not supported"],
    ['x = {1: 2}', 'dict literals are not supported'],
    ['x = {1}', 'set literals are not supported'],
    ['from m import *', "'from ... import *' is not supported"],
    ['from . import m', 'relative imports are not supported'],
    ['x = a | b', "the '|' operator is not supported (bitwise operators)"],
    ['x = ~a', "the '~' operator is not supported (bitwise operators)"],
    ['x |= a', "the '|=' operator is not supported (bitwise operators)"],
    ['x: int = 3', 'type annotations are not supported'],
    ['def f(a: int): pass', 'type annotations are not supported'],
    ['def f(*args): pass', "'*args' parameters are not supported"],
    ['def f(**kw): pass', "'**kwargs' parameters are not supported"],
    ['for x in y:\n  pass\nelse:\n  pass', "'else' clauses on loops are not supported"],
    ['raise A from B', "'raise ... from ...' is not supported"],
    ['x = 1j', 'complex numbers are not supported'],
    ["x = b'abc'", 'bytes literals are not supported'],
    ['x = f"{a!a}"', 'the !a conversion is not supported'],
    ['x = f"{a:{w}}"', 'nested replacement fields in format specs are not supported'],
    ['x = "\\N{DASH}"', '\\N{...} escapes are not supported'],
  ];
  for (const [src, message] of cases) {
    it(message + ' — ' + src.split('\n')[0], () => {
      const e = caught(src + '\n');
      expect(e.kind).toBe('unsupported');
      expect(e.message).toBe(message);
    });
  }

  it('is positioned at the construct', () => {
    expect(report('import torch\ny = 2 * [x for x in z]\n')).toBe('t.py:2:9: list comprehensions are not supported\ny = 2 * [x for x in z]\n        ^');
    expect(report('x = f(1,\n      *a)\n')).toBe('t.py:2:7: starred arguments (*args, **kwargs) are not supported\n      *a)\n      ^');
  });

  it('keeps grad-mode decorators for the interpreter to judge', () => {
    const [f] = stmts('@torch.enable_grad\ndef f(): pass\n');
    expect(f).toMatchObject({ kind: 'def', decorators: [{ kind: 'attr', name: 'enable_grad' }] });
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
      { kind: 'field', expr: { kind: 'num', value: 2, isInt: false }, spec: '.1f' },
    ]);
  });
});
