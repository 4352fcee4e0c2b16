/**
 * Quick expressions as a library: checkExpression (tape = symbolic =
 * finite differences, with PyTorch's kink values), diffExpression, and the
 * `--at` values parser.
 */
import { describe, expect, it } from 'vitest';
import { AtValuesError, parseAt, parseAtEntries } from '../src/check/at-values.js';
import { checkExpression, diffExpression, ExpressionUsageError, type ExpressionReport } from '../src/check/expression-check.js';
import { formatExpressionReport } from '../src/check/expression-report.js';
import * as api from '../src/check/index.js';
import { ExpressionError, parseUserExpression } from '../src/symbolic/expression.js';
import { sameValues } from '../src/symbolic/display.js';

function grad(r: ExpressionReport, name: string) {
  const g = r.gradients.find((x) => x.name === name);
  if (!g) throw new Error(`no gradient for ${name}`);
  return g;
}

/** The error `f` throws, checked to be of class `type`. */
function thrown<T extends Error>(f: () => unknown, type: new (...args: never[]) => T): T {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(type);
    return err as T;
  }
  throw new Error('did not throw');
}

const equivalent = (formula: string, reference: string) =>
  sameValues(parseUserExpression(formula).node, parseUserExpression(reference).node);

describe('parseAt', () => {
  it('reads a nested list, several values and both separators', () => {
    expect(parseAt('x=[[1,2],[3,4]]')).toEqual({ x: [[1, 2], [3, 4]] });
    expect(parseAt('x=1, y=[1,2]')).toEqual({ x: 1, y: [1, 2] });
    expect(parseAt('x=1;y=2')).toEqual({ x: 1, y: 2 });
    expect(parseAt(' x = [ 1 , 2 , ] ,\n y = 3 ')).toEqual({ x: [1, 2], y: 3 });
    expect(parseAt('a=1\nb=2')).toEqual({ a: 1, b: 2 });
  });

  it('reads numbers with signs, decimals and exponents', () => {
    expect(parseAt('x=[-1.5e-3, +2, .5, 3., 1E2, -0]')).toEqual({ x: [-1.5e-3, 2, 0.5, 3, 100, -0] });
    expect(Object.is((parseAt('x=-0') as { x: number }).x, -0)).toBe(true);
  });

  it('keeps positions of names and values', () => {
    const { entries } = parseAtEntries('x=[[1,2],[3,4]], y = 5');
    expect(entries.map((e) => [e.name, e.nameIndex, e.valueIndex, e.shape, e.values])).toEqual([
      ['x', 0, 2, [2, 2], [1, 2, 3, 4]],
      ['y', 17, 21, [], [5]],
    ]);
  });

  const bad: [string, number, RegExp][] = [
    ['x=[[1,2],[3]]', 9, /ragged list: 1 element, where the first list at this depth has 2/],
    ['x=[[1,2],[3,4,5]]', 14, /ragged list: more than 2 elements/],
    ['x=[1,[2]]', 5, /ragged list: expected a number here/],
    ['x=[[1],2]', 7, /ragged list: expected a list/],
    ['x=[1,2', 2, /'\[' was never closed/],
    ['x=[]', 2, /empty lists/],
    ['x=1e999', 2, /number out of range/],
    ['x=NaN', 2, /expected a number, not 'NaN'/],
    ['x=0x10', 2, /malformed number/],
    ['x=1.2.3', 2, /malformed number/],
    ['x=1 y=2', 4, /expected ',' or ';' between values/],
    ['x=1, x=2', 5, /'x' is given a value twice/],
    ['__proto__=1', 0, /not allowed/],
    ['constructor=1', 0, /not allowed/],
    ['x', 1, /expected '=' after 'x'/],
    ['=1', 0, /expected a variable name/],
    ['', 0, /no values given/],
    ['x=eval(1)', 2, /expected a number, not 'eval'/],
    ['x=[1;2]', 4, /expected ',' or '\]'/],
  ];
  for (const [text, index, message] of bad) {
    it(`refuses ${JSON.stringify(text)} at offset ${index}`, () => {
      const e = thrown(() => parseAt(text), AtValuesError);
      expect(e.message).toMatch(message);
      expect(e.index).toBe(index);
      expect(e.col).toBe(index + 1);
      expect(e.text).toBe(text);
    });
  }

  it('bounds nesting, length and the count of numbers', () => {
    const deep = `x=${'['.repeat(33)}1${']'.repeat(33)}`;
    const e = thrown(() => parseAt(deep), AtValuesError);
    expect(e.message).toMatch(/nested too deeply \(more than 32 levels\)/);
    expect(e.index).toBe(2 + 32);
    expect(() => parseAt(`x=${'['.repeat(32)}1${']'.repeat(32)}`)).not.toThrow();
    const endless = `x=${'['.repeat(1_000_000)}`;
    expect(thrown(() => parseAt(endless), AtValuesError).message).toMatch(/too long \(more than 100000 characters\)/);
    // 1,000,001 numbers only fit in a record (the text limit stops them first).
    const many = thrown(() => checkExpression('x', { x: new Array<number>(1_000_001).fill(0) }), AtValuesError);
    expect(many.message).toMatch(/too many numbers \(more than 1000000\)/);
  });

  it('reports line and column on multi-line text', () => {
    const e = thrown(() => parseAt('x=1\ny=[1,\n  [2]]'), AtValuesError);
    expect([e.line, e.col]).toEqual([3, 3]);
  });
});

describe('checkExpression', () => {
  it("the issue's example: z = x^2 + x^3 at x=[[1,2],[3,4]]", () => {
    const r = checkExpression('z = x^2 + x^3', 'x=[[1,2],[3,4]]');
    expect(r.target).toBe('z');
    expect(r.shape).toEqual([2, 2]);
    expect(r.dtype).toBe('float64');
    expect(r.value).toEqual([2, 12, 36, 80]);
    const x = grad(r, 'x');
    expect(x.shape).toEqual([2, 2]);
    expect(x.expected).toEqual([5, 16, 33, 56]);
    expect(x.actual).toEqual([5, 16, 33, 56]);
    x.finiteDifferences.forEach((v, i) => expect(v).toBeCloseTo([5, 16, 33, 56][i]!, 6));
    expect(x.verdict).toBe('agree');
    expect(x.finiteDifferencesAgree).toBe(true);
    expect(equivalent(x.formula, '2*x + 3*x^2')).toBe(true);
    expect(x.latex).toContain('x');
    expect(r.ok).toBe(true);
    expect(r.exitCode).toBe(0);
  });

  it('takes a record as well as text, with the same result', () => {
    const a = checkExpression('z = x^2 + x^3', { x: [[1, 2], [3, 4]] });
    const b = checkExpression('z = x^2 + x^3', 'x=[[1,2],[3,4]]');
    expect(a).toEqual(b);
  });

  it("Python's ** is a power", () => {
    const r = checkExpression('x**2 + 2**x', 'x=[1, 2]');
    const x = grad(r, 'x');
    expect(x.expected[0]).toBeCloseTo(2 + 2 * Math.LN2, 12);
    expect(x.expected[1]).toBeCloseTo(4 + 4 * Math.LN2, 12);
    expect(x.verdict).toBe('agree');
    expect(r.target).toBeNull();
  });

  it('two variables broadcast together; the smaller gradient is summed back', () => {
    const r = checkExpression('z = x*y + sin(x)', 'x=[[1,2],[3,4]], y=[10, 20]');
    expect(r.shape).toEqual([2, 2]);
    expect(r.variables).toEqual(['x', 'y']);
    const x = grad(r, 'x');
    const y = grad(r, 'y');
    expect(x.expected).toEqual([10 + Math.cos(1), 20 + Math.cos(2), 10 + Math.cos(3), 20 + Math.cos(4)]);
    expect(y.shape).toEqual([2]);
    expect(y.expected).toEqual([4, 6]);
    expect(y.actual).toEqual([4, 6]);
    expect(y.finiteDifferences[0]).toBeCloseTo(4, 6);
    expect(r.ok).toBe(true);
  });

  it('a scalar against a tensor: its gradient is the sum', () => {
    const r = checkExpression('a * x^2', 'a=3, x=[1, 2, 3]');
    expect(grad(r, 'a').shape).toEqual([]);
    expect(grad(r, 'a').expected).toEqual([14]);
    expect(grad(r, 'a').actual).toEqual([14]);
    expect(grad(r, 'x').expected).toEqual([6, 12, 18]);
    expect(r.ok).toBe(true);
  });

  it('broadcasts leading and unit dims both ways', () => {
    const r = checkExpression('x * y', 'x=[[1],[2],[3]], y=[[1, 2]]');
    expect(r.shape).toEqual([3, 2]);
    expect(grad(r, 'x').expected).toEqual([3, 3, 3]);
    expect(grad(r, 'y').expected).toEqual([6, 6]);
    expect(r.ok).toBe(true);
  });

  it("kinks take PyTorch's values: relu'(0) = 0, abs'(0) = 0", () => {
    const r = checkExpression('relu(x) + abs(x)', 'x=[-1, 0, 2]');
    const x = grad(r, 'x');
    expect(x.expected).toEqual([-1, 0, 2]);
    expect(x.actual).toEqual([-1, 0, 2]);
    expect(x.verdict).toBe('agree');
    // Finite differences see the kink: (1 - 0)/2 + (1 + 1)/2 at 0.
    expect(x.finiteDifferences[1]).toBeCloseTo(0.5, 6);
    expect(x.finiteDifferencesAgree).toBe(false);
    expect(x.notes.join('\n')).toMatch(/relu\(x\) is at 0 at 1 element: PyTorch takes relu'\(0\) = 0/);
    expect(x.notes.join('\n')).toMatch(/abs\(x\) is at 0 at 1 element/);
    expect(r.ok).toBe(true);
  });

  it('clamp counts its bounds as inside', () => {
    const r = checkExpression('clamp(x, 0, 1)', 'x=[-1, 0, 0.5, 1, 2]');
    const x = grad(r, 'x');
    expect(x.expected).toEqual([0, 1, 1, 1, 0]);
    expect(x.actual).toEqual([0, 1, 1, 1, 0]);
    expect(x.finiteDifferences[1]).toBeCloseTo(0.5, 6);
    expect(x.notes.join('\n')).toMatch(/is at a bound at 2 elements/);
    expect(r.ok).toBe(true);
  });

  it('clamp with tensor bounds: the gradient goes to x inside, to the bound that holds outside', () => {
    const r = checkExpression('clamp(x, lo, hi)', 'x=[-1, 0, 0.5, 1, 2], lo=0, hi=[1, 1, 1, 1, 1]');
    expect(grad(r, 'x').expected).toEqual([0, 1, 1, 1, 0]);
    expect(grad(r, 'x').actual).toEqual([0, 1, 1, 1, 0]);
    expect(grad(r, 'lo').actual).toEqual([1]);
    expect(grad(r, 'hi').actual).toEqual([0, 0, 0, 0, 1]);
    expect(r.ok).toBe(true);
  });

  it('max and min split a tie half and half', () => {
    const r = checkExpression('max(x, y) + minimum(x, y)', 'x=[1, 2, 3], y=[1, 1, 4]');
    expect(grad(r, 'x').expected).toEqual([1, 1, 1]);
    expect(grad(r, 'x').actual).toEqual([1, 1, 1]);
    const t = checkExpression('max(x, y)', 'x=[1, 2, 3], y=[1, 1, 4]');
    expect(grad(t, 'x').expected).toEqual([0.5, 1, 0]);
    expect(grad(t, 'x').actual).toEqual([0.5, 1, 0]);
    expect(grad(t, 'y').actual).toEqual([0.5, 0, 1]);
    // Finite differences average the two sides of a tie: the same half and half.
    expect(grad(t, 'x').finiteDifferences[0]).toBeCloseTo(0.5, 6);
    expect(t.ok).toBe(true);
    // A number against a variable.
    const c = checkExpression('max(x, 1)', 'x=[0, 1, 2]');
    expect(grad(c, 'x').actual).toEqual([0, 0.5, 1]);
    expect(c.ok).toBe(true);
  });

  it('every allowed function runs on the tape as the symbolic side derives it', () => {
    const text =
      'exp(x) + log(x) + log(x, 2) + sin(x) + cos(x) + tan(x) + tanh(x) + sigmoid(x) + relu(x) + sqrt(x) + rsqrt(x)' +
      ' + abs(x) + square(x) + softplus(x) + clamp(x, 0.2, 2) + maximum(x, y) + min(x, y) + x / y - y / x + -x + +y + pi * e ^ x';
    const r = checkExpression(text, 'x=[0.3, 0.7, 1.3, 2.5], y=[[0.5], [1.5]]');
    expect(r.shape).toEqual([2, 4]);
    for (const g of r.gradients) {
      expect(g.verdict).toBe('agree');
      expect(g.finiteDifferencesAgree).toBe(true);
    }
  });

  it('float32 leaves: the tape rounds, the tolerance is float32', () => {
    const r = checkExpression('x^3 + sin(x)', 'x=[0.1, 0.7]', { dtype: 'float32' });
    expect(r.dtype).toBe('float32');
    expect(r.ok).toBe(true);
    expect(grad(r, 'x').actual[0]).toBe(Math.fround(grad(r, 'x').actual[0]!));
    const strict = checkExpression('x^3 + sin(x)', 'x=[0.1, 0.7]', { dtype: 'float32', tolerances: { float32: { rtol: 0, atol: 0 } } });
    expect(strict.ok).toBe(false);
    expect(strict.exitCode).toBe(1);
    expect(grad(strict, 'x').verdict).toBe('disagree');
  });

  it('many elements (past where spreading into Math.max overflows)', () => {
    const x = Array.from({ length: 150_000 }, (_, i) => (i % 100) / 10);
    const r = checkExpression('x^2 + x^3', { x });
    expect(r.ok).toBe(true);
    expect(grad(r, 'x').expected[11]).toBeCloseTo(2 * 1.1 + 3 * 1.21, 12);
  }, 30_000);

  it('refuses too much work with a position in the values', () => {
    const at = 'x=[' + '1,'.repeat(1100) + '1], y=[' + '[1],'.repeat(1100) + '[1]]';
    const e = thrown(() => checkExpression('x * y', at), AtValuesError);
    expect(e.message).toBe('the values broadcast to 1212201 elements (shape [1101, 1101]), more than 1000000');
    expect(e.index).toBe(at.indexOf('y=') + 2);
    const work = thrown(() => checkExpression(new Array(30).fill('x').join('*'), { x: new Array<number>(400_000).fill(1) }), AtValuesError);
    expect(work.message).toMatch(/^too much work: 400000 elements times 59 formula nodes is more than 10000000/);
  });

  it('a missing value names the variable at its place in the expression', () => {
    const e = thrown(() => checkExpression('z = x^2 + y', 'x=1'), ExpressionError);
    expect(e.message).toBe("no value given for 'y' (give one with --at, e.g. y=1)");
    expect(e.col).toBe(11);
  });

  it('a value for no variable, and values that do not broadcast, are refused where they are', () => {
    const extra = thrown(() => checkExpression('x^2', 'x=1, w=2'), AtValuesError);
    expect(extra.message).toBe("'w' is not a variable of the expression (its variables: x)");
    expect(extra.col).toBe(6);
    const shape = thrown(() => checkExpression('x + y', 'x=[1,2], y=[1,2,3]'), AtValuesError);
    expect(shape.message).toMatch(/'y' \(shape \[3\]\) does not broadcast with the shape \[2\]/);
    expect(shape.col).toBe(12);
  });

  it('bad records are refused like bad text', () => {
    expect(thrown(() => checkExpression('x', { x: NaN }), AtValuesError).message).toMatch(/NaN is not a finite number/);
    expect(thrown(() => checkExpression('x', { x: [1, true] }), AtValuesError).message).toMatch(/found a boolean/);
    expect(thrown(() => checkExpression('x', { x: [[1, 2], [3]] }), AtValuesError).message).toMatch(/ragged list/);
    const cyclic: unknown[] = [1];
    cyclic.push(cyclic);
    expect(thrown(() => checkExpression('x', { x: cyclic as never }), AtValuesError).message).toMatch(/nested too deeply/);
  });

  it('hostile expressions fail in the parser, with a position', () => {
    const cases: [string, RegExp][] = [
      ['x.constructor', /property access/],
      ['__proto__ + x', /not allowed/],
      ['constructor(x)', /unknown function 'constructor'/],
      ['config({})', /unknown function 'config'/],
      ['createUnit("foo")', /unknown function 'createUnit'/],
      ['x = 1:1e9', /unexpected character ":"/],
      ['x^1e9', /exponent too large/],
      [`${'('.repeat(500)}x${')'.repeat(500)}`, /nested too deeply/],
      ['x +* 2', /Value expected/],
      ['2', /no variables/],
    ];
    for (const [text, message] of cases) {
      const e = thrown(() => checkExpression(text, 'x=1'), ExpressionError);
      expect(e.message).toMatch(message);
      expect(e.col).toBeGreaterThanOrEqual(1);
    }
  });

  it('the text report shows the three ways and the verdict', () => {
    const text = formatExpressionReport(checkExpression('z = x^2 + x^3', 'x=[[1,2],[3,4]]'));
    expect(text).toContain('z = x^2 + x^3   (shape [2, 2], float64)');
    expect(text).toContain('  z = [[2, 12], [36, 80]]');
    expect(text).toContain('    expected            [[5, 16], [33, 56]]');
    expect(text).toContain('    actual (tape)       [[5, 16], [33, 56]]');
    expect(text).toContain('    finite differences  [[5, 16], [33, 56]]');
    expect(text.trim().split('\n').at(-1)).toBe('1 of 1 gradient agree: agree');
  });
});

describe('diffExpression', () => {
  it('the formula, plain and LaTeX', () => {
    const d = diffExpression('x^2 + x^3', 'x');
    expect(equivalent(d.formula, '2*x + 3*x^2')).toBe(true);
    expect(d.latex).toMatch(/x/);
    expect(d.latex).not.toMatch(/\*/);
    expect(d.values).toBeUndefined();
  });

  it('the only variable is the default; with several, --wrt is needed', () => {
    expect(diffExpression('sin(x)').formula).toBe('cos(x)');
    const e = thrown(() => diffExpression('x*y'), ExpressionError);
    expect(e.message).toMatch(/2 variables \(x, y\): name one with --wrt/);
    expect(thrown(() => diffExpression('x*y', 'w'), ExpressionUsageError).message).toMatch(/'w' is not a variable/);
  });

  it('with values: the derivative elementwise at the broadcast values', () => {
    const d = diffExpression('x*y + y^2', 'y', { at: 'x=[1, 2], y=3' });
    expect(d.shape).toEqual([2]);
    expect(d.values).toEqual([7, 8]);
    // Only the derivative's variables need values.
    expect(diffExpression('x*y', 'x', { at: 'y=[1, 2]' }).values).toEqual([1, 2]);
  });

  it('deeply nested calls print fast (mathjs LaTeX of nested calls is exponential)', () => {
    const text = `${'sin('.repeat(60)}x${')'.repeat(60)}`;
    const d = diffExpression(text, 'x');
    // The chain's repeated parts are named: `where u = sin(sin(sin(x)))`, …
    expect(d.latex).toContain('\\cos\\left(');
    expect(d.formula.startsWith('cos(')).toBe(true);
    expect(d.formula.split('\n')[1]).toBe('where u = sin(sin(sin(x)))');
  }, 10_000);
});

describe('what a reader knows (issue 15)', () => {
  it('relu\'s derivative is (x > 0), clamp\'s (lo <= x <= hi), never the internal above/step/between', () => {
    const d = diffExpression('relu(x) + abs(x)', 'x');
    expect(d.formula).toBe('(x > 0) + sign(x)');
    expect(d.latex).toBe('\\left( x>0\\right)+\\mathrm{sign}\\left( x\\right)');
    expect(diffExpression('clamp(x, -1, 1)', 'x').formula).toBe('(-1 <= x <= 1)');
    for (const text of ['relu(x) * x', 'clamp(x, 0, 2) ^ 2', 'relu(relu(x) - 1)']) {
      expect(diffExpression(text, 'x').formula).not.toMatch(/above|step|between/);
    }
  });

  it('heaviside (max and min) comes with its value at 0', () => {
    const d = diffExpression('max(x, 1)', 'x');
    expect(d.formula).toBe('heaviside(x - 1)\nwith heaviside(0) = 1/2: PyTorch splits a tie of max or min between the two');
  });

  it('finite differences that are NaN where the function is not defined are named, not hidden in a max abs error', () => {
    const r = checkExpression('log(x)', 'x=[-1, 0, 1]');
    expect(r.gradients[0]!.notes).toEqual([
      'finite differences differ from the expected gradient at x = -1 (nan, expected -1) and x = 0 (nan, expected inf), where the formula is not defined (NaN or infinite) within a step of the point; elsewhere they agree (max abs error 3.75e-12).',
    ]);
  });
});

describe('the check library entry', () => {
  it('exports check, checkExpression, parseAt and derive', () => {
    expect(typeof api.check).toBe('function');
    expect(api.checkExpression).toBe(checkExpression);
    expect(api.parseAt).toBe(parseAt);
    expect(api.derive('x^3', 'x').text).toBe('3 * x ^ 2');
  });
});
