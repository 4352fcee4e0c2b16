/**
 * A small autograd engine in the style of micrograd, elementwise on arrays,
 * written as an adapter for dzdx's property suite, with planted bugs.
 *
 *   npx dzdx props --engine examples/buggy-engine.mjs                 # bug-free: passes
 *   BUGGY_ENGINE_BUGS=tanh npx dzdx props --engine examples/buggy-engine.mjs
 *
 * Bugs (switch on with BUGGY_ENGINE_BUGS=name,name or `createEngine({ bugs })`):
 *   tanh   tanh'(x) = 1 - y instead of 1 - y²
 *   reuse  a value used twice gets its gradient overwritten instead of accumulated
 *   pow    (x ** e)' = e · x^e instead of e · x^(e-1)
 *   relu0  relu'(0) = 1 instead of PyTorch's 0
 *   div    the gradient of a / b with respect to b has its sign flipped
 *   accum  a second backward call overwrites the leaves' gradients instead of adding to them
 *   seed   backward ignores its gradient argument (seeds with ones)
 *
 * Tensors have a shape; binary ops take two tensors of the same shape, or a
 * tensor and a number. `sum` and `mean` reduce all elements.
 */

export const BUGS = ['tanh', 'reuse', 'pow', 'relu0', 'div', 'accum', 'seed'];

class Value {
  constructor(data, shape, parents = [], backward = () => {}, requiresGrad = false) {
    this.data = data;
    this.shape = shape;
    this.parents = parents;
    /** Given this value's gradient, add the parents' gradients (via `accumulate`). */
    this.backwardFn = backward;
    this.requiresGrad = requiresGrad || parents.some((p) => p.requiresGrad);
    this.grad = null;
    this.isLeaf = parents.length === 0;
  }
}

export function createEngine({ bugs = [] } = {}) {
  for (const b of bugs) if (!BUGS.includes(b)) throw new Error(`buggy-engine: unknown bug ${b} (known: ${BUGS.join(', ')})`);
  const bug = (name) => bugs.includes(name);

  const lift = (x, like) => (x instanceof Value ? x.data : like.data.map(() => x));
  const tensorOf = (inputs) => inputs.find((x) => x instanceof Value);

  /** An elementwise op: f on elements, and its local partials per operand. */
  function elementwise(inputs, f, partials) {
    const like = tensorOf(inputs);
    const args = inputs.map((x) => lift(x, like));
    const data = like.data.map((_, i) => f(...args.map((a) => a[i])));
    const parents = inputs.filter((x) => x instanceof Value);
    const out = new Value(data, like.shape, parents);
    out.backwardFn = (g, accumulate) => {
      inputs.forEach((x, k) => {
        if (!(x instanceof Value) || !x.requiresGrad) return;
        accumulate(x, g.map((gi, i) => gi * partials[k](...args.map((a) => a[i]), data[i])));
      });
    };
    return out;
  }

  const ops = {
    add: (ins) => elementwise(ins, (a, b) => a + b, [() => 1, () => 1]),
    sub: (ins) => elementwise(ins, (a, b) => a - b, [() => 1, () => -1]),
    rsub: (ins) => elementwise(ins, (a, b) => b - a, [() => -1, () => 1]),
    mul: (ins) => elementwise(ins, (a, b) => a * b, [(a, b) => b, (a) => a]),
    div: (ins) =>
      elementwise(ins, (a, b) => a / b, [(a, b) => 1 / b, (a, b) => (bug('div') ? a / (b * b) : -a / (b * b))]),
    neg: (ins) => elementwise(ins, (a) => -a, [() => -1]),
    pow: (ins, { exponent: e }) =>
      elementwise(ins, (a) => a ** e, [(a) => (bug('pow') ? e * a ** e : e * a ** (e - 1))]),
    exp: (ins) => elementwise(ins, Math.exp, [(a, y) => y]),
    log: (ins) => elementwise(ins, Math.log, [(a) => 1 / a]),
    tanh: (ins) => elementwise(ins, Math.tanh, [(a, y) => (bug('tanh') ? 1 - y : 1 - y * y)]),
    sigmoid: (ins) => elementwise(ins, (a) => 1 / (1 + Math.exp(-a)), [(a, y) => y * (1 - y)]),
    relu: (ins) => elementwise(ins, (a) => (a > 0 ? a : 0), [(a) => (a > 0 || (bug('relu0') && a === 0) ? 1 : 0)]),
    sum: ([x]) => reduceAll(x, 1),
    mean: ([x]) => reduceAll(x, 1 / x.data.length),
  };

  function reduceAll(x, scale) {
    const out = new Value([x.data.reduce((s, v) => s + v, 0) * scale], [], [x]);
    out.backwardFn = (g, accumulate) => {
      if (x.requiresGrad) accumulate(x, x.data.map(() => g[0] * scale));
    };
    return out;
  }

  return {
    name: bugs.length ? `buggy-engine (bugs: ${bugs.join(', ')})` : 'buggy-engine (no bugs)',
    ops: Object.keys(ops),
    broadcasting: false,
    reduceDims: false,
    dtypes: ['float64'],
    leaf(values, shape, _dtype, requiresGrad) {
      return new Value([...values], [...shape], [], () => {}, requiresGrad);
    },
    op(name, inputs, attrs = {}) {
      const f = ops[name];
      if (!f) throw new Error(`buggy-engine: no op ${name}`);
      return f(inputs, attrs);
    },
    backward(root, gradient) {
      // Topological order, then gradients flow from the root; intermediate
      // gradients live for this call only, leaves accumulate across calls.
      const order = [];
      const seen = new Set();
      const visit = (v) => {
        if (seen.has(v)) return;
        seen.add(v);
        v.parents.forEach(visit);
        order.push(v);
      };
      visit(root);
      const grads = new Map([[root, gradient && !bug('seed') ? [...gradient] : root.data.map(() => 1)]]);
      const accumulate = (v, g) => {
        const prev = grads.get(v);
        grads.set(v, prev && !bug('reuse') ? prev.map((p, i) => p + g[i]) : g);
      };
      for (const v of order.reverse()) {
        const g = grads.get(v);
        if (!g) continue;
        if (v.isLeaf) {
          if (v.requiresGrad) v.grad = v.grad && !bug('accum') ? v.grad.map((p, i) => p + g[i]) : [...g];
        } else v.backwardFn(g, accumulate);
      }
    },
    grad(leaf) {
      return leaf.grad ? [...leaf.grad] : null;
    },
    zeroGrad(leaf) {
      leaf.grad = null;
    },
  };
}

const fromEnv = (process.env.BUGGY_ENGINE_BUGS ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** The adapter `dzdx props --engine` loads: the bugs named in BUGGY_ENGINE_BUGS, none by default. */
export default createEngine({ bugs: fromEnv });
