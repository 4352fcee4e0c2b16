/**
 * A tensor hook that changed a gradient: autograd used the hook's result,
 * which the derivative knows nothing of (`the hook registered on line 5
 * doubled the gradient of y`).
 */
import type { SymbolicTrace } from '../symbolic/trace.js';

/** How many changes each hook had made: the ones after belong to the next call. */
export function hookChangesSoFar(trace: SymbolicTrace): Map<number, number> {
  return new Map([...trace.hooks].map(([id, h]) => [id, h.changes.length]));
}

const short = (v: number) => String(Number(v.toPrecision(6)));

/** What a hook did to a gradient, in words: doubled, negated, multiplied by 0.5, added 1 to, replaced. */
function effect(grad: readonly number[], result: readonly number[], name: string): string {
  const ratios = grad.map((g, k) => (g === 0 ? (result[k] === 0 ? null : NaN) : result[k]! / g));
  const known = ratios.filter((r): r is number => r !== null);
  const same = (xs: readonly number[]) => xs.length > 0 && xs.every((x) => Math.abs(x - xs[0]!) <= 1e-6 * Math.max(1, Math.abs(xs[0]!)));
  if (same(known) && !Number.isNaN(known[0]!)) {
    const c = known[0]!;
    const words: Record<string, string> = { '2': 'doubled', '3': 'tripled', '0.5': 'halved', '-1': 'negated', '0': 'zeroed' };
    const word = words[String(Math.round(c * 1e6) / 1e6)];
    return word ? `${word} the gradient of ${name}` : `multiplied the gradient of ${name} by ${short(c)}`;
  }
  const diffs = grad.map((g, k) => result[k]! - g);
  if (same(diffs)) return `added ${short(diffs[0]!)} to the gradient of ${name}`;
  return `replaced the gradient of ${name} ([${grad.join(', ')}]) by [${result.join(', ')}]`;
}

export function explainHooks(trace: SymbolicTrace, changesBefore: ReadonlyMap<number, number>): string[] {
  const notes: string[] = [];
  for (const [id, hook] of trace.hooks) {
    for (const change of hook.changes.slice(changesBefore.get(id) ?? 0)) {
      notes.push(`the hook registered on line ${hook.line} ${effect(change.grad, change.result, trace.nameOf(hook.tensor))}: autograd passed on what it returned, which the derivative knows nothing of.`);
    }
  }
  return notes;
}
