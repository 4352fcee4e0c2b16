/**
 * Quick-expression results as text for people (`dzdx check -e`,
 * `dzdx diff`), JSON for machines, and input errors as
 * `<expr>:1:COL: message` with the text and a caret. No mathjs here.
 */
import { formatScriptError } from '../program/errors.js';
import { clip, clipMessage } from '../program/excerpt.js';
import { ExpressionError } from '../symbolic/expression.js';
import { AtValuesError } from './at-values.js';
import type { DiffResult, ExpressionGradient, ExpressionReport } from './expression-check.js';
import { formulaRows, nested, type ReportOptions } from './report.js';

/**
 * Control characters (and bidirectional overrides) of untrusted text echoed
 * to a terminal, each replaced by one character so that the caret stays in
 * its column. Tabs stay (the caret line copies them).
 */
function printable(line: string): string {
  return line.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '\ufffd');
}

/**
 * `NAME:LINE:COL: message`, the line of `text` and a caret under the column,
 * as script errors are shown (formatScriptError: a long line is cut to a
 * window around the column). No trailing newline.
 */
export function formatInputError(err: { line: number; col: number; message: string }, name: string, text: string): string {
  const message = printable(err.message.split(/\r\n|\r|\n/)[0]!);
  return formatScriptError({ ...err, message }, name, text.split(/\r\n|\r|\n/).map(printable).join('\n'));
}

/** The expression on one line, shortened when long. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return printable(clip(flat));
}

function num(v: number): string {
  return nested([v], []);
}

function gradient(g: ExpressionGradient, of: string, options: ReportOptions): string[] {
  const rows = [
    ...formulaRows(`  d${of}/d${g.name} = `, options.full ? g.fullFormula : g.formula),
    ...(options.latex ? formulaRows('    LaTeX: ', options.full ? g.fullLatex : g.latex) : []),
    `    expected            ${nested(g.expected, g.shape)}`,
    `    actual (tape)       ${nested(g.actual, g.shape)}`,
    `    finite differences  ${nested(g.finiteDifferences, g.shape)}`,
    `    max abs error ${num(g.maxAbsError)}, max rel error ${num(g.maxRelError)}: ${g.verdict}`,
  ];
  for (const n of g.notes) rows.push(`    note: ${n}`);
  return rows;
}

/** The report of `dzdx check -e`. */
export function formatExpressionReport(r: ExpressionReport, options: ReportOptions = {}): string {
  const of = r.target ?? 'f';
  const header = r.target === null ? `f = ${oneLine(r.expression)}` : oneLine(r.expression);
  const rows = [
    `${header}   (shape [${r.shape.join(', ')}], ${r.dtype})`,
    `  ${of} = ${nested(r.value, r.shape)}`,
  ];
  if (r.value.length > 1) rows.push(`  gradients of sum(${of}), as ${of}.backward(torch.ones_like(${of}))`);
  for (const g of r.gradients) rows.push(...gradient(g, of, options));
  const agree = r.gradients.filter((g) => g.verdict === 'agree').length;
  rows.push(`${agree} of ${r.gradients.length} gradient${r.gradients.length === 1 ? '' : 's'} agree: ${r.ok ? 'agree' : 'disagree'}`);
  return rows.join('\n') + '\n';
}

/** `dzdx diff`: the formula (LaTeX with `latex`) and, when evaluated, its values on the next line. */
export function formatDiff(d: DiffResult, options: { latex?: boolean } = {}): string {
  const rows = [options.latex ? d.latex.trim() : d.formula];
  if (d.values !== undefined && d.shape !== undefined) rows.push(nested(d.values, d.shape));
  return rows.join('\n') + '\n';
}

/** JSON with NaN and infinities kept (as "nan", "inf", "-inf"; JSON itself would write null). */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf') : v),
    2,
  );
}

/**
 * What `dzdx check -e` and `dzdx diff` print for an error (exit 2): the
 * position in the expression (`<expr>:1:COL:`) or in the values
 * (`<at>:1:COL:`) with a caret, else one line. Never a stack trace.
 */
export function formatExpressionError(err: unknown, exprText: string): string {
  if (err instanceof ExpressionError) return formatInputError(err, '<expr>', exprText);
  if (err instanceof AtValuesError) return formatInputError(err, '<at>', err.text);
  const message = err instanceof Error ? err.message : String(err);
  const known = err instanceof Error && ['ExpressionUsageError', 'DeriveError', 'CompileError'].includes(err.name);
  return `dzdx: ${known ? '' : 'error: '}${printable(clipMessage(message.split(/\r\n|\r|\n/)[0]!))}`;
}
