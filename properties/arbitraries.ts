/**
 * fast-check arbitraries for autograd programs.
 *
 * Everything is generated as plain structural data (records, arrays of
 * naturals) and then turned into a program by `buildProgram`, which reads
 * references modulo what exists so far (a step's operand `7` among 4
 * earlier values is value 3) and drops a step it cannot make valid (an
 * operand outside the op's domain, shapes that do not broadcast). So
 * fast-check's own shrinking (shorter arrays, smaller numbers) always
 * yields a smaller valid program: fewer leaves, steps and elements, values
 * nearer 0, features switched off.
 *
 * Values are multiples of 0.25 (exact in float32 and when printed), and
 * with some probability exactly at a kink (0 for relu/abs, clamp's
 * bounds, ties for maximum).
 */
import fc from 'fast-check';
import {
  Evaluator,
  DomainError,
  numelOf,
  opSpecs,
  type Arg,
  type CutKind,
  type DType,
  type Leaf,
  type Program,
  type Step,
  type ValueStep,
} from './program.js';

export const dtypeArb: fc.Arbitrary<DType> = fc.constantFrom<DType>('float32', 'float64');

export interface ShapeOptions {
  maxRank?: number;
  maxDim?: number;
}

/** Shapes of rank 0..maxRank (default 2), sizes 1..maxDim (default 3); shrinks to `[]`. */
export function shapeArb(options: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const { maxRank = 2, maxDim = 3 } = options;
  return fc.array(fc.integer({ min: 1, max: maxDim }), { maxLength: maxRank });
}

/**
 * `count` shapes that broadcast together: a base shape, and for each a
 * variant with leading dims dropped and some dims set to 1.
 */
export function broadcastShapesArb(count: number, options: ShapeOptions = {}): fc.Arbitrary<number[][]> {
  return fc
    .record({
      base: shapeArb(options),
      variants: fc.array(fc.record({ drop: fc.nat(3), ones: fc.nat(7) }), { minLength: count, maxLength: count }),
    })
    .map(({ base, variants }) => variants.map((v) => variantOf(base, v)));
}

function variantOf(base: readonly number[], v: { drop: number; ones: number }): number[] {
  const kept = base.slice(Math.min(v.drop, base.length));
  return kept.map((d, i) => ((v.ones >> i) & 1 ? 1 : d));
}

/**
 * The shape most leaves of a program share: a full matrix (both sides
 * above 1) about half the time, else a vector, a matrix with a side of 1,
 * or a 0-d tensor. Bugs hide in full matrices (a transpose or a reduction
 * over the wrong dim gives the right answer whenever a side is 1), so
 * they are drawn on purpose. Shrinking goes through every smaller shape
 * (ShrinkingShape), down to 0-d.
 */
export function baseShapeArb(options: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const { maxRank = 2, maxDim = 3 } = options;
  const side = fc.integer({ min: 1, max: maxDim });
  const bigSide = fc.integer({ min: Math.min(2, maxDim), max: maxDim });
  const scalar = { weight: 1, arbitrary: fc.constant<number[]>([]) };
  const vector = { weight: 2, arbitrary: side.map((n) => [n]) };
  if (maxRank < 1) return scalar.arbitrary;
  if (maxRank < 2) return new ShrinkingShape(fc.oneof(scalar, vector));
  return new ShrinkingShape(
    fc.oneof(scalar, vector, { weight: 6, arbitrary: fc.tuple(bigSide, bigSide) }, { weight: 1, arbitrary: fc.tuple(side, side) }),
  );
}

/**
 * Shapes drawn by `drawn`, shrunk by this class to every smaller shape, at
 * any point of shrinking: 0-d, a dim fewer, a side set to 1 or one less. (The
 * drawn oneof alone cannot: a full matrix's sides never go below 2, and its
 * cross shrink offers the first branch once, on the first shrink only, so a
 * counterexample kept a 2 x 2 leaf it did not need.) Drawing is the oneof's,
 * unchanged: the same seed gives the same programs.
 */
class ShrinkingShape extends fc.Arbitrary<number[]> {
  constructor(private readonly drawn: fc.Arbitrary<number[]>) {
    super();
  }

  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<number[]> {
    return new fc.Value(this.drawn.generate(mrng, biasFactor).value, undefined);
  }

  canShrinkWithoutContext(value: unknown): value is number[] {
    return Array.isArray(value) && value.every((d) => Number.isInteger(d) && d >= 1);
  }

  shrink(shape: number[]): fc.Stream<fc.Value<number[]>> {
    const smaller: number[][] = [];
    if (shape.length > 0) smaller.push([], shape.slice(1), shape.slice(0, -1));
    shape.forEach((d, i) => {
      if (d > 1) smaller.push(shape.map((s, j) => (j === i ? 1 : s)), shape.map((s, j) => (j === i ? d - 1 : s)));
    });
    const unique = [...new Map(smaller.map((s) => [s.join(','), s])).values()].filter((s) => s.join(',') !== shape.join(','));
    return fc.Stream.of(...unique.map((s) => new fc.Value(s, undefined)));
  }
}

/** How a leaf's shape derives from the program's base shape. */
export type ShapeVariant = { kind: 'same' } | { kind: 'transposed' } | { kind: 'broadcast'; which: number };

/**
 * The shapes that broadcast to `base`: for `[m, n]`, `[]`, `[n]`, `[m, 1]`
 * (twice: a column against a matrix is where gradients are summed over an
 * inner dim, which engines get wrong), `[1, n]`, `[1, 1]`.
 */
function broadcastVariants(base: readonly number[]): number[][] {
  if (base.length === 0) return [[]];
  const ones = (keep: (d: number) => boolean) => base.map((s, d) => (keep(d) ? s : 1));
  const column = ones((d) => d < base.length - 1);
  return [[], base.slice(1), column, ones((d) => d > 0), column, base.map(() => 1)];
}

/**
 * The shape of each of `count` leaves: the first has the base shape; the
 * others have it too, or its transpose (so that `x @ w` of two matrices is
 * possible) or, with broadcasting, a shape that broadcasts to it.
 */
export function leafShapesArb(count: number, options: ShapeOptions & { broadcasting?: boolean } = {}): fc.Arbitrary<number[][]> {
  const variant: fc.Arbitrary<ShapeVariant> = fc.oneof(
    { weight: 4, arbitrary: fc.constant<ShapeVariant>({ kind: 'same' }) },
    { weight: 2, arbitrary: fc.constant<ShapeVariant>({ kind: 'transposed' }) },
    ...(options.broadcasting === false ? [] : [{ weight: 3, arbitrary: fc.record({ kind: fc.constant('broadcast' as const), which: fc.nat(5) }) }]),
  );
  return fc
    .record({ base: baseShapeArb(options), variants: fc.array(variant, { minLength: count - 1, maxLength: count - 1 }) })
    .map(({ base, variants }) => [
      [...base],
      ...variants.map((v) => {
        if (v.kind === 'same') return [...base];
        if (v.kind === 'transposed') return [...base].reverse();
        const all = broadcastVariants(base);
        return all[v.which % all.length]!;
      }),
    ]);
}

/** Where an op wants its operands' values. */
export interface Domain {
  min: number;
  max: number;
  /** Values drawn on purpose now and then (kinks, bounds). */
  kinks?: readonly number[];
  /** Grid step of the values (default 0.25). */
  step?: number;
}

export const GENERAL_DOMAIN: Domain = { min: -2, max: 2, kinks: [0, 0.5, -0.5, 1, -1, 2] };

/** The domain to feed an op's operands directly (positive for log/sqrt, small for exp/pow, kinks included). */
export function domainOf(op: string): Domain {
  switch (op) {
    case 'log':
    case 'sqrt':
    case 'rsqrt':
    case 'pow_tensor':
      return { min: 0.25, max: 3 };
    case 'exp':
    case 'pow_scalar_base':
      return { min: -3, max: 3 };
    case 'pow':
      return { min: 0.25, max: 2 };
    case 'div':
    case 'reciprocal':
      return { min: 0.25, max: 3 };
    case 'tan':
      return { min: -1, max: 1 };
    case 'relu':
    case 'abs':
    case 'sign':
      return { min: -2, max: 2, kinks: [0] };
    case 'clamp':
      return { min: -2, max: 2, kinks: [-1, -0.5, 0, 0.5, 1, 2] };
    default:
      return GENERAL_DOMAIN;
  }
}

/** One value of a domain: a grid multiple, or (1 time in 6) one of its kinks. */
export function valueArb(domain: Domain = GENERAL_DOMAIN): fc.Arbitrary<number> {
  const step = domain.step ?? 0.25;
  const lo = Math.ceil(domain.min / step);
  const hi = Math.floor(domain.max / step);
  const grid = fc.integer({ min: lo, max: hi }).map((k) => k * step + 0); // + 0: no -0
  const kinks = (domain.kinks ?? []).filter((k) => k >= domain.min && k <= domain.max);
  return kinks.length ? fc.oneof({ weight: 5, arbitrary: grid }, { weight: 1, arbitrary: fc.constantFrom(...kinks) }) : grid;
}

/** A tensor's values (row-major, numel of `shape`) inside `domain`. */
export function tensorArb(shape: readonly number[], domain: Domain = GENERAL_DOMAIN): fc.Arbitrary<number[]> {
  const n = numelOf(shape);
  return fc.array(valueArb(domain), { minLength: n, maxLength: n });
}

// ---------------------------------------------------------------------------
// Programs

export interface ProgramOptions {
  /** Ops to draw from (names of `opSpecs()`); default all. */
  ops?: readonly string[];
  maxLeaves?: number;
  maxSteps?: number;
  maxRank?: number;
  maxDim?: number;
  dtypes?: readonly DType[];
  /** Leaves of different (broadcastable) shapes; false: all leaves one shape. */
  broadcasting?: boolean;
  /** `with torch.no_grad():` and `.detach()` cuts (true), or only these kinds (`.data` reads too). */
  cuts?: boolean | CutKind | readonly CutKind[];
  /** `.data` mutations (`'end'`: only after the last value step). */
  dataMutations?: boolean | 'end';
  /** In-place ops (`y.add_(1.0)`) on intermediates and on leaves not requiring grad. */
  inPlace?: boolean;
  /** Values exactly at kinks on purpose. */
  kinks?: boolean;
  /** Non-scalar roots take a gradient argument (else they are summed or averaged). */
  gradientArg?: boolean;
  /** A second backward (retain_graph), possibly after `x.grad.zero_()` / `x.grad = None`. */
  secondBackward?: boolean;
  resets?: boolean;
  /**
   * `torch.autograd.grad(..., create_graph=True)` then a second derivative; `'backward'`: always,
   * as `backward(create_graph=True)` then a backward from the leaf's grad (engines).
   */
  gradgrad?: boolean | 'backward';
  /** A second backward may follow one without retain_graph (PyTorch's error when it needs freed tensors). */
  freeGraph?: boolean;
  /** Some leaves do not require grad. */
  constantLeaves?: boolean;
  /** How the root is made scalar: always this reduction, or always a gradient argument. */
  rootReduce?: 'sum' | 'mean' | 'gradient';
  /** Extra filter on generated value steps (an engine's limits): op, attributes, operand shapes. */
  accept?: (op: string, attrs: Record<string, number>, shapes: readonly (readonly number[])[]) => boolean;
  /** At least this many mutation steps are attempted (default 0). */
  minMutations?: number;
  /** No backward at all (a bare DAG). */
  noBackward?: boolean;
}

export const ALL_FEATURES: ProgramOptions = {
  cuts: true,
  dataMutations: true,
  inPlace: true,
  kinks: true,
  gradientArg: true,
  secondBackward: true,
  resets: true,
  gradgrad: true,
  constantLeaves: true,
};

/** Only the smooth core: elementwise ops, broadcasting, reductions; no cuts, mutations or extra calls. */
export const CORE: ProgramOptions = {
  cuts: false,
  dataMutations: false,
  inPlace: false,
  kinks: false,
  gradientArg: false,
  secondBackward: false,
  resets: false,
  gradgrad: false,
  constantLeaves: false,
};

interface RawLeaf {
  dtype: DType;
  requiresGrad: boolean;
  positive: boolean;
  pool: number[];
  /** Bit i set: element i takes the program's shared value there, so leaves tie with each other. */
  ties: number;
}

interface RawStep {
  op: number;
  args: number[];
  /** 0: no number operand; k: the k-th allowed number slot. */
  numberSlot: number;
  number: number;
  attrs: number[];
  method: boolean;
  /**
   * Prefer a partner for the first operand where bugs show: one that ties
   * with it (maximum, minimum), or one of another shape that broadcasts with
   * it (other elementwise ops).
   */
  partner: boolean;
  /** 0: none, 1: no_grad, 2: detach. */
  cut: number;
}

interface RawMutation {
  after: number;
  target: number;
  inPlace: boolean;
  op: number;
}

interface RawTail {
  root: 'sum' | 'mean' | 'gradient';
  gradient: number[];
  retain: boolean;
  second: 'none' | 'again' | 'zero_' | 'reset';
  gradgrad: boolean;
  gradgradLeaf: number;
}

export interface RawProgram {
  shapes: number[][];
  /** Values leaves share at the positions their `ties` mask selects (ties between different tensors). */
  shared: number[];
  leaves: RawLeaf[];
  steps: RawStep[];
  mutations: RawMutation[];
  tail: RawTail;
}

const LEAF_NAMES = ['x', 'w', 'u', 'b', 'c', 'd'];
const DATA_OPS: { op: '+=' | '-=' | '*='; value: number }[] = [
  { op: '+=', value: 1.5 },
  { op: '*=', value: 2 },
  { op: '-=', value: 0.5 },
  { op: '*=', value: -1 },
];
const INPLACE_OPS: { op: 'add_' | 'sub_' | 'mul_'; value: number }[] = [
  { op: 'add_', value: 1 },
  { op: 'mul_', value: 2 },
  { op: 'sub_', value: 0.5 },
];

function rawArb(o: ProgramOptions): fc.Arbitrary<RawProgram> {
  const maxLeaves = o.maxLeaves ?? 3;
  const maxSteps = o.maxSteps ?? 5;
  const dtypes = o.dtypes ?? ['float32', 'float64'];
  const shapeOpts = { maxRank: o.maxRank ?? 2, maxDim: o.maxDim ?? 3 };
  const shapes = leafShapesArb(maxLeaves, { ...shapeOpts, broadcasting: o.broadcasting !== false });
  const value = valueArb(o.kinks === false ? { ...GENERAL_DOMAIN, kinks: [] } : GENERAL_DOMAIN);
  const leaf: fc.Arbitrary<RawLeaf> = fc.record({
    dtype: fc.constantFrom(...dtypes),
    requiresGrad: o.constantLeaves ? fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) : fc.constant(true),
    positive: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    pool: fc.array(value, { minLength: 1, maxLength: 9 }),
    ties: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.nat(511) }),
  });
  const cut = o.cuts ? fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }) }) : fc.constant(0);
  const step: fc.Arbitrary<RawStep> = fc.record({
    op: fc.nat(1000),
    args: fc.array(fc.nat(20), { minLength: 3, maxLength: 3 }),
    numberSlot: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) }),
    number: fc.nat(10),
    attrs: fc.array(fc.nat(10), { minLength: 3, maxLength: 3 }),
    method: fc.boolean(),
    partner: fc.boolean(),
    cut,
  });
  const mutationsOn = !!o.dataMutations || !!o.inPlace;
  const mutation: fc.Arbitrary<RawMutation> = fc.record({
    after: fc.nat(10),
    target: fc.nat(20),
    inPlace: o.inPlace && o.dataMutations ? fc.boolean() : fc.constant(!!o.inPlace && !o.dataMutations),
    op: fc.nat(10),
  });
  const secondChoices: RawTail['second'][] = o.secondBackward ? (o.resets ? ['none', 'again', 'zero_', 'reset'] : ['none', 'again']) : ['none'];
  const tail: fc.Arbitrary<RawTail> = fc.record({
    root: o.rootReduce
      ? fc.constant(o.rootReduce)
      : o.gradientArg
        ? fc.constantFrom<RawTail['root']>('sum', 'mean', 'gradient')
        : fc.constantFrom<RawTail['root']>('sum', 'mean'),
    gradient: fc.array(fc.integer({ min: -4, max: 4 }).map((k) => k / 2 + 0), { minLength: 1, maxLength: 9 }),
    retain: fc.boolean(),
    second: fc.constantFrom(...secondChoices),
    // 'backward' (engines): every program takes its second derivative, through backward(create_graph=True).
    gradgrad: o.gradgrad === 'backward' ? fc.constant(true) : o.gradgrad ? fc.boolean() : fc.constant(false),
    gradgradLeaf: fc.nat(5),
  });
  return fc.record({
    shapes,
    shared: fc.array(value, { minLength: 1, maxLength: 9 }),
    leaves: fc.array(leaf, { minLength: 1, maxLength: maxLeaves }),
    steps: fc.array(step, { minLength: 1, maxLength: maxSteps }),
    mutations: mutationsOn ? fc.array(mutation, { minLength: o.minMutations ?? 0, maxLength: Math.max(2, o.minMutations ?? 0) }) : fc.constant([]),
    tail,
  });
}

const cycle = (pool: readonly number[], n: number) => Array.from({ length: n }, (_, i) => pool[i % pool.length]!);

function attrsFor(names: string[], choices: Readonly<Record<string, readonly number[]>>, raw: readonly number[]): Record<string, number> {
  const attrs: Record<string, number> = {};
  names.forEach((name, i) => {
    const c = choices[name]!;
    attrs[name] = c[(raw[i] ?? 0) % c.length]!;
  });
  return attrs;
}

/** The cut spellings an option allows (`true`: no_grad and detach). */
function cutKinds(cuts: ProgramOptions['cuts']): readonly CutKind[] {
  if (!cuts) return [];
  if (cuts === true) return ['no_grad', 'detach'];
  return typeof cuts === 'string' ? [cuts] : cuts;
}

/** Try one raw step against the evaluator: a valid value step, or null. */
function tryStep(ev: Evaluator, raw: RawStep, name: string, ops: readonly string[], names: readonly string[], o: ProgramOptions): ValueStep | null {
  const specs = opSpecs();
  const spec = specs.get(ops[raw.op % ops.length]!)!;
  const attrNames = Object.keys(spec.attrChoices).sort();
  const attrs = attrsFor(attrNames, spec.attrChoices, raw.attrs);
  const kinds = cutKinds(o.cuts);
  const cutKind = raw.cut > 0 && kinds.length ? kinds[(raw.cut - 1) % kinds.length] : undefined;
  const numberSlot = spec.numberOnly?.length
    ? spec.numberOnly[0]!
    : raw.numberSlot > 0 && spec.numberSlots.length
      ? spec.numberSlots[(raw.numberSlot - 1) % spec.numberSlots.length]!
      : -1;
  // Choose each tensor operand: the first name, cycling from the raw index, that makes a valid step.
  const args: Arg[] = [];
  // Attributes that depend on the operand's shape are fitted once it is known.
  const fit = (step: ValueStep): ValueStep => {
    const first = step.args[0]!;
    if (!('ref' in first)) return step;
    const shape = ev.get(first.ref).shape;
    const a = { ...step.attrs };
    if (spec.kind === 'reduce' && a.dim! >= shape.length) a.dim = shape.length - 1; // the last dim (-1, all, for 0-d)
    if (spec.kind === 'along') {
      if (a.dim! >= shape.length) a.dim = Math.max(0, shape.length - 1); // a 0-d tensor is one line along dim 0
      if (a.k !== undefined) a.k = Math.min(a.k, shape.length === 0 ? 1 : shape[a.dim!]!); // topk's k fits the dim
    }
    if (spec.name === 'select') {
      if (shape.length === 0) return step;
      if (a.dim! >= shape.length) a.dim = 0;
      a.index = a.index! % shape[a.dim!]!;
    }
    if (spec.name === 'slice' && shape.length > 0) {
      a.start = a.start! % shape[0]!;
      a.stop = Math.min(Math.max(a.stop!, a.start! + 1), shape[0]!);
    }
    if (spec.kind === 'reduce' && a.dim! < 0) delete a.keepdim;
    return { ...step, attrs: a };
  };
  // Depth-first over operand choices, each checked by evaluating the step.
  const tryArgs = (slot: number): ValueStep | null => {
    if (slot === spec.arity) {
      const step = fit({ kind: 'value', name, op: spec.name, args: [...args], attrs, ...(raw.method && spec.hasMethod ? { method: true } : {}), ...(cutKind ? { cut: cutKind } : {}) });
      if (knownBug(ev, step)) return null;
      if (o.accept && !o.accept(step.op, step.attrs, step.args.filter((a): a is { ref: string } => 'ref' in a).map((a) => ev.get(a.ref).shape))) return null;
      try {
        ev.apply(step);
        return step;
      } catch (e) {
        if (e instanceof DomainError) return null;
        throw e;
      }
    }
    if (slot === numberSlot) {
      args[slot] = { num: spec.numbers[raw.number % spec.numbers.length]! };
      return tryArgs(slot + 1);
    }
    const start = (raw.args[slot] ?? 0) % names.length;
    const candidates = Array.from({ length: names.length }, (_, k) => names[(start + k) % names.length]!);
    // maximum(y, y) ties everywhere yet cannot tell a wrong tie rule: other operands first.
    // Matrix products of matrices are where a missing transpose shows: matrices first.
    if (spec.kind === 'matmul') candidates.sort((a, b) => Number(ev.get(b).shape.length === 2) - Number(ev.get(a).shape.length === 2));
    const first = slot > 0 && 'ref' in args[0]! ? ev.get(args[0].ref) : null;
    if (spec.preferDistinct) {
      // Then, on a coin, one that ties with the first operand somewhere (ties of different tensors are
      // where a wrong tie rule shows; a tensor with itself gets the same total either way).
      const rank = (n: string) =>
        (args.slice(0, slot).some((x) => 'ref' in x && x.ref === n) ? 2 : 0) + (raw.partner && first && !sharesValue(first, ev.get(n)) ? 1 : 0);
      candidates.sort((a, b) => rank(a) - rank(b));
    } else if (raw.partner && first && spec.kind === 'elementwise') {
      // On a coin, one of another shape: broadcasting is where gradients must be summed back.
      candidates.sort((a, b) => Number(ev.get(a).shape.join() === first.shape.join()) - Number(ev.get(b).shape.join() === first.shape.join()));
    }
    for (const ref of candidates) {
      const t = ev.get(ref);
      if (!t.values.every((v) => spec.domain(v, slot, attrs))) continue;
      args[slot] = { ref };
      const done = tryArgs(slot + 1);
      if (done) return done;
    }
    return null;
  };
  return tryArgs(0);
}

/** Some element of `a` equals the element of `b` at the same position (same shapes), or any element (otherwise). */
function sharesValue(a: { shape: number[]; values: number[] }, b: { shape: number[]; values: number[] }): boolean {
  if (a.shape.join() === b.shape.join()) return a.values.some((v, i) => v === b.values[i]);
  return a.values.some((v) => b.values.includes(v));
}

/**
 * Ops drawn more often than the others: reductions, matrix products and
 * maximum/minimum, whose backward has structure (a dim to put back, a
 * transpose, a tie rule) where engines go wrong.
 */
const DRAW_WEIGHT: Readonly<Record<string, number>> = { sum: 2, mean: 2, matmul: 3, maximum: 2, minimum: 2 };

/** Turn raw structural data into a valid program (see the module comment). */
export function buildProgram(raw: RawProgram, o: ProgramOptions = {}): Program {
  const ops = (o.ops ?? [...opSpecs().keys()]).filter((n) => opSpecs().has(n));
  if (ops.length === 0) throw new Error('programArb: no ops to draw from');
  const drawn = ops.flatMap((op) => Array.from({ length: DRAW_WEIGHT[op] ?? 1 }, () => op));
  const leaves: Leaf[] = raw.leaves.map((l, i) => {
    const shape = raw.shapes[i % raw.shapes.length] ?? [];
    const values = cycle(l.pool, numelOf(shape))
      .map((v, k) => ((l.ties >> k) & 1 ? raw.shared[k % raw.shared.length]! : v))
      .map((v) => (l.positive ? Math.abs(v) + 0.25 : v));
    return { name: LEAF_NAMES[i]!, shape, dtype: l.dtype, values, requiresGrad: l.requiresGrad };
  });
  if (!leaves.some((l) => l.requiresGrad)) leaves[0]!.requiresGrad = true;
  const ev = new Evaluator(leaves);
  const steps: Step[] = [];
  const names = leaves.map((l) => l.name);
  const valueNames: string[] = [];
  let counter = 1;
  const mutate = (m: RawMutation) => {
    const step = mutationStep(ev, m, names);
    if (step) steps.push(step);
  };
  raw.steps.forEach((rs, i) => {
    const name = `y${counter}`;
    const step = tryStep(ev, rs, name, drawn, names, o);
    if (step) {
      steps.push(step);
      names.push(name);
      valueNames.push(name);
      counter++;
    }
    if (o.dataMutations !== 'end') for (const m of raw.mutations.filter((m) => m.after % raw.steps.length === i)) mutate(m);
  });
  if (o.dataMutations === 'end') for (const m of raw.mutations) mutate(m);
  if (o.noBackward) return { leaves, steps };

  // The root: the last value that requires grad (else the last value, else a leaf's sum).
  let root = [...valueNames].reverse().find((n) => ev.get(n).requiresGrad) ?? valueNames.at(-1) ?? leaves.find((l) => l.requiresGrad)!.name;
  const rootShape = ev.get(root).shape;
  const tail = raw.tail;
  let gradient: number[] | undefined;
  if (tail.root === 'gradient' && !ev.get(root).isLeaf) gradient = cycle(tail.gradient, numelOf(rootShape));
  else if (rootShape.length > 0 || ev.get(root).isLeaf) {
    const op = tail.root === 'mean' || (o.ops && !o.ops.includes('sum') && o.ops.includes('mean')) ? 'mean' : 'sum';
    const reduce: ValueStep = { kind: 'value', name: `y${counter++}`, op, args: [{ ref: root }], attrs: { dim: -1 }, method: true };
    ev.apply(reduce);
    steps.push(reduce);
    root = reduce.name;
  }
  const reached = [...ev.reachedLeaves(root)];
  const scalarRoot = ev.get(root).shape.length === 0;
  // `.data` mutations (of leaves and intermediates) may come before it: autograd differentiates at the new values.
  let createGraphLeaf: string | null = null;
  if (tail.gradgrad && scalarRoot && !gradient && reached.length && !steps.some((s) => s.kind === 'inplace') && !cumprodSavedChanged(ev, steps) && !absAtZero(ev, steps)) {
    const leaf = reached[tail.gradgradLeaf % reached.length]!;
    if (o.gradgrad === 'backward') createGraphLeaf = leaf;
    else steps.push({ kind: 'gradgrad', root, leaf });
  }
  const second = tail.second;
  // Without freeGraph a second call always finds the graph kept (retain_graph=True on the first).
  const retain = tail.retain || (second !== 'none' && !o.freeGraph);
  steps.push({ kind: 'backward', root, ...(gradient ? { gradient } : {}), ...(retain ? { retainGraph: true } : {}), ...(createGraphLeaf ? { createGraph: true } : {}) });
  if (createGraphLeaf) steps.push({ kind: 'gradbackward', leaf: createGraphLeaf, reduce: ops.includes('sum') || !ops.includes('mean') ? 'sum' : 'mean' });
  if (second !== 'none') {
    if ((second === 'zero_' || second === 'reset') && reached.length) {
      steps.push({ kind: 'reset', leaf: reached[tail.gradgradLeaf % reached.length]!, how: second === 'zero_' ? 'zero_' : 'none' });
    }
    steps.push({ kind: 'backward', root, ...(gradient ? { gradient } : {}) });
  }
  return { leaves, steps };
}

/** A `.data` mutation or an in-place op that keeps the program valid, or null. */
function mutationStep(ev: Evaluator, m: RawMutation, names: readonly string[]): Step | null {
  const start = m.target % names.length;
  for (let k = 0; k < names.length; k++) {
    const target = names[(start + k) % names.length]!;
    const t = ev.get(target);
    // No aliasing: not a view, and no view taken of it.
    if (t.isView || t.aliases.size > 0) continue;
    let step: Step;
    if (m.inPlace) {
      // In-place on a leaf that requires grad is an error PyTorch raises at once: not generated.
      if (t.isLeaf && t.requiresGrad) continue;
      const { op, value } = INPLACE_OPS[m.op % INPLACE_OPS.length]!;
      step = { kind: 'inplace', target, op, value };
    } else {
      const { op, value } = DATA_OPS[m.op % DATA_OPS.length]!;
      step = { kind: 'data', target, op, value };
      // Ops that saved it will compute with the new values: keep them in those ops' domains.
      const after = t.values.map((v) => (op === '+=' ? v + value : op === '-=' ? v - value : v * value));
      if (!savedStaysValid(ev, t.id, after)) continue;
      if (savedByExtremumOfAll(ev, t.id)) continue;
    }
    try {
      ev.apply(step);
      return step;
    } catch (e) {
      if (e instanceof DomainError) continue;
      throw e;
    }
  }
  return null;
}

function savedStaysValid(ev: Evaluator, id: number, values: readonly number[]): boolean {
  for (const node of ev.nodes) {
    const spec = opSpecs().get(node.op);
    for (const s of node.saved) {
      if (s.id !== id) continue;
      if (s.slot < 0) {
        if (!values.every((v) => Math.abs(v) >= 0.1 && Math.abs(v) <= 1e3)) return false;
      } else if (spec && !values.every((v) => spec.domain(v, s.slot, node.attrs) || Number.isNaN(v))) return false;
    }
  }
  return true;
}

/**
 * TODO(dzdx bug 16, see docs/properties.md "Bugs found"): `torch.max(y)` / `y.min()` of everything
 * save y and their result, and their backward takes its mask `y == result` from the values as they
 * are when it runs, so after `y.data += 1.5` PyTorch (and dzdx's tape) give zeros. dzdx check's
 * symbolic side fixes the weights when the op runs (a `linear` registry form), expects the old
 * gradient and reports a disagreement. `.data` writes of a tensor such an op saved are not
 * generated until fixed.
 */
function savedByExtremumOfAll(ev: Evaluator, id: number): boolean {
  return ev.nodes.some((node) => (node.op === 'max' || node.op === 'min') && (node.attrs.dim ?? -1) < 0 && node.saved.some((s) => s.id === id));
}

/**
 * TODO(dzdx bug 17, see docs/properties.md "Bugs found"): after a `.data` write of what cumprod saved,
 * dzdx check's second derivative through create_graph differentiates the saved result's first
 * element (whose form is the member itself, `m0`) as that member, not through cumprod's backward
 * (r0 / x0 at the new x): `y = torch.cumprod(x, 0); x.data += 1.5`, then autograd.grad twice of
 * `y[0]` expects -0.4898 where PyTorch and the tape give 0. Such programs take no second derivative
 * until fixed (first derivatives agree and are still generated).
 */
function cumprodSavedChanged(ev: Evaluator, steps: readonly Step[]): boolean {
  return steps.some((s, i) => {
    if (s.kind !== 'data') return false;
    const id = ev.get(s.target).id;
    return ev.nodes.some((node) => node.op === 'cumprod' && node.step < i && node.saved.some((saved) => saved.id === id));
  });
}

/** Programs the generator leaves out: ones that would only end early, or that its evaluator does not model. */
function knownBug(ev: Evaluator, step: ValueStep): boolean {
  const tensors = step.args.filter((a): a is { ref: string } => 'ref' in a).map((a) => ev.get(a.ref));
  // Matrix products refuse mixed dtypes (PyTorch raises "expected scalar type Double but found
  // Float", as dzdx does): generating one would only end the program early.
  if (step.op === 'matmul' && new Set(tensors.map((t) => t.dtype)).size > 1) return true;
  // A view taken under no_grad of a tensor that requires grad (`with torch.no_grad(): y = x[0:1]`)
  // is, in PyTorch, a leaf with requires_grad=True whose gradient reaches nothing. dzdx does the
  // same (test/fixtures/own/view_under_no_grad.py), but this file's evaluator does not model it,
  // so such programs are not generated.
  if (step.cut === 'no_grad' && (step.op === 'select' || step.op === 'slice') && tensors.some((t) => t.requiresGrad)) return true;
  return false;
}

/**
 * `x ** w` with an exponent element exactly 0: PyTorch's backward masks x's gradient there
 * (`where(w == 0, 0, ...)`), so the mixed second derivative through create_graph loses a term
 * (5.9218 for `x ** (x - 0.25)` at x = 0.25, where the textbook gives 9.9218). dzdx check follows
 * the mask (bug 9 in docs/properties.md); the textbook second derivative of secondDerivative
 * does not, so that property leaves such programs out.
 */
export function powAtZeroExponent(ev: Evaluator, steps: readonly Step[]): boolean {
  return steps.some((s) => {
    if (s.kind !== 'value' || s.op !== 'pow_tensor') return false;
    const w = s.args[1]!;
    return 'ref' in w ? ev.get(w.ref).values.includes(0) : w.num === 0;
  }) || absAtZero(ev, steps);
}

/**
 * TODO(dzdx bug 13, see docs/properties.md "Bugs found"): abs's backward multiplies by `sgn(x)`,
 * whose own backward (SgnBackward0) gives no gradient at all for real inputs in PyTorch 1.13; dzdx
 * records `sign(x)` (SignBackward0, zeros). At x = 0 a second derivative of -0 from the other
 * path then prints `-0.0000` in PyTorch and `0.0000` in dzdx (values agree). Programs with abs at
 * exactly 0 take no second derivative until fixed.
 */
function absAtZero(ev: Evaluator, steps: readonly Step[]): boolean {
  return steps.some((s) => s.kind === 'value' && s.op === 'abs' && 'ref' in s.args[0]! && ev.get(s.args[0].ref).values.includes(0));
}

/** Whole programs with the features of `options` (default: all of them). */
export function programArb(options: ProgramOptions = ALL_FEATURES): fc.Arbitrary<Program> {
  return rawArb(options).map((raw) => buildProgram(raw, options));
}

/** DAGs of ops over leaves (later steps may reuse any earlier value), without backward calls. */
export function exprDagArb(options: ProgramOptions = CORE): fc.Arbitrary<Program> {
  return programArb({ ...options, noBackward: true });
}
