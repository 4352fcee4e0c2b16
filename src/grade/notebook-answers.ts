/**
 * Answers handed in as a Jupyter notebook: a cell per question, tagged
 * with the question's id (`grad`, or `question:grad` / `answer:grad`) or
 * beginning with a comment that names it (`# question: grad`, in a
 * markdown cell also `<!-- question: grad -->`). The answer is the cell's
 * text with that comment, a Markdown code fence around it and a leading
 * `name =` (for values and formulas) blanked out, so that a position in the
 * answer is the same line and column in the cell.
 */
import type { Cell, Notebook } from '../notebook/index.js';
import type { Question } from './exercise.js';

export interface NotebookAnswer {
  question: string;
  text: string;
  cell: Cell;
}

const MARKER = /^\s*(?:#|<!--|\/\/)?\s*(?:question|answer)\s*[:=]?\s*([A-Za-z0-9_.-]+)\s*(?:-->)?\s*$/i;

/** Which question a cell answers, and the line (0-based) of the comment naming it, if it has one. */
function questionOf(cell: Cell, ids: ReadonlySet<string>): { id: string; marker: number | null } | null {
  const first = cell.lines.findIndex((l) => l.trim() !== '');
  const named = first >= 0 ? MARKER.exec(cell.lines[first]!)?.[1] : undefined;
  const tagged = cell.tags.map((t) => t.replace(/^(?:question|answer)[:=]/i, '')).find((id) => ids.has(id));
  const id = tagged ?? (named !== undefined && ids.has(named) ? named : undefined);
  if (id === undefined) return null;
  return { id, marker: named === id ? first : null };
}

const blank = (line: string) => line.replace(/[^\t]/g, ' ');

/**
 * The answers of a notebook, per question id; when several cells answer
 * one question the last is graded, and `notes` says so.
 */
export function notebookAnswers(notebook: Notebook, questions: readonly Question[]): { answers: Map<string, NotebookAnswer>; notes: string[] } {
  const ids = new Set(questions.map((q) => q.id));
  const answers = new Map<string, NotebookAnswer>();
  const notes: string[] = [];
  for (const cell of notebook.cells) {
    const found = questionOf(cell, ids);
    if (!found) continue;
    const question = questions.find((q) => q.id === found.id)!;
    const lines = cell.lines.slice();
    if (found.marker !== null) lines[found.marker] = blank(lines[found.marker]!);
    // A Markdown (or raw) cell's code fence.
    if (cell.kind !== 'code') {
      const open = lines.findIndex((l) => /^\s*```/.test(l));
      const close = open >= 0 ? lines.findIndex((l, k) => k > open && /^\s*```\s*$/.test(l)) : -1;
      if (open >= 0 && close > open) lines.forEach((l, k) => (lines[k] = k > open && k < close ? l : blank(l)));
    }
    if (question.kind === 'gradient' || question.kind === 'derivative') {
      // Comment lines, and `name = ` before the value (`answer = [[2, 2], [2, 2]]`).
      lines.forEach((l, k) => {
        if (/^\s*#/.test(l)) lines[k] = blank(l);
      });
      const first = lines.findIndex((l) => l.trim() !== '');
      if (first >= 0) lines[first] = lines[first]!.replace(/^(\s*[A-Za-z_][\w.]*\s*=)(?!=)/, (m) => blank(m));
    }
    const previous = answers.get(found.id);
    if (previous) notes.push(`${notebook.fileName}: cells ${previous.cell.number} and ${cell.number} both answer '${found.id}': cell ${cell.number} is graded`);
    answers.set(found.id, { question: found.id, text: lines.join('\n'), cell });
  }
  return { answers, notes };
}
