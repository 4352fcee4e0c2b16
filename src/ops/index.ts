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
});

export * as ops from './functional.js';
export { registry } from './registry.js';
