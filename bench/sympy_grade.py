#!/usr/bin/python3
"""The SymPy side of bench/grade.mjs (not part of `npm test`): formula
answers graded as a Python grader would, parse_expr of the answer (None
when it cannot be read) and simplify(expected - answer) == 0.

    echo '{"pairs": [["2*x", "x+x"]], "seconds": 5}' | /usr/bin/python3 bench/sympy_grade.py

Repeats the pairs for `seconds` and prints {"perSecond": ..., "verdicts": ...}.
"""
import json
import sys
import time

import sympy
from sympy.parsing.sympy_parser import parse_expr, standard_transformations


def grade(expected, answer):
    try:
        a = parse_expr(answer, transformations=standard_transformations)
    except Exception:
        return 'invalid'
    return 'right' if sympy.simplify(parse_expr(expected) - a) == 0 else 'wrong'


def main():
    job = json.load(sys.stdin)
    pairs, budget = job['pairs'], job['seconds']
    verdicts = {}
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < budget:
        for expected, answer in pairs:
            v = grade(expected, answer)
            verdicts[v] = verdicts.get(v, 0) + 1
            n += 1
    seconds = time.perf_counter() - start
    print(json.dumps({'answers': n, 'seconds': seconds, 'perSecond': n / seconds, 'verdicts': verdicts,
                      'sympy': sympy.__version__}))


if __name__ == '__main__':
    main()
