import { describe, it, expect } from 'vitest';
import { pyFloatRepr, pyFormat, pyIntStr, pyRound } from '../src/program/pyformat.js';
import { PyError } from '../src/tensor/errors.js';

// Expected strings are CPython 3.11 output (print_python_values.out,
// fstrings.out, and the interpreter itself).

describe('pyFloatRepr', () => {
  const cases: [number, string][] = [
    // print_python_values.out
    [1e16, '1e+16'],
    [1e-5, '1e-05'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1 / 3, '0.3333333333333333'],
    [2.0, '2.0'],
    [-0.0, '-0.0'],
    [Number.POSITIVE_INFINITY, 'inf'],
    [Number.NEGATIVE_INFINITY, '-inf'],
    [Number.NaN, 'nan'],
    [0.5 + 1.0, '1.5'],
    [1e-3, '0.001'],
    [2.5e2, '250.0'],
    [7, '7.0'],
    [3.14, '3.14'],
    [Math.PI, '3.141592653589793'],
    [Math.E, '2.718281828459045'],
    [4.0, '4.0'],
    [2.5, '2.5'],
    // fstrings.out / print_zero_dim.out / print_float64.out
    [6.25, '6.25'],
    [3.0, '3.0'],
    [-4.0, '-4.0'],
    [-7.5, '-7.5'],
    [0.2, '0.2'],
    [0.4, '0.4'],
    // layout boundaries: exponent form when the exponent is < -4 or >= 16
    [5.0, '5.0'],
    [1e15, '1000000000000000.0'],
    [1e-4, '0.0001'],
    [123456789012345680.0, '1.2345678901234568e+17'],
    [1.5e300, '1.5e+300'],
    [2.5e-300, '2.5e-300'],
    [1e22, '1e+22'],
    [5e-324, '5e-324'],
    [0, '0.0'],
  ];
  it.each(cases)('repr(%s) = %s', (x, expected) => expect(pyFloatRepr(x)).toBe(expected));

  it('float32 values widened to double show all their digits', () => {
    expect(pyFloatRepr(Math.fround(0.1))).toBe('0.10000000149011612');
    expect(pyFloatRepr(Math.fround(1.5))).toBe('1.5');
  });
});

describe('pyIntStr', () => {
  it('prints ints exactly', () => {
    expect(pyIntStr(5)).toBe('5');
    expect(pyIntStr(-7)).toBe('-7');
    expect(pyIntStr(1e21)).toBe('1000000000000000000000');
  });
});

describe('pyFormat: floats', () => {
  const cases: [number, string, string][] = [
    // fstrings.out: f"loss={y.item():.4f}"
    [6.25, '.4f', '6.2500'],
    [3.14159, '8.3f', '   3.142'],
    [-2.5, '8.3f', '  -2.500'],
    [1234567.891, '8.3f', '1234567.891'],
    [-2.5, '>6', '  -2.5'],
    [3.14159, '>6', '3.14159'],
    [3.14159, '+.2f', '+3.14'],
    [-7, '+.2f', '-7.00'],
    [3.14159, ' .1f', ' 3.1'],
    [6.25, '.1f', '6.2'], // tie to even on the exact value
    [-2.5, '.0f', '-2'],
    [1234567.891, '.0f', '1234568'],
    [1.2345e-5, '.4f', '0.0000'],
    [3.14159, '.2e', '3.14e+00'],
    [1.2345e-5, '.2e', '1.23e-05'],
    [-7, 'e', '-7.000000e+00'],
    [3.14159, 'g', '3.14159'],
    [1234567.891, 'g', '1.23457e+06'],
    [42, '.3g', '42'],
    [1234567.891, '.10g', '1234567.891'],
    [3.14159, '.3', '3.14'],
    [1234567.891, '.3', '1.23e+06'],
    [100.0, '.3', '1e+02'], // the no-type form goes to exponent one digit sooner than 'g'
    [10.0, '.3', '10.0'],
    [100.0, '.3g', '100'],
    [3.14159, '', '3.14159'],
    [1e16, '', '1e+16'],
    [-2.5, '08.2f', '-0002.50'],
    [3.14159, '^9.1f', '   3.1   '],
    [-2.5, '<8', '-2.5    '],
    [3.14159, '*>10', '***3.14159'],
    [3.14159, '%', '314.159000%'],
    [1.2345e-5, '.1%', '0.0%'],
    [1234567.891, ',', '1,234,567.891'],
    [1.5, '07,.1f', '0,001.5'],
    [Number.NaN, '.4f', 'nan'],
    [Number.NEGATIVE_INFINITY, '8.2f', '    -inf'],
    [Number.POSITIVE_INFINITY, 'F', 'INF'],
    [-0.0, '.2f', '-0.00'],
    [-0.001, 'z.1f', '0.0'],
    [1.0, '#g', '1.00000'],
  ];
  it.each(cases)('format(%s, %j) = %j', (x, spec, expected) => expect(pyFormat(x, false, spec)).toBe(expected));

  it('rejects int-only codes like Python', () => {
    expect(() => pyFormat(3.5, false, 'd')).toThrow("Unknown format code 'd' for object of type 'float'");
    expect(() => pyFormat(3.5, false, 'x')).toThrow(PyError);
    expect(() => pyFormat(3.5, false, 's')).toThrow("Unknown format code 's' for object of type 'float'");
    expect(() => pyFormat(3, true, 's')).toThrow("Unknown format code 's' for object of type 'int'");
    expect(() => pyFormat(3.5, false, '.f.')).toThrow('Invalid format specifier');
  });
});

describe('pyFormat: ints', () => {
  const cases: [number, string, string][] = [
    [42, '', '42'],
    [42, 'd', '42'],
    [42, '5d', '   42'],
    [-7, '5d', '   -7'],
    [42, '>6', '    42'],
    [42, '<8', '42      '],
    [-255, '+d', '-255'],
    [7, '+d', '+7'],
    [42, '08d', '00000042'],
    [1234567, ',', '1,234,567'],
    [1, '+08,d', '+000,001'],
    [42, 'x', '2a'],
    [-7, '#x', '-0x7'],
    [255, '#X', '0XFF'],
    [5, 'b', '101'],
    [42, '.4f', '42.0000'], // float codes convert the int
    [42, '.2e', '4.20e+01'],
    [42, '.3g', '42'],
    [65, 'c', 'A'],
    [2 ** 53, 'd', '9007199254740992'],
  ];
  it.each(cases)('format(%s, %j) = %j', (x, spec, expected) => expect(pyFormat(x, true, spec)).toBe(expected));

  it('rejects a precision', () => {
    expect(() => pyFormat(42, true, '.3')).toThrow('Precision not allowed in integer format specifier');
  });
});

describe('pyRound', () => {
  it('rounds to an int, ties to even', () => {
    expect(pyRound(2.5)).toBe(2);
    expect(pyRound(3.5)).toBe(4);
    expect(pyRound(-2.5)).toBe(-2);
    expect(pyRound(0.5)).toBe(0);
    expect(Object.is(pyRound(-0.4), 0)).toBe(true); // Python ints have no -0
    expect(pyRound(-2.7)).toBe(-3);
    expect(pyRound(1e300)).toBe(1e300);
  });

  it('rounds to ndigits on the exact binary value', () => {
    expect(pyRound(3.14159, 2)).toBe(3.14);
    expect(pyRound(2.675, 2)).toBe(2.67); // 2.675 is stored just below the tie
    expect(pyRound(0.125, 2)).toBe(0.12);
    expect(pyRound(0.375, 2)).toBe(0.38);
    expect(pyRound(1.5, 0)).toBe(2.0);
    expect(Object.is(pyRound(-0.4, 0), -0)).toBe(true);
    expect(pyRound(1234.5678, -2)).toBe(1200);
    expect(pyRound(1250.0, -2)).toBe(1200);
    expect(pyRound(1350, -2)).toBe(1400);
    expect(pyRound(5e-324, 400)).toBe(5e-324);
    expect(pyRound(1e300, -310)).toBe(0);
    expect(pyRound(Number.POSITIVE_INFINITY, 2)).toBe(Number.POSITIVE_INFINITY);
  });

  it('raises like Python for nan and inf without ndigits', () => {
    expect(() => pyRound(Number.NaN)).toThrow('cannot convert float NaN to integer');
    expect(() => pyRound(Number.NEGATIVE_INFINITY)).toThrow('cannot convert float infinity to integer');
  });
});
