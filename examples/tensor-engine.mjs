/**
 * A small tensor autograd engine (1-D and 2-D tensors of doubles), written
 * as an adapter for dzdx's property suite with every capability: grad
 * modes, detach, `.data` reads and writes, in-place ops with version
 * counters, freed saved tensors, retain_graph, create_graph, constant
 * leaves. Its backward formulas are written with its own ops, so
 * `create_graph` gives second derivatives.
 *
 *   npx dzdx props --engine examples/tensor-engine.mjs                      # passes
 *   TENSOR_ENGINE_BUG=ties npx dzdx props --engine examples/tensor-engine.mjs
 *
 * One planted bug can be switched on (TENSOR_ENGINE_BUG=name, or
 * `createEngine({ bug })`); each is a mistake real engines make, and each
 * is caught by the suite (examples/tensor-engine.md):
 *   cut            ops ignore no_grad: values made under it keep their history
 *   data-copy      ops save a copy of their inputs, so a `.data` write never reaches backward
 *   version        in-place ops do not bump the version counter: no error, stale gradients
 *   freed          backward never frees saved tensors: a second backward runs again
 *   create-graph   mul's backward multiplies by the other factor's values, not the tensor
 *   broadcast      the gradient of a broadcast operand is folded by `k mod numel`, wrong for size-1 dims
 *   sum-dim        sum/mean over a dim broadcast the gradient back without putting the dim back
 *   matmul-t       matmul's backward reshapes the other factor where it should transpose it
 *   ties           maximum/minimum give a tie's whole gradient to the first operand
 *   requires-grad  a result requires grad only when every tensor operand does
 * The Python version, examples/python/tensor_engine.py, has the same bugs.
 */

export const BUGS = ['cut', 'data-copy', 'version', 'freed', 'create-graph', 'broadcast', 'sum-dim', 'matmul-t', 'ties', 'requires-grad'];

const numel = (shape) => shape.reduce((a, b) => a * b, 1);
const same = (a, b) => a.length === b.length && a.every((d, i) => d === b[i]);

function broadcastShape(a, b) {
  const rank = Math.max(a.length, b.length);
  const out = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`shapes [${a}] and [${b}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** The flat index into a tensor of shape `from` of element k of its broadcast to `to`. */
function sourceIndex(k, to, from) {
  let idx = 0;
  let stride = 1;
  let rest = k;
  const coords = [];
  for (let d = to.length - 1; d >= 0; d--) {
    coords[d] = rest % to[d];
    rest = Math.floor(rest / to[d]);
  }
  for (let d = from.length - 1; d >= 0; d--) {
    if (from[d] !== 1) idx += coords[d + to.length - from.length] * stride;
    stride *= from[d];
  }
  return idx;
}

export class EngineError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

export function createEngine({ bug = null } = {}) {
  if (bug !== null && !BUGS.includes(bug)) throw new Error(`tensor-engine: unknown bug ${bug} (known: ${BUGS.join(', ')})`);
  let gradEnabled = true;

  class Tensor {
    constructor(values, shape, { version = { value: 0 }, requiresGrad = false, node = null } = {}) {
      this.values = values; // shared by detach() and .data
      this.shape = shape;
      this.version = version; // shared by detach(), not by .data
      this.requiresGrad = requiresGrad;
      this.node = node;
      this.grad = null;
    }
  }

  const constant = (values, shape) => new Tensor(values, shape);
  const full = (shape, v) => constant(new Array(numel(shape)).fill(v), shape);

  /**
   * An op's result, with a node when it records: `backward(g, saved, needs)`
   * gives each input's gradient, built from ops (so it has a history under
   * create_graph); `save` lists the inputs (by position, or 'result') that
   * PyTorch keeps for backward, which decides both version errors and what a
   * second backward finds freed. A view shares its input's version counter.
   */
  function apply(inputs, shape, values, backward, save = [], view = null) {
    const tensors = inputs.filter((x) => x instanceof Tensor);
    const record = gradEnabled || bug === 'cut';
    const needs = bug === 'requires-grad' ? tensors.every((t) => t.requiresGrad) : tensors.some((t) => t.requiresGrad);
    const out = new Tensor(values, shape, view ? { version: view.version } : {});
    if (!record || !needs) return out;
    out.requiresGrad = true;
    out.node = {
      edges: inputs.map((x) => (x instanceof Tensor && x.requiresGrad ? (x.node ? { node: x.node } : { leaf: x }) : null)),
      saved: save.map((key) => ({ key, ...savedOf(key === 'result' ? out : inputs[key]) })),
      freed: false,
      backward,
    };
    return out;
  }

  /** A saved tensor: the live tensor and its version (data-copy: a copy of its values). A number is kept as itself. */
  function savedOf(t) {
    if (!(t instanceof Tensor)) return { number: t };
    const kept = bug === 'data-copy' ? new Tensor([...t.values], t.shape, { requiresGrad: t.requiresGrad, node: t.node }) : t;
    return { tensor: kept, version: t.version.value, live: t };
  }

  /** A node's saved values by key, with PyTorch's checks: freed by an earlier backward, changed in place since. */
  function unpack(node) {
    if (node.freed) {
      throw new EngineError('freed', 'Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed).');
    }
    const out = new Map();
    for (const s of node.saved) {
      if (s.live && s.live.version.value !== s.version) {
        throw new EngineError('version', `one of the variables needed for gradient computation has been modified by an inplace operation: is at version ${s.live.version.value}; expected version ${s.version} instead.`);
      }
      out.set(s.key, s.live ? s.tensor : s.number);
    }
    return out;
  }

  // ---- elementwise ops (broadcasting), and the gradient's reduction to an operand's shape

  function elementwise(inputs, f, backward, save) {
    const shapes = inputs.map((x) => (x instanceof Tensor ? x.shape : []));
    const shape = shapes.reduce(broadcastShape, []);
    const values = Array.from({ length: numel(shape) }, (_, k) => f(...inputs.map((x, i) => (x instanceof Tensor ? x.values[sourceIndex(k, shape, shapes[i])] : x))));
    return apply(inputs, shape, values, backward, save);
  }

  /** The gradient of an operand broadcast from `shape`: summed over the broadcast dims (differentiable). */
  function sumTo(g, shape) {
    if (same(g.shape, shape)) return g;
    const values = new Array(numel(shape)).fill(0);
    g.values.forEach((v, k) => {
      values[bug === 'broadcast' ? k % values.length : sourceIndex(k, g.shape, shape)] += v;
    });
    return apply([g], shape, values, (gg) => [expandTo(gg, g.shape)]);
  }

  function expandTo(g, shape) {
    if (same(g.shape, shape)) return g;
    const target = broadcastShape(g.shape, shape);
    if (!same(target, shape)) throw new Error(`cannot broadcast [${g.shape}] to [${shape}]`);
    const values = Array.from({ length: numel(shape) }, (_, k) => g.values[sourceIndex(k, shape, g.shape)]);
    return apply([g], shape, values, (gg) => [sumTo(gg, g.shape)]);
  }

  const mask = (t, f) => constant(t.values.map(f), t.shape);
  const fit = (g, x) => sumTo(g, x.shape);
  /** A binary op's save rule as PyTorch's mul: each operand only when the other needs a gradient (a number counts). */
  const crossSaves = (a, b) => [0, 1].filter((i) => { const other = i === 0 ? b : a; return other instanceof Tensor && other.requiresGrad; });

  const add = (a, b) => elementwise([a, b], (x, y) => x + y, (g, _s, needs) => [needs[0] ? fit(g, a) : null, needs[1] ? fit(g, b) : null]);
  const sub = (a, b) => elementwise([a, b], (x, y) => x - y, (g, _s, needs) => [needs[0] ? fit(g, a) : null, needs[1] ? fit(neg(g), b) : null]);
  const rsub = (a, n) => elementwise([a, n], (x, y) => y - x, (g) => [neg(g), null]);
  const neg = (a) => elementwise([a], (x) => -x, (g) => [neg(g)]);
  const mul = (a, b) =>
    elementwise(
      [a, b],
      (x, y) => x * y,
      (g, s, needs) => {
        // create-graph: the other factor's values, without their history.
        const factor = (k) => (bug === 'create-graph' && s.get(k) instanceof Tensor ? constant(s.get(k).values, s.get(k).shape) : s.get(k));
        return [needs[0] ? fit(mul(g, factor(1)), a) : null, needs[1] ? fit(mul(g, factor(0)), b) : null];
      },
      crossSaves(a, b),
    );
  const div = (a, b) =>
    elementwise(
      [a, b],
      (x, y) => x / y,
      (g, s, needs) => [needs[0] ? fit(div(g, s.get(1)), a) : null, needs[1] ? fit(neg(mul(g, div(div(s.get(0), s.get(1)), s.get(1)))), b) : null],
      b instanceof Tensor && b.requiresGrad ? [0, 1] : [1],
    );

  const unary = (f, backward, save) => (a) => elementwise([a], f, backward, save);
  const exp = unary(Math.exp, (g, s) => [mul(g, s.get('result'))], ['result']);
  const log = unary(Math.log, (g, s) => [div(g, s.get(0))], [0]);
  const sin = unary(Math.sin, (g, s) => [mul(g, cos(s.get(0)))], [0]);
  const cos = unary(Math.cos, (g, s) => [mul(g, neg(sin(s.get(0))))], [0]);
  const tanh = unary(Math.tanh, (g, s) => [mul(g, rsub(mul(s.get('result'), s.get('result')), 1))], ['result']);
  const sigmoid = unary((x) => 1 / (1 + Math.exp(-x)), (g, s) => [mul(mul(g, rsub(s.get('result'), 1)), s.get('result'))], ['result']);
  const relu = unary((x) => (x > 0 ? x : 0), (g, s) => [mul(g, mask(s.get('result'), (v) => (v > 0 ? 1 : 0)))], ['result']);
  const sqrt = unary(Math.sqrt, (g, s) => [div(g, mul(s.get('result'), 2))], ['result']);
  const abs = unary(Math.abs, (g, s) => [mul(g, mask(s.get(0), Math.sign))], [0]);
  const pow = (a, e) => elementwise([a], (x) => x ** e, (g, s) => [e === 0 ? mul(g, 0) : mul(g, mul(pow(s.get(0), e - 1), e))], [0]);
  const clamp = (a, lo, hi) =>
    elementwise([a], (x) => Math.min(Math.max(x, lo), hi), (g, s) => [mul(g, mask(s.get(0), (v) => (v >= lo && v <= hi ? 1 : 0)))], [0]);

  /** maximum/minimum: `wins(x, y)` picks x; a tie splits the gradient in half. */
  const extremum = (wins) => (a, b) =>
    elementwise(
      [a, b],
      (x, y) => (wins(x, y) || x === y ? x : y),
      (g, s, needs) => {
        const [A, B] = [s.get(0), s.get(1)];
        const shape = broadcastShape(A.shape, B.shape);
        const share = (first) =>
          constant(
            Array.from({ length: numel(shape) }, (_, k) => {
              const x = A.values[sourceIndex(k, shape, A.shape)];
              const y = B.values[sourceIndex(k, shape, B.shape)];
              if (x === y) return bug === 'ties' ? (first ? 1 : 0) : 0.5;
              return wins(x, y) === first ? 1 : 0;
            }),
            shape,
          );
        return [needs[0] ? fit(mul(g, share(true)), a) : null, needs[1] ? fit(mul(g, share(false)), b) : null];
      },
      [0, 1],
    );
  const maximum = extremum((x, y) => x > y);
  const minimum = extremum((x, y) => x < y);

  /** `where(c > threshold, a, b)`; the condition is a fresh constant, which PyTorch keeps. */
  function where(c, a, b, threshold) {
    const cond = mask(c, (v) => (v > threshold ? 1 : 0));
    return elementwise(
      [cond, a, b],
      (k, x, y) => (k ? x : y),
      (g, s, needs) => [null, needs[1] ? fit(mul(g, s.get(0)), a) : null, needs[2] ? fit(mul(g, mask(s.get(0), (v) => 1 - v)), b) : null],
      [0],
    );
  }

  // ---- reductions, shapes, matmul

  function reduce(x, dim, keepdim, isMean) {
    const shape = dim < 0 ? [] : keepdim ? x.shape.map((s, i) => (i === dim ? 1 : s)) : x.shape.filter((_, i) => i !== dim);
    const kept = dim < 0 ? x.shape.map(() => 1) : x.shape.map((s, i) => (i === dim ? 1 : s));
    const count = dim < 0 ? x.values.length : x.shape[dim];
    const values = new Array(numel(shape)).fill(0);
    x.values.forEach((v, k) => {
      values[sourceIndex(k, x.shape, kept)] += v;
    });
    const backward = (g) => {
      // Put the reduced dim back (sum-dim: forgotten), then broadcast to x's shape.
      const back = dim < 0 || keepdim || bug === 'sum-dim' ? g : reshape(g, kept);
      const e = expandTo(back, x.shape);
      return [isMean ? div(e, count) : e];
    };
    // PyTorch 1.13's mean over a dim keeps its input; sum and mean of everything keep nothing.
    return apply([x], shape, isMean ? values.map((v) => v / count) : values, backward, isMean && dim >= 0 ? [0] : []);
  }

  const reshape = (x, shape) => apply([x], shape, x.values, (g) => [reshape(g, x.shape)], [], x);

  function transpose(x) {
    const [m, n] = x.shape;
    const values = Array.from({ length: m * n }, (_, k) => x.values[(k % m) * n + Math.floor(k / m)]);
    return apply([x], [n, m], values, (g) => [transpose(g)]);
  }

  /** 2-D @ 2-D, for matmul's formulas. */
  function mm(a, b) {
    const [m, k] = a.shape;
    const n = b.shape[1];
    const values = new Array(m * n).fill(0);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let t = 0; t < k; t++) values[i * n + j] += a.values[i * k + t] * b.values[t * n + j];
    return apply([a, b], [m, n], values, (g, s, needs) => [needs[0] ? mm(g, transpose(s.get(1))) : null, needs[1] ? mm(transpose(s.get(0)), g) : null], crossSaves(a, b));
  }

  /**
   * PyTorch's matmul of 1-D and 2-D operands. What it keeps is PyTorch's: as mm
   * (each factor when the other needs a gradient) for a matrix on the right,
   * both factors for mv and dot.
   */
  function matmul(a, b) {
    const shape2 = (t, row) => (t.shape.length === 2 ? t.shape : row ? [1, t.shape[0]] : [t.shape[0], 1]);
    const as2 = (t, row) => (t.shape.length === 2 ? t : reshape(t, shape2(t, row)));
    const shape = [...(a.shape.length === 2 ? [a.shape[0]] : []), ...(b.shape.length === 2 ? [b.shape[1]] : [])];
    const product = mm(constant(a.values, shape2(a, true)), constant(b.values, shape2(b, false)));
    const flip = (t) => (bug === 'matmul-t' ? reshape(t, [t.shape[1], t.shape[0]]) : transpose(t));
    const backward = (g, s, needs) => {
      const g2 = reshape(g, product.shape);
      return [needs[0] ? reshape(mm(g2, flip(as2(s.get(1), false))), a.shape) : null, needs[1] ? reshape(mm(flip(as2(s.get(0), true)), g2), b.shape) : null];
    };
    return apply([a, b], shape, product.values, backward, b.shape.length === 2 ? crossSaves(a, b) : [0, 1]);
  }

  const OPS = {
    add: ([a, b]) => add(a, b),
    sub: ([a, b]) => sub(a, b),
    rsub: ([a, n]) => rsub(a, n),
    mul: ([a, b]) => mul(a, b),
    div: ([a, b]) => div(a, b),
    neg: ([a]) => neg(a),
    exp: ([a]) => exp(a),
    log: ([a]) => log(a),
    sin: ([a]) => sin(a),
    cos: ([a]) => cos(a),
    tanh: ([a]) => tanh(a),
    sigmoid: ([a]) => sigmoid(a),
    relu: ([a]) => relu(a),
    sqrt: ([a]) => sqrt(a),
    abs: ([a]) => abs(a),
    pow: ([a], { exponent }) => pow(a, exponent),
    clamp: ([a], { min, max }) => clamp(a, min, max),
    maximum: ([a, b]) => maximum(a, b),
    minimum: ([a, b]) => minimum(a, b),
    where: ([c, a, b], { threshold }) => where(c, a, b, threshold),
    sum: ([a], { dim = -1, keepdim = 0 }) => reduce(a, dim, keepdim === 1, false),
    mean: ([a], { dim = -1, keepdim = 0 }) => reduce(a, dim, keepdim === 1, true),
    matmul: ([a, b]) => matmul(a, b),
  };

  // ---- backward

  function backward(root, gradient, { retainGraph = false, createGraph = false } = {}) {
    if (!root.requiresGrad) throw new EngineError('noGrad', 'element 0 of tensors does not require grad and does not have a grad_fn');
    const seed = constant(gradient ? [...gradient] : root.values.map(() => 1), root.shape);
    if (!root.node) return accumulate(root, seed, createGraph);
    // Nodes in an order where each comes after every node that sends it a gradient.
    const order = [];
    const seen = new Set();
    const visit = (node) => {
      if (seen.has(node)) return;
      seen.add(node);
      for (const e of node.edges) if (e?.node) visit(e.node);
      order.push(node);
    };
    visit(root.node);
    const grads = new Map([[root.node, seed]]);
    const before = gradEnabled;
    gradEnabled = createGraph;
    try {
      for (const node of order.reverse()) {
        const g = grads.get(node);
        if (!g) continue;
        const saved = unpack(node);
        const inputGrads = node.backward(g, saved, node.edges.map((e) => e !== null));
        if (!retainGraph && bug !== 'freed' && node.saved.length) node.freed = true;
        node.edges.forEach((e, i) => {
          const gi = inputGrads[i];
          if (!e || !gi) return;
          if (e.leaf) accumulate(e.leaf, gi, createGraph);
          else grads.set(e.node, grads.has(e.node) ? add(grads.get(e.node), gi) : gi);
        });
      }
    } finally {
      gradEnabled = before;
    }
  }

  /** Into a leaf's grad: a private copy, added to in place; a grad with a history (create_graph) is kept and added to out of place. */
  function accumulate(leaf, g, createGraph) {
    if (!leaf.requiresGrad) return;
    const own = createGraph && g.node ? g : constant([...g.values], g.shape);
    if (!leaf.grad) leaf.grad = own;
    else if (createGraph || leaf.grad.node) leaf.grad = add(leaf.grad, own);
    else leaf.grad.values.forEach((v, i, a) => (a[i] = v + g.values[i]));
  }

  function mutate(t, op, value) {
    const f = op === 'add' ? (v) => v + value : op === 'sub' ? (v) => v - value : (v) => v * value;
    t.values.forEach((v, i, a) => (a[i] = f(v)));
  }

  return {
    name: bug ? `tensor-engine (bug: ${bug})` : 'tensor-engine',
    ops: Object.keys(OPS),
    dtypes: ['float64'],
    capabilities: ['broadcasting', 'reduceDims', 'noGrad', 'detach', 'data', 'inPlace', 'retainGraph', 'freeGraph', 'resetGrad', 'createGraph', 'constantLeaves'],
    reset() {
      gradEnabled = true;
    },
    leaf: (values, shape, _dtype, requiresGrad) => new Tensor([...values], [...shape], { requiresGrad }),
    op(name, inputs, attrs = {}) {
      const f = OPS[name];
      if (!f) throw new Error(`tensor-engine: no op ${name}`);
      return f(inputs, attrs);
    },
    backward,
    grad: (leaf) => (leaf.grad ? [...leaf.grad.values] : null),
    values: (t) => [...t.values],
    requiresGrad: (t) => t.requiresGrad,
    zeroGrad(leaf) {
      if (leaf.grad) leaf.grad = full(leaf.shape, 0);
    },
    clearGrad(leaf) {
      leaf.grad = null;
    },
    setGradEnabled(enabled) {
      gradEnabled = enabled;
    },
    detach: (t) => new Tensor(t.values, t.shape, { version: t.version }),
    data: (t) => new Tensor(t.values, t.shape),
    mutateData: (t, op, value) => mutate(t, op, value),
    inPlace(t, op, value) {
      if (t.requiresGrad && !t.node && gradEnabled) throw new Error('a leaf Variable that requires grad is being used in an in-place operation.');
      const old = new Tensor(t.values, t.shape, { version: t.version, requiresGrad: t.requiresGrad, node: t.node });
      mutate(t, op, value);
      if (bug !== 'version') t.version.value++;
      // The in-place op joins t's history: t now comes from (old t) op value.
      if (t.requiresGrad && t.node && gradEnabled) {
        t.node = apply([old, value], t.shape, t.values, (g) => [op === 'mul' ? mul(g, value) : g, null], op === 'mul' ? [1] : []).node;
      }
    },
    gradTensor: (leaf) => leaf.grad,
  };
}

/** The adapter `dzdx props --engine` loads: the bug named in TENSOR_ENGINE_BUG, none by default. */
export default createEngine({ bug: process.env.TENSOR_ENGINE_BUG || null });
