/**
 * The backward pass: PyTorch's engine in miniature. Roots seed input
 * buffers; nodes run when all their consumers have sent gradients, later
 * nodes first; gradients are reduced to each input's shape and dtype;
 * saved tensors are freed unless retain_graph.
 */
import { runtimeError } from '../tensor/errors.js';
import { addInto, sameShape, sizeString } from '../tensor/ndarray.js';
import { engineMath } from './engine-math.js';
import { isGradEnabled, withGradMode } from './grad-mode.js';
import { FunctionNode } from './function-node.js';
import { GradRecycler } from './grad-recycler.js';
import { tapeListened } from './record.js';
import { AccumulateGrad, OpNode, type Edge, type Node } from './node.js';
import { Tensor } from './tensor.js';

export interface BackwardOptions {
  retainGraph?: boolean | null;
  createGraph?: boolean;
}

export interface GradOptions extends BackwardOptions {
  allowUnused?: boolean;
}

/** Gradients for the roots: the given ones, checked, or implicit ones for scalars. */
function makeGrads(outputs: readonly Tensor[], grads: readonly (Tensor | null)[]): Tensor[] {
  return outputs.map((out, i) => {
    const g = grads[i] ?? null;
    if (g) {
      if (g.shape.join() !== out.shape.join()) {
        throw runtimeError(
          `Mismatch in shape: grad_output[${i}] has a shape of ${sizeString(g.shape)} and output[${i}] has a shape of ${sizeString(out.shape)}.`,
        );
      }
      return g;
    }
    if (out.requiresGrad && out.numel !== 1) {
      throw runtimeError('grad can be implicitly created only for scalar outputs');
    }
    return engineMath().onesLike(out);
  });
}

function rootEdges(outputs: readonly Tensor[]): Edge[] {
  return outputs.map((out, i) => {
    const edge = out.gradientEdge();
    if (!edge) throw runtimeError(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    return edge;
  });
}

let lastPassId = 0;
/** The passes running, outermost first (a hook or a Function's backward may run another). */
const activePasses: number[] = [];

/**
 * One pass's reach: every node reachable from the roots, each marked with
 * the pass and counting its consumers (the edges that point at it). A pass
 * run inside another keeps what it overwrote of the outer pass's marks
 * and gives it back when it ends.
 */
class PassNodes {
  readonly id = ++lastPassId;
  readonly nodes: Node[] = [];
  /** Every node runs a registry formula or accumulates, with no hook: no user code runs in the pass. */
  onlyRegistryFormulas = true;
  private readonly outer: { node: Node; mark: number; pending: number; grads: (Tensor | null)[] | null }[] = [];

  constructor(roots: readonly Edge[]) {
    activePasses.push(this.id);
    const stack: Node[] = [];
    for (const e of roots) if (this.visit(e.node)) stack.push(e.node);
    while (stack.length) {
      const node = stack.pop()!;
      for (let i = 0; i < node.edgeCount; i++) {
        const next = node.nextNode(i);
        if (next === null) continue;
        if (this.visit(next)) stack.push(next);
        next.pendingConsumers++;
      }
    }
  }

  /** Mark `node` as this pass's (true the first time). */
  private visit(node: Node): boolean {
    if (node.passMark === this.id) return false;
    if (node.passMark !== 0 && activePasses.includes(node.passMark)) {
      this.outer.push({ node, mark: node.passMark, pending: node.pendingConsumers, grads: node.receivedGrads });
    }
    node.passMark = this.id;
    if (node.hasPreHooks || !(node instanceof OpNode || node instanceof AccumulateGrad)) this.onlyRegistryFormulas = false;
    node.pendingConsumers = 0;
    node.receivedGrads = null;
    this.nodes.push(node);
    return true;
  }

  /** The pass ended (or failed): its nodes keep no gradient, outer passes get their marks back. */
  end(): void {
    for (const node of this.nodes) {
      node.passMark = 0;
      node.receivedGrads = null;
    }
    for (const o of this.outer) {
      o.node.passMark = o.mark;
      o.node.pendingConsumers = o.pending;
      o.node.receivedGrads = o.grads;
    }
    activePasses.pop();
  }
}

/** Nodes from which some capture node can be reached (what autograd.grad must run). */
function nodesLeadingTo(targets: ReadonlySet<Node>, all: Iterable<Node>): Set<Node> {
  const leads = new Map<Node, boolean>();
  for (const start of all) {
    // Iterative post-order DFS: graphs of thousands of ops must not overflow the stack.
    const stack: [Node, boolean][] = [[start, false]];
    while (stack.length) {
      const [node, childrenDone] = stack.pop()!;
      // Stryker disable next-line ConditionalExpression: a node popped again is recomputed to the same value (its children are done); only time differs
      if (leads.has(node)) continue;
      if (!childrenDone) {
        stack.push([node, true]);
        for (let i = 0; i < node.edgeCount; i++) {
          const next = node.nextNode(i);
          if (next !== null && !leads.has(next)) stack.push([next, false]);
        }
        continue;
      }
      let reaches = targets.has(node);
      for (let i = 0; i < node.edgeCount && !reaches; i++) {
        const next = node.nextNode(i);
        reaches = next !== null && leads.get(next) === true;
      }
      leads.set(node, reaches);
    }
  }
  return new Set([...leads].filter(([, v]) => v).map(([k]) => k));
}

/** A binary max-heap on node priority: PyTorch runs the most recently created ready node first. */
class ReadyQueue {
  private readonly heap: Node[] = [];

  push(node: Node): void {
    const h = this.heap;
    h.push(node);
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      // Stryker disable next-line EqualityOperator: equal priorities are only AccumulateGrad nodes (Infinity), each writing its own leaf: their order is unobservable
      if (h[parent]!.priority >= h[i]!.priority) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  pop(): Node | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        // Stryker disable next-line EqualityOperator: as in push, > and >= differ only among equal-priority AccumulateGrad nodes
        if (l < h.length && h[l]!.priority > h[best]!.priority) best = l;
        // Stryker disable next-line EqualityOperator: as in push, > and >= differ only among equal-priority AccumulateGrad nodes
        if (r < h.length && h[r]!.priority > h[best]!.priority) best = r;
        if (best === i) break;
        [h[best], h[i]] = [h[i]!, h[best]!];
        i = best;
      }
    }
    return top;
  }

  get size(): number {
    return this.heap.length;
  }
}

/** Whether a tensor of `shape` broadcasts to `target` (PyTorch's is_expandable_to). */
function expandable(shape: readonly number[], target: readonly number[]): boolean {
  if (shape.length > target.length) return false;
  return shape.every((s, i) => s === 1 || s === target[target.length - shape.length + i]);
}

/** Make a node's output gradient fit the input it flows to (PyTorch's validate_outputs). */
function fitToInput(node: Node, i: number, g: Tensor): Tensor {
  if (!(node instanceof OpNode) && !(node instanceof FunctionNode)) return g;
  const meta = node.inputs[i]!;
  let out = g;
  // Stryker disable next-line ConditionalExpression: sumTo of a gradient already of the input's shape returns it unchanged
  if (!sameShape(out.shape, meta.shape)) {
    if (!expandable(meta.shape, out.shape)) {
      throw runtimeError(
        `Function ${node.name} returned an invalid gradient at index ${i} - got [${out.shape.join(', ')}] but expected shape compatible with [${meta.shape.join(', ')}]`,
      );
    }
    out = engineMath().sumTo(out, meta.shape);
  }
  // Stryker disable next-line ConditionalExpression: cast to the dtype a gradient already has returns it unchanged (F.to)
  if (out.dtype !== meta.dtype) out = engineMath().cast(out, meta.dtype);
  return out;
}

interface Capture {
  edge: Edge;
  grad: Tensor | null;
}

function execute(roots: readonly Edge[], rootGrads: readonly Tensor[], retainGraph: boolean, captures: Capture[] | null): void {
  const reach = new PassNodes(roots);
  try {
    const captureNodes = new Set(captures?.map((c) => c.edge.node));
    const needed = captures ? nodesLeadingTo(captureNodes, reach.nodes) : null;
    // Recycling needs a pass that only the engine's slots can see into (grad-recycler.ts).
    const recorded = isGradEnabled() || tapeListened() || observer !== null;
    const recycler = reach.onlyRegistryFormulas && !recorded ? new GradRecycler() : null;
    try {
      run(roots, rootGrads, retainGraph, captures, needed, recycler);
    } finally {
      recycler?.stop();
    }
  } finally {
    reach.end();
  }
}

function run(
  roots: readonly Edge[],
  rootGrads: readonly Tensor[],
  retainGraph: boolean,
  captures: Capture[] | null,
  needed: Set<Node> | null,
  recycler: GradRecycler | null,
): void {
  const addToBuffer = (node: Node, inputNr: number, g: Tensor) => {
    recycler?.hold(g);
    const buf = node.receivedGrads;
    if (!buf) {
      const fresh: (Tensor | null)[] = [];
      fresh[inputNr] = g;
      node.receivedGrads = fresh;
      return;
    }
    const old = buf[inputNr];
    if (!old) buf[inputNr] = g;
    else if (recycler?.ownsWhole(old, 1) && old.dtype === g.dtype && sameShape(old.shape, g.shape)) {
      // Only this slot holds old: sum in place (the same bits as old + g).
      addInto(old.array, g.array);
      recycler.release(g);
    } else {
      const sum = engineMath().add(old, g);
      recycler?.release(old);
      recycler?.release(g);
      recycler?.hold(sum);
      buf[inputNr] = sum;
    }
  };
  roots.forEach((edge, i) => addToBuffer(edge.node, edge.inputNr, rootGrads[i]!));

  const queue = new ReadyQueue();
  for (const node of new Set(roots.map((r) => r.node))) if (node.pendingConsumers === 0) queue.push(node);
  while (queue.size) {
    const node = queue.pop()!;
    const grads = node.receivedGrads ?? [];
    node.receivedGrads = null;
    if (recycler) for (const g of grads) if (g) recycler.release(g);
    if (captures) {
      for (const c of captures) {
        if (c.edge.node !== node) continue;
        c.grad = grads[c.edge.inputNr] ?? null;
        if (c.grad) recycler?.escape(c.grad);
      }
    }
    if (needed && !needed.has(node)) continue;
    if (captures && node instanceof AccumulateGrad) continue;
    // Tensor hooks and retain_grad run only when the node itself runs (not on a captured gradient), as in PyTorch.
    node.runPreHooks(grads);
    const inputGrads = node instanceof AccumulateGrad && recycler ? accumulate(node, grads, recycler) : node.apply(grads);
    if (!retainGraph) node.releaseSaved();
    for (let i = 0; i < node.edgeCount; i++) {
      const next = node.nextNode(i);
      if (next === null) continue;
      const g = inputGrads[i];
      if (g) addToBuffer(next, node.nextInputNr(i), fitToInput(node, i, g));
      if (--next.pendingConsumers === 0) queue.push(next);
    }
    recycler?.sweep();
  }
}

/** AccumulateGrad in a recycled pass: a gradient only the engine holds becomes `.grad` without a copy. */
function accumulate(node: AccumulateGrad, grads: readonly (Tensor | null)[], recycler: GradRecycler): (Tensor | null)[] {
  const g = grads[0];
  const out = node.apply(grads, !!g && recycler.ownsWhole(g, 0));
  // `.grad` (g itself or a copy made now) outlives the pass.
  const kept = node.variable.grad;
  if (kept) recycler.escape(kept);
  return out;
}

/** One backward pass as a checker sees it: what was asked, before the engine runs. */
export interface BackwardCall {
  kind: 'backward' | 'grad';
  outputs: readonly Tensor[];
  /** autograd.grad's inputs; empty for backward(). */
  inputs: readonly Tensor[];
  grads: readonly (Tensor | null)[];
  retainGraph: boolean;
  createGraph: boolean;
}

/** Sees every backward pass (dzdx check computes the expected gradients here). */
export interface BackwardObserver {
  before(call: BackwardCall): void;
  /** `result`: autograd.grad's gradients; `error`: what the engine raised. */
  after(call: BackwardCall, outcome: { result?: readonly (Tensor | null)[]; error?: unknown }): void;
}

let observer: BackwardObserver | null = null;
let running = 0;

/** True while a backward pass runs (its ops are the engine's, not the script's). */
export function inBackward(): boolean {
  return running > 0;
}

export function setBackwardObserver(o: BackwardObserver | null): void {
  observer = o;
}

export function backwardObserver(): BackwardObserver | null {
  return observer;
}

function observed<T extends readonly (Tensor | null)[] | void>(call: BackwardCall, body: () => T): T {
  const run = () => {
    running++;
    try {
      return body();
    } finally {
      running--;
    }
  };
  if (!observer) return run();
  const o = observer;
  o.before(call);
  let result: T;
  try {
    result = run();
  } catch (error) {
    o.after(call, { error });
    throw error;
  }
  o.after(call, { result: result ?? undefined });
  return result;
}

/** `t.backward(gradient, retain_graph, create_graph)` and `torch.autograd.backward`. */
export function backward(outputs: readonly Tensor[], grads: readonly (Tensor | null)[], options: BackwardOptions = {}): void {
  const createGraph = options.createGraph ?? false;
  const call: BackwardCall = { kind: 'backward', outputs, inputs: [], grads, retainGraph: options.retainGraph ?? createGraph, createGraph };
  observed(call, () => runBackward(outputs, grads, options));
}

function runBackward(outputs: readonly Tensor[], grads: readonly (Tensor | null)[], options: BackwardOptions): void {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const rootGrads = makeGrads(outputs, grads);
  const roots = rootEdges(outputs);
  withGradMode(createGraph, () => execute(roots, rootGrads, retainGraph, null));
}

/** `torch.autograd.grad(outputs, inputs, grad_outputs, …)`: returns gradients, leaves `.grad` alone. */
export function grad(
  outputs: readonly Tensor[],
  inputs: readonly Tensor[],
  grads: readonly (Tensor | null)[],
  options: GradOptions = {},
): (Tensor | null)[] {
  const createGraph = options.createGraph ?? false;
  const call: BackwardCall = { kind: 'grad', outputs, inputs, grads, retainGraph: options.retainGraph ?? createGraph, createGraph };
  return observed(call, () => runGrad(outputs, inputs, grads, options));
}

function runGrad(
  outputs: readonly Tensor[],
  inputs: readonly Tensor[],
  grads: readonly (Tensor | null)[],
  options: GradOptions,
): (Tensor | null)[] {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const rootGrads = makeGrads(outputs, grads);
  const roots = rootEdges(outputs);
  const captures: Capture[] = inputs.map((t) => {
    const edge = t.gradientEdge();
    if (!edge) throw runtimeError('One of the differentiated Tensors does not require grad');
    return { edge, grad: null };
  });
  withGradMode(createGraph, () => execute(roots, rootGrads, retainGraph, captures));
  return captures.map((c) => {
    if (!c.grad && !options.allowUnused) {
      throw runtimeError(
        'One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.',
      );
    }
    if (!c.grad) return null;
    return createGraph ? c.grad : new Tensor(c.grad.array);
  });
}

