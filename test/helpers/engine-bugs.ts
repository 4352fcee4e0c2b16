/**
 * The ten planted bugs of examples/tensor-engine.mjs and
 * examples/python/tensor_engine.py, and the property that catches each
 * (shared by the JavaScript and Python tests).
 */
export const CAUGHT_BY: Record<string, string> = {
  cut: 'engineCuts',
  'data-copy': 'engineDataMutation',
  version: 'engineVersionCounter',
  freed: 'engineFreedGraph',
  'create-graph': 'engineCreateGraph',
  broadcast: 'engineGradientsEqualExpected',
  'sum-dim': 'engineGradientsEqualExpected',
  'matmul-t': 'engineGradientsEqualExpected',
  ties: 'engineGradientsEqualExpected',
  'requires-grad': 'engineRequiresGrad',
};

/** The seeds every bug must be caught on, at the property's default runs. */
export const SEEDS = [1, 2, 3, 4, 5];
