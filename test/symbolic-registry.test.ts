/**
 * The registry's symbolic specs against the rest of the registry: every
 * elementwise form computes what the op's forward kernel computes, and
 * every `viaResult` partial (a derivative written in terms of the saved
 * result) equals mathjs's derivative of the form.
 */
import { describe, expect, it } from 'vitest';
import { registry, ops as F } from '../src/ops/index.js';
import { autograd, tensor, Tensor } from '../src/index.js';
import { setTapeListener } from '../src/autograd/record.js';
import type { OpEntry } from '../src/ops/registry.js';
import { compileNode } from '../src/symbolic/compile.js';
import { deriveNode } from '../src/symbolic/derive.js';
import { getMath } from '../src/symbolic/mathjs.js';
import { SymbolBuilder } from '../src/symbolic/nodes.js';
import { NDArray } from '../src/tensor/ndarray.js';

/** Attribute values to try, by name, for the ops that have attributes. */
const ATTRS: Record<string, Record<string, number | null>> = {
  add_scalar: { other: 1.5 },
  mul_scalar: { other: -2.5 },
  clamp_min: { min: 0.6, max: null },
  clamp_max: { min: null, max: 0.8 },
  leaky_relu: { slope: 0.1 },
  leaky_relu_backward: { slope: 0.1 },
  elu: { alpha: 0.7, scale: 1.2, input_scale: 0.9 },
  elu_backward: { alpha: 0.7, scale: 1.2, input_scale: 0.9 },
  gelu: { approx: 0 },
  gelu_backward: { approx: 1 },
  hardtanh: { min_val: 0.4, max_val: 0.9 },
  hardtanh_backward: { min_val: 0.4, max_val: 0.9 },
  mse_loss_backward: { norm: 0.5, reduction: 1, beta: 0 },
  smooth_l1_loss_backward: { norm: 0.5, reduction: 1, beta: 0.3 },
  pow: { exponent: 2.5 },
  pow_scalar_base: { base: 1.7 },
  clamp: { min: 0.4, max: 0.9 },
  softplus: { beta: 1.5, threshold: 20 },
  softplus_backward: { beta: 1.5, threshold: 20 },
  threshold_backward: { threshold: 0 },
  div_scalar: { divisor: 3 },
  add_alpha: { alpha: -0.3 },
  sub_alpha: { alpha: 1.7 },
  addcmul: { value: 0.7 },
  addcdiv: { value: -1.3 },
};

const POINTS = [0.25, 0.5, 0.75, 1.1, 1.45];
/** Points inside the domain of the ops defined on [-1, 1]. */
const DOMAIN: Record<string, number[]> = { asin: [-0.9, -0.3, 0.1, 0.5, 0.8], acos: [-0.9, -0.3, 0.1, 0.5, 0.8] };
const elementwise = [...registry.values()].filter((e) => e.symbolic.kind === 'elementwise');
const b = () => new SymbolBuilder(getMath());

function arity(form: string): number {
  return form.includes('c') && /\bc\b/.test(form) ? 3 : /\bb\b/.test(form) ? 2 : 1;
}

describe('registry forms', () => {
  it('cover the elementwise ops', () => expect(elementwise.length).toBeGreaterThan(25));

  for (const entry of elementwise) {
    const spec = entry.symbolic as { kind: 'elementwise'; form: string; viaResult?: { a?: string; b?: string }; masked?: { a?: string; b?: string } };
    const attrs = ATTRS[entry.name] ?? {};
    const n = arity(spec.form);

    it(`${entry.name}: the form ${spec.form} computes the forward kernel`, () => {
      const form = compileNode(b().instantiate(spec.form, [], attrs), ['a', 'b', 'c']);
      const points = DOMAIN[entry.name] ?? POINTS;
      for (const x of points) {
        for (const y of points) {
          const operands = [x, y, 0.5].slice(0, n);
          const kernel = entry.forward(operands.map((v) => NDArray.scalar(v, 'float64')), attrs as never, 'float64').item();
          expect(form(operands)).toBeCloseTo(kernel, 12);
        }
      }
    });

    for (const [slot, partial] of [...Object.entries(spec.viaResult ?? {}), ...Object.entries(spec.masked ?? {})]) {
      it(`${entry.name}: d/d${slot} as PyTorch's backward computes it, ${partial}, is mathjs's derivative away from its masks`, () => {
        const builder = b();
        const template = builder.template(spec.form);
        const derived = compileNode(builder.instantiate(deriveNode(template, slot), [], attrs), ['a', 'b']);
        const result = compileNode(builder.instantiate(spec.form, [], attrs), ['a', 'b']);
        for (const x of POINTS) {
          for (const y of POINTS) {
            const at = [x, y];
            const viaResult = compileNode(builder.instantiate(partial, [], attrs, new Map([['result', builder.constant(result(at))]])), ['a', 'b']);
            expect(viaResult(at)).toBeCloseTo(derived(at), 10);
          }
        }
      });
    }
  }
});

describe("pow's masks (PyTorch's pow_backward)", () => {
  const partial = (op: string, slot: 'a' | 'b', attrs: Record<string, number> = {}) => {
    const spec = registry.get(op)!.symbolic as { kind: 'elementwise'; form: string; viaResult?: Record<string, string>; masked?: Record<string, string> };
    const builder = b();
    const form = (spec.viaResult?.[slot] ?? spec.masked?.[slot])!;
    return (x: number, w: number) => {
      const result = compileNode(builder.instantiate(spec.form, [], attrs), ['a', 'b'])([x, w]);
      return compileNode(builder.instantiate(form, [], attrs, new Map([['result', builder.constant(result)]])), ['a', 'b'])([x, w]);
    };
  };

  it("x ** w: the base's gradient is 0 where w == 0 (also at x = 0, where the unmasked one is NaN); NaN exponents are not masked", () => {
    const dx = partial('pow_tensor', 'a');
    expect([dx(0.25, 0), dx(0, 0), dx(-2, 0)]).toEqual([0, 0, 0]);
    expect(dx(2, 3)).toBe(12);
    expect(dx(2, NaN)).toBeNaN();
  });

  it("x ** w: the exponent's gradient is 0 where x == 0 and w >= 0, and not where w < 0", () => {
    const dw = partial('pow_tensor', 'b');
    expect([dw(0, 0), dw(0, 2.5)]).toEqual([0, 0]);
    expect(dw(0, -1)).toBe(-Infinity); // inf * log(0), as PyTorch
    expect(dw(Math.E, 2)).toBeCloseTo(Math.E ** 2, 12);
  });

  it('x ** 0 has gradient 0 everywhere, 0 ** x is masked for x >= 0', () => {
    expect(partial('pow', 'a', { exponent: 0 })(0, 0)).toBe(0);
    const dBase0 = partial('pow_scalar_base', 'a', { base: 0 });
    expect([dBase0(0, 0), dBase0(2, 0)]).toEqual([0, 0]);
  });
});

describe('group forms compute the forward kernel (every group op, on a call)', () => {
  const t = (v: number[][]) => tensor(v, { dtype: 'float64', requiresGrad: true });
  const m = () => t([[0.5, -1.5, 2], [1.25, 0.75, -0.5]]);
  const calls: [string, () => unknown][] = [
    // With no zero, one, two (prod's backward branches on them), and zeros outside the group (prod_dim's branch is on the whole input).
    ['prod', () => [m(), t([[0.5, 0, 2]]), t([[0, 3, 0]])].map((x) => F.prod(x))],
    ['prod_dim', () => [F.prod(m(), 1, true), F.prod(t([[0.5, 0, 2], [1.5, 3, -1]]), 1)]],
    ['var', () => F.variance(m(), [1], 1, false)],
    ['std', () => F.variance(m(), null, 0, false, true)],
    ['norm', () => [0, 1, 2, 3, Infinity, 0.5].map((p) => F.norm(m(), p, [1], false))],
    ['linalg_vector_norm', () => F.norm(m(), -Infinity, null, false, true)],
    ['logsumexp', () => F.logsumexp(m(), [0])],
    // cumprod's backward reads the zeros of each line outside create_graph, of the whole input under it.
    ['cumprod', () => [F.cumprod(m(), 1), F.cumprod(t([[0.5, 0, 2, 0], [1.5, 3, -1, 2], [0, 2, 0.5, 3]]), 1)]],
    ['softmax', () => F.softmax(m(), 1)],
    ['log_softmax', () => F.logSoftmax(m(), 0)],
    ['softmax_backward_data', () => F.softmaxBackwardData(m(), F.softmax(m(), 1), 1)],
    ['log_softmax_backward_data', () => F.logSoftmaxBackwardData(m(), F.logSoftmax(m(), 1), 1)],
    ['mse_loss', () => [0, 1, 2].map((r) => F.mseLoss(m(), F.mul(m(), 0.5), r as 0))],
    ['smooth_l1_loss', () => [0, 1, 2].map((r) => F.smoothL1Loss(m(), F.mul(m(), 0.25), r as 0, 0.8))],
    ['binary_cross_entropy', () => F.binaryCrossEntropy(F.sigmoid(m()), F.sigmoid(F.mul(m(), 2)), tensor([1, 2, 0.5], { dtype: 'float64' }))],
    ['binary_cross_entropy_backward', () => F.binaryCrossEntropyBackward(tensor(2, { dtype: 'float64' }), F.sigmoid(m()), F.sigmoid(F.mul(m(), 2)), F.onesLike(m()), { reduction: 1, beta: 0, norm: 1 / 6 })],
    ['binary_cross_entropy_with_logits', () => [0, 1, 2].map((r) => F.binaryCrossEntropyWithLogits(m(), F.sigmoid(m()), null, tensor([1, 3, 0.5], { dtype: 'float64' }), r as 0))],
    ['bmm', () => F.bmm(F.unsqueeze(m(), 0), F.unsqueeze(F.t(m()), 0))],
    ['addmm', () => F.addmm(tensor([1, -2], { dtype: 'float64' }), m(), F.t(m()), 0.5, 2)],    // F.bilinear's forward, and its three gradients under create_graph (the other roles of the dim lists).
    ['trilinear', () => {
      const w = F.reshape(t([[0.5, -1, 2, 0.25, 1.5, -0.75], [1, 0.5, -2, 1.25, -0.5, 0.25]]), [3, 2, 2]);
      const [x1, x2] = [m(), F.reshape(t([[1.5, -0.5], [0.25, 2]]), [2, 2])];
      const y = F.bilinear(F.t(x1), F.slice(F.cat([x2, x2]), { dim: 0, start: 0, stop: 3, step: 1 }), w, tensor([1, -2, 0.5], { dtype: 'float64' }));
      return autograd.grad(F.sum(F.mul(y, y)), [x1, x2, w], [], { createGraph: true });
    }],
  ];
  const seen = new Set<string>();
  for (const [name, run] of calls) {
    it(name, () => {
      const recorded: { entry: OpEntry<unknown>; inputs: readonly Tensor[]; output: Tensor; attrs: unknown }[] = [];
      setTapeListener({ op: (entry, inputs, output, attrs) => recorded.push({ entry: entry as OpEntry<unknown>, inputs, output, attrs }) });
      try {
        run();
      } finally {
        setTapeListener(null);
      }
      const mine = recorded.filter((r) => r.entry.name === name);
      expect(mine.length).toBeGreaterThan(0);
      seen.add(name);
      const builder = b();
      for (const r of mine) {
        const spec = r.entry.symbolic as Extract<OpEntry<unknown>['symbolic'], { kind: 'group' }>;
        const values = r.inputs.map((i) => Array.from(i.array.values()));
        const zeros = values[0]!.filter((v) => v === 0).length;
        const out = Array.from(r.output.array.values());
        spec.groups(r.inputs.map((i) => i.array), r.attrs, r.output.array).forEach((g, k) => {
          const node = builder.template(spec.form(g.key));
          const names = g.members.map((_, i) => `m${i}`);
          const at = g.members.map(([i, j]) => values[i]![j]!);
          expect(compileNode(node, names)(at)).toBeCloseTo(out[k]!, 10);
          // A partial written with the saved result equals mathjs's derivative of the form.
          const results = (g.results ?? [k]).map((o) => out[o]!);
          g.members.forEach((_, slot) => {
            for (const createGraph of [false, true]) {
              const via = spec.viaResult?.(g.key, slot, createGraph);
              if (!via) return;
              const resultNames = results.map((_r, i) => `r${i}`);
              const viaValue = compileNode(builder.template(via), [...names, ...resultNames, 'zeros'])([...at, ...results, zeros]);
              const derived = compileNode(deriveNode(node, `m${slot}`), names)(at);
              expect(viaValue, `${name} d/dm${slot} (create_graph ${createGraph})`).toBeCloseTo(derived, 8);
            }
          });
        });
      }
    });
  }
  it('covers every group op of the registry', () => {
    const groups = [...registry.values()].filter((e) => e.symbolic.kind === 'group').map((e) => e.name).sort();
    expect(calls.map(([n]) => n).sort()).toEqual(groups);
  });
});
