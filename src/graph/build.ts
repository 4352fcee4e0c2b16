/**
 * The graph autograd holds, read off the tape at one moment: from the roots
 * along grad_fn.next_functions down to AccumulateGrad and the leaves, with
 * every node's saved values, the inputs that have no gradient (next_functions
 * holds None there, so a cut value has no edge back to what it was computed
 * from), and the storage changes autograd never saw (`.data` mutations and
 * `x.data = t`).
 * Names, lines, cuts and mutations come from the run's recorder, by the
 * rules `dzdx check` explains them with.
 */
import { AccumulateGrad, OpNode, type Node, type SavedTensor } from '../autograd/node.js';
import type { Tensor } from '../autograd/tensor.js';
import type { Buffer } from '../tensor/ndarray.js';
import type { GraphAssignment, GraphRecorder, OpRecord } from './recorder.js';
import { MAX_GRAPH_NODES, type AutogradGraph, type GraphEdge, type GraphMoment, type GraphNode } from './model.js';

export interface BuildContext {
  recorder: GraphRecorder;
  /** The line of the backward call that freed a node's saved values. */
  freedBy: ReadonlyMap<Node, number>;
  lines: readonly string[];
  /** `line 12`, or a notebook's `cell 7, line 2`. */
  place: (line: number) => string;
}

export class GraphTooLargeError extends Error {
  constructor(readonly nodes: number) {
    super(`the autograd graph has more than ${MAX_GRAPH_NODES} nodes, too many to draw: draw a smaller version of the script, or pick an earlier moment with --at LINE`);
  }
}

const shapeText = (shape: readonly number[]) => `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;

function statementAt(lines: readonly string[], line: number): string {
  const s = (lines[line - 1] ?? '').trim();
  return s.length > 48 ? `${s.slice(0, 47)}…` : s;
}

interface SavedEntry {
  id: string;
  buffer: Buffer;
  /** The tensor saved by reference (an input): `x.data = t` changes what it reads. */
  tensor: Tensor | null;
  record: OpRecord | undefined;
  node: GraphNode;
}

class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly edges: GraphEdge[] = [];
  private readonly fnIds = new Map<Node, string>();
  private readonly tensorIds = new Map<Tensor, string>();
  private readonly saved: SavedEntry[] = [];
  /** Tensors drawn as boxes (leaves, roots, constants), for marking mutations. */
  private readonly tensors: { id: string; tensor: Tensor }[] = [];
  private readonly drawnRecords: OpRecord[] = [];

  constructor(private readonly ctx: BuildContext) {}

  private add(node: Omit<GraphNode, 'id'>): GraphNode {
    if (this.nodes.length >= MAX_GRAPH_NODES) throw new GraphTooLargeError(this.nodes.length);
    const full = { id: `n${this.nodes.length + 1}`, ...node };
    this.nodes.push(full);
    return full;
  }

  private edge(from: string, to: string, kind: GraphEdge['kind'], label?: string): void {
    this.edges.push(label === undefined ? { from, to, kind } : { from, to, kind, label });
  }

  /** The script's name for a tensor, or null for an unnamed one (a wrapped `2`). */
  private nameOf(t: Tensor): string | null {
    return this.ctx.recorder.nameOf(t);
  }

  private tensorLabel(t: Tensor): string {
    return this.nameOf(t) ?? (t.numel === 1 ? String(t.array.values()[0]) : 'tensor');
  }

  /** A leaf, a root or a constant: one box per tensor. */
  tensor(t: Tensor, kind: 'root' | 'leaf' | 'constant', extra: string[] = [], state?: GraphNode['state']): string {
    const known = this.tensorIds.get(t);
    if (known) return known;
    const details = [`${shapeText(t.shape)} ${t.dtype}`, ...extra];
    if (kind === 'leaf') details.push('requires_grad=True', t.grad ? `.grad ${shapeText(t.grad.shape)}` : '.grad None');
    const node = this.add({ kind, title: this.tensorLabel(t), details, shape: [...t.shape], ...(state ? { state } : {}) });
    this.tensorIds.set(t, node.id);
    this.tensors.push({ id: node.id, tensor: t });
    return node.id;
  }

  root(t: Tensor, name: string): void {
    if (t.gradFn) {
      if (this.tensorIds.has(t)) return;
      const node = this.add({ kind: 'root', title: name, details: [`${shapeText(t.shape)} ${t.dtype}`], shape: [...t.shape] });
      this.tensorIds.set(t, node.id);
      this.tensors.push({ id: node.id, tensor: t });
      this.edge(node.id, this.function(t.gradFn), 'grad_fn', 'grad_fn');
    } else if (t.requiresGrad) {
      this.tensor(t, 'leaf');
    } else {
      this.tensor(t, 'constant', ['requires no grad']);
    }
  }

  /** A grad_fn node and everything behind it (iteratively: graphs can be long chains). */
  function(start: Node): string {
    const known = this.fnIds.get(start);
    if (known) return known;
    const pending: Node[] = [];
    const idOf = (n: Node): string => {
      let id = this.fnIds.get(n);
      if (!id) {
        id = this.describe(n);
        this.fnIds.set(n, id);
        pending.push(n);
      }
      return id;
    };
    const startId = idOf(start);
    while (pending.length) {
      const n = pending.pop()!;
      const id = this.fnIds.get(n)!;
      const rec = this.recordFor(n);
      n.nextEdges.forEach((e, i) => {
        const input = rec?.inputs[i];
        const label = input ? (this.nameOf(input) ?? undefined) : undefined;
        if (e) this.edge(id, idOf(e.node), 'next', label);
        else if (input) this.edge(id, this.constant(input, rec!), 'none', 'None');
      });
    }
    return startId;
  }

  /** The record of the op behind a node, when the node is that op's own (not a CopySlices). */
  private recordFor(n: Node): OpRecord | undefined {
    const rec = this.ctx.recorder.recordOf.get(n);
    return rec && n instanceof OpNode && (n.spec as unknown) === rec.entry && n.nextEdges.length === rec.inputs.length ? rec : undefined;
  }

  private describe(n: Node): string {
    if (n instanceof AccumulateGrad) {
      const node = this.add({ kind: 'accumulate', title: 'AccumulateGrad', details: [] });
      this.edge(node.id, this.tensor(n.variable, 'leaf'), 'accumulate', '.grad');
      return node.id;
    }
    const rec = this.ctx.recorder.recordOf.get(n);
    const details = rec ? [`${this.ctx.place(rec.line)}: ${statementAt(this.ctx.lines, rec.line)}`] : [];
    const node = this.add({ kind: 'function', title: n.name, details, ...(rec ? { line: rec.line } : {}) });
    if (rec) this.drawnRecords.push(rec);
    if (n instanceof OpNode) {
      for (const [slot, s] of n.savedTensors) this.savedValue(node.id, n, slot, s.inspect(), rec);
    }
    return node.id;
  }

  private savedValue(fnId: string, n: Node, slot: string, info: ReturnType<SavedTensor['inspect']>, rec: OpRecord | undefined): void {
    const of = info.tensor ? this.tensorLabel(info.tensor) : rec ? this.nameOf(rec.output) : null;
    const details = [`${of ? `${of}, ` : ''}${shapeText(info.array.shape)}`];
    let state: GraphNode['state'];
    if (info.freed) {
      state = 'freed';
      const line = this.ctx.freedBy.get(n);
      details.push(line ? `freed by the backward on ${this.ctx.place(line)}` : 'freed by a backward');
    } else if (info.array.version.value !== info.savedVersion) {
      state = 'modified';
      details.push(`changed in place: version ${info.savedVersion} → ${info.array.version.value}`, 'backward will raise an error');
    }
    const node = this.add({ kind: 'saved', title: `_saved_${slot}`, details, shape: [...info.array.shape], ...(state ? { state } : {}) });
    this.saved.push({ id: node.id, buffer: info.array.buffer, tensor: info.tensor, record: rec, node });
    this.edge(fnId, node.id, 'saved');
  }

  /** An input with no gradient: a cut (computed from leaves, then detached) or a plain constant. */
  private constant(t: Tensor, rec: OpRecord): string {
    const known = this.tensorIds.get(t);
    if (known) return known;
    const recorder = this.ctx.recorder;
    const cut = recorder.events.find((e) => e.kind === 'cut' && e.record === rec && e.tensor === t);
    if (!cut) return this.tensor(t, 'constant', ['requires no grad']);
    const producer = [...recorder.records].reverse().find((r) => r.id < rec.id && r.output.array.buffer === t.array.buffer && !r.inPlace);
    const why =
      producer && !producer.gradMode
        ? [`constant: made under no_grad`, `on ${this.ctx.place(producer.line)}`]
        : ['constant: no history', '(detach(), .data or', 'requires_grad=False)'];
    return this.tensor(t, 'constant', why, 'cut');
  }

  /** `.data` writes (and in-place ops under no_grad) after a drawn op read or saved that storage. */
  mutations(): void {
    const seen = new Set<string>();
    for (const e of this.ctx.recorder.events) {
      if (e.kind !== 'mutation') continue;
      const before = this.drawnRecords.filter((r) => r.id < e.record.id);
      const readers = before.filter((r) => r.inputs.some((t) => t.array.buffer === e.buffer) || r.output.array.buffer === e.buffer);
      if (readers.length === 0) continue;
      const changed = this.saved.filter((s) => s.buffer === e.buffer && s.record && s.record.id < e.record.id);
      const written = this.tensors.filter((t) => t.tensor.array.buffer === e.buffer);
      const key = `${e.line}:${[...changed, ...written].map((x) => x.id).join()}`;
      if (seen.has(key) || changed.length + written.length === 0) continue;
      seen.add(key);
      const name = this.ctx.recorder.storageName(e.buffer) ?? 'it';
      const statement = statementAt(this.ctx.lines, e.line);
      const details = [`${this.ctx.place(e.line)}, autograd does not see it`];
      details.push(changed.length ? 'backward reads the changed values' : `no grad_fn saved ${name}: gradients unchanged`);
      const node = this.add({ kind: 'mutation', title: statement, details, line: e.line });
      for (const s of changed) {
        if (!s.node.state) {
          s.node.state = 'mutated';
          s.node.details.push(`changed by ${this.ctx.place(e.line)}, version not bumped`);
        }
        this.edge(node.id, s.id, 'mutation', 'changes');
      }
      for (const t of written) this.edge(node.id, t.id, 'mutation', 'writes');
    }
    for (const a of this.ctx.recorder.assignments) this.assignment(a);
  }

  /**
   * `x.data = t` after a drawn op read x: every grad_fn that saved x (by
   * reference, as inputs are saved) reads t's values in backward; a saved
   * result keeps its own.
   */
  private assignment(a: GraphAssignment): void {
    const touched = this.drawnRecords.some((r) => r.id < a.at && (r.inputs.includes(a.tensor) || r.output === a.tensor));
    if (!touched) return;
    const replaced = this.saved.filter((s) => s.tensor === a.tensor && s.record && s.record.id < a.at);
    const written = this.tensors.filter((t) => t.tensor === a.tensor);
    if (replaced.length + written.length === 0) return;
    const name = this.nameOf(a.tensor) ?? 'it';
    const details = [`line ${a.line}, autograd does not see it`];
    details.push(replaced.length ? 'backward reads the new values' : `no grad_fn saved ${name}: gradients unchanged`);
    const node = this.add({ kind: 'mutation', title: statementAt(this.ctx.lines, a.line), details, line: a.line });
    for (const s of replaced) {
      if (!s.node.state) {
        s.node.state = 'mutated';
        s.node.details.push(`replaced by line ${a.line}, version not bumped`);
      }
      this.edge(node.id, s.id, 'mutation', 'replaces');
    }
    for (const t of written) this.edge(node.id, t.id, 'mutation', 'replaces');
  }
}

/** The graph behind `roots` (named tensors) as autograd holds it now. */
export function buildGraph(roots: readonly { tensor: Tensor; name: string }[], ctx: BuildContext, moment: GraphMoment): AutogradGraph {
  const b = new GraphBuilder(ctx);
  for (const r of roots) b.root(r.tensor, r.name);
  b.mutations();
  return { moment, nodes: b.nodes, edges: b.edges };
}
