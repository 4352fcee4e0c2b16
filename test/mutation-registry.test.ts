/**
 * The op registry's declarative fields, each against what it claims:
 * grad_fn names against the names real PyTorch printed (the recorded
 * fixtures), op names against PyTorch's naming, the kink notes against what
 * the tape computes at the kink, `view` against shared storage, and every
 * symbolic spec's kind against the op's forward kernel (what src/symbolic
 * relies on when it reads the kind). Fast and in-process: part of the
 * mutation-testing set (vitest.stryker.config.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { autograd, noGrad, tensor, Tensor } from '../src/index.js';
import { setTapeListener } from '../src/autograd/record.js';
import { ops as F, registry } from '../src/ops/index.js';
import type { OpEntry } from '../src/ops/registry.js';
import { NDArray } from '../src/tensor/ndarray.js';
import * as R from '../src/random/torch-random.js';

/** Every grad_fn name real PyTorch 1.13 printed in a recorded fixture. */
function pytorchNames(): Set<string> {
  const names = new Set<string>();
  for (const dir of ['test/conformance', 'test/fixtures/own', 'examples']) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.out'))) {
      for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/\b([A-Z][A-Za-z]*(?:Backward[0-9]*|Backwards)|CopySlices)\b/g)) names.add(m[1]!);
    }
  }
  return names;
}
const PYTORCH = pytorchNames();

const x = () => tensor([0.5, -1, 2], { dtype: 'float64', requiresGrad: true });
const m = () => tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64', requiresGrad: true });
/** A first derivative with create_graph: its grad_fn is the backward op's own node. */
const dOf = (f: (t: Tensor) => Tensor, at: Tensor = x()) => autograd.grad(F.sum(f(at)), at, [], { createGraph: true })[0]!;

/** What each functional call records, as PyTorch 1.13 names it (every name is in a recorded fixture). */
const CASES: [string, () => Tensor, string][] = [
  ['x + w', () => F.add(x(), x()), 'AddBackward0'],
  ['2 + x', () => F.add(2, x()), 'AddBackward0'],
  ['x - w', () => F.sub(x(), x()), 'SubBackward0'],
  ['2 - x', () => F.sub(2, x()), 'RsubBackward1'],
  ['x * w', () => F.mul(x(), x()), 'MulBackward0'],
  ['2 * x', () => F.mul(2, x()), 'MulBackward0'],
  ['x / w', () => F.div(x(), x()), 'DivBackward0'],
  ['2 / x', () => F.div(2, x()), 'MulBackward0'],
  ['reciprocal', () => F.reciprocal(x()), 'ReciprocalBackward0'],
  ['d/dx x.mean() ** 2 (grad / n)', () => dOf((t) => F.pow(F.mean(t), 2)), 'DivBackward1'],
  ['x ** 2', () => F.pow(x(), 2), 'PowBackward0'],
  ['x.square()', () => F.square(x()), 'PowBackward0'],
  ['x ** w', () => F.pow(x(), x()), 'PowBackward1'],
  ['2 ** x', () => F.pow(2, x()), 'PowBackward1'],
  ['torch.pow(2, x)', () => F.powScalarBase(2, x()), 'PowBackward2'],
  ['-x', () => F.neg(x()), 'NegBackward0'],
  ['exp', () => F.exp(x()), 'ExpBackward0'],
  ['log', () => F.log(x()), 'LogBackward0'],
  ['sin', () => F.sin(x()), 'SinBackward0'],
  ['cos', () => F.cos(x()), 'CosBackward0'],
  ['tan', () => F.tan(x()), 'TanBackward0'],
  ['tanh', () => F.tanh(x()), 'TanhBackward0'],
  ['d tanh', () => dOf(F.tanh), 'TanhBackwardBackward0'],
  ['sigmoid', () => F.sigmoid(x()), 'SigmoidBackward0'],
  ['d sigmoid', () => dOf(F.sigmoid), 'SigmoidBackwardBackward0'],
  ['relu', () => F.relu(x()), 'ReluBackward0'],
  ['d relu', () => dOf(F.relu), 'ThresholdBackwardBackward0'],
  ['sqrt', () => F.sqrt(x()), 'SqrtBackward0'],
  ['rsqrt', () => F.rsqrt(x()), 'RsqrtBackward0'],
  ['abs', () => F.abs(x()), 'AbsBackward0'],
  ['sign', () => F.sign(x()), 'SignBackward0'],
  ['softplus', () => F.softplus(x()), 'SoftplusBackward0'],
  ['d softplus', () => dOf((t) => F.softplus(t)), 'SoftplusBackwardBackward0'],
  ['clamp', () => F.clamp(x(), 0, 1), 'ClampBackward1'],
  ['maximum', () => F.maximum(x(), x()), 'MaximumBackward0'],
  ['minimum', () => F.minimum(x(), x()), 'MinimumBackward0'],
  ['where', () => F.where(F.compare('gt', x(), 0), x(), 0), 'WhereBackward0'],
  ['sum', () => F.sum(x()), 'SumBackward0'],
  ['sum(0)', () => F.sum(x(), [0]), 'SumBackward1'],
  ['mean', () => F.mean(x()), 'MeanBackward0'],
  ['mean(0)', () => F.mean(x(), [0]), 'MeanBackward1'],
  ['mm', () => F.matmul(m(), F.t(m())), 'MmBackward0'],
  ['mv', () => F.matmul(m(), x()), 'MvBackward0'],
  ['dot', () => F.matmul(x(), x()), 'DotBackward0'],
  ['vector @ matrix', () => F.matmul(tensor([1, 2], { dtype: 'float64', requiresGrad: true }), m()), 'SqueezeBackward3'],
  ['view', () => F.view(m(), [6]), 'ViewBackward0'],
  ['reshape', () => F.reshape(m(), [3, 2]), 'ReshapeAliasBackward0'],
  ['reshape of t()', () => F.reshape(F.t(m()), [6]), 'UnsafeViewBackward0'],
  ['clone', () => F.clone(x()), 'CloneBackward0'],
  ['to', () => F.to(x(), 'float32'), 'ToCopyBackward0'],
  ['t', () => F.t(m()), 'TBackward0'],
  ['permute', () => F.permute(m(), [1, 0]), 'PermuteBackward0'],
  ['transpose', () => F.transpose(m(), 0, 1), 'TransposeBackward0'],
  ['unsqueeze', () => F.unsqueeze(x(), 0), 'UnsqueezeBackward0'],
  ['squeeze()', () => F.squeeze(F.unsqueeze(x(), 0)), 'SqueezeBackward0'],
  ['squeeze(0)', () => F.squeeze(F.unsqueeze(x(), 0), 0), 'SqueezeBackward1'],
  ['expand', () => F.expand(F.unsqueeze(x(), 0), [2, 3]), 'ExpandBackward0'],
  ['x[1]', () => F.select(x(), 0, 1), 'SelectBackward0'],
  ['x[1:]', () => F.slice(x(), { dim: 0, start: 1, stop: null, step: 1 }), 'SliceBackward0'],
  ['d (x[1] ** 2)', () => dOf((t) => F.pow(F.select(t, 0, 1), 2)), 'SelectBackwardBackward0'],
  ['d (x[1:] ** 2)', () => dOf((t) => F.pow(F.slice(t, { dim: 0, start: 1, stop: null, step: 1 }), 2)), 'SliceBackwardBackward0'],
  ['backward(create_graph) .grad', () => {
    const t = x();
    F.sum(F.pow(t, 2)).backward(null, { createGraph: true });
    return t.grad!;
  }, 'CopyBackwards'],
  ['h.zero_()', () => F.zeroInPlace(F.mul(x(), 1)), 'ZeroBackward0'],
  ['h.fill_(2)', () => F.fillInPlace(F.mul(x(), 1), 2), 'FillBackward2'],
  ['h.copy_(w)', () => F.copyInPlace(F.mul(x(), 1), x()), 'CopyBackwards'],
  ['h.add_(1)', () => F.addInPlace(F.mul(x(), 1), 1), 'AddBackward0'],
  ['h.sub_(1)', () => F.subInPlace(F.mul(x(), 1), 1), 'SubBackward0'],
  ['h.mul_(2)', () => F.mulInPlace(F.add(x(), 1), 2), 'MulBackward0'],
  ['h.div_(2)', () => F.divInPlace(F.mul(x(), 1), 2), 'DivBackward0'],
  ['h.pow_(2)', () => F.powInPlace(F.mul(x(), 1), 2), 'PowBackward0'],
  ['h.clamp_(0, 1)', () => F.clampInPlace(F.mul(x(), 1), 0, 1), 'ClampBackward1'],
  ['h[1].mul_(5): the base', () => {
    const h = F.mul(x(), 1);
    F.mulInPlace(F.select(h, 0, 1), 5);
    return h;
  }, 'CopySlices'],
  ['h[1].mul_(5): the view', () => F.mulInPlace(F.select(F.mul(x(), 1), 0, 1), 5), 'AsStridedBackward0'],
  ['y.uniform_()', () => R.uniform_(F.mul(x(), 1)), 'UniformBackward0'],
  ['y.normal_()', () => R.normal_(F.mul(x(), 1)), 'NormalBackward0'],
  ['y.random_()', () => R.random_(F.mul(x(), 1)), 'RandomBackward2'],
  ['y.random_(7)', () => R.random_(F.mul(x(), 1), 7n), 'RandomBackward1'],
  ['y.random_(2, 7)', () => R.random_(F.mul(x(), 1), 2n, 7n), 'RandomBackward0'],
  ['y.bernoulli_(0.25)', () => R.bernoulli_(F.mul(x(), 1), 0.25), 'BernoulliBackward2'],
  ['y.bernoulli_(p)', () => R.bernoulli_(F.mul(x(), 1), tensor([0.5, 0.5, 0.5], { dtype: 'float64' })), 'BernoulliBackward1'],
  ['y.exponential_()', () => R.exponential_(F.mul(x(), 1)), 'ExponentialBackward0'],
  ['normal(mean, 2.0)', () => R.normal(x(), 2.0, null), 'NormalBackward1'],
  ['normal(1.0, std)', () => R.normal(1.0, F.abs(x()), null), 'NormalBackward2'],
  ['normal(mean, std)', () => R.normal(m(), F.abs(x()), null), 'NormalBackward3'],
  ['bernoulli(p)', () => R.bernoulli(F.mul(F.abs(x()), 0.25)), 'BernoulliBackward0'],
];

describe('grad_fn names are the ones PyTorch 1.13 prints', () => {
  for (const [what, make, name] of CASES) {
    it(`${what}: ${name}`, () => {
      expect(PYTORCH.has(name)).toBe(true);
      expect(make().gradFn!.name).toBe(name);
    });
  }

  it('every differentiable registry entry is reached by a case, under its own grad_fn name', () => {
    const reached = new Set<OpEntry<unknown>>();
    setTapeListener({ op: (entry, _inputs, out) => {
      const e = entry as OpEntry<unknown>;
      reached.add(e);
      if (out.gradFn && out.gradFn.name !== 'CopySlices' && out.gradFn.name !== 'AsStridedBackward0') expect(out.gradFn.name).toBe(e.gradFn);
    } });
    try {
      for (const [, make] of CASES) make();
    } finally {
      setTapeListener(null);
    }
    const missed = [...registry.values()].filter((e) => e.differentiable && !reached.has(e)).map((e) => e.name);
    expect(missed).toEqual([]);
    for (const e of registry.values()) if (e.differentiable) expect(PYTORCH.has(e.gradFn), e.gradFn).toBe(true);
  });
});

const pascal = (s: string) => s.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
/** Suffixes that tell apart overloads of one PyTorch function (`sum_dim` is SumBackward1). */
const OVERLOAD = new Set(['dim', 'tensor', 'scalar', 'scalar_base', 'matmul', 'grad', 'from', 'to', 'mean', 'std', 'tensors']);

describe('op names', () => {
  it('each differentiable op is named after its grad_fn, with an overload suffix at most', () => {
    for (const e of registry.values()) {
      expect(e.name).toMatch(/^[a-z]+(_[a-z]+)*$/);
      if (!e.differentiable) continue;
      const m = /^([A-Za-z]+?)(?:Backwards|Backward[0-9])$/.exec(e.gradFn)!;
      const [head, ...rest] = e.name.split('_');
      const full = pascal(e.name) === m[1] || pascal(e.name) === m[1]!.replace(/Copy$/, '');
      const overload = pascal(head!) === m[1] && OVERLOAD.has(rest.join('_'));
      expect(full || overload, `${e.name} / ${e.gradFn}`).toBe(true);
    }
  });

  it('the ops without a derivative are the comparisons and logical_and, and they have no grad_fn', () => {
    const none = [...registry.values()].filter((e) => !e.differentiable);
    expect(none.map((e) => e.name).sort()).toEqual(['eq', 'ge', 'gt', 'le', 'logical_and', 'lt', 'ne']);
    for (const e of none) {
      expect(e.gradFn).toBe('');
      expect(e.symbolic).toEqual({ kind: 'none' });
      expect(e.saves).toEqual([]);
      expect(e.backward(tensor([1]), undefined as never)).toEqual([]);
    }
  });

  it('what dzdx check and the property suite look up by name is there', () => {
    for (const name of ['relu', 'abs', 'clamp', 'maximum', 'minimum', 'add', 'mul', 'sub', 'div', 'pow', 'exp', 'log', 'sin', 'cos', 'tan', 'tanh', 'sigmoid', 'sqrt', 'rsqrt', 'neg', 'reciprocal', 'softplus', 'sign']) {
      expect(registry.get(name)?.name).toBe(name);
    }
  });
});

/** Each kink note, and what the tape does there (the note is the docs' statement of PyTorch's convention). */
const KINK_CLAIMS: Record<string, [string, () => void]> = {
  pow: ["x**0 has gradient 0 everywhere; (x**0.5)'(0) = inf", () => {
    const t = tensor([0, 2, -1], { dtype: 'float64', requiresGrad: true });
    expect(autograd.grad(F.sum(F.pow(t, 0)), t)[0]!.tolist()).toEqual([0, 0, 0]);
    expect(autograd.grad(F.sum(F.pow(t, 0.5)), t)[0]!.tolist()).toEqual([Infinity, 1 / (2 * Math.sqrt(2)), NaN]);
  }],
  pow_tensor: ['pow(0, 0) = 1 with both gradients 0', () => {
    const a = tensor([0], { dtype: 'float64', requiresGrad: true });
    const w = tensor([0], { dtype: 'float64', requiresGrad: true });
    const y = F.pow(a, w);
    expect(y.tolist()).toEqual([1]);
    expect(autograd.grad(F.sum(y), [a, w]).map((g) => g!.tolist())).toEqual([[0], [0]]);
  }],
  maximum: ['a tie sends half the gradient to each input', () => {
    const a = tensor([1, 3], { dtype: 'float64', requiresGrad: true });
    const w = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    expect(autograd.grad(F.sum(F.maximum(a, w)), [a, w]).map((g) => g!.tolist())).toEqual([[0.5, 1], [0.5, 0]]);
  }],
  minimum: ['a tie sends half the gradient to each input', () => {
    const a = tensor([1, 3], { dtype: 'float64', requiresGrad: true });
    const w = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    expect(autograd.grad(F.sum(F.minimum(a, w)), [a, w]).map((g) => g!.tolist())).toEqual([[0.5, 0], [0.5, 1]]);
  }],
  clamp: ['the bounds are inclusive: gradient 1 at x = min and at x = max', () => {
    const t = tensor([-1, 0, 1, 2], { dtype: 'float64', requiresGrad: true });
    expect(autograd.grad(F.sum(F.clamp(t, 0, 1)), t)[0]!.tolist()).toEqual([0, 1, 1, 0]);
  }],
  log: ["log'(0) = inf, log'(-1) = -1 (1/x, no domain masking)", () => {
    const t = tensor([0, -1], { dtype: 'float64', requiresGrad: true });
    expect(autograd.grad(F.sum(F.log(t)), t)[0]!.tolist()).toEqual([Infinity, -1]);
  }],
  relu: ["relu'(0) = 0 (the saved result must be > 0)", () => {
    const t = tensor([0, 1], { dtype: 'float64', requiresGrad: true });
    expect(autograd.grad(F.sum(F.relu(t)), t)[0]!.tolist()).toEqual([0, 1]);
  }],
  sqrt: ["sqrt'(0) = inf", () => {
    const t = tensor([0], { dtype: 'float64', requiresGrad: true });
    expect(autograd.grad(F.sum(F.sqrt(t)), t)[0]!.tolist()).toEqual([Infinity]);
  }],
  abs: ["abs'(0) = 0 (sign(0) = 0)", () => {
    const t = tensor([0, -2], { dtype: 'float64', requiresGrad: true });
    expect(autograd.grad(F.sum(F.abs(t)), t)[0]!.tolist()).toEqual([0, -1]);
  }],
};

describe('what the symbolic side reads of the registry', () => {
  it('an op whose backward reads its saved result gives its partials in terms of the result (viaResult), and only such an op', () => {
    for (const e of registry.values()) {
      if (e.symbolic.kind !== 'elementwise') continue;
      const savesResult = e.saves.some((r) => r.input === undefined);
      if (savesResult) expect(Object.keys(e.symbolic.viaResult ?? {}).length, e.name).toBeGreaterThan(0);
      else expect(e.symbolic.viaResult, e.name).toBeUndefined();
    }
    expect(Object.keys((registry.get('pow_tensor')!.symbolic as { viaResult: object }).viaResult)).toEqual(['b']);
  });

  it('mean over a dim keeps self, as PyTorch 1.13 (a change of it fails backward); mean of all does not', () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const h = F.mul(x, 1);
    const m = F.mean(h, [0]);
    F.addInPlace(h, 1);
    expect(() => F.sum(m).backward()).toThrow('[torch.FloatTensor [2, 2]], which is output 0 of AddBackward0, is at version 1; expected version 0 instead');
    const h2 = F.mul(x, 1);
    const m2 = F.mean(h2);
    F.addInPlace(h2, 1);
    m2.backward();
    expect(x.grad!.tolist()).toEqual([[0.25, 0.25], [0.25, 0.25]]);
  });
});

describe('kink notes state what the tape computes at the kink', () => {
  it('exactly the ops with a kink have a note', () => {
    const noted = [...registry.values()].filter((e) => e.kinks !== undefined).map((e) => e.name);
    expect(noted.sort()).toEqual(Object.keys(KINK_CLAIMS).sort());
  });
  for (const [name, [note, check]] of Object.entries(KINK_CLAIMS)) {
    it(`${name}: ${note}`, () => {
      expect(registry.get(name)!.kinks).toBe(note);
      check();
    });
  }
});

interface Recorded {
  entry: OpEntry<unknown>;
  inputs: readonly Tensor[];
  output: Tensor;
  attrs: unknown;
  inPlace: boolean;
  before?: Float64Array;
}

/** Every op the cases above record, with the comparisons too. */
function recordAll(): Recorded[] {
  const seen: Recorded[] = [];
  setTapeListener({ op: (entry, inputs, output, attrs, inPlace, before) => {
    seen.push({ entry: entry as OpEntry<unknown>, inputs: [...inputs], output, attrs, inPlace, before });
  } });
  try {
    for (const [, make] of CASES) make();
    F.logicalAnd(F.compare('lt', x(), 1), F.compare('ne', 1, x()));
    for (const op of ['le', 'gt', 'ge', 'eq'] as const) F.compare(op, x(), 0.5);
    F.fillInPlace(tensor([1, 2]), 3);
    F.copyInPlace(tensor([[1, 2], [3, 4]]), tensor([5, 6]));
  } finally {
    setTapeListener(null);
  }
  return seen;
}

const vals = (t: Tensor) => Array.from(t.array.values());
const total = (t: Tensor) => vals(t).reduce((s, v) => s + v, 0);

/** What src/symbolic assumes of each kind of op, checked on an actual call. */
const CONTRACTS: Record<string, (r: Recorded) => void> = {
  view: ({ entry, inputs, output }) => {
    expect(entry.view).toBe(true);
    expect(output.array.buffer).toBe(inputs[0]!.array.buffer);
    expect(output.base).toBe(inputs[0]!.base ?? inputs[0]);
  },
  copy: ({ entry, inputs, output }) => {
    expect(entry.view ?? false).toBe(false);
    expect(output.base).toBe(null);
    expect(vals(output)).toEqual(vals(inputs[0]!).map((v) => (output.dtype === 'float32' ? Math.fround(v) : v)));
  },
  elementwise: ({ inputs, output }) => {
    const rank = Math.max(...inputs.map((t) => t.shape.length));
    expect(output.shape.length).toBe(rank);
  },
  sum: ({ inputs, output }) => expect(total(output)).toBeCloseTo(total(inputs[0]!), 12),
  mean: ({ inputs, output }) => expect(total(output) * (inputs[0]!.numel / output.numel)).toBeCloseTo(total(inputs[0]!), 12),
  matmul: ({ inputs: [a, b], output }) => {
    const A = a!.shape.length === 1 ? [vals(a!)] : F.t(F.t(a!)).tolist() as number[][];
    const B = b!.shape.length === 1 ? vals(b!).map((v) => [v]) : b!.tolist() as number[][];
    const product = A.map((row) => B[0]!.map((_, j) => row.reduce((s, v, k) => s + v * B[k]![j]!, 0)));
    expect(vals(output)).toEqual(product.flat());
  },
  where: ({ inputs: [c, a, b], output }) => {
    const pick = (t: Tensor, k: number) => (t.numel === 1 ? vals(t)[0]! : vals(t)[k]!);
    expect(vals(output)).toEqual(vals(output).map((_, k) => (pick(c!, k) ? pick(a!, k) : pick(b!, k))));
  },
  scatter: ({ inputs, output, attrs }) => {
    expect(output.shape).toEqual((attrs as { inputShape: number[] }).inputShape);
    expect(total(output)).toBe(total(inputs[0]!));
    expect(vals(output).filter((v) => v !== 0).length).toBe(vals(inputs[0]!).filter((v) => v !== 0).length);
  },
  overwrite: ({ inputs, output, attrs, inPlace }) => {
    expect(inPlace).toBe(true);
    const value = (attrs as { value?: number } | undefined)?.value ?? 0;
    expect(vals(output)).toEqual(inputs.length > 1 ? vals(F.expand(inputs[1]!, [...output.shape])) : vals(output).map(() => value));
  },
  none: ({ output }) => expect(output.dtype).toBe('bool'),
  random: ({ inputs, output, attrs }) => {
    // The drawn values, stored as they are, in a shape the inputs broadcast to.
    expect(vals(output)).toEqual(Array.from((attrs as { values: ArrayLike<number> }).values));
    for (const t of inputs) expect(F.expand(t, [...output.shape]).shape).toEqual(output.shape);
  },
};

describe('symbolic specs: each kind describes the forward kernel', () => {
  // One test, so the ops run inside it (ops run while tests are collected would make every mutant static).
  it('every registry entry is recorded, and its kind\'s contract holds on every call', () => {
    const records = recordAll();
    const missed = [...registry.values()].filter((e) => !records.some((r) => r.entry === e)).map((e) => e.name);
    expect(missed).toEqual([]);
    for (const entry of registry.values()) {
      expect(Object.keys(CONTRACTS), entry.name).toContain(entry.symbolic.kind);
      for (const r of records.filter((r) => r.entry === entry)) CONTRACTS[entry.symbolic.kind]!(r);
    }
  });
});
