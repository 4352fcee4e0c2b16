/**
 * The checker as a library: scripts (`check`), quick expressions
 * (`checkExpression`, `diffExpression`), their values (`parseAt`) and
 * symbolic derivatives (`derive`). Loading this module does not load
 * mathjs; the first check or derivative does.
 */
export { check, type CheckReport, type CallReport, type TargetReport, type CheckOptions } from './check.js';
export {
  checkExpression,
  diffExpression,
  ExpressionUsageError,
  EXPRESSION_CHECK_LIMITS,
  type AtValues,
  type DiffOptions,
  type DiffResult,
  type ExpressionCheckOptions,
  type ExpressionDType,
  type ExpressionGradient,
  type ExpressionReport,
} from './expression-check.js';
export { parseAt, AtValuesError, AT_LIMITS, type NestedNumbers } from './at-values.js';
export { formatExpressionReport, formatDiff, formatInputError } from './expression-report.js';
export { formatReport } from './report.js';
export { DEFAULT_TOLERANCES, type Tolerance, type Tolerances } from './compare.js';
export { derive, DeriveError, type DerivedFormula } from '../symbolic/derive.js';
export { ExpressionError } from '../symbolic/expression.js';
