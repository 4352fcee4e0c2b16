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


def torch_op(op):
    if op.startswith("pow:"):
        e = float(op[4:])
        return lambda x: torch.pow(x, e)
    if op == "softplus":
        return torch.nn.functional.softplus
    return getattr(torch, op)


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


def op_cases(dtype):
    dt = getattr(torch, dtype)
    seed = 50000
    cases = []

    def values(n, near_one=False):
        nonlocal seed
        seed += 1
        bias = 127 if dtype == "float32" else 1023
        low, high = (-1, 0) if near_one else (-4, 4)
        spec = {"seed": seed, "signs": "both", "emin": bias + low, "emax": bias + high}
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
    out = []
    for params, y in cases:
        words = result_words(y.contiguous().numpy().ravel(), dtype)
        params["hash"] = chunk_hashes(words, 1 << 30)[0] if len(words) else ""
        params["numel"] = int(y.numel())
        out.append(params)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100000)
    parser.add_argument("--dump")
    args = parser.parse_args()
    torch.set_num_threads(1)
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "float-bits")
    for dtype, specials, bias in (("float32", F32_SPECIALS, 127), ("float64", F64_SPECIALS, 1023)):
        npdt = np.float32 if dtype == "float32" else np.float64
        record = {"torch": torch.__version__, "chunk": CHUNK, "count": args.count, "specials": [], "datasets": {}}
        for seed, (name, spec) in enumerate(DATASETS.items()):
            op, inputs = spec[0], spec[1]
            layout = spec[2] if len(spec) > 2 else "contiguous"
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
                columns.append(np.concatenate([x, np.array(specials, dtype=npdt) if k == 0 else x[: len(specials)]]))
            tensors = [torch.from_numpy(c) for c in columns]
            if layout == "strided":
                tensors = [strided(t) for t in tensors]
            f = torch_op(op)
            y = f(*tensors).contiguous().numpy()
            words = result_words(y, dtype)
            record["datasets"][name] = {"op": op, "layout": layout, "inputs": arg_specs, "hashes": chunk_hashes(words, 1 if dtype == "float32" else 2)}
            if args.dump:
                os.makedirs(args.dump, exist_ok=True)
                words.tofile(os.path.join(args.dump, "%s.%s.bin" % (dtype, name)))
            print(dtype, name, file=sys.stderr)
        record["ops"] = op_cases(dtype)
        record["specials"] = [("%08x" if dtype == "float32" else "%016x") % int(v) for v in np.array(specials, dtype=npdt).view(np.uint32 if dtype == "float32" else np.uint64)]
        with open(os.path.join(root, dtype + ".json"), "w") as out:
            json.dump(record, out, indent=0, separators=(",", ":"))
            out.write("\n")


if __name__ == "__main__":
    main()
