#!/usr/bin/python3
"""PyTorch's side of bench/tape-ops.mjs: the same two loops, one thread, best of ROUNDS; prints JSON."""
import json
import sys
import time

import torch

torch.set_num_threads(1)
iterations, rounds, big_n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])


def op_loop(n):
    x = torch.ones(2, 2, requires_grad=True)
    t0 = time.perf_counter()
    y = x
    for _ in range(n):
        y = y * 0.9999 + 0.001
    y.sum().backward()
    return (time.perf_counter() - t0) / (2 * n)


def big_run(n):
    x = torch.full((n,), 0.5, requires_grad=True)
    t0 = time.perf_counter()
    z = torch.sin(x) * x + torch.exp(-x)
    z.backward(torch.ones_like(z))
    return time.perf_counter() - t0


op_loop(20000)
per_op = min(op_loop(iterations) for _ in range(rounds))
big_run(big_n)
big = min(big_run(big_n) - big_run(10) for _ in range(rounds))
print(json.dumps({"perOp": per_op, "big": big, "torch": torch.__version__}))
