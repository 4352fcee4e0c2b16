"""A small tensor autograd engine in plain Python (lists of floats, 1-D and 2-D).

In micrograd's spirit, with tensors: every op records a node whose backward is
written with the engine's own ops (so `create_graph` gives second
derivatives), with PyTorch's semantics for grad modes, detach, `.data`,
in-place ops and version counters, freed saved tensors and `retain_graph`.
examples/python/adapter.py serves it to `dzdx props --engine-cmd`.

One planted bug can be switched on (`Engine(bug=...)`, or TENSOR_ENGINE_BUG
for the adapter); each is a mistake real engines make (the same ten as
examples/tensor-engine.mjs):
  cut            ops ignore no_grad: values made under it keep their history
  data-copy      ops save a copy of their inputs, so a `.data` write never reaches backward
  version        in-place ops do not bump the version counter: no error, stale gradients
  freed          backward never frees saved tensors: a second backward runs again
  create-graph   mul's backward multiplies by the other factor's values, not the tensor
  broadcast      the gradient of a broadcast operand is folded by `k mod numel`, wrong for size-1 dims
  sum-dim        sum/mean over a dim broadcast the gradient back without putting the dim back
  matmul-t       matmul's backward reshapes the other factor where it should transpose it
  ties           maximum/minimum give a tie's whole gradient to the first operand
  requires-grad  a result requires grad only when every tensor operand does
"""

import math

BUGS = ("cut", "data-copy", "version", "freed", "create-graph", "broadcast", "sum-dim", "matmul-t", "ties", "requires-grad")


class EngineError(Exception):
    """An error PyTorch raises too; kind is "version", "freed" or "noGrad"."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def broadcast_shape(a, b):
    rank = max(len(a), len(b))
    a = [1] * (rank - len(a)) + list(a)
    b = [1] * (rank - len(b)) + list(b)
    out = []
    for x, y in zip(a, b):
        if x != y and x != 1 and y != 1:
            raise ValueError("shapes %s and %s do not broadcast" % (a, b))
        out.append(y if x == 1 else x)
    return out


def source_index(k, to, frm):
    """The flat index into a tensor of shape `frm` of element k of its broadcast to `to`."""
    coords = [0] * len(to)
    for d in range(len(to) - 1, -1, -1):
        coords[d] = k % to[d]
        k //= to[d]
    idx, stride = 0, 1
    for d in range(len(frm) - 1, -1, -1):
        if frm[d] != 1:
            idx += coords[d + len(to) - len(frm)] * stride
        stride *= frm[d]
    return idx


class Version:
    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


class Tensor:
    def __init__(self, values, shape, version=None, requires_grad=False, node=None):
        self.values = values  # shared by detach() and .data
        self.shape = list(shape)
        self.version = version or Version()  # shared by detach(), not by .data
        self.requires_grad = requires_grad
        self.node = node
        self.grad = None


class Node:
    def __init__(self, edges, saved, backward):
        self.edges = edges  # per input: ("node", node), ("leaf", tensor) or None
        self.saved = saved  # (key, kept tensor or number, live tensor, version)
        self.backward = backward
        self.freed = False


class Engine:
    def __init__(self, bug=None):
        if bug is not None and bug not in BUGS:
            raise ValueError("unknown bug %r (known: %s)" % (bug, ", ".join(BUGS)))
        self.bug = bug
        self.grad_enabled = True

    # ---- recording

    def apply(self, inputs, shape, values, backward, save=(), view=None):
        """The result of an op, with a node when it records. `save` lists the inputs
        (by position, or "result") PyTorch keeps: they decide the version error and
        what a second backward finds freed. A view shares its input's version."""
        tensors = [x for x in inputs if isinstance(x, Tensor)]
        record = self.grad_enabled or self.bug == "cut"
        flags = [t.requires_grad for t in tensors]
        needs = all(flags) if self.bug == "requires-grad" else any(flags)
        out = Tensor(values, shape, version=view.version if view is not None else None)
        if not (record and needs):
            return out
        out.requires_grad = True
        edges = []
        for x in inputs:
            if isinstance(x, Tensor) and x.requires_grad:
                edges.append(("node", x.node) if x.node is not None else ("leaf", x))
            else:
                edges.append(None)
        saved = [(key,) + self.saved_of(out if key == "result" else inputs[key]) for key in save]
        out.node = Node(edges, saved, backward)
        return out

    def saved_of(self, t):
        if not isinstance(t, Tensor):
            return (t, None, None)
        kept = Tensor(list(t.values), t.shape, requires_grad=t.requires_grad, node=t.node) if self.bug == "data-copy" else t
        return (kept, t, t.version.value)

    def unpack(self, node):
        if node.freed:
            raise EngineError("freed", "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed).")
        out = {}
        for key, kept, live, version in node.saved:
            if live is not None and live.version.value != version:
                raise EngineError("version", "one of the variables needed for gradient computation has been modified by an inplace operation: is at version %d; expected version %d instead." % (live.version.value, version))
            out[key] = kept
        return out

    # ---- elementwise ops and the gradient's reduction to an operand's shape

    def elementwise(self, inputs, f, backward, save=()):
        shapes = [x.shape if isinstance(x, Tensor) else [] for x in inputs]
        shape = []
        for s in shapes:
            shape = broadcast_shape(shape, s)
        values = []
        for k in range(numel(shape)):
            args = [x.values[source_index(k, shape, shapes[i])] if isinstance(x, Tensor) else x for i, x in enumerate(inputs)]
            values.append(f(*args))
        return self.apply(inputs, shape, values, backward, save)

    def sum_to(self, g, shape):
        """The gradient of an operand broadcast from `shape`: summed over the broadcast dims."""
        if g.shape == list(shape):
            return g
        values = [0.0] * numel(shape)
        for k, v in enumerate(g.values):
            values[k % len(values) if self.bug == "broadcast" else source_index(k, g.shape, shape)] += v
        return self.apply([g], shape, values, lambda gg, s, n: [self.expand_to(gg, g.shape)])

    def expand_to(self, g, shape):
        if g.shape == list(shape):
            return g
        if broadcast_shape(g.shape, shape) != list(shape):
            raise ValueError("cannot broadcast %s to %s" % (g.shape, shape))
        values = [g.values[source_index(k, shape, g.shape)] for k in range(numel(shape))]
        return self.apply([g], shape, values, lambda gg, s, n: [self.sum_to(gg, g.shape)])

    @staticmethod
    def mask(t, f):
        return Tensor([f(v) for v in t.values], t.shape)

    def fit(self, g, x):
        return self.sum_to(g, x.shape)

    @staticmethod
    def cross_saves(a, b):
        """PyTorch's mul keeps each operand only when the other needs a gradient (a number counts)."""
        return [i for i, other in ((0, b), (1, a)) if isinstance(other, Tensor) and other.requires_grad]

    def add(self, a, b):
        return self.elementwise([a, b], lambda x, y: x + y, lambda g, s, n: [self.fit(g, a) if n[0] else None, self.fit(g, b) if n[1] else None])

    def sub(self, a, b):
        return self.elementwise([a, b], lambda x, y: x - y, lambda g, s, n: [self.fit(g, a) if n[0] else None, self.fit(self.neg(g), b) if n[1] else None])

    def rsub(self, a, c):
        return self.elementwise([a, c], lambda x, y: y - x, lambda g, s, n: [self.neg(g), None])

    def neg(self, a):
        return self.elementwise([a], lambda x: -x, lambda g, s, n: [self.neg(g)])

    def mul(self, a, b):
        def backward(g, s, n):
            def factor(k):
                f = s.get(k)
                # create-graph: the other factor's values, without their history.
                return Tensor(f.values, f.shape) if self.bug == "create-graph" and isinstance(f, Tensor) else f
            return [self.fit(self.mul(g, factor(1)), a) if n[0] else None, self.fit(self.mul(g, factor(0)), b) if n[1] else None]
        return self.elementwise([a, b], lambda x, y: x * y, backward, self.cross_saves(a, b))

    def div(self, a, b):
        def backward(g, s, n):
            return [self.fit(self.div(g, s[1]), a) if n[0] else None, self.fit(self.neg(self.mul(g, self.div(self.div(s[0], s[1]), s[1]))), b) if n[1] else None]
        return self.elementwise([a, b], lambda x, y: x / y, backward, [0, 1] if isinstance(b, Tensor) and b.requires_grad else [1])

    def exp(self, a):
        return self.elementwise([a], math.exp, lambda g, s, n: [self.mul(g, s["result"])], ["result"])

    def log(self, a):
        return self.elementwise([a], math.log, lambda g, s, n: [self.div(g, s[0])], [0])

    def sin(self, a):
        return self.elementwise([a], math.sin, lambda g, s, n: [self.mul(g, self.cos(s[0]))], [0])

    def cos(self, a):
        return self.elementwise([a], math.cos, lambda g, s, n: [self.mul(g, self.neg(self.sin(s[0])))], [0])

    def tanh(self, a):
        return self.elementwise([a], math.tanh, lambda g, s, n: [self.mul(g, self.rsub(self.mul(s["result"], s["result"]), 1.0))], ["result"])

    def sigmoid(self, a):
        return self.elementwise([a], lambda x: 1 / (1 + math.exp(-x)), lambda g, s, n: [self.mul(self.mul(g, self.rsub(s["result"], 1.0)), s["result"])], ["result"])

    def relu(self, a):
        return self.elementwise([a], lambda x: x if x > 0 else 0.0, lambda g, s, n: [self.mul(g, self.mask(s["result"], lambda v: 1.0 if v > 0 else 0.0))], ["result"])

    def sqrt(self, a):
        return self.elementwise([a], math.sqrt, lambda g, s, n: [self.div(g, self.mul(s["result"], 2.0))], ["result"])

    def abs(self, a):
        sign = lambda v: 1.0 if v > 0 else -1.0 if v < 0 else 0.0
        return self.elementwise([a], abs, lambda g, s, n: [self.mul(g, self.mask(s[0], sign))], [0])

    def pow(self, a, e):
        def backward(g, s, n):
            return [self.mul(g, 0.0) if e == 0 else self.mul(g, self.mul(self.pow(s[0], e - 1), e))]
        return self.elementwise([a], lambda x: x ** e, backward, [0])

    def clamp(self, a, lo, hi):
        return self.elementwise([a], lambda x: min(max(x, lo), hi), lambda g, s, n: [self.mul(g, self.mask(s[0], lambda v: 1.0 if lo <= v <= hi else 0.0))], [0])

    def extremum(self, a, b, wins):
        """maximum/minimum: wins(x, y) picks x; a tie splits the gradient in half."""
        def backward(g, s, n):
            A, B = s[0], s[1]
            shape = broadcast_shape(A.shape, B.shape)

            def share(first):
                out = []
                for k in range(numel(shape)):
                    x = A.values[source_index(k, shape, A.shape)]
                    y = B.values[source_index(k, shape, B.shape)]
                    if x == y:
                        out.append((1.0 if first else 0.0) if self.bug == "ties" else 0.5)
                    else:
                        out.append(1.0 if wins(x, y) == first else 0.0)
                return Tensor(out, shape)
            return [self.fit(self.mul(g, share(True)), a) if n[0] else None, self.fit(self.mul(g, share(False)), b) if n[1] else None]
        return self.elementwise([a, b], lambda x, y: x if wins(x, y) or x == y else y, backward, [0, 1])

    def where(self, c, a, b, threshold):
        """where(c > threshold, a, b); the condition is a fresh constant, which PyTorch keeps."""
        cond = self.mask(c, lambda v: 1.0 if v > threshold else 0.0)

        def backward(g, s, n):
            return [None, self.fit(self.mul(g, s[0]), a) if n[1] else None, self.fit(self.mul(g, self.mask(s[0], lambda v: 1.0 - v)), b) if n[2] else None]
        return self.elementwise([cond, a, b], lambda k, x, y: x if k else y, backward, [0])

    # ---- reductions, shapes, matmul

    def reduce(self, x, dim, keepdim, mean):
        if dim < 0:
            shape, kept, count = [], [1] * len(x.shape), len(x.values)
        else:
            kept = [1 if i == dim else s for i, s in enumerate(x.shape)]
            shape = kept if keepdim else [s for i, s in enumerate(x.shape) if i != dim]
            count = x.shape[dim]
        values = [0.0] * numel(shape)
        for k, v in enumerate(x.values):
            values[source_index(k, x.shape, kept)] += v
        if mean:
            values = [v / count for v in values]

        def backward(g, s, n):
            # Put the reduced dim back (sum-dim: forgotten), then broadcast to x's shape.
            back = g if dim < 0 or keepdim or self.bug == "sum-dim" else self.reshape(g, kept)
            e = self.expand_to(back, x.shape)
            return [self.div(e, float(count)) if mean else e]
        # PyTorch 1.13's mean over a dim keeps its input; sum and mean of everything keep nothing.
        return self.apply([x], shape, values, backward, [0] if mean and dim >= 0 else [])

    def reshape(self, x, shape):
        return self.apply([x], shape, x.values, lambda g, s, n: [self.reshape(g, x.shape)], view=x)

    def transpose(self, x):
        m, n = x.shape
        values = [x.values[(k % m) * n + k // m] for k in range(m * n)]
        return self.apply([x], [n, m], values, lambda g, s, nn: [self.transpose(g)])

    def mm(self, a, b):
        m, k = a.shape
        n = b.shape[1]
        values = [sum(a.values[i * k + t] * b.values[t * n + j] for t in range(k)) for i in range(m) for j in range(n)]

        def backward(g, s, nn):
            return [self.mm(g, self.transpose(s[1])) if nn[0] else None, self.mm(self.transpose(s[0]), g) if nn[1] else None]
        return self.apply([a, b], [m, n], values, backward, self.cross_saves(a, b))

    def matmul(self, a, b):
        """PyTorch's matmul of 1-D and 2-D operands. It keeps what PyTorch keeps: as mm
        (each factor when the other needs a gradient) for a matrix on the right, both for mv and dot."""
        def shape2(t, row):
            return t.shape if len(t.shape) == 2 else [1, t.shape[0]] if row else [t.shape[0], 1]

        def as2(t, row):
            return t if len(t.shape) == 2 else self.reshape(t, shape2(t, row))
        shape = ([a.shape[0]] if len(a.shape) == 2 else []) + ([b.shape[1]] if len(b.shape) == 2 else [])
        product = self.mm(Tensor(a.values, shape2(a, True)), Tensor(b.values, shape2(b, False)))

        def flip(t):
            return self.reshape(t, [t.shape[1], t.shape[0]]) if self.bug == "matmul-t" else self.transpose(t)

        def backward(g, s, n):
            g2 = self.reshape(g, product.shape)
            return [self.reshape(self.mm(g2, flip(as2(s[1], False))), a.shape) if n[0] else None,
                    self.reshape(self.mm(flip(as2(s[0], True)), g2), b.shape) if n[1] else None]
        return self.apply([a, b], shape, product.values, backward, self.cross_saves(a, b) if len(b.shape) == 2 else [0, 1])

    # ---- backward

    def backward(self, root, gradient=None, retain_graph=False, create_graph=False):
        if not root.requires_grad:
            raise EngineError("noGrad", "element 0 of tensors does not require grad and does not have a grad_fn")
        seed = Tensor(list(gradient) if gradient is not None else [1.0] * len(root.values), root.shape)
        if root.node is None:
            return self.accumulate(root, seed, create_graph)
        # Nodes in an order where each comes after every node that sends it a gradient.
        order, seen = [], set()

        def visit(node):
            stack = [(node, False)]
            while stack:
                nd, done = stack.pop()
                if done:
                    order.append(nd)
                    continue
                if id(nd) in seen:
                    continue
                seen.add(id(nd))
                stack.append((nd, True))
                for e in nd.edges:
                    if e is not None and e[0] == "node" and id(e[1]) not in seen:
                        stack.append((e[1], False))
        visit(root.node)
        grads = {id(root.node): seed}
        before = self.grad_enabled
        self.grad_enabled = create_graph
        try:
            for node in reversed(order):
                g = grads.get(id(node))
                if g is None:
                    continue
                saved = self.unpack(node)
                input_grads = node.backward(g, saved, [e is not None for e in node.edges])
                if not retain_graph and self.bug != "freed" and node.saved:
                    node.freed = True
                for e, gi in zip(node.edges, input_grads):
                    if e is None or gi is None:
                        continue
                    if e[0] == "leaf":
                        self.accumulate(e[1], gi, create_graph)
                    else:
                        key = id(e[1])
                        grads[key] = self.add(grads[key], gi) if key in grads else gi
        finally:
            self.grad_enabled = before

    def accumulate(self, leaf, g, create_graph):
        """Into a leaf's grad: a private copy, added to in place; a grad with a history
        (create_graph) is kept and added to out of place."""
        if not leaf.requires_grad:
            return
        own = g if create_graph and g.node is not None else Tensor(list(g.values), g.shape)
        if leaf.grad is None:
            leaf.grad = own
        elif create_graph or leaf.grad.node is not None:
            leaf.grad = self.add(leaf.grad, own)
        else:
            for i, v in enumerate(g.values):
                leaf.grad.values[i] += v

    # ---- .data, detach, in-place

    @staticmethod
    def mutate(t, op, value):
        for i, v in enumerate(t.values):
            t.values[i] = v + value if op == "add" else v - value if op == "sub" else v * value

    def detach(self, t):
        return Tensor(t.values, t.shape, version=t.version)

    def data(self, t):
        return Tensor(t.values, t.shape)

    def in_place(self, t, op, value):
        if t.requires_grad and t.node is None and self.grad_enabled:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        old = Tensor(t.values, t.shape, version=t.version, requires_grad=t.requires_grad, node=t.node)
        self.mutate(t, op, value)
        if self.bug != "version":
            t.version.value += 1
        # The in-place op joins t's history: t now comes from (old t) op value.
        if t.requires_grad and t.node is not None and self.grad_enabled:
            back = (lambda g, s, n: [self.mul(g, value), None]) if op == "mul" else (lambda g, s, n: [g, None])
            t.node = self.apply([old, value], t.shape, t.values, back, [1] if op == "mul" else []).node
