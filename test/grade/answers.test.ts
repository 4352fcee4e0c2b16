/**
 * Graded answers: right ones in every accepted format, wrong ones with each
 * named mistake, malformed and hostile ones, on the example exercises
 * (examples/exercises/). Each row: exercise, question, answer, verdict,
 * the mistake named (or null), and words the feedback must contain.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test, vi } from 'vitest';

// Building the keys runs each script and its mistakes: seconds on a busy machine.
vi.setConfig({ hookTimeout: 120_000 });
import { buildKey, grade, parseExercise, type ExerciseKey, type MistakeName, type Verdict } from '../../src/grade/index.js';

const EXERCISES = ['tutorial_requires_grad', 'tutorial_no_grad', 'tutorial_data_mutation', 'tutorial_data_mutation_pow', 'chain_rule', 'version_error', 'mutation_accumulation'] as const;
type Name = (typeof EXERCISES)[number];
type Row = [Name, string, string, Verdict, MistakeName | null, string?];

const keys = new Map<Name, ExerciseKey>();
beforeAll(() => {
  for (const name of EXERCISES) keys.set(name, buildKey(parseExercise(readFileSync(`examples/exercises/${name}.yaml`, 'utf8'))));
});

const RG = 'tutorial_requires_grad';
const NG = 'tutorial_no_grad';
const DM = 'tutorial_data_mutation';
const DP = 'tutorial_data_mutation_pow';
const CR = 'chain_rule';
const VE = 'version_error';
const MA = 'mutation_accumulation';

const PRINTED_2222 = 'tensor([[2., 2.],\n        [2., 2.]])';

const rows: Row[] = [
  // --- z = x**2 + x**3: right in every format
  [RG, 'grad', 'tensor([[ 5., 16.],\n        [33., 56.]])', 'right', null],
  [RG, 'grad', 'tensor([[5., 16.], [33., 56.]])', 'right', null],
  [RG, 'grad', 'torch.tensor([[5, 16], [33, 56]])', 'right', null],
  [RG, 'grad', '[[5, 16], [33, 56]]', 'right', null],
  [RG, 'grad', '[[5.0, 16.0], [33.0, 56.0]]', 'right', null],
  [RG, 'grad', '[[5.00001, 16], [33, 56]]', 'right', null],
  [RG, 'grad', '[[5, 16,], [33, 56,],]', 'right', null],
  [RG, 'grad', '((5, 16), (33, 56))', 'right', null],
  [RG, 'grad', '2*x + 3*x**2', 'right', null],
  [RG, 'grad', '2*x + 3*x^2', 'right', null],
  [RG, 'grad', 'x*(2 + 3*x)', 'right', null],
  [RG, 'grad', 'tensor([[ 5., 16.],\n        [33., 56.]], requires_grad=False)', 'right', null],
  [RG, 'formula', '2*x + 3*x**2', 'right', null],
  [RG, 'formula', '3*x^2 + 2*x', 'right', null],
  [RG, 'formula', 'x * (3 * x + 2)', 'right', null],
  [RG, 'formula', 'torch.pow(x, 2) * 3 + 2 * x', 'invalid', null, 'pow'],
  [RG, 'printed', 'tensor([[ 5., 16.],\n        [33., 56.]])', 'right', null],
  [RG, 'printed', 'tensor([[5., 16.], [33., 56.]])', 'right', null],
  [RG, 'printed', '  tensor([[ 5., 16.],   [33., 56.]])  ', 'right', null],
  [RG, 'printed', 'tensor([[5, 16], [33, 56]])', 'right', null],
  // wrong, named
  [RG, 'grad', '[[5, 32], [99, 224]]', 'wrong', 'power-off-by-one', 'n·u^(n-1)'],
  [RG, 'grad', '2*x**2 + 3*x**3', 'wrong', 'power-off-by-one'],
  [RG, 'formula', '2*x**2 + 3*x**3', 'wrong', 'power-off-by-one'],
  [RG, 'grad', '[[-5, -16], [-33, -56]]', 'wrong', 'sign-error', 'opposite sign'],
  [RG, 'formula', '-2*x - 3*x**2', 'wrong', 'sign-error'],
  [RG, 'grad', '[[5, 14], [29, 50]]', 'wrong', 'confused-op', '`y1 = 2 * x`'],
  [RG, 'grad', '[[5, 7], [9, 11]]', 'wrong', 'confused-op', '`y2 = 3 * x`'],
  [RG, 'printed', 'tensor([[ 5., 14.],\n        [29., 50.]])', 'wrong', 'confused-op'],
  // wrong, unnamed
  [RG, 'grad', '[[5, 16], [33, 57]]', 'wrong', null, 'neither'],
  [RG, 'grad', '[5, 16, 33, 56]', 'wrong', null, 'shape is [2, 2], not [4]'],
  [RG, 'grad', 'None', 'wrong', null, 'not None'],
  [RG, 'grad', 'x', 'wrong', null],
  [RG, 'grad', '3*x**2', 'wrong', null],
  [RG, 'formula', '2*x + 3*x**2 + 1', 'wrong', null],
  [RG, 'printed', 'tensor([[ 5., 16.],\n        [33., 56.]], grad_fn=<AddBackward0>)', 'wrong', null, 'grad_fn=<AddBackward0>'],
  [RG, 'printed', '[[5, 16], [33, 56]]', 'wrong', null, 'one tensor'],
  [RG, 'printed', 'tensor([[ 5., 16.], [33., 99.]])', 'wrong', null],
  // malformed
  [RG, 'grad', '[[5, 16], [33]]', 'invalid', null, 'ragged'],
  [RG, 'grad', '[[5, 16], [33, 56]', 'invalid', null, "or ']' before the end"],
  [RG, 'grad', 'tensor([[5, 16], [33, 56]]', 'invalid', null, "or ')' before the end"],
  [RG, 'grad', '2x + 3x^2', 'invalid', null, "write '*'"],
  [RG, 'grad', '2*w', 'invalid', null, "unknown variable 'w'"],
  [RG, 'grad', '', 'invalid', null],
  [RG, 'grad', 'tensor([1, 2], banana)', 'invalid', null, 'keyword argument'],
  [RG, 'formula', '[[5, 16], [33, 56]]', 'invalid', null, 'expected a formula'],
  [RG, 'formula', 'None', 'invalid', null, 'expected a formula'],
  [RG, 'formula', 'foo(x)', 'invalid', null, 'foo'],
  [RG, 'printed', 'tensor([[5, 16], [33, 56]', 'wrong', null, 'cannot be read'],

  // --- the no_grad cut: dz/dx = 2x
  [NG, 'grad', 'tensor([[2., 4.],\n        [6., 8.]])', 'right', null],
  [NG, 'grad', '[[2, 4], [6, 8]]', 'right', null],
  [NG, 'grad', '2*x', 'right', null],
  [NG, 'grad', 'x + x', 'right', null],
  [NG, 'formula', '2*x', 'right', null],
  [NG, 'formula', 'x*2', 'right', null],
  [NG, 'printed', 'tensor([[2., 4.],\n        [6., 8.]])', 'right', null],
  [NG, 'printed', 'tensor([[2., 4.], [6., 8.]])', 'right', null],
  [NG, 'grad', '[[5, 16], [33, 56]]', 'wrong', 'ignored-cut', 'no_grad'],
  [NG, 'grad', '2*x + 3*x**2', 'wrong', 'ignored-cut', 'line 8'],
  [NG, 'formula', '2*x + 3*x**2', 'wrong', 'ignored-cut', 'constant'],
  [NG, 'printed', 'tensor([[ 5., 16.],\n        [33., 56.]])', 'wrong', 'ignored-cut'],
  [NG, 'printed', 'tensor([[5., 16.], [33., 56.]])', 'wrong', 'ignored-cut'],
  [NG, 'grad', '[[2, 2], [2, 2]]', 'wrong', 'confused-op'],
  [NG, 'grad', '[[3, 12], [27, 48]]', 'wrong', null],
  [NG, 'grad', '3*x**2', 'wrong', null],
  [NG, 'grad', 'None', 'wrong', null],
  [NG, 'formula', '2', 'wrong', 'confused-op'],
  [NG, 'formula', 'x^2', 'wrong', null],
  [NG, 'printed', 'tensor([[2., 4.],\n        [6., 8.]], requires_grad=True)', 'wrong', null, 'requires_grad=True'],
  [NG, 'grad', '[[2, 4], [6, "8"]]', 'invalid', null],
  [NG, 'grad', '2*y2', 'invalid', null, 'unknown variable'],

  // --- y = 2 * x, then x.data += 100: the tutorial's published output is wrong
  [DM, 'printed', 'tensor([[202., 204.],\n        [206., 208.]])', 'wrong', 'confused-op', 'what `y = x ** 2` would give'],
  [DM, 'printed', 'tensor([[202., 204.], [206., 208.]])', 'wrong', 'confused-op', 'saved nothing of x'],
  [DM, 'grad', '[[202., 204.], [206., 208.]]', 'wrong', 'confused-op', 'saved nothing of x'],
  [DM, 'grad', 'tensor([[202., 204.], [206., 208.]])', 'wrong', 'confused-op', 'line 8'],
  [DM, 'grad', '2*(x + 100)', 'wrong', 'confused-op'],
  [DM, 'formula', '2*(x+100)', 'wrong', 'confused-op', 'saved nothing of x'],
  [DM, 'printed', PRINTED_2222, 'right', null],
  [DM, 'printed', 'tensor([[2., 2.], [2., 2.]])', 'right', null],
  [DM, 'printed', 'tensor([[2, 2], [2, 2]])', 'right', null],
  [DM, 'grad', PRINTED_2222, 'right', null],
  [DM, 'grad', '[[2, 2], [2, 2]]', 'right', null],
  [DM, 'grad', '[[2., 2.], [2., 2.]]', 'right', null],
  [DM, 'grad', '2', 'wrong', null, 'shape is [2, 2], not []'],
  [DM, 'formula', '2', 'right', null],
  [DM, 'formula', '2 + 0*x', 'right', null],
  [DM, 'formula', '4/2', 'right', null],
  [DM, 'grad', '[[-2, -2], [-2, -2]]', 'wrong', 'sign-error'],
  [DM, 'formula', '-2', 'wrong', 'sign-error'],
  // y = x ** 2 and no .data change: the two mistakes together (the change alone makes no difference to 2 * x)
  [DM, 'grad', '[[2, 4], [6, 8]]', 'wrong', 'ignored-mutation+confused-op', 'Two mistakes at once'],
  [DM, 'grad', '[[200, 200], [200, 200]]', 'wrong', null],
  [DM, 'formula', '2*x', 'wrong', 'ignored-mutation+confused-op'],
  [DM, 'printed', 'tensor([[2., 2.],\n        [2., 2.]], grad_fn=<MulBackward0>)', 'wrong', null, 'grad_fn=<MulBackward0>'],
  [DM, 'printed', 'x.grad:\ntensor([[2., 2.], [2., 2.]])', 'wrong', null],

  // --- y = x ** 2, then x.data += 100: pow saved x, so backward sees 2 (x + 100)
  [DP, 'grad', 'tensor([[202., 204.],\n        [206., 208.]])', 'right', null],
  [DP, 'grad', '[[202, 204], [206, 208]]', 'right', null],
  [DP, 'grad', '2*(x + 100)', 'right', null],
  [DP, 'grad', '2*x + 200', 'right', null],
  [DP, 'formula', '2*(x+100)', 'right', null],
  [DP, 'formula', '2*x + 200', 'right', null],
  [DP, 'formula', '(x + 100) * 2', 'right', null],
  [DP, 'printed', 'tensor([[202., 204.],\n        [206., 208.]])', 'right', null],
  [DP, 'printed', 'tensor([[202, 204], [206, 208]])', 'right', null],
  [DP, 'grad', '[[2, 4], [6, 8]]', 'wrong', 'ignored-mutation', 'x.data += 100'],
  [DP, 'grad', '2*x', 'wrong', 'ignored-mutation', 'saved by `y = x ** 2`'],
  [DP, 'formula', '2*x', 'wrong', 'ignored-mutation'],
  [DP, 'printed', 'tensor([[2., 4.],\n        [6., 8.]])', 'wrong', 'ignored-mutation'],
  [DP, 'grad', '[[2, 2], [2, 2]]', 'wrong', 'confused-op', 'y = 2 * x'],
  [DP, 'formula', '2', 'wrong', 'confused-op'],
  [DP, 'grad', '[[101, 102], [103, 104]]', 'wrong', null],
  [DP, 'grad', 'x**2', 'wrong', null],
  [DP, 'grad', '[[202, 204], [206, 209]]', 'wrong', null],
  [DP, 'printed', 'tensor([[202., 204.],\n        [206., 208.]], grad_fn=<PowBackward0>)', 'wrong', null],

  // --- the chain rule on a formula: d/dx (sin(x^2) + cos(3x)) = 2x cos(x^2) - 3 sin(3x)
  [CR, 'dzdx', '2*x*cos(x^2) - 3*sin(3*x)', 'right', null],
  [CR, 'dzdx', '2*x*cos(x**2) - 3*sin(3*x)', 'right', null],
  [CR, 'dzdx', 'cos(x^2)*2*x - sin(3*x)*3', 'right', null],
  [CR, 'dzdx', '-3*sin(3*x) + 2*x*cos(x*x)', 'right', null],
  [CR, 'dzdx', '2*x*torch.cos(x**2) - 3*torch.sin(3*x)', 'right', null],
  [CR, 'dzdx', '2*x*math.cos(x**2) - 3*np.sin(3*x)', 'right', null],
  [CR, 'dzdx', '2 * x * cos(x ^ 2) - 6 * sin(1.5 * x) * cos(1.5 * x)', 'right', null],
  [CR, 'dzdx', 'z = 2*x*cos(x^2) - 3*sin(3*x)', 'right', null],
  [CR, 'dzdx', 'cos(x^2) - sin(3*x)', 'wrong', 'dropped-inner-factor', "inner factor"],
  [CR, 'dzdx', 'cos(x**2) - sin(3*x)', 'wrong', 'dropped-inner-factor'],
  [CR, 'dzdx', '2*x^2*cos(x^2) - 3*sin(3*x)', 'wrong', 'power-off-by-one'],
  [CR, 'dzdx', '2*x*cos(x^2) + 3*sin(3*x)', 'partial', 'sign-error', 'cos(u) is -sin(u)'],
  [CR, 'dzdx', '-2*x*cos(x^2) + 3*sin(3*x)', 'partial', 'sign-error', 'opposite sign'],
  [CR, 'dzdx', '2*x*cos(x^2)', 'wrong', null],
  [CR, 'dzdx', '2*x*cos(x^2) - sin(3*x)', 'wrong', null],
  [CR, 'dzdx', 'cos(x^2) + cos(3*x)', 'wrong', null],
  [CR, 'dzdx', '0', 'wrong', null],
  [CR, 'dzdx', '2*y*cos(y^2)', 'wrong', null, 'uses y'],
  [CR, 'dzdx', '2*x*cos(x^2) - 3*sin(3x)', 'invalid', null, "write '*'"],
  [CR, 'dzdx', '2*x*cos(x^2', 'invalid', null],
  [CR, 'dzdx', 'derivative(sin(x^2), x)', 'invalid', null, 'derivative'],
  [CR, 'dzdx', '[1, 2]', 'invalid', null],
  // infinite everywhere: once accepted, as Infinity <= 1e-9 * Infinity
  [CR, 'dzdx', '1e308*1e308', 'wrong', null],
  [CR, 'dzdx', '9^9^9^9^9', 'wrong', null],

  // --- whether a script raises
  [VE, 'raises', 'RuntimeError: one of the variables needed for gradient computation has been modified by an inplace operation', 'right', null],
  [VE, 'raises', 'RuntimeError', 'right', null, "PyTorch's message"],
  [VE, 'raises', 'Traceback (most recent call last):\n  File "x.py", line 7\nRuntimeError: one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [3]], which is output 0 of ExpBackward0, is at version 1; expected version 0 instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).', 'right', null],
  [VE, 'raises', 'runtimeerror', 'invalid', null],
  [VE, 'raises', 'no error', 'wrong', null, 'raises RuntimeError'],
  [VE, 'raises', 'No', 'wrong', null],
  [VE, 'raises', 'ValueError: bad value', 'wrong', null, 'not ValueError'],
  [VE, 'raises', 'RuntimeError: Trying to backward through the graph a second time', 'wrong', null, "PyTorch's message"],
  [VE, 'raises', 'RuntimeError: one of', 'wrong', null],
  [VE, 'raises', 'it crashes', 'invalid', null],

  // --- a mutation, a gradient argument and two backward calls
  [MA, 'first', '[6.7183, 6.6945]', 'right', null],
  [MA, 'first', 'tensor([6.7183, 6.6945])', 'right', null],
  [MA, 'first', '[4.7183, 5.6945]', 'wrong', 'ignored-mutation'],
  [MA, 'first', '[11.3891, 13.0428]', 'wrong', 'mutation-everywhere', 'before any op used'],
  [MA, 'first', '[6.7183, 13.3891]', 'wrong', 'gradient-as-ones', 'vector-Jacobian'],
  [MA, 'first', '[6.7, 6.7]', 'wrong', null],
  [MA, 'final', 'tensor([13.4366, 13.3891])', 'right', null],
  [MA, 'final', '[13.4366, 13.3891]', 'right', null],
  [MA, 'final', '[6.7183, 6.6945]', 'partial', 'forgot-accumulation', 'accumulates'],
  [MA, 'final', '[9.4366, 11.3891]', 'wrong', 'ignored-mutation'],
  [MA, 'final', '[22.7781, 26.0855]', 'wrong', 'mutation-everywhere'],
  [MA, 'final', '[13.4366, 26.7781]', 'wrong', 'gradient-as-ones'],
  [MA, 'final', '[13.44, 13.39]', 'wrong', null],
  [MA, 'printed', 'tensor([13.4366, 13.3891])', 'right', null],
  [MA, 'printed', 'tensor([ 9.4366, 11.3891])', 'wrong', 'ignored-mutation'],
  [MA, 'printed', 'tensor([22.7781, 26.0855])', 'wrong', 'mutation-everywhere'],
  [MA, 'printed', 'tensor([13.4366, 26.7781])', 'wrong', 'gradient-as-ones'],
  [MA, 'printed', 'tensor([13.4366, 13.3891], dtype=torch.float64)', 'wrong', null, 'dtype=torch.float64'],
];

describe('graded answers', () => {
  test('at least 150 rows', () => expect(rows.length).toBeGreaterThanOrEqual(150));
  test.each(rows.map((r, i) => [i, ...r] as const))('#%i %s %s %j', (_i, exercise, question, answer, verdict, mistake, words) => {
    const result = grade(keys.get(exercise)!, question, answer);
    expect(result.verdict, result.feedback).toBe(verdict);
    expect(result.mistake, result.feedback).toBe(mistake);
    if (words) expect(result.feedback).toContain(words);
    const points = keys.get(exercise)!.questions.find((q) => q.question.id === question)!.question.points;
    if (verdict === 'right') expect(result.score).toBe(points);
    if (verdict === 'wrong' || verdict === 'invalid') expect(result.score).toBe(0);
    if (verdict === 'partial') expect(result.score).toBeGreaterThan(0);
  });
});

describe('formulas undefined at every sample point', () => {
  test('mathjs decides when it can, and says so when it cannot', () => {
    const key = buildKey(parseExercise('expression: "z = sqrt(-x^2 - 1)"\nquestions:\n  - kind: derivative\n    wrt: x\n'));
    expect(grade(key, 'q1', '-x/sqrt(-x^2-1)').verdict).toBe('right');
    expect(grade(key, 'q1', '(-2*x)/(2*sqrt(-x^2-1))').verdict).toBe('right');
    expect(grade(key, 'q1', 'x/sqrt(-x^2-1)')).toMatchObject({ verdict: 'wrong', mistake: 'sign-error' });
    // x^2/sqrt(-x^2-1) is power rule off by one and the sign, together.
    expect(grade(key, 'q1', 'x^2/sqrt(-x^2-1)')).toMatchObject({ verdict: 'wrong', mistake: 'power-off-by-one+sign-error' });
    const undecided = grade(key, 'q1', 'x^3/sqrt(-x^2-1)');
    expect(undecided.verdict).toBe('wrong');
    expect(undecided.feedback).toContain('cannot decide');
  });
});
