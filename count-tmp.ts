import { findProperty, runProperty, formatFailure } from './properties/suite.js';
import type { Program } from './properties/program.js';
const def = findProperty('tapeEqualsSymbolic')!;
let n = 0;
const o = runProperty({ ...def, check: (p: Program) => { const gi = p.steps.findIndex((s) => s.kind === 'gradgrad'); if (gi > 0 && p.steps.slice(0, gi).some((s) => s.kind === 'data')) n++; def.check(p); } }, { seed: Number(process.argv[3] ?? 20261128), runs: Number(process.argv[2] ?? 500) });
console.log(o.passed, o.runs, o.timeMs, n);
if (!o.passed) console.log(formatFailure(o));
