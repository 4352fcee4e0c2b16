import torch

# z = x**2 + x**3, so dz/dx = 2x + 3x**2
x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
y1 = x ** 2
y2 = x ** 3
z = y1 + y2
print("x:", x)
print("y1 = x ** 2:", y1)
print("y2 = x ** 3:", y2)
print("z = y1 + y2:", z)
print(x.requires_grad, y1.requires_grad, y2.requires_grad, z.requires_grad)
print(z.grad_fn, z.is_leaf, x.is_leaf)
z.backward(torch.ones_like(z))
print("x.grad (2x + 3x^2):")
print(x.grad)
