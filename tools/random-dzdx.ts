/**
 * dzdx's side of `tools/record-random.py --compare`: reads the cases and
 * seeds as JSON on stdin, prints for every case its per-seed hashes and
 * seed 0's first values as JSON on stdout.
 * usage: npx tsx tools/random-dzdx.ts < request.json
 */
import { readFileSync } from 'node:fs';
import { hashNumpyCase, hashTorchCase, type NumpyCase, type TorchCase } from '../test/helpers/random-cases.js';

const request = JSON.parse(readFileSync(0, 'utf8')) as {
  torchSeeds: string[];
  numpySeeds: number[];
  torch: TorchCase[];
  numpy: NumpyCase[];
};
const seeds = request.torchSeeds.map((s) => BigInt(s));
const out = { torch: {} as Record<string, unknown>, numpy: {} as Record<string, unknown> };
for (const c of request.torch) out.torch[c.id] = hashTorchCase(c, seeds);
for (const c of request.numpy) out.numpy[c.id] = hashNumpyCase(c, request.numpySeeds);
process.stdout.write(JSON.stringify(out));
