/**
 * Exercise mode: load an exercise file (a bundled one, a file from disk or
 * pasted text), show its script and questions, and grade each answer with
 * src/grade (grade()): right, wrong with the mistake named, or
 * unreadable with the position. Nothing is sent anywhere. Loaded when the
 * Exercises tab is first shown (the grader brings mathjs).
 */
// The grading modules themselves, not src/grade/index.ts: batches, CSV and notebooks are for the CLI.
import { parseExercise, type Question } from '../src/grade/exercise.js';
import { grade } from '../src/grade/grade.js';
import { buildKey, type ExerciseKey } from '../src/grade/key.js';
import { mistakeTitle } from '../src/grade/mistakes.js';
import { clipMessage } from '../src/program/excerpt.js';
import { TextPositionError } from '../src/symbolic/expression.js';

const HINTS: Record<Question['kind'], string> = {
  gradient: 'values, nested like the tensor: [[2, 4], [6, 8]] (or None)',
  derivative: 'a formula, e.g. 2*x + 3*x^2',
  print: 'the text the line prints',
  raises: 'the error (RuntimeError: …), or "no error"',
  script: 'Python code, run as a script',
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** Parse and key an exercise; a bad file is one message with its line and column. */
export function loadExercise(text: string, name: string): { key: ExerciseKey } | { error: string } {
  try {
    return { key: buildKey(parseExercise(text)) };
  } catch (e) {
    if (e instanceof TextPositionError) return { error: `${name}:${e.line}:${e.col}: ${clipMessage(e.message)}` };
    return { error: `${name}: ${clipMessage(e instanceof Error ? e.message : String(e))}` };
  }
}

function questionCard(key: ExerciseKey, q: Question): HTMLElement {
  const answer = el('textarea', { class: 'answer', rows: q.kind === 'print' ? '4' : q.kind === 'script' ? '8' : '2', spellcheck: 'false', 'aria-label': `answer to ${q.id}`, placeholder: HINTS[q.kind] });
  const feedback = el('div', { class: 'feedback', role: 'status' });
  const button = el('button', { type: 'button', class: 'grade' }, 'Grade');
  const run = () => {
    const r = grade(key, q.id, answer.value);
    feedback.dataset.verdict = r.verdict;
    feedback.replaceChildren(
      el('span', { class: `verdict ${r.verdict === 'right' ? 'agree' : 'disagree'}` }, r.verdict),
      ` ${r.score} of ${r.points} point${r.points === 1 ? '' : 's'}. `,
      ...(r.mistake ? [el('strong', {}, `Mistake: ${mistakeTitle(r.mistake)}. `)] : []),
      r.feedback,
    );
  };
  button.addEventListener('click', run);
  answer.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      run();
    }
  });
  return el('div', { class: 'question', 'data-id': q.id }, el('p', {}, el('strong', {}, `${q.id} `), `(${q.points} point${q.points === 1 ? '' : 's'}) `, q.prompt), answer, button, feedback);
}

export function renderExercise(key: ExerciseKey): HTMLElement {
  const ex = key.exercise;
  const box = el('div', { class: 'exercise' }, el('h2', {}, ex.title));
  if (ex.script !== null) {
    const numbered = ex.script.replace(/\n$/, '').split('\n').map((l, i) => `${String(i + 1).padStart(3)}  ${l}`).join('\n');
    box.append(el('pre', { class: 'out exercise-script' }, numbered));
  }
  if (ex.expression !== null) box.append(el('p', {}, 'Expression: ', el('code', {}, ex.expression)));
  for (const q of ex.questions) box.append(questionCard(key, q));
  return box;
}
