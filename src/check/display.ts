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

function show(f: MathNode): { text: string; latex: string } {
  const n = treeSize(f);
  if (n > MAX_SHOWN_NODES) {
    const text = `(a formula of ${n} terms)`;
    return { text, latex: `\\text{${text}}` };
  }
  const d = displayFormula(f);
  return { text: d.text, latex: d.latex };
}

export function displayElementwise(formulas: readonly MathNode[], symbols: readonly (string | null)[], name: string): { text: string; latex: string } {
  const b = new SymbolBuilder(getMath());
  const plain = b.symbol(name);
  const collapsed = formulas.map((f, k) => (symbols[k] ? b.substitute(f, new Map([[symbols[k]!, plain]])) : f));
  const shown = collapsed.map(show);
  if (shown.length === 0) return { text: '', latex: '' };
  if (shown.every((d) => d.text === shown[0]!.text)) return shown[0]!;
  const parts = formulas.slice(0, SHOWN_ELEMENTS).map((f, k) => ({ label: symbols[k] ?? `[${k}]`, ...show(f) }));
  const more = shown.length > SHOWN_ELEMENTS ? [`… (${shown.length - SHOWN_ELEMENTS} more)`] : [];
  return {
    text: [...parts.map((p) => `${p.label}: ${p.text}`), ...more].join('; '),
    latex: parts.map((p) => p.latex).join(',\\; '),
  };
}
