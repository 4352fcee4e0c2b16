/**
 * Formulas as people read them: `2*x + 3*x^2` for a gradient that is the
 * same formula for every element of x, element formulas otherwise.
 */
import type { MathNode } from 'mathjs';
import { getMath } from '../symbolic/mathjs.js';
import { displayFormula } from '../symbolic/display.js';
import { SymbolBuilder } from '../symbolic/nodes.js';

const SHOWN_ELEMENTS = 4;
/** Past this many nodes printed as a tree, a formula is described, not shown. */
const MAX_SHOWN_NODES = 2000;

/** The size of a DAG printed as a tree (shared nodes count each time), capped. */
function treeSize(root: MathNode): number {
  const memo = new Map<MathNode, number>();
  const size = (n: MathNode): number => {
    const known = memo.get(n);
    if (known !== undefined) return known;
    let s = 1;
    n.forEach((c) => {
      s = Math.min(s + size(c), Number.MAX_SAFE_INTEGER);
    });
    memo.set(n, s);
    return s;
  };
  return size(root);
}

/** Time for simplifying the formulas of one target, in ms (past it they are shown tidied). */
const TARGET_BUDGET_MS = 100;
/** Formulas larger than this are shown tidied: mathjs simplify rarely finishes on them within the budget. */
const SIMPLIFIED_NODES = 300;

function show(f: MathNode, deadline: number): { text: string; latex: string } {
  const n = treeSize(f);
  if (n > MAX_SHOWN_NODES) {
    const text = `(a formula of ${n} terms)`;
    return { text, latex: `\\text{${text}}` };
  }
  const d = displayFormula(f, { budgetMs: Math.max(0, deadline - performance.now()), maxNodes: SIMPLIFIED_NODES });
  return { text: d.text, latex: d.latex };
}

export function displayElementwise(formulas: readonly MathNode[], symbols: readonly (string | null)[], name: string): { text: string; latex: string } {
  const b = new SymbolBuilder(getMath());
  const plain = b.symbol(name);
  const collapsed = formulas.map((f, k) => (symbols[k] ? b.substitute(f, new Map([[symbols[k]!, plain]])) : f));
  if (collapsed.length === 0) return { text: '', latex: '' };
  const deadline = performance.now() + TARGET_BUDGET_MS;
  // One formula for every element when they read the same once collapsed; simplifying each of
  // many distinct element formulas (softmax, a loss) only to show four would cost seconds.
  const raw = collapsed.map((f) => (treeSize(f) > MAX_SHOWN_NODES ? null : f.toString()));
  if (raw[0] !== null && raw.every((t) => t === raw[0])) return show(collapsed[0]!, deadline);
  const shown = collapsed.slice(0, SHOWN_ELEMENTS + 1).map((f) => show(f, deadline));
  if (collapsed.length <= SHOWN_ELEMENTS + 1 && shown.every((d) => d.text === shown[0]!.text)) return shown[0]!;
  const parts = formulas.slice(0, SHOWN_ELEMENTS).map((f, k) => ({ label: symbols[k] ?? `[${k}]`, ...show(f, deadline) }));
  const more = collapsed.length > SHOWN_ELEMENTS ? [`… (${collapsed.length - SHOWN_ELEMENTS} more)`] : [];
  return {
    text: [...parts.map((p) => `${p.label}: ${p.text}`), ...more].join('; '),
    latex: parts.map((p) => p.latex).join(',\\; '),
  };
}
