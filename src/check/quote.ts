/**
 * Quoting a script's line in a note: its code only, without the comment
 * (a `#` outside a string literal starts one) and surrounding blanks.
 */
export function codeOf(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return line.slice(0, i).trim();
  }
  return line.trim();
}
