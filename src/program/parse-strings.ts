/** Decoding of string literal text: prefixes, quotes and escape sequences. */
import type { Ctx, Node } from './parse-util.js';

export interface StringShape {
  raw: boolean;
  bytes: boolean;
  format: boolean;
  /** Offsets of the text between the quotes. */
  bodyFrom: number;
  bodyTo: number;
}

/** Where the body of a String / FormatString node is and what its prefix says. */
export function stringShape(c: Ctx, n: Node): StringShape {
  const text = c.text(n);
  const prefix = /^[a-zA-Z]*/.exec(text)![0].toLowerCase();
  const q = text[prefix.length]!;
  const quoteLen = text.startsWith(q + q + q, prefix.length) ? 3 : 1;
  return {
    raw: prefix.includes('r'),
    bytes: prefix.includes('b'),
    format: prefix.includes('f'),
    bodyFrom: n.from + prefix.length + quoteLen,
    bodyTo: Math.max(n.from + prefix.length + quoteLen, n.to - quoteLen),
  };
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

/**
 * Decode the literal text in [from, to). Escapes follow Python (`\n`, `\x41`,
 * `\u00e9`, octal, backslash-newline; unknown escapes stay as written). In an
 * f-string's literal text `{{` and `}}` stand for single braces.
 */
export function decodeText(c: Ctx, from: number, to: number, raw: boolean, fstring: boolean): string {
  const src = c.src;
  let out = '';
  let i = from;
  while (i < to) {
    const ch = src[i]!;
    if (fstring && (ch === '{' || ch === '}')) {
      if (src[i + 1] === ch && i + 1 < to) {
        out += ch;
        i += 2;
        continue;
      }
      c.syntax(i, `f-string: single '${ch}' is not allowed`);
    }
    if (ch !== '\\' || raw || i + 1 >= to) {
      out += ch;
      i++;
      continue;
    }
    const e = src[i + 1]!;
    if (e === '\n') {
      i += 2;
    } else if (e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
      i += 2;
    } else if (e >= '0' && e <= '7') {
      const digits = /^[0-7]{1,3}/.exec(src.slice(i + 1, Math.min(to, i + 4)))![0];
      out += String.fromCharCode(parseInt(digits, 8));
      i += 1 + digits.length;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = src.slice(i + 2, Math.min(to, i + 2 + len));
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) {
        const rel = i - from;
        const valid = /^[0-9a-fA-F]*/.exec(hex)![0].length;
        const name = e === 'x' ? '\\xXX' : e === 'u' ? '\\uXXXX' : '\\UXXXXXXXX';
        c.syntax(i, `(unicode error) 'unicodeescape' codec can't decode bytes in position ${rel}-${rel + 1 + valid}: truncated ${name} escape`);
      }
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) c.syntax(i, `(unicode error) 'unicodeescape' codec can't decode bytes in position ${i - from}-${i - from + 9}: illegal Unicode character`);
      out += String.fromCodePoint(code);
      i += 2 + len;
    } else if (e === 'N') {
      c.unsupported(i, '\\N{...} escapes are not supported');
    } else {
      out += '\\' + e;
      i += 2;
    }
  }
  return out;
}
