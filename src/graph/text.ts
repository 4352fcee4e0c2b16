/**
 * The graph as an indented outline for a terminal (`dzdx graph --format
 * text`, `dzdx check --graph`): each root, then what its grad_fn's
 * next_functions lead to; a node reached twice is printed once.
 */
import type { AutogradGraph, GraphNode } from './model.js';
import { momentText } from './dot.js';

const describe = (n: GraphNode) => [n.title, ...n.details].join(', ');

export function toText(g: AutogradGraph): string {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const children = new Map<string, { to: string; label: string }[]>();
  const incoming = new Set<string>();
  for (const e of g.edges) {
    if (e.kind === 'mutation') continue;
    incoming.add(e.to);
    const label = e.kind === 'saved' ? 'saved' : e.kind === 'grad_fn' ? 'grad_fn' : (e.label ?? '');
    children.set(e.from, [...(children.get(e.from) ?? []), { to: e.to, label }]);
  }
  const out = [momentText(g).split('\n')[0]!];
  const shown = new Set<string>();
  // Iterative depth-first walk: long chains must not overflow the stack.
  const stack: { id: string; prefix: string; branch: string; label: string }[] = [];
  const roots = g.nodes.filter((n) => n.kind !== 'mutation' && !incoming.has(n.id)).reverse();
  for (const r of roots) stack.push({ id: r.id, prefix: '', branch: '', label: '' });
  while (stack.length) {
    const { id, prefix, branch, label } = stack.pop()!;
    const n = byId.get(id)!;
    const head = `${prefix}${branch}${label ? `${label}: ` : ''}`;
    if (shown.has(id)) {
      out.push(`${head}${n.title} (shown above)`);
      continue;
    }
    shown.add(id);
    out.push(`${head}${describe(n)}`);
    const kids = children.get(id) ?? [];
    const inner = prefix + (branch === '' ? '' : branch.startsWith('└') ? '   ' : '│  ');
    for (let i = kids.length - 1; i >= 0; i--) {
      stack.push({ id: kids[i]!.to, prefix: inner, branch: i === kids.length - 1 ? '└─ ' : '├─ ', label: kids[i]!.label });
    }
  }
  for (const m of g.nodes.filter((n) => n.kind === 'mutation')) {
    const targets = g.edges.filter((e) => e.from === m.id).map((e) => `${e.label} ${byId.get(e.to)!.title}`);
    out.push(`mutation: ${describe(m)}; ${targets.join(', ')}`);
  }
  return out.join('\n') + '\n';
}
