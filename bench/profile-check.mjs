// Runs check() of one benchmark case repeatedly, for `node --cpu-prof`:
//
//   node --cpu-prof --cpu-prof-dir=DIR bench/profile-check.mjs FAMILY SIZE [REPS] [--formulas] [--json]
//   node bench/cpuprofile-top.mjs DIR/*.cpuprofile
//
// One warm-up run, then REPS (default 20) runs; prints the median time
// (with --json as {"family", "ops", "formulas", "medianMs"}).
import { buildCases, torchScript } from './cases.mjs';

const [family, size, reps = '20'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const formulas = process.argv.includes('--formulas');
const { check } = await import(new URL('../dist/src/check/check.js', import.meta.url).href);
const c = buildCases([Number(size)]).find((k) => k.family === family);
if (!c) throw new Error(`no case ${family} ${size}`);
const script = torchScript(c);
check(script, { formulas });
const times = [];
for (let i = 0; i < Number(reps); i++) {
  const t0 = performance.now();
  const report = check(script, { formulas });
  times.push(performance.now() - t0);
  if (!report.ok) throw new Error(`check of ${family} ${size} is not ok`);
}
times.sort((a, b) => a - b);
const medianMs = times[times.length >> 1];
if (process.argv.includes('--json')) console.log(JSON.stringify({ family, ops: c.ops, formulas, medianMs }));
else console.log(`${family} ${c.ops} ops, check(formulas: ${formulas}): median ${medianMs.toFixed(1)} ms over ${reps} runs`);
