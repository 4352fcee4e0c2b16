/**
 * One sentence per reason the tape's gradient is not the textbook's:
 * a cut, a `.data` mutation of a saved tensor (or of an unsaved one, which
 * changes nothing), a kink, accumulation from an earlier backward.
 */
import { clip, clipMessage } from '../program/excerpt.js';
import type { ExpectedCall } from '../symbolic/expected.js';
import type { Tensor } from '../autograd/tensor.js';
import type { Buffer } from '../tensor/ndarray.js';
import type { OpRecord, SymbolicTrace, TraceEvent } from '../symbolic/trace.js';
import type { Tolerances } from './compare.js';
import { compareWith, type Comparison } from './compare.js';
import { nested } from './report.js';
import { codeOf } from './quote.js';
import { broadcastIndex } from '../symbolic/element-maps.js';

interface TargetValues {
  name: string;
  shape: readonly number[];
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
  max: { at: 'a tie', rule: 'PyTorch shares the gradient evenly among the tied elements' },
  min: { at: 'a tie', rule: 'PyTorch shares the gradient evenly among the tied elements' },
  clamp_min: { at: 'its bound', rule: 'PyTorch counts the bound as inside (gradient 1)' },
  clamp_max: { at: 'its bound', rule: 'PyTorch counts the bound as inside (gradient 1)' },
  hardtanh: { at: 'a bound', rule: 'PyTorch counts the bounds as outside (gradient 0)' },
  leaky_relu: { at: '0', rule: "PyTorch takes the negative slope there" },
  elu: { at: '0', rule: "PyTorch takes the negative side's slope there" },
  ...Object.fromEntries(
    ['floor', 'ceil', 'trunc', 'frac'].map((n) => [n, { at: 'an integer', rule: `PyTorch's gradient of ${n} ignores the jump` }]),
  ),
  round: { at: 'a half-integer', rule: "PyTorch's gradient of round ignores the jump" },
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
    case 'max':
    case 'min': {
      const m = r.output.array.values()[0];
      return xs.filter((v) => v === m).length > 1;
    }
    case 'clamp_min':
    case 'clamp_max': {
      const { min, max } = r.attrs as { min: number | null; max: number | null };
      return xs.some((v) => v === (r.entry.name === 'clamp_min' ? min : max));
    }
    case 'hardtanh': {
      const { min_val, max_val } = r.attrs as { min_val: number; max_val: number };
      return xs.some((v) => v === min_val || v === max_val);
    }
    case 'leaky_relu':
    case 'elu':
      return xs.some((v) => v === 0);
    case 'floor':
    case 'ceil':
    case 'trunc':
    case 'frac':
      return xs.some((v) => Number.isInteger(v));
    case 'round':
      return xs.some((v) => Number.isInteger(v - 0.5));
  }
  return false;
}

/**
 * Where pow's backward masks a gradient (PyTorch's where(…, 0, …)): at an
 * exponent of 0 the base's, at a base of 0 with an exponent >= 0 the
 * exponent's. The first derivative there equals the textbook's (or is
 * NaN where the unmasked one is), but a derivative of it through
 * create_graph loses the masked terms.
 */
function powMasks(r: OpRecord): string | null {
  let base: (k: number) => number;
  let exponent: (k: number) => number;
  if (r.entry.name === 'pow_tensor') {
    const [x, w] = r.inputs.map((t) => {
      const values = t.array.values();
      const at = broadcastIndex(r.output.shape, t.shape);
      return (k: number) => values[at(k)]!;
    }) as [(k: number) => number, (k: number) => number];
    [base, exponent] = [x, w];
  } else if (r.entry.name === 'pow_scalar_base') {
    const values = r.inputs[0]!.array.values();
    [base, exponent] = [() => (r.attrs as { base: number }).base, (k: number) => values[k]!];
  } else return null;
  const ks = Array.from({ length: r.output.numel }, (_, k) => k);
  const zeroExponent = r.entry.name === 'pow_tensor' && ks.some((k) => exponent(k) === 0);
  const zeroBase = ks.some((k) => base(k) === 0 && exponent(k) >= 0);
  if (!zeroExponent && !zeroBase) return null;
  const at = [zeroExponent ? 'an exponent of 0' : '', zeroBase ? 'a base of 0 with an exponent >= 0' : ''].filter(Boolean).join(' and at ');
  const which = zeroExponent && zeroBase ? "the base's gradient and the exponent's" : zeroExponent ? "the base's gradient" : "the exponent's gradient";
  return `is evaluated at ${at}: PyTorch's backward sets ${which} there to exactly 0, so derivatives of it through create_graph are 0 there too, where finite differences see the unmasked terms.`;
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
  const stmt = (line: number) => `\`${clip(codeOf(lines[line - 1] ?? ''))}\``;
  const reached = new Set(expected.reached);

  const cutsSeen = new Set<string>();
  for (const e of trace.events) {
    if (e.kind !== 'cut' || !reached.has(e.record)) continue;
    const note = describeCut(e, trace, stmt);
    if (!cutsSeen.has(note)) notes.push(note);
    cutsSeen.add(note);
  }

  // Changes autograd cannot see (`.data` writes, in-place ops under no_grad, `x.data = t`); ops with id < at ran before.
  // Only changes of what the pass's ops read or saved can matter (a loop's every earlier step made some).
  const buffers = new Set(expected.reached.flatMap((r) => [...r.inputs.map((t) => t.array.buffer), ...r.saved.map((s) => s.array.buffer)]));
  const tensors = new Set(expected.reached.flatMap((r) => r.saved.map((s) => s.tensor)));
  const touched = (e: { buffer: Buffer; tensor: Tensor }) => buffers.has(e.buffer) || tensors.has(e.tensor);
  const changes = [
    ...trace.events.filter((e) => e.kind === 'mutation' && touched(e)).map((e) => ({ ...e, at: e.record.id, assigned: false })),
    ...trace.assignments.filter(touched).map((a) => ({ ...a, assigned: true })),
  ].sort((a, b) => a.at - b.at);
  for (const e of changes) {
    const earlier = expected.reached.filter((r) => r.id < e.at);
    const savers = earlier.filter((r) => r.saved.some((s) => s.array.buffer === e.buffer || s.tensor === e.tensor));
    const readers = earlier.filter((r) => r.inputs.some((t) => t.array.buffer === e.buffer));
    // Ops that read the new values through autograd history; a leaf's new values are new inputs (finite differences vary them too).
    const later = expected.reached.filter((r) => r.id >= e.at && r.inputs.some((t) => t.array.buffer === e.buffer && t.requiresGrad && r.gradMode && !(t.base ?? t).isLeaf));
    const name = e.assigned ? trace.nameOf(e.tensor) : (trace.storageName(e.buffer) ?? trace.nameOf(e.tensor));
    const verb = e.assigned ? 'replaced' : 'changed';
    for (const r of savers) {
      notes.push(`${stmt(e.line)} on line ${e.line} ${verb} the ${name} saved by ${stmt(r.line)} on line ${r.line}, so backward uses the ${e.assigned ? 'new' : 'changed'} values.`);
    }
    if (savers.length === 0 && readers.length) {
      const r = readers[0]!;
      const readLater = expected.reached.some((o) => o.id >= e.at && o.inputs.some((t) => t.array.buffer === e.buffer));
      notes.push(
        readLater
          ? `${stmt(e.line)} on line ${e.line} left ${stmt(r.line)} on line ${r.line} alone: it saved nothing of ${name}, so its backward does not read the changed values.`
          : `${stmt(e.line)} on line ${e.line} left the gradient alone: ${stmt(r.line)} on line ${r.line} saved nothing of ${name}, so autograd never reads the changed values.`,
      );
    }
    // Read after the change (a saver already explains it).
    if (later.length && savers.length === 0) {
      const r = later[0]!;
      const how = e.assigned
        ? `autograd differentiates at the new values as if ${name} had computed them, while finite differences follow where they came from`
        : 'autograd differentiates at the new values but not through the change, which finite differences see';
      notes.push(`${stmt(e.line)} on line ${e.line} ${verb} ${name} before ${stmt(r.line)} on line ${r.line} used it: ${how}.`);
    }
  }

  for (const r of expected.reached) {
    const kink = KINKS[r.entry.name];
    if (kink && atKink(r)) notes.push(`${stmt(r.line)} on line ${r.line} is evaluated at ${kink.at}: ${kink.rule}, where finite differences see a kink.`);
    const masked = powMasks(r);
    if (masked) notes.push(`${stmt(r.line)} on line ${r.line} ${masked}`);
  }

  targets.forEach((t, i) => {
    // (Zeros held, after `grad.zero_()`, change nothing.)
    if (before[i]?.some((v) => v !== 0)) {
      notes.push(`${t.name}.grad already held a gradient from an earlier backward call: it now holds the sum, and the values above are this call's contribution.`);
    }
    if (t.finiteDifferences && notes.length === 0) {
      const expectedAt = t.sampled ? t.sampled.map((k) => t.expected[k]!) : t.expected;
      const c = compareWith(expectedAt, t.finiteDifferences, tolerances.finiteDifferences);
      const indices = t.sampled ?? t.expected.map((_, k) => k);
      const label = (i: number) => elementName(t.name, t.shape, indices[i]!);
      if (!c.ok) notes.push(`finite differences for ${t.name} differ from the expected gradient${differences(c, expectedAt, t.finiteDifferences, label, 'the program')}, with no cut, mutation or kink on the path.`);
    }
  });
  // (Two ops of one line that saved the same tensor give the same sentence.) Names are the script's own:
  // a note stays bounded whatever their length.
  return [...new Set(notes)].map(clipMessage);
}

function describeCut(e: TraceEvent, trace: SymbolicTrace, stmt: (line: number) => string): string {
  const name = trace.nameOf(e.tensor);
  const producer = trace.producerBefore(e.buffer, e.record.id);
  if (producer && !producer.gradMode) {
    return `${name} was computed under no_grad on line ${producer.line} (${stmt(producer.line)}): a constant for autograd, so no gradient flows through it.`;
  }
  return `${name} carries no autograd history (detach(), .data or requires_grad=False) where ${stmt(e.line)} uses it on line ${e.line}: a constant for autograd.`;
}

/** `x[0,1]` for element k (row-major) of a tensor of this shape; `x` for a 0-d one. */
function elementName(name: string, shape: readonly number[], k: number): string {
  if (shape.length === 0) return name;
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(k % shape[d]!);
    k = Math.floor(k / shape[d]!);
  }
  return `${name}[${idx.join(',')}]`;
}

/**
 * What differs between the expected gradient and finite differences, to
 * follow "differ from the expected gradient": where either is NaN or
 * infinite (the function is not defined, or not finite, next to those
 * points: finite differences cannot be taken there), and elsewhere the
 * largest difference.
 */
export function differences(c: Comparison, expected: readonly number[], fd: readonly number[], label: (i: number) => string, fn: string): string {
  const largest = `max abs error ${c.maxAbs.toPrecision(3)}`;
  if (c.nonFinite.length === 0) return ` (${largest})`;
  const shown = c.nonFinite.slice(0, 3).map((i) => `${label(i)} (${nested([fd[i]!], [])}, expected ${nested([expected[i]!], [])})`);
  const more = c.nonFinite.length > 3 ? ` and ${c.nonFinite.length - 3} more` : '';
  const list = shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(', ')}${more ? `, ${shown.at(-1)}${more}` : ` and ${shown.at(-1)}`}`;
  const undefinedNear = c.nonFinite.every((i) => !Number.isFinite(fd[i]!));
  const why = undefinedNear ? `where ${fn} is not defined (NaN or infinite) within a step of the point` : `where ${fn} or its derivative is not finite`;
  const rest = c.nonFinite.length === expected.length ? '' : c.finiteOk ? `; elsewhere they agree (${largest})` : `; elsewhere they differ too (${largest})`;
  return ` at ${list}, ${why}${rest}`;
}
