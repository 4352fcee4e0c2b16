/**
 * Loads every registry entry and gives the engine the differentiable
 * gradient arithmetic it needs (so create_graph records it).
 */
import { installEngineMath } from '../autograd/engine-math.js';
import * as F from './functional.js';

installEngineMath({
  add: F.add,
  sumTo: F.sumTo,
  cast: F.to,
  copyWithHistory: F.copyWithHistory,
  clone: F.clone,
  onesLike: F.onesLike,
  gather: (g, positions, shape) => F.indexWith(g, { sources: positions, shape, inputShape: g.shape }),
  scatter: (g, positions, values) => F.indexPut(g, { sources: positions, shape: values.shape, inputShape: g.shape }, values),
});

export * as ops from './functional.js';
export { registry } from './registry.js';
