// Summarise V8 .cpuprofile files (from `node --cpu-prof`), added together:
// the functions with the most self time, and self time by source file.
//
//   node bench/cpuprofile-top.mjs FILE.cpuprofile… [--top 15] [--json [--meta JSON]]
//
// --json prints { ...meta, summary: { totalMs, functions, files } }.
import { readFileSync } from 'node:fs';

export function summarize(profiles, top = 15) {
  const self = new Map(); // call frame -> µs
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const { samples, timeDeltas } = profile;
    // timeDeltas[i] is the time before sample i; attribute it to sample i's node.
    for (let i = 0; i < samples.length; i++) {
      const frame = byId.get(samples[i]).callFrame;
      self.set(frame, (self.get(frame) ?? 0) + (timeDeltas[i] ?? 0));
    }
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const shortUrl = (url) => {
    if (!url) return '';
    const m = url.match(/(?:dist\/(.*)|node_modules\/(.*)|(node:.*))$/);
    return m ? (m[1] ?? m[2] ?? m[3]) : url.replace(/^file:\/\//, '');
  };
  const fns = new Map();
  const files = new Map();
  for (const [f, us] of self) {
    const file = shortUrl(f.url) || '(native)';
    const key = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    files.set(file, (files.get(file) ?? 0) + us);
  }
  const rank = (m) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, ms: us / 1000, percent: (100 * us) / total }));
  return { profiles: profiles.length, totalMs: total / 1000, functions: rank(fns), files: rank(files) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const files = args.filter((a, k) => a.endsWith('.cpuprofile') && !['--top', '--meta'].includes(args[k - 1]));
  const i = process.argv.indexOf('--top');
  const s = summarize(files.map((f) => JSON.parse(readFileSync(f, 'utf8'))), i > 0 ? Number(process.argv[i + 1]) : 15);
  if (process.argv.includes('--json')) {
    const m = process.argv.indexOf('--meta');
    console.log(JSON.stringify({ ...(m > 0 ? JSON.parse(process.argv[m + 1]) : {}), summary: s }, null, 1));
  }
  else {
    console.log(`total sampled: ${s.totalMs.toFixed(0)} ms in ${s.profiles} profile(s)`);
    console.log('self time by function:');
    for (const f of s.functions) console.log(`  ${f.percent.toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}`);
    console.log('self time by file:');
    for (const f of s.files) console.log(`  ${f.percent.toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}`);
  }
}
