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
  type GradBackwardStep,
  type CutKind,
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
export * from './engine.js';
export { expectedRun, runAndCompare, counterexampleScript, type Expected, type ExpectedStep, type Mismatch } from './engine-run.js';
export { startEngineProcess, type EngineProcessOptions } from './engine-process.js';
export { generatorStats, formatStats, type GeneratorStats } from './stats.js';
export { dzdxEngine } from './engines/dzdx.js';
export { parseTensor, parsePrinted, printedTolerance, type ParsedTensor } from './parse-tensor.js';
