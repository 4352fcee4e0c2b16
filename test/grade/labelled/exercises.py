"""The labelled set's exercises: each script, its questions, and the mistakes
a teacher sees in a class's answers, each written by hand as the script the
mistaken student has in mind (same lines, so questions about a line mean the
same line). A derivative slip is a hand computation standing in for the
backward call (`manual_backward`, see harness.py). label.py runs them all
with real PyTorch 1.13.
"""


def edit(script, changes):
    lines = script.split('\n')
    for line, text in changes.items():
        lines[line - 1] = text
    return '\n'.join(lines)


EXERCISES = []


def exercise(name, title, script, questions, mistakes, formulas=None):
    EXERCISES.append(dict(name=name, title=title, script=script, questions=questions, mistakes=mistakes, formulas=formulas or {}))


# 1. A .data change between two backward calls (cause 1: ties). Without the
# change, and with accumulation forgotten, the end value is the same:
# the first in the table (ignored-mutation) is named.
S = """import torch

x = torch.tensor([1., -2., 0.5], requires_grad=True)
y = (x ** 2).sum()
y.backward(retain_graph=True)
x.data *= 2
y.backward()
print(x.grad)"""
MB = lambda g1, g2: edit(S, {5: f'manual_backward([(x, {g1})])', 7: f'manual_backward([(x, {g2})])'})
exercise('mut_between_calls', 'A .data change between two backward calls', S,
         [dict(id='end', kind='gradient', tensor='x'),
          dict(id='after1', kind='gradient', tensor='x', after_backward=1),
          dict(id='printed', kind='print', line=8)],
         {
             'ignored-mutation': edit(S, {6: 'pass'}),
             'mutation-everywhere': edit(S, {3: 'x = torch.tensor([1., -2., 0.5], requires_grad=True); x.data *= 2', 6: 'pass'}),
             'forgot-accumulation': edit(S, {7: 'x.grad = None; y.backward()'}),
             'power-off-by-one': MB('2 * x.detach() ** 2', '2 * x.detach() ** 2'),
             'sign-error': MB('-2 * x.detach()', '-2 * x.detach()'),
             'ignored-mutation+forgot-accumulation': edit(S, {6: 'pass', 7: 'x.grad = None; y.backward()'}),
             'ignored-mutation+sign-error': edit(MB('-2 * x.detach()', '-2 * x.detach()'), {6: 'pass'}),
             'ignored-mutation+power-off-by-one': edit(MB('2 * x.detach() ** 2', '2 * x.detach() ** 2'), {6: 'pass'}),
             'mutation-everywhere+sign-error': edit(MB('-2 * x.detach()', '-2 * x.detach()'), {3: 'x = torch.tensor([1., -2., 0.5], requires_grad=True); x.data *= 2', 6: 'pass'}),
         })

# 2. A gradient argument: ones in its place, and the sign, give the same answer (a tie).
S = """import torch

x = torch.tensor([1., 3.], requires_grad=True)
v = x * 2
v.backward(torch.tensor([-1., -1.]))
print(x.grad)"""
exercise('ones_or_sign', 'backward(g) with g = -1', S,
         [dict(id='grad', kind='gradient', tensor='x'), dict(id='printed', kind='print', line=6)],
         {
             'gradient-as-ones': edit(S, {5: 'v.backward(torch.ones_like(v))'}),
             'confused-op': edit(S, {4: 'v = x ** 2'}),
             'sign-error': edit(S, {5: 'manual_backward([(x, -2 * torch.tensor([-1., -1.]))])'}),
             'gradient-as-ones+confused-op': edit(S, {4: 'v = x ** 2', 5: 'v.backward(torch.ones_like(v))'}),
             'confused-op+sign-error': edit(S, {4: 'v = x ** 2', 5: 'v.backward(-torch.tensor([-1., -1.]))'}),
             'confused-op+power-off-by-one': edit(S, {4: 'v = x ** 2', 5: 'manual_backward([(x, 2 * x.detach() ** 2 * torch.tensor([-1., -1.]))])'}),
         })

# 3. A power and two backward calls (cause 2: a slip is made in both calls).
S = """import torch

x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = x.pow(3).sum()
y.backward(retain_graph=True)
y.backward()
print(x.grad)"""
P = lambda e: edit(S, {5: f'manual_backward([(x, {e})])', 6: f'manual_backward([(x, {e})])'})
exercise('power_two_calls', 'x.pow(3), backward twice', S,
         [dict(id='end', kind='gradient', tensor='x'),
          dict(id='after1', kind='gradient', tensor='x', after_backward=1),
          dict(id='printed', kind='print', line=7)],
         {
             'forgot-accumulation': edit(S, {6: 'x.grad = None; y.backward()'}),
             'power-off-by-one': P('3 * x.detach() ** 3'),
             'sign-error': P('-3 * x.detach() ** 2'),
             'forgot-accumulation+power-off-by-one': edit(P('3 * x.detach() ** 3'), {6: 'x.grad = None; manual_backward([(x, 3 * x.detach() ** 3)])'}),
             'forgot-accumulation+sign-error': edit(P('-3 * x.detach() ** 2'), {6: 'x.grad = None; manual_backward([(x, -3 * x.detach() ** 2)])'}),
             'power-off-by-one+sign-error': P('-3 * x.detach() ** 3'),
         },
         formulas={'end': {'6*x**2': None, '6*x^2': None, '3*x**2 + 3*x**2': None, '6*x**3': 'power-off-by-one', '-6*x**2': 'sign-error', '3*x**2': 'forgot-accumulation'}})

# 4. Accumulation over several calls in a loop, a chain rule inside.
S = """import torch

w = torch.tensor([1.0, 2.0, -0.5], requires_grad=True)
for step in range(3):
    loss = torch.sin(w * 0.5).sum()
    loss.backward()
print(w.grad)"""
L = lambda e: edit(S, {6: f'    manual_backward([(w, {e})])'})
exercise('loop_accumulation', 'Three backward calls in a loop', S,
         [dict(id='end', kind='gradient', tensor='w'),
          dict(id='after2', kind='gradient', tensor='w', after_backward=2),
          dict(id='printed', kind='print', line=7)],
         {
             'forgot-accumulation': edit(S, {6: '    w.grad = None; loss.backward()'}),
             'dropped-inner-factor': L('torch.cos(w.detach() * 0.5)'),
             'sign-error': L('-0.5 * torch.cos(w.detach() * 0.5)'),
             'forgot-accumulation+dropped-inner-factor': edit(S, {6: '    w.grad = None; manual_backward([(w, torch.cos(w.detach() * 0.5))])'}),
             'forgot-accumulation+sign-error': edit(S, {6: '    w.grad = None; manual_backward([(w, -0.5 * torch.cos(w.detach() * 0.5))])'}),
             'dropped-inner-factor+sign-error': L('-torch.cos(w.detach() * 0.5)'),
         },
         formulas={'end': {'1.5*cos(0.5*w)': None, '3*0.5*cos(w/2)': None, '3*cos(0.5*w)': 'dropped-inner-factor', '0.5*cos(0.5*w)': 'forgot-accumulation', '-1.5*cos(0.5*w)': 'sign-error'}})

# 5. The last backward call never reaches x (cause 3).
S = """import torch

x = torch.tensor([0.5, 1.5], requires_grad=True)
w = torch.tensor([2.0, -1.0], requires_grad=True)
a = x.pow(3).sum()
a.backward()
b = torch.cos(w).sum()
b.backward()
print(x.grad)
print(w.grad)"""
exercise('last_call_elsewhere', 'Two losses, two leaves', S,
         [dict(id='x_end', kind='gradient', tensor='x'),
          dict(id='x_after1', kind='gradient', tensor='x', after_backward=1),
          dict(id='x_printed', kind='print', line=9),
          dict(id='w_end', kind='gradient', tensor='w'),
          dict(id='w_printed', kind='print', line=10)],
         {
             'power-off-by-one': edit(S, {6: 'manual_backward([(x, 3 * x.detach() ** 3)])'}),
             'sign-error': edit(S, {6: 'manual_backward([(x, -3 * x.detach() ** 2)])', 8: 'manual_backward([(w, torch.sin(w.detach()))])'}),
             'power-off-by-one+sign-error': edit(S, {6: 'manual_backward([(x, -3 * x.detach() ** 3)])', 8: 'manual_backward([(w, torch.sin(w.detach()))])'}),
         })

# 6. A no_grad cut and two backward calls: the pair ignored-cut + forgot-accumulation.
S = """import torch

x = torch.tensor([1., 2., 3.], requires_grad=True)
with torch.no_grad():
    s = x.mul(3)
z = (x.pow(2) * s).sum()
z.backward(retain_graph=True)
z.backward()
print(x.grad)"""
C = lambda e: edit(S, {7: f'manual_backward([(x, {e})])', 8: f'manual_backward([(x, {e})])'})
exercise('cut_and_accumulation', 'A no_grad constant, backward twice', S,
         [dict(id='end', kind='gradient', tensor='x'), dict(id='printed', kind='print', line=9)],
         {
             'ignored-cut': edit(S, {4: 'with torch.enable_grad():'}),
             'forgot-accumulation': edit(S, {8: 'x.grad = None; z.backward()'}),
             'power-off-by-one': C('2 * x.detach() ** 2 * s'),
             'sign-error': C('-2 * x.detach() * s'),
             'ignored-cut+forgot-accumulation': edit(S, {4: 'with torch.enable_grad():', 8: 'x.grad = None; z.backward()'}),
             'ignored-cut+power-off-by-one': C('2 * x.detach() ** 2 * 3 * x.detach() + x.detach() ** 2 * 3'),
             'ignored-cut+sign-error': C('-9 * x.detach() ** 2'),
             'forgot-accumulation+sign-error': edit(C('-2 * x.detach() * s'), {8: 'x.grad = None; manual_backward([(x, -2 * x.detach() * s)])'}),
             'forgot-accumulation+power-off-by-one': edit(C('2 * x.detach() ** 2 * s'), {8: 'x.grad = None; manual_backward([(x, 2 * x.detach() ** 2 * s)])'}),
         })

# 7. cos with a gradient argument: the pair gradient-as-ones + sign-error.
S = """import torch

x = torch.tensor([0.3, 1.2, -0.7], requires_grad=True)
y = torch.cos(x)
y.backward(torch.tensor([2., -1., 0.5]))
print(x.grad)"""
exercise('cos_gradient_argument', 'cos(x).backward(g)', S,
         [dict(id='grad', kind='gradient', tensor='x'), dict(id='printed', kind='print', line=6)],
         {
             'gradient-as-ones': edit(S, {5: 'y.backward(torch.ones_like(y))'}),
             'sign-error': edit(S, {5: 'manual_backward([(x, torch.sin(x.detach()) * torch.tensor([2., -1., 0.5]))])'}),
             'gradient-as-ones+sign-error': edit(S, {5: 'manual_backward([(x, torch.sin(x.detach()))])'}),
         },
         formulas={'grad': {'-sin(x)*[2, -1, 0.5]': 'invalid'}})

# 8. detach() and a chain rule: slips through a cut.
S = """import torch

x = torch.tensor([0.2, 0.4], requires_grad=True)
c = x.detach() + 1
y = (torch.exp(x * 2) * c).sum()
y.backward()
print(x.grad)"""
D = lambda e: edit(S, {6: f'manual_backward([(x, {e})])'})
exercise('detach_chain', 'exp(2x) times a detached copy', S,
         [dict(id='grad', kind='gradient', tensor='x'), dict(id='printed', kind='print', line=7),
          dict(id='d1', kind='derivative', wrt='x')],
         {
             'ignored-cut': edit(S, {4: 'c = x + 1'}),
             'dropped-inner-factor': D('torch.exp(x.detach() * 2) * c'),
             'sign-error': D('-2 * torch.exp(x.detach() * 2) * c'),
             'ignored-cut+dropped-inner-factor': D('torch.exp(x.detach() * 2) * (x.detach() + 2)'),
             'ignored-cut+sign-error': D('-(2 * torch.exp(x.detach() * 2) * (x.detach() + 1) + torch.exp(x.detach() * 2))'),
             'dropped-inner-factor+sign-error': D('-torch.exp(x.detach() * 2) * c'),
         },
         formulas={'d1': {'2*exp(2*x)*(x+1)': None, '2*(x + 1)*exp(2*x)': None, 'exp(2*x)*(x+1)': 'dropped-inner-factor',
                          '2*exp(2*x)*(x+1) + exp(2*x)': 'ignored-cut', '-2*exp(2*x)*(x+1)': 'sign-error', 'exp(2*x)*(x+2)': 'ignored-cut+dropped-inner-factor',
                          '-(2*exp(2*x)*(x+1) + exp(2*x))': 'ignored-cut+sign-error', '-exp(2*x)*(x+1)': 'dropped-inner-factor+sign-error',
                          'exp(2*x)': None, '2*exp(x)*(x+1)': None, '2*x*exp(2*x)': None}})

# 9. A .data change of a tensor one op saved and another did not.
S = """import torch

x = torch.tensor([1., 2.], requires_grad=True)
a = x.pow(2)
b = x.mul(3)
x.data += 1
(a + b).sum().backward()
print(x.grad)"""
exercise('mutation_saved_or_not', 'pow saved x, mul did not', S,
         [dict(id='grad', kind='gradient', tensor='x'), dict(id='printed', kind='print', line=8)],
         {
             'ignored-mutation': edit(S, {6: 'pass'}),
             'mutation-everywhere': edit(S, {3: 'x = torch.tensor([1., 2.], requires_grad=True); x.data += 1', 6: 'pass'}),
             'power-off-by-one': edit(S, {7: 'manual_backward([(x, 2 * x.detach() ** 2 + 3)])'}),
             'sign-error': edit(S, {7: 'manual_backward([(x, -(2 * x.detach() + 3))])'}),
             'ignored-mutation+sign-error': edit(S, {6: 'pass', 7: 'manual_backward([(x, -(2 * x.detach() + 3))])'}),
             'ignored-mutation+power-off-by-one': edit(S, {6: 'pass', 7: 'manual_backward([(x, 2 * x.detach() ** 2 + 3)])'}),
         })

# 10. Every op sees the mutation? exp saved its result, pow saved x.
S = """import torch

x = torch.tensor([0.0, 1.0], requires_grad=True)
y = x.pow(2) + x.exp()
x.data += 1
y.sum().backward()
print(x.grad)"""
exercise('mutation_exp_pow', 'x ** 2 + exp(x), then x.data += 1', S,
         [dict(id='grad', kind='gradient', tensor='x'), dict(id='printed', kind='print', line=7)],
         {
             'ignored-mutation': edit(S, {5: 'pass'}),
             'mutation-everywhere': edit(S, {3: 'x = torch.tensor([0.0, 1.0], requires_grad=True); x.data += 1', 5: 'pass'}),
             'power-off-by-one': edit(S, {6: 'manual_backward([(x, 2 * x.detach() ** 2 + torch.exp(x.detach() - 1))])'}),
             'sign-error': edit(S, {6: 'manual_backward([(x, -(2 * x.detach() + torch.exp(x.detach() - 1)))])'}),
             'ignored-mutation+sign-error': edit(S, {5: 'pass', 6: 'manual_backward([(x, -(2 * x.detach() + torch.exp(x.detach())))])'}),
             'ignored-mutation+power-off-by-one': edit(S, {5: 'pass', 6: 'manual_backward([(x, 2 * x.detach() ** 2 + torch.exp(x.detach()))])'}),
             'mutation-everywhere+power-off-by-one': edit(S, {3: 'x = torch.tensor([0.0, 1.0], requires_grad=True); x.data += 1', 5: 'pass', 6: 'manual_backward([(x, 2 * x.detach() ** 2 + torch.exp(x.detach()))])'}),
         })

# 11. A subtraction and a cos (sign-error in its forms), and a multiple confused with a power.
S = """import torch

x = torch.tensor([0.4, -1.1], requires_grad=True)
u = 3 * x
z = (torch.cos(x) - u).sum()
z.backward()
print(x.grad)"""
exercise('cos_minus_multiple', 'cos(x) - 3x', S,
         [dict(id='grad', kind='gradient', tensor='x'), dict(id='printed', kind='print', line=7),
          dict(id='d1', kind='derivative', wrt='x')],
         {
             'confused-op': edit(S, {4: 'u = x ** 3'}),
             'sign-error': edit(S, {6: 'manual_backward([(x, torch.sin(x.detach()) - 3)])'}),
             'sign-error#subtract': edit(S, {6: 'manual_backward([(x, -torch.sin(x.detach()) + 3)])'}),
             'sign-error#negated': edit(S, {6: 'manual_backward([(x, torch.sin(x.detach()) + 3)])'}),
             'confused-op+sign-error': edit(S, {4: 'u = x ** 3', 6: 'manual_backward([(x, torch.sin(x.detach()) + 3 * x.detach() ** 2)])'}),
             'confused-op+power-off-by-one': edit(S, {4: 'u = x ** 3', 6: 'manual_backward([(x, -torch.sin(x.detach()) - 3 * x.detach() ** 3)])'}),
         },
         formulas={'d1': {'-sin(x) - 3': None, '-3 - sin(x)': None, 'sin(x) - 3': 'sign-error', '-sin(x) + 3': 'sign-error', 'sin(x) + 3': 'sign-error',
                          '-sin(x) - 3*x**2': 'confused-op', 'sin(x) + 3*x**2': 'confused-op+sign-error', '-sin(x) - 3*x**3': 'confused-op+power-off-by-one',
                          'cos(x) - 3': None, '-sin(x)': None, '-sin(x) - 2': None}})

# 12. Two backward calls with different gradient arguments.
S = """import torch

x = torch.tensor([2.0, -1.0], requires_grad=True)
y = torch.tanh(x * 0.5)
y.backward(torch.tensor([1.0, 3.0]), retain_graph=True)
y.backward(torch.tensor([0.5, -2.0]))
print(x.grad)"""
T = lambda f: edit(S, {5: f"manual_backward([(x, {f('torch.tensor([1.0, 3.0])')})])", 6: f"manual_backward([(x, {f('torch.tensor([0.5, -2.0])')})])"})
d = '(1 - torch.tanh(x.detach() * 0.5) ** 2)'
exercise('tanh_two_arguments', 'tanh, two gradient arguments', S,
         [dict(id='end', kind='gradient', tensor='x'),
          dict(id='after1', kind='gradient', tensor='x', after_backward=1),
          dict(id='printed', kind='print', line=7)],
         {
             'forgot-accumulation': edit(S, {6: 'x.grad = None; y.backward(torch.tensor([0.5, -2.0]))'}),
             'gradient-as-ones': edit(S, {5: 'y.backward(torch.ones_like(y), retain_graph=True)', 6: 'y.backward(torch.ones_like(y))'}),
             'dropped-inner-factor': T(lambda g: f'{d} * {g}'),
             'sign-error': T(lambda g: f'-0.5 * {d} * {g}'),
             'forgot-accumulation+gradient-as-ones': edit(S, {5: 'y.backward(torch.ones_like(y), retain_graph=True)', 6: 'x.grad = None; y.backward(torch.ones_like(y))'}),
             'gradient-as-ones+dropped-inner-factor': T(lambda g: f'{d}'),
             'gradient-as-ones+sign-error': T(lambda g: f'-0.5 * {d}'),
             'forgot-accumulation+dropped-inner-factor': edit(T(lambda g: f'{d} * {g}'), {6: f"x.grad = None; manual_backward([(x, {d} * torch.tensor([0.5, -2.0]))])"}),
         })

# 13. A matrix product, a leaf used twice, and x.grad.zero_() between calls.
S = """import torch

w = torch.tensor([[1.0, -1.0], [0.5, 2.0]], requires_grad=True)
v = torch.tensor([3.0, -2.0])
out = (w @ v).pow(2).sum()
out.backward()
w.grad.zero_()
out2 = (w * w).sum()
out2.backward()
print(w.grad)"""
exercise('zero_between_calls', 'grad.zero_() between two losses', S,
         [dict(id='end', kind='gradient', tensor='w'),
          dict(id='after1', kind='gradient', tensor='w', after_backward=1),
          dict(id='printed', kind='print', line=10)],
         {
             # A student who thinks zero_() did not happen.
             'sign-error': edit(S, {6: 'manual_backward([(w, -2 * torch.outer(w.detach() @ v, v))])', 9: 'manual_backward([(w, -2 * w.detach())])'}),
             'power-off-by-one': edit(S, {6: 'manual_backward([(w, 2 * torch.outer((w.detach() @ v) ** 2, v))])'}),
             'dropped-inner-factor': edit(S, {6: 'manual_backward([(w, 2 * torch.outer(w.detach() @ v, torch.ones(2)))])'}),
             'power-off-by-one+sign-error': edit(S, {6: 'manual_backward([(w, -2 * torch.outer((w.detach() @ v) ** 2, v))])', 9: 'manual_backward([(w, -2 * w.detach())])'}),
         })

# 14. sigmoid through a detach and a no_grad block, one backward call.
S = """import torch

x = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
with torch.no_grad():
    m = x.sigmoid()
k = x.detach().pow(2)
loss = (x.sigmoid() * m + k * x).sum()
loss.backward()
print(x.grad)"""
sg = 'torch.sigmoid(x.detach())'
exercise('sigmoid_two_cuts', 'sigmoid with two cuts', S,
         [dict(id='grad', kind='gradient', tensor='x'), dict(id='printed', kind='print', line=9)],
         {
             'ignored-cut': edit(S, {4: 'with torch.enable_grad():', 6: 'k = x.pow(2)'}),
             'sign-error': edit(S, {8: f'manual_backward([(x, -({sg} * (1 - {sg}) * m + k))])'}),
             'ignored-cut+sign-error': edit(S, {8: f'manual_backward([(x, -(2 * {sg} ** 2 * (1 - {sg}) + 3 * x.detach() ** 2))])'}),
             'ignored-cut+power-off-by-one': edit(S, {8: f'manual_backward([(x, 2 * {sg} ** 2 * (1 - {sg}) + 2 * x.detach() ** 3 + x.detach() ** 2)])'}),
         })

# 15. A square root of a sum: the chain rule's inner factor and the power rule.
S = """import torch

x = torch.tensor([1.0, 3.0], requires_grad=True)
r = torch.sqrt(x.pow(2) + 1)
r.sum().backward()
print(x.grad)"""
exercise('sqrt_chain', 'sqrt(x^2 + 1)', S,
         [dict(id='grad', kind='gradient', tensor='x'), dict(id='printed', kind='print', line=6),
          dict(id='d1', kind='derivative', wrt='x')],
         {
             'dropped-inner-factor': edit(S, {5: 'manual_backward([(x, 0.5 / torch.sqrt(x.detach() ** 2 + 1))])'}),
             'power-off-by-one': edit(S, {5: 'manual_backward([(x, x.detach() ** 2 / torch.sqrt(x.detach() ** 2 + 1))])'}),
             'sign-error': edit(S, {5: 'manual_backward([(x, -x.detach() / torch.sqrt(x.detach() ** 2 + 1))])'}),
             'power-off-by-one+sign-error': edit(S, {5: 'manual_backward([(x, -x.detach() ** 2 / torch.sqrt(x.detach() ** 2 + 1))])'}),
             'dropped-inner-factor+sign-error': edit(S, {5: 'manual_backward([(x, -0.5 / torch.sqrt(x.detach() ** 2 + 1))])'}),
         },
         formulas={'d1': {'x/sqrt(x^2+1)': None, 'x*(x**2 + 1)**-0.5': None, '1/(2*sqrt(x^2+1))': 'dropped-inner-factor', '-x/sqrt(x^2+1)': 'sign-error',
                          'x^2/sqrt(x^2+1)': 'power-off-by-one', '-x^2/sqrt(x^2+1)': 'power-off-by-one+sign-error', '-1/(2*sqrt(x^2+1))': 'dropped-inner-factor+sign-error',
                          '2*x/sqrt(x^2+1)': None, 'sqrt(x^2+1)': None, '1/sqrt(x^2+1)': None}})

# 16. A loop of SGD steps: each step reads .grad, so a slip changes the weights too.
S = """import torch

w = torch.tensor([1.0, -2.0], requires_grad=True)
for step in range(2):
    loss = (w.pow(2) - w).sum()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad.zero_()
print(w)"""
exercise('sgd_steps', 'Two SGD steps', S,
         [dict(id='printed', kind='print', line=10)],
         {
             'sign-error': edit(S, {6: '    manual_backward([(w, 2 * w.detach() + 1)])'}),
             'sign-error#negated': edit(S, {6: '    manual_backward([(w, -(2 * w.detach() - 1))])'}),
             'power-off-by-one': edit(S, {6: '    manual_backward([(w, 2 * w.detach() ** 2 - 1)])'}),
             'power-off-by-one+sign-error': edit(S, {6: '    manual_backward([(w, 2 * w.detach() ** 2 + 1)])'}),
         })

# 17. A cut, a .data change, a gradient argument, a multiple and two backward calls:
# the program mistakes two at a time.
S = """import torch

x = torch.tensor([0.5, 1.0], requires_grad=True)
with torch.no_grad():
    c = x.exp()
q = x * 3
y = x.exp() * c + q * x
x.data += 1
y.backward(torch.tensor([1.0, -2.0]), retain_graph=True)
y.backward(torch.tensor([1.0, -2.0]))
print(x.grad)"""
PROGRAM = {
    'ignored-cut': {4: 'with torch.enable_grad():'},
    'ignored-mutation': {8: 'pass'},
    'mutation-everywhere': {3: 'x = torch.tensor([0.5, 1.0], requires_grad=True); x.data += 1', 8: 'pass'},
    'forgot-accumulation': {10: 'x.grad = None; y.backward(torch.tensor([1.0, -2.0]))'},
    'gradient-as-ones': {9: 'y.backward(torch.ones_like(y), retain_graph=True)', 10: 'y.backward(torch.ones_like(y))'},
    'confused-op': {6: 'q = x ** 3'},
}


def combine(script, *names):
    changes = {}
    for n in names:
        for line, text in PROGRAM[n].items():
            if line == 10 and line in changes:  # forgot-accumulation with ones: both on the second call
                text = 'x.grad = None; y.backward(torch.ones_like(y))'
            changes[line] = text
    return edit(script, changes)


M = {n: combine(S, n) for n in PROGRAM}
M['sign-error'] = edit(S, {9: 'y.backward(-torch.tensor([1.0, -2.0]), retain_graph=True)', 10: 'y.backward(-torch.tensor([1.0, -2.0]))'})
names = list(PROGRAM)
for i, a in enumerate(names):
    for b in names[i + 1:]:
        if {a, b} != {'ignored-mutation', 'mutation-everywhere'}:
            M[f'{a}+{b}'] = combine(S, a, b)
exercise('program_pairs', 'Cut, .data change, gradient argument, two calls', S,
         [dict(id='end', kind='gradient', tensor='x'), dict(id='printed', kind='print', line=11)], M)

# 18. The chain rule's inner factor with a .data change that matters (b was saved by the product),
# a multiple confused with a power, and a gradient argument.
S = """import torch

x = torch.tensor([0.5, 1.5], requires_grad=True)
b = torch.tensor([1.0, -2.0], requires_grad=True)
u = x * 2
h = torch.sin(u) * b + x.pow(3)
b.data += 1
h.backward(torch.tensor([2.0, 1.0]))
print(x.grad)"""
g = 'torch.tensor([2.0, 1.0])'
xd, bd = 'x.detach()', 'b.detach()'
MB = lambda e, extra={}: edit(S, {**{8: f'manual_backward([(x, {e}), (b, torch.zeros(2))])'}, **extra})
exercise('inner_factor_pairs', 'sin(2x) * b + x^3, b changed through .data', S,
         [dict(id='grad', kind='gradient', tensor='x'), dict(id='printed', kind='print', line=9)],
         {
             'ignored-mutation': edit(S, {7: 'pass'}),
             'gradient-as-ones': edit(S, {8: 'h.backward(torch.ones_like(h))'}),
             'confused-op': edit(S, {5: 'u = x ** 2'}),
             'dropped-inner-factor': MB(f'(torch.cos(2 * {xd}) * {bd} + 3 * {xd} ** 2) * {g}'),
             'power-off-by-one': MB(f'(2 * torch.cos(2 * {xd}) * {bd} + 3 * {xd} ** 3) * {g}'),
             'sign-error': MB(f'-(2 * torch.cos(2 * {xd}) * {bd} + 3 * {xd} ** 2) * {g}'),
             'ignored-mutation+dropped-inner-factor': MB(f'(torch.cos(2 * {xd}) * ({bd} - 1) + 3 * {xd} ** 2) * {g}'),
             'confused-op+dropped-inner-factor': MB(f'(torch.cos({xd} ** 2) * {bd} + 3 * {xd} ** 2) * {g}'),
             'gradient-as-ones+power-off-by-one': MB(f'2 * torch.cos(2 * {xd}) * {bd} + 3 * {xd} ** 3'),
             'dropped-inner-factor+power-off-by-one': MB(f'(torch.cos(2 * {xd}) * {bd} + 3 * {xd} ** 3) * {g}'),
         })

# 19. A .data change no op saved: the gradient stands, but thinking every op sees it does not.
S = """import torch

x = torch.tensor([0.25, 0.75], requires_grad=True)
y = (torch.sin(x * 2) + x.exp()).sum()
x.data += 1
y.backward()
print(x.grad)"""
exercise('mutation_unsaved_chain', 'sin(2x) + exp(x), then x.data += 1', S,
         [dict(id='grad', kind='gradient', tensor='x'), dict(id='printed', kind='print', line=7)],
         {
             'ignored-mutation': edit(S, {5: 'pass'}),
             'mutation-everywhere': edit(S, {3: 'x = torch.tensor([0.25, 0.75], requires_grad=True); x.data += 1', 5: 'pass'}),
             'dropped-inner-factor': edit(S, {6: 'manual_backward([(x, torch.cos(2 * x.detach() - 2) + torch.exp(x.detach() - 1))])'}),
             'sign-error': edit(S, {6: 'manual_backward([(x, -(2 * torch.cos(2 * x.detach() - 2) + torch.exp(x.detach() - 1)))])'}),
             'mutation-everywhere+dropped-inner-factor': edit(S, {3: 'x = torch.tensor([0.25, 0.75], requires_grad=True); x.data += 1', 5: 'pass', 6: 'manual_backward([(x, torch.cos(2 * x.detach()) + torch.exp(x.detach()))])'}),
             'mutation-everywhere+sign-error': edit(S, {3: 'x = torch.tensor([0.25, 0.75], requires_grad=True); x.data += 1', 5: 'pass', 6: 'manual_backward([(x, -(2 * torch.cos(2 * x.detach()) + torch.exp(x.detach())))])'}),
         })
