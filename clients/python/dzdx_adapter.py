"""Check a Python autograd engine with dzdx's property suite.

One file, standard library only (Python 3.8+): copy it next to your adapter.
Write an adapter object for your engine and serve it:

    from dzdx_adapter import serve, EngineError

    class Adapter:
        name = "my-engine"
        ops = ["add", "mul", "tanh", "sum"]          # dzdx's op names (docs/properties.md)
        dtypes = ["float64"]                          # what your engine computes in
        capabilities = ["broadcasting", "noGrad"]     # what it supports beyond the core

        def leaf(self, values, shape, dtype, requires_grad): ...   # -> your tensor
        def op(self, name, inputs, attrs): ...                     # inputs: your tensors or floats
        def backward(self, root, gradient, retain_graph, create_graph): ...
        def grad(self, leaf): ...                                  # -> list of floats (nested is fine) or None
        # optional, per capability: values, requires_grad, zero_grad, clear_grad,
        # set_grad_enabled, detach, data, mutate_data, in_place, grad_tensor, reset

    if __name__ == "__main__":
        serve(Adapter())

then run `npx dzdx props --engine-cmd "python3 my_adapter.py"`.

dzdx writes one JSON request per line on the adapter's stdin and reads one
JSON answer per line from its stdout (docs/engine-protocol.md). This module
does that for you: it keeps a table of your tensors (dzdx sees integer
handles), turns your exceptions into error answers, and sends whatever your
code prints to stderr, so stdout carries only the protocol. Raise
`EngineError("version" | "freed" | "noGrad", message)` (or an exception
whose message holds PyTorch's words) for the errors PyTorch raises.
"""

import json
import math
import os
import sys
import traceback

PROTOCOL = 1
MAX_LINE = 1 << 20

#: The capabilities and the adapter methods each needs (see docs/properties.md).
CAPABILITIES = {
    "broadcasting": (),
    "reduceDims": (),
    "noGrad": ("set_grad_enabled",),
    "detach": ("detach",),
    "data": ("data", "mutate_data"),
    "inPlace": ("in_place",),
    "retainGraph": (),
    "freeGraph": (),
    "resetGrad": ("zero_grad",),
    "createGraph": ("grad_tensor", "clear_grad"),
    "constantLeaves": ("requires_grad",),
}

OPTIONAL = ("values", "zero_grad", "clear_grad", "requires_grad", "set_grad_enabled", "detach", "data", "mutate_data", "in_place", "grad_tensor")


class EngineError(Exception):
    """An error PyTorch raises too: kind is "version", "freed" or "noGrad"."""

    def __init__(self, kind, message):
        if kind not in ("version", "freed", "noGrad"):
            raise ValueError("EngineError kind must be 'version', 'freed' or 'noGrad', not %r" % (kind,))
        super().__init__(message)
        self.kind = kind


class ProtocolError(Exception):
    """A request this client cannot serve (a bug in dzdx or in the adapter's declarations)."""


def _decode_number(v):
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise ProtocolError("expected a number, got %r" % (v,))
    if isinstance(v, str):
        if v == "NaN":
            return math.nan
        if v == "Infinity":
            return math.inf
        if v == "-Infinity":
            return -math.inf
        raise ProtocolError("expected a number, got %r" % (v,))
    return float(v)


def _encode_number(v):
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def _flatten(values):
    """Row-major floats from a flat or nested list (or anything with tolist())."""
    if hasattr(values, "tolist"):
        values = values.tolist()
    if isinstance(values, (list, tuple)):
        out = []
        for v in values:
            out.extend(_flatten(v))
        return out
    return [values]


class _Server:
    def __init__(self, adapter):
        self.adapter = adapter
        self.tensors = {}
        self.next_handle = 1

    # -- handles

    def store(self, tensor):
        h = self.next_handle
        self.next_handle += 1
        self.tensors[h] = tensor
        return h

    def new(self, tensor):
        """A new tensor's answer: its handle, and its values and requires_grad when the
        adapter can tell (dzdx would ask for them next)."""
        result = {"t": self.store(tensor)}
        if callable(getattr(self.adapter, "values", None)):
            result["values"] = self.numbers(self.adapter.values(tensor))
        if callable(getattr(self.adapter, "requires_grad", None)):
            result["requires_grad"] = bool(self.adapter.requires_grad(tensor))
        return result

    def get(self, h):
        if not isinstance(h, int) or isinstance(h, bool) or h not in self.tensors:
            raise ProtocolError("unknown tensor handle %r" % (h,))
        return self.tensors[h]

    def numbers(self, values):
        return [_encode_number(v) for v in _flatten(values)]

    # -- commands

    def hello(self, req):
        a = self.adapter
        for attr in ("name", "ops"):
            if not hasattr(a, attr):
                raise ProtocolError("the adapter has no %r attribute" % attr)
        for method in ("leaf", "op", "backward", "grad"):
            if not callable(getattr(a, method, None)):
                raise ProtocolError("the adapter has no %s() method" % method)
        caps = list(getattr(a, "capabilities", []))
        for c in caps:
            if c not in CAPABILITIES:
                raise ProtocolError("unknown capability %r (the capabilities are: %s)" % (c, ", ".join(CAPABILITIES)))
            missing = [m for m in CAPABILITIES[c] if not callable(getattr(a, m, None))]
            if missing:
                raise ProtocolError("the adapter declares %s but has no %s" % (c, ", ".join(m + "()" for m in missing)))
        result = {
            "protocol": PROTOCOL,
            "name": str(a.name),
            "ops": [str(o) for o in a.ops],
            "capabilities": caps,
            "methods": [m for m in OPTIONAL if callable(getattr(a, m, None))],
        }
        if hasattr(a, "dtypes"):
            result["dtypes"] = list(a.dtypes)
        if hasattr(a, "max_rank"):
            result["max_rank"] = int(a.max_rank)
        return result

    def reset(self, req):
        self.tensors.clear()
        if callable(getattr(self.adapter, "reset", None)):
            self.adapter.reset()
        return {}

    def leaf(self, req):
        values = [_decode_number(v) for v in req["values"]]
        return self.new(self.adapter.leaf(values, list(req["shape"]), req["dtype"], bool(req["requires_grad"])))

    def op(self, req):
        inputs = [self.get(x["t"]) if isinstance(x, dict) else _decode_number(x) for x in req["inputs"]]
        attrs = {k: _decode_number(v) for k, v in req.get("attrs", {}).items()}
        # Integer-valued attributes (dim, keepdim, index…) as ints, the rest as floats.
        attrs = {k: int(v) if k in ("dim", "keepdim", "index", "start", "stop") else v for k, v in attrs.items()}
        return self.new(self.adapter.op(req["op"], inputs, attrs))

    def backward(self, req):
        gradient = req.get("gradient")
        gradient = None if gradient is None else [_decode_number(v) for v in gradient]
        self.adapter.backward(self.get(req["t"]), gradient, bool(req.get("retain_graph")), bool(req.get("create_graph")))
        return {}

    def grad(self, req):
        g = self.adapter.grad(self.get(req["t"]))
        return {"values": None if g is None else self.numbers(g)}

    def values(self, req):
        return {"values": self.numbers(self.adapter.values(self.get(req["t"])))}

    def requires_grad(self, req):
        return {"requires_grad": bool(self.adapter.requires_grad(self.get(req["t"])))}

    def zero_grad(self, req):
        self.adapter.zero_grad(self.get(req["t"]))
        return {}

    def clear_grad(self, req):
        self.adapter.clear_grad(self.get(req["t"]))
        return {}

    def set_grad_enabled(self, req):
        self.adapter.set_grad_enabled(bool(req["enabled"]))
        return {}

    def detach(self, req):
        return self.new(self.adapter.detach(self.get(req["t"])))

    def data(self, req):
        return self.new(self.adapter.data(self.get(req["t"])))

    def mutate_data(self, req):
        self.adapter.mutate_data(self.get(req["t"]), req["op"], _decode_number(req["value"]))
        return {}

    def in_place(self, req):
        self.adapter.in_place(self.get(req["t"]), req["op"], _decode_number(req["value"]))
        return {}

    def grad_tensor(self, req):
        g = self.adapter.grad_tensor(self.get(req["t"]))
        return {"t": None if g is None else self.store(g)}

    COMMANDS = ("hello", "reset", "leaf", "op", "backward", "grad") + OPTIONAL

    def answer(self, line):
        try:
            req = json.loads(line)
        except ValueError:
            return {"id": None, "ok": False, "error": {"type": "ProtocolError", "message": "a request that is not JSON: %r" % line[:200]}}
        rid = req.get("id") if isinstance(req, dict) else None
        try:
            cmd = req.get("cmd") if isinstance(req, dict) else None
            if cmd not in self.COMMANDS:
                raise ProtocolError("unknown command %r" % (cmd,))
            if cmd in OPTIONAL and not callable(getattr(self.adapter, cmd, None)):
                raise ProtocolError("the adapter has no %s() method" % cmd)
            return {"id": rid, "ok": True, "result": getattr(self, cmd)(req)}
        except Exception as e:  # the engine's own error, reported to dzdx
            if os.environ.get("DZDX_ADAPTER_TRACEBACK"):
                traceback.print_exc(file=sys.stderr)
            error = {"type": type(e).__name__, "message": str(e)}
            kind = getattr(e, "kind", None)
            if kind in ("version", "freed", "noGrad"):
                error["kind"] = kind
            return {"id": rid, "ok": False, "error": error}


def serve(adapter, stdin=None, stdout=None):
    """Answer dzdx's requests until it closes stdin. Your code's prints go to stderr."""
    inp = stdin if stdin is not None else sys.stdin.buffer
    out = stdout if stdout is not None else sys.stdout.buffer
    if stdout is None:
        sys.stdout = sys.stderr  # stdout carries the protocol only
    server = _Server(adapter)
    while True:
        raw = inp.readline(MAX_LINE + 1)
        if not raw:
            return
        if len(raw) > MAX_LINE:
            sys.stderr.write("dzdx_adapter: a request longer than %d bytes\n" % MAX_LINE)
            sys.exit(2)
        if not raw.strip():
            continue
        answer = server.answer(raw.decode("utf-8"))
        try:
            text = json.dumps(answer, allow_nan=False)
        except ValueError:
            text = json.dumps({"id": answer.get("id"), "ok": False, "error": {"type": "ProtocolError", "message": "an answer with a NaN or infinity outside a value list"}})
        out.write(text.encode("utf-8") + b"\n")
        out.flush()
