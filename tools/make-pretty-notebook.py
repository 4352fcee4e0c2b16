#!/usr/bin/env python3
"""Write test/fixtures/notebooks/nb_pretty_random.ipynb: seeded random nested
values, one per cell, displayed by Jupyter through IPython's pretty printer
(line breaking at 79 columns, nested indentation, sorted sets). Record its
output with tools/record-notebook.py; dzdx must lay every one out the same.

usage: python3 tools/make-pretty-notebook.py [CELLS] [SEED]
"""
import json
import random
import sys

def value(rng, depth):
    kind = rng.choice(["int", "str", "float", "const", "tensor"] + ["list", "tuple", "dict", "set"] * (depth < 4) * 2)
    if kind == "int":
        return str(rng.choice([rng.randint(-9, 9), rng.randint(-10**6, 10**6), rng.randint(0, 10**15)]))
    if kind == "str":
        return repr(rng.choice(["", "a", "it's", 'say "hi"', "x" * rng.randint(1, 40), "w" * rng.randint(40, 90)]))
    if kind == "float":
        return repr(rng.choice([0.5, -1.25, 1e-05, 123456.789, 2.0 ** 60, 0.1]))
    if kind == "const":
        return rng.choice(["None", "True", "False"])
    if kind == "tensor":
        return rng.choice(["torch.ones(2)", "torch.arange(4.).reshape(2, 2)", "torch.zeros(1, 3)"])
    n = rng.choice([0, 1, 2, 3, rng.randint(4, 12)])
    if kind == "set":
        items = sorted({rng.randint(-50, 50) for _ in range(n)}) if rng.random() < 0.6 else sorted({repr("k" * rng.randint(1, 12)) for _ in range(n)})
        return "{" + ", ".join(map(str, items)) + "}" if items else "set()"
    if kind == "dict":
        keys = [repr("key%d" % i + "_" * rng.randint(0, 20)) for i in range(n)]
        return "{" + ", ".join("%s: %s" % (k, value(rng, depth + 1)) for k in keys) + "}"
    items = [value(rng, depth + 1) for _ in range(n)]
    if kind == "tuple":
        return "(" + ", ".join(items) + ("," if n == 1 else "") + ")"
    return "[" + ", ".join(items) + "]"

def main(argv):
    cells, seed = (int(argv[0]) if argv else 120), (int(argv[1]) if len(argv) > 1 else 20261207)
    rng = random.Random(seed)
    sources = ["import torch"] + [value(rng, 0) for _ in range(cells)]
    nb = {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "p%03d" % i, "metadata": {}, "outputs": [], "source": [s]} for i, s in enumerate(sources)],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    with open("test/fixtures/notebooks/nb_pretty_random.ipynb", "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1)
        f.write("\n")

if __name__ == "__main__":
    main(sys.argv[1:])
