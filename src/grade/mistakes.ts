/**
 * The mistakes a wrong answer is matched against, each built from the
 * semantics: a variant of the exercise's script that makes the mistake
 * (run on the same tape), or a derivative taken with a classic slip
 * (src/symbolic/derive.ts). An answer that equals a variant's value is
 * named by that variant's mistake.
 */
import type { Expr, Stmt } from '../program/ast.js';
import { clip } from '../program/excerpt.js';
import { parseProgram } from '../program/parse.js';

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

/** A script that makes one mistake, and what to tell a student whose answer it explains. */
export interface ScriptVariant {
  kind: MistakeKind;
  source: string;
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
const quote = (line: string) => `\`${clip(line.trim())}\``;

/** The script-level variants of `source` (none when it does not parse). */
export function scriptVariants(source: string): ScriptVariant[] {
  let located: Located[];
  try {
    located = statements(parseProgram(source).body);
  } catch {
    return [];
  }
  const lines = source.split(/\r\n|\r|\n/);
  const edit = (changes: Map<number, string | null>) =>
    lines.flatMap((l, i) => (changes.has(i + 1) ? (changes.get(i + 1) === null ? [] : [changes.get(i + 1)!]) : [l])).join('\n');
  const variants: ScriptVariant[] = [];

  // A cut taken away: no_grad blocks record the graph, .detach() keeps it.
  const cuts = new Map<number, string | null>();
  for (const { stmt, line } of located) {
    if (stmt.kind === 'with' && stmt.items.some((it) => isCall(it.context, 'no_grad'))) {
      cuts.set(line, lines[line - 1]!.replace(/\bno_grad\(\)/g, 'enable_grad()'));
    }
  }
  lines.forEach((l, i) => {
    if (/\.detach\(\)/.test(l)) cuts.set(i + 1, (cuts.get(i + 1) ?? l)!.replace(/\.detach\(\)/g, ''));
  });
  if (cuts.size) {
    const where = [...cuts.keys()].map((l) => `${quote(lines[l - 1]!)} on line ${l}`).join(', ');
    variants.push({
      kind: 'ignored-cut',
      source: edit(cuts),
      feedback: `This is the gradient as if ${where} did not cut the graph. Values computed under torch.no_grad() or by .detach() are constants to autograd: no gradient flows back through them.`,
    });
  }

  const mutations = located.filter((l) => dataMutationOf(l.stmt) !== null);
  if (mutations.length) {
    const where = mutations.map((m) => `${quote(lines[m.line - 1]!)} on line ${m.line}`).join(', ');
    variants.push({
      kind: 'ignored-mutation',
      source: edit(new Map(mutations.map((m) => [m.line, `${indentOf(lines[m.line - 1]!)}pass`]))),
      feedback: `This is the gradient without ${where}. A .data change is invisible to autograd's version counter, but an op that saved the tensor reads the changed values in backward.`,
    });
    // Every op sees the mutation: as if the tensor had its new values from the start.
    const moved = new Map<number, string | null>();
    for (const m of mutations) {
      const name = dataMutationOf(m.stmt)!;
      const defined = located.filter((l) => l.topLevel && l.line < m.line && l.stmt.kind === 'assign' && l.stmt.targets.some((t) => t.kind === 'name' && t.id === name)).at(-1);
      if (!defined || !m.topLevel || moved.has(defined.line)) continue;
      moved.set(m.line, null);
      moved.set(defined.line, `${lines[defined.line - 1]}\n${lines[m.line - 1]!.trim()}`);
    }
    if (moved.size) {
      variants.push({
        kind: 'mutation-everywhere',
        source: edit(moved),
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
      source: edit(ones),
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
    const replacement = `${indentOf(lines[line - 1]!)}${target} = ${other}`;
    variants.push({
      kind: 'confused-op',
      source: edit(new Map([[line, replacement]])),
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
