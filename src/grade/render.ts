/**
 * An exercise as one student sees it: with their values drawn (`params`),
 * as text, or as a starter Jupyter notebook (the script, then for each
 * question its prompt and a cell tagged with the question's id, ready to be
 * answered and handed in for `dzdx grade EXERCISE NOTEBOOK.ipynb`).
 */
import type { Exercise, Question } from './exercise.js';
import { instantiate } from './params.js';

const WHAT: Record<Question['kind'], string> = {
  gradient: 'values, nested like the tensor (or None)',
  derivative: 'a formula',
  print: 'the text the line prints',
  raises: "the error (RuntimeError: …), or 'no error'",
  script: 'Python code',
};

export function renderText(template: Exercise, student: string): string {
  const { exercise, values } = instantiate(template, student);
  const out = [exercise.title, ''];
  if (values) out.push(`(values for ${student || 'the empty id'}: ${Object.entries(values).map(([k, v]) => `${k} = ${v}`).join(', ')})`, '');
  if (exercise.script !== null) out.push(exercise.script.trimEnd(), '');
  if (exercise.expression !== null) out.push(exercise.expression, '');
  for (const q of exercise.questions) out.push(`${q.id} (${q.points} point${q.points === 1 ? '' : 's'}): ${q.prompt || q.kind} [${WHAT[q.kind]}]`);
  return out.join('\n') + '\n';
}

const lines = (text: string) => text.split('\n').map((l, i, all) => (i < all.length - 1 ? `${l}\n` : l)).filter((l) => l !== '');

export function renderNotebook(template: Exercise, student: string): string {
  const { exercise } = instantiate(template, student);
  let n = 0;
  const cell = (kind: 'markdown' | 'code' | 'raw', text: string, tags: string[] = []) => ({
    cell_type: kind,
    id: `dzdx-${++n}`,
    metadata: tags.length ? { tags } : {},
    source: lines(text),
    ...(kind === 'code' ? { execution_count: null, outputs: [] } : {}),
  });
  const cells = [cell('markdown', `# ${exercise.title}`)];
  if (exercise.script !== null) cells.push(cell('code', exercise.script.trimEnd()));
  if (exercise.expression !== null) cells.push(cell('markdown', `$$${exercise.expression}$$`));
  for (const q of exercise.questions) {
    cells.push(cell('markdown', `**${q.id}** (${q.points} point${q.points === 1 ? '' : 's'}): ${q.prompt || q.kind}\n\n*Answer with ${WHAT[q.kind]} in the cell below (keep its first line).*`));
    // Values, formulas and code are Python; printed text and errors are not (a raw cell).
    cells.push(cell(q.kind === 'print' || q.kind === 'raises' ? 'raw' : 'code', `# question: ${q.id}\n`, [q.id]));
  }
  const notebook = {
    cells,
    metadata: {
      kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' },
      language_info: { name: 'python' },
      dzdx: { student },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return JSON.stringify(notebook, null, 1) + '\n';
}
