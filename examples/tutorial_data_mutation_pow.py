import torch

# y = x ** 2 saves x for the backward pass; changing x through .data is not
# detected (no version bump), so the gradient silently becomes 2 * (x + 100)
x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
y = x ** 2
print("y:", y)
x.data += 100
print("x after x.data += 100:", x)
print("y (unchanged):", y)
y.backward(torch.ones_like(y))
print("x.grad (2 * (x + 100), not 2 * x):")
print(x.grad)
