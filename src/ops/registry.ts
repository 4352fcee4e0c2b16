/**
 * The op registry: one declarative entry per op (the idea of PyTorch's
 * derivatives.yaml), its forward kernel next to its backward. The tape,
 * the runner's method table and the docs all read these entries.
 */
import { recordInPlace, recordMultiOp, recordOp, tapeListened, type RecordableOp, type SaveRule } from '../autograd/record.js';
import type { BackwardContext } from '../autograd/node.js';
import { Tensor, WrappedNumber } from '../autograd/tensor.js';
import { category, DEFAULT_FLOAT, isFloating, promoteTypes, promoteWithScalar, type DType, type ScalarKind } from '../tensor/dtype.js';
import { LimitError, runtimeError } from '../tensor/errors.js';
import { broadcastShapes, broadcastTo, NDArray } from '../tensor/ndarray.js';
import { isPooled, recycleUnlessShared } from '../tensor/pool.js';

/**
 * How an op's result dtype follows from its inputs:
 * `promote` (PyTorch's promotion), `float` (promotion, then ints become the
 * default float: `/`, `exp`), `bool` (comparisons), `first` (the first input's).
 */
export type DTypeRule = 'promote' | 'float' | 'bool' | 'first';

/**
 * How the symbolic side (src/symbolic) reads an op. `elementwise`: each
 * output element is `form` (mathjs syntax) of the broadcast input elements
 * `a`, `b`, `c` and the op's attributes by name; its partials are derived
 * from `form` by mathjs, except that an op whose backward reads its saved
 * result gives that partial in terms of `result` (`viaResult`, checked
 * against the mathjs derivative by test/symbolic-registry.test.ts), since a
 * `.data` change of the result changes what backward computes; and an op
 * whose backward masks a partial with `where` gives it as written there
 * (`masked`, or `viaResult` when it also reads the result), with
 * `pick(cond, 0, value)` (0 where cond holds): through create_graph the
 * masked terms stay 0, as in PyTorch. The other kinds name how output
 * elements are made from input elements.
 */
export type SymbolicSpec =
  | { kind: 'elementwise'; form: string; viaResult?: { a?: string; b?: string }; masked?: { a?: string; b?: string } }
  /** Output elements are input elements: `view` shares storage, `copy` is a row-major copy. */
  | { kind: 'view' }
  | { kind: 'copy' }
  | { kind: 'sum' }
  | { kind: 'mean' }
  /** mm, mv, dot: sums of products. */
  | { kind: 'matmul' }
  | { kind: 'where' }
  /** The backward of indexing: the input lands in a zero tensor. */
  | { kind: 'scatter' }
  /** fill_, zero_: constants; copy_: the second input's elements. */
  | { kind: 'overwrite' }
  /** Random ops: the drawn values are constants; each input element (broadcast) gets a zero gradient. */
  | { kind: 'random' }
  /** No derivative (comparisons). */
  | { kind: 'none' }
  /**
   * Each output element is a weighted sum of input elements plus a constant:
   * picks and copies (gather, cat, sort's values, indexing), sums (cumsum,
   * trace, scatter_add), masked and scattered writes. `linear` gives the
   * weights from the forward's own index arithmetic; a zero weight keeps
   * autograd's edge (a zero gradient flows to that element, as in PyTorch).
   */
  | { kind: 'linear'; linear(inputs: readonly NDArray[], attrs: any, output: NDArray): LinearMap }
  /**
   * Each output element is a function of a group of input elements (prod,
   * norm, std, softmax, the losses): `groups` names the members of each
   * output element and a key; `form(key)` is that function in mathjs syntax
   * over the members `m0`, `m1`, … (attributes already in it), derived by
   * mathjs once per key and position.
   */
  | {
      kind: 'group';
      groups(inputs: readonly NDArray[], attrs: any, output: NDArray): Group[];
      form(key: string): string;
      /**
       * For an op whose backward reads its saved result: the partial of the
       * form by member `slot` as that backward computes it, over the members
       * and the results `r0`, `r1`, … (the group's `results`), so that a
       * `.data` change of the result changes it as it changes PyTorch's
       * (checked against mathjs's derivative by test/symbolic-registry.test.ts).
       * `createGraph`: the backward runs under create_graph (grad mode on),
       * where cumprod_backward takes another formula.
       */
      viaResult?(key: string, slot: number, createGraph: boolean): string;
      /**
       * The backward branches on zeros anywhere in input 0, not only in the
       * group (prod along a dim takes result / x unless some element is 0:
       * PyTorch's total_zeros): `viaResult` may read `zeros`, how many
       * elements of input 0 are exactly 0 as backward reads them.
       */
      readsZeros?: boolean;
    };

/** The most terms one structural op's symbolic map may have (cumsum and softmax grow as n²). */
export const MAX_SYMBOLIC_TERMS = 200_000;

/** Refuse a symbolic map past the bound before building it (dzdx check's limit; dzdx run never asks). */
export function boundTerms(count: number, op: string): void {
  if (count > MAX_SYMBOLIC_TERMS) {
    throw new LimitError(
      `dzdx check follows every tensor element symbolically, and this ${op} has more than ${MAX_SYMBOLIC_TERMS} terms: check a smaller version of it (dzdx run has no such bound)`,
    );
  }
}

/** One weighted input element: [input, element (row-major), weight]. */
export type LinearTerm = readonly [input: number, element: number, weight: number];

export interface LinearMap {
  /** Per output element (row-major): its terms. */
  terms: readonly (readonly LinearTerm[])[];
  /** Per output element: a constant added (masked_fill's value); 0 when absent. */
  constants?: ArrayLike<number>;
  /**
   * Per output element: terms that carry PyTorch's gradient but not the value
   * (a scatter or index_put_ write that a later duplicate index overwrote:
   * PyTorch's backward still gathers the gradient for it).
   */
  gradientOnly?: readonly (readonly LinearTerm[])[];
}

export interface Group {
  /** The input elements, [input, element (row-major)], the output element is a function of: `m0`, `m1`, … of the form. */
  members: readonly (readonly [input: number, element: number])[];
  /** Which form: output elements with the same key share one. */
  key: string;
  /** The output elements (row-major) `viaResult` reads as `r0`, `r1`, …; default: this one. */
  results?: readonly number[];
}

export interface OpEntry<A = void> extends RecordableOp<A> {
  /** The op's name in the script language and the docs (`mul`, `tanh_backward`). */
  readonly name: string;
  readonly dtype: DTypeRule;
  /** The kernel: input arrays (scalars already wrapped in `computeDtype`) to the result. */
  forward(inputs: readonly NDArray[], attrs: A, computeDtype: DType): NDArray;
  /** The result shares the input's storage (view ops). */
  readonly view?: boolean;
  /** PyTorch's value at a kink or special point, for the docs. */
  readonly kinks?: string;
  readonly symbolic: SymbolicSpec;
  /** Ops with several outputs (split, unbind): all of them; `forward` is the first. */
  readonly forwardAll?: (inputs: readonly NDArray[], attrs: A, computeDtype: DType) => NDArray[];
}

interface EntrySpec<A> {
  name: string;
  gradFn: string;
  dtype?: DTypeRule;
  saves?: SaveRule[];
  forward(inputs: readonly NDArray[], attrs: A, computeDtype: DType): NDArray;
  /** Omitted for ops without a derivative (comparisons). */
  backward?: (grad: Tensor, ctx: BackwardContext<A>) => (Tensor | null)[];
  view?: boolean;
  kinks?: string;
  symbolic: SymbolicSpec;
  forwardAll?: (inputs: readonly NDArray[], attrs: A, computeDtype: DType) => NDArray[];
}

export const registry = new Map<string, OpEntry<any>>();

export function defineOp<A = void>(spec: EntrySpec<A>): OpEntry<A> {
  const entry: OpEntry<A> = {
    name: spec.name,
    gradFn: spec.gradFn,
    // Stryker disable next-line StringLiteral: computeDtypeOf promotes for every rule but 'first' and 'float', so '' behaves as 'promote'
    dtype: spec.dtype ?? 'promote',
    saves: spec.saves ?? [],
    differentiable: spec.backward !== undefined,
    forward: spec.forward,
    backward: spec.backward ?? (() => []),
    view: spec.view,
    kinks: spec.kinks,
    symbolic: spec.symbolic,
    forwardAll: spec.forwardAll,
  };
  if (registry.has(spec.name)) throw new Error(`internal: op ${spec.name} defined twice`);
  registry.set(spec.name, entry);
  return entry;
}

/** A Python number operand: its value and whether it was an int, float or bool literal. */
export interface Scalar {
  value: number;
  kind: ScalarKind;
}

export type Operand = Tensor | number | Scalar;

function asScalar(x: number | Scalar): Scalar {
  // Stryker disable next-line StringLiteral: promoteWithScalar and scalarDtype treat every kind but 'bool' and 'int' as a float
  return typeof x === 'number' ? { value: x, kind: 'float' } : x;
}

/**
 * PyTorch's result_type: tensors with dims decide; a 0-d tensor counts only
 * when it is of a higher category (bool < int < float) than they are, and
 * a Python number only when it is higher than both.
 */
function computeDtypeOf(rule: DTypeRule, operands: readonly Operand[]): DType {
  const shared = sharedFloatDtype(operands);
  if (shared !== null) return shared;
  const tensors = operands.filter((o): o is Tensor => o instanceof Tensor);
  let dtype: DType;
  if (rule === 'first' && tensors[0]) dtype = tensors[0].dtype;
  else {
    const dimmed = tensors.filter((t) => t.shape.length > 0).map((t) => t.dtype);
    const zeroDim = tensors.filter((t) => t.shape.length === 0).map((t) => t.dtype);
    let result: DType | null = dimmed.length ? dimmed.reduce(promoteTypes) : null;
    if (zeroDim.length) {
      const z = zeroDim.reduce(promoteTypes);
      if (result === null || category(z) > category(result)) result = z;
    }
    dtype = result ?? DEFAULT_FLOAT;
    const scalars = operands.filter((o) => !(o instanceof Tensor)) as (number | Scalar)[];
    if (result === null && scalars.length) dtype = scalars.map((o) => scalarDtype(asScalar(o).kind)).reduce(promoteTypes);
    else for (const o of scalars) dtype = promoteWithScalar(dtype, asScalar(o).kind);
  }
  return rule === 'float' && !isFloating(dtype) ? DEFAULT_FLOAT : dtype;
}

/**
 * The common case, decided without building lists: every tensor operand has
 * the same floating dtype, which then is the result's under every rule (a
 * Python number never promotes a float tensor).
 */
function sharedFloatDtype(operands: readonly Operand[]): DType | null {
  let dtype: DType | null = null;
  for (let i = 0; i < operands.length; i++) {
    const o = operands[i];
    if (!(o instanceof Tensor)) continue;
    if (dtype === null) dtype = o.dtype;
    else if (o.dtype !== dtype) return null;
  }
  return dtype !== null && isFloating(dtype) ? dtype : null;
}

const scalarDtype = (kind: ScalarKind): DType => (kind === 'bool' ? 'bool' : kind === 'int' ? 'int64' : DEFAULT_FLOAT);

/** Python scalars become 0-d tensors of the compute dtype, as PyTorch wraps numbers (shared ones unless a listener keeps the op's inputs). */
function wrap(operand: Operand, dtype: DType): Tensor {
  if (operand instanceof Tensor) return operand;
  const value = typeof operand === 'number' ? operand : operand.value;
  return tapeListened() ? WrappedNumber.of(value, dtype) : WrappedNumber.shared(value, dtype);
}

/** Run an op out of place and record it on the tape. */
export function call<A>(entry: OpEntry<A>, operands: readonly Operand[], attrs: A): Tensor {
  const dtype = computeDtypeOf(entry.dtype, operands);
  const n = operands.length;
  const inputs = new Array<Tensor>(n);
  const arrays = new Array<NDArray>(n);
  for (let i = 0; i < n; i++) arrays[i] = (inputs[i] = wrap(operands[i]!, dtype)).array;
  return recordOp(entry, inputs, entry.forward(arrays, attrs, dtype), attrs, entry.view ?? false);
}

/** Run an op with several outputs (split, unbind): one node, output i is its output i. */
export function callMulti<A>(entry: OpEntry<A>, operands: readonly Operand[], attrs: A): Tensor[] {
  const dtype = computeDtypeOf(entry.dtype, operands);
  const inputs = operands.map((o) => wrap(o, dtype));
  const results = entry.forwardAll!(inputs.map((t) => t.array), attrs, dtype);
  return recordMultiOp(entry, inputs, results, attrs, entry.view ?? false);
}

/** Run an op in place on `self` (`add_`, `x += …`), with PyTorch's shape and dtype checks. */
export function callInPlace<A>(entry: OpEntry<A>, self: Tensor, others: readonly Operand[], attrs: A): Tensor {
  const dtype = computeDtypeOf(entry.dtype, [self, ...others]);
  if (isFloating(dtype) && !isFloating(self.dtype)) {
    throw runtimeError(`result type ${dtypeTitle(dtype)} can't be cast to the desired output type ${dtypeTitle(self.dtype)}`);
  }
  const inputs = others.map((o) => wrap(o, dtype));
  const result = entry.forward([self.array, ...inputs.map((t) => t.array)], attrs, dtype);
  const shape = broadcastShapes(result.shape, self.shape);
  if (shape.join() !== self.shape.join()) {
    throw runtimeError(
      `output with shape [${self.shape.join(', ')}] doesn't match the broadcast shape [${shape.join(', ')}]`,
    );
  }
  // Stryker disable next-line ConditionalExpression,EqualityOperator: every in-place forward returns self's shape (a larger one threw above), so both arms give the same values
  const fitted = shape.join() === result.shape.join() ? result : broadcastTo(result, shape).copy();
  recordInPlace(entry, self, inputs, fitted, attrs);
  // The result, now copied into self, is dead unless the kernel handed back an input's storage:
  // an optimiser's next in-place op of this size takes it instead of fresh memory.
  // (fitted, self's shape, is the larger: small results, most in-place ops, stop here.)
  if (isPooled(fitted.buffer)) {
    const operands = [self.array.buffer, ...inputs.map((t) => t.array.buffer)];
    recycleUnlessShared(result.buffer, operands);
    if (fitted !== result) recycleUnlessShared(fitted.buffer, operands);
  }
  return self;
}

/** `Float`, `Long`, … as PyTorch's cast errors name dtypes. */
export function dtypeTitle(dtype: DType): string {
  return { float32: 'Float', float64: 'Double', int64: 'Long', uint8: 'Byte', bool: 'Bool' }[dtype];
}
