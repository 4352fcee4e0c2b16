import { describe, it, expect } from 'vitest';
import { formatDType, formatSize, formatTensor, type TensorSuffix } from '../src/tensor/format.js';
import { toExponentialExact, toFixedExact } from '../src/tensor/decimal.js';
import type { DType } from '../src/tensor/dtype.js';

// Expected strings are real PyTorch 1.13 output (pytorch-facts.md §5.2 and
// the print_*.out conformance files).

const f32 = (vs: readonly number[]): number[] => vs.map((v) => Math.fround(v));
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const NaN_ = Number.NaN;
const Inf = Number.POSITIVE_INFINITY;

/** A float32 tensor of the given shape (1-d from the values when omitted). */
function t(vs: readonly number[], shape?: readonly number[], suffix?: TensorSuffix): string {
  return formatTensor(f32(vs), shape ?? [vs.length], 'float32', suffix);
}
function typed(vs: readonly number[], shape: readonly number[], dtype: DType, suffix?: TensorSuffix): string {
  return formatTensor(vs, shape, dtype, suffix);
}

describe('formatTensor: verified examples (facts §5.2)', () => {
  const cases: [string, string][] = [
    [t([1, 2, 3]), 'tensor([1., 2., 3.])'],
    [t([1.5, 2, 3]), 'tensor([1.5000, 2.0000, 3.0000])'],
    [t([1.23456789, -2.5, 100]), 'tensor([  1.2346,  -2.5000, 100.0000])'],
    [t([1, -1, 0]), 'tensor([ 1., -1.,  0.])'],
    [t([-0, 0]), 'tensor([-0., 0.])'],
    [t([0.5, -0]), 'tensor([0.5000, -0.0000])'],
    [t([-0], []), 'tensor(-0.)'],
    [t([NaN_, 1, Inf, -Inf]), 'tensor([nan, 1., inf, -inf])'],
    [t([NaN_, 1.5, Inf]), 'tensor([   nan, 1.5000,    inf])'],
    [t([1e-5, 1]), 'tensor([1.0000e-05, 1.0000e+00])'],
    [t([1e-4, 1]), 'tensor([1.0000e-04, 1.0000e+00])'],
    [t([0.001, 0.5]), 'tensor([0.0010, 0.5000])'],
    [t([1, 1000]), 'tensor([   1., 1000.])'],
    [t([1, 1001]), 'tensor([1.0000e+00, 1.0010e+03])'],
    [t([1.5, 1000]), 'tensor([   1.5000, 1000.0000])'],
    [t([1000.5, 1]), 'tensor([1.0005e+03, 1.0000e+00])'],
    [t([1e8]), 'tensor([100000000.])'],
    [t([123456789]), 'tensor([1.2346e+08])'],
    [t([12345.678]), 'tensor([12345.6777])'],
    [t([-1e-5, 1]), 'tensor([-1.0000e-05,  1.0000e+00])'],
    [t([1.00005]), 'tensor([1.0000])'],
    [t([3], []), 'tensor(3.)'],
    [t([3.14159], []), 'tensor(3.1416)'],
    [t([1e-5], []), 'tensor(1.0000e-05)'],
    [t([2.5], [], { requiresGrad: true }), 'tensor(2.5000, requires_grad=True)'],
    [t([1, 2], [2], { requiresGrad: true }), 'tensor([1., 2.], requires_grad=True)'],
    [t([2, 4], [2], { gradFn: 'MulBackward0' }), 'tensor([2., 4.], grad_fn=<MulBackward0>)'],
    [t([5], [], { gradFn: 'SumBackward0' }), 'tensor(5., grad_fn=<SumBackward0>)'],
    [t([1.5], [], { gradFn: 'MeanBackward0' }), 'tensor(1.5000, grad_fn=<MeanBackward0>)'],
    [t([Math.exp(1), Math.exp(2)], [2], { gradFn: 'ExpBackward0' }), 'tensor([2.7183, 7.3891], grad_fn=<ExpBackward0>)'],
    [typed([1, 2], [2], 'float64'), 'tensor([1., 2.], dtype=torch.float64)'],
    [
      typed([1.5, 2], [2], 'float64', { requiresGrad: true }),
      'tensor([1.5000, 2.0000], dtype=torch.float64, requires_grad=True)',
    ],
    [
      typed([1, 2], [2], 'float64', { gradFn: 'ToCopyBackward0' }),
      'tensor([1., 2.], dtype=torch.float64, grad_fn=<ToCopyBackward0>)',
    ],
    [typed([1.123456789], [1], 'float64'), 'tensor([1.1235], dtype=torch.float64)'],
    [t([]), 'tensor([])'],
    [typed([], [0, 3], 'float32'), 'tensor([], size=(0, 3))'],
    [typed([], [0], 'int64'), 'tensor([], dtype=torch.int64)'],
  ];
  it.each(cases)('%s', (got, expected) => expect(got).toBe(expected));

  it('grad_fn wins over requires_grad (never both)', () => {
    expect(t([1], [], { gradFn: 'MulBackward0', requiresGrad: true })).toBe('tensor(1., grad_fn=<MulBackward0>)');
  });
});

describe('formatTensor: layout', () => {
  it('2-d and 3-d', () => {
    expect(t([1.5, -2, 3, 40], [2, 2])).toBe('tensor([[ 1.5000, -2.0000],\n        [ 3.0000, 40.0000]])');
    expect(t([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2])).toBe(
      'tensor([[[1., 2.],\n         [3., 4.]],\n\n        [[5., 6.],\n         [7., 8.]]])',
    );
    expect(t([-1e-5, 1, 2, 3], [2, 2], { requiresGrad: true })).toBe(
      'tensor([[-1.0000e-05,  1.0000e+00],\n        [ 2.0000e+00,  3.0000e+00]], requires_grad=True)',
    );
  });

  it('wraps 1-d runs at floor((80 - indent) / (width + 2)) elements', () => {
    expect(t(range(30))).toBe(
      'tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n' +
        '        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n' +
        '        28., 29.])',
    );
    expect(t(range(30).map((i) => Math.fround(i) / 7), [3, 10]).split('\n').slice(0, 3).join('\n')).toBe(
      'tensor([[0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n' +
        '         1.2857],\n' +
        '        [1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286, 2.5714,',
    );
    expect(t(range(25).map((i) => i * 1.5))).toBe(
      'tensor([ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n' +
        '        12.0000, 13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000,\n' +
        '        24.0000, 25.5000, 27.0000, 28.5000, 30.0000, 31.5000, 33.0000, 34.5000,\n' +
        '        36.0000])',
    );
    expect(t(range(12).map((i) => i / 7), [2, 6])).toBe(
      'tensor([[0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143],\n' +
        '        [0.8571, 1.0000, 1.1429, 1.2857, 1.4286, 1.5714]])',
    );
    expect(typed(range(40), [2, 20], 'int64')).toBe(
      'tensor([[ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n' +
        '         18, 19],\n' +
        '        [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37,\n' +
        '         38, 39]])',
    );
    expect(t(range(21).map((i) => -2.5 + i * 0.25))).toBe(
      'tensor([-2.5000, -2.2500, -2.0000, -1.7500, -1.5000, -1.2500, -1.0000, -0.7500,\n' +
        '        -0.5000, -0.2500,  0.0000,  0.2500,  0.5000,  0.7500,  1.0000,  1.2500,\n' +
        '         1.5000,  1.7500,  2.0000,  2.2500,  2.5000])',
    );
    expect(t(range(20).map((i) => i - 10))).toBe(
      'tensor([-10.,  -9.,  -8.,  -7.,  -6.,  -5.,  -4.,  -3.,  -2.,  -1.,   0.,   1.,\n' +
        '          2.,   3.,   4.,   5.,   6.,   7.,   8.,   9.])',
    );
  });

  it('wraps a suffix when len(last line) + len(suffix) + 4 > 80', () => {
    expect(t(new Array<number>(14).fill(0.5), [2, 7], { gradFn: 'MulBackward0' })).toBe(
      'tensor([[0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000],\n' +
        '        [0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000]],\n' +
        '       grad_fn=<MulBackward0>)',
    );
    expect(t(new Array<number>(16).fill(0.25), [16], { gradFn: 'MulBackward0' })).toBe(
      'tensor([0.2500, 0.2500, 0.2500, 0.2500, 0.2500, 0.2500, 0.2500, 0.2500, 0.2500,\n' +
        '        0.2500, 0.2500, 0.2500, 0.2500, 0.2500, 0.2500, 0.2500],\n' +
        '       grad_fn=<MulBackward0>)',
    );
    const halves = (n: number): string => t(range(n).map((i) => i + 0.5), [n], { requiresGrad: true });
    expect(halves(6)).toBe('tensor([0.5000, 1.5000, 2.5000, 3.5000, 4.5000, 5.5000], requires_grad=True)');
    expect(halves(6)).toHaveLength(76);
    expect(halves(7)).toBe(
      'tensor([0.5000, 1.5000, 2.5000, 3.5000, 4.5000, 5.5000, 6.5000],\n       requires_grad=True)',
    );
    expect(halves(10)).toBe(
      'tensor([0.5000, 1.5000, 2.5000, 3.5000, 4.5000, 5.5000, 6.5000, 7.5000, 8.5000,\n' +
        '        9.5000], requires_grad=True)',
    );
  });
});

describe('formatTensor: summarization (numel > 1000)', () => {
  it('1-d', () => {
    expect(t(range(1001))).toBe('tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.])');
    expect(t(range(1500))).toBe(
      'tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.4970e+03, 1.4980e+03,\n        1.4990e+03])',
    );
    expect(t(new Array<number>(1001).fill(1))).toBe('tensor([1., 1., 1.,  ..., 1., 1., 1.])');
    expect(t(range(2001).map((i) => i * 0.25))).toBe(
      'tensor([0.0000e+00, 2.5000e-01, 5.0000e-01,  ..., 4.9950e+02, 4.9975e+02,\n        5.0000e+02])',
    );
  });

  it('exactly 1000 elements are not summarized', () => {
    const s = t(range(1000));
    expect(s.startsWith('tensor([  0.,   1.,   2.,   3.,')).toBe(true);
    expect(s.endsWith('        996., 997., 998., 999.])')).toBe(true);
    expect(s).not.toContain('...');
  });

  it('2-d: widths come from the summarized data only', () => {
    expect(t(range(2000), [40, 50])).toBe(
      [
        'tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 4.7000e+01, 4.8000e+01,',
        '         4.9000e+01],',
        '        [5.0000e+01, 5.1000e+01, 5.2000e+01,  ..., 9.7000e+01, 9.8000e+01,',
        '         9.9000e+01],',
        '        [1.0000e+02, 1.0100e+02, 1.0200e+02,  ..., 1.4700e+02, 1.4800e+02,',
        '         1.4900e+02],',
        '        ...,',
        '        [1.8500e+03, 1.8510e+03, 1.8520e+03,  ..., 1.8970e+03, 1.8980e+03,',
        '         1.8990e+03],',
        '        [1.9000e+03, 1.9010e+03, 1.9020e+03,  ..., 1.9470e+03, 1.9480e+03,',
        '         1.9490e+03],',
        '        [1.9500e+03, 1.9510e+03, 1.9520e+03,  ..., 1.9970e+03, 1.9980e+03,',
        '         1.9990e+03]])',
      ].join('\n'),
    );
    expect(typed(range(1200), [40, 30], 'int64')).toBe(
      [
        'tensor([[   0,    1,    2,  ...,   27,   28,   29],',
        '        [  30,   31,   32,  ...,   57,   58,   59],',
        '        [  60,   61,   62,  ...,   87,   88,   89],',
        '        ...,',
        '        [1110, 1111, 1112,  ..., 1137, 1138, 1139],',
        '        [1140, 1141, 1142,  ..., 1167, 1168, 1169],',
        '        [1170, 1171, 1172,  ..., 1197, 1198, 1199]])',
      ].join('\n'),
    );
  });
});

describe('formatTensor: conformance print_* cases', () => {
  const cases: [string, string][] = [
    // print_float_decimals
    [t([0.5, 0.25, 0.125]), 'tensor([0.5000, 0.2500, 0.1250])'],
    [t([1.1, -2.2, 3.3]), 'tensor([ 1.1000, -2.2000,  3.3000])'],
    [t([0.1, -0.2, 10.5, 100.25], [2, 2]), 'tensor([[ 1.0000e-01, -2.0000e-01],\n        [ 1.0500e+01,  1.0025e+02]])'],
    [t([1 / 3, 2 / 3]), 'tensor([0.3333, 0.6667])'],
    [t([0.03125, 0.5]), 'tensor([0.0312, 0.5000])'],
    [t([2.71875, -0.15625]), 'tensor([ 2.7188, -0.1562])'],
    [t([-123.456, 0.001]), 'tensor([-1.2346e+02,  1.0000e-03])'],
    [t([-1.5, 22.75, -333.125], [3, 1]), 'tensor([[  -1.5000],\n        [  22.7500],\n        [-333.1250]])'],
    [t([0.999949], []), 'tensor(0.9999)'],
    [t([0.99995], []), 'tensor(0.9999)'],
    // print_float_int_valued
    [t([1, -2, 30, 4], [2, 2]), 'tensor([[ 1., -2.],\n        [30.,  4.]])'],
    [t([-1, -20, 300]), 'tensor([ -1., -20., 300.])'],
    [t([1, 1, 1, 1, 1, 1], [2, 3]), 'tensor([[1., 1., 1.],\n        [1., 1., 1.]])'],
    [t([0, 0, 0]), 'tensor([0., 0., 0.])'],
    [t([99999, 100]), 'tensor([99999.,   100.])'],
    [t([100001, 100]), 'tensor([1.0000e+05, 1.0000e+02])'],
    [t([24, -14]), 'tensor([ 24., -14.])'],
    // print_sci_switch
    [t([0.0001, 0.5]), 'tensor([1.0000e-04, 5.0000e-01])'],
    [t([0.00012, 0.5]), 'tensor([1.2000e-04, 5.0000e-01])'],
    [t([123456, 1]), 'tensor([1.2346e+05, 1.0000e+00])'],
    [t([0.001, 2]), 'tensor([1.0000e-03, 2.0000e+00])'],
    [t([0.002, 2]), 'tensor([0.0020, 2.0000])'],
    [t([1e-3, 5e-2, 2.5, -0.75], [2, 2]), 'tensor([[ 1.0000e-03,  5.0000e-02],\n        [ 2.5000e+00, -7.5000e-01]])'],
    [t([1e9], []), 'tensor(1.0000e+09)'],
    [t([150000000, 2.5]), 'tensor([1.5000e+08, 2.5000e+00])'],
    [t([0, 0.00003]), 'tensor([0.0000e+00, 3.0000e-05])'],
    // print_extreme_magnitudes
    [t([1e10, 3e20, -7e30]), 'tensor([ 1.0000e+10,  3.0000e+20, -7.0000e+30])'],
    [t([1e-10, 2.5e-20, -4e-30]), 'tensor([ 1.0000e-10,  2.5000e-20, -4.0000e-30])'],
    [t([1, 7.5, 28]), 'tensor([ 1.0000,  7.5000, 28.0000])'],
    [t([Inf]), 'tensor([inf])'],
    [t([0]), 'tensor([0.])'],
    [t([123456789], []), 'tensor(1.2346e+08)'],
    [t([1e8, 2e8, 3e8]), 'tensor([1.0000e+08, 2.0000e+08, 3.0000e+08])'],
    [t([6e6], [], { gradFn: 'SumBackward0' }), 'tensor(6000000., grad_fn=<SumBackward0>)'],
    [t([1e6, 1e6]), 'tensor([1000000., 1000000.])'],
    // print_nan_inf
    [t([Inf, -Inf, NaN_]), 'tensor([inf, -inf, nan])'],
    [t([NaN_, 1.5, -2]), 'tensor([    nan,  1.5000, -2.0000])'],
    [t([Inf, 2, 3]), 'tensor([inf, 2., 3.])'],
    [t([-Inf, 0, Math.log(2)]), 'tensor([  -inf, 0.0000, 0.6931])'],
    [t([NaN_, 2]), 'tensor([nan, 2.])'],
    [t([NaN_], []), 'tensor(nan)'],
    [t([Inf, 0.25]), 'tensor([   inf, 0.2500])'],
    [t([-Inf, 1e-5]), 'tensor([      -inf, 1.0000e-05])'],
    // print_negative_zero
    [t([-0, -0, -0]), 'tensor([-0., -0., -0.])'],
    [t([-0, 1.5]), 'tensor([-0.0000, 1.5000])'],
    [t([0, -0]), 'tensor([0., -0.])'],
    [t([0], [], { gradFn: 'SumBackward0' }), 'tensor(0., grad_fn=<SumBackward0>)'],
    // print_zero_dim
    [t([-2.5], [], { requiresGrad: true }), 'tensor(-2.5000, requires_grad=True)'],
    [t([-7.5], [], { gradFn: 'MulBackward0' }), 'tensor(-7.5000, grad_fn=<MulBackward0>)'],
    [t([0.125], []), 'tensor(0.1250)'],
    // print_float64
    [typed([0.1, 0.2], [2], 'float64'), 'tensor([0.1000, 0.2000], dtype=torch.float64)'],
    [typed([3, 6], [2], 'float64', { gradFn: 'MulBackward0' }), 'tensor([3., 6.], dtype=torch.float64, grad_fn=<MulBackward0>)'],
    [typed([5], [], 'float64', { gradFn: 'SumBackward0' }), 'tensor(5., dtype=torch.float64, grad_fn=<SumBackward0>)'],
    [typed([2.5], [], 'float64'), 'tensor(2.5000, dtype=torch.float64)'],
    [typed([1e-7, 1], [2], 'float64'), 'tensor([1.0000e-07, 1.0000e+00], dtype=torch.float64)'],
    // print_int64
    [typed([1, 2, -3], [3], 'int64'), 'tensor([ 1,  2, -3])'],
    [typed([0], [], 'int64'), 'tensor(0)'],
    [typed([10, -200, 3, 4000], [2, 2], 'int64'), 'tensor([[  10, -200],\n        [   3, 4000]])'],
    [typed(range(6), [2, 3], 'int64'), 'tensor([[0, 1, 2],\n        [3, 4, 5]])'],
    [typed([42], [], 'int64'), 'tensor(42)'],
    [typed([123456789, 0], [2], 'int64'), 'tensor([123456789,         0])'],
    // print_bool
    [typed([0, 0, 1, 1], [4], 'bool'), 'tensor([False, False,  True,  True])'],
    [typed([1, 0, 1, 1], [2, 2], 'bool'), 'tensor([[ True, False],\n        [ True,  True]])'],
    [typed([1], [], 'bool'), 'tensor(True)'],
    [typed([0], [1], 'bool'), 'tensor([False])'],
  ];
  it.each(cases)('%s', (got, expected) => expect(got).toBe(expected));

  it('empty tensors', () => {
    expect(typed([], [0], 'float64')).toBe('tensor([], dtype=torch.float64)');
    expect(typed([], [2, 0], 'int64', { requiresGrad: false })).toBe('tensor([], size=(2, 0), dtype=torch.int64)');
    expect(typed([], [0], 'float32', { requiresGrad: true })).toBe('tensor([], requires_grad=True)');
  });
});

describe('exact decimal formatting', () => {
  it('rounds ties to even on the exact binary value', () => {
    expect(toFixedExact(0.03125, 4)).toBe('0.0312');
    expect(toFixedExact(0.09375, 4)).toBe('0.0938');
    expect(toFixedExact(2.5, 0)).toBe('2');
    expect(toFixedExact(3.5, 0)).toBe('4');
    expect(toFixedExact(-0.5, 0)).toBe('-0');
    expect(toFixedExact(Math.fround(12345.678), 4)).toBe('12345.6777');
    expect(toFixedExact(2.675, 2)).toBe('2.67'); // 2.675 is just below the tie
    expect(toExponentialExact(1.03125, 4)).toBe('1.0312e+00');
    expect(toExponentialExact(9.99995, 4)).toBe('1.0000e+01');
  });

  it("uses Python's layout", () => {
    expect(toExponentialExact(Math.fround(1e-5), 4)).toBe('1.0000e-05');
    expect(toExponentialExact(0, 4)).toBe('0.0000e+00');
    expect(toExponentialExact(-0, 4)).toBe('-0.0000e+00');
    expect(toExponentialExact(1e300, 2)).toBe('1.00e+300');
    expect(toExponentialExact(5e-324, 3)).toBe('4.941e-324');
    expect(toFixedExact(1e22, 1)).toBe('10000000000000000000000.0');
    expect(toFixedExact(0.1, 30)).toBe('0.100000000000000005551115123126');
    expect(toFixedExact(-Inf, 4)).toBe('-inf');
    expect(toFixedExact(NaN_, 4)).toBe('nan');
  });
});

describe('formatSize / formatDType', () => {
  it('prints like torch', () => {
    expect(formatSize([2, 3])).toBe('torch.Size([2, 3])');
    expect(formatSize([2001])).toBe('torch.Size([2001])');
    expect(formatSize([])).toBe('torch.Size([])');
    expect(formatDType('float32')).toBe('torch.float32');
    expect(formatDType('bool')).toBe('torch.bool');
  });
});
