// The benchmark expressions, defined once for both sides (dzdx and SymPy).
//
// A case is a small straight-line program over one variable `x`: a list of
// statements `name = expr`, where expr is a nested array
//   number | name | [op, ...args]     op in add sub mul tanh sin exp
// Names may be re-bound (`z = z + ...`), and a name read twice is one shared
// subexpression, so a program is a DAG. From it each side builds its own
// expression (mathjs nodes, SymPy objects) and the PyTorch script; the size
// of a case is its number of ops (= tensor ops the script records).
//
// `node bench/cases.mjs [--sizes 10,30] > cases.json` prints every case.

export const SIZES = [10, 30, 100, 300, 1000];
/** Where derivatives are evaluated: 100 points in [0.1, 0.6]. */
export const POINTS = Array.from({ length: 100 }, (_, i) => 0.1 + (0.5 * i) / 99);
/** The value of x in the PyTorch script that check() runs. */
export const SCRIPT_X = 0.3;

const opsIn = (e) => (Array.isArray(e) ? 1 + e.slice(1).reduce((s, a) => s + opsIn(a), 0) : 0);
const opsOf = (stmts) => stmts.reduce((s, [, e]) => s + opsIn(e), 0);

/** Appends statements from `next(i)` (i = 1, 2, …) while the program has fewer than `target` ops. */
function grow(target, next) {
  const stmts = [];
  for (let i = 1; opsOf(stmts) < target; i++) stmts.push(...next(i));
  return stmts;
}

export const FAMILIES = {
  // sin(1*x)*x + sin(2*x)*x + …: a wide sum of independent terms (4 ops a term).
  sum: {
    describe: 'sin(1*x)*x + sin(2*x)*x + … (one statement per term)',
    build: (n) => grow(n, (k) => {
      const term = ['mul', ['sin', ['mul', k, 'x']], 'x'];
      return [['z', k === 1 ? term : ['add', 'z', term]]];
    }),
    output: 'z',
  },
  // (x + c1)*(x + c2)*…: a long product (2 ops a factor). The constants are
  // c_k = k/m for m factors, not 1, 2, 3 …: (x+1)…(x+500) overflows float64.
  product: {
    describe: '(x + c1)*(x + c2)*… with c_k = k/m (4 decimals) for m factors (all distinct)',
    build: (n) => {
      const m = Math.ceil((n + 1) / 2);
      return grow(n, (k) => {
        const factor = ['add', 'x', Number((k / m).toFixed(4))];
        return [['z', k === 1 ? factor : ['mul', 'z', factor]]];
      });
    },
    output: 'z',
  },
  // tanh(x), sin(·), exp(·) - 1, tanh(·) …: deep nesting. `exp(u) - 1` keeps
  // the value near the fixed point ~0.75 of the three (finite at any depth).
  nested: {
    describe: 'exp(sin(tanh(…exp(sin(tanh(x))) - 1…))) - 1, alternating tanh, sin, exp(·) - 1',
    build: (n) => grow(n, (k) => {
      const u = k === 1 ? 'x' : 'z';
      const step = [['tanh', u], ['sin', u], ['sub', ['exp', u], 1]][(k - 1) % 3];
      return [['z', step]];
    }),
    output: 'z',
  },
  // y = x*x; y = y*y - x; …: every step reads the previous one twice, so the
  // expression printed as a tree doubles at each step (a DAG of linear size).
  // `- x` rather than `+ x`: y -> y^2 + x escapes to infinity for x > 1/4,
  // y -> y^2 - x stays bounded on [0.1, 0.6].
  chain: {
    describe: 'y = x*x; y = y*y - x; y = y*y - x; … (shared: a DAG)',
    build: (n) => grow(n, (k) => [['y', k === 1 ? ['mul', 'x', 'x'] : ['sub', ['mul', 'y', 'y'], 'x']]]),
    output: 'y',
  },
};

const INFIX = { add: '+', sub: '-', mul: '*' };

/**
 * An expression as text, with parentheses only where the tree needs them:
 * Python and mathjs both read `a - b - c` and `a * b * c` from the left and
 * bind * before + -, so `a * (b * c)` keeps its parentheses (another
 * rounding order). `call` names the functions.
 */
export function printExpr(e, call = (name) => name, context = null) {
  if (typeof e === 'number' || typeof e === 'string') return String(e); // a name, or a Python int or float literal
  const [op, ...args] = e;
  if (!INFIX[op]) return `${call(op)}(${printExpr(args[0], call)})`;
  const text = `${printExpr(args[0], call, { op, right: false })} ${INFIX[op]} ${printExpr(args[1], call, { op, right: true })}`;
  const additive = op === 'add' || op === 'sub';
  const needs = context !== null && INFIX[context.op] !== undefined &&
    (additive ? context.op === 'mul' || context.right : context.op === 'mul' && context.right);
  return needs ? `(${text})` : text;
}

/** Python source of an expression over tensors. */
export const toPython = (e) => printExpr(e, (name) => `torch.${name}`);

/**
 * The program as one formula (names replaced by what they stand for), for
 * a user to type, or null when that text would exceed `maxChars` (a name
 * read twice is written out twice: the chain doubles at every step).
 */
export function toFormula(c, maxChars = 20_000) {
  const env = new Map();
  const expand = (e) => (typeof e === 'string' ? env.get(e) ?? e : Array.isArray(e) ? [e[0], ...e.slice(1).map(expand)] : e);
  const sizes = new Map();
  const size = (e) => {
    if (!Array.isArray(e)) return String(e).length;
    if (!sizes.has(e)) sizes.set(e, e.slice(1).reduce((n, a) => n + size(a), 8));
    return sizes.get(e);
  };
  for (const [name, e] of c.statements) {
    const x = expand(e);
    if (size(x) > maxChars) return null;
    env.set(name, x);
  }
  return printExpr(env.get(c.output));
}

/** The PyTorch script for check(): a 0-d float64 leaf at SCRIPT_X, the program, backward. */
export function torchScript(c) {
  return [
    'import torch',
    `x = torch.tensor(${SCRIPT_X}, dtype=torch.float64, requires_grad=True)`,
    ...c.statements.map(([name, e]) => `${name} = ${toPython(e)}`),
    `${c.output}.backward()`,
    '',
  ].join('\n');
}

export function buildCases(sizes = SIZES) {
  const cases = [];
  for (const [family, f] of Object.entries(FAMILIES)) {
    for (const size of sizes) {
      const statements = f.build(size);
      cases.push({ family, size, ops: opsOf(statements), statements, output: f.output });
    }
  }
  return cases;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--sizes');
  const sizes = i > 0 ? process.argv[i + 1].split(',').map(Number) : SIZES;
  const families = Object.fromEntries(Object.entries(FAMILIES).map(([k, f]) => [k, f.describe]));
  process.stdout.write(JSON.stringify({ sizes, points: POINTS, scriptX: SCRIPT_X, families, cases: buildCases(sizes) }) + '\n');
}

/** mathjs nodes of a case (builders from src/symbolic/mathjs.ts): one node per op; a name read twice is the same node (a DAG). */
export function toMathjs(c, b) {
  const env = new Map([['x', b.sym('x')]]);
  const FN = { add: ['+', 'add'], sub: ['-', 'subtract'], mul: ['*', 'multiply'] };
  const build = (e) => {
    if (typeof e === 'number') return b.num(e);
    if (typeof e === 'string') return env.get(e);
    const [op, ...args] = e;
    const a = args.map(build);
    return FN[op] ? b.op(FN[op][0], FN[op][1], a) : b.call(op, a);
  };
  for (const [name, e] of c.statements) env.set(name, build(e));
  return env.get(c.output);
}
