/**
 * Count, per dataset, the results of dzdx's float kernels that differ in
 * any bit from PyTorch's. Run tools/measure-float-bits.py --dump DIR first
 * (where PyTorch is installed), then: npx tsx tools/measure-float-bits.ts DIR
 * Without DIR it compares chunk hashes only (what the vitest does).
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { chunkHashes, compute, computeOp, datasetInputs, opHash, resultWords, type FloatDType, type Recording } from '../test/helpers/float-bits.js';

const dir = process.argv[2];
const root = join(import.meta.dirname, '..', 'test', 'fixtures', 'float-bits');
const verbose = process.argv.includes('--show');

for (const dtype of ['float32', 'float64'] as FloatDType[]) {
  // a partial record (the tool's --only) lies beside its dumps
  const recordDir = dir && existsSync(join(dir, `${dtype}.json`)) ? dir : root;
  const rec = JSON.parse(readFileSync(join(recordDir, `${dtype}.json`), 'utf8')) as Recording;
  for (const [name, ds] of Object.entries(rec.datasets)) {
    const t0 = performance.now();
    const ours = compute(rec, ds, dtype);
    const ms = performance.now() - t0;
    if (ours === null) {
      console.log(`${dtype} ${name.padEnd(22)} no kernel`);
      continue;
    }
    const words = resultWords(ours);
    const per = dtype === 'float32' ? 1 : 2;
    const hashes = chunkHashes(words, rec.chunk, per);
    const badChunks = hashes.filter((h, i) => h !== ds.hashes[i]).length;
    let line = `${dtype} ${name.padEnd(22)} chunks differing ${badChunks}/${hashes.length}`;
    const file = dir ? join(dir, `${dtype}.${name}.bin`) : '';
    if (dir && existsSync(file)) {
      const buf = readFileSync(file);
      const theirs = new Uint32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      const inputs = datasetInputs(rec, ds, dtype);
      let diff = 0;
      const n = ours.length;
      for (let i = 0; i < n; i++) {
        let same = words[i * per] === theirs[i * per];
        if (per === 2) same &&= words[i * per + 1] === theirs[i * per + 1];
        if (!same) {
          diff++;
          if (verbose && diff <= 5) {
            const t = per === 1 ? new Float32Array(theirs.buffer, theirs.byteOffset + 4 * i, 1)[0] : new Float64Array(theirs.slice(2 * i, 2 * i + 2).buffer)[0];
            console.log(`   i=${i} x=${inputs.map((c) => c[i]).join(',')} torch=${t} ours=${ours[i]}`);
          }
        }
      }
      line += `, values differing ${diff}/${n}`;
    }
    console.log(`${line} (${ms.toFixed(0)} ms)`);
  }
}

// Factories, reductions, matrix products and ops with their backward: per case, whether the hash
// matches, and with dumps, the first differing values.
for (const dtype of ['float32', 'float64'] as FloatDType[]) {
  const recordDir = dir && existsSync(join(dir, `${dtype}.json`)) ? dir : root;
  const rec = JSON.parse(readFileSync(join(recordDir, `${dtype}.json`), 'utf8')) as Recording;
  let wrong = 0;
  rec.ops.forEach((c, index) => {
    const ours = computeOp(c, dtype);
    if (ours.numel === c.numel && opHash(ours) === c.hash) return;
    wrong++;
    let line = `${dtype} op ${index} ${c.kind} ${JSON.stringify(c['args'] ?? c['dims'] ?? null)} ${JSON.stringify((c['inputs'] as { shape: number[]; layout: string }[] | undefined)?.map((i) => [i.shape, i.layout]) ?? c['shape'] ?? '')}`;
    const file = dir ? join(dir, `${dtype}.op${index}.bin`) : '';
    if (file && existsSync(file)) {
      const buf = readFileSync(file);
      const per = dtype === 'float32' ? 1 : 2;
      const theirs = new Uint32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      const values = ours.values();
      const typed = dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
      const words = resultWords(typed);
      const asValue = (w: Uint32Array, i: number) => (per === 1 ? new Float32Array(w.slice(i, i + 1).buffer)[0] : new Float64Array(w.slice(2 * i, 2 * i + 2).buffer)[0]);
      const differing: string[] = [];
      for (let i = 0; i < values.length; i++) {
        const same = words[i * per] === theirs[i * per] && (per === 1 || words[i * per + 1] === theirs[i * per + 1]);
        if (!same && differing.length < (verbose ? 4 : 1)) differing.push(`[${i}] torch=${asValue(theirs, i)} ours=${typed[i]}`);
      }
      line += ` numel ${values.length}/${theirs.length / per} ${differing.join(' ')}`;
    }
    console.log(line);
  });
  console.log(`${dtype}: ${rec.ops.length - wrong} of ${rec.ops.length} op cases equal`);
}
