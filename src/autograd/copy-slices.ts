/**
 * In-place ops on a view of a tensor with history (`z[1] = 10.`, `z[0] *= 3`):
 * PyTorch rewrites the base's history as `CopySlices`, which runs the op's
 * backward on the viewed region of the base's gradient and passes the rest
 * through; the view itself then differentiates as `AsStridedBackward0`.
 * Under create_graph, CopySlices runs through recorded ops (a gather and
 * an index_put on the base's gradient), so its gradient differentiates
 * again; AsStridedBackward's is not recorded.
 */
import { NDArray } from '../tensor/ndarray.js';
import { engineMath } from './engine-math.js';
import { isGradEnabled } from './grad-mode.js';
import { AsStridedBackward, Node, regionOf, viewInto, type Edge, type OpNode, type Region } from './node.js';
import { Tensor } from './tensor.js';

class CopySlices extends Node {
  constructor(
    baseEdge: Edge | null,
    private readonly inner: OpNode<unknown>,
    private readonly region: Region,
  ) {
    super([baseEdge, ...inner.nextEdges.slice(1)]);
  }

  get name(): string {
    return 'CopySlices';
  }

  apply(grads: readonly (Tensor | null)[]): (Tensor | null)[] {
    if (isGradEnabled()) return this.applyRecorded(grads[0]!);
    const result = grads[0]!.array.copy();
    const target = viewInto(result, this.region);
    const innerGrads = this.inner.apply([new Tensor(target.copy())]);
    const own = innerGrads[0];
    target.assign(own ? own.array.values() : new Float64Array(target.numel));
    return [new Tensor(result), ...innerGrads.slice(1)];
  }

  /** Under create_graph: the same through recorded ops, so the gradient can be differentiated again. */
  private applyRecorded(g: Tensor): (Tensor | null)[] {
    const math = engineMath();
    const positions = positionsOf(this.region);
    const innerGrads = this.inner.apply([math.gather(g, positions, this.region.shape)]);
    const own = innerGrads[0] ?? new Tensor(NDArray.full(this.region.shape, 0, g.dtype));
    return [math.scatter(g, positions, own), ...innerGrads.slice(1)];
  }

  override releaseSaved(): void {
    this.inner.releaseSaved();
  }
}

/** The row-major positions in the (contiguous) base of a region's elements, in the region's order. */
function positionsOf(r: Region): Int32Array {
  const n = r.shape.reduce((a, b) => a * b, 1);
  const out = new Int32Array(n);
  const index = r.shape.map(() => 0);
  for (let k = 0; k < n; k++) {
    out[k] = r.offset + index.reduce((sum, i, d) => sum + i * r.strides[d]!, 0);
    for (let d = r.shape.length - 1; d >= 0; d--) {
      if (++index[d]! < r.shape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

/**
 * After an in-place op recorded as `inner` on `view`, move the history onto
 * the base. `baseEdge` is the base's gradient edge from before the op.
 */
export function rebaseHistory(view: Tensor, base: Tensor, inner: OpNode<unknown>, baseEdge: Edge | null): void {
  const region = regionOf(view, base);
  base.gradFn = new CopySlices(baseEdge, inner, region);
  base.outputNr = 0;
  base.requiresGrad = true;
  view.gradFn = new AsStridedBackward({ node: base.gradFn, inputNr: 0 }, region, base.shape);
  view.outputNr = 0;
}
