/** The check report as text for people. (JSON for machines is the report object itself.) */
import type { CallReport, CheckReport, TargetReport } from './check.js';

function num(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return '0';
  const s = Math.abs(v) >= 1e-4 && Math.abs(v) < 1e6 ? String(Number(v.toPrecision(6))) : v.toExponential(4);
  return s;
}

/** Past this many elements, values are summarised as PyTorch summarises a print. */
const SHOWN_VALUES = 20;

/** Values nested as the tensor's shape: `[[2, 4], [6, 8]]`. */
export function nested(values: readonly number[], shape: readonly number[]): string {
  if (shape.length === 0) return num(values[0]!);
  if (values.length > SHOWN_VALUES) {
    const head = values.slice(0, 3).map(num);
    const tail = values.slice(-3).map(num);
    return `[${[...head, '…', ...tail].join(', ')}] (${values.length} elements, shape [${shape.join(', ')}])`;
  }
  let i = 0;
  const build = (dim: number): string =>
    dim === shape.length ? num(values[i++]!) : `[${Array.from({ length: shape[dim]! }, () => build(dim + 1)).join(', ')}]`;
  return build(0);
}

/** A formula's lines: the first after `lead`, element lines under it, `where` and `with` lines indented. */
export function formulaRows(lead: string, text: string): string[] {
  const [first = '', ...rest] = text.split('\n');
  const under = ' '.repeat(lead.length);
  const aside = (l: string) => l.startsWith('where ') || l.startsWith('with ') || l.startsWith('      ');
  return [lead + first, ...rest.map((l) => (aside(l) ? `      ${l}` : under + l))];
}

function target(t: TargetReport, of: string, options: ReportOptions): string[] {
  const rows = [
    ...formulaRows(`  ${of}/d${t.name} = `, options.full ? t.fullFormula : t.formula),
    ...(options.latex ? formulaRows('    LaTeX: ', options.full ? t.fullLatex : t.latex) : []),
    `    expected            ${nested(t.expected, t.shape)}`,
    `    actual (tape)       ${t.actual ? nested(t.actual, t.shape) : 'None (no gradient)'}`,
  ];
  if (t.finiteDifferences && t.sampled) {
    rows.push(`    finite differences  at ${t.sampled.length} sampled elements: ${t.finiteDifferences.map(num).join(', ')}`);
  } else if (t.finiteDifferences) rows.push(`    finite differences  ${nested(t.finiteDifferences, t.shape)}`);
  rows.push(`    max abs error ${num(t.maxAbsError)}, max rel error ${num(t.maxRelError)}: ${t.verdict}`);
  return rows;
}

export interface ReportOptions {
  /** Each formula in LaTeX too. */
  latex?: boolean;
  /** Whole formulas, however long (else a summary past FORMULA_LINE_LIMIT characters a line). */
  full?: boolean;
}

function call(c: CallReport, options: ReportOptions): string[] {
  const what = c.kind === 'grad' ? 'autograd.grad' : 'backward';
  const rows = [`line ${c.line}: ${c.statement}   [${what}]`];
  const of = `d${(c.statement.match(/^([A-Za-z_]\w*)\.backward/) ?? [])[1] ?? 'out'}`;
  if (c.expectedError) {
    rows.push(`  expected error: ${c.expectedError.length ? c.expectedError.join(', ') : 'none'}`);
    rows.push(`  actual error:   ${c.actualError ?? 'none'}`);
  }
  for (const t of c.targets) rows.push(...target(t, of, options));
  for (const n of c.notes) rows.push(`  note: ${n}`);
  rows.push(`  verdict: ${c.verdict}`);
  return rows;
}

export function formatReport(r: CheckReport, options: ReportOptions = {}): string {
  const rows: string[] = [];
  for (const c of r.calls) rows.push(...call(c, options), '');
  const agree = r.calls.filter((c) => c.verdict === 'agree').length;
  if (r.calls.length === 0) rows.push('no backward() or autograd.grad() call to check');
  rows.push(`${agree} of ${r.calls.length} backward call${r.calls.length === 1 ? '' : 's'} agree${r.exitCode ? `; the script exited with ${r.exitCode}` : ''}`);
  return rows.join('\n') + '\n';
}
