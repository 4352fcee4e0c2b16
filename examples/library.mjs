// The tutorial's no_grad snippet through dzdx's library API.
// Run: node examples/library.mjs   (after npm install, which builds dist/)
import { tensor, onesLike, noGrad } from 'dzdx';

const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
const y1 = x.pow(2);
const y2 = noGrad(() => x.pow(3)); // cut: no graph recorded
const z = y1.add(y2);
console.log(String(z));
z.backward(onesLike(z));
console.log(String(x.grad)); // 2x, not 2x + 3x^2
