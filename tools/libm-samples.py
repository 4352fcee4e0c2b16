#!/usr/bin/env python3
"""Samples for tools/libm-agreement.mjs: random arguments and what CPython's math module
(glibc) returns for them, written to /tmp/dzdx-libm-samples.txt.

usage: /usr/bin/python3 tools/libm-samples.py && npm run build && node tools/libm-agreement.mjs
"""
import math, random, sys
random.seed(7)
def samples():
    xs = []
    xs += [random.uniform(-10, 10) for _ in range(4000)]
    xs += [random.uniform(-1, 1) for _ in range(2000)]
    xs += [10 ** random.uniform(-8, 3) * random.choice([1, -1]) for _ in range(4000)]
    xs += [random.uniform(0, 700) for _ in range(1000)]
    return xs
xs = samples()
funcs = ['exp','expm1','log','log2','log10','log1p','sin','cos','tan','asin','acos','atan','sinh','cosh','tanh','asinh','acosh','atanh','cbrt','erf','erfc','gamma','lgamma','sqrt']
with open('/tmp/dzdx-libm-samples.txt','w') as f:
    f.write(' '.join(repr(x) for x in xs)+'\n')
    for name in funcs:
        fn = getattr(math, name)
        out=[]
        for x in xs:
            try: out.append(repr(fn(x)))
            except Exception as e: out.append('E')
        f.write(name+' '+' '.join(out)+'\n')
    # pow: pairs
    pairs = [(abs(random.uniform(0, 10)), random.choice([2, 3, 0.5, -1, -2, 1.5, 4, 10, -0.5, random.uniform(-5, 5), random.uniform(-30, 30)])) for _ in range(8000)]
    f.write('POWX ' + ' '.join(repr(p[0]) for p in pairs) + '\n')
    f.write('POWY ' + ' '.join(repr(p[1]) for p in pairs) + '\n')
    f.write('pow ' + ' '.join(repr(p[0] ** p[1]) for p in pairs) + '\n')
    at = [(random.uniform(-5, 5), random.uniform(-5, 5)) for _ in range(5000)]
    f.write('AT2Y ' + ' '.join(repr(p[0]) for p in at) + '\n')
    f.write('AT2X ' + ' '.join(repr(p[1]) for p in at) + '\n')
    f.write('atan2 ' + ' '.join(repr(math.atan2(*p)) for p in at) + '\n')
