/**
 * src/graph: the autograd graph read off the tape. The tutorial's snippets
 * (a no_grad cut, .data mutations of an unsaved and of a saved tensor),
 * freed and in-place-changed saved values, the moments (--at), bad input,
 * DOT escaping, and the SVG checked by its structure (nodes, edges, their
 * classes), not by pixels. Every fixture's graph is well formed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  captureCallGraphs,
  captureGraph,
  dotString,
  GraphMomentError,
  MAX_GRAPH_NODES,
  renderSvg,
  toDot,
  toText,
  type AutogradGraph,
  type GraphNode,
} from '../src/graph/index.js';
import { loadFixtures } from './helpers/fixtures.js';
import { setBackwardObserver } from '../src/autograd/engine.js';
import { setTapeListener } from '../src/autograd/record.js';
import { Tensor } from '../src/autograd/tensor.js';
import { GraphRecorder } from '../src/graph/recorder.js';
import { runScript } from '../src/program/run.js';
import { getMath } from '../src/symbolic/mathjs.js';
import { SymbolBuilder } from '../src/symbolic/nodes.js';
import { SymbolicTrace } from '../src/symbolic/trace.js';
import * as dzdx from '../src/index.js';

const example = (name: string) => readFileSync(`examples/${name}.py`, 'utf8');

function graphOf(source: string, at?: number | 'end'): AutogradGraph {
  const r = captureGraph(source, { at });
  expect(r.error).toBeUndefined();
  return r.graph!;
}

const byTitle = (g: AutogradGraph, title: string) => g.nodes.filter((n) => n.title === title);
const one = (g: AutogradGraph, title: string, kind?: GraphNode['kind']) => {
  const found = byTitle(g, title).filter((n) => kind === undefined || n.kind === kind);
  expect(found, `${kind ?? 'node'} ${title}`).toHaveLength(1);
  return found[0]!;
};
const edgesFrom = (g: AutogradGraph, n: GraphNode) => g.edges.filter((e) => e.from === n.id);
const edgesTo = (g: AutogradGraph, n: GraphNode) => g.edges.filter((e) => e.to === n.id);

/** Nodes reachable from `start` along the edges gradients flow on. */
function flowsTo(g: AutogradGraph, start: GraphNode): Set<string> {
  const seen = new Set<string>([start.id]);
  const stack = [start.id];
  while (stack.length) {
    const id = stack.pop()!;
    for (const e of g.edges) {
      if (e.from === id && ['grad_fn', 'next', 'accumulate'].includes(e.kind) && !seen.has(e.to)) {
        seen.add(e.to);
        stack.push(e.to);
      }
    }
  }
  return seen;
}

describe('the tutorial snippets', () => {
  it('no_grad: y2 is a constant cut off from x, the gradient reaches x through y1 only', () => {
    const g = graphOf(example('tutorial_no_grad'));
    expect(g.moment).toMatchObject({ kind: 'backward', line: 15, statement: 'z.backward(torch.ones_like(z))' });
    const z = one(g, 'z', 'root');
    const add = one(g, 'AddBackward0', 'function');
    const pow = one(g, 'PowBackward0', 'function');
    const x = one(g, 'x', 'leaf');
    const y2 = one(g, 'y2', 'constant');
    expect(y2.state).toBe('cut');
    expect(y2.details.join(' ')).toContain('made under no_grad on line 8');
    // No edge leaves y2 (nothing leads back to x), and the only edge into it is next_functions' None.
    expect(edgesFrom(g, y2)).toEqual([]);
    expect(edgesTo(g, y2)).toEqual([{ from: add.id, to: y2.id, kind: 'none', label: 'None' }]);
    expect(flowsTo(g, z)).toContain(x.id);
    expect(flowsTo(g, y2).size).toBe(1);
    // The one PowBackward0 is y1's (x ** 3 under no_grad recorded none), with x saved.
    expect(pow.details[0]).toBe('line 6: y1 = x ** 2');
    const saved = edgesFrom(g, pow).filter((e) => e.kind === 'saved').map((e) => g.nodes.find((n) => n.id === e.to)!);
    expect(saved.map((n) => [n.title, n.details[0], n.state])).toEqual([['_saved_self', 'x, (2, 2)', undefined]]);
    expect(one(g, 'AccumulateGrad', 'accumulate')).toBeDefined();
    expect(g.nodes.filter((n) => n.kind === 'mutation')).toEqual([]);
  });

  it('data_mutation: the mutation of x is marked, and no saved value changed (2 * x saved nothing of x)', () => {
    const g = graphOf(example('tutorial_data_mutation'));
    const m = one(g, 'x.data += 100', 'mutation');
    expect(m.line).toBe(8);
    expect(m.details).toContain('no grad_fn saved x: gradients unchanged');
    const x = one(g, 'x', 'leaf');
    expect(edgesFrom(g, m)).toEqual([{ from: m.id, to: x.id, kind: 'mutation', label: 'writes' }]);
    expect(g.nodes.filter((n) => n.kind === 'saved' && n.state === 'mutated')).toEqual([]);
    expect(one(g, 'MulBackward0', 'function')).toBeDefined();
  });

  it('data_mutation_pow: the x saved by PowBackward0 is marked as changed behind autograd\'s back', () => {
    const g = graphOf(example('tutorial_data_mutation_pow'));
    const m = one(g, 'x.data += 100', 'mutation');
    expect(m.details).toContain('backward reads the changed values');
    const saved = one(g, '_saved_self', 'saved');
    expect(saved.state).toBe('mutated');
    expect(saved.details).toContain('changed by line 8, version not bumped');
    expect(edgesFrom(g, m).map((e) => [e.to, e.label])).toEqual([
      [saved.id, 'changes'],
      [one(g, 'x', 'leaf').id, 'writes'],
    ]);
  });

  it('x.data = t after w * w saved w: both saved values read the new storage, marked as replaced', () => {
    const g = graphOf(readFileSync('test/fixtures/own/data_assignment.py', 'utf8'), 12);
    const m = one(g, 'w.data = torch.tensor([3., -3.])', 'mutation');
    expect(m.line).toBe(11);
    expect(m.details).toEqual(['line 11, autograd does not see it', 'backward reads the new values']);
    const saved = g.nodes.filter((n) => n.kind === 'saved');
    expect(saved.map((n) => [n.title, n.state, n.details.at(-1)])).toEqual([
      ['_saved_self', 'mutated', 'replaced by line 11, version not bumped'],
      ['_saved_other', 'mutated', 'replaced by line 11, version not bumped'],
    ]);
    expect(edgesFrom(g, m).map((e) => [e.kind, e.label, e.to])).toEqual([
      ['mutation', 'replaces', saved[0]!.id],
      ['mutation', 'replaces', saved[1]!.id],
      ['mutation', 'replaces', one(g, 'w', 'leaf').id],
    ]);
  });

  it('x.data = t after 2 * x (which saved nothing of x): the assignment is drawn, the gradient unchanged; a saved result keeps its values', () => {
    const src = 'import torch\nx = torch.tensor([1., 2.], requires_grad=True)\ny = 2 * x + x.exp()\nx.data = torch.tensor([3., 4.])\ny.sum().backward()\n';
    const g = graphOf(src);
    const m = one(g, 'x.data = torch.tensor([3., 4.])', 'mutation');
    expect(m.details).toContain('no grad_fn saved x: gradients unchanged');
    expect(edgesFrom(g, m)).toEqual([{ from: m.id, to: one(g, 'x', 'leaf').id, kind: 'mutation', label: 'replaces' }]);
    // ExpBackward0 saved its result, not x.
    expect(one(g, '_saved_result', 'saved').state).toBeUndefined();
    // Before the assignment there is nothing to mark.
    expect(graphOf(src, 4).nodes.filter((n) => n.kind === 'mutation')).toEqual([]);
  });

  it('requires_grad: both powers lead to the one AccumulateGrad of x', () => {
    const g = graphOf(example('tutorial_requires_grad'));
    expect(byTitle(g, 'PowBackward0')).toHaveLength(2);
    const acc = one(g, 'AccumulateGrad');
    expect(edgesTo(g, acc)).toHaveLength(2);
    expect(g.nodes.filter((n) => n.kind === 'constant')).toEqual([]);
  });
});

describe('nn.Bilinear', () => {
  it("F.bilinear is PyTorch's chain: AddBackward0 ← ReshapeAliasBackward0 ← TrilinearBackward0 keeping i1, i2, i3, the inputs reshaped to matrices", () => {
    const g = graphOf('import torch\nimport torch.nn.functional as F\nx1 = torch.ones(2, 3, 2, requires_grad=True)\nx2 = torch.ones(2, 3, 4, requires_grad=True)\nw = torch.ones(5, 2, 4, requires_grad=True)\nb = torch.ones(5, requires_grad=True)\ny = F.bilinear(x1, x2, w, b)\ny.sum().backward()\n');
    const add = one(g, 'AddBackward0', 'function');
    const tri = one(g, 'TrilinearBackward0', 'function');
    const saved = edgesFrom(g, tri).filter((e) => e.kind === 'saved').map((e) => g.nodes.find((n) => n.id === e.to)!);
    expect(saved.map((n) => [n.title, n.details[0]])).toEqual([['_saved_i1', 'x1, (6, 2)'], ['_saved_i2', 'w, (5, 2, 4)'], ['_saved_i3', 'x2, (6, 4)']]);
    const next = edgesFrom(g, tri).filter((e) => e.kind === 'next').map((e) => g.nodes.find((n) => n.id === e.to)!.title);
    expect(next).toEqual(['ReshapeAliasBackward0', 'AccumulateGrad', 'ReshapeAliasBackward0']);
    expect(flowsTo(g, add)).toContain(tri.id);
    for (const leaf of ['x1', 'x2', 'w', 'b']) expect(flowsTo(g, add)).toContain(one(g, leaf, 'leaf').id);
  });
});

describe('moments', () => {
  const twice = `import torch
x = torch.tensor([1., 2., 3.], requires_grad=True)
y = (x * x).sum()
y.backward()
y.backward()
`;

  it('after a backward without retain_graph the saved values are freed, naming that backward', () => {
    const g = graphOf(twice, 5);
    const saved = g.nodes.filter((n) => n.kind === 'saved');
    expect(saved).toHaveLength(2);
    for (const s of saved) {
      expect(s.state).toBe('freed');
      expect(s.details).toContain('freed by the backward on line 4');
    }
    expect(captureGraph(twice).graph!.nodes.filter((n) => n.state === 'freed')).toEqual([]);
  });

  it('retain_graph keeps them', () => {
    const g = graphOf(twice.replace('y.backward()\ny', 'y.backward(retain_graph=True)\ny'), 5);
    expect(g.nodes.filter((n) => n.state === 'freed')).toEqual([]);
  });

  it('at the end, the graphs of the named results; at a line, before it runs', () => {
    const end = graphOf(example('tutorial_no_grad'), 'end');
    expect(end.moment.kind).toBe('end');
    expect(end.nodes.filter((n) => n.kind === 'root').map((n) => n.title)).toEqual(['y1', 'z']);
    expect(one(end, '_saved_self').state).toBe('freed');
    expect(one(end, 'x', 'leaf').details).toContain('.grad (2, 2)');
    const line9 = graphOf(example('tutorial_no_grad'), 9);
    expect(line9.moment).toMatchObject({ kind: 'line', line: 9 });
    expect(line9.nodes.filter((n) => n.kind === 'root').map((n) => n.title)).toEqual(['y1']);
    expect(byTitle(line9, 'AddBackward0')).toEqual([]);
  });

  it('a script without backward is drawn at the end', () => {
    const g = graphOf('import torch\nx = torch.ones(2, requires_grad=True)\ny = x.exp()\n');
    expect(g.moment.kind).toBe('end');
    expect(one(g, 'ExpBackward0').details).toEqual(['line 3: y = x.exp()']);
    expect(one(g, '_saved_result').details[0]).toBe('y, (2,)');
  });

  it('an in-place change of a saved value shows the version backward will refuse', () => {
    const src = 'import torch\nx = torch.ones(2, requires_grad=True)\na = x * 2\nb = a ** 2\na.add_(1)\nb.sum().backward()\n';
    const g = graphOf(src);
    const saved = byTitle(g, '_saved_self').find((n) => n.details[0]!.startsWith('a,'))!;
    expect(saved.state).toBe('modified');
    expect(saved.details).toContain('changed in place: version 0 → 1');
    expect(one(g, 'b.sum()', 'root')).toBeDefined();
  });

  it('every backward call, for dzdx check --graph', () => {
    const { graphs } = captureCallGraphs(twice);
    expect(graphs.map((g) => g.moment.line)).toEqual([4, 5]);
    expect(graphs[1]!.nodes.some((n) => n.state === 'freed')).toBe(true);
  });
});

describe('bad input', () => {
  it('--at outside the script, a line never run, a script outside the subset', () => {
    expect(() => captureGraph(example('tutorial_no_grad'), { at: 40 })).toThrow(new GraphMomentError('--at 40: the script has lines 1 to 17'));
    expect(() => captureGraph('x = 1\n', { at: 0 })).toThrow(GraphMomentError);
    const stopped = captureGraph('import torch\nx = torch.ones(2)\nx.backward()\ny = 1\n', { at: 4 });
    expect(stopped.graph).toBeNull();
    expect(stopped.error).toBe('line 4 never ran: the script stopped with an error on line 3 first');
    const syntax = captureGraph('import torch\nx = (1,\n');
    expect(syntax.exitCode).toBe(2);
    expect(syntax.graph).toBeNull();
    expect(syntax.stderr).toMatch(/^<script>:\d+:\d+: /);
  });

  it(`a graph of more than ${MAX_GRAPH_NODES} nodes is refused with a message`, () => {
    const r = captureGraph('import torch\nx = torch.ones(2, requires_grad=True)\ny = x\nfor i in range(500):\n    y = y * 2\ny.sum().backward()\n');
    expect(r.graph).toBeNull();
    expect(r.error).toMatch(/more than 400 nodes, too many to draw/);
  });

  it('large tensors are no bound (only the number of nodes is): dzdx check stops at 200,000 elements, a graph does not', () => {
    const g = graphOf('import torch\nx = torch.ones(1000, 300, requires_grad=True)\ny = (x * 2).sum()\ny.backward()\n');
    expect(one(g, 'x', 'leaf').shape).toEqual([1000, 300]);
  });

  it('DOT strings escape quotes, backslashes and newlines', () => {
    expect(dotString('a "b" \\ c\nd')).toBe('"a \\"b\\" \\\\ c\\nd"');
    const g = graphOf('import torch\nx = torch.ones(1, requires_grad=True)\ny = x * 2  # "quoted" \\ comment\n');
    expect(toDot(g)).toContain('line 3: y = x * 2  # \\"quoted\\" \\\\ comment');
  });
});

/** The structure of Graphviz's SVG: each node's and edge's id and classes (which DOT passed on), edges by their ends. */
function svgStructure(svg: string) {
  const groups = [...svg.matchAll(/<g id="([^"]+)" class="(node|edge)( [^"]*)?">\s*<title>([^<]*)<\/title>/g)];
  const unescape = (s: string) => s.replace(/&#45;/g, '-').replace(/&gt;/g, '>');
  return {
    nodes: groups.filter((m) => m[2] === 'node').map((m) => ({ id: m[1]!, classes: (m[3] ?? '').trim().split(' ') })),
    edges: groups.filter((m) => m[2] === 'edge').map((m) => {
      const [from, to] = unescape(m[4]!).split('->');
      return { id: m[1]!, kind: (m[3] ?? '').trim(), from, to };
    }),
  };
}

describe('SVG (WebAssembly Graphviz)', () => {
  it('no_grad: every node and edge of the model, y2 a cut constant with no edge out', async () => {
    const g = graphOf(example('tutorial_no_grad'));
    const svg = await renderSvg(toDot(g));
    expect(svg).toMatch(/^<\?xml[\s\S]*<svg [\s\S]*<\/svg>\s*$/);
    const s = svgStructure(svg);
    expect(s.nodes.map((n) => n.id).sort()).toEqual(g.nodes.map((n) => n.id).sort());
    const ends = (es: { from?: string; to?: string; kind: string }[]) => es.map((e) => `${e.from}->${e.to} ${e.kind}`).sort();
    expect(ends(s.edges)).toEqual(ends(g.edges));
    const y2 = one(g, 'y2');
    expect(s.nodes.find((n) => n.id === y2.id)!.classes).toEqual(['constant', 'cut']);
    expect(s.edges.filter((e) => e.from === y2.id)).toEqual([]);
    expect(svg).toContain('constant: made under no_grad');
  });

  it('data_mutation: the mutation node and its edge to x are in the picture', async () => {
    const g = graphOf(example('tutorial_data_mutation'));
    const s = svgStructure(await renderSvg(toDot(g)));
    const m = s.nodes.find((n) => n.classes.includes('mutation'))!;
    expect(m).toBeDefined();
    expect(s.edges.filter((e) => e.from === m.id).map((e) => [e.kind, e.to])).toEqual([['mutation', one(g, 'x', 'leaf').id]]);
  });
});

describe('the package entry', () => {
  it('exports the graph API', () => {
    const r = dzdx.captureGraph(example('tutorial_no_grad'), { at: 'end' });
    expect(dzdx.toDot(r.graph!)).toMatch(/^digraph autograd/);
    expect(typeof dzdx.renderSvg).toBe('function');
  });
});

describe('text outline', () => {
  it('follows next_functions from the root, once per node', () => {
    expect(toText(graphOf(example('tutorial_data_mutation_pow')))).toBe(
      [
        'autograd graph at line 11, before backward runs: y.backward(torch.ones_like(y))',
        'y, (2, 2) float32',
        '└─ grad_fn: PowBackward0, line 6: y = x ** 2',
        '   ├─ saved: _saved_self, x, (2, 2), changed by line 8, version not bumped',
        '   └─ x: AccumulateGrad',
        '      └─ .grad: x, (2, 2) float32, requires_grad=True, .grad None',
        'mutation: x.data += 100, line 8, autograd does not see it, backward reads the changed values; changes _saved_self, writes x',
        '',
      ].join('\n'),
    );
  });
});

describe('every fixture', () => {
  const fixtures = [...loadFixtures('test/conformance'), ...loadFixtures('test/fixtures/own'), ...loadFixtures('examples')];

  it('the recorder finds the cuts, mutations and assignments the symbolic trace (dzdx check\'s explanations) finds', () => {
    let extraCuts = 0;
    let assignments = 0;
    for (const f of fixtures) {
      const trace = new SymbolicTrace(new SymbolBuilder(getMath()));
      const recorder = new GraphRecorder();
      setTapeListener({
        op(...args) {
          (trace as Parameters<typeof setTapeListener>[0])!.op(...args);
          recorder.op(...args);
        },
        dataAssigned(t) {
          trace.dataAssigned(t);
          recorder.dataAssigned(t);
        },
      });
      setBackwardObserver({
        before: () => void (trace.paused = recorder.paused = true),
        after: () => void (trace.paused = recorder.paused = false),
      });
      try {
        runScript(f.source, {
          statement: (line) => void (trace.line = recorder.line = line),
          assigned: (name, value) => {
            if (value instanceof Tensor) {
              trace.named(name, value);
              recorder.named(name, value);
            }
          },
        });
      } finally {
        setTapeListener(null);
        setBackwardObserver(null);
      }
      const events = (es: readonly { kind: string; line: number; record: { id: number } }[], kind: string) =>
        es.filter((e) => e.kind === kind).map((e) => `${e.line}:${e.record.id}`);
      expect(events(recorder.events, 'mutation'), f.name).toEqual(events(trace.events, 'mutation'));
      expect(recorder.assignments.map((a) => [a.line, a.at, a.tensor]), f.name).toEqual(trace.assignments.map((a) => [a.line, a.at, a.tensor]));
      assignments += recorder.assignments.length;
      // Per tensor, not per element: a storage overwritten with constants still counts as the leaf's (a cut more, never one less).
      expect(events(recorder.events, 'cut'), f.name).toEqual(expect.arrayContaining(events(trace.events, 'cut')));
      extraCuts += events(recorder.events, 'cut').length - events(trace.events, 'cut').length;
    }
    expect(extraCuts).toBeLessThanOrEqual(2);
    expect(assignments).toBeGreaterThanOrEqual(7);
  }, 60_000);
  it(`draws a well-formed graph (or says why not) for each of ${fixtures.length} scripts, which Graphviz renders`, async () => {
    expect(fixtures.length).toBeGreaterThan(250);
    for (const f of fixtures) {
      for (const at of [undefined, 'end'] as const) {
        const r = captureGraph(f.source, { at });
        expect(r.exitCode, f.name).toBe(f.code);
        if (r.graph === null) {
          expect(r.error, f.name).toBeTruthy();
          continue;
        }
        const ids = new Set(r.graph.nodes.map((n) => n.id));
        expect(ids.size, f.name).toBe(r.graph.nodes.length);
        for (const e of r.graph.edges) expect(ids.has(e.from) && ids.has(e.to), `${f.name}: ${e.from} -> ${e.to}`).toBe(true);
        // Every grad_fn a root points at is a function node named as PyTorch names it.
        for (const e of r.graph.edges.filter((x) => x.kind === 'grad_fn')) {
          expect(r.graph.nodes.find((n) => n.id === e.to)!.title, f.name).toMatch(/^[A-Z]\w*Backwards?\d*$|^CopySlices$/);
        }
        // The DOT is valid: Graphviz lays it out with every node.
        if (at === undefined) expect(svgStructure(await renderSvg(toDot(r.graph))).nodes, f.name).toHaveLength(r.graph.nodes.length);
      }
    }
  }, 120_000);
});
