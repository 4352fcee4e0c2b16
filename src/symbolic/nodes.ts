/**
 * Building mathjs expression nodes for the trace and the expected
 * gradients: symbols, constants, sums and products with the trivial cases
 * (`1 * x`, `x + 0`) tidied away, and instantiation of a registry form
 * (`a * b`) with operand expressions. Nodes are shared, never cloned, so
 * expressions stay DAGs of linear size.
 */
import type { MathJsInstance, MathNode } from 'mathjs';

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

  /** Replace symbols by nodes (from a map, or a lookup by name), rebuilding only the path above them. */
  substitute(node: MathNode, bound: ReadonlyMap<string, MathNode> | ((name: string) => MathNode | undefined)): MathNode {
    const lookup = typeof bound === 'function' ? bound : (name: string) => bound.get(name);
    return this.replace(node, (n) => (n.type === 'SymbolNode' ? lookup((n as Named).name) : undefined));
  }

  /** Replace the subtrees `by` gives a node for (their insides are not visited), rebuilding only the paths above them. */
  replace(node: MathNode, by: (n: MathNode) => MathNode | undefined): MathNode {
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
    return walk(node);
  }
}
