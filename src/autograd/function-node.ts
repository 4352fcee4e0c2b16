/**
 * The node of a custom autograd Function (`torch.autograd.Function`): a
 * tape node like any other, whose backward is provided from outside the
 * tape (the script's `backward`, run by the program layer through
 * `CustomBackward`). It keeps what `ctx` holds for backward: the tensors
 * saved with `save_for_backward`, which outputs are differentiable, and
 * whether missing output gradients become zeros.
 */
import { runtimeError } from '../tensor/errors.js';
import { NDArray } from '../tensor/ndarray.js';
import { isGradEnabled } from './grad-mode.js';
import { functionBackward, functionBackwardStarted } from './record.js';
import { BACKWARD_TWICE, Node, SavedTensor, type Edge, type InputMeta } from './node.js';
import { Tensor } from './tensor.js';

/** Runs a Function's backward: one gradient per edge, given one per output (null where none arrived). */
export interface CustomBackward {
  backward(node: FunctionNode, grads: readonly (Tensor | null)[]): (Tensor | null)[];
}

export class FunctionNode extends Node {
  /** `ctx.save_for_backward(...)`, made SavedTensors when forward returns; null entries for None. */
  private saved: (SavedTensor | null)[] | null = null;
  private freed = false;
  /** `ctx.set_materialize_grads(False)` turns this off. */
  materializeGrads = true;
  /** Shape and dtype of each output, for the zeros of outputs that received no gradient. */
  outputs: InputMeta[] = [];

  constructor(
    readonly name: string,
    edges: readonly (Edge | null)[],
    /** Shape and dtype of the input behind each edge, which its gradient must fit. */
    readonly inputs: readonly InputMeta[],
    private readonly impl: CustomBackward,
  ) {
    super(edges);
  }

  /**
   * Keep `tensors` for backward once forward has returned `outputs`: an
   * output is kept as an output (its version is checked against the one
   * it had then), anything else by reference, as PyTorch's SavedVariable.
   */
  save(tensors: readonly (Tensor | null)[], outputs: readonly Tensor[]): void {
    this.saved = tensors.map((t) => {
      if (t === null) return null;
      return outputs.includes(t) && t.gradFn === this ? SavedTensor.ofOutput(t, this) : SavedTensor.ofInput(t);
    });
  }

  /** `ctx.saved_tensors`: unpacked with the version check; an error once freed by backward. */
  savedTensors(): (Tensor | null)[] {
    if (this.freed) throw runtimeError(BACKWARD_TWICE);
    return (this.saved ?? []).map((s) => s?.unpack() ?? null);
  }

  /** What is kept, without unpacking (for drawing the graph). */
  inspectSaved(): readonly (SavedTensor | null)[] {
    return this.saved ?? [];
  }

  apply(grads: readonly (Tensor | null)[]): (Tensor | null)[] {
    const given = this.outputs.map((meta, i) => {
      const g = grads[i] ?? null;
      if (g || !this.materializeGrads) return g;
      return new Tensor(NDArray.full(meta.shape, 0, meta.dtype));
    });
    functionBackwardStarted(this);
    let result: (Tensor | null)[];
    try {
      result = this.impl.backward(this, given);
    } catch (e) {
      functionBackward(this, given, null);
      throw e;
    }
    functionBackward(this, given, result);
    return result;
  }

  override releaseSaved(): void {
    // Only tensors saved with save_for_backward are freed: `ctx.x = t` stays, as in PyTorch.
    if (this.saved === null) return;
    this.freed = true;
    for (const s of this.saved) s?.release();
  }
}

/**
 * Make `out` output `outputNr` of `node` (it requires grad from now on).
 * An input returned as it is comes back as a new tensor on the same
 * storage (PyTorch returns `x.view_as(x)`), unless it was marked dirty.
 */
export function attachFunctionOutput(node: FunctionNode, out: Tensor, outputNr: number, isInput: boolean, dirty: boolean): Tensor {
  let t = out;
  if (isInput && !dirty) {
    t = new Tensor(out.array);
    t.makeViewOf(out.base ?? out);
  }
  if (dirty && t.requiresGrad && t.isLeaf && isGradEnabled()) {
    throw runtimeError('a leaf Variable that requires grad has been used in an in-place operation.');
  }
  t.requiresGrad = true;
  t.gradFn = node;
  t.outputNr = outputNr;
  return t;
}
