/**
 * The graph in Graphviz's DOT language. Each node and edge carries our id
 * and its kind as `id`/`class`, which Graphviz copies into the SVG: tests
 * and the playground read the picture's structure from them, not pixels.
 */
import type { AutogradGraph, GraphEdge, GraphNode } from './model.js';

/** A DOT string literal: quotes and backslashes escaped, newlines as centred line breaks. */
export function dotString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

type Attrs = Record<string, string>;

const attrList = (a: Attrs) => Object.entries(a).map(([k, v]) => `${k}=${dotString(v)}`);

// Colours in the spirit of torchviz: outputs green, leaves blue, saved values orange.
const NODE_STYLE: Record<GraphNode['kind'], Attrs> = {
  root: { fillcolor: '#caff70' },
  leaf: { fillcolor: '#add8e6' },
  function: { fillcolor: '#eeeeee' },
  accumulate: { fillcolor: '#d3d3d3' },
  saved: { fillcolor: '#ffd39b', shape: 'note', style: 'filled' },
  constant: { fillcolor: '#ffffff', style: 'rounded,filled,dashed' },
  mutation: { fillcolor: '#ff9d9d', shape: 'note', style: 'filled' },
};

const STATE_STYLE: Record<NonNullable<GraphNode['state']>, Attrs> = {
  freed: { fillcolor: '#e4e4e4', fontcolor: '#777777', style: 'filled,dotted' },
  mutated: { fillcolor: '#ff9d9d', color: '#c00000', penwidth: '2' },
  modified: { fillcolor: '#ff9d9d', color: '#c00000', penwidth: '2' },
  cut: { fillcolor: '#fff3c4', color: '#b58900', style: 'rounded,filled,dashed' },
};

const EDGE_STYLE: Record<GraphEdge['kind'], Attrs> = {
  grad_fn: { style: 'dashed', color: '#555555' },
  next: {},
  accumulate: { color: '#1f4e79' },
  saved: { style: 'dashed', arrowhead: 'none', color: '#cc7a00' },
  // next_functions holds None here: the input gets no gradient, drawn as a blocked line.
  none: { style: 'dashed', arrowhead: 'tee', color: '#999999', fontcolor: '#999999' },
  mutation: { color: '#c00000', fontcolor: '#c00000', style: 'bold' },
};

export function momentText(g: AutogradGraph): string {
  const m = g.moment;
  const where = m.kind === 'end' ? 'at the end of the script' : m.kind === 'line' ? `when ${m.place} begins` : `at ${m.place}, before ${m.kind === 'grad' ? 'autograd.grad' : 'backward'} runs`;
  return `autograd graph ${where}${m.statement ? `: ${m.statement}` : ''}\narrows: the way gradients flow (grad_fn.next_functions)`;
}

export function toDot(g: AutogradGraph): string {
  const out = [
    'digraph autograd {',
    `  graph [fontname="Helvetica", fontsize=11, labelloc=t, label=${dotString(momentText(g))}];`,
    '  node [fontname="Helvetica", fontsize=10, shape=box, style="rounded,filled", margin="0.12,0.06"];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  for (const n of g.nodes) {
    const cls = [n.kind, n.state].filter(Boolean).join(' ');
    const attrs: Attrs = { id: n.id, class: cls, label: [n.title, ...n.details].join('\n'), ...NODE_STYLE[n.kind], ...(n.state ? STATE_STYLE[n.state] : {}) };
    out.push(`  ${n.id} [${attrList(attrs).join(', ')}];`);
  }
  g.edges.forEach((e, i) => {
    const attrs: Attrs = { id: `e${i + 1}`, class: e.kind, ...(e.label ? { label: e.label } : {}), ...EDGE_STYLE[e.kind] };
    out.push(`  ${e.from} -> ${e.to} [${attrList(attrs).join(', ')}];`);
  });
  out.push('}');
  return out.join('\n') + '\n';
}
