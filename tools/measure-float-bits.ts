/**
 * Count, per dataset, the results of dzdx's float kernels that differ in
 * any bit from PyTorch's. Run tools/measure-float-bits.py --dump DIR first
 * (where PyTorch is installed), then: npx tsx tools/measure-float-bits.ts DIR
 * Without DIR it compares chunk hashes only (what the vitest does).
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { chunkHashes, compute, datasetInputs, resultWords, type FloatDType, type Recording } from '../test/helpers/float-bits.js';

const dir = process.argv[2];
const root = join(import.meta.dirname, '..', 'test', 'fixtures', 'float-bits');
const verbose = process.argv.includes('--show');

for (const dtype of ['float32', 'float64'] as FloatDType[]) {
  const rec = JSON.parse(readFileSync(join(root, `${dtype}.json`), 'utf8')) as Recording;
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
