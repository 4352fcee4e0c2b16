/**
 * The playground page: pick or paste a script, run it here with the same
 * library the CLI uses, and show what PyTorch prints (`dzdx run`), the
 * check report (`dzdx check`) and the autograd graph (`dzdx graph`).
 */
import 'katex/dist/katex.min.css';
import './style.css';
import { check } from '../src/check/check.js';
import { formatReport } from '../src/check/report.js';
import { captureCallGraphs, captureGraph, renderSvg, toDot, type AutogradGraph } from '../src/graph/index.js';
import { runScript } from '../src/program/run.js';
import { renderCheck } from './render.js';
import { encodeScript, readFragment } from './share.js';
import { SNIPPETS } from './snippets.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const source = $<HTMLTextAreaElement>('source');
const picker = $<HTMLSelectElement>('example');
const moment = $<HTMLSelectElement>('graph-moment');
const status = $<HTMLParagraphElement>('status');
const OWN = '(your script)';

let graphs: AutogradGraph[] = [];
let runs = 0;

/** The file name tracebacks show: the example's path as the CLI is given it, else script.py. */
function fileName(): string {
  return SNIPPETS.find((s) => s.name === picker.value && s.source === source.value)?.path ?? 'script.py';
}

function setState(state: 'running' | 'done' | 'error'): void {
  document.body.dataset.state = state;
  if (state !== 'running') document.body.dataset.runs = String(++runs);
}

async function run(): Promise<void> {
  setState('running');
  status.textContent = 'Running…';
  // Let the browser paint "Running…" before the synchronous work.
  await new Promise((r) => setTimeout(r, 0));
  const text = source.value;
  const name = fileName();
  const started = performance.now();
  try {
    const result = runScript(text, { fileName: name });
    $('stdout').textContent = result.stdout;
    const stderr = $('stderr');
    stderr.textContent = result.stderr;
    stderr.hidden = result.stderr === '';
    document.body.dataset.exitCode = String(result.exitCode);

    const report = check(text, { fileName: name });
    const checkBox = $('check');
    const reportText = $('report-text');
    if (report.exitCode === 2) {
      checkBox.replaceChildren('Not checked: the script is outside the subset dzdx runs (see the error above).');
      reportText.textContent = report.stderr;
      graphs = [];
    } else {
      checkBox.replaceChildren(renderCheck(report));
      reportText.textContent = formatReport(report);
      const calls = captureCallGraphs(text, { fileName: name });
      const end = captureGraph(text, { fileName: name, at: 'end' });
      graphs = [...calls.graphs, ...(end.graph ? [end.graph] : [])];
    }
    fillMoments();
    await showGraph();
    const ms = Math.round(performance.now() - started);
    status.textContent = `Ran in ${ms} ms: exit code ${result.exitCode}${report.exitCode === 2 ? '' : `, ${report.calls.filter((c) => c.verdict === 'agree').length} of ${report.calls.length} backward calls agree`}.`;
    setState('done');
  } catch (e) {
    // Typed errors are reported by the library itself; anything else is our bug, shown without a stack.
    status.textContent = `dzdx failed on this script: ${e instanceof Error ? e.message : String(e)}`;
    setState('error');
  }
}

function fillMoments(): void {
  moment.replaceChildren(
    ...graphs.map((g, i) => {
      const what = g.moment.kind === 'end' ? 'at the end of the script' : g.moment.kind === 'line' ? `at line ${g.moment.line}` : `line ${g.moment.line}: ${g.moment.statement} (before it runs)`;
      return new Option(what, String(i));
    }),
  );
  moment.disabled = graphs.length === 0;
}

async function showGraph(): Promise<void> {
  const box = $('graph');
  const g = graphs[Number(moment.value)];
  if (!g) {
    box.replaceChildren('No graph: the script did not run.');
    box.dataset.nodes = '0';
    $('graph-dot').textContent = '';
    return;
  }
  const dot = toDot(g);
  $('graph-dot').textContent = dot;
  const svg = new DOMParser().parseFromString(await renderSvg(dot), 'image/svg+xml').documentElement;
  box.replaceChildren(document.importNode(svg, true));
  box.dataset.nodes = String(g.nodes.length);
  box.dataset.edges = String(g.edges.length);
}

function pick(name: string): void {
  const s = SNIPPETS.find((x) => x.name === name);
  if (!s) return;
  picker.value = s.name;
  source.value = s.source;
  history.replaceState(null, '', `#example=${encodeURIComponent(s.name)}`);
}

async function share(): Promise<void> {
  const ex = SNIPPETS.find((s) => s.name === picker.value && s.source === source.value);
  const hash = ex ? `#example=${encodeURIComponent(ex.name)}` : `#script=${await encodeScript(source.value)}`;
  history.replaceState(null, '', hash);
  const shareStatus = $('share-status');
  try {
    await navigator.clipboard.writeText(location.href);
    shareStatus.textContent = 'link copied';
  } catch {
    // No clipboard (a file:// page, a denied permission): the address bar holds the link.
    shareStatus.textContent = 'the address bar holds the link';
  }
}

async function init(): Promise<void> {
  picker.replaceChildren(...SNIPPETS.map((s) => new Option(s.name, s.name)), new Option(OWN, OWN));
  const shared = await readFragment(location.hash);
  if (shared.kind === 'script') {
    picker.value = OWN;
    source.value = shared.source;
  } else {
    pick(shared.kind === 'example' && SNIPPETS.some((s) => s.name === shared.name) ? shared.name : SNIPPETS[0]!.name);
  }
  picker.addEventListener('change', () => {
    if (picker.value !== OWN) {
      pick(picker.value);
      void run();
    }
  });
  source.addEventListener('input', () => {
    if (picker.value !== OWN) picker.value = OWN;
  });
  source.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void run();
    }
  });
  $('run').addEventListener('click', () => void run());
  $('share').addEventListener('click', () => void share());
  moment.addEventListener('change', () => void showGraph());
  await run();
  if (shared.kind === 'error') status.textContent = shared.message;
}

void init();
