/**
 * dzdx check of custom autograd Functions: expected is the derivative of
 * the Function's forward (traced although autograd records nothing there),
 * actual is the script's backward; a wrong backward disagrees and is named
 * with its class, line, input and both formulas.
 */
import { describe, expect, it } from 'vitest';
import '../src/all-libraries.js';
import { check } from '../src/check/check.js';

const header = 'import torch\n\n';

function fn(name: string, forward: string, backward: string): string {
  return [
    `class ${name}(torch.autograd.Function):`,
    '    @staticmethod',
    `    def forward(ctx, ${forward}`,
    '    @staticmethod',
    `    def backward(ctx, ${backward}`,
    '',
  ].join('\n');
}

const cube = (factor: number) =>
  fn('Cube', 'x):\n        ctx.save_for_backward(x)\n        return x ** 3', `g):\n        (x,) = ctx.saved_tensors\n        return g * ${factor} * x ** 2`);

describe('a Function with one input, saved for backward', () => {
  const script = (factor: number) => `${header}${cube(factor)}\nx = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\ny = Cube.apply(x)\ny.sum().backward()\n`;

  it('a right backward agrees, with the formula of the forward', () => {
    const r = check(script(3));
    expect(r.ok).toBe(true);
    expect(r.exitCode).toBe(0);
    expect(r.calls[0]!.targets[0]!.formula).toBe('3 * x ^ 2');
    expect(r.calls[0]!.notes).toEqual([]);
  });

  it('a wrong backward disagrees, naming the class, the return line, the input and both formulas', () => {
    const r = check(script(2));
    expect(r.ok).toBe(false);
    const c = r.calls[0]!;
    expect(c.verdict).toBe('disagree');
    expect(c.targets[0]!.expected).toEqual([3, 12, 27]);
    expect(c.targets[0]!.actual).toEqual([2, 8, 18]);
    expect(c.notes).toEqual(['Cube.backward on line 11 gives 2 * x ^ 2 for x; the derivative of Cube.forward is 3 * x ^ 2']);
  });

  it('the same in JSON', () => {
    const json = JSON.parse(JSON.stringify(check(script(2))));
    expect(json.calls[0].notes[0]).toContain('Cube.backward on line 11 gives 2 * x ^ 2 for x');
  });
});

describe('two inputs', () => {
  const mul = (gradB: string) =>
    fn('Mul', 'a, b):\n        ctx.save_for_backward(a, b)\n        return a * b', `g):\n        a, b = ctx.saved_tensors\n        return g * b, ${gradB}`);
  const script = (gradB: string) =>
    `${header}${mul(gradB)}\na = torch.tensor([1.0, 2.0], requires_grad=True)\nb = torch.tensor([3.0, 4.0], requires_grad=True)\nMul.apply(a, b).sum().backward()\n`;

  it('right: both gradients agree', () => {
    const r = check(script('g * a'));
    expect(r.ok).toBe(true);
    expect(r.calls[0]!.targets.map((t) => t.formula)).toEqual(['a[0]: b[0]; a[1]: b[1]', 'b[0]: a[0]; b[1]: a[1]']);
  });

  it('wrong for b only: the note names b, not a', () => {
    const r = check(script('g * b'));
    expect(r.calls[0]!.targets.map((t) => t.verdict)).toEqual(['agree', 'disagree']);
    expect(r.calls[0]!.notes).toEqual(['Mul.backward on line 11 gives b for b; the derivative of Mul.forward is b[0]: a[0]; b[1]: a[1]']);
  });

  it('None for an input that needs a gradient', () => {
    const r = check(script('None'));
    expect(r.calls[0]!.notes).toEqual(['Mul.backward on line 11 gives None for b; the derivative of Mul.forward is b[0]: a[0]; b[1]: a[1]']);
  });
});

describe('a Function that saves its output', () => {
  const exp = (body: string) => fn('Exp', 'x):\n        r = x.exp()\n        ctx.save_for_backward(r)\n        return r', `g):\n        (r,) = ctx.saved_tensors\n        return ${body}`);
  const script = (body: string) => `${header}${exp(body)}\nx = torch.tensor([0.5, -1.0], requires_grad=True)\n(Exp.apply(x) * 2).sum().backward()\n`;

  it('right: exp(x) times the incoming gradient', () => {
    const r = check(script('g * r'));
    expect(r.ok).toBe(true);
    expect(r.calls[0]!.targets[0]!.formula).toBe('2 * exp(x)');
  });

  it('wrong: the backward forgot the incoming gradient', () => {
    const r = check(script('r'));
    expect(r.ok).toBe(false);
    expect(r.calls[0]!.notes).toEqual(['Exp.backward on line 12 gives exp(x) for x; the derivative of Exp.forward gives 2 * exp(x) for the gradient it received']);
  });

  it('changing the saved output in place is the predicted version error', () => {
    const r = check(`${header}${exp('g * r')}\nx = torch.tensor([0.5, -1.0], requires_grad=True)\ny = Exp.apply(x)\ny.mul_(2)\ny.sum().backward()\n`);
    expect(r.calls[0]!.expectedError).toEqual(['version']);
    expect(r.calls[0]!.verdict).toBe('agree');
  });
});

describe('a non-differentiable output', () => {
  const clamp = (body: string) =>
    fn(
      'ClampMask',
      'x):\n        mask = x > 0\n        ctx.mark_non_differentiable(mask)\n        ctx.save_for_backward(mask)\n        return x.clamp(min=0), mask',
      `g, g_mask):\n        (mask,) = ctx.saved_tensors\n        return ${body}`,
    );
  const script = (body: string) => `${header}${clamp(body)}\nx = torch.tensor([-1.0, 2.0, 3.0], requires_grad=True)\ny, m = ClampMask.apply(x)\n(y * y).sum().backward()\n`;

  it('right: the mask gets no history, the clamp its derivative', () => {
    const r = check(script('g * mask'));
    expect(r.ok).toBe(true);
    expect(r.calls[0]!.targets[0]!.expected).toEqual([0, 4, 6]);
  });

  it('wrong: a backward that ignores the mask disagrees where x < 0', () => {
    const r = check(script('g'));
    expect(r.calls[0]!.targets[0]!.actual).toEqual([0, 4, 6]);
    // y * y where y = clamp(x): the incoming gradient is 2 * clamp(x, 0), zero where x < 0, so g alone agrees there.
    expect(r.ok).toBe(true);
    const wrong = check(script('g + 1'));
    expect(wrong.ok).toBe(false);
    expect(wrong.calls[0]!.notes[0]).toMatch(/^ClampMask\.backward on line 13 gives x\[0\]: 1; x\[1\]: 5; x\[2\]: 7 for x; the derivative of ClampMask\.forward gives /);
  });
});

describe('double backward through a Function whose backward uses differentiable ops', () => {
  const script = (factor: number) =>
    `${header}${cube(factor)}\nx = torch.tensor([1.0, -2.0], requires_grad=True)\n(g,) = torch.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)\ng.sum().backward()\n`;

  it('right: second derivative 6x agrees', () => {
    const r = check(script(3));
    expect(r.ok).toBe(true);
    expect(r.calls.map((c) => c.targets[0]!.formula)).toEqual(['3 * x ^ 2', '6 * x']);
  });

  it('wrong: both orders disagree, the first one explained', () => {
    const r = check(script(2));
    expect(r.calls.map((c) => c.verdict)).toEqual(['disagree', 'disagree']);
    expect(r.calls[0]!.notes).toEqual(['Cube.backward on line 11 gives 2 * x ^ 2 for x; the derivative of Cube.forward is 3 * x ^ 2']);
  });
});

describe('a Function applied to an intermediate and used twice', () => {
  it('right: agrees through the chain rule around it', () => {
    const r = check(`${header}${cube(3)}\nx = torch.tensor([0.5, 1.5], requires_grad=True)\ny = Cube.apply(x * 2) + Cube.apply(x)\ny.sum().backward()\n`);
    expect(r.ok).toBe(true);
    expect(r.calls[0]!.targets[0]!.expected).toEqual([3 * 4 * 0.25 * 2 + 3 * 0.25, 3 * 4 * 2.25 * 2 + 3 * 2.25]);
  });
});
