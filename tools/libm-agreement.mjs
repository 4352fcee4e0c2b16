// How often dzdx's math functions (src/program/libm.ts) and V8's Math agree with CPython's
// (glibc) on the samples of tools/libm-samples.py: mismatches / samples per function.
import { readFileSync } from 'node:fs';
const { libm, correctlyRounded } = await import('../dist/src/program/libm.js');
const lines = readFileSync('/tmp/dzdx-libm-samples.txt', 'utf8').trim().split('\n');
const xs = lines[0].split(' ').map(Number);
const rows = Object.fromEntries(lines.slice(1).map((l) => { const [k, ...v] = l.split(' '); return [k, v]; }));
const same = (a, b) => b === 'E' ? true : (Object.is(a, Number(b)) || (Number.isNaN(a) && b === 'nan'));
for (const [name, vals] of Object.entries(rows)) {
  if (name.startsWith('POW') || name.startsWith('AT2')) continue;
  let diff = 0, n = 0, ex = [];
  if (name === 'pow') {
    const px = rows.POWX.map(Number), py = rows.POWY.map(Number);
    px.forEach((x, i) => { n++; const r = libm.pow(x, py[i]); if (!same(r, vals[i])) { diff++; if (ex.length < 3) ex.push(`${x}**${py[i]}: ${r} vs ${vals[i]}`); } });
  } else if (name === 'atan2') {
    const ay = rows.AT2Y.map(Number), ax = rows.AT2X.map(Number);
    ay.forEach((y, i) => { n++; const r = libm.atan2(y, ax[i]); if (!same(r, vals[i])) { diff++; if (ex.length < 3) ex.push(`${y},${ax[i]}: ${r} vs ${vals[i]}`); } });
  } else {
    const f = name === 'sqrt' ? Math.sqrt : libm[name];
    xs.forEach((x, i) => { if (vals[i] === 'E') return; n++; const r = f(x); if (!same(r, vals[i])) { diff++; if (ex.length < 3) ex.push(`${x}: ${r} vs ${vals[i]}`); } });
  }
  console.log(name.padEnd(7), String(diff).padStart(5), '/', n, ex.join(' | '));
}
console.log('--- V8 Math ---');
for (const [name, vals] of Object.entries(rows)) {
  if (name.startsWith('POW') || name.startsWith('AT2') || name === 'pow' || name === 'atan2' || !Math[name]) continue;
  let diff = 0, n = 0;
  xs.forEach((x, i) => { if (vals[i] === 'E') return; n++; if (!same(Math[name](x), vals[i])) diff++; });
  console.log(name.padEnd(7), String(diff).padStart(5), '/', n);
}
