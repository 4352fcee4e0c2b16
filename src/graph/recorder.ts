/**
 * What the drawing needs from a run, recorded per op at the level of whole
 * tensors: each op's line, grad mode and operands, the grad_fn node it
 * made, the cuts (an operand without autograd history whose storage holds
 * values computed from a leaf that requires grad) and the storage changes
 * autograd cannot see (`.data` writes, `x.data = t`). The rules of the
 * symbolic trace's cut and mutation events and assignments
 * (src/symbolic/trace.ts), which `dzdx check` explains, applied per
 * tensor instead of per element: the trace follows every element with
 * mathjs and is bounded for that, and a graph needs neither. (So a storage
 * overwritten with constants still counts as the leaf's: a cut more, never
 * one less; test/graph.test.ts compares the two on every fixture.)
 */
import { isGradEnabled } from '../autograd/grad-mode.js';
import type { Node } from '../autograd/node.js';
import type { FunctionNode } from '../autograd/function-node.js';
import type { FunctionListener, RecordableOp, TapeListener } from '../autograd/record.js';
import type { Tensor } from '../autograd/tensor.js';
import type { Buffer } from '../tensor/ndarray.js';

export interface OpRecord {
  id: number;
  entry: RecordableOp<unknown>;
  line: number;
  inPlace: boolean;
  gradMode: boolean;
  inputs: readonly Tensor[];
  output: Tensor;
}

export interface GraphEvent {
  kind: 'cut' | 'mutation';
  line: number;
  record: OpRecord;
  /** The operand read without history (cut) or the tensor written (mutation). */
  tensor: Tensor;
  buffer: Buffer;
}

/** `t.data = source`: t took another storage, unseen by autograd (ops with id >= `at` ran after). */
export interface GraphAssignment {
  line: number;
  tensor: Tensor;
  at: number;
}

export class GraphRecorder implements TapeListener, FunctionListener {
  readonly records: OpRecord[] = [];
  readonly events: GraphEvent[] = [];
  readonly assignments: GraphAssignment[] = [];
  /** The script's names for tensors: the first name a tensor is bound to. */
  readonly names = new WeakMap<Tensor, string>();
  /** The grad_fn node each op made. */
  readonly recordOf = new Map<Node, OpRecord>();
  line = 0;
  /** Set during backward passes: the engine's own ops are not the script's. */
  paused = false;
  /** Storages whose values were computed from a leaf that requires grad. */
  private readonly derived = new WeakSet<Buffer>();
  /** The first tensor seen with each storage: `x` for the storage of `x.data`. */
  private readonly owners = new WeakMap<Buffer, Tensor>();

  named(name: string, t: Tensor): void {
    if (!this.names.has(t)) this.names.set(t, name);
    if (!this.owners.has(t.array.buffer)) this.owners.set(t.array.buffer, t);
  }

  nameOf(t: Tensor): string | null {
    return this.names.get(t) ?? (t.base ? (this.names.get(t.base) ?? null) : null);
  }

  storageName(buffer: Buffer): string | null {
    const owner = this.owners.get(buffer);
    return owner ? this.nameOf(owner) : null;
  }

  /** Whether t's values come from a leaf that requires grad: its own, its storage's (`x.detach()`), or computed. */
  private fromLeaves(t: Tensor): boolean {
    const owner = this.owners.get(t.array.buffer);
    return (t.isLeaf && t.requiresGrad) || (owner !== undefined && owner.isLeaf && owner.requiresGrad) || this.derived.has(t.array.buffer);
  }

  dataAssigned(t: Tensor): void {
    if (this.paused) return;
    this.assignments.push({ line: this.line, tensor: t, at: this.records.length });
  }

  /** Custom Functions whose forward runs: the line of their apply, and the first record made inside. */
  private readonly functions: { line: number; first: number }[] = [];

  functionStarted(): void {
    if (!this.paused) this.functions.push({ line: this.line, first: this.records.length });
  }

  /** A Function's node is drawn at the line of its apply, as the op that made its first output. */
  functionEnded(node: FunctionNode, inputs: readonly Tensor[], outputs: readonly Tensor[] | null): void {
    const frame = this.paused ? undefined : this.functions.pop();
    if (!frame || !outputs?.length) return;
    const inner = this.records.slice(frame.first).find((r) => outputs.includes(r.output)) ?? this.records.at(-1);
    if (inner && !this.recordOf.has(node)) this.recordOf.set(node, { ...inner, line: frame.line, inputs, output: outputs[0]!, gradMode: true });
  }

  functionBackwardStarted(): void {}
  functionBackward(): void {}
  hookRegistered(): void {}
  hookRan(): void {}

  op(entry: RecordableOp<unknown>, inputs: readonly Tensor[], output: Tensor, _attrs: unknown, inPlace: boolean): void {
    if (this.paused) return;
    for (const t of inputs) if (!this.owners.has(t.array.buffer)) this.owners.set(t.array.buffer, t);
    const record: OpRecord = { id: this.records.length, entry, line: this.line, inPlace, gradMode: isGradEnabled(), inputs, output };
    this.records.push(record);
    if (output.gradFn && !this.recordOf.has(output.gradFn)) this.recordOf.set(output.gradFn, record);
    if (inPlace && (!output.requiresGrad || !record.gradMode)) {
      this.events.push({ kind: 'mutation', line: record.line, record, tensor: output, buffer: output.array.buffer });
    }
    inputs.forEach((t, i) => {
      // Inside a Function's forward autograd records nothing, yet nothing is cut: the Function's node carries the gradient.
      const viaHistory = (t.requiresGrad && record.gradMode) || this.functions.length > 0;
      if (!viaHistory && this.fromLeaves(t) && !(inPlace && i === 0)) {
        this.events.push({ kind: 'cut', line: record.line, record, tensor: t, buffer: t.array.buffer });
      }
    });
    // A comparison's booleans are no function of the leaves to differentiate (the trace's constants too).
    if (entry.differentiable && inputs.some((t) => this.fromLeaves(t))) this.derived.add(output.array.buffer);
  }
}
