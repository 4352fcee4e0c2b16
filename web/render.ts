/**
 * The check report as HTML: a card per backward()/autograd.grad() call with
 * its verdict, a row per leaf with the formula typeset by KaTeX and the
 * three sets of values, and the explanations. Text from the script goes in
 * through textContent only; KaTeX's own output is the one HTML string used.
 */
import katex from 'katex';
// KaTeX's styles with its fonts inlined (woff2 only: web/vite.config.ts), added to the page with the first formula.
import katexStyles from 'katex/dist/katex.min.css?inline';
import type { CallReport, CheckReport, TargetReport } from '../src/check/check.js';
import { nested } from '../src/check/report.js';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

let styled = false;

/** `\frac{\partial z}{\partial x} = …`, typeset; plain text if KaTeX cannot. */
function formula(of: string, t: TargetReport): HTMLElement {
  if (!styled) {
    document.head.append(Object.assign(document.createElement('style'), { textContent: katexStyles }));
    styled = true;
  }
  const cell = el('span', { class: 'formula', 'data-formula': t.formula });
  const tex = (s: string) => s.replace(/_/g, '\\_');
  const lhs = `\\frac{\\partial ${tex(of)}}{\\partial ${tex(t.name)}}`;
  try {
    cell.innerHTML = katex.renderToString(`${lhs} = ${t.latex || '\\text{(not shown)}'}`, { throwOnError: true, output: 'html' });
  } catch {
    cell.textContent = `d${of}/d${t.name} = ${t.formula}`;
  }
  return cell;
}

/** A formula too long to show (summarised, or element groups left out) can be unfolded whole, as `--full` prints it. */
function wholeFormula(t: TargetReport): HTMLElement[] {
  if (t.fullFormula === t.formula) return [];
  return [el('details', { class: 'whole-formula' }, el('summary', {}, 'whole formula'), el('pre', {}, t.fullFormula))];
}

const short = (v: number) => (v === 0 ? '0' : v.toPrecision(3));

const verdict = (v: 'agree' | 'disagree') => el('span', { class: `verdict ${v}`, 'data-verdict': v }, v);

function callCard(c: CallReport): HTMLElement {
  // The output's name as the text report gives it: `z` of `z.backward(…)`.
  const of = /^([A-Za-z_]\w*)\.backward/.exec(c.statement)?.[1] ?? 'out';
  const card = el('div', { class: 'call', 'data-line': String(c.line), 'data-verdict': c.verdict });
  card.append(el('h3', {}, `line ${c.line}: `, el('code', {}, c.statement), ` [${c.kind === 'grad' ? 'autograd.grad' : 'backward'}]`, verdict(c.verdict)));
  if (c.expectedError) {
    card.append(
      el('p', {}, `expected error: ${c.expectedError.length ? c.expectedError.join(', ') : 'none'}`),
      el('p', {}, `actual error: ${c.actualError ?? 'none'}`),
    );
  }
  if (c.targets.length) {
    const table = el('table', { class: 'targets' });
    table.append(el('tr', {}, ...['gradient', 'expected', 'actual (tape)', 'finite differences', 'max abs / rel error', ''].map((h) => el('th', {}, h))));
    for (const t of c.targets) {
      const fd = t.finiteDifferences ? (t.sampled ? `at ${t.sampled.length} sampled elements: ${t.finiteDifferences.join(', ')}` : nested(t.finiteDifferences, t.shape)) : '—';
      table.append(
        el(
          'tr',
          { 'data-target': t.name },
          el('td', {}, formula(of, t), ...wholeFormula(t)),
          el('td', { class: 'values' }, nested(t.expected, t.shape)),
          el('td', { class: 'values' }, t.actual ? nested(t.actual, t.shape) : 'None'),
          el('td', { class: 'values' }, fd),
          el('td', { class: 'values' }, `${short(t.maxAbsError)} / ${short(t.maxRelError)}`),
          el('td', {}, verdict(t.verdict)),
        ),
      );
    }
    card.append(table);
  }
  if (c.notes.length) card.append(el('ul', { class: 'notes' }, ...c.notes.map((n) => el('li', {}, n))));
  return card;
}

export function renderCheck(report: CheckReport): HTMLElement {
  const box = el('div', { class: 'report', 'data-ok': String(report.ok) });
  if (report.calls.length === 0) box.append(el('p', {}, 'No backward() or autograd.grad() call to check.'));
  for (const c of report.calls) box.append(callCard(c));
  return box;
}
