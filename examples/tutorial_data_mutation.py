import torch

# y = 2 * x does not save x, so changing x through .data after the forward
# pass leaves the gradient at 2
x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
y = 2 * x
print("y:", y)
x.data += 100
print("x after x.data += 100:", x)
print("y (unchanged):", y)
y.backward(torch.ones_like(y))
print("x.grad:")
print(x.grad)
