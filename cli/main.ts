#!/usr/bin/env node
/**
 * The `dzdx` command. Each command loads its own modules on demand, so
 * `dzdx run` starts fast and never loads the symbolic side.
 */
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';

const VERSION = '0.1.0';

function readSource(file: string): string {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    process.stderr.write(`dzdx: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    process.exit(2);
  }
}

/** A misused command (checked in the handler: yargs's own checks end in a stack trace here). */
function usageError(message: string): void {
  process.stderr.write(`dzdx: ${message}\nRun dzdx --help for usage.\n`);
  process.exitCode = 2;
}

await yargs(hideBin(process.argv))
  .scriptName('dzdx')
  .usage('$0 <command> [options]')
  .command(
    'run <file>',
    'Run a PyTorch script (the subset in docs/script-subset.md) and print what PyTorch prints',
    (y) =>
      y
        .positional('file', { type: 'string', demandOption: true, describe: 'the script, or - for stdin' })
        .option('time-limit', { type: 'number', default: 10, describe: 'seconds the script may run' })
        .option('max-ops', { type: 'number', default: 50_000, describe: 'tensor ops the script may run' }),
    async (argv) => {
      // yargs hands a lone `-` over as an empty string.
      const file = argv.file === '' ? '-' : argv.file;
      const source = readSource(file);
      const { loadLibrariesFor } = await import('../src/libraries.js');
      await loadLibrariesFor(source);
      const { runScript } = await import('../src/program/run.js');
      const name = file === '-' ? '<stdin>' : file;
      const result = runScript(source, {
        fileName: name,
        stdout: (t) => process.stdout.write(t),
        stderr: (t) => process.stderr.write(t),
        limits: { maxSeconds: argv['time-limit'], maxOps: argv['max-ops'] },
      });
      process.exitCode = result.exitCode;
    },
  )
  .command(
    'check [file]',
    'Check every backward() and autograd.grad() of a script, or with -e a quick expression at --at values: the tape against symbolic derivatives and finite differences',
    (y) =>
      y
        .positional('file', { type: 'string', describe: 'the script, or - for stdin (not with -e)' })
        .option('expr', {
          alias: 'e',
          type: 'string',
          describe: 'check a quick expression instead of a script, in mathjs syntax (** too): "z = x^2 + x^3"; one starting with - as -e=-x^2',
        })
        .option('at', { type: 'string', describe: 'with -e: the values of its variables, numbers or nested lists that broadcast together: "x=[[1,2],[3,4]], y=2"' })
        .option('dtype', { choices: ['float32', 'float64'] as const, describe: 'with -e: dtype of the variables on the tape (default float64)' })
        .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
        .option('latex', { type: 'boolean', default: false, describe: 'also print each formula as LaTeX' })
        .option('graph', { type: 'boolean', default: false, describe: 'attach the autograd graph of each call (an outline; with --json its nodes, edges and DOT)' })
        .option('rtol', { type: 'number', describe: 'relative tolerance for float32 gradients (default 1e-4; with -e and float64: 1e-9)' })
        .option('atol', { type: 'number', describe: 'absolute tolerance for float32 gradients, times the largest |value| (default 1e-5; with -e and float64: 1e-12)' }),
    async (argv) => {
      const misuse =
        [argv.expr, argv.at, argv.dtype].some(Array.isArray) ? 'give -e, --at and --dtype once each'
          : argv.expr !== undefined && argv.file !== undefined ? 'give a script or -e EXPR, not both'
            : argv.expr === undefined && argv.file === undefined ? 'name a script (or - for stdin), or give -e EXPR --at VALUES'
              : argv.expr !== undefined && argv.at === undefined ? '-e needs --at VALUES, e.g. --at "x=[1,2]"'
                : argv.expr === undefined && (argv.at !== undefined || argv.dtype !== undefined) ? '--at and --dtype go with -e EXPR'
                  : null;
      if (misuse !== null) return usageError(misuse);
      if (argv.expr !== undefined) {
        const { checkExpression } = await import('../src/check/expression-check.js');
        const { formatExpressionReport, formatExpressionError, toJson } = await import('../src/check/expression-report.js');
        const dtype = argv.dtype ?? 'float64';
        const tolerance =
          dtype === 'float32' ? { rtol: argv.rtol ?? 1e-4, atol: argv.atol ?? 1e-5 } : { rtol: argv.rtol ?? 1e-9, atol: argv.atol ?? 1e-12 };
        let report;
        try {
          report = checkExpression(argv.expr, argv.at ?? '', { dtype, tolerances: dtype === 'float32' ? { float32: tolerance } : { float64: tolerance } });
        } catch (err) {
          process.stderr.write(formatExpressionError(err, argv.expr) + '\n');
          process.exitCode = 2;
          return;
        }
        process.stdout.write(argv.json ? toJson(report) + '\n' : formatExpressionReport(report));
        process.exitCode = report.exitCode;
        return;
      }
      const file = argv.file === '' || argv.file === undefined ? '-' : argv.file;
      const source = readSource(file);
      await (await import('../src/libraries.js')).loadLibrariesFor(source);
      const { check } = await import('../src/check/check.js');
      const { formatReport } = await import('../src/check/report.js');
      const float32 = { rtol: argv.rtol ?? 1e-4, atol: argv.atol ?? 1e-5 };
      const report = check(source, { fileName: file === '-' ? '<stdin>' : file, tolerances: { float32 } });
      if (report.exitCode === 2) {
        process.stderr.write(report.stderr);
        process.exitCode = 2;
        return;
      }
      const graphs = argv.graph ? (await import('./graph.js')).attachGraphs(report, source, file === '-' ? '<stdin>' : file) : null;
      process.stdout.write(
        argv.json ? JSON.stringify(graphs?.json ?? report, null, 2) + '\n' : formatReport(report, { latex: argv.latex }) + (graphs?.text ?? ''),
      );
      process.exitCode = report.ok ? 0 : 1;
    },
  )
  .command(
    'diff [expr]',
    'Differentiate a quick expression symbolically (mathjs syntax, ** too): print the formula and, with --at, its values',
    (y) =>
      y
        .positional('expr', { type: 'string', describe: 'the expression: "x^2 + x^3", "z = x*y"; one starting with - after --: diff -- "-x^2"' })
        .option('wrt', { type: 'string', describe: 'the variable to differentiate with respect to (default: the only one)' })
        .option('at', { type: 'string', describe: 'values to evaluate the derivative at, elementwise: "x=[[1,2],[3,4]], y=2"' })
        .option('latex', { type: 'boolean', default: false, describe: 'print the formula as LaTeX' })
        .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' }),
    async (argv) => {
      // After `--` (for an expression starting with -) yargs leaves it in argv._.
      const rest = argv._.slice(1).map(String);
      const expr = argv.expr ?? rest[0];
      if (expr === undefined) return usageError('name the expression: dzdx diff "x^2 + x^3" --wrt x');
      if (rest.length > (argv.expr === undefined ? 1 : 0)) return usageError('give one expression (quote it)');
      if ([argv.wrt, argv.at].some(Array.isArray)) return usageError('give --wrt and --at once each');
      const { diffExpression } = await import('../src/check/expression-check.js');
      const { formatDiff, formatExpressionError, toJson } = await import('../src/check/expression-report.js');
      let result;
      try {
        result = diffExpression(expr, argv.wrt, { at: argv.at });
      } catch (err) {
        process.stderr.write(formatExpressionError(err, expr) + '\n');
        process.exitCode = 2;
        return;
      }
      process.stdout.write(argv.json ? toJson(result) + '\n' : formatDiff(result, { latex: argv.latex }));
    },
  )
  .command(
    'graph <file>',
    "Draw a script's autograd graph as PyTorch holds it at a backward() call (leaves, grad_fn nodes, saved values, cuts, .data mutations): DOT, SVG, text or JSON",
    (y) =>
      y
        .positional('file', { type: 'string', demandOption: true, describe: 'the script, or - for stdin' })
        .option('output', { alias: 'o', type: 'string', describe: 'write to this file: .svg (rendered), .dot, .txt (outline) or .json' })
        .option('at', { type: 'string', describe: 'LINE: the backward()/autograd.grad() call on that line, else when that line begins; end: after the run (default: the first backward call, else the end)' })
        .option('format', { choices: ['dot', 'svg', 'text', 'json'] as const, describe: 'what to print without -o (default dot)' }),
    async (argv) => {
      if ([argv.output, argv.at].some(Array.isArray)) return usageError('give -o and --at once each');
      const file = argv.file === '' ? '-' : argv.file;
      const source = readSource(file);
      await (await import('../src/libraries.js')).loadLibrariesFor(source);
      const { graphCommand } = await import('./graph.js');
      process.exitCode = await graphCommand(argv, source, file === '-' ? '<stdin>' : file);
    },
  )
  .command(
    'serve',
    'Serve the web playground (the built web/ folder) on localhost',
    (y) =>
      y
        .option('port', { type: 'number', default: 5178, describe: 'port to listen on (0: any free port)' })
        .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' }),
    async (argv) => {
      const { serveCommand } = await import('./serve.js');
      process.exitCode = await serveCommand(argv);
    },
  )
  .command(
    'props',
    'Run the property suite: tape, symbolic and finite differences agree on random programs (or check an autograd engine)',
    (y) =>
      y
        .option('runs', { type: 'number', describe: "runs per property (default: each property's own, 100-300)" })
        .option('seed', { type: 'number', describe: 'fast-check seed (default 20261128: the same programs every time)' })
        .option('property', { type: 'string', describe: 'run only this property (dzdx props --list names them)' })
        .option('path', { type: 'string', describe: 'fast-check replay path of a failure (with --seed and --property)' })
        .option('engine', { type: 'string', describe: 'an adapter module (default export: AutogradEngine) to check instead of dzdx; see docs/properties.md' })
        .option('json', { type: 'boolean', default: false, describe: 'print the outcomes as JSON' })
        .option('list', { type: 'boolean', default: false, describe: 'list the properties and what they say' }),
    async (argv) => {
      const { propsCommand } = await import('./props.js');
      process.exitCode = await propsCommand(argv);
    },
  )
  .command(
    'grade <exercise> [answers]',
    "Grade students' answers to an exercise file (YAML/JSON): one with --answer, or a class from CSV / JSON Lines",
    (y) =>
      y
        .positional('exercise', { type: 'string', demandOption: true, describe: 'the exercise file (format: README, "dzdx grade")' })
        .positional('answers', { type: 'string', describe: 'answers: CSV with a header (student,question,answer) or JSON Lines' })
        .option('answer', { type: 'string', describe: 'grade this one answer instead' })
        .option('question', { type: 'string', describe: "the question's id (for --answer, when the exercise has several)" })
        .option('format', { choices: ['csv', 'jsonl'] as const, describe: 'the answers file format (default: by its extension)' })
        .option('out', { type: 'string', describe: 'write the results here (.csv or .json) instead of CSV on stdout' })
        .option('workers', { type: 'number', describe: 'worker threads (default: one per core from 4000 answers on)' })
        .option('progress', { type: 'boolean', describe: 'show a progress bar (default: when stderr is a terminal)' })
        .option('json', { type: 'boolean', default: false, describe: 'with --answer: print the result as JSON' }),
    async (argv) => {
      await (await import('../src/libraries.js')).loadAllLibraries();
      const { gradeCommand } = await import('./grade.js');
      process.exitCode = await gradeCommand(argv, readSource);
    },
  )
  .command(
    'exercises',
    'Generate exercises with answer keys from the property arbitraries',
    (y) =>
      y
        .option('count', { type: 'number', default: 10, describe: 'how many exercises' })
        .option('seed', { type: 'number', default: 1, describe: 'fast-check seed: the same exercises every time' })
        .option('level', { type: 'number', default: 1, describe: 'difficulty 1-5: one op; a chain; + a cut; + a .data mutation; + accumulation and gradient arguments' })
        .option('out', { type: 'string', demandOption: true, describe: 'the folder to write EXERCISE.yaml, EXERCISE.py and EXERCISE.key.json into' }),
    async (argv) => {
      await (await import('../src/libraries.js')).loadAllLibraries();
      const { exercisesCommand } = await import('./exercises.js');
      process.exitCode = await exercisesCommand(argv);
    },
  )
  .demandCommand(1, 'Name a command: dzdx run FILE, dzdx check FILE, dzdx diff EXPR, dzdx graph FILE, dzdx serve, dzdx props, dzdx grade EXERCISE, dzdx exercises')
  .strict()
  .version(VERSION)
  .help()
  .fail((msg, err) => {
    // A usage error from yargs (msg), or one raised while checking arguments (err): never a stack trace.
    process.stderr.write(`dzdx: ${msg ?? err?.message ?? 'usage error'}\nRun dzdx --help for usage.\n`);
    process.exit(2);
  })
  .parseAsync();
