/**
 * A leaf's elements as inputs of the program, by generation. An element of
 * a leaf that requires grad is a symbol bound to its values; values it gets
 * that autograd did not compute (written before the tensor required grad,
 * or behind autograd's back since: an optimiser's step under no_grad,
 * `w.data -= …`, `w.data = t`, `w.uniform_()`) are data, so they start a
 * new generation: a new symbol (`w[0]'`) of the same element, which
 * gradients of either flow to (the one AccumulateGrad) and which finite
 * differences shift together with the earlier ones.
 */
import type { MathNode } from 'mathjs';
import type { Tensor } from '../autograd/tensor.js';
import type { Buffer } from '../tensor/ndarray.js';

/** One generation of a leaf's element: where it lives, and what it replaced. */
export interface LeafSymbol {
  tensor: Tensor;
  buffer: Buffer;
  offset: number;
  /** The element's name (`x[0,1]`), which every generation shares (the symbol has primes added). */
  element: string;
  /** The values it replaced as autograd saw them (`x + 100`, constants after `uniform_`); null for the first. */
  replaced: MathNode | null;
}

/** Formulas of one call as the report shows them (SymbolicTrace.displayView). */
export interface DisplayView {
  form(formula: MathNode): MathNode;
  symbol(name: string): string;
}

/**
 * A leaf element's symbol a call's formulas are shown in (and graded by):
 * of the first values of it the call's forward pass read (`used`: the
 * symbols of its objective), else of its current values.
 */
export function referenceOf(generations: readonly string[], used: ReadonlySet<string>): string {
  return generations.find((s) => used.has(s)) ?? generations.at(-1)!;
}

export class LeafGenerations {
  private readonly bySymbol = new Map<string, LeafSymbol>();
  /** Each element's symbols, oldest first, by tensor and offset. */
  private readonly lists = new WeakMap<Tensor, Map<number, string[]>>();
  /** The elements that have had more than one generation. */
  private readonly regenerated: string[][] = [];

  get(name: string): LeafSymbol | undefined {
    return this.bySymbol.get(name);
  }

  /** Whether `value` is one of the symbols of this very element of `leaf`. */
  holds(value: MathNode, leaf: Tensor, buffer: Buffer, offset: number): boolean {
    if (value.type !== 'SymbolNode') return false;
    const known = this.bySymbol.get((value as MathNode & { name: string }).name);
    return !!known && known.tensor === leaf && known.buffer === buffer && known.offset === offset;
  }

  /** A new generation of the element; `replaced` is kept for all but the first. */
  add(name: string, symbol: LeafSymbol): void {
    let byOffset = this.lists.get(symbol.tensor);
    if (!byOffset) this.lists.set(symbol.tensor, (byOffset = new Map()));
    let list = byOffset.get(symbol.offset);
    if (!list) byOffset.set(symbol.offset, (list = []));
    list.push(name);
    if (list.length === 2) this.regenerated.push(list);
    this.bySymbol.set(name, list.length > 1 ? symbol : { ...symbol, replaced: null });
  }

  /** Every symbol element `offset` of leaf `t` has had, oldest first. */
  of(t: Tensor, offset: number): readonly string[] {
    return this.lists.get(t)?.get(offset) ?? [];
  }

  /**
   * How one call shows its formulas (`used`: the symbols its forward pass
   * read): a leaf element's later generations written as the values they
   * replaced (`2 * (x + 100)` after `y = x ** 2; x.data += 100`), down to
   * its reference (referenceOf), which is shown by the element's name
   * (`x[0]`), and earlier ones (rare: a value saved before a change the
   * forward read after) as `x_old[0]`.
   */
  displayNames(used: ReadonlySet<string>): { replacing: Set<string>; names: Map<string, string> } {
    const replacing = new Set<string>();
    const names = new Map<string, string>();
    for (const list of this.regenerated) {
      const ref = list.indexOf(referenceOf(list, used));
      const element = this.bySymbol.get(list[0]!)!.element;
      names.set(list[ref]!, element);
      list.forEach((name, i) => {
        if (i > ref) replacing.add(name);
        if (i < ref) names.set(name, element.replace(/^[^[]*/, (base) => `${base}_old${ref - i > 1 ? ref - i : ''}`));
      });
    }
    return { replacing, names };
  }
}
