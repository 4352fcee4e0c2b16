/**
 * Building mathjs expression nodes for the trace and the expected
 * gradients: symbols, constants, sums and products with the trivial cases
 * (`1 * x`, `x + 0`) tidied away, and instantiation of a registry form
 * (`a * b`) with operand expressions. Nodes are shared, never cloned, so
 * expressions stay DAGs of linear size.
 */
import type { MathJsInstance, MathNode } from 'mathjs';
import { compileNode } from './compile.js';

type Named = MathNode & { name: string };
type Valued = MathNode & { value: unknown };

export class SymbolBuilder {
  private readonly templates = new Map<string, MathNode>();

  constructor(readonly math: MathJsInstance) {}

  symbol(name: string): MathNode {
    return new this.math.SymbolNode(name);
  }

  constant(value: number): MathNode {
    if (value < 0 || Object.is(value, -0)) {
      return new this.math.OperatorNode('-', 'unaryMinus', [new this.math.ConstantNode(-value)]);
    }
    return new this.math.ConstantNode(value);
  }

  /** The numeric value of a constant node (also `-c`), or null. */
  constantValue(n: MathNode): number | null {
    if (n.type === 'ConstantNode' && typeof (n as Valued).value === 'number') return (n as Valued).value as number;
    const op = n as MathNode & { fn?: string; args?: MathNode[] };
    if (n.type === 'OperatorNode' && op.fn === 'unaryMinus' && op.args!.length === 1) {
      const inner = this.constantValue(op.args![0]!);
      return inner === null ? null : -inner;
    }
    return null;
  }

  private isConstant(n: MathNode, v: number): boolean {
    const c = this.constantValue(n);
    return c !== null && c === v && !Object.is(c, -0);
  }

  add(a: MathNode, b: MathNode): MathNode {
    if (this.isConstant(a, 0)) return b;
    if (this.isConstant(b, 0)) return a;
    return new this.math.OperatorNode('+', 'add', [a, b]);
  }

  sum(terms: readonly MathNode[]): MathNode {
    const kept = terms.filter((t) => !this.isConstant(t, 0));
    if (kept.length === 0) return this.constant(0);
    return kept.reduce((acc, t) => new this.math.OperatorNode('+', 'add', [acc, t]));
  }

  multiply(a: MathNode, b: MathNode): MathNode {
    if (this.isConstant(a, 1)) return b;
    if (this.isConstant(b, 1)) return a;
    return new this.math.OperatorNode('*', 'multiply', [a, b]);
  }

  call(name: string, args: readonly MathNode[]): MathNode {
    return new this.math.FunctionNode(new this.math.SymbolNode(name), [...args]);
  }

  /** The parts of `branch(condition, then, otherwise)`, or null. */
  branchOf(n: MathNode): { condition: MathNode; then: MathNode; otherwise: MathNode } | null {
    const call = n as MathNode & { fn?: MathNode & { name?: string }; args?: MathNode[] };
    if (n.type !== 'FunctionNode' || call.fn?.name !== 'branch' || call.args?.length !== 3) return null;
    const [condition, then, otherwise] = call.args as [MathNode, MathNode, MathNode];
    return { condition, then, otherwise };
  }

  /** a * b as a node of its own, also for a = 1. */
  product(a: MathNode, b: MathNode): MathNode {
    return new this.math.OperatorNode('*', 'multiply', [a, b]);
  }

  /** a / b as a node of its own, also for a = 1. */
  quotient(a: MathNode, b: MathNode): MathNode {
    return new this.math.OperatorNode('/', 'divide', [a, b]);
  }

  divide(a: MathNode, b: MathNode): MathNode {
    if (this.isConstant(b, 1)) return a;
    return new this.math.OperatorNode('/', 'divide', [a, b]);
  }

  /** A registry form (`a ^ exponent`) parsed once. */
  template(form: string): MathNode {
    let t = this.templates.get(form);
    if (!t) this.templates.set(form, (t = this.math.parse(form)));
    return t;
  }

  /**
   * `form` with `a`, `b`, `c` bound to the operands and other symbols to the
   * op's attributes (a null clamp bound is an infinite one).
   */
  instantiate(
    form: string | MathNode,
    operands: readonly MathNode[],
    attrs: Record<string, unknown>,
    extra: ReadonlyMap<string, MathNode> = new Map(),
  ): MathNode {
    const bound = new Map<string, MathNode>();
    ['a', 'b', 'c'].forEach((name, i) => {
      if (operands[i]) bound.set(name, operands[i]!);
    });
    for (const [name, value] of Object.entries(attrs)) {
      if (typeof value === 'number') bound.set(name, this.constant(value));
      else if (value === null) bound.set(name, this.constant(name === 'min' ? -Infinity : Infinity));
    }
    for (const [name, node] of extra) bound.set(name, node);
    return this.substitute(typeof form === 'string' ? this.template(form) : form, bound);
  }

  /**
   * `pick(cond, a, b)` whose condition has no variables (an attribute, or a
   * constant operand: `x ** 0`, `x ** torch.tensor(2.)`) decided: a or b.
   */
  decideConstantBranches(node: MathNode): MathNode {
    return this.replace(node, (n) => {
      const call = n as MathNode & { fn?: MathNode & { name?: string }; args?: MathNode[] };
      if (n.type !== 'FunctionNode' || call.fn?.name !== 'pick' || call.args?.length !== 3) return undefined;
      let decided: number;
      try {
        decided = compileNode(call.args[0]!, [])([]);
      } catch {
        return undefined; // it has variables
      }
      return this.decideConstantBranches(call.args[decided !== 0 ? 1 : 2]!);
    });
  }

  /** Replace symbols by nodes (from a map, or a lookup by name), rebuilding only the path above them. */
  substitute(node: MathNode, bound: ReadonlyMap<string, MathNode> | ((name: string) => MathNode | undefined)): MathNode {
    const lookup = typeof bound === 'function' ? bound : (name: string) => bound.get(name);
    return this.replace(node, (n) => (n.type === 'SymbolNode' ? lookup((n as Named).name) : undefined));
  }

  /** Replace the subtrees `by` gives a node for (their insides are not visited), rebuilding only the paths above them. */
  replace(node: MathNode, by: (n: MathNode) => MathNode | undefined): MathNode {
    return this.replacer(by)(node);
  }

  /** `replace` as a function for several trees, which shares its work on their common subtrees. */
  replacer(by: (n: MathNode) => MathNode | undefined): (node: MathNode) => MathNode {
    const memo = new Map<MathNode, MathNode>();
    const walk = (n: MathNode): MathNode => {
      const seen = memo.get(n);
      if (seen) return seen;
      const replaced = by(n);
      let out: MathNode = n;
      if (replaced) out = replaced;
      else if (n.type === 'ParenthesisNode') out = walk((n as MathNode & { content: MathNode }).content);
      else if (n.type === 'OperatorNode') {
        const op = n as MathNode & { op: string; fn: string; args: MathNode[] };
        const args = op.args.map(walk);
        if (args.some((a, i) => a !== op.args[i])) {
          out = new this.math.OperatorNode(op.op as never, op.fn as never, args);
        }
      } else if (n.type === 'FunctionNode') {
        const fn = n as MathNode & { fn: MathNode; args: MathNode[] };
        const args = fn.args.map(walk);
        if (args.some((a, i) => a !== fn.args[i])) out = new this.math.FunctionNode(fn.fn as never, args);
      }
      memo.set(n, out);
      return out;
    };
    return walk;
  }
}
