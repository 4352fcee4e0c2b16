/** dzdx graph of a custom Function: its node under PyTorch's name, at the line of its apply, with nothing cut inside its forward. */
import { describe, expect, it } from 'vitest';
import '../src/all-libraries.js';
import { captureGraph, toText } from '../src/graph/index.js';

const script = `import torch


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x ** 2


x = torch.tensor([1.0, 2.0], requires_grad=True)
y = Cube.apply(x)
y.sum().backward()
`;

describe('dzdx graph of a custom Function', () => {
  it('draws CubeBackward at its apply, down to x', () => {
    const r = captureGraph(script);
    expect(toText(r.graph!)).toBe(
      [
        'autograd graph at line 18, before backward runs: y.sum().backward()',
        'y.sum(), () float32',
        '└─ grad_fn: SumBackward0, line 18: y.sum().backward()',
        '   └─ y: CubeBackward, line 17: y = Cube.apply(x)',
        '      └─ AccumulateGrad',
        '         └─ .grad: x, (2,) float32, requires_grad=True, .grad None',
      ].join('\n') + '\n',
    );
    expect(r.graph!.nodes.some((n) => n.state === 'cut' || /cut/.test(n.title))).toBe(false);
  });
});
