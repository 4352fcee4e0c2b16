/**
 * A JSON reader that keeps where every value starts and ends in the text
 * (for messages that point into a .ipynb file), bounded in nesting depth
 * and never evaluating anything. Strict JSON (RFC 8259), as nbformat is.
 */

export type JsonNode =
  | { kind: 'object'; start: number; end: number; entries: Map<string, JsonNode>; keyStarts: Map<string, number> }
  | { kind: 'array'; start: number; end: number; items: JsonNode[] }
  | { kind: 'string'; start: number; end: number; value: string }
  | { kind: 'number'; start: number; end: number; value: number }
  | { kind: 'boolean'; start: number; end: number; value: boolean }
  | { kind: 'null'; start: number; end: number };

export class JsonError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
    this.name = 'JsonError';
  }
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export function parseJson(text: string, maxDepth = 100): JsonNode {
  let i = 0;
  const fail = (message: string, at = i): never => {
    throw new JsonError(message, at);
  };
  const space = () => {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return true;
    }
    return false;
  };

  const string = (): JsonNode & { kind: 'string' } => {
    const start = i;
    i++; // the opening quote
    let out = '';
    let run = i;
    for (;;) {
      if (i >= text.length) fail('a string is not closed before the end', start);
      const c = text[i]!;
      if (c === '"') break;
      if (c < ' ') fail('a control character inside a string (write it as \\n, \\t, …)');
      if (c !== '\\') {
        i++;
        continue;
      }
      out += text.slice(run, i);
      const e = text[i + 1];
      if (e === 'u') {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('expected four hex digits after \\u');
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else if (e !== undefined && e in ESCAPES) {
        out += ESCAPES[e];
        i += 2;
      } else fail(`an unknown escape \\${e ?? ''}`);
      run = i;
    }
    out += text.slice(run, i);
    i++;
    return { kind: 'string', start, end: i, value: out };
  };

  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y;

  const value = (depth: number): JsonNode => {
    if (depth > maxDepth) fail(`values nest more than ${maxDepth} deep`);
    space();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      const entries = new Map<string, JsonNode>();
      const keyStarts = new Map<string, number>();
      space();
      if (text[i] === '}') {
        i++;
        return { kind: 'object', start, end: i, entries, keyStarts };
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail('expected a key in double quotes');
        const key = string();
        if (entries.has(key.value)) fail(`the key "${key.value}" appears twice`, key.start);
        space();
        if (text[i] !== ':') fail("expected ':' after the key");
        i++;
        entries.set(key.value, value(depth + 1));
        keyStarts.set(key.value, key.start);
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { kind: 'object', start, end: i, entries, keyStarts };
        }
        fail(i < text.length ? "expected ',' or '}'" : "expected '}' before the end");
      }
    }
    if (c === '[') {
      i++;
      const items: JsonNode[] = [];
      space();
      if (text[i] === ']') {
        i++;
        return { kind: 'array', start, end: i, items };
      }
      for (;;) {
        items.push(value(depth + 1));
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { kind: 'array', start, end: i, items };
        }
        fail(i < text.length ? "expected ',' or ']'" : "expected ']' before the end");
      }
    }
    if (c === '"') return string();
    if (literal('true')) return { kind: 'boolean', start, end: i, value: true };
    if (literal('false')) return { kind: 'boolean', start, end: i, value: false };
    if (literal('null')) return { kind: 'null', start, end: i };
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m) {
      i += m[0].length;
      return { kind: 'number', start, end: i, value: Number(m[0]) };
    }
    return fail(i < text.length ? `unexpected ${JSON.stringify(c)}` : 'expected a value before the end');
  };

  const root = value(0);
  space();
  if (i < text.length) fail(`unexpected ${JSON.stringify(text[i])} after the value`);
  return root;
}

/** The plain value of a node (objects without prototype tricks: keys become own data properties of a null-prototype object). */
export function plain(node: JsonNode): unknown {
  switch (node.kind) {
    case 'object': {
      const out: Record<string, unknown> = Object.create(null);
      for (const [k, v] of node.entries) out[k] = plain(v);
      return out;
    }
    case 'array':
      return node.items.map(plain);
    case 'null':
      return null;
    default:
      return node.value;
  }
}

/**
 * Where character `index` of a string node's decoded value sits in the
 * JSON text (escapes take several characters of the text for one of the
 * value).
 */
export function rawOffset(text: string, node: JsonNode & { kind: 'string' }, index: number): number {
  let i = node.start + 1;
  for (let k = 0; k < index && i < node.end - 1; k++) {
    if (text[i] !== '\\') i++;
    else i += text[i + 1] === 'u' ? 6 : 2;
  }
  return i;
}
