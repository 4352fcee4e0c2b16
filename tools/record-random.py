#!/usr/bin/env python3
"""Record (or compare with dzdx) PyTorch 1.13's and numpy 1.24's random numbers.

usage:
  /usr/bin/python3 tools/record-random.py            write test/random/torch-random.json
                                                    and test/random/numpy-random.json
  /usr/bin/python3 tools/record-random.py --compare  run dzdx (tools/random-dzdx.ts through
                                                    npx tsx) on the same cases and report,
                                                    per case and seed, where it differs

Every case is one call (`randn`, `t.uniform_(-2.5, 1.25)`, `np.random.rand`,
...) with one dtype, one size and one layout of the target, run for each of
the 50 SEEDS. A case's hash is the SHA-256 (first 16 hex digits) of, for every
seed in order: the result's values in row-major order as little-endian bytes
of its dtype (float32, float64, int64; bool as one byte), then the generator's
state after the call (torch.get_rng_state() or the Generator's get_state();
numpy's (key, pos, has_gauss, cached_gaussian)). So a hash pins both the
values and how many numbers each call consumed. `first` keeps seed 0's first
values as text, so that a failing test shows what differs.

Standard library + torch + numpy. Run with Debian's /usr/bin/python3.
"""
import hashlib
import json
import os
import struct
import subprocess
import sys

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "test", "random")
SIZES = [0, 1, 5, 15, 16, 17, 100, 1000]
SEEDS = list(range(40)) + [123, 2024, 65535, 2**31 - 1, 2**32 - 1, 2**32, 2**32 + 7, 2**53 + 1, 2**63 + 5, 2**64 - 1]
NP_SEEDS = list(range(45)) + [123, 2024, 65535, 2**31 - 1, 2**32 - 1]
FACTORS = {15: (3, 5), 16: (4, 4), 100: (10, 10), 1000: (20, 50)}
FLOATS = ["float32", "float64"]


# ----------------------------------------------------------------- inputs
# Deterministic parameter tensors, built from exactly representable numbers
# the same way in tools/random-dzdx.ts.

def mean_values(n):
    return [float((i % 7) - 3) for i in range(n)]


def std_values(n):
    return [0.5 + (i % 5) * 0.25 for i in range(n)]


def prob_values(n):
    return [(i % 11) / 10 for i in range(n)]


def weight_values(n):
    return [float(1 + (i * 7) % 5) for i in range(n)]


def sparse_weight_values(n):
    # Few nonzero weights: more samples than them leaves ties at 0 for topk to order.
    return [float(1 + i % 4) if i % 97 == 1 else 0.0 for i in range(n)]


# ----------------------------------------------------------------- torch cases

def torch_dtype(name):
    return getattr(torch, name)


def target(n, dtype, layout):
    """An uninitialised-looking target (zeros) of n elements in the given layout."""
    dt = torch_dtype(dtype)
    if layout == "strided":
        return torch.zeros(2 * n, dtype=dt)[::2]
    if layout == "transposed":
        a, b = FACTORS[n]
        return torch.zeros(b, a, dtype=dt).t()
    return torch.zeros(n, dtype=dt)


def torch_cases():
    """(id, fn, dtype, size, layout, gen) for every torch case."""
    cases = []

    def add(fn, dtypes, layouts=("contiguous",), gens=(False,), sizes=SIZES):
        for dtype in dtypes:
            for n in sizes:
                for layout in layouts:
                    if layout == "transposed" and n not in FACTORS:
                        continue
                    for gen in gens:
                        cid = f"{fn}/{dtype}/{n}/{layout}" + ("/generator" if gen else "")
                        cases.append(dict(id=cid, fn=fn, dtype=dtype, size=n, layout=layout, generator=gen))

    add("rand", FLOATS, gens=(False, True))
    add("randn", FLOATS, gens=(False, True))
    add("rand_like", FLOATS)
    add("randn_like", FLOATS)
    add("randint", ["int64", "float32", "float64"], gens=(False, True))
    add("randint_high", ["int64"])
    add("randint_large", ["int64", "float64"])
    add("randint_like", ["int64", "float32"])
    add("randperm", ["int64", "float32"], gens=(False, True))
    add("normal_numbers", FLOATS)
    add("normal_mean_tensor", FLOATS)
    add("normal_std_tensor", FLOATS)
    add("normal_tensors", FLOATS)
    add("bernoulli_tensor", FLOATS)
    add("bernoulli_number", FLOATS)
    add("multinomial_replacement", FLOATS, sizes=[n for n in SIZES if n > 0])
    add("multinomial_no_replacement", FLOATS, sizes=[n for n in SIZES if n > 0])
    add("multinomial_one", FLOATS, sizes=[n for n in SIZES if n > 0])
    add("multinomial_rows", FLOATS, sizes=[n for n in SIZES if n > 0])
    add("multinomial_sparse", FLOATS, sizes=[n for n in SIZES if n > 1])
    add("uniform_", FLOATS, ("contiguous", "strided", "transposed"), gens=(False, True))
    add("normal_", FLOATS, ("contiguous", "strided", "transposed"), gens=(False, True))
    add("randn_cached", FLOATS)
    add("random_", ["float32", "float64", "bool"], ("contiguous", "strided"))
    add("random_to", ["int64", "float32", "float64"], ("contiguous", "strided"))
    add("random_from_to", ["int64", "float32", "float64", "bool"], ("contiguous", "strided"))
    add("random_from_none", ["float32", "float64"])
    add("random_int64_kernel", ["int64"])
    add("random_full_range_kernel", ["int64"])
    add("bernoulli_number_", ["float32", "float64", "int64", "bool"], ("contiguous", "strided"))
    add("bernoulli_tensor_", FLOATS, ("contiguous", "strided", "transposed"))
    add("exponential_", FLOATS, ("contiguous", "strided", "transposed"))
    add("kaiming_uniform_", FLOATS, sizes=[n for n in SIZES if n in FACTORS])
    add("xavier_normal_", FLOATS, sizes=[n for n in SIZES if n in FACTORS])
    return cases


def run_torch(case, seed):
    """The result tensor of one case after seeding, and the generator used."""
    fn, dtype, n, layout = case["fn"], case["dtype"], case["size"], case["layout"]
    dt = torch_dtype(dtype)
    if case["generator"]:
        g = torch.Generator().manual_seed(seed)
        kw = {"generator": g}
    else:
        torch.manual_seed(seed)
        g = torch.default_generator
        kw = {}
    if fn == "rand":
        r = torch.rand(n, dtype=dt, **kw)
    elif fn == "randn":
        r = torch.randn(n, dtype=dt, **kw)
    elif fn == "rand_like":
        r = torch.rand_like(torch.zeros(n, dtype=dt))
    elif fn == "randn_like":
        r = torch.randn_like(torch.zeros(n, dtype=dt))
    elif fn == "randint":
        r = torch.randint(-3, 7, (n,), dtype=dt, **kw)
    elif fn == "randint_high":
        r = torch.randint(1000, (n,), dtype=dt)
    elif fn == "randint_large":
        r = torch.randint(-2**40, 2**41 + 3, (n,), dtype=dt)
    elif fn == "randint_like":
        r = torch.randint_like(torch.zeros(n, dtype=dt), 2, 9)
    elif fn == "randperm":
        r = torch.randperm(n, dtype=dt, **kw)
    elif fn == "normal_numbers":
        r = torch.normal(0.5, 2.0, (n,), dtype=dt)
    elif fn == "normal_mean_tensor":
        r = torch.normal(torch.tensor(mean_values(n), dtype=dt), 0.7)
    elif fn == "normal_std_tensor":
        r = torch.normal(1.5, torch.tensor(std_values(n), dtype=dt))
    elif fn == "normal_tensors":
        r = torch.normal(torch.tensor(mean_values(n), dtype=dt), torch.tensor(std_values(n), dtype=dt))
    elif fn == "bernoulli_tensor":
        r = torch.bernoulli(torch.tensor(prob_values(n), dtype=dt))
    elif fn == "bernoulli_number":
        r = torch.bernoulli(torch.zeros(n, dtype=dt), 0.3)
    elif fn.startswith("multinomial"):
        w = torch.tensor(weight_values(n), dtype=dt)
        if fn == "multinomial_replacement":
            r = torch.multinomial(w, 7, True)
        elif fn == "multinomial_no_replacement":
            r = torch.multinomial(w, min(n, 3))
        elif fn == "multinomial_sparse":
            w = torch.tensor(sparse_weight_values(n), dtype=dt)
            r = torch.multinomial(w, min(n, 8))
        elif fn == "multinomial_one":
            r = torch.multinomial(w, 1, True)
        else:
            r = torch.multinomial(torch.stack([w, w.flip(0)]), min(n, 4), n > 3)
    elif fn == "randn_cached":
        a = torch.randn(3, dtype=dt)
        b = torch.randn(n, dtype=dt)
        c = torch.randn(1, dtype=dt)
        r = torch.cat([a, b, c])
    elif fn == "random_int64_kernel":
        r = target(n, dtype, layout).random_()
    elif fn == "random_full_range_kernel":
        r = target(n, dtype, layout).random_(-2**63, None)
    else:
        t = target(n, dtype, layout)
        if fn == "uniform_":
            t.uniform_(-2.5, 1.25, **kw)
        elif fn == "normal_":
            t.normal_(0.3, 2.7, **kw)
        elif fn == "random_":
            t.random_()
        elif fn == "random_to":
            t.random_(10)
        elif fn == "random_from_to":
            t.random_(0 if dtype == "bool" else -5, 2 if dtype == "bool" else 5)
        elif fn == "random_from_none":
            t.random_(3, None)
        elif fn == "bernoulli_number_":
            t.bernoulli_(0.3)
        elif fn == "bernoulli_tensor_":
            t.bernoulli_(torch.tensor(prob_values(n), dtype=dt).reshape(t.shape))
        elif fn == "exponential_":
            t.exponential_(1.5)
        elif fn == "kaiming_uniform_":
            a, b = FACTORS[n]
            t = torch.zeros(a, b, dtype=dt)
            torch.nn.init.kaiming_uniform_(t, a=5 ** 0.5)
        elif fn == "xavier_normal_":
            a, b = FACTORS[n]
            t = torch.zeros(a, b, dtype=dt)
            torch.nn.init.xavier_normal_(t, gain=1.5)
        else:
            raise ValueError(fn)
        r = t
    return r, g


def tensor_bytes(r):
    r = r.contiguous()
    if r.dtype == torch.bool:
        return bytes(r.to(torch.uint8).numpy().tobytes())
    return bytes(r.numpy().astype(r.numpy().dtype.newbyteorder("<")).tobytes())


def text_of(v):
    if isinstance(v, float):
        return v.hex()
    return str(v)


def torch_record(case):
    h = hashlib.sha256()
    per_seed = []
    first = None
    for seed in SEEDS:
        r, g = run_torch(case, seed)
        vb = tensor_bytes(r)
        sb = bytes(g.get_state().numpy().tobytes())
        h.update(vb)
        h.update(sb)
        per_seed.append(hashlib.sha256(vb + sb).hexdigest()[:16])
        if first is None:
            first = [text_of(v) for v in r.flatten()[:4].tolist()]
    return h.hexdigest()[:16], first, per_seed


# ----------------------------------------------------------------- numpy cases

def numpy_cases():
    cases = []
    for fn in ["rand", "randn", "random_sample", "uniform", "normal", "randint", "randint_large", "randint_bool",
               "standard_normal_cached", "shuffle", "permutation", "permutation_array", "choice", "choice_p",
               "choice_no_replace", "choice_no_replace_p"]:
        for n in SIZES:
            if fn.startswith("choice") and n == 0:
                continue
            cases.append(dict(id=f"np.{fn}/{n}", fn=fn, size=n))
    for seed_kind in ["array_seed"]:
        for n in SIZES:
            cases.append(dict(id=f"np.{seed_kind}/{n}", fn=seed_kind, size=n))
    return cases


def run_numpy(case, seed):
    fn, n = case["fn"], case["size"]
    rs = np.random.RandomState(seed)
    if fn == "rand":
        r = rs.rand(n)
    elif fn == "randn":
        r = rs.randn(n)
    elif fn == "random_sample":
        r = rs.random_sample(n)
    elif fn == "uniform":
        r = rs.uniform(-2.5, 1.25, n)
    elif fn == "normal":
        r = rs.normal(0.3, 2.7, n)
    elif fn == "randint":
        r = rs.randint(-3, 1000, n)
    elif fn == "randint_large":
        r = rs.randint(-2**40, 2**41 + 3, n)
    elif fn == "randint_bool":
        r = rs.randint(0, 2, n, dtype=bool)
    elif fn == "standard_normal_cached":
        r = np.concatenate([rs.randn(3), rs.randn(n), [rs.randn()]])
    elif fn == "shuffle":
        r = np.arange(n)
        rs.shuffle(r)
    elif fn == "permutation":
        r = rs.permutation(n)
    elif fn == "permutation_array":
        r = rs.permutation(np.arange(n, dtype=np.float64) * 0.5)
    elif fn == "choice":
        r = rs.choice(n, 9)
    elif fn == "choice_p":
        w = np.array(weight_values(n))
        r = rs.choice(n, 9, p=w / w.sum())
    elif fn == "choice_no_replace":
        r = rs.choice(n, min(n, 4), replace=False)
    elif fn == "choice_no_replace_p":
        w = np.array(weight_values(n))
        r = rs.choice(n, min(n, 3), replace=False, p=w / w.sum())
    elif fn == "array_seed":
        rs = np.random.RandomState([seed, n, 7])
        r = rs.rand(n)
    else:
        raise ValueError(fn)
    return np.asarray(r), rs


def numpy_state_bytes(rs):
    name, key, pos, has_gauss, gauss = rs.get_state()
    return key.astype("<u4").tobytes() + struct.pack("<iid", pos, has_gauss, gauss)


def numpy_value_bytes(r):
    if r.dtype == np.bool_:
        return r.astype(np.uint8).tobytes()
    if r.dtype.kind in "iu":
        return r.astype("<i8").tobytes()
    return r.astype("<f8").tobytes()


def numpy_record(case):
    h = hashlib.sha256()
    per_seed = []
    first = None
    for seed in NP_SEEDS:
        r, rs = run_numpy(case, seed)
        vb = numpy_value_bytes(r)
        sb = numpy_state_bytes(rs)
        h.update(vb)
        h.update(sb)
        per_seed.append(hashlib.sha256(vb + sb).hexdigest()[:16])
        if first is None:
            first = [text_of(v) for v in r.flatten()[:4].tolist()]
    return h.hexdigest()[:16], first, per_seed


# ----------------------------------------------------------------- main

def record_all():
    torch_out = []
    for case in torch_cases():
        digest, first, _ = torch_record(case)
        torch_out.append({**case, "hash": digest, "first": first})
    numpy_out = []
    for case in numpy_cases():
        digest, first, _ = numpy_record(case)
        numpy_out.append({**case, "hash": digest, "first": first})
    os.makedirs(OUT_DIR, exist_ok=True)
    meta = {"torch": torch.__version__, "numpy": np.__version__}
    with open(os.path.join(OUT_DIR, "torch-random.json"), "w") as f:
        json.dump({"recorded_with": meta, "seeds": [str(s) for s in SEEDS], "cases": torch_out}, f, separators=(",", ":"))
        f.write("\n")
    with open(os.path.join(OUT_DIR, "numpy-random.json"), "w") as f:
        json.dump({"recorded_with": meta, "seeds": NP_SEEDS, "cases": numpy_out}, f, separators=(",", ":"))
        f.write("\n")
    print(f"{len(torch_out)} torch cases and {len(numpy_out)} numpy cases, {len(SEEDS)} and {len(NP_SEEDS)} seeds each")


def compare_all():
    tcases = torch_cases()
    ncases = numpy_cases()
    request = {"torchSeeds": [str(s) for s in SEEDS], "numpySeeds": NP_SEEDS, "torch": tcases, "numpy": ncases}
    proc = subprocess.run(["npx", "tsx", os.path.join(ROOT, "tools", "random-dzdx.ts")], input=json.dumps(request),
                          capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        sys.exit(2)
    ours = json.loads(proc.stdout)
    failures = 0
    checked = 0
    for kind, cases, record in (("torch", tcases, torch_record), ("numpy", ncases, numpy_record)):
        for case in cases:
            _, first, per_seed = record(case)
            theirs = ours[kind][case["id"]]
            checked += len(per_seed)
            bad = [i for i, (a, b) in enumerate(zip(per_seed, theirs["perSeed"])) if a != b]
            if bad:
                failures += len(bad)
                print(f"{case['id']}: {len(bad)} of {len(per_seed)} seeds differ; seed 0 first values "
                      f"PyTorch/numpy {first} dzdx {theirs['first']}")
    print(f"{checked - failures} of {checked} (case, seed) results identical")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    if "--compare" in sys.argv[1:]:
        compare_all()
    else:
        record_all()
