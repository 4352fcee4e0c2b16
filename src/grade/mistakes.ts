/**
 * The mistakes a wrong answer is matched against, each a transformation
 * built from the semantics: of the program (a variant of the exercise's
 * script that makes the mistake, here) or of every backward call
 * (slips.ts: accumulation forgotten, a derivative taken with a classic
 * slip). key.ts runs them, alone and two at a time.
 */
import type { Expr, Stmt } from '../program/ast.js';
import { clip } from '../program/excerpt.js';
import { parseProgram } from '../program/parse.js';
import { codeOf } from '../check/quote.js';

export const MISTAKE_KINDS = [
  'ignored-cut',
  'ignored-mutation',
  'mutation-everywhere',
  'forgot-accumulation',
  'gradient-as-ones',
  'confused-op',
  'dropped-inner-factor',
  'power-off-by-one',
  'sign-error',
] as const;
export type MistakeKind = (typeof MISTAKE_KINDS)[number];

/**
 * A named mistake: one kind, or two at once (`ignored-cut+forgot-accumulation`,
 * in MISTAKE_KINDS order).
 */
export type MistakeName = string;

/** `a+b` → [a, b]; null when a part is not a mistake kind. */
export function mistakeKinds(name: string): MistakeKind[] | null {
  const parts = name.split('+');
  if (parts.length > 2 || parts.some((p) => !(MISTAKE_KINDS as readonly string[]).includes(p))) return null;
  return parts as MistakeKind[];
}

/** The name of one mistake or of two at once, members in MISTAKE_KINDS order. */
export function mistakeName(kinds: readonly MistakeKind[]): MistakeName {
  return [...kinds].sort((a, b) => MISTAKE_KINDS.indexOf(a) - MISTAKE_KINDS.indexOf(b)).join('+');
}

/** A readable title: `ignored the no_grad/detach cut and forgot accumulation across backward calls`. */
export function mistakeTitle(name: MistakeName): string {
  return (mistakeKinds(name) ?? []).map((k) => MISTAKE_TITLES[k]).join(' and ') || name;
}

/** One-line names for summaries. */
export const MISTAKE_TITLES: Record<MistakeKind, string> = {
  'ignored-cut': 'ignored the no_grad/detach cut',
  'ignored-mutation': 'ignored the .data mutation',
  'mutation-everywhere': 'thought every op sees the .data mutation',
  'forgot-accumulation': 'forgot accumulation across backward calls',
  'gradient-as-ones': 'treated the gradient argument as ones',
  'confused-op': 'the gradient of another op',
  'dropped-inner-factor': "dropped the chain rule's inner factor",
  'power-off-by-one': 'power rule off by one',
  'sign-error': 'sign error',
};

/**
 * A script that makes one mistake: line edits of the exercise's script
 * (a line replaced, or null for a line blanked to `pass`), which never add
 * or remove lines, so questions about a line mean the same line in every
 * variant, and two variants that edit different lines combine.
 */
export interface ScriptVariant {
  kind: MistakeKind;
  /** Unique among the variants: the kind, and for confused-op the line. */
  id: string;
  edits: ReadonlyMap<number, string>;
  feedback: string;
}

interface Located {
  stmt: Stmt;
  line: number;
  topLevel: boolean;
}

function statements(body: readonly Stmt[], topLevel = true, out: Located[] = []): Located[] {
  for (const stmt of body) {
    out.push({ stmt, line: stmt.pos.line, topLevel });
    if ('body' in stmt) statements(stmt.body, false, out);
    if (stmt.kind === 'if') statements(stmt.orelse, false, out);
  }
  return out;
}

const isCall = (e: Expr, name: string): boolean =>
  e.kind === 'call' && ((e.fn.kind === 'attr' && e.fn.name === name) || (e.fn.kind === 'name' && e.fn.id === name));

/** The name whose `.data` a statement changes (`x.data += 1`, `x.data.mul_(2)`, `x.data[0] = 1`), if it does. */
function dataMutationOf(stmt: Stmt): string | null {
  const dataOf = (e: Expr): string | null => (e.kind === 'attr' && e.name === 'data' && e.obj.kind === 'name' ? e.obj.id : null);
  if (stmt.kind === 'augassign') return dataOf(stmt.target as Expr) ?? (stmt.target.kind === 'subscript' ? dataOf(stmt.target.obj) : null);
  if (stmt.kind === 'assign') {
    for (const t of stmt.targets) {
      const n = dataOf(t as Expr) ?? (t.kind === 'subscript' ? dataOf(t.obj) : null);
      if (n) return n;
    }
  }
  if (stmt.kind === 'expr' && stmt.expr.kind === 'call' && stmt.expr.fn.kind === 'attr' && /_$/.test(stmt.expr.fn.name)) {
    return dataOf(stmt.expr.fn.obj);
  }
  return null;
}

const indentOf = (line: string) => /^\s*/.exec(line)![0];
const quote = (line: string) => `\`${clip(codeOf(line))}\``;

/** A line that holds one whole statement (brackets balanced, no comment), so `; more` may follow it. */
function wholeLine(line: string): boolean {
  if (line.includes('#')) return false;
  let depth = 0;
  for (const c of line) {
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
  }
  return depth === 0 && !/[:\\]\s*$/.test(line);
}

/** The source with a variant's edits (or several variants' edits) applied. */
export function applyEdits(source: string, ...edits: ReadonlyMap<number, string>[]): string {
  const lines = source.split(/\r\n|\r|\n/);
  for (const e of edits) for (const [line, text] of e) lines[line - 1] = text;
  return lines.join('\n');
}

/** Whether two variants can be made together: they edit different lines. */
export function combinable(a: ScriptVariant, b: ScriptVariant): boolean {
  return a.kind !== b.kind && [...a.edits.keys()].every((l) => !b.edits.has(l));
}

/** The script-level variants of `source` (none when it does not parse). */
export function scriptVariants(source: string): ScriptVariant[] {
  let located: Located[];
  try {
    located = statements(parseProgram(source).body);
  } catch {
    return [];
  }
  const lines = source.split(/\r\n|\r|\n/);
  const blank = (line: number) => `${indentOf(lines[line - 1]!)}pass`;
  const variants: ScriptVariant[] = [];

  // A cut taken away: no_grad blocks record the graph, .detach() keeps it.
  const cuts = new Map<number, string>();
  for (const { stmt, line } of located) {
    if (stmt.kind === 'with' && stmt.items.some((it) => isCall(it.context, 'no_grad'))) {
      cuts.set(line, lines[line - 1]!.replace(/\bno_grad\(\)/g, 'enable_grad()'));
    }
  }
  lines.forEach((l, i) => {
    if (/\.detach\(\)/.test(l)) cuts.set(i + 1, (cuts.get(i + 1) ?? l).replace(/\.detach\(\)/g, ''));
  });
  if (cuts.size) {
    const where = [...cuts.keys()].map((l) => `${quote(lines[l - 1]!)} on line ${l}`).join(', ');
    variants.push({
      kind: 'ignored-cut',
      id: 'ignored-cut',
      edits: cuts,
      feedback: `This is the gradient as if ${where} did not cut the graph. Values computed under torch.no_grad() or by .detach() are constants to autograd: no gradient flows back through them.`,
    });
  }

  const mutations = located.filter((l) => dataMutationOf(l.stmt) !== null);
  if (mutations.length) {
    const where = mutations.map((m) => `${quote(lines[m.line - 1]!)} on line ${m.line}`).join(', ');
    variants.push({
      kind: 'ignored-mutation',
      id: 'ignored-mutation',
      edits: new Map(mutations.map((m) => [m.line, blank(m.line)])),
      feedback: `This is the gradient without ${where}. A .data change is invisible to autograd's version counter, but an op that saved the tensor reads the changed values in backward.`,
    });
    // Every op sees the mutation: as if the tensor had its new values from the start
    // (the mutation moved onto its tensor's defining line, after a `;`).
    const moved = new Map<number, string>();
    for (const m of mutations) {
      const name = dataMutationOf(m.stmt)!;
      const defined = located.filter((l) => l.topLevel && l.line < m.line && l.stmt.kind === 'assign' && l.stmt.targets.some((t) => t.kind === 'name' && t.id === name)).at(-1);
      if (!defined || !m.topLevel || moved.has(defined.line) || !wholeLine(lines[defined.line - 1]!) || !wholeLine(lines[m.line - 1]!)) continue;
      moved.set(m.line, blank(m.line));
      moved.set(defined.line, `${lines[defined.line - 1]!.trimEnd()}; ${lines[m.line - 1]!.trim()}`);
    }
    if (moved.size) {
      variants.push({
        kind: 'mutation-everywhere',
        id: 'mutation-everywhere',
        edits: moved,
        feedback: `This is the gradient as if ${where} had happened before any op used the tensor. A .data change reaches only the ops that saved the tensor; the others computed their gradients from what they saved (or from nothing).`,
      });
    }
  }

  // Every gradient argument replaced by ones.
  const ones = new Map<number, string>();
  for (const { stmt, line } of located) {
    if (stmt.kind !== 'expr' || !isCall(stmt.expr, 'backward') || stmt.expr.kind !== 'call' || stmt.expr.args.length === 0) continue;
    const text = lines[line - 1]!;
    const m = /^(\s*)(.+?)\.backward\(/.exec(text);
    const args = m ? splitArgs(text.slice(m[0].length)) : null;
    if (!m || !args) continue;
    const rest = args.list.slice(1).join(', ');
    ones.set(line, `${m[1]}${m[2]}.backward(torch.ones_like(${m[2]})${rest ? `, ${rest}` : ''})${args.after}`);
  }
  if (ones.size) {
    const where = [...ones.keys()].map((l) => `line ${l}`).join(', ');
    variants.push({
      kind: 'gradient-as-ones',
      id: 'gradient-as-ones',
      edits: ones,
      feedback: `This is the gradient with torch.ones_like(...) in place of the gradient argument of backward (${where}). backward(g) computes a vector-Jacobian product: each output's derivative is weighted by its entry of g.`,
    });
  }

  // A multiple and a power confused: `y = 2 * x` and `y = x ** 2`.
  for (const { stmt, line } of located) {
    if (stmt.kind !== 'assign' || stmt.targets.length !== 1 || stmt.targets[0]!.kind !== 'name') continue;
    const v = stmt.value;
    if (v.kind !== 'binary') continue;
    const target = stmt.targets[0].id;
    const num = (e: Expr) => (e.kind === 'num' ? e.value : null);
    const name = (e: Expr) => (e.kind === 'name' ? e.id : null);
    let other: string | null = null;
    if (v.op === '*') {
      const [c, x] = num(v.left) !== null ? [num(v.left), name(v.right)] : [num(v.right), name(v.left)];
      if (c !== null && x !== null && Number.isInteger(c) && c >= 2 && c <= 4) other = `${x} ** ${c}`;
    } else if (v.op === '**') {
      const [x, c] = [name(v.left), num(v.right)];
      if (c !== null && x !== null && Number.isInteger(c) && c >= 2 && c <= 4) other = `${c} * ${x}`;
    }
    if (!other) continue;
    variants.push({
      kind: 'confused-op',
      id: `confused-op@${line}`,
      edits: new Map([[line, `${indentOf(lines[line - 1]!)}${target} = ${other}`]]),
      feedback: `This is what \`${target} = ${other}\` would give, not ${quote(lines[line - 1]!)} on line ${line}.`,
    });
  }
  return variants;
}

/** `a, f(b, c), k=1) rest` → the top-level arguments before the closing bracket, and what follows it. */
function splitArgs(text: string): { list: string[]; after: string } | null {
  const list: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) {
        list.push(text.slice(start, i).trim());
        return /=/.test(list[0]!.split('(')[0]!) ? null : { list, after: text.slice(i + 1) };
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      list.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return null;
}
