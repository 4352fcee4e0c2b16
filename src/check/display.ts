/**
 * Formulas as people read them, at any size: `2 * x + 3 * x ^ 2` when one
 * formula holds for every element of x, else one line per group of
 * elements that share a formula (`r[0], r[2]: …`). A long formula gets its
 * repeated subexpressions named (`where u = …`), and past
 * FORMULA_LINE_LIMIT characters on a line the report gives a one-line
 * summary instead; the full form (every group, every definition) is kept
 * for `--full` and `--json`.
 */
import type { MathNode } from 'mathjs';
import { freeVariables } from '../symbolic/compile.js';
import { displayTree, printed } from '../symbolic/display.js';
import { getMath } from '../symbolic/mathjs.js';
import { nameRepeated, StructureIds } from '../symbolic/naming.js';
import { SymbolBuilder } from '../symbolic/nodes.js';

/** The longest formula line (text or LaTeX) the report prints; past it, a summary. */
export const FORMULA_LINE_LIMIT = 200;
/** Formulas up to this long are printed as they are; longer ones get their repeated parts named. */
const NAME_PAST = 80;
/** Short element formulas go on one line, `x[0]: 6; x[1]: -6`, up to this long. */
const ONE_LINE = 100;
/** Element groups the report shows (the full form has all). */
const SHOWN_GROUPS = 4;
/** Time for mathjs simplification, shared by a target's element groups (ms). */
const SIMPLIFY_BUDGET = 200;

export interface DisplayedTarget {
  /** As the report prints it: lines separated by `\n`, or a summary. */
  text: string;
  latex: string;
  /** Every group and definition, with no bound. */
  fullText: string;
  fullLatex: string;
  /** Every group shows mathjs's (verified) simplification. */
  simplified: boolean;
}

interface Group {
  members: number[];
  /** The tree shown (simplified or tidied). */
  node: MathNode;
  /** Its structure (equal structures print alike). */
  id: number;
  /** Its printed length, estimated (StructureIds: shared parts counted each time). */
  length: number;
  simplified: boolean;
}

export const EMPTY_DISPLAY: DisplayedTarget = { text: '', latex: '', fullText: '', fullLatex: '', simplified: false };

export interface DisplayOptions {
  /** Time for mathjs simplification, in ms. */
  budgetMs?: number;
  /** Names a reader already knows (the script's): never used for subexpressions. */
  taken?: Iterable<string>;
  /** Displays already made in this run, by the formulas' structure (DisplayCache). */
  cache?: DisplayCache;
}

/**
 * Displays by the structure of what they show: a training loop's every
 * step has the same formulas (of fresh leaf generations, shown by the same
 * names), which need naming and printing once. (Also the same simplified
 * form each time, whatever simplify's time budget allowed the first time.)
 */
export class DisplayCache {
  private readonly made = new Map<string, DisplayedTarget>();

  constructor(private readonly capacity = 64) {}

  get(key: string): DisplayedTarget | undefined {
    return this.made.get(key);
  }

  set(key: string, shown: DisplayedTarget): void {
    if (this.made.size >= this.capacity) this.made.delete(this.made.keys().next().value!);
    this.made.set(key, shown);
  }
}

/** The formulas of a tensor's elements (`symbols`: each element's own symbol, or null) for display. */
export function displayElementwise(formulas: readonly MathNode[], symbols: readonly (string | null)[], name: string, options: DisplayOptions = {}): DisplayedTarget {
  const budgetMs = options.budgetMs ?? SIMPLIFY_BUDGET;
  // One budget for the whole target, shared by its groups.
  const deadline = performance.now() + budgetMs;
  if (formulas.length === 0) return EMPTY_DISPLAY;
  // The formulas' structure, with their symbols and the options, says what the display is.
  const cacheKey = options.cache && displayKey(formulas, symbols, name, [...(options.taken ?? [])], budgetMs);
  const known = cacheKey && options.cache!.get(cacheKey);
  if (known) return known;
  const b = new SymbolBuilder(getMath());
  const plain = b.symbol(name);
  // Each element's own symbol written as the tensor's name: equal formulas then group.
  const collapsed = formulas.map((f, k) => (symbols[k] ? b.substitute(f, new Map([[symbols[k]!, plain]])) : f));
  const structure = new StructureIds();
  const structural = new Map<number, number[]>();
  collapsed.forEach((f, k) => {
    const key = structure.id(f);
    const members = structural.get(key);
    if (members) members.push(k);
    else structural.set(key, [k]);
  });
  const budget = budgetMs / structural.size;
  // Simplified forms can coincide: group again by the structure shown (not by printing each
  // group: a formula with shared parts prints them every time, millions of characters in a network).
  const groups: Group[] = [];
  const shownStructure = new StructureIds();
  [...structural.values()].forEach((members, i) => {
    const shown = displayTree(collapsed[members[0]!]!, { budgetMs: i < SHOWN_GROUPS ? Math.min(budget, deadline - performance.now()) : 0 });
    const id = shownStructure.id(shown.node);
    const same = groups.find((g) => g.id === id);
    if (same) same.members.push(...members);
    else groups.push({ members, node: shown.node, id, length: shownStructure.shapes[id]!.length, simplified: shown.simplified });
  });
  for (const g of groups) g.members.sort((x, y) => x - y);
  groups.sort((x, y) => x.members[0]! - y.members[0]!);

  const label = (g: Group) => {
    const names = g.members.map((k) => symbols[k] ?? `[${k}]`);
    return names.length <= 3 ? names.join(', ') : `${names.slice(0, 2).join(', ')}, … (${names.length} elements)`;
  };
  const taken = new Set([name, 'e', 'pi', 'i', ...(options.taken ?? [])]);
  const full = layout(groups, groups.length > 1 ? label : null, taken);
  const whole = { fullText: full.text, fullLatex: full.latex, simplified: groups.every((g) => g.simplified) };
  let made: DisplayedTarget;
  if (groups.length <= SHOWN_GROUPS) made = { ...bounded(full, full), ...whole };
  else {
    const shown = layout(groups.slice(0, SHOWN_GROUPS), label, taken);
    const more = groups.slice(SHOWN_GROUPS).reduce((n, g) => n + g.members.length, 0);
    const moreText = `… ${more} more element${more === 1 ? '' : 's'} (see --json or --full)`;
    const withMore = { text: insertBeforeDefinitions(shown.text, moreText), latex: shown.latex.replace('\n\\end{array}', ` \\\\\n\\text{${moreText}}\n\\end{array}`) };
    made = { ...bounded(withMore, full), ...whole };
  }
  if (cacheKey) options.cache!.set(cacheKey, made);
  return made;
}

function displayKey(formulas: readonly MathNode[], symbols: readonly (string | null)[], name: string, taken: string[], budgetMs: number): string {
  const structure = new StructureIds();
  const roots = formulas.map((f) => structure.id(f));
  return JSON.stringify([name, symbols, taken, budgetMs, roots, structure.signature()]);
}

/** Text and LaTeX of groups, with their repeated subexpressions named when the formulas are long. */
function layout(groups: readonly Group[], label: ((g: Group) => string) | null, known: ReadonlySet<string>): { text: string; latex: string } {
  let roots = groups.map((g) => g.node);
  let definitions: { name: string; node: MathNode }[] = [];
  if (groups.some((g) => g.length > NAME_PAST)) {
    const taken = new Set([...known, ...roots.flatMap((r) => freeVariables(r).map((v) => v.replace(/\[.*$/, '')))]);
    ({ roots, definitions } = nameRepeated(roots, { taken }));
  }
  const shown = roots.map((r) => printed(r));
  const rows = shown.map((p, i) => (label ? { text: `${label(groups[i]!)}: ${p.text}`, latex: `\\text{${label(groups[i]!)}: }${p.latex}` } : p));
  const defs = definitions.map((d, i) => {
    const p = printed(d.node);
    shown.push(p);
    return { text: `${i === 0 ? 'where' : '     '} ${d.name} = ${p.text}`, latex: `${i === 0 ? '\\text{where }' : '\\quad '}${d.name} = ${p.latex}` };
  });
  // Conventions of the functions shown (heaviside at 0), once.
  const notes = [...new Set(shown.flatMap((p) => p.conventions))].map((c) => ({ text: `with ${c}`, latex: `\\text{with ${c}}` }));
  const oneLine = rows.map((r) => r.text).join('; ');
  const lines = defs.length === 0 && oneLine.length <= ONE_LINE ? [{ text: oneLine }, ...notes] : [...rows, ...defs, ...notes];
  const latexRows = [...rows, ...defs, ...notes].map((r) => r.latex);
  const latex = latexRows.length === 1 ? latexRows[0]! : ['\\begin{array}{l}', latexRows.join(' \\\\\n'), '\\end{array}'].join('\n');
  return { text: lines.map((l) => l.text).join('\n'), latex };
}

function insertBeforeDefinitions(text: string, line: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('where ') || l.startsWith('with '));
  lines.splice(at < 0 ? lines.length : at, 0, line);
  return lines.join('\n');
}

/** The shown form, or a summary for text or LaTeX with a line past the limit. */
function bounded(shown: { text: string; latex: string }, full: { text: string; latex: string }): { text: string; latex: string } {
  const fits = (s: string) => s.split('\n').every((l) => l.length <= FORMULA_LINE_LIMIT);
  const summary = `a formula of ${full.text.length.toLocaleString('en-US')} characters: see --json or --full`;
  return { text: fits(shown.text) ? shown.text : summary, latex: fits(shown.latex) ? shown.latex : `\\text{${summary}}` };
}
