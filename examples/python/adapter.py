"""dzdx's adapter for examples/python/tensor_engine.py: what an engine author writes.

    npx dzdx props --engine-cmd "python3 examples/python/adapter.py"
    TENSOR_ENGINE_BUG=ties npx dzdx props --engine-cmd "python3 examples/python/adapter.py"

The client (clients/python/dzdx_adapter.py, one file, standard library only)
speaks the protocol; this file only maps dzdx's calls onto the engine.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "clients", "python"))

from dzdx_adapter import serve  # noqa: E402
from tensor_engine import Engine, Tensor  # noqa: E402


class Adapter:
    ops = ["add", "sub", "rsub", "mul", "div", "neg", "exp", "log", "sin", "cos", "tanh", "sigmoid", "relu", "sqrt", "abs",
           "pow", "clamp", "maximum", "minimum", "where", "sum", "mean", "matmul"]
    dtypes = ["float64"]
    capabilities = ["broadcasting", "reduceDims", "noGrad", "detach", "data", "inPlace", "retainGraph", "freeGraph",
                    "resetGrad", "createGraph", "constantLeaves"]

    def __init__(self, bug=None):
        self.engine = Engine(bug)
        self.name = "tensor_engine.py" + (" (bug: %s)" % bug if bug else "")

    def reset(self):
        self.engine.grad_enabled = True

    def leaf(self, values, shape, dtype, requires_grad):
        return Tensor(list(values), shape, requires_grad=requires_grad)

    def op(self, name, inputs, attrs):
        e = self.engine
        if name == "pow":
            return e.pow(inputs[0], attrs["exponent"])
        if name == "clamp":
            return e.clamp(inputs[0], attrs["min"], attrs["max"])
        if name == "where":
            return e.where(inputs[0], inputs[1], inputs[2], attrs["threshold"])
        if name in ("sum", "mean"):
            return e.reduce(inputs[0], attrs.get("dim", -1), attrs.get("keepdim", 0) == 1, name == "mean")
        if name == "maximum":
            return e.extremum(inputs[0], inputs[1], lambda x, y: x > y)
        if name == "minimum":
            return e.extremum(inputs[0], inputs[1], lambda x, y: x < y)
        return getattr(e, name)(*inputs)

    def backward(self, root, gradient, retain_graph, create_graph):
        self.engine.backward(root, gradient, retain_graph, create_graph)

    def grad(self, leaf):
        return None if leaf.grad is None else leaf.grad.values

    def values(self, t):
        return t.values

    def requires_grad(self, t):
        return t.requires_grad

    def zero_grad(self, leaf):
        if leaf.grad is not None:
            leaf.grad = Tensor([0.0] * len(leaf.values), leaf.shape)

    def clear_grad(self, leaf):
        leaf.grad = None

    def set_grad_enabled(self, enabled):
        self.engine.grad_enabled = enabled

    def detach(self, t):
        return self.engine.detach(t)

    def data(self, t):
        return self.engine.data(t)

    def mutate_data(self, t, op, value):
        self.engine.mutate(t, op, value)

    def in_place(self, t, op, value):
        self.engine.in_place(t, op, value)

    def grad_tensor(self, leaf):
        return leaf.grad


if __name__ == "__main__":
    serve(Adapter(os.environ.get("TENSOR_ENGINE_BUG") or None))
