/**
 * The adapter for dzdx's own tape, on the library API (`src/index.ts`):
 * what `dzdx props --engine` runs when no file is given, and the model for
 * writing an adapter of your own.
 */
import { ops as F, setGradEnabled, tensor, Tensor, type NestedNumbers } from '../../src/index.js';
import type { AutogradEngine, EngineDType } from '../engine.js';
import { opSpecs } from '../program.js';

function nested(values: readonly number[], shape: readonly number[]): NestedNumbers {
  if (shape.length === 0) return values[0]!;
  const stride = values.length / shape[0]!;
  return Array.from({ length: shape[0]! }, (_, i) => nested(values.slice(i * stride, (i + 1) * stride), shape.slice(1)));
}

const flat = (t: Tensor): number[] => [(t.tolist() as unknown)].flat(Infinity as 1) as number[];

type Input = Tensor | number;
const T = (x: Input) => x as Tensor;

/** Each op of the property suite, by name, on dzdx's functional API. */
const OPS: Record<string, (inputs: Input[], attrs: Record<string, number>) => Tensor> = {
  add: ([a, b]) => F.add(a!, b!),
  sub: ([a, b]) => F.sub(a!, b!),
  rsub: ([a, b]) => F.rsub(T(a!), b!),
  mul: ([a, b]) => F.mul(a!, b!),
  div: ([a, b]) => F.div(a!, b!),
  neg: ([a]) => F.neg(T(a!)),
  exp: ([a]) => F.exp(T(a!)),
  log: ([a]) => F.log(T(a!)),
  sin: ([a]) => F.sin(T(a!)),
  cos: ([a]) => F.cos(T(a!)),
  tan: ([a]) => F.tan(T(a!)),
  tanh: ([a]) => F.tanh(T(a!)),
  sigmoid: ([a]) => F.sigmoid(T(a!)),
  relu: ([a]) => F.relu(T(a!)),
  sqrt: ([a]) => F.sqrt(T(a!)),
  rsqrt: ([a]) => F.rsqrt(T(a!)),
  abs: ([a]) => F.abs(T(a!)),
  sign: ([a]) => F.sign(T(a!)),
  reciprocal: ([a]) => F.reciprocal(T(a!)),
  softplus: ([a], { beta, threshold }) => F.softplus(T(a!), beta, threshold),
  pow: ([a], { exponent }) => F.pow(T(a!), exponent!),
  pow_tensor: ([a, b]) => F.pow(a!, b!),
  pow_scalar_base: ([a], { base }) => F.powScalarBase(base!, T(a!)),
  maximum: ([a, b]) => F.maximum(T(a!), T(b!)),
  minimum: ([a, b]) => F.minimum(T(a!), T(b!)),
  clamp: ([a], { min, max }) => F.clamp(T(a!), min!, max!),
  where: ([c, a, b], { threshold }) => F.where(F.compare('gt', T(c!), threshold!), a!, b!),
  sum: ([a], { dim, keepdim }) => F.sum(T(a!), dim! < 0 ? null : [dim!], keepdim === 1),
  mean: ([a], { dim, keepdim }) => F.mean(T(a!), dim! < 0 ? null : [dim!], keepdim === 1),
  matmul: ([a, b]) => F.matmul(T(a!), T(b!)),
  select: ([a], { dim, index }) => F.select(T(a!), dim!, index!),
  slice: ([a], { start, stop }) => F.slice(T(a!), { dim: 0, start: start!, stop: stop!, step: 1 }),
};

const MUTATE = { add: 'add_', sub: 'sub_', mul: 'mul_' } as const;

export const dzdxEngine: AutogradEngine<Tensor> = {
  name: 'dzdx (tape)',
  ops: [...opSpecs().keys()].filter((name) => name in OPS),
  capabilities: ['broadcasting', 'reduceDims', 'noGrad', 'detach', 'data', 'inPlace', 'retainGraph', 'freeGraph', 'resetGrad', 'createGraph', 'constantLeaves'],
  leaf(values: number[], shape: number[], dtype: EngineDType, requiresGrad: boolean): Tensor {
    return tensor(nested(values, shape), { dtype, requiresGrad });
  },
  op(name, inputs, attrs = {}) {
    const f = OPS[name];
    if (!f) throw new Error(`dzdx adapter: no op ${name}`);
    return f(inputs, attrs);
  },
  backward(root, gradient, options = {}) {
    const g = gradient ? tensor(nested(gradient, root.shape), { dtype: root.dtype }) : null;
    root.backward(g, { retainGraph: options.retainGraph ?? false, createGraph: options.createGraph ?? false });
  },
  grad: (leaf) => (leaf.grad ? flat(leaf.grad) : null),
  values: (t) => flat(t),
  zeroGrad(leaf) {
    leaf.grad?.zero_();
  },
  clearGrad(leaf) {
    leaf.grad = null;
  },
  requiresGrad: (t) => t.requiresGrad,
  setGradEnabled: (enabled) => setGradEnabled(enabled),
  detach: (t) => t.detach(),
  data: (t) => t.dataView(),
  // `x.data += v`: through x.data, whose own version counter hides the change from autograd.
  mutateData(t, op, value) {
    t.dataView()[MUTATE[op]](value);
  },
  inPlace(t, op, value) {
    t[MUTATE[op]](value);
  },
  gradTensor: (leaf) => leaf.grad,
  reset: () => setGradEnabled(true),
};

export default dzdxEngine;
