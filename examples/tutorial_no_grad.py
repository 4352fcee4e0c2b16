import torch

# y2 is computed under no_grad, so it is a constant for autograd:
# z = x**2 + (x**3 as a constant), dz/dx = 2x
x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
y1 = x ** 2
with torch.no_grad():
    y2 = x ** 3
z = y1 + y2
print("y1 = x ** 2:", y1)
print("y2 = x ** 3 (no_grad):", y2)
print("z = y1 + y2:", z)
print(y1.requires_grad, y2.requires_grad, z.requires_grad)
print(y2.grad_fn, y2.is_leaf)
z.backward(torch.ones_like(z))
print("x.grad (2x):")
print(x.grad)
