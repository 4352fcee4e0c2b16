"""Builds the labelled set: every exercise of exercises.py run with real
PyTorch 1.13 (/usr/bin/python3), its mistakes too, and answers labelled
from their values:

- right answers, in several formats;
- each mistake's answer, labelled with the mistake. When two mistakes give
  the same answer, the label is the first in the README's order (singles in
  table order, then pairs by their members' order); a mistake that gives the
  right answer labels nothing;
- wrong answers no mistake explains (labelled wrong, no mistake): the right
  values changed, and the old key's slips of the last call only;
- unreadable answers (labelled invalid).

Writes the exercise files (NAME.yaml) and labelled.json beside this file.
Run: /usr/bin/python3 test/grade/labelled/label.py
"""
import json
import math
import os
import re

import torch

from exercises import EXERCISES
from harness import run

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = ['ignored-cut', 'ignored-mutation', 'mutation-everywhere', 'forgot-accumulation', 'gradient-as-ones',
         'confused-op', 'dropped-inner-factor', 'power-off-by-one', 'sign-error']
RTOL = ATOL = 1e-4


def rank(name):
    kinds = name.split('#')[0].split('+')
    return (len(kinds), [ORDER.index(k) for k in kinds])


def label_of(name):
    return name.split('#')[0]


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    if list(a.shape) != list(b.shape):
        return False
    return bool(torch.all((a.double() - b.double()).abs() <= ATOL + RTOL * b.double().abs()))


NUMBER = re.compile(r'-?(?:\d+\.?\d*(?:e[-+]?\d+)?|\.\d+|nan|inf)')


def same_printed(a, b):
    if a is None or b is None:
        return a is None and b is None
    if ' '.join(NUMBER.sub('#', a).split()) != ' '.join(NUMBER.sub('#', b).split()):
        return False
    na, nb = [float(x) for x in NUMBER.findall(a)], [float(x) for x in NUMBER.findall(b)]
    return len(na) == len(nb) and all(abs(x - y) <= ATOL + RTOL * abs(y) for x, y in zip(na, nb))


def value_at(r, q):
    k = q['kind']
    if r.error:
        return 'error'
    if k == 'gradient':
        if 'after_backward' in q:
            snap = r.after_call[q['after_backward'] - 1] if len(r.after_call) >= q['after_backward'] else None
        elif 'after_line' in q:
            snap = r.after_line.get(q['after_line'])
        else:
            snap = r.final
        return snap.get(q['tensor']) if snap else 'error'
    if k == 'print':
        return r.printed.get(q['line'], 'error')
    if k == 'derivative':
        return r.contributions[q.get('backward', 1) - 1].get(q['wrt'], 'error')
    raise ValueError(k)


def same(q, a, b):
    if isinstance(a, str) and a == 'error' or isinstance(b, str) and b == 'error':
        return False
    return same_printed(a, b) if q['kind'] == 'print' else close(a, b)


def as_list(t):
    def fmt(v):
        v = round(float(v), 4)
        return 0.0 if v == 0 else v
    if t.dim() == 0:
        return json.dumps(fmt(t.item()))
    return json.dumps(_nest([fmt(v) for v in t.flatten().tolist()], list(t.shape)))


def _nest(flat, shape):
    if len(shape) == 1:
        return flat
    n = len(flat) // shape[0]
    return [_nest(flat[i * n:(i + 1) * n], shape[1:]) for i in range(shape[0])]


def yaml_exercise(ex):
    out = [f'# Labelled set exercise (test/grade/labelled/exercises.py, written by label.py).', f'title: "{ex["title"]}"', 'script: |']
    out += ['  ' + l if l else '' for l in ex['script'].split('\n')]
    out.append('questions:')
    for q in ex['questions']:
        out.append(f'  - id: {q["id"]}')
        for k, v in q.items():
            if k != 'id':
                out.append(f'    {k}: {v}')
    return '\n'.join(out) + '\n'


def formula_value(formula, env):
    py = formula.replace('^', '**')
    names = {k: v.detach() for k, v in env.items() if isinstance(v, torch.Tensor)}
    names.update({f: getattr(torch, f) for f in ('sin', 'cos', 'exp', 'sqrt', 'tanh', 'log')})
    try:
        v = eval(py, {'__builtins__': {}}, names)
    except Exception:
        return None
    return v if isinstance(v, torch.Tensor) else None


def main():
    rows = []
    for ex in EXERCISES:
        names = sorted({q.get('tensor') or q.get('wrt') for q in ex['questions'] if q.get('tensor') or q.get('wrt')})
        right_run = run(ex['script'], names)
        assert not right_run.error, (ex['name'], right_run.error)
        mistaken = {name: run(src, names) for name, src in ex['mistakes'].items()}
        for name, r in mistaken.items():
            assert not r.error, (ex['name'], name, r.error)
        ordered = sorted(mistaken, key=rank)
        with open(os.path.join(HERE, f'{ex["name"]}.yaml'), 'w') as f:
            f.write(yaml_exercise(ex))

        def add(q, answer, verdict, mistake, why):
            rows.append(dict(exercise=ex['name'], question=q['id'], answer=answer, verdict=verdict, mistake=mistake, why=why))

        for q in ex['questions']:
            right = value_at(right_run, q)
            assert not (isinstance(right, str) and right == 'error'), (ex['name'], q['id'])
            named = []  # (value, label) of the answers a mistake explains
            for name in ordered:
                v = value_at(mistaken[name], q)
                if isinstance(v, str) and v == 'error' or same(q, v, right):
                    continue
                first = next((lbl for val, lbl in named if same(q, v, val)), None)
                if first is None:
                    named.append((v, label_of(name)))
            if q['kind'] == 'print':
                add(q, right, 'right', None, 'what the line prints')
                add(q, ' '.join(right.split()), 'right', None, 'printed, on one line')
                for v, lbl in named:
                    add(q, v, 'wrong', lbl, f'printed by the script with the mistake')
                nums = NUMBER.findall(right)
                changed = NUMBER.sub(lambda m, c=[0]: (str(float(m.group()) * 1.5 + 0.75) if c.__setitem__(0, c[0] + 1) or c[0] == 1 else m.group()), right)
                for cand, why in [(changed, 'a value changed'), (right.rstrip('\n').rstrip(')') + ', requires_grad=True)\n' if right.rstrip().endswith(')') else None, 'an extra requires_grad=True')]:
                    if cand and not same(q, cand, right) and not any(same(q, cand, v) for v, _ in named):
                        add(q, cand, 'wrong', None, why)
                continue
            if right is None:
                add(q, 'None', 'right', None, 'None')
                continue
            if q['kind'] == 'derivative':
                # A formula is asked: values are unreadable as one.
                add(q, as_list(right), 'invalid', None, 'a list where a formula is asked')
            else:
                add(q, as_list(right), 'right', None, 'nested list')
            if q['kind'] == 'gradient':
                add(q, str(right), 'right', None, 'as PyTorch prints it')
            for v, lbl in (named if q['kind'] == 'gradient' else []):
                add(q, 'None' if v is None else as_list(v), 'wrong', lbl, 'the mistake\'s values')
            unnamed = [(right * 1.5 + 0.3, 'the right values changed'), (right + 1, 'one more everywhere'), (torch.zeros_like(right), 'zeros (the old key: c1 - c2)')]
            if right.numel() > 1:
                unnamed.append((right.flatten().flip(0).reshape(right.shape), 'reversed'))
            for v, why in (unnamed if q['kind'] == 'gradient' else []):
                if not close(v, right) and not any(v2 is not None and close(v, v2) for v2, _ in named):
                    add(q, as_list(v), 'wrong', None, why)
            for bad in ['[' + as_list(right).lstrip('[').rstrip(']'), as_list(right).replace(',', '', 1) if right.numel() > 1 else '2 3', '2x + 1']:
                add(q, bad, 'invalid', None, 'unreadable')
            for formula, expect in ex['formulas'].get(q['id'], {}).items():
                v = formula_value(formula, right_run.env)
                if v is None:
                    add(q, formula, 'invalid', None, 'a formula that is not one')
                    continue
                v = v.expand_as(right)
                if close(v, right):
                    lbl, verdict = None, 'right'
                else:
                    lbl = next((l for val, l in named if val is not None and close(v, val)), None)
                    verdict = 'wrong'
                assert expect == lbl or (expect is None and lbl is None) or (expect == 'right' and verdict == 'right'), (ex['name'], formula, expect, lbl)
                add(q, formula, verdict, lbl, 'a formula of the leaves')
    with open(os.path.join(HERE, 'labelled.json'), 'w') as f:
        json.dump({'pytorch': torch.__version__, 'rows': rows}, f, indent=1)
        f.write('\n')
    by = {}
    for r in rows:
        by[r['verdict']] = by.get(r['verdict'], 0) + 1
    print(len(rows), 'rows', by, sum(1 for r in rows if r['mistake']), 'with a mistake', len({r['mistake'] for r in rows if r['mistake'] and '+' in r['mistake']}), 'distinct pairs')


if __name__ == '__main__':
    main()
