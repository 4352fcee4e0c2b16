/**
 * `captureGraph(source)`: run a script with a GraphRecorder listening and
 * read the autograd graph off the tape at one moment: a backward() or
 * autograd.grad() call just before it runs (the graph it will walk), the
 * moment a line is reached, or the end of the run. Earlier backward calls
 * are followed so that the drawing can say which one freed which saved values.
 */
import { setBackwardObserver, type BackwardCall } from '../autograd/engine.js';
import { OpNode, type Node } from '../autograd/node.js';
import { setTapeListener } from '../autograd/record.js';
import { Tensor } from '../autograd/tensor.js';
import { clip } from '../program/excerpt.js';
import type { Limits } from '../program/interpreter.js';
import { runScript } from '../program/run.js';
import { buildGraph, GraphTooLargeError } from './build.js';
import { GraphRecorder } from './recorder.js';
import type { AutogradGraph, GraphMoment } from './model.js';

export interface GraphOptions {
  fileName?: string;
  /**
   * A line: the first backward()/autograd.grad() call on it, else the moment
   * before its statement first runs; 'end': after the run. Default: the
   * first backward()/autograd.grad() call, or the end when there is none.
   */
  at?: number | 'end';
  limits?: Partial<Limits>;
}

export interface GraphResult {
  /** The run's own outcome, as `dzdx run` reports it. */
  exitCode: 0 | 1 | 2;
  stdout: string;
  stderr: string;
  /** Null when the script is outside the subset, or never reached the moment asked for (`error` says why). */
  graph: AutogradGraph | null;
  error?: string;
}

/** The graph at every backward()/autograd.grad() call of a run, in order (what `dzdx check --graph` attaches). */
export interface CallGraphs {
  exitCode: 0 | 1 | 2;
  graphs: AutogradGraph[];
  /** Set when a graph was too large to draw: those calls have none. */
  error?: string;
}

/** A bad --at: the message names the line. */
export class GraphMomentError extends Error {}

function reachable(roots: readonly Tensor[]): Node[] {
  const seen = new Set<Node>();
  const stack = roots.flatMap((t) => (t.gradFn ? [t.gradFn] : []));
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const e of n.nextEdges) if (e && !seen.has(e.node)) stack.push(e.node);
  }
  return [...seen];
}

export function captureGraph(source: string, options: GraphOptions = {}): GraphResult {
  return capture(source, options, false).result;
}

export function captureCallGraphs(source: string, options: Omit<GraphOptions, 'at'> = {}): CallGraphs {
  const { result, calls } = capture(source, options, true);
  return { exitCode: result.exitCode, graphs: calls, ...(result.error ? { error: result.error } : {}) };
}

function capture(source: string, options: GraphOptions, everyCall: boolean): { result: GraphResult; calls: AutogradGraph[] } {
  const lines = source.split(/\r\n|\r|\n/);
  const at = options.at;
  const count = lines.length - (lines.at(-1) === '' ? 1 : 0);
  if (typeof at === 'number' && !(Number.isInteger(at) && at >= 1 && at <= count)) {
    throw new GraphMomentError(`--at ${at}: the script has lines 1 to ${count}`);
  }
  const recorder = new GraphRecorder();
  const freedBy = new Map<Node, number>();
  /** The script's variables that hold tensors now: the roots of a drawing at a line or at the end. */
  const vars = new Map<string, Tensor>();
  let graph: AutogradGraph | null = null;
  /** A snapshot taken when `at`'s line began may still give way to a backward call on that line. */
  let final = false;
  let failure: unknown = null;
  let reachedByCall: Node[] = [];
  const calls: AutogradGraph[] = [];

  const snapshot = (roots: { tensor: Tensor; name: string }[], moment: GraphMoment) => {
    try {
      graph = buildGraph(roots, { recorder, freedBy, lines }, moment);
    } catch (e) {
      failure = e;
      graph = null;
    }
  };
  const namedRoots = () =>
    [...vars].filter(([, t]) => t.gradFn !== null || t.requiresGrad).map(([name, tensor]) => ({ name, tensor }));
  const statementOf = (line: number) => clip((lines[line - 1] ?? '').trim());

  setTapeListener(recorder);
  setBackwardObserver({
    before(call: BackwardCall) {
      recorder.paused = true;
      reachedByCall = reachable(call.outputs);
      const line = recorder.line;
      if (!everyCall && (final || (at !== undefined && at !== line))) return;
      final = true;
      const roots = call.outputs.map((tensor) => ({ tensor, name: rootName(tensor, recorder, statementOf(line)) }));
      snapshot(roots, { kind: call.kind, line, statement: statementOf(line) });
      if (everyCall && graph) calls.push(graph);
    },
    after(call) {
      recorder.paused = false;
      if (call.retainGraph) return;
      for (const n of reachedByCall) {
        if (!freedBy.has(n) && n instanceof OpNode && n.savedTensors.size > 0 && [...n.savedTensors.values()].every((s) => s.inspect().freed)) {
          freedBy.set(n, recorder.line);
        }
      }
    },
  });
  let run;
  try {
    run = runScript(source, {
      fileName: options.fileName,
      limits: options.limits,
      statement: (line) => {
        recorder.line = line;
        if (graph !== null && !final && line !== at) final = true;
        if (!final && graph === null && line === at) snapshot(namedRoots(), { kind: 'line', line, statement: statementOf(line) });
      },
      assigned: (name, value) => {
        if (value instanceof Tensor) {
          recorder.named(name, value);
          vars.set(name, value);
        } else vars.delete(name);
      },
    });
  } finally {
    setTapeListener(null);
    setBackwardObserver(null);
  }
  const done = (result: GraphResult) => ({ result, calls });
  if (failure instanceof GraphTooLargeError) return done({ ...run, graph: null, error: failure.message });
  if (failure) throw failure;
  if (run.exitCode === 2) return done({ ...run, graph: null, error: 'the script is outside the subset dzdx runs' });
  if (everyCall) return done({ ...run, graph: null });
  if (graph === null && (at === undefined || at === 'end')) {
    snapshot(namedRoots(), { kind: 'end', line: null, statement: '' });
    if (failure) return done({ ...run, graph: null, error: (failure as Error).message });
  }
  if (graph === null) {
    const stopped = run.exitCode === 1 ? `: the script stopped with an error on line ${recorder.line} first` : '';
    return done({ ...run, graph: null, error: `line ${at} never ran${stopped}` });
  }
  return done({ ...run, graph });
}

/** A backward root's name: its variable, else the expression before `.backward(`. */
function rootName(t: Tensor, recorder: GraphRecorder, statement: string): string {
  const named = recorder.nameOf(t);
  if (named) return named;
  const expr = /^(.+?)\.backward\(/.exec(statement)?.[1];
  if (!expr) return 'output';
  return expr.length > 24 ? `${expr.slice(0, 23)}…` : expr;
}
