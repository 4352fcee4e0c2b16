/**
 * The interface an autograd engine implements to be checked by the
 * property suite (`dzdx props --engine FILE`, or `--engine-cmd CMD` for an
 * engine in another language, through properties/engine-process.ts).
 *
 * An engine declares its ops, dtypes and **capabilities**; the suite runs
 * every property those allow, with PyTorch's semantics as the expectation,
 * and reports the others as "not checked". Each capability needs the
 * methods listed in `CAPABILITIES`.
 */

export type EngineDType = 'float32' | 'float64';

/** A result or a promise of one: engines in a child process answer asynchronously. */
export type Async<T> = T | Promise<T>;

/** `+=`, `-=`, `*=` by a Python number: through `.data`, or as `add_`/`sub_`/`mul_`. */
export type MutationOp = 'add' | 'sub' | 'mul';

export interface BackwardOptions {
  /** PyTorch's `retain_graph=True` (capability `retainGraph`). */
  retainGraph?: boolean;
  /** PyTorch's `create_graph=True` (capability `createGraph`). */
  createGraph?: boolean;
}

/**
 * An autograd engine, as the property suite sees it. `T` is the engine's
 * tensor (or a handle of one). Values are row-major arrays.
 *
 * Op names and operand order are those of dzdx's op registry (see
 * docs/properties.md, "Checking your own engine"). An error the engine
 * raises for PyTorch's reasons (a tensor changed in place, backward through
 * freed tensors, backward of a tensor that does not require grad) is an
 * Error whose `kind` is 'version', 'freed' or 'noGrad', or whose message
 * contains PyTorch's words for it.
 */
export interface AutogradEngine<T = unknown> {
  /** Shown in reports. */
  name: string;
  /** The ops it implements; programs are generated from these only. */
  ops: readonly string[];
  /** Dtypes of the leaves it gets; default both. An engine computing in doubles says `['float64']`. */
  dtypes?: readonly EngineDType[];
  /** What it supports beyond the core (`CAPABILITIES`). */
  capabilities?: readonly Capability[];
  /** Highest rank of the tensors it gets (0: scalars only); default 2. */
  maxRank?: number;
  /** Same as the capability `broadcasting` (older adapters). */
  broadcasting?: boolean;
  /** Same as the capability `reduceDims` (older adapters). */
  reduceDims?: boolean;

  /** A leaf tensor. */
  leaf(values: number[], shape: number[], dtype: EngineDType, requiresGrad: boolean): Async<T>;
  /** An op applied to earlier tensors or Python numbers. */
  op(name: string, inputs: (T | number)[], attrs?: Record<string, number>): Async<T>;
  /** Backpropagate from `root`, accumulating into the leaves' grads; `gradient` (root's shape) seeds it, default 1 for a 0-d root. */
  backward(root: T, gradient?: number[], options?: BackwardOptions): Async<void>;
  /** A leaf's accumulated gradient, or null when it has none (None and zeros compare equal). */
  grad(leaf: T): Async<number[] | null>;
  /** A tensor's values (checked after every op when present). */
  values?(t: T): Async<number[]>;

  // Capabilities (see CAPABILITIES for which needs which)
  zeroGrad?(leaf: T): Async<void>;
  clearGrad?(leaf: T): Async<void>;
  requiresGrad?(t: T): Async<boolean>;
  setGradEnabled?(enabled: boolean): Async<void>;
  detach?(t: T): Async<T>;
  data?(t: T): Async<T>;
  mutateData?(t: T, op: MutationOp, value: number): Async<void>;
  inPlace?(t: T, op: MutationOp, value: number): Async<void>;
  gradTensor?(leaf: T): Async<T | null>;
  /** Called before each program (drop the previous program's tensors); optional. */
  reset?(): Async<void>;
}

type Method = Exclude<keyof AutogradEngine, 'name' | 'ops' | 'dtypes' | 'capabilities' | 'maxRank' | 'broadcasting' | 'reduceDims'>;

/** The capabilities, what each means (PyTorch's semantics) and the methods it needs. */
export const CAPABILITIES = {
  broadcasting: { needs: [], means: 'binary ops broadcast tensors of different shapes (without it: same shapes, and Python numbers)' },
  reduceDims: { needs: [], means: 'sum/mean over one dim (attrs.dim >= 0, attrs.keepdim 0/1); without it, over all elements only' },
  noGrad: { needs: ['setGradEnabled'], means: 'setGradEnabled(false) … (true): ops in between record no history (`with torch.no_grad():`)' },
  detach: { needs: ['detach'], means: 'detach(t): the same values without history' },
  data: {
    needs: ['data', 'mutateData'],
    means: 'data(t) reads `t.data` (no history) and mutateData(t, op, v) writes through it (`x.data += v`) without bumping the version: ops that saved t compute their gradients with the new values',
  },
  inPlace: {
    needs: ['inPlace'],
    means: 'inPlace(t, op, v) (`t.add_(v)`) bumps t\'s version: a backward that needs a saved tensor changed since raises the version error; an in-place op on a tensor with history becomes part of it',
  },
  retainGraph: { needs: [], means: 'backward(root, g, { retainGraph: true }) keeps the graph for another backward, which accumulates into the grads' },
  freeGraph: {
    needs: [],
    means: 'backward without retainGraph frees the saved tensors of every op it ran: another backward through an op that saved tensors raises the "second time" error (ops that saved nothing run again)',
  },
  resetGrad: { needs: ['zeroGrad'], means: 'zeroGrad(leaf) (`x.grad.zero_()`) and, if it has one, clearGrad(leaf) (`x.grad = None`; zeroGrad stands in for it)' },
  createGraph: {
    needs: ['gradTensor', 'clearGrad'],
    means: 'backward(root, g, { createGraph: true }) gives the leaves grads with a history: gradTensor(leaf) is that grad as a tensor, and a backward from it gives second derivatives',
  },
  constantLeaves: {
    needs: ['requiresGrad'],
    means: 'leaves with requiresGrad false: a result requires grad when some operand does (requiresGrad(t) tells), and backward from a tensor that does not require grad raises the "does not require grad" error',
  },
} as const satisfies Record<string, { needs: readonly Method[]; means: string }>;

export type Capability = keyof typeof CAPABILITIES;

export const CAPABILITY_NAMES = Object.keys(CAPABILITIES) as Capability[];

/**
 * The capabilities an engine has: those it declares, plus what an older
 * adapter (no `capabilities`) implied: `broadcasting`/`reduceDims` flags,
 * a second backward on the same graph (retainGraph) and `zeroGrad`.
 */
export function capabilitiesOf(engine: AutogradEngine<any>): Set<Capability> {
  const caps = new Set<Capability>(engine.capabilities ?? []);
  if (engine.broadcasting) caps.add('broadcasting');
  if (engine.reduceDims) caps.add('reduceDims');
  if (!engine.capabilities) {
    caps.add('retainGraph');
    if (typeof engine.zeroGrad === 'function') caps.add('resetGrad');
  }
  return caps;
}

/** Why an engine cannot be checked as declared (unknown capability, a method missing), or null. */
export function engineProblem(engine: AutogradEngine<any>): string | null {
  const required: Method[] = ['leaf', 'op', 'backward', 'grad'];
  for (const m of required) if (typeof engine[m] !== 'function') return `it has no method ${m}() (every engine needs leaf, op, backward and grad)`;
  if (typeof engine.name !== 'string' || !Array.isArray(engine.ops)) return 'it needs a name (a string) and ops (an array of op names)';
  for (const c of engine.capabilities ?? []) {
    if (!(c in CAPABILITIES)) return `unknown capability ${JSON.stringify(c)} (the capabilities are: ${CAPABILITY_NAMES.join(', ')})`;
  }
  const caps = capabilitiesOf(engine);
  for (const c of caps) {
    const missing = CAPABILITIES[c].needs.filter((m) => typeof engine[m] !== 'function');
    if (missing.length) return `it declares ${c} but has no method ${missing.map((m) => `${m}()`).join(', ')}`;
  }
  for (const d of engine.dtypes ?? []) if (d !== 'float32' && d !== 'float64') return `unknown dtype ${JSON.stringify(d)} (float32 or float64)`;
  return null;
}

/** The errors PyTorch raises that engines are checked for. */
export type EngineErrorKind = 'version' | 'freed' | 'noGrad';

const ERROR_WORDS: [EngineErrorKind, RegExp][] = [
  ['version', /modified by an inplace operation/],
  ['freed', /backward through the graph a second time/],
  ['noGrad', /does not require grad/],
];

/** The kind of an engine's error: its `kind`, else PyTorch's words in its message; null for any other error. */
export function errorKindOf(e: unknown): EngineErrorKind | null {
  const kind = (e as { kind?: unknown } | null)?.kind;
  if (kind === 'version' || kind === 'freed' || kind === 'noGrad') return kind;
  const message = e instanceof Error ? e.message : String(e);
  return ERROR_WORDS.find(([, re]) => re.test(message))?.[0] ?? null;
}

/** An Error with a kind, for adapters: `throw new EngineError('version', '...')`. */
export class EngineError extends Error {
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/**
 * The engine itself failed (a child process crashed, hung past its time
 * limit or broke the protocol): no property can go on with it.
 */
export class EngineFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineFailure';
  }
}
