/**
 * Symbolic derivatives on mathjs trees.
 *
 * mathjs's `derivative` cannot be extended: its rules are a closed switch
 * (an unknown function throws), it gives abs'(0) = abs(0)/0 = NaN where
 * PyTorch gives 0, and it has no memo, so on a DAG (the checker's trees
 * share subexpressions) it is exponential. So we run the chain rule
 * ourselves, once per distinct node, and ask mathjs only for each node's
 * LOCAL partial derivatives: the node with its arguments replaced by
 * placeholder symbols (`sin(#u)`, `#u ^ 2`, `#u * #k1`), differentiated by
 * `derivative(…, { simplify: false })` (its simplifying default blows up),
 * tidied, and the real arguments put back in (shared, not copied).
 * Functions mathjs lacks, and those whose kinks must take PyTorch's values,
 * have their partials below (RULES).
 */
import type { MathNode } from 'mathjs';
import { ExpressionError, parseUserExpression } from './expression.js';
import { displayFormula, tidyNode } from './display.js';
import { getMath, nodeBuilders } from './mathjs.js';

type Node = MathNode & Record<string, unknown>;

export class DeriveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeriveError';
  }
}

/** A local partial: from the arguments and the node itself (for f' written with f). */
type Partial = (args: readonly MathNode[], self: MathNode) => MathNode;

/**
 * Partials mathjs does not know or gets wrong at a kink, by function name,
 * one per argument. Values at kinks are PyTorch's: relu'(0) = 0,
 * abs'(0) = sign(0) = 0, clamp passes the gradient on [lo, hi] inclusive,
 * max/min split it half and half on a tie.
 */
function rules(): ReadonlyMap<string, readonly Partial[]> {
  const b = nodeBuilders();
  const mul = (x: MathNode, y: MathNode) => b.op('*', 'multiply', [x, y]);
  const sub = (x: MathNode, y: MathNode) => b.op('-', 'subtract', [x, y]);
  const max: Partial[] = [([x, y]) => b.call('heaviside', [sub(x!, y!)]), ([x, y]) => b.call('heaviside', [sub(y!, x!)])];
  const min: Partial[] = [max[1]!, max[0]!];
  return new Map<string, readonly Partial[]>([
    ['abs', [([x]) => b.call('sign', [x!])]],
    ['relu', [([x]) => b.call('above', [x!])]],
    // sigmoid' = s (1 - s), written with the node itself as PyTorch uses its result.
    ['sigmoid', [(_, s) => mul(s, sub(b.num(1), s))]],
    // softplus' is sigmoid (PyTorch's threshold 20 makes it exactly 1 above; sigmoid(20) = 1 - 2e-9).
    ['softplus', [([x]) => b.call('sigmoid', [x!])]],
    ['square', [([x]) => mul(b.num(2), x!)]],
    // rsqrt' = -1/2 rsqrt^3, again with the result, as PyTorch.
    ['rsqrt', [(_, r) => mul(b.op('-', 'unaryMinus', [b.num(0.5)]), b.op('^', 'pow', [r, b.num(3)]))]],
    ['clamp', [
      ([x, lo, hi]) => b.call('between', [x!, lo!, hi!]),
      ([x, lo]) => b.call('step', [sub(lo!, x!)]),
      ([x, , hi]) => b.call('step', [sub(x!, hi!)]),
    ]],
    ['max', max], ['maximum', max], ['min', min], ['minimum', min],
    // Functions mathjs cannot differentiate.
    ['log1p', [([x]) => b.op('/', 'divide', [b.num(1), b.op('+', 'add', [b.num(1), x!])])]],
    ['expm1', [([x]) => b.call('exp', [x!])]],
    ['log2', [([x]) => b.op('/', 'divide', [b.num(1), mul(x!, b.call('log', [b.num(2)]))])]],
    ['erf', [([x]) => mul(b.op('/', 'divide', [b.num(2), b.call('sqrt', [b.sym('pi')])]), b.call('exp', [b.op('-', 'unaryMinus', [b.op('^', 'pow', [x!, b.num(2)])])]))]],
    ['atan2', [
      ([y, x]) => b.op('/', 'divide', [x!, b.op('+', 'add', [b.op('^', 'pow', [y!, b.num(2)]), b.op('^', 'pow', [x!, b.num(2)])])]),
      ([y, x]) => b.op('/', 'divide', [b.op('-', 'unaryMinus', [y!]), b.op('+', 'add', [b.op('^', 'pow', [y!, b.num(2)]), b.op('^', 'pow', [x!, b.num(2)])])]),
    ]],
    // Masked at 0 as PyTorch's std and norm backward are: msqrt' = 1 / (2 msqrt), 0 where msqrt = 0.
    ['msqrt', [(_, r) => b.call('divz', [b.num(1), mul(b.num(2), r)])]],
    ['divz', [
      ([, y]) => b.call('divz', [b.num(1), y!]),
      ([x, y]) => b.op('-', 'unaryMinus', [b.call('divz', [x!, b.op('^', 'pow', [y!, b.num(2)])])]),
    ]],
    // hardtanh passes the gradient strictly inside its bounds (PyTorch's hardtanh_backward).
    ['hardtanh', [([x, lo, hi]) => b.call('within', [x!, lo!, hi!]), () => b.num(0), () => b.num(0)]],
    ['pick', [() => b.num(0), ([c]) => b.call('pick', [c!, b.num(1), b.num(0)]), ([c]) => b.call('pick', [c!, b.num(0), b.num(1)])]],
  ]);
}

/**
 * Piecewise constant functions: no derivative term at all, as autograd
 * treats the comparison masks they stand for (not `0 * u'`, which is NaN
 * where u' is infinite and clutters every second derivative).
 */
const PIECEWISE_CONSTANT = new Set(['step', 'above', 'heaviside', 'sign', 'between', 'within', 'floor', 'ceil', 'round', 'trunc']);

let ruleTable: ReadonlyMap<string, readonly Partial[]> | undefined;

const WRT = '#u'; // placeholder names cannot clash: '#' is not in any identifier
const isOne = (n: MathNode) => n.type === 'ConstantNode' && (n as Node).value === 1;

/** ∂node/∂args[i] via mathjs, for an operator or a function mathjs knows. */
function mathjsPartial(node: Node, i: number, args: readonly MathNode[]): MathNode {
  const b = nodeBuilders();
  const byName = new Map<string, MathNode>();
  const local = args.map((arg, j) => {
    if (j !== i && arg.type === 'ConstantNode') return arg; // keeps x^2 -> 2*x^1
    const name = j === i ? WRT : `#k${j}`;
    byName.set(name, arg);
    return b.sym(name);
  });
  const form =
    node.type === 'OperatorNode'
      ? b.op(node.op as string, node.fn as string, local)
      : b.call(((node.fn as Node).name as string) ?? '', local);
  const partial = tidyNode(getMath().derivative(form, b.sym(WRT) as never, { simplify: false }));
  return partial.transform((n: MathNode) => {
    const arg = n.type === 'SymbolNode' ? byName.get((n as Node).name as string) : undefined;
    return arg ?? n;
  });
}

/**
 * A classic slip in a hand-derived derivative, for naming a student's
 * mistake (src/grade): the derivative as someone making it would write it.
 *  - 'drop-inner': f(u)' = f'(u), without the chain rule's factor u';
 *  - 'power-off-by-one': (u^n)' = n·u^n, the exponent not lowered;
 *  - 'sign-cos': cos' = sin;
 *  - 'sign-subtract': (a - b)' = a' + b'.
 */
export type DerivativeMistake = 'drop-inner' | 'power-off-by-one' | 'sign-cos' | 'sign-subtract';

/**
 * ∂node/∂wrt as a mathjs tree that shares subtrees with `node` (and with
 * itself). Linear in the number of distinct nodes. Throws for functions no
 * rule covers. With a `mistake` (or several at once), the derivative those
 * slips give instead.
 */
export function deriveNode(node: MathNode, wrt: string, mistake?: DerivativeMistake | readonly DerivativeMistake[]): MathNode {
  const b = nodeBuilders();
  const slips = new Set<DerivativeMistake>(mistake === undefined ? [] : typeof mistake === 'string' ? [mistake] : mistake);
  ruleTable ??= rules();
  const table = ruleTable;
  const memo = new Map<MathNode, MathNode | null>(); // null: does not depend on wrt

  const d = (node: MathNode): MathNode | null => {
    if (memo.has(node)) return memo.get(node)!;
    const n = node as Node;
    let out: MathNode | null;
    switch (node.type) {
      case 'ConstantNode': out = null; break;
      case 'SymbolNode': out = n.name === wrt ? b.num(1) : null; break;
      case 'ParenthesisNode': out = d(n.content as MathNode); break;
      case 'AssignmentNode': out = d(n.value as MathNode); break;
      case 'OperatorNode': out = chain(n); break;
      case 'FunctionNode': out = PIECEWISE_CONSTANT.has((n.fn as Node).name as string) ? null : chain(n); break;
      default: throw new DeriveError(`cannot differentiate ${node.type}`);
    }
    memo.set(node, out);
    return out;
  };

  /** Chain rule: Σ ∂f/∂arg_i · arg_i', over the arguments that depend on wrt. */
  const chain = (n: Node): MathNode | null => {
    const args = n.args as MathNode[];
    const ds = args.map(d);
    if (ds.every((x) => x === null)) return null;
    const fn = n.fn as string | Node;
    // Linear operators: the same rules as mathjs's, without the round trip.
    if (n.type === 'OperatorNode' && (fn === 'add' || fn === 'unaryPlus')) return sum(ds);
    if (n.type === 'OperatorNode' && fn === 'unaryMinus') return b.op('-', 'unaryMinus', [ds[0]!]);
    if (n.type === 'OperatorNode' && fn === 'subtract' && ds.length === 2) {
      const [da, db] = ds;
      if (slips.has('sign-subtract')) return sum(ds);
      if (db === null) return da!;
      const minus = da === null ? b.op('-', 'unaryMinus', [db!]) : b.op('-', 'subtract', [da, db!]);
      return minus;
    }
    const name = n.type === 'FunctionNode' ? ((fn as Node).name as string) : '';
    const own = table.get(name);
    if (own !== undefined && own.length !== args.length) {
      throw new DeriveError(`cannot differentiate ${name} with ${args.length} argument(s)`);
    }
    const isPow = n.type === 'OperatorNode' && fn === 'pow';
    const terms: MathNode[] = [];
    ds.forEach((di, i) => {
      if (di === null) return;
      let partial = own !== undefined ? own[i]!(args, n) : mathjsPartial(n, i, args);
      if (slips.has('power-off-by-one') && isPow && i === 0 && args[1]!.type === 'ConstantNode') {
        partial = b.op('*', 'multiply', [args[1]!, b.op('^', 'pow', [args[0]!, args[1]!])]);
      }
      if (slips.has('sign-cos') && name === 'cos') partial = b.call('sin', [args[0]!]);
      const dropInner = slips.has('drop-inner') && (n.type === 'FunctionNode' || (isPow && i === 0));
      if (dropInner || isOne(di)) terms.push(partial);
      else terms.push(isOne(partial) ? di : b.op('*', 'multiply', [partial, di]));
    });
    return sum(terms);
  };

  const sum = (terms: readonly (MathNode | null)[]): MathNode | null => {
    let acc: MathNode | null = null;
    for (const t of terms) if (t !== null) acc = acc === null ? t : b.op('+', 'add', [acc, t]);
    return acc;
  };

  try {
    // The tidy is value-exact and keeps sharing (see display.ts).
    return tidyNode(d(node) ?? b.num(0));
  } catch (err) {
    if (err instanceof DeriveError) throw err;
    // mathjs: 'Cannot process function "foo" in derivative: …'
    throw new DeriveError(err instanceof Error ? err.message : String(err));
  }
}

export interface DerivedFormula {
  derivative: MathNode;
  text: string;
  latex: string;
  /** Whether `text`/`latex` show mathjs's (verified) simplification. */
  simplified: boolean;
}

/** The CLI's `dzdx diff`: parse untrusted text, differentiate, display. */
export function derive(exprText: string, wrt: string): DerivedFormula {
  const parsed = parseUserExpression(exprText);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(wrt)) {
    throw new ExpressionError(`invalid variable name ${JSON.stringify(wrt)}`, wrt, 0);
  }
  const derivative = deriveNode(parsed.node, wrt);
  const shown = displayFormula(derivative);
  return { derivative, text: shown.text, latex: shown.latex, simplified: shown.simplified };
}
