/** `dzdx check -e EXPR --at VALUES` and `dzdx diff EXPR`: quick expressions. */
import { checkExpression, diffExpression } from '../src/check/expression-check.js';
import { formatDiff, formatExpressionError, formatExpressionReport, toJson } from '../src/check/expression-report.js';

export interface ExpressionArgs {
  dtype?: 'float32' | 'float64';
  json: boolean;
  latex: boolean;
  full: boolean;
  rtol?: number;
  atol?: number;
}

/** Checks the expression at the values; returns the exit code. */
export function checkExpressionCommand(args: ExpressionArgs, expr: string, at: string): number {
  const dtype = args.dtype ?? 'float64';
  const tolerance =
    dtype === 'float32' ? { rtol: args.rtol ?? 1e-4, atol: args.atol ?? 1e-5 } : { rtol: args.rtol ?? 1e-9, atol: args.atol ?? 1e-12 };
  let report;
  try {
    report = checkExpression(expr, at, { dtype, tolerances: dtype === 'float32' ? { float32: tolerance } : { float64: tolerance } });
  } catch (err) {
    process.stderr.write(formatExpressionError(err, expr) + '\n');
    return 2;
  }
  process.stdout.write(args.json ? toJson(report) + '\n' : formatExpressionReport(report, { latex: args.latex, full: args.full }));
  return report.exitCode;
}

export interface DiffArgs {
  wrt?: string;
  at?: string;
  latex: boolean;
  json: boolean;
}

/** Prints the derivative; returns the exit code. */
export function diffCommand(args: DiffArgs, expr: string): number {
  let result;
  try {
    result = diffExpression(expr, args.wrt, { at: args.at });
  } catch (err) {
    process.stderr.write(formatExpressionError(err, expr) + '\n');
    return 2;
  }
  process.stdout.write(args.json ? toJson(result) + '\n' : formatDiff(result, { latex: args.latex }));
  return 0;
}
