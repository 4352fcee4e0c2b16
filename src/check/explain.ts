/**
 * One sentence per reason the tape's gradient is not the textbook's:
 * a cut, a `.data` mutation of a saved tensor (or of an unsaved one, which
 * changes nothing), a kink, accumulation from an earlier backward.
 */
import { clip, clipMessage } from '../program/excerpt.js';
import type { ExpectedCall } from '../symbolic/expected.js';
import type { OpRecord, SymbolicTrace, TraceEvent } from '../symbolic/trace.js';
import type { Tolerances } from './compare.js';
import { compareWith } from './compare.js';

interface TargetValues {
  name: string;
  expected: number[];
  finiteDifferences: number[] | null;
  sampled?: number[];
}

const KINKS: Record<string, { at: string; rule: string }> = {
  relu: { at: '0', rule: "PyTorch takes relu'(0) = 0" },
  abs: { at: '0', rule: "PyTorch takes abs'(0) = 0" },
  clamp: { at: 'a bound', rule: 'PyTorch counts the bounds as inside (gradient 1)' },
  maximum: { at: 'a tie', rule: 'PyTorch splits a tie, half the gradient to each input' },
  minimum: { at: 'a tie', rule: 'PyTorch splits a tie, half the gradient to each input' },
};

function atKink(r: OpRecord): boolean {
  const xs = r.inputs[0]!.array.values();
  switch (r.entry.name) {
    case 'relu':
    case 'abs':
      return xs.some((v) => v === 0);
    case 'clamp': {
      const { min, max } = r.attrs as { min: number | null; max: number | null };
      return xs.some((v) => v === min || v === max);
    }
    case 'maximum':
    case 'minimum': {
      const ys = r.inputs[1]!.array.values();
      return xs.length === ys.length && xs.some((v, i) => v === ys[i]);
    }
  }
  return false;
}

export function explain(
  expected: ExpectedCall,
  targets: readonly TargetValues[],
  before: readonly (number[] | null)[],
  trace: SymbolicTrace,
  lines: readonly string[],
  tolerances: Tolerances,
): string[] {
  const notes: string[] = [];
  const stmt = (line: number) => `\`${clip((lines[line - 1] ?? '').trim())}\``;
  const reached = new Set(expected.reached);

  const cutsSeen = new Set<string>();
  for (const e of trace.events) {
    if (e.kind !== 'cut' || !reached.has(e.record)) continue;
    const note = describeCut(e, trace, stmt);
    if (!cutsSeen.has(note)) notes.push(note);
    cutsSeen.add(note);
  }

  for (const e of trace.events) {
    if (e.kind !== 'mutation') continue;
    const earlier = expected.reached.filter((r) => r.id < e.record.id);
    const savers = earlier.filter((r) => r.saved.some((s) => s.array.buffer === e.buffer));
    const readers = earlier.filter((r) => r.inputs.some((t) => t.array.buffer === e.buffer));
    const name = trace.storageName(e.buffer) ?? trace.nameOf(e.tensor);
    for (const r of savers) {
      notes.push(`${stmt(e.line)} on line ${e.line} changed the ${name} saved by ${stmt(r.line)} on line ${r.line}, so backward uses the changed values.`);
    }
    if (savers.length === 0 && readers.length) {
      const r = readers[0]!;
      notes.push(`${stmt(e.line)} on line ${e.line} left the gradient alone: ${stmt(r.line)} on line ${r.line} saved nothing of ${name}, so autograd never reads the changed values.`);
    }
  }

  for (const r of expected.reached) {
    const kink = KINKS[r.entry.name];
    if (kink && atKink(r)) notes.push(`${stmt(r.line)} on line ${r.line} is evaluated at ${kink.at}: ${kink.rule}, where finite differences see a kink.`);
  }

  targets.forEach((t, i) => {
    if (before[i]) {
      notes.push(`${t.name}.grad already held a gradient from an earlier backward call: it now holds the sum, and the values above are this call's contribution.`);
    }
    if (t.finiteDifferences && notes.length === 0) {
      const expectedAt = t.sampled ? t.sampled.map((k) => t.expected[k]!) : t.expected;
      const c = compareWith(expectedAt, t.finiteDifferences, tolerances.finiteDifferences);
      if (!c.ok) notes.push(`finite differences for ${t.name} differ from the expected gradient (max abs error ${c.maxAbs.toPrecision(3)}) with no cut, mutation or kink on the path.`);
    }
  });
  // Names are the script's own: a note stays bounded whatever their length.
  return notes.map(clipMessage);
}

function describeCut(e: TraceEvent, trace: SymbolicTrace, stmt: (line: number) => string): string {
  const name = trace.nameOf(e.tensor);
  const producer = [...trace.records].reverse().find((r) => r.id < e.record.id && r.output.array.buffer === e.buffer && !r.inPlace);
  if (producer && !producer.gradMode) {
    return `${name} was computed under no_grad on line ${producer.line} (${stmt(producer.line)}): a constant for autograd, so no gradient flows through it.`;
  }
  return `${name} carries no autograd history (detach(), .data or requires_grad=False) where ${stmt(e.line)} uses it on line ${e.line}: a constant for autograd.`;
}
