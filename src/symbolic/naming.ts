/**
 * Naming repeated subexpressions for display: `u = 1.1 * r - 2 * exp(1.1 * r)`
 * once, then the formulas written with u. Subexpressions are compared by
 * structure (equal subtrees print alike), not by object, so repetitions
 * that came from different places are found too. Display only: the names
 * are never evaluated.
 */
import type { MathNode } from 'mathjs';
import { nodeBuilders } from './mathjs.js';

type Node = MathNode & Record<string, unknown>;

export interface NamedFormulas {
  /** The formulas with named subexpressions replaced by their names. */
  roots: MathNode[];
  /** Innermost first: each may use the names before it. */
  definitions: { name: string; node: MathNode }[];
}

export interface NamingOptions {
  /** Subexpressions shorter than this (printed, estimated) keep being written out. */
  minLength?: number;
  /** Names already used by the formulas' own symbols. */
  taken?: ReadonlySet<string>;
}

// (Not b, g, h, m, s, t: mathjs typesets those as units.)
const NAMES = ['u', 'v', 'p', 'q', 'w', 'k', 'a', 'c'];
/** A name costs about this much where it is used. */
const NAME_LENGTH = 2;
/** A definition this short once its parts are named (`u + u`) is written out where it is used instead. */
const INLINE = 10;

export interface Shape {
  node: MathNode;
  children: number[];
  /** Printed length of the node itself, estimated (`sin()`, ` + `, a name). */
  own: number;
  /** Printed length, estimated (shared subtrees counted each time, capped). */
  length: number;
}

/** The node's own text, ignoring children, as a key part. */
function head(n: Node): string {
  switch (n.type) {
    case 'ConstantNode': return `c${Object.is(n.value, -0) ? '-0' : String(n.value)}`;
    case 'SymbolNode': return `s${n.name as string}`;
    case 'OperatorNode': return `o${n.fn as string}`;
    case 'FunctionNode': return `f${(n.fn as Node).name as string}`;
    default: return `?${n.type}`;
  }
}

function childrenOf(n: Node): MathNode[] {
  if (n.type === 'ParenthesisNode') return [n.content as MathNode];
  return n.type === 'OperatorNode' || n.type === 'FunctionNode' ? (n.args as MathNode[]) : [];
}

/**
 * Structural identity: equal subtrees get the same id (hash-consing over a
 * DAG, iteratively, as formulas can be deep chains).
 */
export class StructureIds {
  readonly shapes: Shape[] = [];
  private readonly ids = new Map<string, number>();
  private readonly idOf = new Map<MathNode, number>();

  /** Every structure met so far, in the order met: equal for two runs over formulas of the same structure. */
  signature(): string {
    return [...this.ids.keys()].join(';');
  }

  id(root: MathNode): number {
    const { shapes, ids, idOf } = this;
    // Depth first, children last to first (as the ids are numbered); a node is done once its children are.
    const stack: MathNode[] = [root];
    while (stack.length) {
      const n = stack[stack.length - 1]!;
      if (idOf.has(n)) {
        stack.pop();
        continue;
      }
      const kids = childrenOf(n as Node);
      let waiting = false;
      for (const c of kids) {
        if (!idOf.has(c)) {
          stack.push(c);
          waiting = true;
        }
      }
      if (waiting) continue;
      stack.pop();
      const own = head(n as Node);
      let key = own + '(';
      for (let i = 0; i < kids.length; i++) key += (i === 0 ? '' : ',') + idOf.get(kids[i]!)!;
      key += ')';
      let id = ids.get(key);
      if (id === undefined) {
        const children = kids.map((c) => idOf.get(c)!);
        const ownLength = n.type === 'ConstantNode' || n.type === 'SymbolNode' ? own.length - 1 : n.type === 'FunctionNode' ? own.length + 1 : 3;
        const length = Math.min(ownLength + children.reduce((sum, c) => sum + shapes[c]!.length, 0), 1e12);
        id = shapes.length;
        shapes.push({ node: n, children, own: ownLength, length });
        ids.set(key, id);
      }
      idOf.set(n, id);
    }
    return idOf.get(root)!;
  }
}

/**
 * Name every subexpression that would otherwise be printed at least twice
 * and is long enough to be worth a name. A name is given to the largest
 * repeated subexpressions first; what they contain counts once, in their
 * definition.
 */
export function nameRepeated(formulas: readonly MathNode[], options: NamingOptions = {}): NamedFormulas {
  const minLength = options.minLength ?? 12;
  const structure = new StructureIds();
  const shapes = structure.shapes;
  const rootIds = formulas.map((f) => structure.id(f));

  // Occurrences as printed, parents first (a parent is longer than each child).
  const order = shapes.map((_, i) => i).sort((a, b) => shapes[b]!.length - shapes[a]!.length || b - a);
  const count = new Array<number>(shapes.length).fill(0);
  for (const r of rootIds) count[r]!++;
  const named = new Set<number>();
  for (const id of order) {
    const s = shapes[id]!;
    const n = s.node as Node;
    const worth = s.children.length > 0 && s.length >= minLength && !(n.type === 'OperatorNode' && n.fn === 'unaryMinus' && shapes[s.children[0]!]!.children.length === 0);
    const name = count[id]! >= 2 && worth && !rootIds.includes(id);
    if (name) named.add(id);
    // A named subexpression is printed once, in its definition.
    for (const c of s.children) count[c]! += name ? 1 : count[id]!;
  }
  // Children first: what each prints as with the names kept so far.
  const written = new Array<number>(shapes.length).fill(0);
  for (const id of [...order].reverse()) {
    const s = shapes[id]!;
    written[id] = s.own + s.children.reduce((sum, c) => sum + (named.has(c) ? NAME_LENGTH : written[c]!), 0);
    if (named.has(id) && (count[id]! - 1) * written[id]! <= INLINE) named.delete(id);
  }

  const taken = new Set(options.taken ?? []);
  let numbered = 1;
  const fresh = (): string => {
    for (const name of NAMES) if (!taken.has(name)) return (taken.add(name), name);
    while (taken.has(`u${numbered}`)) numbered++;
    taken.add(`u${numbered}`);
    return `u${numbered}`;
  };
  const b = nodeBuilders();
  const names = new Map<number, MathNode>();
  const built = new Map<number, MathNode>();
  const build = (id: number, top: boolean): MathNode => {
    if (!top && names.has(id)) return names.get(id)!;
    if (!top && built.has(id)) return built.get(id)!;
    const s = shapes[id]!;
    const n = s.node as Node;
    const args = s.children.map((c) => build(c, false));
    let out: MathNode;
    if (n.type === 'OperatorNode') out = b.op(n.op as string, n.fn as string, args);
    else if (n.type === 'FunctionNode') out = b.call((n.fn as Node).name as string, args);
    else if (n.type === 'ParenthesisNode') out = args[0]!;
    else out = n;
    if (!top) built.set(id, out);
    return out;
  };
  // Innermost first, so each definition can use the earlier names.
  const definitions = [...named]
    .sort((a, b) => shapes[a]!.length - shapes[b]!.length || a - b)
    .map((id) => {
      const node = build(id, true);
      const name = fresh();
      names.set(id, b.sym(name));
      return { name, node };
    });
  return { roots: rootIds.map((id) => build(id, false)), definitions };
}

/**
 * Equal terms of a sum gathered (`u + u + v` → `2 * u + v`, `-q - q` →
 * `-(2 * q)`), found by structure. Display only: the formula as printed,
 * after its values were checked.
 */
export function combineLikeTerms(root: MathNode): MathNode {
  const b = nodeBuilders();
  const structure = new StructureIds();
  const memo = new Map<MathNode, MathNode>();
  const isSum = (n: MathNode) => n.type === 'OperatorNode' && ((n as Node).fn === 'add' || (n as Node).fn === 'subtract') && ((n as Node).args as MathNode[]).length === 2;
  const walk = (n: MathNode): MathNode => {
    const known = memo.get(n);
    if (known) return known;
    let out: MathNode;
    if (isSum(n)) {
      // The chain's terms with their signs, each rewritten inside.
      const terms: { sign: number; node: MathNode }[] = [];
      const flatten = (m: MathNode, sign: number): void => {
        if (isSum(m)) {
          const [x, y] = (m as Node).args as MathNode[];
          flatten(x!, sign);
          flatten(y!, (m as Node).fn === 'subtract' ? -sign : sign);
        } else if (m.type === 'OperatorNode' && (m as Node).fn === 'unaryMinus') flatten(((m as Node).args as MathNode[])[0]!, -sign);
        else terms.push({ sign, node: walk(m) });
      };
      flatten(n, 1);
      const gathered = new Map<number, { count: number; node: MathNode }>();
      let constant = 0;
      for (const t of terms) {
        const v = (t.node as Node).value;
        if (t.node.type === 'ConstantNode' && typeof v === 'number') {
          constant += t.sign * v;
          continue;
        }
        const id = structure.id(t.node);
        const g = gathered.get(id);
        if (g) g.count += t.sign;
        else gathered.set(id, { count: t.sign, node: t.node });
      }
      const parts = [...gathered.values()].filter((g) => g.count !== 0);
      if (constant !== 0) parts.push({ count: Math.sign(constant), node: b.num(Math.abs(constant)) });
      const scaled = (g: { count: number; node: MathNode }, c: number) => (c === 1 ? g.node : b.op('*', 'multiply', [b.num(c), g.node]));
      if (parts.length === 0) out = b.num(0);
      else {
        const [first, ...rest] = parts;
        out = first!.count === -1 ? b.op('-', 'unaryMinus', [first!.node]) : first!.count < 0 ? b.op('*', 'multiply', [b.op('-', 'unaryMinus', [b.num(-first!.count)]), first!.node]) : scaled(first!, first!.count);
        for (const g of rest) out = b.op(g.count < 0 ? '-' : '+', g.count < 0 ? 'subtract' : 'add', [out, scaled(g, Math.abs(g.count))]);
      }
    } else {
      const args = childrenOf(n as Node);
      const rebuilt = args.map(walk);
      if (rebuilt.every((a, i) => a === args[i])) out = n;
      else if (n.type === 'OperatorNode') out = b.op((n as Node).op as string, (n as Node).fn as string, rebuilt);
      else if (n.type === 'FunctionNode') out = b.call(((n as Node).fn as Node).name as string, rebuilt);
      else if (n.type === 'ParenthesisNode') out = rebuilt[0]!;
      else out = n;
    }
    memo.set(n, out);
    return out;
  };
  return walk(root);
}
