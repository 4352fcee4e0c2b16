/**
 * CSV (RFC 4180: quoted fields may hold commas, quotes doubled, line
 * breaks) read so that a malformed record stops nothing: it is reported
 * with its line, and reading goes on from the next line. A record with more
 * fields than the header, when the last column is the answer, is read as
 * an answer with unquoted commas (`ada,grad,[1, 2]`).
 */

export interface CsvRecord {
  fields: string[];
  /** 1-based line the record starts on. */
  line: number;
}

export interface CsvProblem {
  line: number;
  message: string;
}

export function readCsv(text: string): { records: CsvRecord[]; problems: CsvProblem[] } {
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const lineAt = (index: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length) {
    const start = i;
    const line = lineAt(start);
    const fields: string[] = [];
    let problem: string | null = null;
    // One record: fields until an unquoted line break or the end.
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) {
            problem = 'a quoted field is not closed (a " is missing)';
            break;
          }
          if (text[i] === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          field += text[i++];
        }
        if (!problem && i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          problem = `unexpected ${JSON.stringify(text[i])} after a quoted field (a quote inside a field is written "")`;
        }
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          if (text[i] === '"') {
            problem = 'a quote inside an unquoted field (quote the whole field, and write a quote as "")';
            break;
          }
          field += text[i++];
        }
      }
      if (problem) break;
      fields.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      break;
    }
    if (problem) {
      problems.push({ line, message: `not CSV: ${problem}` });
      // Go on from the line after the one the record started on.
      i = line < lineStarts.length ? lineStarts[line]! : text.length;
      continue;
    }
    if (fields.length === 1 && fields[0] === '' ) continue; // a blank line
    records.push({ fields, line });
  }
  return { records, problems };
}
