/**
 * dzdx's random numbers against PyTorch 1.13 and numpy 1.24, without them:
 * test/random/*.json hold, per case (function, dtype, size, layout), a hash
 * over 50 seeds of the values and of the generator state after the call,
 * recorded by tools/record-random.py (whose --compare mode runs both sides
 * where PyTorch is installed).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { glibcCos, glibcLog, glibcSin } from '../src/random/libm.js';
import { hashNumpyCase, hashTorchCase, type NumpyCase, type TorchCase } from './helpers/random-cases.js';

type Recorded<C> = { seeds: (string | number)[]; cases: (C & { hash: string; first: string[] })[] };
const load = <C>(name: string) => JSON.parse(readFileSync(`test/random/${name}`, 'utf8')) as Recorded<C>;

const torch = load<TorchCase>('torch-random.json');
const numpy = load<NumpyCase>('numpy-random.json');

describe('PyTorch 1.13 random numbers (50 seeds per case)', () => {
  const seeds = torch.seeds.map((s) => BigInt(s));
  it('covers every function, size and dtype', () => {
    expect(seeds).toHaveLength(50);
    expect(torch.cases.length).toBeGreaterThan(800);
  });
  const groups = new Map<string, typeof torch.cases>();
  for (const c of torch.cases) groups.set(c.fn, [...(groups.get(c.fn) ?? []), c]);
  for (const [fn, cases] of groups) {
    it(fn, () => {
      for (const c of cases) {
        const ours = hashTorchCase(c, seeds);
        expect({ id: c.id, hash: ours.hash, first: ours.first }).toEqual({ id: c.id, hash: c.hash, first: c.first });
      }
    });
  }
});

describe('numpy 1.24 legacy RandomState (50 seeds per case)', () => {
  const seeds = numpy.seeds as number[];
  for (const c of numpy.cases) {
    it(c.id, () => {
      const ours = hashNumpyCase(c, seeds);
      expect({ hash: ours.hash, first: ours.first }).toEqual({ hash: c.hash, first: c.first });
    });
  }
});

describe("glibc's log, sin and cos, where they are not correctly rounded", () => {
  // Inputs whose glibc 2.36 result (x86-64, FMA variants) differs from the correctly
  // rounded one, and from JavaScript's Math: found by comparing with mpmath.
  const cases: [(x: number) => number, string, string][] = [
    [glibcLog, '0x1.a014514667d18p-1', '-0x1.a8dacff2fc51fp-3'],
    [glibcLog, '0x1.23f520505ac56p-2', '-0x1.413ebba163fe9p+0'],
    [glibcLog, '0x1.cf1b702a0c069p-1', '-0x1.9b197daf22eb2p-4'],
    [glibcSin, '0x1.c1b3b145e1c8fp+1', '-0x1.73eb8d0adbaacp-2'],
    [glibcSin, '0x1.3ca32b17a198ap+1', '0x1.3d1627f350308p-1'],
    [glibcCos, '0x1.0f28df6914254p-2', '0x1.ee2751733a5ccp-1'],
    [glibcCos, '0x1.66320f77576bdp+0', '0x1.5db4544626420p-3'],
    [glibcCos, '0x1.2543ab53070bep+2', '-0x1.09c32bcf3c3d4p-3'],
  ];
  const fromHex = (h: string) => {
    const m = /^(-?)0x([01])\.([0-9a-f]+)p([+-]\d+)$/.exec(h)!;
    const v = (Number(m[2]) + parseInt(m[3]!, 16) / 16 ** m[3]!.length) * 2 ** Number(m[4]);
    return m[1] ? -v : v;
  };
  it.each(cases)('%o(%s) = %s', (f, x, y) => expect(f(fromHex(x))).toBe(fromHex(y)));
});

describe('fused multiply-add emulation against exact arithmetic', () => {
  /** x as m * 2^e with an integer m. */
  const decompose = (x: number): [bigint, number] => {
    const bits = new BigUint64Array(new Float64Array([x]).buffer)[0]!;
    const exponent = Number((bits >> 52n) & 0x7ffn);
    let m = bits & ((1n << 52n) - 1n);
    if (exponent !== 0) m |= 1n << 52n;
    return [x < 0 ? -m : m, (exponent === 0 ? 1 : exponent) - 1075];
  };
  /** a * b + c rounded once to `precision` bits (to nearest, ties to even). */
  const exact = (a: number, b: number, c: number, precision: number): number => {
    const [ma, ea] = decompose(a);
    const [mb, eb] = decompose(b);
    const [mc, ec] = decompose(c);
    const e = Math.min(ea + eb, ec);
    const s = ((ma * mb) << BigInt(ea + eb - e)) + (mc << BigInt(ec - e));
    if (s === 0n) return 0;
    const mag = s < 0n ? -s : s;
    const shift = mag.toString(2).length - precision;
    if (shift <= 0) return Number(s) * 2 ** e;
    let q = mag >> BigInt(shift);
    const rest = mag - (q << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    if (rest > half || (rest === half && (q & 1n) === 1n)) q += 1n;
    return (s < 0n ? -1 : 1) * Number(q) * 2 ** (e + shift);
  };
  let state = 12345;
  const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5) * 2 ** ((state % 40) - 20);

  it('fma (double) on 20,000 triples, including near-cancelling ones', async () => {
    const { fma } = await import('../src/random/libm.js');
    for (let i = 0; i < 20_000; i++) {
      const a = next();
      const b = next();
      const c = i % 3 === 0 ? -a * b * (1 + next() * 1e-12) : next();
      expect(fma(a, b, c)).toBe(exact(a, b, c, 53));
    }
  });

  it('fma32 (float) on 20,000 triples, including exact halfway sums', async () => {
    const { fma32 } = await import('../src/random/avx-mathfun.js');
    const f = Math.fround;
    for (let i = 0; i < 20_000; i++) {
      const a = f(next());
      const b = f(next());
      const c = i % 4 === 0 ? f(-a * b) : i % 4 === 1 ? f(a * b) * (1 + 2 ** -24) : f(next());
      expect(fma32(a, b, f(c))).toBe(exact(a, b, f(c), 24));
    }
  });
});
