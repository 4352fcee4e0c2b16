/**
 * A small model of autograd programs, and its printer to a runnable PyTorch
 * script.
 *
 * A program is leaves (named tensors, some requiring grad) and steps run in
 * order: value steps (`y3 = torch.sin(y1) * w`), optionally cut
 * (`with torch.no_grad():` or `.detach()`), `.data` mutations, in-place
 * ops, backward calls (with a gradient argument, retain_graph), gradient
 * resets and `torch.autograd.grad(..., create_graph=True)` followed by a
 * second derivative. The elementwise ops are drawn from the op registry
 * (`src/ops/registry.ts`): every entry with an elementwise symbolic form
 * that the script language can reach is an op here, so a new registry op
 * is generated and checked without touching this file.
 *
 * `Evaluator` runs a program in float64 (rounding to float32 where PyTorch
 * would) with its own code, independent of the tape: the generator uses it
 * to keep every op inside its domain, to know which values sit at a kink,
 * which tensors an op saved (from the registry's save rules) and which
 * gradients a mutation can reach; the properties use it to replace cut
 * values by constants.
 */
import type { MathNode } from 'mathjs';
import { registry, runScript } from '../src/index.js';
import type { SaveRule } from '../src/autograd/record.js';
import { compileNode } from '../src/symbolic/compile.js';
import { getMath, nodeBuilders } from '../src/symbolic/mathjs.js';
import { EXTREMA, extremumGap, LINE_OPS, type LineOp } from './dim-ops.js';

export type DType = 'float32' | 'float64';

export interface Leaf {
  name: string;
  shape: number[];
  dtype: DType;
  /** Row-major values; multiples of 0.25 from the generator. */
  values: number[];
  requiresGrad: boolean;
}

/** An operand: an earlier name (leaf or step) or a Python number. */
export type Arg = { ref: string } | { num: number };

export interface ValueStep {
  kind: 'value';
  name: string;
  /** An op of `opSpecs()` (a registry name, or where/sum/mean/max/min/matmul/select/slice). */
  op: string;
  args: Arg[];
  /** Op attributes: exponent, min, max, base, threshold (where), dim, keepdim (0/1), index, start, stop. */
  attrs: Record<string, number>;
  /** Print as a method call (`y.exp()`) instead of a function (`torch.exp(y)`) where both exist. */
  method?: boolean;
  cut?: CutKind;
}

/** How a value is cut from the graph: `with torch.no_grad():`, `(…).detach()` or `(…).data`. */
export type CutKind = 'no_grad' | 'detach' | 'data';

export interface DataStep {
  kind: 'data';
  target: string;
  op: '+=' | '-=' | '*=';
  value: number;
}

export interface InPlaceStep {
  kind: 'inplace';
  target: string;
  op: 'add_' | 'sub_' | 'mul_';
  value: number;
}

export interface BackwardStep {
  kind: 'backward';
  root: string;
  /** The gradient argument (root's shape, row-major); omitted for a scalar root. */
  gradient?: number[];
  retainGraph?: boolean;
  /** `create_graph=True`: the leaves' grads get a history (see GradBackwardStep). */
  createGraph?: boolean;
}

export interface ResetStep {
  kind: 'reset';
  leaf: string;
  how: 'zero_' | 'none';
}

/**
 * `g, = torch.autograd.grad(root, leaf, create_graph=True)` then, when g has
 * a history, `h, = torch.autograd.grad(g.sum(), leaf)`; prints g and h.
 */
export interface GradGradStep {
  kind: 'gradgrad';
  root: string;
  leaf: string;
}

/**
 * After a `backward(create_graph=True)`: `g_x = x.grad; x.grad = None`, then,
 * when g has a history, `g_x.sum().backward(retain_graph=True)` (the second
 * derivative, as engines without `autograd.grad` take it); prints the grads.
 */
export interface GradBackwardStep {
  kind: 'gradbackward';
  leaf: string;
  /** How g is made a scalar: the engine's reduction. */
  reduce: 'sum' | 'mean';
}

export type Step = ValueStep | DataStep | InPlaceStep | BackwardStep | ResetStep | GradGradStep | GradBackwardStep;

export interface Program {
  leaves: Leaf[];
  steps: Step[];
}

// ---------------------------------------------------------------------------
// Ops

export type OpKind = 'elementwise' | 'where' | 'reduce' | 'along' | 'matmul' | 'index';

export interface OpSpec {
  name: string;
  kind: OpKind;
  /** Operands (tensors or numbers). */
  arity: number;
  /** Operand positions that may be a Python number (never all of them). */
  numberSlots: readonly number[];
  /** Operand positions that must be a Python number (`rsub`: `2.0 - x`). */
  numberOnly?: readonly number[];
  /** Numbers to draw for a number operand. */
  numbers: readonly number[];
  /** Attribute values to draw from, by name. */
  attrChoices: Readonly<Record<string, readonly number[]>>;
  /** Whether value v is a safe operand at `slot` (the op's domain, kept away from poles and overflow). */
  domain(v: number, slot: number, attrs: Record<string, number>): boolean;
  /**
   * Distance of one element's operands to the op's nearest kink (relu at 0,
   * clamp bounds, ties of maximum, where's threshold); Infinity when smooth.
   */
  kinkDistance?(operands: readonly number[], attrs: Record<string, number>): number;
  /** The printed expression, from printed operands. */
  print(args: readonly string[], attrs: Record<string, number>, method: boolean): string;
  /** Has a method spelling (`y.exp()`). */
  hasMethod: boolean;
  /** The registry entry's save rules (what backward keeps), for the version and mutation properties. */
  saves(args: readonly Arg[], attrs: Record<string, number>, shapes: readonly (number[] | null)[]): readonly SaveRule[];
  /** Needs `import torch.nn.functional as F`. */
  functional?: boolean;
  /** A reduction other than sum/mean: its value over a group of n elements, in mathjs syntax over m0, m1, …. */
  fold?: (n: number) => string;
  /** A reduction's distance to its kink (std and the 2-norm at 0), from its group's values. */
  groupKinkDistance?: (group: readonly number[]) => number;
  /**
   * A group (or line) at its kink is refused, not drawn: a tie decides which member max/min or sort
   * picks, which is PyTorch's choice and not a derivative the suite's own formulas can give.
   */
  refuseKink?: boolean;
  /** An op along a dim (kind 'along'): its line function, written independently of the registry. */
  line?: LineOp;
  /** Draw different tensors for its operands when there are (its kink is a tie between them). */
  preferDistinct?: boolean;
}

const any = () => true;
const inRange = (lo: number, hi: number) => (v: number) => v >= lo && v <= hi;
const paren = (s: string) => `(${s})`;

/** Python's repr of a float, as a literal. */
export function pyNum(v: number): string {
  if (Number.isNaN(v)) return "float('nan')";
  if (!Number.isFinite(v)) return v > 0 ? "float('inf')" : "float('-inf')";
  if (Object.is(v, -0)) return '-0.0';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  return String(v);
}

/** An operand as printed inside an expression (negative numbers parenthesised). */
function operand(s: string): string {
  return s.startsWith('-') ? `(${s})` : s;
}

function savesOf(entryName: string): readonly SaveRule[] {
  return registry.get(entryName)?.saves ?? [];
}

interface KnownSpec {
  arity?: number;
  numberSlots?: number[];
  numberOnly?: number[];
  numbers?: number[];
  attrChoices?: Record<string, number[]>;
  domain?: (v: number, slot: number, attrs: Record<string, number>) => boolean;
  kinkDistance?: OpSpec['kinkDistance'];
  print: (a: readonly string[], attrs: Record<string, number>, method: boolean) => string;
  hasMethod?: boolean;
  functional?: boolean;
  preferDistinct?: boolean;
  /** The registry entry that records it when not the op's own name (scalar-first forms). */
  saves?: OpSpec['saves'];
}

const fn = (name: string) => (a: readonly string[], _attrs: Record<string, number>, method: boolean) =>
  method ? `${operand(a[0]!)}.${name}()` : `torch.${name}(${a.join(', ')})`;
const NUMS = [2, 0.5, -1.5, 3, 0.25];
const positive = (lo: number) => (v: number) => v >= lo && v <= 50;
const awayFromZero = (v: number) => Math.abs(v) >= 0.25 && Math.abs(v) <= 50;
const bounded = inRange(-50, 50);

/**
 * How each registry op is spelled in a script, its safe domain and kinks.
 * Registry ops not listed get `torch.NAME(a[, b])` when the script
 * language has it (probed at first use), with operands in [-3, 3].
 */
const KNOWN: Record<string, KnownSpec> = {
  add: { numberSlots: [0, 1], numbers: NUMS, print: (a) => paren(`${a[0]} + ${operand(a[1]!)}`) },
  sub: { numberSlots: [1], numbers: NUMS, print: (a) => paren(`${a[0]} - ${operand(a[1]!)}`) },
  rsub: { numberSlots: [1], numberOnly: [1], arity: 2, numbers: NUMS, print: (a) => paren(`${a[1]} - ${operand(a[0]!)}`) },
  mul: { numberSlots: [0, 1], numbers: NUMS, print: (a) => paren(`${a[0]} * ${operand(a[1]!)}`) },
  div: {
    numberSlots: [1],
    numbers: NUMS,
    domain: (v, slot) => (slot === 1 ? awayFromZero(v) : bounded(v)),
    print: (a) => paren(`${a[0]} / ${operand(a[1]!)}`),
  },
  neg: { print: (a, _x, m) => (m ? `${operand(a[0]!)}.neg()` : paren(`-${operand(a[0]!)}`)), hasMethod: true },
  exp: { domain: inRange(-6, 6), print: fn('exp'), hasMethod: true },
  log: { domain: positive(0.1), print: fn('log'), hasMethod: true },
  sin: { domain: bounded, print: fn('sin'), hasMethod: true },
  cos: { domain: bounded, print: fn('cos'), hasMethod: true },
  tan: { domain: inRange(-1.2, 1.2), print: fn('tan'), hasMethod: true },
  tanh: { domain: bounded, print: fn('tanh'), hasMethod: true },
  sigmoid: { domain: bounded, print: fn('sigmoid'), hasMethod: true },
  relu: { domain: bounded, kinkDistance: ([x]) => Math.abs(x!), print: fn('relu'), hasMethod: true },
  sqrt: { domain: positive(0.1), print: fn('sqrt'), hasMethod: true },
  rsqrt: { domain: positive(0.1), print: fn('rsqrt'), hasMethod: true },
  sign: { domain: bounded, kinkDistance: ([x]) => Math.abs(x!), print: fn('sign'), hasMethod: true },
  abs: { domain: bounded, kinkDistance: ([x]) => Math.abs(x!), print: fn('abs'), hasMethod: true },
  reciprocal: { domain: awayFromZero, print: fn('reciprocal'), hasMethod: true },
  softplus: {
    attrChoices: { beta: [1], threshold: [20] },
    domain: inRange(-15, 15),
    print: (a) => `F.softplus(${a[0]})`,
    functional: true,
  },
  pow: {
    attrChoices: { exponent: [2, 3, -1, 0.5, -2, 1.5, -0.5] },
    domain: (v, _s, { exponent }) =>
      !Number.isInteger(exponent!) ? v >= 0.1 && v <= 20 : exponent! < 0 ? awayFromZero(v) && Math.abs(v) <= 20 : Math.abs(v) <= 8,
    print: (a, { exponent }) => paren(`${operand(a[0]!)} ** ${Number.isInteger(exponent!) ? String(exponent) : pyNum(exponent!)}`),
  },
  pow_tensor: {
    numberSlots: [0],
    numbers: [2, 0.5, 3],
    domain: (v, slot) => (slot === 0 ? v >= 0.25 && v <= 8 : inRange(-3, 3)(v)),
    print: (a) => paren(`${operand(a[0]!)} ** ${operand(a[1]!)}`),
  },
  pow_scalar_base: {
    attrChoices: { base: [2, 0.5, 3] },
    domain: inRange(-4, 4),
    print: (a, { base }) => `torch.pow(${pyNum(base!)}, ${a[0]})`,
  },
  maximum: {
    domain: bounded,
    kinkDistance: ([x, y]) => Math.abs(x! - y!),
    preferDistinct: true,
    print: (a) => `torch.maximum(${a[0]}, ${a[1]})`,
  },
  minimum: {
    domain: bounded,
    kinkDistance: ([x, y]) => Math.abs(x! - y!),
    preferDistinct: true,
    print: (a) => `torch.minimum(${a[0]}, ${a[1]})`,
  },
  // The ops of the rest of the tensor API (issue 11): domains away from poles, kinks where a value jumps.
  floor: { domain: bounded, kinkDistance: ([x]) => Math.abs(x! - Math.round(x!)), print: fn('floor'), hasMethod: true },
  ceil: { domain: bounded, kinkDistance: ([x]) => Math.abs(x! - Math.round(x!)), print: fn('ceil'), hasMethod: true },
  trunc: { domain: bounded, kinkDistance: ([x]) => Math.abs(x! - Math.round(x!)), print: fn('trunc'), hasMethod: true },
  frac: { domain: bounded, kinkDistance: ([x]) => Math.abs(x! - Math.round(x!)), print: fn('frac'), hasMethod: true },
  round: { domain: bounded, kinkDistance: ([x]) => Math.abs(x! - Math.floor(x!) - 0.5), print: fn('round'), hasMethod: true },
  log1p: { domain: (v) => v >= -0.75 && v <= 50, print: fn('log1p'), hasMethod: true },
  log2: { domain: positive(0.1), print: fn('log2'), hasMethod: true },
  log10: { domain: positive(0.1), print: fn('log10'), hasMethod: true },
  expm1: { domain: inRange(-6, 6), print: fn('expm1'), hasMethod: true },
  exp2: { domain: inRange(-6, 6), print: fn('exp2'), hasMethod: true },
  erf: { domain: bounded, print: fn('erf'), hasMethod: true },
  sinh: { domain: inRange(-5, 5), print: fn('sinh'), hasMethod: true },
  cosh: { domain: inRange(-5, 5), print: fn('cosh'), hasMethod: true },
  asin: { domain: inRange(-0.75, 0.75), print: fn('asin'), hasMethod: true },
  acos: { domain: inRange(-0.75, 0.75), print: fn('acos'), hasMethod: true },
  atan: { domain: bounded, print: fn('atan'), hasMethod: true },
  // atan2 jumps across the negative x axis and has no derivative at the origin.
  atan2: {
    domain: bounded,
    kinkDistance: ([y, x]) => Math.min(Math.hypot(x!, y!), x! <= 0 ? Math.abs(y!) : Infinity),
    print: (a) => `torch.atan2(${a[0]}, ${a[1]})`,
  },
  clamp_min: {
    attrChoices: { min: [-0.5, 0, 0.5], max: [Infinity] },
    domain: bounded,
    kinkDistance: ([x], { min }) => Math.abs(x! - min!),
    print: (a, { min }, m) => (m ? `${operand(a[0]!)}.clamp_min(${pyNum(min!)})` : `torch.clamp_min(${a[0]}, ${pyNum(min!)})`),
    hasMethod: true,
  },
  clamp_max: {
    attrChoices: { min: [-Infinity], max: [-0.5, 0, 0.5] },
    domain: bounded,
    kinkDistance: ([x], { max }) => Math.abs(x! - max!),
    print: (a, { max }, m) => (m ? `${operand(a[0]!)}.clamp_max(${pyNum(max!)})` : `torch.clamp_max(${a[0]}, ${pyNum(max!)})`),
    hasMethod: true,
  },
  leaky_relu: {
    attrChoices: { slope: [0.01, 0.2] },
    domain: bounded,
    kinkDistance: ([x]) => Math.abs(x!),
    print: (a, { slope }) => `F.leaky_relu(${a[0]}, ${pyNum(slope!)})`,
    functional: true,
  },
  elu: {
    attrChoices: { alpha: [1, 0.5], scale: [1], input_scale: [1] },
    domain: bounded,
    kinkDistance: ([x]) => Math.abs(x!),
    print: (a, { alpha }) => `F.elu(${a[0]}, alpha=${pyNum(alpha!)})`,
    functional: true,
  },
  gelu: {
    attrChoices: { approx: [0, 1] },
    domain: bounded,
    print: (a, { approx }) => (approx ? `F.gelu(${a[0]}, approximate='tanh')` : `F.gelu(${a[0]})`),
    functional: true,
  },
  silu: { domain: bounded, print: (a) => `F.silu(${a[0]})`, functional: true },
  hardtanh: {
    attrChoices: { min_val: [-1, -0.5], max_val: [0.5, 1] },
    domain: bounded,
    kinkDistance: ([x], { min_val, max_val }) => Math.min(Math.abs(x! - min_val!), Math.abs(x! - max_val!)),
    print: (a, { min_val, max_val }) => `F.hardtanh(${a[0]}, ${pyNum(min_val!)}, ${pyNum(max_val!)})`,
    functional: true,
  },
  // The scaled updates (src/ops/scaled.ts), with their keywords as scripts write them; alpha 1 and
  // value 1 are drawn too (PyTorch's backward then passes the gradient itself, or multiplies by 1).
  add_alpha: {
    attrChoices: { alpha: [0.5, -1.5, 2, 1] },
    print: (a, { alpha }, m) =>
      m ? `${operand(a[0]!)}.add(${a[1]}, alpha=${pyNum(alpha!)})` : `torch.add(${a[0]}, ${a[1]}, alpha=${pyNum(alpha!)})`,
    hasMethod: true,
  },
  sub_alpha: {
    attrChoices: { alpha: [0.5, -1.5, 2, 1] },
    print: (a, { alpha }, m) =>
      m ? `${operand(a[0]!)}.sub(${a[1]}, alpha=${pyNum(alpha!)})` : `torch.sub(${a[0]}, ${a[1]}, alpha=${pyNum(alpha!)})`,
    hasMethod: true,
  },
  addcmul: {
    attrChoices: { value: [0.5, -2, 1, 0.25] },
    print: (a, { value }, m) =>
      m ? `${operand(a[0]!)}.addcmul(${a[1]}, ${a[2]}, value=${pyNum(value!)})` : `torch.addcmul(${a.join(', ')}, value=${pyNum(value!)})`,
    hasMethod: true,
  },
  addcdiv: {
    attrChoices: { value: [0.5, -2, 1, 0.25] },
    domain: (v, slot) => (slot === 2 ? awayFromZero(v) : bounded(v)),
    print: (a, { value }, m) =>
      m ? `${operand(a[0]!)}.addcdiv(${a[1]}, ${a[2]}, value=${pyNum(value!)})` : `torch.addcdiv(${a.join(', ')}, value=${pyNum(value!)})`,
    hasMethod: true,
  },
  clamp: {
    attrChoices: { min: [-1, -0.5, 0], max: [0.5, 1, 2] },
    domain: bounded,
    kinkDistance: ([x], { min, max }) => Math.min(Math.abs(x! - min!), Math.abs(x! - max!)),
    print: (a, { min, max }, m) =>
      m ? `${operand(a[0]!)}.clamp(min=${pyNum(min!)}, max=${pyNum(max!)})` : `torch.clamp(${a[0]}, min=${pyNum(min!)}, max=${pyNum(max!)})`,
    hasMethod: true,
  },
};

/** Registry elementwise entries that are not ops of the script language, and why. */
export const EXCLUDED_OPS: Readonly<Record<string, string>> = {
  tanh_backward: 'internal: the backward of tanh (reached through create_graph)',
  sigmoid_backward: 'internal: the backward of sigmoid (reached through create_graph)',
  threshold_backward: 'internal: the backward of relu (reached through create_graph)',
  softplus_backward: 'internal: the backward of softplus (reached through create_graph)',
  div_scalar: "internal: backward formulas' division by a number (reached through create_graph)",
  add_scalar: "internal: backward formulas' `t + 1.0` (AddBackward1, reached through create_graph)",
  mul_scalar: "internal: backward formulas' `t * 2.0` (MulBackward1, reached through create_graph)",
  leaky_relu_backward: 'internal: the backward of leaky_relu (reached through create_graph)',
  elu_backward: 'internal: the backward of elu (reached through create_graph)',
  gelu_backward: 'internal: the backward of gelu (reached through create_graph)',
  silu_backward: 'internal: the backward of silu (reached through create_graph)',
  hardtanh_backward: 'internal: the backward of hardtanh (reached through create_graph)',
  mse_loss_backward: 'internal: the backward of mse_loss (reached through create_graph)',
  smooth_l1_loss_backward: 'internal: the backward of smooth_l1_loss (reached through create_graph)',
  sgn: "PyTorch's backward gives an efficient zero tensor, which a second backward cannot accumulate into (dzdx holds plain zeros)",
};

/** Which operands a form reads: `a`, `b`, `c` in the registry's mathjs form. */
function formVariables(form: string): { inputs: number; attrs: string[] } {
  const node = getMath().parse(form);
  const names = new Set<string>();
  node.traverse((n: MathNode) => {
    if (n.type === 'SymbolNode') names.add((n as MathNode & { name: string }).name);
  });
  // Function names are SymbolNodes too in mathjs trees; keep only single letters a-c and attrs.
  const fnNames = new Set<string>();
  node.traverse((n: MathNode) => {
    if (n.type === 'FunctionNode') fnNames.add(((n as unknown as { fn: { name: string } }).fn).name);
  });
  const vars = [...names].filter((n) => !fnNames.has(n));
  const inputs = ['a', 'b', 'c'].filter((v) => vars.includes(v)).length;
  return { inputs, attrs: vars.filter((v) => !['a', 'b', 'c'].includes(v)) };
}

const probed = new Map<string, boolean>();

/** Does the script language have `torch.NAME` taking `arity` tensors? */
function scriptHas(name: string, arity: number): boolean {
  const key = `${name}/${arity}`;
  if (!probed.has(key)) {
    const args = ['a', 'b', 'c'].slice(0, arity);
    const source = ['import torch', ...args.map((n, i) => `${n} = torch.tensor([0.5, ${1 + i}.5], requires_grad=True)`), `print(torch.${name}(${args.join(', ')}))`].join('\n');
    probed.set(key, runScript(source).exitCode === 0);
  }
  return probed.get(key)!;
}

export interface ElementwiseForm {
  form: string;
  inputs: number;
  attrs: string[];
}

const forms = new Map<string, ElementwiseForm>();

/** The registry's symbolic form of an elementwise op. */
export function elementwiseForm(name: string): ElementwiseForm {
  let f = forms.get(name);
  if (!f) {
    const entry = registry.get(name);
    if (!entry || entry.symbolic.kind !== 'elementwise') throw new Error(`internal: ${name} is not an elementwise registry op`);
    f = { form: entry.symbolic.form, ...formVariables(entry.symbolic.form) };
    forms.set(name, f);
  }
  return f;
}

function elementwiseSpec(name: string): OpSpec | null {
  const form = elementwiseForm(name);
  const known = KNOWN[name];
  if (!known) {
    if (form.attrs.length > 0 || form.inputs === 0 || !scriptHas(name, form.inputs)) return null;
  }
  const spec = known ?? { print: fn(name), hasMethod: form.inputs === 1, domain: inRange(-3, 3) };
  return {
    name,
    kind: 'elementwise',
    arity: spec.arity ?? form.inputs,
    numberSlots: spec.numberSlots ?? [],
    numberOnly: spec.numberOnly,
    numbers: spec.numbers ?? [],
    attrChoices: spec.attrChoices ?? {},
    domain: spec.domain ?? bounded,
    kinkDistance: spec.kinkDistance,
    print: spec.print,
    hasMethod: spec.hasMethod ?? false,
    functional: spec.functional,
    preferDistinct: spec.preferDistinct,
    saves: spec.saves ?? (() => savesOf(name)),
  };
}

const reduceSpec = (name: 'sum' | 'mean'): OpSpec => ({
  name,
  kind: 'reduce',
  arity: 1,
  numberSlots: [],
  numbers: [],
  attrChoices: { dim: [-1, 0, 1], keepdim: [0, 1] },
  domain: any,
  print: (a, { dim, keepdim }, m) => {
    const extra = dim! < 0 ? '' : keepdim ? `dim=${dim}, keepdim=True` : `dim=${dim}`;
    return m ? `${operand(a[0]!)}.${name}(${extra})` : `torch.${name}(${a[0]}${extra ? ', ' + extra : ''})`;
  },
  hasMethod: true,
  saves: (_args, { dim }) => savesOf(dim! < 0 ? name : `${name}_dim`),
});

const ms = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`);
const plus = (terms: readonly string[]) => (terms.length ? terms.join(' + ') : '0');

/**
 * The reductions of the rest of the tensor API, drawn like sum and mean:
 * `torch.prod(y, dim=1)`, `y.std()`. Their value over a group is the same
 * function the registry's symbolic form gives, written here independently.
 */
const MORE_REDUCTIONS: Record<
  string,
  {
    fold: (n: number) => string;
    saves: string[];
    kink?: (g: readonly number[]) => number;
    minGroup?: number;
    dimOnly?: boolean;
    /** Spelled otherwise than `torch.NAME(y, dim=d)` / `y.NAME(dim=d)` (max/min's `.values`), with `form` choosing among spellings. */
    print?: (a: string, attrs: Record<string, number>, method: boolean) => string;
    refuseKink?: boolean;
  }
> = {
  prod: { fold: (n) => (n ? ms(n).join(' * ') : '1'), saves: ['prod', 'prod_dim'] },
  logsumexp: { fold: (n) => `log(${plus(ms(n).map((m) => `exp(${m})`))})`, saves: ['logsumexp', 'logsumexp'], dimOnly: true },
  norm: {
    // msqrt: sqrt whose derivative PyTorch masks to 0 where it is 0 (norm_backward, std_backward).
    fold: (n) => `msqrt(${plus(ms(n).map((m) => `${m} ^ 2`))})`,
    saves: ['norm', 'norm'],
    kink: (g) => Math.sqrt(g.reduce((s, v) => s + v * v, 0)),
  },
  var: { fold: (n) => `((${plus(ms(n).map((m) => `${m} ^ 2`))}) - (${plus(ms(n))}) ^ 2 / ${n}) / ${n - 1}`, saves: ['var', 'var'], minGroup: 2 },
  std: {
    fold: (n) => `msqrt(((${plus(ms(n).map((m) => `${m} ^ 2`))}) - (${plus(ms(n))}) ^ 2 / ${n}) / ${n - 1})`,
    saves: ['std', 'std'],
    kink: (g) => Math.max(...g) - Math.min(...g),
    minGroup: 2,
  },
  // max/min of everything (MaxBackward1: ties would share the gradient evenly) and along a dim
  // (MaxBackward0: PyTorch picks one index of a tie): groups with a tie at the extreme are refused.
  max: { fold: EXTREMA.max.fold, saves: ['max', 'max_dim'], kink: (g) => extremumGap(g, 'max'), print: EXTREMA.max.print, refuseKink: true },
  min: { fold: EXTREMA.min.fold, saves: ['min', 'min_dim'], kink: (g) => extremumGap(g, 'min'), print: EXTREMA.min.print, refuseKink: true },
};

function moreReductionSpec(name: string): OpSpec {
  const r = MORE_REDUCTIONS[name]!;
  const base = reduceSpec('sum');
  return {
    ...base,
    name,
    attrChoices: { ...(r.dimOnly ? { dim: [0, 1], keepdim: [0, 1] } : base.attrChoices), ...(r.print ? { form: [0, 1] } : {}) },
    print: r.print
      ? (a, attrs, m) => r.print!(m ? operand(a[0]!) : a[0]!, attrs, m)
      : (a, { dim, keepdim }, m) => {
          const extra = dim! < 0 ? '' : keepdim ? `dim=${dim}, keepdim=True` : `dim=${dim}`;
          return m ? `${operand(a[0]!)}.${name}(${extra})` : `torch.${name}(${a[0]}${extra ? ', ' + extra : ''})`;
        },
    saves: (_args, { dim }) => savesOf(dim! < 0 ? r.saves[0]! : r.saves[1]!),
    fold: (n) => {
      if (n < (r.minGroup ?? 1)) throw new DomainError(`${name} of ${n} element(s)`);
      return r.fold(n);
    },
    groupKinkDistance: r.kink,
    refuseKink: r.refuseKink,
  };
}

/** An op along a dim (dim-ops.ts): cumsum, cumprod, softmax, log_softmax, sort, topk. */
function lineSpec(name: string): OpSpec {
  const line = LINE_OPS[name]!;
  return {
    name,
    kind: 'along',
    arity: 1,
    numberSlots: [],
    numbers: [],
    attrChoices: line.attrChoices,
    domain: bounded,
    print: (a, attrs, m) => line.print(m ? operand(a[0]!) : a[0]!, attrs, m),
    hasMethod: true,
    saves: () => savesOf(line.registryName),
    functional: line.functional,
    refuseKink: line.tieDistance !== undefined,
    line,
  };
}

/** The ops programs draw from: the registry's elementwise ops, where, reductions, ops along a dim, matmul and indexing. */
let specCache: Map<string, OpSpec> | undefined;
export function opSpecs(): ReadonlyMap<string, OpSpec> {
  if (specCache) return specCache;
  const specs = new Map<string, OpSpec>();
  for (const [name, entry] of registry) {
    if (entry.symbolic.kind !== 'elementwise' || name in EXCLUDED_OPS) continue;
    const spec = elementwiseSpec(name);
    if (spec) specs.set(name, spec);
  }
  specs.set('where', {
    name: 'where',
    kind: 'where',
    arity: 3,
    numberSlots: [1, 2],
    numbers: NUMS,
    attrChoices: { threshold: [0, 0.5, -0.5] },
    domain: (v) => bounded(v),
    kinkDistance: ([c], { threshold }) => Math.abs(c! - threshold!),
    print: (a, { threshold }) => `torch.where(${operand(a[0]!)} > ${pyNum(threshold!)}, ${a[1]}, ${a[2]})`,
    hasMethod: false,
    saves: () => [],
  });
  specs.set('sum', reduceSpec('sum'));
  specs.set('mean', reduceSpec('mean'));
  for (const name of Object.keys(MORE_REDUCTIONS)) specs.set(name, moreReductionSpec(name));
  for (const name of Object.keys(LINE_OPS)) specs.set(name, lineSpec(name));
  specs.set('matmul', {
    name: 'matmul',
    kind: 'matmul',
    arity: 2,
    numberSlots: [],
    numbers: [],
    attrChoices: {},
    domain: bounded,
    print: (a) => paren(`${a[0]} @ ${a[1]}`),
    hasMethod: false,
    // mm keeps each factor only when the other needs a gradient; mv and dot keep both.
    saves: (_args, _attrs, shapes) =>
      shapes.every((s) => s?.length === 2) || (shapes[0]?.length === 1 && shapes[1]?.length === 2)
        ? savesOf('mm')
        : [{ name: 'self', input: 0 }, { name: 'other', input: 1 }],
  });
  specs.set('select', {
    name: 'select',
    kind: 'index',
    arity: 1,
    numberSlots: [],
    numbers: [],
    attrChoices: { dim: [0, 1], index: [0, 1, 2] },
    domain: any,
    print: (a, { dim, index }) => (dim === 0 ? `${operand(a[0]!)}[${index}]` : `${operand(a[0]!)}[:, ${index}]`),
    hasMethod: false,
    saves: () => [],
  });
  specs.set('slice', {
    name: 'slice',
    kind: 'index',
    arity: 1,
    numberSlots: [],
    numbers: [],
    attrChoices: { start: [0, 1], stop: [1, 2, 3] },
    domain: any,
    print: (a, { start, stop }) => `${operand(a[0]!)}[${start}:${stop}]`,
    hasMethod: false,
    saves: () => [],
  });
  specCache = specs;
  return specs;
}

/** The registry's elementwise op names this model generates (a new registry op shows up here). */
export function elementwiseOps(): string[] {
  return [...opSpecs().values()].filter((s) => s.kind === 'elementwise').map((s) => s.name);
}

// ---------------------------------------------------------------------------
// Shapes

export const numelOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function broadcastShapes(...shapes: (readonly number[])[]): number[] | null {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let size = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d !== 1) {
        if (size !== 1 && size !== d) return null;
        size = d;
      }
    }
    out.push(size);
  }
  return out;
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) strides[d] = strides[d + 1]! * shape[d + 1]!;
  return strides;
}

/** Flat index into `from` (broadcast to `to`) of the element at flat index k of `to`. */
function broadcastIndex(k: number, to: readonly number[], from: readonly number[]): number {
  const lead = to.length - from.length;
  const toStrides = stridesOf(to);
  const fromStrides = stridesOf(from);
  let idx = 0;
  for (let d = 0; d < to.length; d++) {
    const coord = Math.floor(k / toStrides[d]!) % to[d]!;
    const fd = d - lead;
    if (fd >= 0 && from[fd] !== 1) idx += coord * fromStrides[fd]!;
  }
  return idx;
}

/** The shape of a reduction (dim < 0: all). */
function reducedShape(shape: readonly number[], dim: number, keepdim: boolean): number[] {
  if (dim < 0) return [];
  return keepdim ? shape.map((s, i) => (i === dim ? 1 : s)) : shape.filter((_, i) => i !== dim);
}

/** Python's nested list of a row-major tensor. */
export function nestedList(values: readonly number[], shape: readonly number[], fmt: (v: number) => string = pyNum): string {
  if (shape.length === 0) return fmt(values[0]!);
  const walk = (d: number, offset: number): string => {
    const stride = numelOf(shape.slice(d + 1));
    const items = Array.from({ length: shape[d]! }, (_, i) =>
      d === shape.length - 1 ? fmt(values[offset + i]!) : walk(d + 1, offset + i * stride),
    );
    return `[${items.join(', ')}]`;
  };
  return walk(0, 0);
}

// ---------------------------------------------------------------------------
// Evaluation

export interface TensorInfo {
  /** Identity (a name keeps its identity through in-place ops). */
  id: number;
  name: string;
  shape: number[];
  dtype: DType;
  values: number[];
  /** Symbolic elements (mathjs nodes over leaf elements `x_0`, …) when evaluating symbolically. */
  nodes?: MathNode[];
  requiresGrad: boolean;
  isLeaf: boolean;
  /** The node (index into `Evaluator.nodes`) that made it; null for leaves and cut values. */
  gradFn: number | null;
  version: number;
  /** Value steps that read it so far. */
  uses: number;
  /** Made by indexing (a view of another tensor's storage). */
  isView: boolean;
  /** Ids of tensors whose storage this one views, or that view it. */
  aliases: Set<number>;
}

/** A recorded op: what backward will run. */
export interface GraphNode {
  step: number;
  op: string;
  attrs: Record<string, number>;
  /** Predecessor nodes (null: a leaf or a constant). */
  next: (number | null)[];
  /** The leaves requiring grad this node's inputs are (directly). */
  leaves: string[];
  /** Saved tensors: their id and version when saved. */
  saved: {
    id: number;
    version: number;
    name: string;
    /** operand slot, or -1 for the result */
    slot: number;
    /** The shape PyTorch saved when it saved a view (`v @ M` keeps `v.unsqueeze(0)`). */
    shape?: number[];
  }[];
}

export class DomainError extends Error {}

/** What a program does, from the evaluator's point of view. */
export interface ProgramFacts {
  /** Some op's operands were within `NEAR_KINK` of a kink (finite differences are unreliable there). */
  nearKink: boolean;
  /** Some op's operands were exactly at a kink. */
  atKink: boolean;
  /** Value steps with an operand exactly at a kink. */
  kinkSteps: number;
  cuts: number;
  dataMutations: number;
  inPlace: number;
  /**
   * A norm or std was evaluated where it is 0: PyTorch masks the first
   * derivative there, and its second derivative is NaN or 0 depending on
   * which factor the mask sits on (dzdx check follows the mask: 0).
   */
  maskedKink?: boolean;
}

/** Operands closer than this to a kink make finite differences meaningless. */
export const NEAR_KINK = 0.02;

const b = () => nodeBuilders();

/**
 * Runs a program's steps in order on plain arrays (float64, rounded to
 * float32 per op where PyTorch's float32 would be), tracking what the tape
 * would: requires_grad, the graph, saved tensors and versions.
 */
export class Evaluator {
  readonly tensors = new Map<string, TensorInfo>();
  readonly nodes: GraphNode[] = [];
  readonly facts: ProgramFacts = { nearKink: false, atKink: false, kinkSteps: 0, cuts: 0, dataMutations: 0, inPlace: 0 };
  private nextId = 0;
  private stepIndex = 0;
  /** Leaf gradients as the tape would accumulate them is not modelled; the graph is. */

  constructor(readonly leaves: readonly Leaf[], readonly symbolic = false) {
    for (const leaf of leaves) {
      if (leaf.values.length !== numelOf(leaf.shape)) throw new Error(`internal: leaf ${leaf.name} has ${leaf.values.length} values for shape [${leaf.shape}]`);
      const values = leaf.values.map((v) => (leaf.dtype === 'float32' ? Math.fround(v) : v));
      this.tensors.set(leaf.name, {
        id: this.nextId++,
        name: leaf.name,
        shape: [...leaf.shape],
        dtype: leaf.dtype,
        values,
        nodes: symbolic ? values.map((_, i) => b().sym(`${leaf.name}_${i}`)) : undefined,
        requiresGrad: leaf.requiresGrad,
        isLeaf: true,
        gradFn: null,
        version: 0,
        uses: 0,
        isView: false,
        aliases: new Set(),
      });
    }
  }

  get(name: string): TensorInfo {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`internal: unknown name ${name}`);
    return t;
  }

  /** Run one step; throws DomainError when an op would leave its safe domain. */
  apply(step: Step): void {
    const index = this.stepIndex;
    switch (step.kind) {
      case 'value':
        this.value(step, index);
        this.stepIndex++;
        return;
      case 'data':
      case 'inplace': {
        const t = this.get(step.target);
        const values = t.values.map((v) => {
          const r = step.op === '+=' || step.op === 'add_' ? v + step.value : step.op === '-=' || step.op === 'sub_' ? v - step.value : v * step.value;
          return t.dtype === 'float32' ? Math.fround(r) : r;
        });
        if (values.some((v) => !Number.isFinite(v) || Math.abs(v) > 1e4)) throw new DomainError('mutation out of range');
        this.stepIndex++;
        t.values = values;
        if (this.symbolic) throw new Error('internal: no symbolic evaluation of mutations');
        if (step.kind === 'data') {
          this.facts.dataMutations++;
          return;
        }
        this.facts.inPlace++;
        t.version++;
        if (t.requiresGrad && t.gradFn !== null) {
          // The in-place op becomes the tensor's grad_fn (add_/sub_/mul_ by a number keep nothing of it).
          this.nodes.push({ step: index, op: step.op, attrs: {}, next: [t.gradFn], leaves: [], saved: [] });
          t.gradFn = this.nodes.length - 1;
        }
        return;
      }
      default:
        this.stepIndex++;
        return;
    }
  }

  private value(step: ValueStep, index: number): void {
    const spec = opSpecs().get(step.op);
    if (!spec) throw new Error(`internal: unknown op ${step.op}`);
    const operands = step.args.map((a) => ('ref' in a ? this.get(a.ref) : null));
    const numbers = step.args.map((a) => ('num' in a ? a.num : null));
    const out = this.compute(spec, step, operands, numbers);
    // where's condition (a comparison) carries no gradient.
    const differentiable = operands.map((t, slot) => (spec.kind === 'where' && slot === 0 ? null : t));
    const recorded = !step.cut && differentiable.some((t) => t?.requiresGrad);
    const prev = this.tensors.get(step.name);
    if (prev) throw new Error(`internal: ${step.name} assigned twice`);
    let gradFn: number | null = null;
    if (recorded) {
      const shapes = operands.map((t) => t?.shape ?? null);
      const saved: GraphNode['saved'] = [];
      for (const rule of spec.saves(step.args, step.attrs, shapes)) {
        const gradFor = rule.onlyIfGradFor;
        if (gradFor !== undefined && !operands[gradFor]?.requiresGrad) continue;
        if (rule.input === undefined) continue; // the result: added below
        const t = operands[rule.input];
        // matmul of a vector by a matrix is mm of the vector unsqueezed: that view is what is saved.
        const view = spec.kind === 'matmul' && rule.input === 0 && t?.shape.length === 1 && operands[1]?.shape.length === 2 ? { shape: [1, ...t.shape] } : {};
        if (t) saved.push({ id: t.id, version: t.version, name: t.name, slot: rule.input, ...view });
      }
      const node: GraphNode = {
        step: index,
        op: step.op,
        attrs: step.attrs,
        next: differentiable.map((t) => (t?.requiresGrad ? t.gradFn : null)),
        leaves: differentiable.filter((t): t is TensorInfo => !!t && t.requiresGrad && t.isLeaf).map((t) => t.name),
        saved,
      };
      this.nodes.push(node);
      gradFn = this.nodes.length - 1;
      if (spec.saves(step.args, step.attrs, shapes).some((r) => r.input === undefined)) saved.push({ id: this.nextId, version: 0, name: step.name, slot: -1 });
    }
    if (step.cut) this.facts.cuts++;
    const src = operands[0];
    const isView = spec.kind === 'index';
    const info: TensorInfo = {
      id: this.nextId++,
      name: step.name,
      shape: out.shape,
      dtype: out.dtype,
      values: out.values,
      nodes: out.nodes,
      requiresGrad: recorded,
      isLeaf: !recorded,
      gradFn,
      version: 0,
      uses: 0,
      isView,
      aliases: new Set(),
    };
    for (const t of operands) if (t) t.uses++;
    if (isView && src) {
      info.aliases.add(src.id);
      for (const a of src.aliases) info.aliases.add(a);
      src.aliases.add(info.id);
    }
    this.tensors.set(step.name, info);
  }

  private compute(
    spec: OpSpec,
    step: ValueStep,
    operands: readonly (TensorInfo | null)[],
    numbers: readonly (number | null)[],
  ): { shape: number[]; dtype: DType; values: number[]; nodes?: MathNode[] } {
    const tensors = operands.filter((t): t is TensorInfo => t !== null);
    if (tensors.length === 0) throw new DomainError('no tensor operand');
    // PyTorch's result_type: dimensioned tensors decide, 0-d ones only when none has dims
    // (where's condition takes no part).
    const pool = (spec.kind === 'where' ? operands.slice(1) : operands).filter((t): t is TensorInfo => t !== null);
    if (pool.length === 0) throw new DomainError('where needs a tensor branch');
    const dimmed = pool.filter((t) => t.shape.length > 0);
    const dtype: DType = (dimmed.length ? dimmed : pool).some((t) => t.dtype === 'float64') ? 'float64' : 'float32';
    const round = (v: number) => (dtype === 'float32' ? Math.fround(v) : v);
    const attrs = step.attrs;
    const check = (v: number, slot: number) => {
      if (!Number.isFinite(v) || !spec.domain(v, slot, attrs)) throw new DomainError(`${spec.name} operand ${slot} out of domain: ${v}`);
    };
    operands.forEach((t, slot) => {
      if (t) t.values.forEach((v) => check(v, slot));
      else if (numbers[slot] !== null) check(numbers[slot]!, slot);
    });
    const sym = this.symbolic;
    const bb = sym ? b() : null;

    if (spec.kind === 'elementwise' || spec.kind === 'where') {
      const shape = broadcastShapes(...tensors.map((t) => t.shape));
      if (!shape) throw new DomainError('shapes do not broadcast');
      const n = numelOf(shape);
      const values: number[] = [];
      const nodes: MathNode[] = [];
      const form = spec.kind === 'elementwise' ? compiledForm(spec.name) : null;
      let atKink = false;
      for (let k = 0; k < n; k++) {
        const ins = operands.map((t, slot) => (t ? t.values[broadcastIndex(k, shape, t.shape)]! : numbers[slot]!));
        const kd = spec.kinkDistance?.(ins, attrs) ?? Infinity;
        if (kd === 0) atKink = true;
        if (kd < NEAR_KINK) this.facts.nearKink = true;
        let v: number;
        if (form) v = form.fn([...ins, ...form.attrs.map((a) => attrs[a]!)]);
        else v = ins[0]! > attrs.threshold! ? ins[1]! : ins[2]!;
        v = round(v);
        if (!Number.isFinite(v) || Math.abs(v) > 1e4) throw new DomainError(`${spec.name} result out of range: ${v}`);
        values.push(v);
        if (sym) {
          const args = operands.map((t, slot) => (t ? t.nodes![broadcastIndex(k, shape, t.shape)]! : bb!.num(numbers[slot]!)));
          nodes.push(form ? form.node(args, attrs) : ins[0]! > attrs.threshold! ? args[1]! : args[2]!);
        }
      }
      if (atKink) {
        this.facts.atKink = true;
        this.facts.kinkSteps++;
      }
      return { shape, dtype, values, nodes: sym ? nodes : undefined };
    }
    const t = tensors[0]!;
    if (spec.kind === 'along') return this.along(spec, t, attrs);
    if (spec.kind === 'reduce') {
      const dim = attrs.dim!;
      if (dim >= t.shape.length) throw new DomainError('no such dim');
      const shape = reducedShape(t.shape, dim, attrs.keepdim === 1);
      const n = numelOf(shape);
      const groups: number[][] = Array.from({ length: n }, () => []);
      const strides = stridesOf(t.shape);
      const outShapeKeep = dim < 0 ? t.shape.map(() => 1) : t.shape.map((s, i) => (i === dim ? 1 : s));
      const keepStrides = stridesOf(outShapeKeep);
      for (let k = 0; k < t.values.length; k++) {
        let o = 0;
        for (let d = 0; d < t.shape.length; d++) {
          const coord = Math.floor(k / strides[d]!) % t.shape[d]!;
          if (outShapeKeep[d] !== 1) o += coord * keepStrides[d]!;
        }
        groups[o]!.push(k);
      }
      if (spec.fold) {
        if (dim < 0 && spec.attrChoices.dim && !spec.attrChoices.dim.includes(-1)) throw new DomainError(`${spec.name} needs a dim`);
        const values = groups.map((g) => {
          const members = g.map((k) => t.values[k]!);
          const kd = spec.groupKinkDistance?.(members) ?? Infinity;
          if (spec.refuseKink && atTie(kd, members)) throw new DomainError(`${spec.name} of a group with a tie`);
          if (kd === 0) this.facts.atKink = this.facts.maskedKink = true;
          if (kd < NEAR_KINK) this.facts.nearKink = true;
          const v = round(foldForm(spec, g.length).fn(members));
          if (!Number.isFinite(v) || Math.abs(v) > 1e4) throw new DomainError(`${spec.name} result out of range: ${v}`);
          return v;
        });
        const nodes = sym ? groups.map((g) => foldForm(spec, g.length).node(g.map((k) => t.nodes![k]!))) : undefined;
        return { shape, dtype: t.dtype, values, nodes };
      }
      const mean = spec.name === 'mean';
      const values = groups.map((g) => {
        const s = g.reduce((acc, k) => acc + t.values[k]!, 0);
        return round(mean ? round(s) / g.length : s);
      });
      const nodes = sym
        ? groups.map((g) => {
            const s = g.map((k) => t.nodes![k]!).reduce((acc, x) => bb!.op('+', 'add', [acc, x]));
            return mean ? bb!.op('/', 'divide', [s, bb!.num(g.length)]) : s;
          })
        : undefined;
      return { shape, dtype: t.dtype, values, nodes };
    }
    if (spec.kind === 'matmul') {
      const [x, y] = operands as TensorInfo[];
      const xs = x!.shape;
      const ys = y!.shape;
      if (xs.length < 1 || ys.length < 1 || xs.length > 2 || ys.length > 2) throw new DomainError('matmul of 1-D and 2-D operands only');
      const inner = xs[xs.length - 1]!;
      if ((ys.length === 1 ? ys[0] : ys[0]) !== inner) throw new DomainError('matmul sizes');
      const rows = xs.length === 2 ? xs[0]! : 1;
      const cols = ys.length === 2 ? ys[1]! : 1;
      const shape = [...(xs.length === 2 ? [rows] : []), ...(ys.length === 2 ? [cols] : [])];
      const values: number[] = [];
      const nodes: MathNode[] = [];
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          let s = 0;
          let node: MathNode | null = null;
          for (let k = 0; k < inner; k++) {
            const xi = i * inner + k;
            const yi = k * cols + j;
            s += x!.values[xi]! * y!.values[yi]!;
            if (sym) {
              const term = bb!.op('*', 'multiply', [x!.nodes![xi]!, y!.nodes![yi]!]);
              node = node ? bb!.op('+', 'add', [node, term]) : term;
            }
          }
          values.push(round(s));
          if (sym) nodes.push(node!);
        }
      }
      return { shape, dtype, values, nodes: sym ? nodes : undefined };
    }
    // Indexing.
    const picks: number[] = [];
    let shape: number[];
    const strides = stridesOf(t.shape);
    if (spec.name === 'select') {
      const dim = attrs.dim!;
      if (dim >= t.shape.length || attrs.index! >= t.shape[dim]!) throw new DomainError('index out of range');
      shape = t.shape.filter((_, i) => i !== dim);
      for (let k = 0; k < t.values.length; k++) if (Math.floor(k / strides[dim]!) % t.shape[dim]! === attrs.index) picks.push(k);
    } else {
      if (t.shape.length === 0) throw new DomainError('slice of a 0-d tensor');
      const stop = Math.min(attrs.stop!, t.shape[0]!);
      if (attrs.start! >= stop) throw new DomainError('empty slice');
      shape = [stop - attrs.start!, ...t.shape.slice(1)];
      for (let k = 0; k < t.values.length; k++) {
        const c = Math.floor(k / strides[0]!);
        if (c >= attrs.start! && c < stop) picks.push(k);
      }
    }
    return { shape, dtype: t.dtype, values: picks.map((k) => t.values[k]!), nodes: sym ? picks.map((k) => t.nodes![k]!) : undefined };
  }

  /** An op along a dim: each line of `t` along `dim` gives a line of the output, element by element. */
  private along(spec: OpSpec, t: TensorInfo, attrs: Record<string, number>): { shape: number[]; dtype: DType; values: number[]; nodes?: MathNode[] } {
    const line = spec.line!;
    const dim = attrs.dim!;
    if (dim > Math.max(0, t.shape.length - 1)) throw new DomainError('no such dim');
    const size = t.shape.length === 0 ? 1 : t.shape[dim]!;
    const outSize = line.outLength?.(size, attrs) ?? size;
    if (outSize > size) throw new DomainError(`${spec.name}: ${outSize} of ${size} elements`);
    const shape = t.shape.length === 0 ? [] : t.shape.map((s, i) => (i === dim ? outSize : s));
    const round = (v: number) => (t.dtype === 'float32' ? Math.fround(v) : v);
    const values = new Array<number>(numelOf(shape));
    const nodes = this.symbolic ? new Array<MathNode>(values.length) : undefined;
    const outLines = linesOf(shape, dim);
    linesOf(t.shape, dim).forEach((members, l) => {
      const lineValues = members.map((k) => t.values[k]!);
      const kd = line.tieDistance?.(lineValues, attrs) ?? Infinity;
      if (atTie(kd, lineValues)) throw new DomainError(`${spec.name} of a line with a tie`);
      if (kd < NEAR_KINK) this.facts.nearKink = true;
      outLines[l]!.forEach((k, q) => {
        const form = memberForm(line.form(members.length, q, lineValues, attrs), members.length);
        const v = round(form.fn(lineValues));
        if (!Number.isFinite(v) || Math.abs(v) > 1e4) throw new DomainError(`${spec.name} result out of range: ${v}`);
        values[k] = v;
        if (nodes) nodes[k] = form.node(members.map((m) => t.nodes![m]!));
      });
    });
    return { shape, dtype: t.dtype, values, nodes };
  }

  /** Graph nodes backward from `root` would run. */
  reached(root: string): Set<number> {
    const seen = new Set<number>();
    const start = this.get(root).gradFn;
    const stack = start === null ? [] : [start];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const m of this.nodes[n]!.next) if (m !== null) stack.push(m);
    }
    return seen;
  }

  /** Leaves requiring grad that backward from `root` reaches. */
  reachedLeaves(root: string): Set<string> {
    const out = new Set<string>();
    for (const n of this.reached(root)) for (const l of this.nodes[n]!.leaves) out.add(l);
    const t = this.get(root);
    if (t.isLeaf && t.requiresGrad) out.add(t.name);
    return out;
  }

  /** Saved tensors a backward from `root` would find changed in place (PyTorch's version error), with the shape saved. */
  staleSaved(root: string): { node: GraphNode; name: string; shape: number[] }[] {
    const byId = new Map([...this.tensors.values()].map((t) => [t.id, t]));
    const out: { node: GraphNode; name: string; shape: number[] }[] = [];
    for (const n of this.reached(root)) {
      const node = this.nodes[n]!;
      for (const s of node.saved) {
        const t = byId.get(s.id);
        if (t && t.version !== s.version) out.push({ node, name: s.name, shape: s.shape ?? t.shape });
      }
    }
    return out;
  }

  /** Nodes reached from `root` that saved tensor `name` (or a view sharing its storage). */
  saversOf(name: string, root: string): GraphNode[] {
    const t = this.get(name);
    const ids = new Set([t.id, ...t.aliases]);
    return [...this.reached(root)].map((n) => this.nodes[n]!).filter((node) => node.saved.some((s) => ids.has(s.id)));
  }
}

const compiledForms = new Map<string, { fn: (v: readonly number[]) => number; attrs: string[]; node: (args: MathNode[], attrs: Record<string, number>) => MathNode }>();

/** The registry form of an elementwise op, compiled (numbers) and as a node template (symbolic). */
function compiledForm(name: string) {
  let c = compiledForms.get(name);
  if (!c) {
    const { form, attrs, inputs } = elementwiseForm(name);
    const vars = [...['a', 'b', 'c'].slice(0, inputs), ...attrs];
    const parsed = getMath().parse(form);
    const compiled = compileNode(parsed, vars);
    c = {
      fn: (v) => compiled(v),
      attrs,
      node: (args, at) =>
        parsed.transform((n: MathNode) => {
          if (n.type !== 'SymbolNode') return n;
          const nm = (n as MathNode & { name: string }).name;
          const i = ['a', 'b', 'c'].indexOf(nm);
          if (i >= 0 && i < inputs) return args[i]!;
          if (attrs.includes(nm)) return b().num(at[nm]!);
          return n;
        }),
    };
    compiledForms.set(name, c);
  }
  return c;
}

/** A mathjs form over members m0 … m(n-1), compiled (numbers) and as a node template (symbolic). */
interface MemberForm {
  fn: (v: readonly number[]) => number;
  node: (args: MathNode[]) => MathNode;
}

const memberForms = new Map<string, MemberForm>();

function memberForm(form: string, n: number): MemberForm {
  const key = `${n}:${form}`;
  let c = memberForms.get(key);
  if (!c) {
    const parsed = getMath().parse(form);
    const names = ms(n);
    const compiled = compileNode(parsed, names);
    c = {
      fn: (v) => compiled(v),
      node: (args) =>
        parsed.transform((node: MathNode) => {
          if (node.type !== 'SymbolNode') return node;
          const i = names.indexOf((node as MathNode & { name: string }).name);
          return i >= 0 ? args[i]! : node;
        }),
    };
    memberForms.set(key, c);
  }
  return c;
}

/** A reduction's fold over n elements. */
const foldForm = (spec: OpSpec, n: number) => memberForm(spec.fold!(n), n);

/**
 * A tie (or values closer than float32's rounding could tell apart, so that
 * the tape's order might differ from this evaluator's): refused where a tie
 * is PyTorch's choice of a member.
 */
function atTie(distance: number, values: readonly number[]): boolean {
  return distance <= 1e-6 * Math.max(1, ...values.map(Math.abs));
}

/** Flat indices of each line of `shape` along `dim`, lines in row-major order of the other dims (0-d: one line). */
function linesOf(shape: readonly number[], dim: number): number[][] {
  if (shape.length === 0) return [[0]];
  const strides = stridesOf(shape);
  const size = shape[dim]!;
  const lines: number[][] = [];
  for (let k = 0; k < numelOf(shape); k++) {
    if (Math.floor(k / strides[dim]!) % size !== 0) continue; // a line starts where its coordinate along dim is 0
    lines.push(Array.from({ length: size }, (_, q) => k + q * strides[dim]!));
  }
  return lines;
}

/** Evaluate a whole program (every step; backward and friends do not change values). */
export function evaluate(p: Program, symbolic = false): Evaluator {
  const ev = new Evaluator(p.leaves, symbolic);
  for (const s of p.steps) ev.apply(s);
  return ev;
}

// ---------------------------------------------------------------------------
// Printing

function printLeaf(leaf: Leaf): string {
  const opts = [leaf.dtype === 'float64' ? 'dtype=torch.float64' : '', leaf.requiresGrad ? 'requires_grad=True' : ''].filter(Boolean);
  return `${leaf.name} = torch.tensor(${nestedList(leaf.values, leaf.shape)}${opts.map((o) => ', ' + o).join('')})`;
}

function printArg(a: Arg): string {
  return 'ref' in a ? a.ref : pyNum(a.num);
}

/** The Python expression of a value step (without its cut). */
export function printExpression(step: ValueStep): string {
  const spec = opSpecs().get(step.op);
  if (!spec) throw new Error(`internal: unknown op ${step.op}`);
  const method = (step.method ?? false) && spec.hasMethod && 'ref' in step.args[0]!;
  return spec.print(step.args.map(printArg), step.attrs, method);
}

function leafNames(p: Program): string[] {
  return p.leaves.filter((l) => l.requiresGrad).map((l) => l.name);
}

/** The shape of each name, for printing gradient arguments. */
function dtypeOf(p: Program, name: string, ev: Evaluator | null): DType {
  return ev?.tensors.get(name)?.dtype ?? p.leaves.find((l) => l.name === name)?.dtype ?? 'float32';
}

/** A printed program: the lines before the first step, and each step's lines. */
export interface PrintedProgram {
  header: string[];
  steps: string[][];
}

/**
 * The script of a program, step by step (see `printProgram`): what the
 * engine counterexamples annotate, and where each call's line is.
 */
export function printProgramParts(p: Program): PrintedProgram {
  let ev: Evaluator | null = null;
  try {
    ev = evaluate(p);
  } catch {
    ev = null; // printing must not depend on the evaluator's domain checks
  }
  const usesF = p.steps.some((s) => s.kind === 'value' && opSpecs().get(s.op)?.functional);
  const header = ['import torch'];
  if (usesF) header.push('import torch.nn.functional as F');
  header.push('');
  for (const leaf of p.leaves) header.push(printLeaf(leaf));
  const grads = leafNames(p).map((n) => `print(${n}.grad)`);
  const steps = p.steps.map((s): string[] => {
    switch (s.kind) {
      case 'value':
        if (s.cut === 'no_grad') return ['with torch.no_grad():', `    ${s.name} = ${printExpression(s)}`];
        if (s.cut === 'detach' || s.cut === 'data') return [`${s.name} = ${paren(printExpression(s))}.${s.cut}${s.cut === 'detach' ? '()' : ''}`];
        return [`${s.name} = ${printExpression(s)}`];
      case 'data':
        return [`${s.target}.data ${s.op} ${pyNum(s.value)}`];
      case 'inplace':
        return [`${s.target}.${s.op}(${pyNum(s.value)})`];
      case 'backward': {
        const args: string[] = [];
        if (s.gradient) {
          const shape = ev?.tensors.get(s.root)?.shape ?? [s.gradient.length];
          const dtype = dtypeOf(p, s.root, ev);
          args.push(`torch.tensor(${nestedList(s.gradient, shape)}${dtype === 'float64' ? ', dtype=torch.float64' : ''})`);
        }
        if (s.retainGraph) args.push('retain_graph=True');
        if (s.createGraph) args.push('create_graph=True');
        return [`${s.root}.backward(${args.join(', ')})`, ...grads];
      }
      case 'reset':
        return [s.how === 'zero_' ? `${s.leaf}.grad.zero_()` : `${s.leaf}.grad = None`, `print(${s.leaf}.grad)`];
      case 'gradgrad':
        return [
          `g_${s.leaf}, = torch.autograd.grad(${s.root}, ${s.leaf}, create_graph=True)`,
          `print(g_${s.leaf})`,
          `if g_${s.leaf}.requires_grad:`,
          // retain_graph=True: g's history runs through the forward graph, which the later
          // backward calls still need (PyTorch frees it otherwise, and dzdx check predicts that).
          `    h_${s.leaf}, = torch.autograd.grad(g_${s.leaf}.sum(), ${s.leaf}, retain_graph=True, allow_unused=True)`,
          `    print(h_${s.leaf})`,
          'else:',
          `    print(torch.zeros_like(${s.leaf}))`,
        ];
      case 'gradbackward':
        return [
          `g_${s.leaf} = ${s.leaf}.grad`,
          `${s.leaf}.grad = None`,
          `if g_${s.leaf}.requires_grad:`,
          `    g_${s.leaf}.${s.reduce}().backward(retain_graph=True)`,
          ...grads,
        ];
    }
  });
  return { header, steps };
}

/**
 * A runnable PyTorch script: `import torch`, the leaves, the steps, and
 * after every backward the `.grad` of each leaf that requires grad.
 */
export function printProgram(p: Program): string {
  const { header, steps } = printProgramParts(p);
  return [...header, ...steps.flat()].join('\n') + '\n';
}

// ---------------------------------------------------------------------------
// Transformations the properties use

export const valueSteps = (p: Program) => p.steps.filter((s): s is ValueStep => s.kind === 'value');
export const hasCuts = (p: Program) => valueSteps(p).some((s) => s.cut);
export const hasMutations = (p: Program) => p.steps.some((s) => s.kind === 'data' || s.kind === 'inplace');

/**
 * The program with every cut value replaced by a constant leaf holding its
 * value (`with no_grad: y = f(x)` and `y = f(x).detach()` become
 * `y = torch.tensor(<its value>)`): the function autograd differentiates
 * when there are cuts.
 */
export function replaceCutsByConstants(p: Program): Program {
  const ev = new Evaluator(p.leaves);
  const leaves = [...p.leaves];
  const steps: Step[] = [];
  for (const s of p.steps) {
    ev.apply(s);
    if (s.kind === 'value' && s.cut) {
      const t = ev.get(s.name);
      leaves.push({ name: s.name, shape: t.shape, dtype: t.dtype, values: t.values, requiresGrad: false });
    } else steps.push(s);
  }
  // Constant leaves must come before their first use: leaves print first, and they depend on nothing.
  return { leaves, steps };
}

/** The same program with every cut spelled as `how`. */
export function withCuts(p: Program, how: CutKind): Program {
  return { leaves: p.leaves, steps: p.steps.map((s) => (s.kind === 'value' && s.cut ? { ...s, cut: how } : s)) };
}

/**
 * Every value step cut (nothing left to differentiate). New cuts are
 * `.detach()`: a view taken under no_grad of a tensor that requires grad
 * still requires grad in PyTorch.
 */
export function cutEverything(p: Program): Program {
  return { leaves: p.leaves, steps: p.steps.map((s) => (s.kind === 'value' ? { ...s, cut: s.cut ?? 'detach' } : s)) };
}

/** The program without its `.data` mutations. */
export function withoutDataMutations(p: Program): Program {
  return { leaves: p.leaves, steps: p.steps.filter((s) => s.kind !== 'data') };
}

/** The first backward step's gradient replaced. */
export function withGradient(p: Program, gradient: number[] | undefined): Program {
  let done = false;
  return {
    leaves: p.leaves,
    steps: p.steps.map((s) => {
      if (s.kind !== 'backward' || done) return s;
      done = true;
      return { ...s, gradient };
    }),
  };
}

/** Steps up to and including the first backward (no resets, second calls or gradgrad). */
export function firstBackwardOnly(p: Program): Program {
  const i = p.steps.findIndex((s) => s.kind === 'backward');
  const steps = i < 0 ? p.steps : p.steps.slice(0, i + 1);
  return { leaves: p.leaves, steps: steps.map((s) => (s.kind === 'backward' ? { ...s, retainGraph: false } : s)).filter((s) => s.kind !== 'gradgrad') };
}
