/**
 * A small parser of printed tensors (`tensor([[1.5000, 2.0000]], dtype=torch.float64,
 * requires_grad=True)`) and of a script's printed values, for the
 * round-trip property. It reads what dzdx (and PyTorch) print; it is not
 * a general Python parser.
 */

export interface ParsedTensor {
  values: number[];
  shape: number[];
  /** `dtype=` suffix, if any. */
  dtype: string | null;
  /** The element texts, for telling print modes apart. */
  texts: string[];
  /** Suffixes after the data (`grad_fn=<MulBackward0>`, `requires_grad=True`). */
  suffixes: string[];
}

export class TensorParseError extends Error {}

function parseNumber(text: string): number {
  const t = text.trim();
  if (t === 'nan') return NaN;
  if (t === 'inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (!/^-?\d+\.?\d*(e[+-]\d+)?$/.test(t)) throw new TensorParseError(`not a printed number: ${JSON.stringify(t)}`);
  return Number(t);
}

/** Parse one `tensor(...)` starting at `text[start]`; returns it and the index after its `)`. */
export function parseTensorAt(text: string, start: number): { tensor: ParsedTensor; end: number } {
  if (!text.startsWith('tensor(', start)) throw new TensorParseError(`no tensor( at ${start}`);
  let i = start + 'tensor('.length;
  const values: number[] = [];
  const texts: string[] = [];
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  // Nested lists, recording the shape from the first visit of each depth.
  const shape: number[] = [];
  const list = (depth: number): void => {
    skipSpace();
    if (text[i] === '[') {
      i++;
      let count = 0;
      skipSpace();
      if (text[i] === ']') {
        i++;
        if (shape[depth] === undefined) shape[depth] = 0;
        return;
      }
      for (;;) {
        list(depth + 1);
        count++;
        skipSpace();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          break;
        }
        throw new TensorParseError(`expected , or ] at ${i}: ${JSON.stringify(text.slice(i, i + 10))}`);
      }
      if (shape[depth] === undefined) shape[depth] = count;
      else if (shape[depth] !== count) throw new TensorParseError(`ragged tensor at depth ${depth}`);
      return;
    }
    const m = /^-?(?:nan|inf|\d+\.?\d*(?:e[+-]\d+)?)/.exec(text.slice(i));
    if (!m) throw new TensorParseError(`expected a number at ${i}: ${JSON.stringify(text.slice(i, i + 10))}`);
    texts.push(m[0]);
    values.push(parseNumber(m[0]));
    i += m[0].length;
  };
  list(0);
  const suffixes: string[] = [];
  let dtype: string | null = null;
  skipSpace();
  while (text[i] === ',') {
    i++;
    skipSpace();
    const m = /^(\w+)=(<[^>]*>|[\w.]+|\([^)]*\))/.exec(text.slice(i));
    if (!m) throw new TensorParseError(`bad suffix at ${i}`);
    suffixes.push(m[0]);
    if (m[1] === 'dtype') dtype = m[2]!;
    i += m[0].length;
    skipSpace();
  }
  if (text[i] !== ')') throw new TensorParseError(`expected ) at ${i}`);
  return { tensor: { values, shape: shape.length === 0 && texts.length === 1 ? [] : shape, dtype, texts, suffixes }, end: i + 1 };
}

export function parseTensor(text: string): ParsedTensor {
  const t = text.trim();
  const { tensor, end } = parseTensorAt(t, 0);
  if (end !== t.length) throw new TensorParseError(`trailing text after the tensor: ${JSON.stringify(t.slice(end))}`);
  return tensor;
}

/** The printed values of a script's stdout, in order: tensors, and `None`s (a `.grad` never set). */
export function parsePrinted(stdout: string): (ParsedTensor | null)[] {
  const out: (ParsedTensor | null)[] = [];
  let i = 0;
  while (i < stdout.length) {
    if (stdout.startsWith('tensor(', i)) {
      const { tensor, end } = parseTensorAt(stdout, i);
      out.push(tensor);
      i = end;
    } else if (stdout.startsWith('None', i)) {
      out.push(null);
      i += 4;
    } else i++;
  }
  return out;
}

/**
 * How far a printed element may be from the value it shows: 4 decimals in
 * fixed mode, 5 significant digits in scientific mode, exact integers in
 * integer mode (PyTorch's `1.` style).
 */
export function printedTolerance(text: string, value: number): number {
  if (/e/.test(text)) return Math.abs(value) * 0.5e-4 * (1 + 1e-9) + Number.MIN_VALUE;
  if (/\.$/.test(text) || /^-?\d+$/.test(text)) return 0;
  const decimals = text.split('.')[1]?.length ?? 0;
  return 0.5 * 10 ** -decimals * (1 + 1e-9);
}
