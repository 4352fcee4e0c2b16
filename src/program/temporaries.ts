/**
 * A script's temporaries: the large tensors an expression's ops make and
 * hand straight to another op, as `-x` in `torch.exp(-x)` or `a * b` in
 * `a * b + c`. Python frees such a tensor as soon as the op that takes it
 * returns, since nothing else refers to it; the interpreter recycles its
 * buffer then (src/tensor/pool.ts), so that a chain of ops on large
 * tensors does not pay a fresh buffer's page faults for every result.
 *
 * A value is a temporary only when all of these hold:
 * - a pure op made it: a tensor operator on tensors and numbers, or a
 *   registry function (`torch.exp`, `t.exp()`: Builtin.pure), never
 *   Python code, so no script has seen it;
 * - its buffer was born in that op (pool.bornSince), so it is no view and
 *   no cached tensor;
 * - it is consumed by a pure op at the expression's parent, whose operand
 *   is that very expression (a WeakMap from the tensor to the expression
 *   that made it: a value that reached Python code and came back by
 *   another way never matches);
 * - that op's result shares no storage with it (a view, an in-place op's
 *   self) and is a tensor or a plain number;
 * - it is no leaf that requires grad (AccumulateGrad holds those), and no
 *   tape listener (dzdx check's trace, the graph) records the ops.
 *
 * A temporary that a graph saved for backward (sin(x) in sin(x) * x) is an
 * orphan instead: its buffer is recycled when the last saved tensor lets
 * it go, after its node's backward (pool.letGo), unless a script takes it
 * from the graph first (`grad_fn._saved_self`: pool.adopt).
 */
import { tapeListened } from '../autograd/record.js';
import { Tensor } from '../autograd/tensor.js';
import { bornSince, isKept, isPooled, orphan, recycle } from '../tensor/pool.js';
import type { Expr } from './ast.js';
import type { PyValue } from './values.js';

export { birthCount as temporaryMark } from '../tensor/pool.js';

/** Each temporary not yet consumed, and the expression that made it. */
const madeBy = new WeakMap<Tensor, Expr>();

/** The pure op at `expr` returned `result` (`mark`: temporaryMark() just before it ran). */
export function made(expr: Expr, result: PyValue, mark: number): void {
  if (result instanceof Tensor && isPooled(result.array.buffer) && bornSince(mark, result.array.buffer)) madeBy.set(result, expr);
}

/** A pure op took `value`, the value of its operand `expr`, and returned `result`: recycle value's buffer if it was a temporary. */
export function consumed(expr: Expr, value: PyValue, result: PyValue): void {
  if (!(value instanceof Tensor) || !isPooled(value.array.buffer) || madeBy.get(value) !== expr) return;
  madeBy.delete(value);
  const buffer = value.array.buffer;
  const separate = result instanceof Tensor ? result.array.buffer.buffer !== buffer.buffer : result === null || typeof result !== 'object';
  if (!separate || (value.requiresGrad && value.gradFn === null) || tapeListened()) return;
  // Saved for backward (sin(x) in sin(x) * x): recycled when the last saved tensor lets it go.
  if (isKept(buffer)) orphan(buffer);
  else recycle(buffer);
}
