/**
 * `dzdx graph FILE [-o out.svg|out.dot] [--at LINE|end] [--format …]` and
 * the graphs `dzdx check --graph` attaches to its report.
 */
import { loadLibrariesFor } from '../src/libraries.js';
import { writeFileSync } from 'node:fs';
import type { CheckReport } from '../src/check/check.js';
import { captureCallGraphs, captureGraph, GraphMomentError, renderSvg, toDot, toText, type AutogradGraph } from '../src/graph/index.js';

export type GraphFormat = 'dot' | 'svg' | 'text' | 'json';

export interface GraphArgs {
  output?: string;
  at?: string;
  format?: GraphFormat;
}

const FORMAT_OF_EXTENSION: Record<string, GraphFormat> = { '.svg': 'svg', '.dot': 'dot', '.gv': 'dot', '.txt': 'text', '.json': 'json' };

function fail(message: string): number {
  process.stderr.write(`dzdx: ${message}\n`);
  return 2;
}

export async function render(graph: AutogradGraph, format: GraphFormat): Promise<string> {
  switch (format) {
    case 'dot':
      return toDot(graph);
    case 'svg':
      return renderSvg(toDot(graph));
    case 'text':
      return toText(graph);
    case 'json':
      return JSON.stringify({ ...graph, dot: toDot(graph) }, null, 2) + '\n';
  }
}

/** Runs the command; returns the exit code. */
export async function graphCommand(args: GraphArgs, source: string, fileName: string): Promise<number> {
  await loadLibrariesFor(source);
  let at: number | 'end' | undefined;
  if (args.at !== undefined) {
    if (/^\d+$/.test(args.at)) at = Number(args.at);
    else if (args.at === 'end') at = 'end';
    else return fail(`--at takes a line number or "end", not "${args.at}"`);
  }
  let format = args.format;
  if (args.output !== undefined) {
    const ext = /\.[^./\\]+$/.exec(args.output)?.[0].toLowerCase() ?? '';
    const implied = FORMAT_OF_EXTENSION[ext];
    if (!implied) return fail(`-o ${args.output}: name an .svg, .dot, .txt or .json file`);
    if (format !== undefined && format !== implied) return fail(`-o ${args.output} is ${implied}, not --format ${format}`);
    format = implied;
  }
  let result;
  try {
    result = captureGraph(source, { fileName, at });
  } catch (e) {
    if (e instanceof GraphMomentError) return fail(`${fileName}: ${e.message}`);
    throw e;
  }
  if (result.exitCode === 2) {
    process.stderr.write(result.stderr);
    return 2;
  }
  if (result.graph === null) return fail(`${fileName}: ${result.error ?? 'no graph'}`);
  if (result.exitCode === 1) {
    const last = result.stderr.trimEnd().split('\n').at(-1);
    process.stderr.write(`dzdx: note: the script stopped with an error: ${last}\n`);
  }
  const text = await render(result.graph, format ?? 'dot');
  if (args.output === undefined) {
    process.stdout.write(text);
    return 0;
  }
  try {
    writeFileSync(args.output, text);
  } catch (e) {
    return fail(`cannot write ${args.output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return 0;
}

/**
 * `dzdx check --graph`: the graph of every call, as PyTorch held it just
 * before the call ran. JSON: each call gets `graph` (nodes, edges, DOT);
 * text: an outline per call after the report.
 */
export function attachGraphs(report: CheckReport, source: string, fileName: string): { json: object; text: string } {
  const { graphs, error } = captureCallGraphs(source, { fileName });
  const calls = report.calls.map((c, i) => {
    const g = graphs[i];
    return g && g.moment.line === c.line ? { ...c, graph: { ...g, dot: toDot(g) } } : c;
  });
  const text = graphs.length === 0 && !error ? '' : `\nautograd graphs\n${graphs.map((g) => indent(toText(g))).join('')}${error ? `  ${error}\n` : ''}`;
  return { json: { ...report, calls }, text };
}

const indent = (s: string) => s.replace(/^(?=.)/gm, '  ');
