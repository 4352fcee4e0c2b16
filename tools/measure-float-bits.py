#!/usr/bin/python3
"""Record PyTorch's float32/float64 results, bit for bit, for dzdx's last-bit test.

Each dataset is a list of inputs that both sides regenerate from a seed (a
32-bit integer hash, so no random generator has to agree), plus special
values. PyTorch evaluates the op on the whole list as one tensor, so the
vectorised kernel, its tail and (for trig) its lane groups of 8 are all
exercised; `strided` datasets use a non-contiguous view (PyTorch's scalar
path). We commit, per dataset, a hash of every chunk of 256 results
(test/fixtures/float-bits/DTYPE.json); with --dump DIR the raw results go
to DIR too, for `npx tsx tools/measure-float-bits.ts DIR`, which counts
the results that differ.

Usage: /usr/bin/python3 tools/measure-float-bits.py [--count N] [--dump DIR]
"""
import argparse
import json
import os
import sys

# PyTorch calls whichever libblas.so.3 the system's alternatives point to; the
# reference is Debian's reference BLAS (libblas3), which installing OpenBLAS
# (e.g. as a dependency of scipy) silently replaces. Load the reference one.
REFERENCE_BLAS = "/usr/lib/x86_64-linux-gnu/blas"
if os.path.isdir(REFERENCE_BLAS) and not os.environ.get("LD_LIBRARY_PATH", "").startswith(REFERENCE_BLAS):
    os.environ["LD_LIBRARY_PATH"] = REFERENCE_BLAS + ":" + os.environ.get("LD_LIBRARY_PATH", "")
    os.execv(sys.executable, [sys.executable] + sys.argv)

import numpy as np
import torch

CHUNK = 256
M32 = np.uint64(0xFFFFFFFF)


def mix(x):
    """lowbias32 (Chris Wellons) on uint32 arrays; tools/measure-float-bits.ts has the same."""
    x = x.astype(np.uint64)
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x7FEB352D)) & M32
    x ^= x >> np.uint64(15)
    x = (x * np.uint64(0x846CA68B)) & M32
    x ^= x >> np.uint64(16)
    return x


def generate(arg, count, dtype):
    """Random bit patterns: a sign, a biased exponent in [emin, emax], a random mantissa."""
    i = np.arange(count, dtype=np.uint64)
    w = mix((i + np.uint64(arg["seed"]) * np.uint64(0x9E3779B9)) & M32)
    w2 = mix(w ^ np.uint64(0x5BD1E995))
    span = np.uint64(arg["emax"] - arg["emin"] + 1)
    e = np.uint64(arg["emin"]) + w2 % span
    sign = {"pos": np.zeros(count, np.uint64), "neg": np.ones(count, np.uint64), "both": w >> np.uint64(31)}[arg["signs"]]
    if dtype == "float32":
        bits = (sign << np.uint64(31)) | (e << np.uint64(23)) | (w & np.uint64(0x7FFFFF))
        return bits.astype(np.uint32).view(np.float32)
    w3 = mix(w2 ^ np.uint64(0x27D4EB2F))
    mant = ((w & np.uint64(0xFFFFF)) << np.uint64(32)) | w3
    bits = (sign << np.uint64(63)) | (e << np.uint64(52)) | mant
    return bits.view(np.float64)


F32_SPECIALS = [0.0, -0.0, 1e-45, -1e-45, 1.1754942e-38, 1.1754944e-38, -1.1754944e-38, 1.0, -1.0, 0.5, -0.5, 2.0,
                float("inf"), float("-inf"), float("nan"), 3.4028235e38, -3.4028235e38, 88.72283, 88.7229, 89.0,
                -87.33655, -103.97208, -104.0, -104.1, 100.0, -100.0, 1e-30, 125.0, -125.0, 124.99999, 1.5707964,
                3.1415927, 6.2831855, 1e10, -1e10, 8.664339, 9.0, 16.6355, -16.6355, 1.1, 2.4, 4.0, -0.99999994]
F64_SPECIALS = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.0, -1.0, 0.5, 2.0, float("inf"), float("-inf"),
                float("nan"), 1.7976931348623157e308, -1.7976931348623157e308, 709.78, 709.79, -708.4, -745.2, -1000.0,
                1e-300, 15.0, -15.0, 1e9, 1e14, 1e15, 1e300, 1.5707963267948966, 3.141592653589793, 6.283185307179586,
                19.0615, 36.0, -36.0, 1.1, 2.4, 4.0, 6.0, -0.9999999999999999]

# name: (torch op, inputs: list of (signs, emin, emax) as *unbiased* exponents of |x|, layout)
FULL = (-127, 127)
DATASETS = {
    "exp": ("exp", [("both", -30, 7)]),
    "log": ("log", [("pos",) + FULL]),
    "log2": ("log2", [("pos",) + FULL]),
    "log10": ("log10", [("pos",) + FULL]),
    "log1p": ("log1p", [("both", -30, -1)]),
    "log1p_large": ("log1p", [("pos", -30, 127)]),
    "expm1": ("expm1", [("both", -30, 7)]),
    "sin": ("sin", [("both", -20, 6)]),
    "sin_wide": ("sin", [("both", -20, 127)]),
    "cos": ("cos", [("both", -20, 6)]),
    "cos_wide": ("cos", [("both", -20, 127)]),
    "tan": ("tan", [("both", -20, 6)]),
    "tan_wide": ("tan", [("both", -20, 127)]),
    "tanh": ("tanh", [("both", -30, 4)]),
    "erf": ("erf", [("both", -30, 3)]),
    "sqrt": ("sqrt", [("pos",) + FULL]),
    "rsqrt": ("rsqrt", [("pos",) + FULL]),
    "reciprocal": ("reciprocal", [("both",) + FULL]),
    "sigmoid": ("sigmoid", [("both", -30, 7)]),
    "sigmoid_strided": ("sigmoid", [("both", -30, 7)], "strided"),
    "exp2": ("exp2", [("both", -30, 8)]),
    "pow_scalar_2.5": ("pow:2.5", [("pos", -20, 20)]),
    "pow_scalar_-1.5": ("pow:-1.5", [("pos", -20, 20)]),
    "pow_scalar_0.3": ("pow:0.3", [("pos", -20, 20)]),
    "pow_tensor": ("pow", [("pos", -10, 10), ("both", -10, 4)]),
    "pow_tensor_strided": ("pow", [("pos", -10, 10), ("both", -10, 4)], "strided"),
    "softplus": ("softplus", [("both", -30, 6)]),
    "softplus_strided": ("softplus", [("both", -30, 6)], "strided"),
}


# every single-range dataset again through a non-contiguous view (the scalar path, where PyTorch has one)
for _name, _spec in list(DATASETS.items()):
    if len(_spec) == 2 and not _name.endswith("_wide") and _name + "_strided" not in DATASETS:
        DATASETS[_name + "_strided"] = (_spec[0], _spec[1], "strided")

# The activations, the losses without reduction and the backward kernels of both (inputs: the
# gradient first, as the *_backward ops take it), each contiguous and strided. Datasets marked
# "nospecials" take no special values (their inputs must stay in a domain, such as bce's [0, 1]).
EXTRA = {
    "erf_wide": ("erf", [("both", -30, 6)]),
    "gelu": ("gelu", [("both", -30, 4)]),
    "gelu_tanh": ("gelu_tanh", [("both", -30, 4)]),
    "gelu_backward": ("gelu_backward", [("both", -8, 4), ("both", -30, 4)]),
    "gelu_tanh_backward": ("gelu_tanh_backward", [("both", -8, 4), ("both", -30, 4)]),
    "silu": ("silu", [("both", -30, 7)]),
    "silu_backward": ("silu_backward", [("both", -8, 4), ("both", -30, 7)]),
    "elu": ("elu", [("both", -30, 7)]),
    "elu_params": ("elu:1.5:1.25:0.75", [("both", -30, 7)]),
    "selu": ("elu:1.6732632423543772:1.0507009873554805:1", [("both", -30, 7)]),
    "elu_backward": ("elu_backward", [("both", -8, 4), ("both", -30, 7)]),
    "elu_params_backward": ("elu_backward:1.5:1.25:0.75", [("both", -8, 4), ("both", -30, 7)]),
    "leaky_relu": ("leaky_relu:0.01", [("both", -30, 7)]),
    "leaky_relu_0.2": ("leaky_relu:0.2", [("both", -30, 7)]),
    "leaky_relu_backward": ("leaky_relu_backward:0.01", [("both", -8, 4), ("both", -30, 7)]),
    "hardtanh": ("hardtanh", [("both", -4, 2)]),
    "hardtanh_backward": ("hardtanh_backward", [("both", -8, 4), ("both", -4, 2)]),
    "softplus_backward": ("softplus_backward", [("both", -8, 4), ("both", -30, 6)]),
    "mse": ("mse", [("both", -10, 4), ("both", -10, 4)]),
    "mse_backward": ("mse_backward", [("both", -8, 4), ("both", -10, 4), ("both", -10, 4)]),
    "smooth_l1": ("smooth_l1:1", [("both", -10, 4), ("both", -10, 4)]),
    "smooth_l1_0.5": ("smooth_l1:0.5", [("both", -10, 4), ("both", -10, 4)]),
    "smooth_l1_backward": ("smooth_l1_backward:1", [("both", -8, 4), ("both", -10, 4), ("both", -10, 4)]),
    "smooth_l1_0.5_backward": ("smooth_l1_backward:0.5", [("both", -8, 4), ("both", -10, 4), ("both", -10, 4)]),
    "bce": ("bce", [("pos", -20, -1), ("pos", -20, -1)], "contiguous", "nospecials"),
    "bce_backward": ("bce_backward", [("both", -8, 4), ("pos", -20, -1), ("pos", -20, -1)], "contiguous", "nospecials"),
    "bce_logits": ("bce_logits", [("both", -20, 6), ("pos", -20, -1)]),
    "bce_logits_backward": ("bce_logits_backward", [("both", -8, 4), ("both", -20, 6), ("pos", -20, -1)]),
    "sinh": ("sinh", [("both", -30, 6)]),
    "cosh": ("cosh", [("both", -30, 6)]),
    "asin": ("asin", [("both", -30, -1)]),
    "acos": ("acos", [("both", -30, -1)]),
    "atan": ("atan", [("both", -30, 30)]),
    "atan2": ("atan2", [("both", -30, 30), ("both", -30, 30)]),
}
for _name, _spec in EXTRA.items():
    DATASETS[_name] = _spec
    layout_options = _spec[3:] if len(_spec) > 3 else ()
    DATASETS[_name + "_strided"] = (_spec[0], _spec[1], "strided") + tuple(layout_options)


def autograd_input_grad(f):
    """The gradient of f's first tensor argument, for an upstream gradient g: (g, x, …) -> x.grad."""
    def run(g, x, *rest):
        x = x.detach().requires_grad_(True)
        f(x, *rest).backward(g)
        return x.grad
    return run


def torch_op(op):
    F = torch.nn.functional
    aten = torch.ops.aten
    name, *params = op.split(":")
    p = [float(v) for v in params]
    if name == "pow":
        return (lambda x: torch.pow(x, p[0])) if p else torch.pow
    ops = {
        "softplus": F.softplus,
        "softplus_backward": lambda g, x: aten.softplus_backward(g, x, 1.0, 20.0),
        "gelu": F.gelu,
        "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
        "gelu_backward": lambda g, x: aten.gelu_backward(g, x),
        "gelu_tanh_backward": lambda g, x: aten.gelu_backward(g, x, approximate="tanh"),
        "silu": F.silu,
        "silu_backward": lambda g, x: aten.silu_backward(g, x),
        "elu": lambda x: aten.elu(x, *(p or [1.0, 1.0, 1.0])),
        "elu_backward": lambda g, x: aten.elu_backward(g, *(p or [1.0, 1.0, 1.0]), False, x),
        "leaky_relu": lambda x: F.leaky_relu(x, p[0]),
        "leaky_relu_backward": lambda g, x: aten.leaky_relu_backward(g, x, p[0], False),
        "hardtanh": F.hardtanh,
        "hardtanh_backward": lambda g, x: aten.hardtanh_backward(g, x, -1.0, 1.0),
        "mse": lambda x, t: F.mse_loss(x, t, reduction="none"),
        "mse_backward": lambda g, x, t: aten.mse_loss_backward(g, x, t, 0),
        "smooth_l1": lambda x, t: F.smooth_l1_loss(x, t, reduction="none", beta=p[0]),
        "smooth_l1_backward": lambda g, x, t: aten.smooth_l1_loss_backward(g, x, t, 0, p[0]),
        "bce": lambda x, t: F.binary_cross_entropy(x, t, reduction="none"),
        "bce_backward": lambda g, x, t: aten.binary_cross_entropy_backward(g, x, t, None, 0),
        "bce_logits": lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none"),
        "bce_logits_backward": autograd_input_grad(lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none")),
    }
    return ops[name] if name in ops else getattr(torch, name)


def strided(t):
    return torch.stack([t, t], dim=-1)[..., 0]


def chunk_hashes(bits, per_value):
    """FNV-1a (32-bit) of the result words of each chunk of CHUNK values; test/helpers/float-bits.ts has the same."""
    words = bits.astype(np.uint64)
    size = CHUNK * per_value
    out = []
    for start in range(0, len(words), size):
        h = 0x811C9DC5
        for w in words[start:start + size].tolist():
            h = ((h ^ w) * 0x01000193) & 0xFFFFFFFF
        out.append("%08x" % h)
    return out


def result_words(values, dtype):
    """Result bits as uint32 words (two per float64, low word first), NaNs made canonical."""
    values = values.copy()
    nan = np.isnan(values)
    values[nan] = np.nan
    if dtype == "float32":
        words = values.view(np.uint32).copy()
        words[nan] = 0x7FC00000
        return words
    words = values.view(np.uint64).copy()
    words[nan] = 0x7FF8000000000000
    return words.view(np.uint32)


# Factories, reductions and matrix products: (name, kind, parameters). Inputs are hash-generated
# values of magnitude 2^-4..2^4 (both signs); "t" layouts are transposed views.
SHAPES = [(5,), (8,), (15,), (16,), (17,), (33,), (100,), (1000,), (4097,), (65537,), (3, 4), (7, 9), (8, 8), (16, 3),
          (3, 16), (33, 40), (40, 33), (100, 10), (10, 100), (2, 3, 4), (5, 7, 9), (4, 8, 16), (64, 64), (2, 1000), (31, 37, 3)]
MATMULS = [(1, 1, 1), (2, 3, 4), (7, 9, 11), (16, 16, 16), (1, 100, 1), (5, 1000, 3), (33, 17, 65), (10, 300, 20)]
RANGES = [(0.0, 6.283185307179586, 25), (0.0, 1.0, 100), (-1.0, 1.0, 50), (-9.638649292429397, 3.141592653589793, 1000),
          (0.1, 1.0, 7), (-3.0, 3.0, 16), (2.5, -7.25, 333), (0.0, 10.0, 11), (-0.5, 0.5, 4), (1e-3, 1e3, 64)]
ARANGES = [(0.0, 1.0, 0.1), (-3.0, 3.0, 0.25), (0.5, 100.0, 0.3), (1.0, 2.0, 0.0625), (-7.7, 9.1, 1.3), (0.0, 50.0, 0.7)]


def op_cases(dtype, only=None, dump=None):
    dt = getattr(torch, dtype)
    seed = 50000
    cases = []

    def values(n, near_one=False, signs="both", low=None, high=None):
        nonlocal seed
        seed += 1
        bias = 127 if dtype == "float32" else 1023
        if low is None:
            low, high = (-1, 0) if near_one else (-4, 4)
        spec = {"seed": seed, "signs": signs, "emin": bias + low, "emax": bias + high}
        return spec, torch.from_numpy(generate(spec, n, dtype))

    for (a, b, n) in RANGES:
        cases.append(({"kind": "linspace", "start": a, "end": b, "steps": n}, torch.linspace(a, b, n, dtype=dt)))
    for (a, b, st) in ARANGES:
        cases.append(({"kind": "arange", "start": a, "end": b, "step": st}, torch.arange(a, b, st, dtype=dt)))
    for shape in SHAPES:
        spec, flat = values(int(np.prod(shape)))
        x = flat.reshape(shape)
        nd = len(shape)
        dimsets = [None] + [[d] for d in range(nd)] + ([[0, nd - 1]] if nd > 2 else [])
        for layout in ("c", "t") if nd >= 2 else ("c",):
            xx = x if layout == "c" else x.transpose(0, 1)
            for dims in dimsets:
                for kind in ("sum", "mean"):
                    f = getattr(xx, kind)
                    y = f() if dims is None else f(dim=dims)
                    cases.append(({"kind": kind, "input": spec, "shape": list(shape), "layout": layout, "dims": dims}, y))
                if dims is None or len(dims) == 1:
                    for kind, f in (("norm", xx.norm), ("std", xx.std), ("var", xx.var)):
                        y = f() if dims is None else f(dim=dims[0])
                        cases.append(({"kind": kind, "input": spec, "shape": list(shape), "layout": layout, "dims": dims}, y))
        spec1, flat1 = values(int(np.prod(shape)), near_one=True)
        x1 = flat1.reshape(shape)
        for layout in ("c", "t") if nd >= 2 else ("c",):
            xx = x1 if layout == "c" else x1.transpose(0, 1)
            for dims in [None] + [[d] for d in range(nd)]:
                y = xx.prod() if dims is None else xx.prod(dim=dims[0])
                cases.append(({"kind": "prod", "input": spec1, "shape": list(shape), "layout": layout, "dims": dims}, y))
                if dims is not None:
                    for kind in ("cumsum", "cumprod"):
                        y = getattr(xx, kind)(dim=dims[0])
                        cases.append(({"kind": kind, "input": spec1, "shape": list(shape), "layout": layout, "dims": dims}, y))
    for shape in [(1,), (7,), (8,), (9,), (17,), (100,), (1000,), (4, 5), (3, 10), (16, 33), (2, 3, 40)]:
        spec, flat = values(int(np.prod(shape)))
        x = flat.reshape(shape)
        for kind in ("softmax", "log_softmax"):
            cases.append(({"kind": kind, "input": spec, "shape": list(shape)}, getattr(torch, kind)(x, dim=-1)))
    for (n, c) in [(1, 3), (5, 4), (16, 10), (17, 3), (100, 7), (1000, 10), (3000, 5)]:
        spec, flat = values(n * c)
        x = flat.reshape(n, c)
        target_seed = spec["seed"]
        t = torch.from_numpy((mix(np.arange(n, dtype=np.uint64) + np.uint64(target_seed)) % np.uint64(c)).astype(np.int64))
        sw, w = values(c, near_one=True)
        for weighted in (False, True):
            for reduction in ("mean", "sum"):
                y = torch.nn.functional.cross_entropy(x, t, weight=w.abs() if weighted else None, reduction=reduction)
                cases.append(({"kind": "cross_entropy", "input": spec, "n": n, "c": c, "targetSeed": target_seed,
                               "weight": sw if weighted else None, "reduction": reduction}, y))
    for (n, k, m) in MATMULS:
        sa, a = values(n * k)
        sb, b = values(k * m)
        a = a.reshape(n, k)
        b = b.reshape(k, m)
        for la in ("c", "t"):
            for lb in ("c", "t"):
                aa = a if la == "c" else a.t().contiguous().t()
                bb = b if lb == "c" else b.t().contiguous().t()
                cases.append(({"kind": "mm", "a": sa, "b": sb, "n": n, "k": k, "m": m, "layouts": la + lb}, aa @ bb))
        sv, v = values(k)
        cases.append(({"kind": "mv", "a": sa, "v": sv, "n": n, "k": k}, torch.mv(a, v)))
        sw, w = values(k)
        cases.append(({"kind": "dot", "v": sv, "w": sw, "k": k}, torch.dot(v, w)))
    cases += grad_cases(dtype, values)
    out = []
    for params, y in cases:
        if only and not any(params["kind"].startswith(o) for o in only.split(",")):
            continue
        # an op measured with its backward gives its forward result and its inputs' gradients, in one list
        if isinstance(y, (list, tuple)):
            y = torch.cat([t.detach().reshape(-1) for t in y])
        words = result_words(y.detach().contiguous().numpy().ravel(), dtype)
        params["hash"] = chunk_hashes(words, 1 << 30)[0] if len(words) else ""
        params["numel"] = int(y.numel())
        if dump:
            os.makedirs(dump, exist_ok=True)
            words.tofile(os.path.join(dump, "%s.op%d.bin" % (dtype, len(out))))
        out.append(params)
    return out


# Ops measured with their backward: (op, arguments). Each case records the forward result and the
# gradient of every floating input for a generated upstream gradient, through PyTorch's autograd;
# test/helpers/float-bits.ts runs the same through dzdx's.
def grad_op(op, args):
    F = torch.nn.functional
    dim = args.get("dim")
    red = args.get("reduction", "mean")
    return {
        "sum": lambda x: x.sum() if dim is None else x.sum(dim),
        "mean": lambda x: x.mean() if dim is None else x.mean(dim),
        "prod": lambda x: x.prod() if dim is None else x.prod(dim),
        "cumsum": lambda x: x.cumsum(dim),
        "cumprod": lambda x: x.cumprod(dim),
        "var": lambda x: x.var() if dim is None else x.var(dim),
        "std": lambda x: x.std() if dim is None else x.std(dim),
        "norm": lambda x: x.norm(float(args["p"])) if dim is None else x.norm(float(args["p"]), dim),
        "logsumexp": lambda x: x.logsumexp(dim),
        "softmax": lambda x: torch.softmax(x, dim),
        "log_softmax": lambda x: torch.log_softmax(x, dim),
        "mse": lambda x, t: F.mse_loss(x, t, reduction=red),
        "l1": lambda x, t: F.l1_loss(x, t, reduction=red),
        "smooth_l1": lambda x, t: F.smooth_l1_loss(x, t, reduction=red, beta=args["beta"]),
        "bce": lambda x, t, *w: F.binary_cross_entropy(x, t, weight=w[0] if w else None, reduction=red),
        "bce_logits": lambda x, t, *w: F.binary_cross_entropy_with_logits(
            x, t, weight=w[0] if args.get("weight") else None, pos_weight=w[-1] if args.get("pos_weight") else None, reduction=red),
        "cross_entropy": lambda x, t, *w: F.cross_entropy(x, t, weight=w[0] if w else None, reduction=red),
        "nll_loss": lambda x, t, *w: F.nll_loss(x, t, weight=w[0] if w else None, reduction=red),
        "bmm": torch.bmm,
        "matmul": torch.matmul,
        "linear": F.linear,
        "gelu": F.gelu,
    }[op]


def grad_cases(dtype, values):
    cases = []

    def case(op, inputs, **args):
        """inputs: (spec, tensor, layout, differentiable); layout "t" takes the transpose of dims 0 and 1 of the tensor as given."""
        leaves = [t.clone().requires_grad_(grad) for (_, t, _, grad) in inputs]
        used = [x.transpose(0, 1) if layout == "t" else x for x, (_, _, layout, _) in zip(leaves, inputs)]
        y = grad_op(op, args)(*used)
        gspec, g = values(y.numel())
        y.backward(g.reshape(y.shape))
        params = {"kind": "grad:" + op, "args": args, "g": gspec,
                  "inputs": [{"spec": sp, "shape": list(t.shape), "layout": layout, "grad": grad, "int": not t.is_floating_point()}
                             for (sp, t, layout, grad) in inputs]}
        cases.append((params, [y] + [x.grad for x in leaves if x.requires_grad]))

    def x_of(shape, **kw):
        spec, flat = values(int(np.prod(shape)), **kw)
        return spec, flat.reshape(shape)

    def targets(n, c):
        spec = {"seed": 70000 + len(cases), "classes": c}
        t = torch.from_numpy((mix(np.arange(n, dtype=np.uint64) + np.uint64(spec["seed"])) % np.uint64(c)).astype(np.int64))
        return spec, t

    shapes = [(5,), (16,), (17,), (100,), (3, 4), (7, 9), (16, 33), (33, 16), (2, 3, 4), (5, 7, 9), (2, 1000)]
    for shape in shapes:
        nd = len(shape)
        for layout in ("c", "t") if nd >= 2 else ("c",):
            view = list(shape) if layout == "c" else [shape[1], shape[0]] + list(shape[2:])
            for dim in [None] + list(range(nd)):
                for op in ("sum", "mean", "var", "std"):
                    sp, x = x_of(shape)
                    case(op, [(sp, x, layout, True)], dim=dim)
                sp, x = x_of(shape, near_one=True)
                case("prod", [(sp, x, layout, True)], dim=dim)
                for p in (2, 1, 3, "inf", 0.5):
                    sp, x = x_of(shape)
                    case("norm", [(sp, x, layout, True)], dim=dim, p=p)
                if dim is None:
                    continue
                for op in ("cumsum", "logsumexp", "softmax", "log_softmax"):
                    sp, x = x_of(shape)
                    case(op, [(sp, x, layout, True)], dim=dim)
                sp, x = x_of(shape, near_one=True)
                case("cumprod", [(sp, x, layout, True)], dim=dim)
    # a product with a zero in it (prod's other backward formula)
    sp, x = x_of((4, 5), near_one=True)
    x[1, 2] = 0
    sp = dict(sp, zero=7)
    case("prod", [(sp, x, "c", True)], dim=None)
    case("prod", [(sp, x, "c", True)], dim=1)
    for shape in [(1,), (5,), (16,), (17,), (3, 7), (40, 33), (2, 3, 40)]:
        n = int(np.prod(shape))
        for red in ("mean", "sum"):
            for op in ("mse", "l1"):
                sx, x = x_of(shape)
                st, t = x_of(shape)
                case(op, [(sx, x, "c", True), (st, t, "c", True)], reduction=red)
            for beta in (1.0, 0.5):
                sx, x = x_of(shape)
                st, t = x_of(shape)
                case("smooth_l1", [(sx, x, "c", True), (st, t, "c", True)], reduction=red, beta=beta)
            sx, x = x_of(shape, signs="pos", low=-20, high=-1)
            st, t = x_of(shape, signs="pos", low=-20, high=-1)
            case("bce", [(sx, x, "c", True), (st, t, "c", False)], reduction=red)
            sw, w = x_of(shape, near_one=True)
            case("bce", [(sx, x, "c", True), (st, t, "c", False), (dict(sw, abs=True), w.abs(), "c", False)], reduction=red)
            sx, x = x_of(shape)
            for weight, pos_weight in ((False, False), (True, False), (False, True), (True, True)):
                extra = []
                if weight:
                    sw, w = x_of(shape, near_one=True)
                    extra.append((dict(sw, abs=True), w.abs(), "c", False))
                if pos_weight:
                    sw, w = x_of(shape[-1:], near_one=True)
                    extra.append((dict(sw, abs=True), w.abs(), "c", False))
                case("bce_logits", [(sx, x, "c", True), (st, t, "c", False)] + extra, reduction=red, weight=weight, pos_weight=pos_weight)
    for (n, c) in [(1, 3), (5, 4), (16, 10), (17, 3), (100, 7), (300, 10)]:
        for red in ("mean", "sum"):
            sx, x = x_of((n, c))
            st, t = targets(n, c)
            case("cross_entropy", [(sx, x, "c", True), (st, t, "c", False)], reduction=red)
            sw, w = x_of((c,), near_one=True)
            case("cross_entropy", [(sx, x, "c", True), (st, t, "c", False), (dict(sw, abs=True), w.abs(), "c", False)], reduction=red)
            sx, x = x_of((n, c))
            case("nll_loss", [(sx, x, "c", True), (st, t, "c", False)], reduction=red)
    for (b, n, k, m) in [(1, 1, 1, 1), (2, 3, 4, 5), (3, 7, 9, 11), (4, 16, 16, 16), (2, 5, 100, 3)]:
        sa, a = x_of((b, n, k))
        sb, bb = x_of((b, k, m))
        case("bmm", [(sa, a, "c", True), (sb, bb, "c", True)])
        case("matmul", [(sa, a, "c", True), (sb, bb, "c", True)])
        sw, w = x_of((k, m))
        case("matmul", [(sa, a, "c", True), (sw, w, "c", True)])
        swt, wt = x_of((m, k))
        case("matmul", [(swt, wt, "c", True), (sb, bb, "c", True)])
        sw, w = x_of((m, k))
        sbias, bias = x_of((m,))
        case("linear", [(sa, a, "c", True), (sw, w, "c", True), (sbias, bias, "c", True)])
        sx, x = x_of((n, k))
        case("linear", [(sx, x, "c", True), (sw, w, "c", True), (sbias, bias, "c", True)])
        case("linear", [(sx, x, "c", True), (sw, w, "c", True)])
    for shape in [(1,), (2,), (17,), (3, 7)]:
        sx, x = x_of(shape)
        case("gelu", [(sx, x, "c", True)])
    sx, x = x_of(())
    case("gelu", [(sx, x, "c", True)])
    return cases


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100000)
    parser.add_argument("--dump")
    parser.add_argument("--only", help="comma-separated dataset or op-case name prefixes: measure only these, and write the record to the dump directory instead of the fixtures")
    args = parser.parse_args()
    torch.set_num_threads(1)
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "float-bits")
    if args.only:
        if not args.dump:
            parser.error("--only needs --dump DIR (the partial record goes there)")
        root = args.dump
    for dtype, specials, bias in (("float32", F32_SPECIALS, 127), ("float64", F64_SPECIALS, 1023)):
        npdt = np.float32 if dtype == "float32" else np.float64
        record = {"torch": torch.__version__, "chunk": CHUNK, "count": args.count, "specials": [], "datasets": {}}
        for seed, (name, spec) in enumerate(DATASETS.items()):
            op, inputs = spec[0], spec[1]
            layout = spec[2] if len(spec) > 2 else "contiguous"
            with_specials = "nospecials" not in spec[3:]
            if args.only and not any(name.startswith(o) for o in args.only.split(",")):
                continue
            full = dtype == "float64" and (inputs[0][1], inputs[0][2]) == FULL
            arg_specs = []
            columns = []
            for k, (signs, lo, hi) in enumerate(inputs):
                if full:
                    lo, hi = -1023, 1023
                arg = {"seed": 1000 * (seed + 1) + k, "signs": signs, "emin": max(lo + bias, 0), "emax": min(hi + bias, 2 * bias)}
                arg_specs.append(arg)
                x = generate(arg, args.count, dtype)
                # the specials, each paired with the other inputs' first values
                if with_specials:
                    x = np.concatenate([x, np.array(specials, dtype=npdt) if k == 0 else x[: len(specials)]])
                columns.append(x)
            tensors = [torch.from_numpy(c) for c in columns]
            if layout == "strided":
                tensors = [strided(t) for t in tensors]
            f = torch_op(op)
            y = f(*tensors).contiguous().numpy()
            words = result_words(y, dtype)
            record["datasets"][name] = {"op": op, "layout": layout, "inputs": arg_specs, "specials": with_specials, "hashes": chunk_hashes(words, 1 if dtype == "float32" else 2)}
            if args.dump:
                os.makedirs(args.dump, exist_ok=True)
                words.tofile(os.path.join(args.dump, "%s.%s.bin" % (dtype, name)))
            print(dtype, name, file=sys.stderr)
        record["ops"] = op_cases(dtype, args.only, args.dump)
        record["specials"] = [("%08x" if dtype == "float32" else "%016x") % int(v) for v in np.array(specials, dtype=npdt).view(np.uint32 if dtype == "float32" else np.uint64)]
        with open(os.path.join(root, dtype + ".json"), "w") as out:
            json.dump(record, out, indent=0, separators=(",", ":"))
            out.write("\n")


if __name__ == "__main__":
    main()
