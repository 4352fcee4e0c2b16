#!/usr/bin/python3
"""The SymPy side of bench/symbolic.mjs (not part of `npm test`).

    /usr/bin/python3 bench/sympy_symbolic.py [--cases FILE] [--sizes 10,30] [--out FILE]

Same cases (bench/cases.mjs: `node bench/cases.mjs` prints them; without
--cases this script runs it), same 100 points, same timing method: a
warm-up of 5 runs or 3 s, then 9 (last warm-up run < 20 ms), 5 (< 200 ms)
or 3 repetitions, median; a first run over 5 s is the only run. For every
case:

  diff      sympy.diff of the expression (SymPy objects shared as in the
            program: `y*y` reads one object twice; SymPy makes it y**2);
  lambdify  lambdify(x, derivative, 'math') and evaluation at the 100 points
            in a Python loop. Python's compiler refuses deeply nested code
            (too many nested parentheses / recursion), so when the plain
            lambdify fails it is retried with cse=True (recorded as `mode`);
  simplify  sympy.simplify of the derivative, separately, capped at 30 s a
            run; past a timeout the family's larger sizes are skipped.

SymPy caches results (sympy.core.cache): the cache is cleared and the
expression rebuilt (untimed) before every run. Each case runs in a forked
child process, so a cap can stop it.
"""
import json
import math
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone

import sympy
from sympy.core.cache import clear_cache

HERE = os.path.dirname(os.path.abspath(__file__))
SIMPLIFY_CAP_S = 30.0
DIFF_CAP_S = 60.0


def option(name, default=None):
    if f'--{name}' in sys.argv:
        return sys.argv[sys.argv.index(f'--{name}') + 1]
    return default


def reps_for(last_ms):
    return 9 if last_ms < 20 else 5 if last_ms < 200 else 3


def measure(run):
    """run() -> (parts: dict of ms, result). Same rules as symbolic.mjs: the
    first run is coldMs; warm-up until 5 runs or 3 s; then 3-9 repetitions,
    median; a first run over 5 s is the only run."""
    def timed():
        t0 = time.perf_counter()
        parts, result = run()
        return (time.perf_counter() - t0) * 1e3, parts, result

    cold_ms, parts, result = timed()
    if cold_ms > 5000:
        return {'ms': cold_ms, 'minMs': cold_ms, 'coldMs': cold_ms, 'reps': 1, 'warmupRuns': 0, 'parts': parts}, result
    last_ms, spent, warmup_runs = cold_ms, cold_ms, 1
    while warmup_runs < 5 and spent < 3000:
        last_ms, _, _ = timed()
        spent += last_ms
        warmup_runs += 1
    totals, all_parts = [], {}
    for _ in range(reps_for(last_ms)):
        ms, parts, result = timed()
        totals.append(ms)
        for k, v in parts.items():
            all_parts.setdefault(k, []).append(v)
    return {
        'ms': statistics.median(totals),
        'minMs': min(totals),
        'coldMs': cold_ms,
        'reps': len(totals),
        'warmupRuns': warmup_runs,
        'parts': {k: statistics.median(v) for k, v in all_parts.items()},
    }, result


X = sympy.Symbol('x')
FUNCS = {'tanh': sympy.tanh, 'sin': sympy.sin, 'exp': sympy.exp}


def build(case):
    """The case's SymPy expression; a name read twice is one shared object."""
    env = {'x': X}

    def expr(e):
        if isinstance(e, bool):
            raise TypeError(e)
        if isinstance(e, int):
            return sympy.Integer(e)
        if isinstance(e, float):
            return sympy.Float(e)
        if isinstance(e, str):
            return env[e]
        op, *args = e
        a = [expr(arg) for arg in args]
        if op == 'add':
            return a[0] + a[1]
        if op == 'sub':
            return a[0] - a[1]
        if op == 'mul':
            return a[0] * a[1]
        return FUNCS[op](a[0])

    for name, e in case['statements']:
        env[name] = expr(e)
    return env[case['output']]


def finite_or_none(v):
    return v if isinstance(v, float) and math.isfinite(v) else None


def lambdify_eval(d, points, cse):
    f = sympy.lambdify(X, d, 'math', cse=cse)
    t = time.perf_counter()
    values = []
    for p in points:
        try:
            values.append(float(f(p)))
        except (OverflowError, ValueError, ZeroDivisionError):
            values.append(float('nan'))
    return f, values, (time.perf_counter() - t) * 1e3


def diff_case(case, points, progress):
    """diff + lambdify + evaluation, measured. Building the expression is not
    timed, but reported as a phase: SymPy's automatic evaluation can take
    long on its own (sin(u) asks assumptions about u)."""
    mode = {'cse': False}

    def run():
        clear_cache()
        progress('build the expression (untimed)')
        e = build(case)
        progress('diff')
        t0 = time.perf_counter()
        d = sympy.diff(e, X)
        t1 = time.perf_counter()
        progress('lambdify and evaluate')
        try:
            _, values, eval_ms = lambdify_eval(d, points, mode['cse'])
        except (RecursionError, SyntaxError, MemoryError, ValueError) as err:
            if mode['cse']:
                raise
            mode['cse'] = True  # from now on (this run is the warm-up, or re-measured)
            mode['why'] = f'{type(err).__name__}: {str(err)[:120]}'
            t1 = time.perf_counter()  # the failed attempt is not counted
            _, values, eval_ms = lambdify_eval(d, points, True)
        t2 = time.perf_counter()
        return {'diff': (t1 - t0) * 1e3, 'lambdify': (t2 - t1) * 1e3 - eval_ms, 'evaluate': eval_ms}, values

    stats, values = measure(run)
    out = {'diffLambdifyEval': stats, 'lambdifyMode': 'cse=True' if mode['cse'] else 'plain'}
    if 'why' in mode:
        out['lambdifyPlainError'] = mode['why']
    out['values'] = [finite_or_none(v) for v in values]
    clear_cache()
    d = sympy.diff(build(case), X)
    out['derivativeOps'] = int(sympy.count_ops(d))
    return out


def simplify_case(case, progress):
    def run():
        clear_cache()
        progress('build and diff (untimed)')
        d = sympy.diff(build(case), X)
        progress('simplify')
        t0 = time.perf_counter()
        s = sympy.simplify(d)
        return {'simplify': (time.perf_counter() - t0) * 1e3}, s

    stats, s = measure(run)
    clear_cache()
    d = sympy.diff(build(case), X)
    stats['opsBefore'] = int(sympy.count_ops(d))
    stats['opsAfter'] = int(sympy.count_ops(s))
    text = str(s)
    stats['text'] = text if len(text) <= 160 else text[:160] + '…'
    return stats


def _child(conn, fn, args):
    try:
        conn.send(('ok', fn(*args, progress=lambda phase: conn.send(('phase', phase)))))
    except BaseException as err:  # noqa: BLE001 - reported to the parent
        conn.send(('error', f'{type(err).__name__}: {str(err)[:200]}'))
    finally:
        conn.close()


def capped(fn, args, cap_s):
    """fn(*args, progress=...) in a forked child; after cap_s seconds
    {'timedOut': True, 'phase': the phase it was in}."""
    ctx = mp.get_context('fork')
    parent, child = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_child, args=(child, fn, args))
    p.start()
    child.close()
    deadline = time.monotonic() + cap_s
    phase = None
    while parent.poll(max(0.0, deadline - time.monotonic())):
        try:
            status, value = parent.recv()
        except EOFError:
            p.join()
            return {'error': f'child died (exit code {p.exitcode}) in {phase}'}
        if status == 'phase':
            phase = value
            continue
        p.join()
        return value if status == 'ok' else {'error': value}
    p.kill()
    p.join()
    return {'timedOut': True, 'capS': cap_s, 'phase': phase}


def fmt(ms):
    return f'{ms / 1000:.2f} s' if ms >= 1000 else f'{ms:.0f} ms' if ms >= 10 else f'{ms:.2f} ms'


def main():
    if option('cases'):
        with open(option('cases')) as f:
            spec = json.load(f)
    else:
        cmd = ['node', os.path.join(HERE, 'cases.mjs')] + (['--sizes', option('sizes')] if option('sizes') else [])
        spec = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    sizes = [int(s) for s in option('sizes').split(',')] if option('sizes') else spec['sizes']
    points = spec['points']
    today = datetime.now(timezone.utc).strftime('%Y-%m-%d')
    out = option('out', os.path.join(HERE, 'results', f'sympy-symbolic-{today}.json'))
    started = time.perf_counter()
    rows = []
    simplify_timed_out = set()
    diff_timed_out = set()
    print(f'SymPy {sympy.__version__} symbolic benchmarks, {today}, Python {sys.version.split()[0]}; '
          'median of 3-9 runs after a warm-up of 5 runs or 3 s', flush=True)
    print('family\tsize\tops\tdiff+lambdify+eval\tmode\tsimplify', flush=True)
    for case in spec['cases']:
        if case['size'] not in sizes:
            continue
        fam = case['family']
        if fam in diff_timed_out:
            d = {'skipped': f'diff+lambdify timed out (> {DIFF_CAP_S:.0f} s) at a smaller size'}
        else:
            d = capped(diff_case, (case, points), DIFF_CAP_S)
            if d.get('timedOut'):
                diff_timed_out.add(fam)
        if d.get('timedOut') and d.get('phase', '').startswith('build'):
            simplify_timed_out.add(fam)
            s = {'skipped': 'the expression could not be built within the diff cap'}
        elif fam in simplify_timed_out:
            s = {'skipped': f'simplify took over {SIMPLIFY_CAP_S:.0f} s at a smaller size'}
        else:
            s = capped(simplify_case, (case,), SIMPLIFY_CAP_S)
            if s.get('timedOut'):
                simplify_timed_out.add(fam)
        rows.append({'family': fam, 'size': case['size'], 'ops': case['ops'], **d, 'simplify': s})

        def show(r, key=None):
            if r.get('timedOut'):
                return f"> {r['capS']:.0f} s in {r['phase']}"
            if 'skipped' in r:
                return 'skipped'
            if 'error' in r:
                return 'error: ' + r['error'][:60]
            return fmt((r[key] if key else r)['ms'])

        print(f"{fam}\t{case['size']}\t{case['ops']}\t{show(d, 'diffLambdifyEval')}\t"
              f"{d.get('lambdifyMode', '-')}\t{show(s)}", flush=True)

    result = {
        'tool': 'sympy',
        'sympy': sympy.__version__,
        'python': sys.version.split()[0],
        'date': today,
        'timestamp': datetime.now(timezone.utc).isoformat(),
        'method': 'time.perf_counter(); coldMs is the first run; warm-up: 5 runs or 3 s; then 9 (last warm-up run '
                  '< 20 ms), 5 (< 200 ms) or 3 repetitions, median; a first run over 5 s is the only run; '
                  'cache cleared and expression rebuilt (untimed) before every run',
        'simplifyCapS': SIMPLIFY_CAP_S,
        'diffCapS': DIFF_CAP_S,
        'sizes': sizes,
        'totalSeconds': time.perf_counter() - started,
        'rows': rows,
    }
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, 'w') as f:
        json.dump(result, f, indent=1, allow_nan=False)
        f.write('\n')
    print(f'wrote {out} ({result["totalSeconds"]:.1f} s)', flush=True)


if __name__ == '__main__':
    # Deep expressions (1000 nested calls, 500 chained squares) recurse deeply
    # in SymPy's diff, printers and Python's compiler: a big stack.
    sys.setrecursionlimit(1_000_000)
    threading.stack_size(1 << 29)
    t = threading.Thread(target=main)
    t.start()
    t.join()
