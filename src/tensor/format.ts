/**
 * PyTorch's tensor repr, following torch/_tensor_str.py (1.13) with the
 * default print options. The contract and its verified examples are in
 * pytorch-facts.md section 5; the comments below name the Python function
 * each piece mirrors so the two can be compared side by side.
 */
import type { DType } from './dtype.js';
import { toExponentialExact, toFixedExact } from './decimal.js';

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGEITEMS = 3;
const LINEWIDTH = 80;
const PREFIX = 'tensor(';

export interface TensorSuffix {
  gradFn?: string;
  requiresGrad?: boolean;
}

/** `torch.float32` etc. */
export function formatDType(dtype: DType): string {
  return `torch.${dtype}`;
}

/** `torch.Size([2, 3])`; a 0-d shape is `torch.Size([])`. */
export function formatSize(shape: readonly number[]): string {
  return `torch.Size([${shape.join(', ')}])`;
}

/** Python's str() of a tuple of ints: `(0, 3)`, `(0,)`. */
function pyTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Python's `'{}'.format(v)` for an int64 element; BigInt avoids `1e+21`. */
function intString(v: number): string {
  return Number.isSafeInteger(v) ? String(v) : BigInt(v).toString();
}

function leftPad(s: string, width: number): string {
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}

/**
 * `_Formatter`: one formatter for the whole tensor, built from the values
 * that will be printed (the summarized data when summarizing), so every
 * element is padded to one common width.
 */
class Formatter {
  private readonly floating: boolean;
  private intMode = true;
  private sciMode = false;
  readonly width: number;

  constructor(private readonly dtype: DType, sample: readonly number[]) {
    this.floating = dtype === 'float32' || dtype === 'float64';
    let width = 1;
    if (!this.floating) {
      for (const v of sample) width = Math.max(width, this.plain(v).length);
      this.width = width;
      return;
    }
    // Only nonzero finite values decide the mode and width; -0 counts as zero.
    const vals = sample.filter((v) => Number.isFinite(v) && v !== 0);
    if (vals.length === 0) {
      this.width = width;
      return;
    }
    let amin = Infinity;
    let amax = 0;
    for (const v of vals) {
      const a = Math.abs(v);
      if (a < amin) amin = a;
      if (a > amax) amax = a;
      if (v !== Math.ceil(v)) this.intMode = false;
    }
    // The thresholds are compared in float64, on the (widened) element values.
    const ratioOrBig = amax / amin > 1000 || amax > 1e8;
    this.sciMode = this.intMode ? ratioOrBig : ratioOrBig || amin < 1e-4;
    for (const v of vals) {
      let len: number;
      if (this.sciMode) len = toExponentialExact(v, PRECISION).length;
      else if (this.intMode) len = toFixedExact(v, 0).length + 1; // + the trailing '.'
      else len = toFixedExact(v, PRECISION).length;
      width = Math.max(width, len);
    }
    this.width = width;
  }

  /** `'{}'.format(v)` for int64 and bool elements. */
  private plain(v: number): string {
    if (this.dtype === 'bool') return v ? 'True' : 'False';
    return intString(v);
  }

  /** `_Formatter.format`: one element, left-padded to the common width. */
  format(v: number): string {
    let s: string;
    if (!this.floating) s = this.plain(v);
    else if (this.sciMode) s = toExponentialExact(v, PRECISION);
    else if (this.intMode) s = toFixedExact(v, 0) + (Number.isFinite(v) ? '.' : '');
    else s = toFixedExact(v, PRECISION);
    return leftPad(s, this.width);
  }
}

/** Row-major strides of a contiguous tensor. */
function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}

/**
 * Indices kept along one dim: all of them, or the first and last EDGEITEMS
 * when summarizing a dim longer than 2 * EDGEITEMS (`null` marks the gap).
 */
function keptIndices(size: number, summarize: boolean): (number | null)[] {
  const all = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);
  if (!summarize || size <= 2 * EDGEITEMS) return all(size);
  return [...all(EDGEITEMS), null, ...all(EDGEITEMS, size - EDGEITEMS)];
}

/** `get_summarized_data`, flattened: the values the formatter gets to see. */
function summarizedValues(
  values: ArrayLike<number>,
  shape: readonly number[],
  strides: readonly number[],
  summarize: boolean,
): number[] {
  const out: number[] = [];
  const walk = (d: number, offset: number): void => {
    if (d === shape.length) {
      out.push(values[offset]!);
      return;
    }
    for (const i of keptIndices(shape[d]!, summarize)) {
      if (i !== null) walk(d + 1, offset + i * strides[d]!);
    }
  };
  walk(0, 0);
  return out;
}

interface Layout {
  values: ArrayLike<number>;
  shape: readonly number[];
  strides: readonly number[];
  summarize: boolean;
  fmt: Formatter;
}

/** `_vector_str`: a 1-d run wrapped to the line width at this indent. */
function vectorStr(ctx: Layout, d: number, offset: number, indent: number): string {
  const perLine = Math.max(1, Math.floor((LINEWIDTH - indent) / (ctx.fmt.width + 2)));
  const data = keptIndices(ctx.shape[d]!, ctx.summarize).map((i) =>
    i === null ? ' ...' : ctx.fmt.format(ctx.values[offset + i * ctx.strides[d]!]!),
  );
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += perLine) lines.push(data.slice(i, i + perLine).join(', '));
  return `[${lines.join(',\n' + ' '.repeat(indent + 1))}]`;
}

/** `_tensor_str_with_formatter`: nested brackets, blank lines between blocks of dim >= 3. */
function tensorStr(ctx: Layout, d: number, offset: number, indent: number): string {
  const dims = ctx.shape.length - d;
  if (dims === 0) return ctx.fmt.format(ctx.values[offset]!);
  if (dims === 1) return vectorStr(ctx, d, offset, indent);
  const slices = keptIndices(ctx.shape[d]!, ctx.summarize).map((i) =>
    i === null ? '...' : tensorStr(ctx, d + 1, offset + i * ctx.strides[d]!, indent + 1),
  );
  return `[${slices.join(',' + '\n'.repeat(dims - 1) + ' '.repeat(indent + 1))}]`;
}

/**
 * `_add_suffixes`. `lastLineLen` starts 2 too high (an off-by-2 from
 * `rfind` in the original), which is what decides when a suffix wraps.
 */
function addSuffixes(str: string, suffixes: readonly string[]): string {
  const parts = [str];
  let lastLineLen = str.length - str.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lastLineLen + suffix.length + 2 > LINEWIDTH) {
      parts.push(',\n' + ' '.repeat(PREFIX.length) + suffix);
      lastLineLen = PREFIX.length + suffix.length;
    } else {
      parts.push(', ' + suffix);
      lastLineLen += suffix.length + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}

/**
 * The repr of a tensor, e.g. `tensor([1.5000, 2.0000], requires_grad=True)`.
 * `values` are the elements in contiguous row-major order (bool as 0/1).
 */
export function formatTensor(
  values: ArrayLike<number>,
  shape: readonly number[],
  dtype: DType,
  suffix: TensorSuffix = {},
): string {
  const numel = shape.reduce((a, b) => a * b, 1);
  const suffixes: string[] = [];
  let body: string;
  if (numel === 0) {
    // Nothing to infer the dtype from, so anything but the default float is shown.
    if (shape.length !== 1) suffixes.push(`size=${pyTuple(shape)}`);
    if (dtype !== 'float32') suffixes.push(`dtype=${formatDType(dtype)}`);
    body = '[]';
  } else {
    // float32 is the default dtype; int64 and bool are implied by the digits.
    if (dtype === 'float64' || dtype === 'uint8') suffixes.push(`dtype=${formatDType(dtype)}`);
    const summarize = numel > THRESHOLD;
    const strides = stridesOf(shape);
    const fmt = new Formatter(dtype, summarizedValues(values, shape, strides, summarize));
    body = tensorStr({ values, shape, strides, summarize, fmt }, 0, 0, PREFIX.length);
  }
  if (suffix.gradFn !== undefined) suffixes.push(`grad_fn=<${suffix.gradFn}>`);
  else if (suffix.requiresGrad) suffixes.push('requires_grad=True');
  return addSuffixes(PREFIX + body, suffixes);
}
