/**
 * dzdx's property suite, for users: arbitraries of autograd programs, the
 * program model and printer, the properties, and the engine adapter
 * interface (see docs/properties.md).
 */
export * from './arbitraries.js';
export {
  type Program,
  type Leaf,
  type Step,
  type ValueStep,
  type DataStep,
  type InPlaceStep,
  type BackwardStep,
  type ResetStep,
  type GradGradStep,
  type Arg,
  type DType,
  type OpSpec,
  printProgram,
  printExpression,
  evaluate,
  Evaluator,
  opSpecs,
  elementwiseOps,
  EXCLUDED_OPS,
  replaceCutsByConstants,
  withCuts,
  cutEverything,
  withoutDataMutations,
  withGradient,
  firstBackwardOnly,
} from './program.js';
export * from './suite.js';
export {
  type AutogradEngine,
  type EngineDType,
  type EngineProperty,
  ENGINE_PROPERTIES,
  engineOptions,
  runOnEngine,
  expectedGradients,
  gradientsEqualExpected,
  engineAccumulates,
  engineLinearInGradient,
  runEngineProperty,
  loadEngine,
} from './engine.js';
export { dzdxEngine } from './engines/dzdx.js';
export { parseTensor, parsePrinted, printedTolerance, type ParsedTensor } from './parse-tensor.js';
