#!/usr/bin/env node
/**
 * The `dzdx` command. Each command's handler is a module of its own,
 * loaded when the command runs, so `dzdx run` starts fast and never loads
 * the symbolic side (the CLI's bundle has a file per command: cli/bundle).
 */
import { readFileSync } from 'node:fs';
import { commandLine } from './args.js';

const VERSION = '0.1.0';

function readSource(file: string): string {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    process.stderr.write(`dzdx: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    process.exit(2);
  }
}

/** `--seed N` as torch.manual_seed takes it (undefined when absent, null when malformed). */
function parseSeed(text: string | string[] | undefined): bigint | undefined | null {
  if (text === undefined) return undefined;
  if (Array.isArray(text) || !/^-?\d+$/.test(text.trim())) return null;
  const seed = BigInt(text.trim());
  return seed < -(2n ** 63n) || seed >= 2n ** 64n ? null : seed;
}

/** A misused command (what the declared options alone cannot say). */
function usageError(message: string): void {
  process.stderr.write(`dzdx: ${message}\nRun dzdx --help for usage.\n`);
  process.exitCode = 2;
}

void commandLine(process.argv.slice(2))
  .scriptName('dzdx')
  .usage('$0 <command> [options]')
  .command(
    'run <file>',
    'Run a PyTorch script (the subset in docs/script-subset.md) and print what PyTorch prints',
    (y) =>
      y
        .positional('file', { type: 'string', demandOption: true, describe: 'the script, or - for stdin' })
        .option('time-limit', { type: 'number', default: 10, describe: 'seconds the script may run' })
        .option('max-ops', { type: 'number', default: 50_000, describe: 'tensor ops the script may run' })
        .option('seed', { type: 'string', describe: "seed of torch's random generator when the script sets none (default 67280421310721)" }),
    async (argv) => {
      const file = argv.file;
      const seed = parseSeed(argv.seed);
      if (seed === null) return usageError('--seed is a whole number from -2**63 to 2**64 - 1');
      const source = readSource(file);
      const { runCommand } = await import('./run.js');
      process.exitCode = await runCommand(argv, source, file === '-' ? '<stdin>' : file, seed);
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
        .option('full', { type: 'boolean', default: false, describe: 'print every formula whole (by default a formula with a line past 200 characters is summarised; --json always has it whole)' })
        .option('graph', { type: 'boolean', default: false, describe: 'attach the autograd graph of each call (an outline; with --json its nodes, edges and DOT)' })
        .option('rtol', { type: 'number', describe: 'relative tolerance for float32 gradients (default 1e-4; with -e and float64: 1e-9)' })
        .option('atol', { type: 'number', describe: 'absolute tolerance for float32 gradients, times the largest |value| (default 1e-5; with -e and float64: 1e-12)' })
        .option('seed', { type: 'string', describe: "seed of torch's random generator when the script sets none (default 67280421310721)" }),
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
        const { checkExpressionCommand } = await import('./expression.js');
        process.exitCode = checkExpressionCommand(argv, argv.expr, argv.at ?? '');
        return;
      }
      const file = argv.file ?? '-';
      const seed = parseSeed(argv.seed);
      if (seed === null) return usageError('--seed is a whole number from -2**63 to 2**64 - 1');
      const source = readSource(file);
      const { checkCommand } = await import('./check.js');
      process.exitCode = await checkCommand(argv, source, file === '-' ? '<stdin>' : file, seed);
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
      // After `--` (for an expression starting with -) it is left in argv._.
      const rest = argv._.slice(1).map(String);
      const expr = argv.expr ?? rest[0];
      if (expr === undefined) return usageError('name the expression: dzdx diff "x^2 + x^3" --wrt x');
      if (rest.length > (argv.expr === undefined ? 1 : 0)) return usageError('give one expression (quote it)');
      if ([argv.wrt, argv.at].some(Array.isArray)) return usageError('give --wrt and --at once each');
      const { diffCommand } = await import('./expression.js');
      process.exitCode = diffCommand(argv, expr);
    },
  )
  .command(
    'graph <file>',
    "Draw a script's autograd graph as PyTorch holds it at a backward() call (leaves, grad_fn nodes, saved values, cuts, .data mutations): DOT, SVG, text or JSON",
    (y) =>
      y
        .positional('file', { type: 'string', demandOption: true, describe: 'the script, or - for stdin' })
        .option('output', { alias: 'o', type: 'string', describe: 'write to this file: .svg (rendered), .dot, .txt (outline) or .json' })
        .option('at', { type: 'string', describe: 'LINE (in a notebook CELL:LINE): the backward()/autograd.grad() call on that line, else when that line begins; end: after the run (default: the first backward call, else the end)' })
        .option('format', { choices: ['dot', 'svg', 'text', 'json'] as const, describe: 'what to print without -o (default dot)' }),
    async (argv) => {
      if ([argv.output, argv.at].some(Array.isArray)) return usageError('give -o and --at once each');
      const file = argv.file;
      const source = readSource(file);
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
        .option('runs', { type: 'number', describe: "runs per property (default: each property's own, 100-400; with --stats, programs to count)" })
        .option('seed', { type: 'number', describe: 'fast-check seed (default 20261128: the same programs every time)' })
        .option('property', { type: 'string', describe: 'run only this property (dzdx props --list names them)' })
        .option('path', { type: 'string', describe: 'fast-check replay path of a failure (with --seed and --property)' })
        .option('engine', { type: 'string', describe: 'an adapter module (default export: AutogradEngine) to check instead of dzdx; see docs/properties.md' })
        .option('engine-cmd', { type: 'string', describe: 'a command that runs an engine adapter speaking the JSON-lines protocol (e.g. "python3 my_adapter.py"); see docs/engine-protocol.md' })
        .option('engine-timeout', { type: 'number', describe: 'seconds a --engine-cmd engine has to answer each request (default 10)' })
        .option('shard', { type: 'string', describe: 'K/N: run shard K of N (its own seed, 1/N of the runs), for a CI matrix' })
        .option('reporter', { choices: ['text', 'json', 'junit'] as const, describe: 'output: the table (default), JSON, or JUnit XML for CI dashboards' })
        .option('stats', { type: 'boolean', default: false, describe: "print what the generator produces (shapes, matmuls, reductions, ties, kinks…) instead of running; --runs programs (default 2000)" })
        .option('json', { type: 'boolean', default: false, describe: 'print the outcomes as JSON (= --reporter json)' })
        .option('list', { type: 'boolean', default: false, describe: 'list the properties and what they say' }),
    async (argv) => {
      const { propsCommand } = await import('./props.js');
      process.exitCode = await propsCommand(argv);
    },
  )
  .command(
    'grade <exercise> [answers..]',
    "Grade students' answers to an exercise file (YAML/JSON): one with --answer, a class from CSV / JSON Lines, notebooks, or a PrairieLearn data.json",
    (y) =>
      y
        .positional('exercise', { type: 'string', demandOption: true, describe: 'the exercise file (format: README, "dzdx grade")' })
        .positional('answers', { type: 'string', array: true, describe: 'answers: CSV with a header (student,question,answer), JSON Lines, Jupyter notebooks (.ipynb), or PrairieLearn\'s data.json' })
        .option('answer', { type: 'string', describe: 'grade this one answer instead' })
        .option('question', { type: 'string', describe: "the question's id (for --answer, when the exercise has several)" })
        .option('student', { type: 'string', describe: "the student's id: their values of the exercise's params; names a notebook's or a submission's student" })
        .option('answers-format', { choices: ['csv', 'jsonl', 'notebook', 'prairielearn'] as const, describe: 'the answers files\' format (default: by the file name)' })
        .option('format', { choices: ['csv', 'json', 'gradescope', 'prairielearn'] as const, describe: "results: CSV, JSON, Gradescope's autograder results.json or PrairieLearn's (default: by --out's extension, else CSV)" })
        .option('out', { type: 'string', describe: 'write the results here (whole or not at all; a journal beside it lets --resume go on after a kill) instead of stdout' })
        .option('resume', { type: 'boolean', default: false, describe: 'go on from where an interrupted run with the same --out stopped' })
        .option('workers', { type: 'number', describe: 'worker threads (default: one per core from 4000 answers on)' })
        .option('progress', { type: 'boolean', describe: 'show a progress bar (default: when stderr is a terminal)' })
        .option('json', { type: 'boolean', default: false, describe: 'with --answer: print the result as JSON' })
        .option('render', { choices: ['text', 'notebook'] as const, describe: "print the exercise as --student sees it (their values): as text, or a starter notebook to answer and hand in" }),
    async (argv) => {
      const { gradeCommand } = await import('./grade.js');
      process.exitCode = await gradeCommand({ ...argv, answersFormat: argv['answers-format'] }, readSource);
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
      const { exercisesCommand } = await import('./exercises.js');
      process.exitCode = await exercisesCommand(argv);
    },
  )
  .demandCommand(1, 'Name a command: dzdx run FILE, dzdx check FILE, dzdx diff EXPR, dzdx graph FILE, dzdx serve, dzdx props, dzdx grade EXERCISE, dzdx exercises')
  .strict()
  .version(VERSION)
  .help()
  .fail((msg, err) => {
    // A usage error (msg), or an error a handler did not expect (err): one line, never a stack trace.
    process.stderr.write(`dzdx: ${msg ?? err?.message ?? 'usage error'}\nRun dzdx --help for usage.\n`);
    process.exit(2);
  })
  .parseAsync();
