/**
 * The playground page: pick or paste a script, run it here with the same
 * library the CLI uses, and show what PyTorch prints (`dzdx run`), the
 * check report (`dzdx check`) and the autograd graph (`dzdx graph`).
 *
 * The output comes first: the page shows what the script printed as soon
 * as the tape has run it, and only then starts the check (mathjs), the
 * formulas (KaTeX and its fonts), the graph (Graphviz's WebAssembly) and
 * the grader. They are in the same one script (file:// allows no other
 * way), but imported where first needed, so their setup waits till then.
 */
import './style.css';
import type { AutogradGraph } from '../src/graph/index.js';
import '../src/all-libraries.js';
import { runScript } from '../src/program/run.js';
import { EXERCISES } from './exercise-files.js';
import { encodeScript, readFragment } from './share.js';
import { SNIPPETS } from './snippets.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const source = $<HTMLTextAreaElement>('source');
const picker = $<HTMLSelectElement>('example');
const moment = $<HTMLSelectElement>('graph-moment');
const status = $<HTMLParagraphElement>('status');
const OWN = '(your script)';

let graphs: AutogradGraph[] = [];
/** Why there is no graph to show (too large to draw, or the script did not run). */
let graphError = 'No graph: the script did not run.';
let runs = 0;

/** The file name tracebacks show: the example's path as the CLI is given it, else script.py. */
function fileName(): string {
  return SNIPPETS.find((s) => s.name === picker.value && s.source === source.value)?.path ?? 'script.py';
}

function setState(state: 'running' | 'done' | 'error'): void {
  document.body.dataset.state = state;
  if (state !== 'running') document.body.dataset.runs = String(++runs);
}

/** Lets the browser paint what the page shows so far before more synchronous work. */
const painted = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));

async function run(): Promise<void> {
  setState('running');
  status.textContent = 'Running…';
  await painted();
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
    document.body.dataset.output = String(runs + 1);
    await painted();

    const [{ check }, { formatReport }, { renderCheck }, { captureCallGraphs, captureGraph }] = await Promise.all([
      import('../src/check/check.js'),
      import('../src/check/report.js'),
      import('./render.js'),
      import('../src/graph/index.js'),
    ]);
    // A script that did not run (outside the subset, over a limit) is not run again for the check and the graph.
    const report = result.exitCode === 2 ? null : check(text, { fileName: name });
    const checkBox = $('check');
    const reportText = $('report-text');
    if (report === null || report.exitCode === 2) {
      const why = report === null ? 'the script did not run (see the error above)' : (report.stderr.split('\n')[0] ?? '');
      checkBox.replaceChildren(`Not checked: ${why}.`.replace(/\.\.$/, '.'));
      reportText.textContent = report?.stderr ?? result.stderr;
    } else {
      checkBox.replaceChildren(renderCheck(report));
      reportText.textContent = formatReport(report);
    }
    graphs = [];
    graphError = 'No graph: the script did not run.';
    if (result.exitCode !== 2) {
      const calls = captureCallGraphs(text, { fileName: name });
      const end = captureGraph(text, { fileName: name, at: 'end' });
      graphs = [...calls.graphs, ...(end.graph ? [end.graph] : [])];
      graphError = `No graph: ${calls.error ?? end.error ?? 'nothing to draw'}.`;
    }
    fillMoments();
    await showGraph();
    const ms = Math.round(performance.now() - started);
    status.textContent = `Ran in ${ms} ms: exit code ${result.exitCode}${report === null || report.exitCode === 2 ? '' : `, ${report.calls.filter((c) => c.verdict === 'agree').length} of ${report.calls.length} backward call${report.calls.length === 1 ? '' : 's'} agree`}.`;
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
    box.replaceChildren(graphError);
    box.dataset.nodes = '0';
    $('graph-dot').textContent = '';
    return;
  }
  const { renderSvg, toDot } = await import('../src/graph/index.js');
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
  // In exercise mode the address holds the exercise.
  if (!document.body.classList.contains('exercise-mode')) history.replaceState(null, '', `#example=${encodeURIComponent(s.name)}`);
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

function setMode(exercise: boolean): void {
  document.body.classList.toggle('exercise-mode', exercise);
  $('exercise-pane').hidden = !exercise;
  $('mode-script').setAttribute('aria-selected', String(!exercise));
  $('mode-exercise').setAttribute('aria-selected', String(exercise));
}

/** Show an exercise from its file text: its questions, or the file's error with its position. */
async function showExercise(text: string, name: string): Promise<void> {
  const { loadExercise, renderExercise } = await import('./exercise.js');
  const loaded = loadExercise(text, name);
  const error = $('exercise-error');
  error.hidden = !('error' in loaded);
  error.textContent = 'error' in loaded ? loaded.error : '';
  $('exercise').replaceChildren(...('key' in loaded ? [renderExercise(loaded.key)] : []));
  document.body.dataset.exercise = 'error' in loaded ? 'error' : 'loaded';
}

async function pickExercise(name: string): Promise<void> {
  const ex = EXERCISES.find((e) => e.name === name) ?? EXERCISES[0];
  if (!ex) return;
  const pickBox = $<HTMLSelectElement>('exercise-pick');
  pickBox.value = ex.name;
  $<HTMLTextAreaElement>('exercise-source').value = ex.text;
  history.replaceState(null, '', `#exercise=${encodeURIComponent(ex.name)}`);
  await showExercise(ex.text, `${ex.name}.yaml`);
}

function initExercises(): void {
  const pickBox = $<HTMLSelectElement>('exercise-pick');
  pickBox.replaceChildren(...EXERCISES.map((e) => new Option(e.name, e.name)));
  pickBox.addEventListener('change', () => void pickExercise(pickBox.value));
  $('exercise-load').addEventListener('click', () => void showExercise($<HTMLTextAreaElement>('exercise-source').value, 'exercise'));
  const file = $<HTMLInputElement>('exercise-file');
  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (!f) return;
    const text = await f.text();
    $<HTMLTextAreaElement>('exercise-source').value = text;
    await showExercise(text, f.name);
  });
  $('mode-script').addEventListener('click', () => {
    setMode(false);
    pick(picker.value === OWN ? SNIPPETS[0]!.name : picker.value);
  });
  $('mode-exercise').addEventListener('click', () => {
    setMode(true);
    void pickExercise(pickBox.value);
  });
}

async function init(): Promise<void> {
  initExercises();
  picker.replaceChildren(...SNIPPETS.map((s) => new Option(s.name, s.name)), new Option(OWN, OWN));
  const exercise = new URLSearchParams(location.hash.replace(/^#/, '')).get('exercise');
  if (exercise !== null) {
    setMode(true);
    void pickExercise(exercise);
  }
  const shared = await readFragment(exercise !== null ? '' : location.hash);
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
