/**
 * The registry's symbolic specs against the rest of the registry: every
 * elementwise form computes what the op's forward kernel computes, and
 * every `viaResult` partial (a derivative written in terms of the saved
 * result) equals mathjs's derivative of the form.
 */
import { describe, expect, it } from 'vitest';
import { registry } from '../src/ops/index.js';
import { compileNode } from '../src/symbolic/compile.js';
import { deriveNode } from '../src/symbolic/derive.js';
import { getMath } from '../src/symbolic/mathjs.js';
import { SymbolBuilder } from '../src/symbolic/nodes.js';
import { NDArray } from '../src/tensor/ndarray.js';

/** Attribute values to try, by name, for the ops that have attributes. */
const ATTRS: Record<string, Record<string, number>> = {
  pow: { exponent: 2.5 },
  pow_scalar_base: { base: 1.7 },
  clamp: { min: 0.4, max: 0.9 },
  softplus: { beta: 1.5, threshold: 20 },
  softplus_backward: { beta: 1.5, threshold: 20 },
  threshold_backward: { threshold: 0 },
  div_scalar: { divisor: 3 },
};

const POINTS = [0.25, 0.5, 0.75, 1.1, 1.45];
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
      for (const x of POINTS) {
        for (const y of POINTS) {
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
