/**
 * The ops of the property suite that work along one dim and keep it (or
 * keep k of its elements): cumsum, cumprod, softmax, log_softmax, sort and
 * topk, spelled as teaching scripts write them (`torch.cumsum(y, dim=1)`,
 * `y.cumprod(0)`, `F.softmax(y, dim=1)`, `y.sort(dim=0).values`,
 * `torch.topk(y, 2, dim=1)[0]`).
 *
 * Each output element is a function of the line it lies on. That function
 * is written here, independently of the registry's symbolic forms: a mathjs
 * expression over the line's members `m0 … m(n-1)` for output position q.
 * For sort and topk it picks a member, found by sorting the line's values
 * here; ties between members would make that pick PyTorch's choice, not
 * ours, so lines with ties are refused (`tieDistance`, as the generator
 * keeps other kinks apart). The derivative of cumprod does not jump at a
 * zero (the product of the others is smooth), so it has no kink: zeros are
 * drawn like any value, and the registry's branches for them (result /
 * input without zeros, the masked formula or the products of the others
 * with them) are checked against the plain product here.
 */

const ms = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`);
const plus = (terms: readonly string[]) => (terms.length ? terms.join(' + ') : '0');
const expSum = (n: number) => plus(ms(n).map((m) => `exp(${m})`));

/** An op along a dim, as the generator's model needs it. */
export interface LineOp {
  /** Attribute values to draw (`dim` always; `form` picks among the spellings). */
  attrChoices: Readonly<Record<string, readonly number[]>>;
  /** The printed expression of operand `a`. */
  print(a: string, attrs: Record<string, number>, method: boolean): string;
  /** The registry entry whose save rules apply. */
  registryName: string;
  /** Needs `import torch.nn.functional as F` (printed with `F.` in some forms). */
  functional?: boolean;
  /** The output's length along the dim, from the line's length n (topk: k). */
  outLength?(n: number, attrs: Record<string, number>): number;
  /** Output element q of a line of n members with these values, in mathjs syntax over m0 … m(n-1). */
  form(n: number, q: number, line: readonly number[], attrs: Record<string, number>): string;
  /** How far the line is from a tie that decides the output's order (Infinity: none matters). */
  tieDistance?(line: readonly number[], attrs: Record<string, number>): number;
}

/** `name(y, dim=d)` as a function or `y.name(d)` as a method, the two spellings scripts use. */
function alongPrinter(fnPrefix: string, name: string) {
  return (a: string, { dim, form }: Record<string, number>, method: boolean) => {
    if (method) return form ? `${a}.${name}(dim=${dim})` : `${a}.${name}(${dim})`;
    return form ? `${fnPrefix}.${name}(${a}, ${dim})` : `${fnPrefix}.${name}(${a}, dim=${dim})`;
  };
}

/** Indices of a line's members, largest first (`descending`) or smallest first. */
function ranked(line: readonly number[], descending: boolean): number[] {
  const order = line.map((_, i) => i);
  return order.sort((i, j) => (descending ? line[j]! - line[i]! : line[i]! - line[j]!));
}

/** The smallest gap between neighbours among the first `count + 1` ranked members (they decide the first `count`). */
function gapAmongFirst(line: readonly number[], descending: boolean, count: number): number {
  const order = ranked(line, descending);
  let gap = Infinity;
  for (let i = 0; i + 1 < order.length && i < count; i++) gap = Math.min(gap, Math.abs(line[order[i]!]! - line[order[i + 1]!]!));
  return gap;
}

/** `.values` or `[0]`: the two ways scripts take the values of a (values, indices) result. */
const valuesOf = (call: string, form: number | undefined) => (form ? `${call}[0]` : `${call}.values`);

export const LINE_OPS: Readonly<Record<string, LineOp>> = {
  cumsum: {
    attrChoices: { dim: [0, 1], form: [0, 1] },
    print: alongPrinter('torch', 'cumsum'),
    registryName: 'cumsum',
    form: (_n, q) => plus(ms(q + 1)),
  },
  cumprod: {
    attrChoices: { dim: [0, 1], form: [0, 1] },
    print: alongPrinter('torch', 'cumprod'),
    registryName: 'cumprod',
    form: (_n, q) => ms(q + 1).join(' * '),
  },
  softmax: {
    attrChoices: { dim: [0, 1], form: [0, 1] },
    // F.softmax(y, dim=1) as tutorials write it, torch.softmax(y, 1) and y.softmax(dim=1).
    print: (a, { dim, form }, method) => (method ? `${a}.softmax(dim=${dim})` : form ? `torch.softmax(${a}, ${dim})` : `F.softmax(${a}, dim=${dim})`),
    registryName: 'softmax',
    functional: true,
    form: (n, q) => `exp(m${q}) / (${expSum(n)})`,
  },
  log_softmax: {
    attrChoices: { dim: [0, 1], form: [0, 1] },
    print: (a, { dim, form }, method) =>
      method ? `${a}.log_softmax(${dim})` : form ? `torch.log_softmax(${a}, dim=${dim})` : `F.log_softmax(${a}, dim=${dim})`,
    registryName: 'log_softmax',
    functional: true,
    form: (n, q) => `m${q} - log(${expSum(n)})`,
  },
  sort: {
    attrChoices: { dim: [0, 1], form: [0, 1], descending: [0, 1] },
    print: (a, { dim, form, descending }, method) => {
      const args = `dim=${dim}${descending ? ', descending=True' : ''}`;
      return valuesOf(method ? `${a}.sort(${args})` : `torch.sort(${a}, ${args})`, form);
    },
    registryName: 'sort',
    form: (_n, q, line, { descending }) => `m${ranked(line, descending === 1)[q]}`,
    tieDistance: (line, { descending }) => gapAmongFirst(line, descending === 1, line.length),
  },
  topk: {
    attrChoices: { k: [1, 2], dim: [0, 1], form: [0, 1], largest: [1, 0] },
    print: (a, { k, dim, form, largest }, method) => {
      const args = `${k}, dim=${dim}${largest ? '' : ', largest=False'}`;
      return valuesOf(method ? `${a}.topk(${args})` : `torch.topk(${a}, ${args})`, form);
    },
    registryName: 'topk',
    outLength: (_n, { k }) => k!,
    form: (_n, q, line, { largest }) => `m${ranked(line, largest === 1)[q]}`,
    tieDistance: (line, { k, largest }) => gapAmongFirst(line, largest === 1, k!),
  },
};

/**
 * max and min of everything (`torch.max(y)`, `y.min()`) or along a dim with
 * their `.values` (`y.max(dim=1).values`, `torch.max(y, 1)[0]`): the fold
 * of a group, nested pairwise (the form mathjs differentiates, 2 arguments
 * at a time).
 */
export const EXTREMA: Readonly<Record<'max' | 'min', { fold: (n: number) => string; print: (a: string, attrs: Record<string, number>, method: boolean) => string }>> = {
  max: { fold: (n) => ms(n).reduce((acc, m) => `max(${acc}, ${m})`), print: extremumPrinter('max') },
  min: { fold: (n) => ms(n).reduce((acc, m) => `min(${acc}, ${m})`), print: extremumPrinter('min') },
};

function extremumPrinter(name: 'max' | 'min') {
  return (a: string, { dim, keepdim, form }: Record<string, number>, method: boolean) => {
    if (dim! < 0) return method ? `${a}.${name}()` : `torch.${name}(${a})`;
    const keep = keepdim ? ', keepdim=True' : '';
    // torch.max(y, 1)[0] and y.max(dim=1).values, the two ways tutorials write it.
    const args = form ? `${dim}${keep}` : `dim=${dim}${keep}`;
    return valuesOf(method ? `${a}.${name}(${args})` : `torch.${name}(${a}, ${args})`, form);
  };
}

/** The gap between a group's extreme and the next value: where max/min's gradient would jump to another member. */
export function extremumGap(group: readonly number[], name: 'max' | 'min'): number {
  return gapAmongFirst(group, name === 'max', 1);
}
