/**
 * Expected gradients of one backward()/autograd.grad() call, derived from
 * the symbolic trace alone: the chain rule over the recorded history, each
 * local partial derived by mathjs from the op's registry form and evaluated
 * at the values its backward will read (so `.data` mutations of saved
 * tensors count and cut values are constants). Also predicts the errors
 * PyTorch raises (version counter, backward twice, implicit gradient).
 */
import type { MathNode } from 'mathjs';
import type { BackwardCall } from '../autograd/engine.js';
import type { Tensor } from '../autograd/tensor.js';
import { freeVariables } from './compile.js';
import { deriveNode } from './derive.js';
import { tidyNode } from './display.js';
import { referenceOf } from './generations.js';
import type { SymbolBuilder } from './nodes.js';
import { memberMap } from './structural.js';
import { ElemNode, locationOf, type FunctionApplication, type OpRecord, type SymbolicTrace, type Term, type ValueRef } from './trace.js';

export type PredictedError = 'no-grad' | 'implicit-scalar' | 'shape' | 'unused' | 'not-requiring-grad' | 'version' | 'backward-twice';

export interface ExpectedTarget {
  tensor: Tensor;
  name: string;
  /** Per element (row-major): dz/d(element), in terms of the leaves' symbols. */
  formulas: MathNode[];
  /** Each element's symbol, for leaves (referenceOf in generations.ts: of the values the forward pass read). */
  symbols: (string | null)[];
  /** Each element's every symbol (generation), for leaves: finite differences shift them together. */
  generations: (readonly string[])[];
  /** The target received no gradient at all (autograd.grad would call it unused). */
  unused: boolean;
}

export interface ExpectedCall {
  call: BackwardCall;
  line: number;
  errors: PredictedError[];
  targets: ExpectedTarget[];
  /** The ops the backward pass runs through. */
  reached: OpRecord[];
  /** Σ gradient · output, as an expression of the leaves: what finite differences differentiate. */
  objective: MathNode | null;
  /**
   * The same as autograd sees it: values read through a cut are named
   * constants. Its derivative is the call's gradient unless a `.data` change
   * reached a saved tensor (src/grade derives slips of it).
   */
  autogradObjective: MathNode | null;
  /** The symbols of `objective`: the values the call's forward pass read. */
  used: Set<string>;
  /** Non-leaf tensors with `retain_grad()` the pass reaches: the gradient it gives each (their `.grad`, or what it adds). */
  retained: { tensor: Tensor; formulas: MathNode[] }[];
}

/** x for a node 1 / x, else null. */
function reciprocalOf(p: MathNode, b: SymbolBuilder): MathNode | null {
  const op = p as MathNode & { fn?: string; args?: MathNode[] };
  return p.type === 'OperatorNode' && op.fn === 'divide' && b.constantValue(op.args![0]!) === 1 ? op.args![1]! : null;
}

export class ExpectedGradients {
  private readonly partials = new Map<string, MathNode>();
  /** Per op reading its whole input (`zeros`): that count in this backward call, built once. */
  private readonly zeroCounts = new Map<readonly ValueRef[], MathNode>();
  /** The backward being computed runs under create_graph. */
  private underGraph = false;

  constructor(
    private readonly trace: SymbolicTrace,
    private readonly b: SymbolBuilder,
  ) {}

  /** d(form)/d(slot), derived once per form and slot. */
  private partialTemplate(form: string, slot: number): MathNode {
    const key = `${slot}:${form}`;
    let p = this.partials.get(key);
    if (!p) {
      p = deriveNode(this.b.template(form), 'abc'[slot]!);
      this.partials.set(key, p);
    }
    return p;
  }

  /** What a backward formula reads: autograd's value, now (saved by reference) or at op time. */
  private read(ref: ValueRef): MathNode {
    if (!ref.live) return ref.atOp;
    const v = this.trace.agValueAt(ref.tensor ? locationOf(ref.tensor, ref.index!) : ref.loc);
    if (!ref.cut || !ref.tensor || !this.trace.isSymbolic(v)) return v;
    return this.trace.frozenValue(v, ref.tensor, ref.index!);
  }

  private partial(node: ElemNode, term: Term): MathNode {
    switch (term.kind) {
      case 'constant':
        return this.b.constant(term.value);
      case 'factor':
        return this.read(term.factor);
      case 'formula':
        return term.reread.size ? this.b.substitute(term.partial, (name) => {
          const value = term.reread.get(name);
          return value && this.trace.currentOf(value);
        }) : term.partial;
      case 'group': {
        const members = term.operands.map((o) => this.read(o));
        // An op whose backward reads its saved result: its own partial, over the result as it is now.
        if (term.viaResult) {
          const bound = memberMap(members, term.results.map((r) => this.read(r)));
          if (term.wholeInput) bound.set('zeros', this.zeroCount(term.wholeInput));
          return this.b.instantiate((this.underGraph && term.viaResultUnderGraph) || term.viaResult, [], {}, bound);
        }
        const key = `m${term.slot}:${term.form}`;
        let p = this.partials.get(key);
        if (!p) this.partials.set(key, (p = deriveNode(this.b.template(term.form), `m${term.slot}`)));
        return this.b.instantiate(p, [], {}, memberMap(members));
      }
      case 'elementwise': {
        const spec = node.record!.entry.symbolic;
        if (spec.kind !== 'elementwise') throw new Error('internal: elementwise term of a structural op');
        const operands = term.operands.map((o) => this.read(o));
        const attrs = (node.record!.attrs ?? {}) as Record<string, unknown>;
        // An op whose backward reads its saved result: the partial in terms of the result as it is now;
        // one whose backward masks it: as masked there (pow at a zero exponent).
        const slot = term.slot === 0 ? 'a' : 'b';
        const own = spec.viaResult?.[slot] ?? spec.masked?.[slot];
        if (own) return this.b.decideConstantBranches(this.b.instantiate(own, operands, attrs, new Map([['result', this.trace.agValueAt(term.result.loc)]])));
        return this.b.instantiate(this.partialTemplate(spec.form, term.slot), operands, attrs);
      }
    }
  }

  /**
   * adj · partial. A zero partial passes an exact zero (PyTorch's
   * zeros_like), not adj * 0. A product with a value read from the graph
   * stays a product even for adj = 1: it is a value the backward computed,
   * which a create_graph derivative reads as computed then, while the value
   * itself is read when it is taken. A partial 1 / x is applied as
   * PyTorch's backward does, adj / x (log, division, sqrt). A `branch` the
   * backward takes in its code (prod's zeros, std's 0) takes adj into each
   * side, so that a side that is 0 passes an exact zero even for a NaN adj.
   */
  private scaled(adj: MathNode, p: MathNode): MathNode {
    const c = this.b.constantValue(p);
    if (c === 0) return p;
    if (c !== null) return this.b.multiply(adj, p);
    const branch = this.b.branchOf(p);
    if (branch) return this.b.call('branch', [branch.condition, this.scaled(adj, branch.then), this.scaled(adj, branch.otherwise)]);
    const over = reciprocalOf(p, this.b);
    return over ? this.b.quotient(adj, over) : this.b.product(adj, p);
  }

  /** `zerocount(…)` of an op's whole input as this backward reads it, one node shared by the op's terms. */
  private zeroCount(whole: readonly ValueRef[]): MathNode {
    let n = this.zeroCounts.get(whole);
    if (!n) this.zeroCounts.set(whole, (n = this.b.call('zerocount', whole.map((r) => this.read(r)))));
    return n;
  }

  /** Everything reachable from the roots, latest first (a valid reverse topological order). */
  private reachable(roots: readonly ElemNode[]): ElemNode[] {
    const seen = new Set<ElemNode>();
    const stack = [...roots];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const t of n.terms) stack.push(t.input);
    }
    return [...seen].sort((x, y) => y.id - x.id);
  }

  compute(call: BackwardCall, line: number): ExpectedCall {
    const result: ExpectedCall = { call, line, errors: [], targets: [], reached: [], objective: null, autogradObjective: null, used: new Set(), retained: [] };
    this.zeroCounts.clear();
    this.underGraph = call.createGraph;
    // Every output of the call is a root, seeded with its gradient argument (or ones).
    const roots = call.outputs.map((root, i) => ({ root, given: call.grads[i] ?? null }));
    for (const { root, given } of roots) {
      if (given && given.shape.join() !== root.shape.join()) result.errors.push('shape');
      if (!given && root.requiresGrad && root.numel !== 1) result.errors.push('implicit-scalar');
      if (!root.requiresGrad) result.errors.push('no-grad');
    }
    if (call.inputs.some((t) => !t.requiresGrad)) result.errors.push('not-requiring-grad');
    if (result.errors.length) return result;

    const contributions = new Map<ElemNode, MathNode[]>();
    const give = (n: ElemNode, v: MathNode) => {
      const list = contributions.get(n);
      if (list) list.push(v);
      else contributions.set(n, [v]);
    };
    const rootNodes: ElemNode[] = [];
    const objective: MathNode[] = [];
    const autogradObjective: MathNode[] = [];
    for (const { root, given } of roots) {
      const rootOffsets = Array.from(root.array.offsets());
      // A gradient argument that requires grad is differentiated through under create_graph (gradgradcheck does that).
      const throughGiven = given !== null && call.createGraph && given.requiresGrad;
      const seeds = rootOffsets.map((_, k) =>
        given ? this.read({ loc: locationOf(given, k), atOp: this.b.constant(0), live: true, tensor: given, index: k, cut: !throughGiven }) : this.b.constant(1),
      );
      objective.push(...rootOffsets.map((offset, k) => this.b.multiply(seeds[k]!, this.trace.valueAt({ buffer: root.array.buffer, offset }))));
      autogradObjective.push(...rootOffsets.map((offset, k) => this.b.multiply(seeds[k]!, this.trace.agValueAt({ buffer: root.array.buffer, offset }))));
      rootOffsets.forEach((offset, k) => {
        const n = this.trace.nodeAt(root, offset);
        if (n) {
          give(n, seeds[k]!);
          rootNodes.push(n);
        }
      });
    }
    result.objective = this.b.sum(objective);
    result.autogradObjective = this.b.sum(autogradObjective);
    const order = this.reachable(rootNodes);
    const adjoint = new Map<ElemNode, MathNode>();
    const records = new Set<OpRecord>();
    for (const n of order) {
      const adj = this.b.sum(contributions.get(n) ?? []);
      adjoint.set(n, adj);
      if (n.record) records.add(n.record);
      for (const r of n.via) records.add(r);
      for (const t of n.terms) give(t.input, this.scaled(adj, this.partial(n, t)));
    }
    result.reached = [...records].sort((x, y) => x.id - y.id);
    result.retained = this.retainedGrads(result.reached, adjoint);
    for (const r of result.reached) {
      if (r.freed && r.saved.length) result.errors.push('backward-twice');
      if (r.saved.some((s) => s.array.version.value !== s.version)) result.errors.push('version');
    }
    result.errors = [...new Set(result.errors)];

    const used = (result.used = new Set(freeVariables(result.objective)));
    const targets = call.kind === 'grad' ? call.inputs : this.reachedLeaves(order);
    for (const t of targets) {
      const offsets = Array.from(t.array.offsets());
      const nodes = offsets.map((o) => this.trace.nodeAt(t, o));
      const formulas = nodes.map((n) => (n && adjoint.has(n) ? adjoint.get(n)! : this.b.constant(0)));
      const generations = nodes.map((n, k) => {
        if (!n?.leaf) return [];
        const all = this.trace.generationsOf(n.leaf.tensor, offsets[k]!);
        return all.length ? all : [n.leaf.symbol];
      });
      result.targets.push({
        tensor: t,
        name: this.trace.nameOf(t),
        formulas,
        symbols: nodes.map((n, k) => (n?.leaf ? referenceOf(generations[k]!, used) : null)),
        generations,
        unused: !nodes.some((n) => n && adjoint.has(n)),
      });
      if (call.kind === 'grad' && result.targets.at(-1)!.unused) result.errors.push('unused');
    }
    return result;
  }

  /** The gradient a pass gives each tensor with `retain_grad()` whose history it runs through (0 where it gives none). */
  private retainedGrads(reached: readonly OpRecord[], adjoint: ReadonlyMap<ElemNode, MathNode>): ExpectedCall['retained'] {
    const tensors = [...new Set(reached.map((r) => r.output).filter((t) => t.retainsGrad && !t.isLeaf))];
    return tensors.flatMap((tensor) => {
      const nodes = Array.from(tensor.array.offsets(), (o) => this.trace.nodeAt(tensor, o));
      if (!nodes.some((n) => n && adjoint.has(n))) return [];
      return [{ tensor, formulas: nodes.map((n) => (n && adjoint.get(n)) ?? this.b.constant(0)) }];
    });
  }

  private reachedLeaves(order: readonly ElemNode[]): Tensor[] {
    const leaves: Tensor[] = [];
    for (const n of [...order].reverse()) if (n.leaf && !leaves.includes(n.leaf.tensor)) leaves.push(n.leaf.tensor);
    return leaves;
  }

  /**
   * create_graph: the returned gradients are differentiable. As autograd
   * does, a gradient's formula is differentiated with respect to the values
   * its backward read (saved inputs and results, leaf elements), each then
   * through that value's own recorded history, never through the expression
   * that computed it: once a `.data` write changed what an op saved, that
   * expression no longer says what backward computes (expected stays
   * independent of the tape's backward ops all the same).
   */
  attachHistory(grads: readonly Tensor[], formulas: readonly (readonly MathNode[])[], reached: readonly OpRecord[]): void {
    // A custom Function's gradient runs back through its backward's own ops, not through its forward's.
    const via = reached.filter((r) => !r.inFunction);
    grads.forEach((g, i) => {
      const offsets = Array.from(g.array.offsets());
      offsets.forEach((offset, k) => {
        const formula = formulas[i]![k]!;
        const terms = this.historyTerms(formula);
        this.trace.define(g, offset, formula, terms.length ? new ElemNode(null, terms, null, via) : null);
      });
    });
  }

  /**
   * d(formula)/d(value) for each value with a history it reads whole, as
   * terms of that history. As in PyTorch's double backward, where a local
   * derivative reads a value itself (the backward saved it by reference),
   * it reads it when the derivative is taken (after `p.data.mul_(2)`, the
   * new p); values the first backward computed from it keep theirs.
   */
  private historyTerms(formula: MathNode): Term[] {
    const variables: { name: string; value: MathNode; node: ElemNode }[] = [];
    const byName = new Map<string, MathNode>();
    // (replace visits each distinct node once.)
    const shape = this.b.replace(formula, (n) => {
      const node = this.trace.historyOfValue(n);
      if (!node) return undefined;
      const name = `#v${variables.length}`;
      variables.push({ name, value: n, node });
      byName.set(name, n);
      return this.b.symbol(name);
    });
    const computed = new Set<MathNode>();
    const stack = [shape];
    while (stack.length) {
      const n = stack.pop()!;
      if (n.type === 'SymbolNode' || computed.has(n)) continue;
      computed.add(n);
      n.forEach((c) => stack.push(c));
    }
    const valuesThen = this.b.replacer((n) => (n.type === 'SymbolNode' ? byName.get((n as MathNode & { name: string }).name) : undefined));
    const reread = new Map<string, MathNode>();
    const rereadName = new Map<string, string>();
    for (const [name, value] of byName) {
      rereadName.set(name, `#r${name.slice(2)}`);
      reread.set(`#r${name.slice(2)}`, value);
    }
    return variables.map(({ name, node }) => {
      const partial = this.b.replace(deriveNode(shape, name, undefined, false), (n) => {
        if (computed.has(n)) return valuesThen(n);
        const own = n.type === 'SymbolNode' ? rereadName.get((n as MathNode & { name: string }).name) : undefined;
        return own ? this.b.symbol(own) : undefined;
      });
      return { kind: 'formula', input: node, partial: tidyNode(partial), reread };
    });
  }
  /**
   * What a custom Function's backward should return, derived from its
   * forward: the chain rule from its outputs' elements (each seeded with
   * `seeds`, the gradient it received, or 1 for the derivative itself) down
   * to its inputs' elements. Null for an input without history.
   */
  functionGradients(app: FunctionApplication, seeds: readonly (readonly number[] | null)[] | null): (MathNode[] | null)[] {
    const contributions = new Map<ElemNode, MathNode[]>();
    const give = (n: ElemNode, v: MathNode) => {
      const list = contributions.get(n);
      if (list) list.push(v);
      else contributions.set(n, [v]);
    };
    const roots: ElemNode[] = [];
    app.outputNodes.forEach((nodes, i) =>
      nodes.forEach((n, k) => {
        if (!n) return;
        const seed = seeds ? seeds[i]?.[k] : 1;
        if (seed === undefined) return;
        give(n, this.b.constant(seed));
        roots.push(n);
      }),
    );
    const stops = new Set(app.inputNodes.flat().filter((n): n is ElemNode => n !== null));
    const adjoint = new Map<ElemNode, MathNode>();
    for (const n of this.reachable(roots)) {
      const adj = this.b.sum(contributions.get(n) ?? []);
      adjoint.set(n, adj);
      // The Function's inputs end its forward: what lies behind them is not its derivative.
      if (stops.has(n)) continue;
      for (const t of n.terms) {
        const p = this.partial(n, t);
        give(t.input, this.b.constantValue(p) === 0 ? p : this.b.multiply(adj, p));
      }
    }
    return app.inputNodes.map((nodes) => (nodes.some((n) => n !== null) ? nodes.map((n) => (n && adjoint.has(n) ? adjoint.get(n)! : this.b.constant(0))) : null));
  }

  /** After a successful pass without retain_graph, its ops' saved tensors are gone. */
  freeReached(expected: ExpectedCall): void {
    for (const r of expected.reached) r.freed = true;
  }
}

