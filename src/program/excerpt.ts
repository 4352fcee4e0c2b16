/**
 * Bounded echoes of untrusted text in messages. Every error, warning and
 * note that shows a line of a script, an expression, an exercise file or an
 * answer goes through here, so that a megabyte on one line gives a message
 * of a few hundred characters: a window of the line around the column, as
 * compilers show it, with `…` where the line is cut and the caret under the
 * same character as in the whole line.
 */

/** About how many characters of a line a message shows. */
export const EXCERPT_WIDTH = 200;
/** Longest message shown whole (PyTorch's longest are about 500 characters). */
export const MESSAGE_WIDTH = 600;

const ELLIPSIS = '…';

/** Moves a cut off the middle of a surrogate pair (so no half character is shown). */
function cutAt(text: string, i: number, direction: 1 | -1): number {
  const code = text.charCodeAt(i);
  return i > 0 && i < text.length && code >= 0xdc00 && code <= 0xdfff ? i + direction : i;
}

/**
 * The part of `line` shown under a message about column `col` (1-based,
 * in UTF-16 code units; past the end means just after it) and the caret
 * line under it. The caret line copies the tabs before the column, so the
 * caret lines up whatever tab width the terminal uses.
 */
export function excerptAt(line: string, col: number): { text: string; caret: string } {
  const at = Math.max(0, Math.min(col - 1, line.length));
  let start = 0;
  let end = line.length;
  if (line.length > EXCERPT_WIDTH) {
    start = Math.max(0, Math.min(at - EXCERPT_WIDTH / 2, line.length - EXCERPT_WIDTH));
    end = Math.min(line.length, start + EXCERPT_WIDTH);
    start = cutAt(line, start, 1);
    end = cutAt(line, end, -1);
  }
  const text = `${start > 0 ? ELLIPSIS : ''}${line.slice(start, end)}${end < line.length ? ELLIPSIS : ''}`;
  let caret = start > 0 ? ' ' : '';
  for (let i = start; i < at; i++) caret += line[i] === '\t' ? '\t' : ' ';
  return { text, caret: caret + '^' };
}

/** A line or statement quoted without a column: its first EXCERPT_WIDTH characters, `…` when cut. */
export function clip(text: string, width = EXCERPT_WIDTH): string {
  return text.length <= width ? text : text.slice(0, cutAt(text, width, -1)) + ELLIPSIS;
}

/**
 * A message that may hold untrusted text (a name, a string the script
 * raised): whole up to MESSAGE_WIDTH characters, else its beginning and
 * end around a `…`, so that what it says and how it ends both show.
 */
export function clipMessage(message: string): string {
  if (message.length <= MESSAGE_WIDTH) return message;
  const head = cutAt(message, MESSAGE_WIDTH - EXCERPT_WIDTH, -1);
  const tail = cutAt(message, message.length - EXCERPT_WIDTH + 1, 1);
  return message.slice(0, head) + ELLIPSIS + message.slice(tail);
}
