/**
 * Registry entries for the random ops, so the tape records them as PyTorch
 * does (grad_fn names, version bumps, zero gradients) and the symbolic side
 * reads their results as constants. The values are drawn before the op is
 * recorded and reach the kernel through its attributes: the entry only
 * stores them (a random op's result is data, not a function of its input).
 */
import { Tensor } from '../autograd/tensor.js';
import { checkInPlace } from '../autograd/record.js';
import * as F from '../ops/functional.js';
import { call, callInPlace, defineOp, type OpEntry } from '../ops/registry.js';
import { NDArray } from '../tensor/ndarray.js';

export interface Drawn {
  /** The drawn values, row-major in the result's shape. */
  values: ArrayLike<number>;
}

const store = ([target]: readonly NDArray[], { values }: Drawn): NDArray =>
  NDArray.fromValues(values, target!.shape, target!.dtype);

function inPlaceEntry(name: string, gradFn: string): OpEntry<Drawn> {
  return defineOp<Drawn>({
    name,
    gradFn,
    dtype: 'first',
    symbolic: { kind: 'random' },
    forward: store,
    backward: (g) => [F.zerosLike(g)],
  });
}

/** In-place random ops (`uniform_` …), by the grad_fn PyTorch 1.13 gives each overload. */
export const inPlaceOps = {
  uniform_: inPlaceEntry('uniform', 'UniformBackward0'),
  normal_: inPlaceEntry('normal', 'NormalBackward0'),
  random_from_to_: inPlaceEntry('random_from', 'RandomBackward0'),
  random_to_: inPlaceEntry('random_to', 'RandomBackward1'),
  random_: inPlaceEntry('random', 'RandomBackward2'),
  bernoulli_tensor_: inPlaceEntry('bernoulli_tensor', 'BernoulliBackward1'),
  bernoulli_float_: inPlaceEntry('bernoulli_scalar', 'BernoulliBackward2'),
  exponential_: inPlaceEntry('exponential', 'ExponentialBackward0'),
};

export type InPlaceRandomOp = keyof typeof inPlaceOps;

/**
 * Run an in-place random op: PyTorch's leaf checks come first (a refused
 * op draws nothing), then `draw` fills the values in the target's
 * row-major order, then the tape records the write.
 */
export function randomInPlace(op: InPlaceRandomOp, self: Tensor, draw: () => ArrayLike<number>): Tensor {
  checkInPlace(self);
  const values = draw();
  return callInPlace(inPlaceOps[op], self, [], { values });
}

/** Out-of-place ops whose tensor argument may require grad: each gets a zero gradient. */
function sampledFrom(name: string, gradFn: string): OpEntry<Drawn & { shape: readonly number[] }> {
  return defineOp<Drawn & { shape: readonly number[] }>({
    name,
    gradFn,
    dtype: 'first',
    symbolic: { kind: 'random' },
    forward: ([first], { values, shape }) => NDArray.fromValues(values, shape, first!.dtype),
    backward: (_g, ctx) => ctx.inputs.map((meta) => new Tensor(NDArray.full(meta.shape, 0, meta.dtype))),
  });
}

/** `normal(mean=tensor)`, `normal(std=tensor)`, `normal(tensor, tensor)`, `bernoulli(p)`. */
export const sampledOps = {
  normalMean: sampledFrom('normal_mean', 'NormalBackward1'),
  normalStd: sampledFrom('normal_std', 'NormalBackward2'),
  normalBoth: sampledFrom('normal_tensors', 'NormalBackward3'),
  bernoulli: sampledFrom('bernoulli', 'BernoulliBackward0'),
};

/** Record a sample drawn from tensor parameters (whose dtype it takes) on the tape. */
export function recordSample(
  op: keyof typeof sampledOps,
  params: readonly Tensor[],
  values: ArrayLike<number>,
  shape: readonly number[],
): Tensor {
  // Without a parameter that requires grad this is a factory: nothing to record.
  if (!params.some((p) => p.requiresGrad)) return new Tensor(NDArray.fromValues(values, shape, params[0]!.dtype));
  return call(sampledOps[op], params, { values, shape });
}
