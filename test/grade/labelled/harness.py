"""Runs a script with real PyTorch and records what exercise questions ask
about: the .grad of named tensors after each line, after each backward call
and at the end, each call's contribution to them, and what each line printed.

A mistaken script may stand in a hand computation for a backward call with
`manual_backward([(x, g), ...])`: it adds g to x.grad (or puts it there when
`accumulate=False`) and counts as a backward call.
"""
import io
import sys

import torch

torch.set_printoptions(profile='default')


class Run:
    def __init__(self):
        self.after_line = {}
        self.after_call = []
        self.contributions = []
        self.printed = {}
        self.final = {}
        self.error = None
        self.env = {}


def _grads(env, names):
    out = {}
    for n in names:
        t = env.get(n)
        if isinstance(t, torch.Tensor):
            out[n] = None if t.grad is None else t.grad.detach().clone()
    return out


def run(script, names):
    r = Run()
    env = {'__name__': '__main__'}
    code = compile(script, '<script>', 'exec')
    state = {'line': 0}
    real_backward = torch.Tensor.backward

    def before_after(fn):
        prev = _grads(env, names)
        fn()
        now = _grads(env, names)
        delta = {}
        for n in names:
            if n in now and now[n] is not None:
                p = prev.get(n)
                delta[n] = now[n] - (p if p is not None else 0)
        r.contributions.append(delta)
        r.after_call.append(now)

    def backward(self, *args, **kwargs):
        before_after(lambda: real_backward(self, *args, **kwargs))

    def manual_backward(pairs, accumulate=True):
        def go():
            for t, g in pairs:
                g = g.detach().clone()
                t.grad = g if (t.grad is None or not accumulate) else t.grad + g
        before_after(go)

    env['manual_backward'] = manual_backward

    class Out(io.StringIO):
        def write(self, s):
            r.printed[state['line']] = r.printed.get(state['line'], '') + s
            return len(s)

    def tracer(frame, event, arg):
        if frame.f_code.co_filename != '<script>':
            return None
        if event == 'line' and frame.f_code is code:
            if state['line']:
                r.after_line[state['line']] = _grads(env, names)
            state['line'] = frame.f_lineno
        return tracer

    old = sys.stdout
    sys.stdout = Out()
    torch.Tensor.backward = backward
    sys.settrace(tracer)
    try:
        exec(code, env)
    except Exception as e:  # the key question kinds here never raise; record it anyway
        r.error = f'{type(e).__name__}: {e}'
    finally:
        sys.settrace(None)
        torch.Tensor.backward = real_backward
        sys.stdout = old
    if state['line']:
        r.after_line[state['line']] = _grads(env, names)
    r.final = _grads(env, names)
    r.env = env
    return r
