/**
 * Printed output compared as PyTorch prints it: tensors by their values
 * (to the tolerance, as printing rounds), their shape and their printed
 * extras (`requires_grad=True`, `grad_fn=<…>`, `dtype=…`); the text around
 * them, and line breaks inside them, by words only.
 */
import { AnswerError, readTensorAt, type ValueAnswer } from './answer.js';
import { closeAll, type Tolerance } from './exercise.js';

type Segment = { kind: 'text'; text: string } | { kind: 'tensor'; tensor: ValueAnswer };

function segments(text: string): Segment[] {
  const out: Segment[] = [];
  let at = 0;
  for (let i = text.indexOf('tensor(', at); i >= 0; i = text.indexOf('tensor(', at)) {
    const { value, end } = readTensorAt(text, i);
    out.push({ kind: 'text', text: text.slice(at, i) }, { kind: 'tensor', tensor: value });
    at = end;
  }
  out.push({ kind: 'text', text: text.slice(at) });
  return out;
}

const words = (s: string) => s.replace(/\s+/g, ' ').trim();
const show = (t: ValueAnswer) => [...t.extras].map(([k, v]) => `${k}=${v}`).join(', ') || 'no extras';

export function comparePrinted(answer: string, expected: string, tolerance: Tolerance): { same: boolean; detail: string } {
  if (words(answer) === words(expected)) return { same: true, detail: '' };
  let got: Segment[];
  try {
    got = segments(answer);
  } catch (e) {
    if (e instanceof AnswerError) return { same: false, detail: `(A tensor in the answer cannot be read: ${e.message}, line ${e.line}, column ${e.col}.)` };
    throw e;
  }
  const want = segments(expected);
  if (got.length !== want.length) {
    const n = (want.length - 1) / 2;
    return { same: false, detail: `This line prints ${n === 1 ? 'one tensor' : `${n} tensors`}, as tensor(...).` };
  }
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i]!, want[i]!];
    if (g.kind === 'text' && w.kind === 'text') {
      if (words(g.text) !== words(w.text)) return { same: false, detail: '' };
      continue;
    }
    if (g.kind !== 'tensor' || w.kind !== 'tensor') return { same: false, detail: '' };
    if (g.tensor.shape.join() !== w.tensor.shape.join()) return { same: false, detail: `The tensor's shape is [${w.tensor.shape.join(', ')}].` };
    if (!closeAll(g.tensor.values, w.tensor.values, tolerance)) return { same: false, detail: '' };
    const extras = (t: ValueAnswer) => [...t.extras].sort().map(([k, v]) => `${k}=${v}`).join();
    if (extras(g.tensor) !== extras(w.tensor)) {
      return { same: false, detail: `The values are right, but PyTorch prints ${show(w.tensor)} with them, not ${show(g.tensor)}.` };
    }
  }
  return { same: true, detail: '' };
}
