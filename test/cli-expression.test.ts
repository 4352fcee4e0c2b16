/**
 * `dzdx check -e EXPR --at VALUES` and `dzdx diff EXPR` through the real
 * CLI (dist/, built by `npm test` first): reports, exit codes 0 / 1 / 2,
 * hostile input ending in one positioned message with a caret (never a
 * stack trace, never a hang), and `dzdx run` still never loading mathjs.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXCERPT_WIDTH } from '../src/program/excerpt.js';
import { sameValues } from '../src/symbolic/display.js';
import { parseUserExpression } from '../src/symbolic/expression.js';

const CLI = 'dist/cli/main.js';
const TIMEOUT = 20_000;

/** Runs the CLI (asynchronously, so that the tests of a describe.concurrent block overlap). */
function dzdx(args: string[], options: { input?: string; nodeArgs?: string[] } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('node', [...(options.nodeArgs ?? []), CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

const noStackTrace = (stderr: string) => {
  expect(stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
  expect(stderr).not.toMatch(/^\w*Error: /m);
};

const equivalent = (formula: string, reference: string) =>
  sameValues(parseUserExpression(formula).node, parseUserExpression(reference).node);

/** stderr is `NAME:1:COL: message`, the text, and a caret under COL. */
function expectPositioned(stderr: string, name: '<expr>' | '<at>', text: string): { col: number; message: string } {
  noStackTrace(stderr);
  const lines = stderr.split('\n');
  expect(lines.at(-1)).toBe('');
  expect(lines).toHaveLength(4);
  const m = new RegExp(`^${name}:1:(\\d+): (\\S.*)$`).exec(lines[0]!);
  expect(m, lines[0]).not.toBeNull();
  const col = Number(m![1]);
  if (text.length <= EXCERPT_WIDTH) {
    expect(lines[1]).toBe(text);
    expect(lines[2]).toBe(`${' '.repeat(col - 1)}^`);
  } else {
    // A window of the text around the column, the caret under the same character.
    expect(lines[1]!.length).toBeLessThanOrEqual(EXCERPT_WIDTH + 2);
    expect(lines[2]).toMatch(/^ *\^$/);
    expect(lines[1]![lines[2]!.length - 1]).toBe(text[col - 1]);
  }
  return { col, message: m![2]! };
}

describe.concurrent('dzdx check -e', () => {
  it("the issue's example: expected = actual = [[5, 16], [33, 56]], exit 0", async () => {
    const r = await dzdx(['check', '-e', 'z = x^2 + x^3', '--at', 'x=[[1,2],[3,4]]']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('z = x^2 + x^3   (shape [2, 2], float64)');
    expect(lines[1]).toBe('  z = [[2, 12], [36, 80]]');
    const formula = /^ {2}dz\/dx = (.*)$/m.exec(r.stdout)![1]!;
    expect(equivalent(formula, '2*x + 3*x^2')).toBe(true);
    expect(r.stdout).toContain('    expected            [[5, 16], [33, 56]]\n    actual (tape)       [[5, 16], [33, 56]]\n');
    expect(r.stdout).toContain('    finite differences  [[5, 16], [33, 56]]\n');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('1 of 1 gradient agree: agree');
  }, TIMEOUT);

  it('--json prints the report, NaN and infinities kept', async () => {
    const r = await dzdx(['check', '-e', 'sqrt(x)', '--at', 'x=[0, 4]', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.shape).toEqual([2]);
    expect(report.gradients[0].expected).toEqual(['inf', 0.25]);
    expect(report.gradients[0].actual).toEqual(['inf', 0.25]);
    expect(report.ok).toBe(true);
  }, TIMEOUT);

  it('two variables with broadcasting, in Python syntax', async () => {
    const r = await dzdx(['check', '-e', 'z = x**2 * y', '--at', 'x=[[1,2],[3,4]]; y=[10, 20]']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  dz/dy = ');
    expect(r.stdout).toContain('    expected            [10, 20]\n    actual (tape)       [10, 20]\n');
  }, TIMEOUT);

  it("kinks: PyTorch's values on the tape and in expected; finite differences differ, with a note; exit 0", async () => {
    const r = await dzdx(['check', '-e', 'relu(x) + abs(x) + clamp(x, 0, 1) + max(x, y)', '--at', 'x=[0, 1, 2], y=[0, 0, 3]']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('    expected            [1.5, 4, 2]\n    actual (tape)       [1.5, 4, 2]\n');
    expect(r.stdout).toContain('    finite differences  [1.5, 3.5, 2]\n');
    expect(r.stdout).toContain("note: relu(x) is at 0 at 1 element: PyTorch takes relu'(0) = 0");
    expect(r.stdout).toContain('note: clamp(x, 0, 1) is at a bound at 2 elements');
  }, TIMEOUT);

  it('exit 1 when the tape and the symbolic side disagree (float32 at zero tolerance)', async () => {
    const r = await dzdx(['check', '-e', 'x^3 + sin(x)', '--at', 'x=0.1', '--dtype', 'float32', '--rtol', '0', '--atol', '0']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/: disagree\n/);
  }, TIMEOUT);

  it('an expression starting with - is given as -e=…', async () => {
    const r = await dzdx(['check', '-e=-x^2', '--at', 'x=3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('    expected            -6\n');
  }, TIMEOUT);

  it('usage errors: exit 2 with one line and the usage hint', async () => {
    for (const args of [
      ['check'],
      ['check', '-e', 'x'],
      ['check', 'file.py', '-e', 'x', '--at', 'x=1'],
      ['check', '-e', 'x', '--at', 'x=1', '--at', 'x=2'],
      ['check', '-e', 'x', '--at', 'x=1', '--dtype', 'float16'],
      ['check', 'file.py', '--at', 'x=1'],
    ]) {
      const r = await dzdx(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^dzdx: .*\n(.*\n)?Run dzdx --help for usage\.\n$/);
      noStackTrace(r.stderr);
    }
  }, TIMEOUT);

  it('a script still works as before', async () => {
    const r = await dzdx(['check', '-'], { input: 'import torch\nx = torch.tensor([1., 2.], requires_grad=True)\n(x ** 2).sum().backward()\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 of 1 backward call agree');
  }, TIMEOUT);
});

describe.concurrent('dzdx diff', () => {
  it('prints the derivative', async () => {
    const r = await dzdx(['diff', 'x^2 + x^3', '--wrt', 'x']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(2);
    expect(equivalent(lines[0]!, '2*x + 3*x^2')).toBe(true);
  }, TIMEOUT);

  it('--latex prints LaTeX', async () => {
    const r = await dzdx(['diff', 'x**2 + x**3', '--wrt', 'x', '--latex']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('2\\cdot x+3\\cdot{ x}^{2}\n');
  }, TIMEOUT);

  it('--at adds the values; --wrt defaults to the only variable', async () => {
    const r = await dzdx(['diff', 'x^2 + x^3', '--at', 'x=[[1,2],[3,4]]']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[1]).toBe('[[5, 16], [33, 56]]');
    const two = await dzdx(['diff', 'z = x*y', '--wrt', 'y', '--at', 'x=[1, 2]', '--json']);
    expect(JSON.parse(two.stdout)).toMatchObject({ formula: 'x', wrt: 'y', target: 'z', shape: [2], values: [1, 2] });
  }, TIMEOUT);

  it('an expression starting with - goes after --', async () => {
    const r = await dzdx(['diff', '--wrt', 'x', '--', '-x^2']);
    expect(r.code).toBe(0);
    expect(equivalent(r.stdout.trim(), '-2*x')).toBe(true);
  }, TIMEOUT);

  it('bad --wrt, several variables without --wrt', async () => {
    const r = await dzdx(['diff', 'x^2', '--wrt', 'y']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("dzdx: 'y' is not a variable of the expression (its variables: x)\n");
    const text = 'x*y';
    const two = await dzdx(['diff', text]);
    expect(two.code).toBe(2);
    expect(expectPositioned(two.stderr, '<expr>', text).message).toMatch(/name one with --wrt/);
  }, TIMEOUT);

  it('deeply nested calls print their LaTeX quickly', async () => {
    const r = await dzdx(['diff', `${'sqrt('.repeat(90)}x${')'.repeat(90)}`, '--latex']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\\sqrt/);
  }, TIMEOUT);
});

describe.concurrent('hostile and broken expressions: exit 2, a position and a caret, no code run', () => {
  const cases: [string, string, RegExp, number?][] = [
    ['a syntax error', 'x +* 2', /Value expected/, 4],
    ['an unclosed bracket', '(x + 1', /Parenthesis \) expected/],
    ['an unknown function', 'foo(x)', /unknown function 'foo'/, 1],
    ['property access', 'x.constructor', /property access/, 2],
    ['constructor as a function', 'constructor(x)', /unknown function 'constructor'/, 1],
    ['__proto__', 'x + __proto__', /the name '__proto__' is not allowed/, 5],
    ['a bracket index', 'x["constructor"]', /unexpected character "\["/, 2],
    ['config(...)', "config({number: 'BigNumber'})", /unknown function 'config'/, 1],
    ['createUnit(...)', "createUnit('foo')", /unknown function 'createUnit'/, 1],
    ['evaluate(...)', "evaluate('1+1')", /unknown function 'evaluate'/, 1],
    ['a range', 'x = 1:1e9', /unexpected character ":"/, 6],
    ['a huge power', 'x^1e9', /exponent too large/, 3],
    ['a huge power written out', 'x ** 123456789', /exponent too large/, 6],
    ['a function definition', 'f(x) = x^2', /unknown function 'f'/, 1],
    ['a string', "x + 'abc'", /unexpected character "'"/, 5],
    ['two statements', 'x; y', /unexpected character ";"/, 2],
    ['a unit keyword', 'x to cm', /'to' is not supported/, 3],
    ['implicit multiplication', '2x', /implicit multiplication/, 2],
    ['a control character', 'x +\u001b[2J 1', /unexpected character "\\u001b"/, 4],
    ['no variables', '1 + 2', /no variables to differentiate/, 1],
  ];
  // Both commands parse alike: `diff` is run on the tricks, `check -e` on all.
  const tricks = /constructor|proto|config|createUnit|evaluate|range|huge power$/;
  for (const [what, text, message, col] of cases) {
    it(what, async () => {
      const commands = [['check', '-e', text, '--at', 'x=1'], ...(tricks.test(what) ? [['diff', text]] : [])];
      for (const args of commands) {
        const r = await dzdx(args);
        expect(r.code, `${args[0]} ${text}`).toBe(2);
        expect(r.stdout).toBe('');
        const shown = text.replace(/\u001b/g, '\ufffd');
        const got = expectPositioned(r.stderr, '<expr>', shown);
        expect(got.message).toMatch(message);
        if (col !== undefined) expect(got.col).toBe(col);
      }
    }, TIMEOUT);
  }

  const deep: [string, string, RegExp][] = [
    ['deep brackets', `${'('.repeat(5000)}x${')'.repeat(5000)}`, /nested too deeply|too long/],
    ['a power tower', `${'x^'.repeat(3000)}x`, /nested too deeply/],
    ['unary signs', `${'-'.repeat(3000)}x`, /nested too deeply/],
    ['nested calls', `${'sin('.repeat(1500)}x${')'.repeat(1500)}`, /nested too deeply/],
    ['a long sum', `${'x+'.repeat(2400)}x`, /too deep/],
    ['too long', 'x+'.repeat(6000) + 'x', /too long/],
  ];
  for (const [what, text, message] of deep) {
    it(what, async () => {
      const r = await dzdx(['check', '-e', text, '--at', 'x=1']);
      expect(r.code).toBe(2);
      expect(expectPositioned(r.stderr, '<expr>', text).message).toMatch(message);
    }, TIMEOUT);
  }

  it('a missing value points at the variable', async () => {
    const r = await dzdx(['check', '-e', 'z = x^2 + y', '--at', 'x=1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("<expr>:1:11: no value given for 'y' (give one with --at, e.g. y=1)\nz = x^2 + y\n          ^\n");
  }, TIMEOUT);
});

describe('bad --at values: exit 2, a position in the values and a caret', () => {
  const cases: [string, RegExp, number][] = [
    ['x=[[1,2],[3]]', /ragged list/, 10],
    ['x=[1,[2]]', /ragged list/, 6],
    ['x=1e999', /number out of range/, 3],
    ['x=__proto__', /expected a number, not '__proto__'/, 3],
    ['__proto__=1', /not allowed/, 1],
    ['x=constructor', /expected a number, not 'constructor'/, 3],
    ['x=[1,2', /'\[' was never closed/, 3],
    ['x=0x10', /malformed number/, 3],
    ['x=1, y=2', /'y' is not a variable of the expression/, 6],
    ['x=[1,2], x=3', /given a value twice/, 10],
    [`x=${'['.repeat(40)}1${']'.repeat(40)}`, /nested too deeply \(more than 32 levels\)/, 35],
    [`x=${'['.repeat(50_000)}`, /nested too deeply/, 35],
    [`x=[${'1,'.repeat(60_000)}1]`, /too long \(more than 100000 characters\)/, 100_001],
  ];
  for (const [at, message, col] of cases) {
    it(at.length > 40 ? `${at.slice(0, 40)}… (${at.length} characters)` : at, async () => {
      const r = await dzdx(['check', '-e', 'x^2', '--at', at]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const got = expectPositioned(r.stderr, '<at>', at);
      expect(got.message).toMatch(message);
      expect(got.col).toBe(col);
    }, TIMEOUT);
  }

  it('values that do not broadcast', async () => {
    const r = await dzdx(['check', '-e', 'x + y', '--at', 'x=[1,2], y=[1,2,3]']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "<at>:1:12: the value of 'y' (shape [3]) does not broadcast with the shape [2] of the values before it\nx=[1,2], y=[1,2,3]\n           ^\n",
    );
  }, TIMEOUT);

  it('too many elements after broadcasting', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => i).join(',');
    const col = `x=[${many}], y=`.length + 1;
    const r = await dzdx(['check', '-e', 'x * y', '--at', `x=[${many}], y=[[${many.replace(/,/g, '],[')}]]`]);
    expect(r.code).toBe(2);
    const got = expectPositioned(r.stderr, '<at>', `x=[${many}], y=[[${many.replace(/,/g, '],[')}]]`);
    expect(got.message).toMatch(/broadcast to 1002001 elements/);
    expect(got.col).toBe(col);
  }, TIMEOUT);
});

/** Files reachable by static imports (import … from, export … from, import '…') from `entry`, and the bare specifiers they import. */
function staticImports(entry: string): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const stack = [resolve(entry)];
  const pattern = /^\s*(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm;
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(pattern)) {
      const spec = m[1] ?? m[2]!;
      if (spec.startsWith('.')) {
        const target = join(dirname(file), spec);
        if (existsSync(target)) stack.push(target);
      } else bare.add(spec);
    }
  }
  return { files, bare };
}

describe('dzdx run never loads mathjs', () => {
  it('statically: nothing reachable from the CLI entry or the script runner imports the symbolic side', async () => {
    for (const entry of [CLI, 'dist/src/program/run.js']) {
      const { files, bare } = staticImports(entry);
      expect(files.size).toBeGreaterThan(entry === CLI ? 0 : 10);
      const symbolic = [...files].filter((f) => f.includes(`${join('dist', 'src', 'symbolic')}`) || f.includes(join('dist', 'src', 'check')));
      expect(symbolic, entry).toEqual([]);
      expect([...bare].filter((s) => s.startsWith('mathjs')), entry).toEqual([]);
      for (const f of files) expect(readFileSync(f, 'utf8'), f).not.toMatch(/mathjs\/lib|require\(['"]mathjs/);
    }
    // The walker does see the symbolic side where it is imported.
    expect([...staticImports('dist/src/check/expression-check.js').files].some((f) => f.endsWith(join('symbolic', 'mathjs.js')))).toBe(true);
  });

  // At exit, list the mathjs files in the CommonJS cache (mathjs.ts loads its bundle with require).
  const probe = [
    'import { createRequire } from "node:module";',
    'const r = createRequire(process.cwd() + "/");',
    'process.on("exit", () => process.stderr.write("mathjs modules loaded: " + Object.keys(r.cache).filter((k) => k.includes("mathjs")).length + "\\n"));',
  ].join('\n');
  const nodeArgs = ['--import', `data:text/javascript,${encodeURIComponent(probe)}`];

  it('at run time: dzdx run loads no mathjs module (and the probe sees the one dzdx diff loads)', async () => {
    const script = 'import torch\nx = torch.tensor([1., 2.], requires_grad=True)\ny = (x.sin() * x ** 2).sum()\ny.backward()\nprint(x.grad)\n';
    const run = await dzdx(['run', '-'], { input: script, nodeArgs });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^tensor\(\[/);
    expect(run.stderr).toBe('mathjs modules loaded: 0\n');
    const diff = await dzdx(['diff', 'x^2'], { nodeArgs });
    expect(diff.code).toBe(0);
    expect(diff.stderr).toMatch(/^mathjs modules loaded: [1-9]\d*\n$/);
  }, TIMEOUT);
});
