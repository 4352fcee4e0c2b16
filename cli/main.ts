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
    'check <file>',
    'Check every backward() and autograd.grad() of a script: the tape against symbolic derivatives and finite differences',
    (y) =>
      y
        .positional('file', { type: 'string', demandOption: true, describe: 'the script, or - for stdin' })
        .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
        .option('rtol', { type: 'number', describe: 'relative tolerance for float32 gradients (default 1e-4)' })
        .option('atol', { type: 'number', describe: 'absolute tolerance for float32 gradients, times the largest |value| (default 1e-5)' }),
    async (argv) => {
      const file = argv.file === '' ? '-' : argv.file;
      const source = readSource(file);
      const { check } = await import('../src/check/check.js');
      const { formatReport } = await import('../src/check/report.js');
      const float32 = { rtol: argv.rtol ?? 1e-4, atol: argv.atol ?? 1e-5 };
      const report = check(source, { fileName: file === '-' ? '<stdin>' : file, tolerances: { float32 } });
      if (report.exitCode === 2) {
        process.stderr.write(report.stderr);
        process.exitCode = 2;
        return;
      }
      process.stdout.write(argv.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
      process.exitCode = report.ok ? 0 : 1;
    },
  )
  .demandCommand(1, 'Name a command: dzdx run FILE, dzdx check FILE')
  .strict()
  .version(VERSION)
  .help()
  .fail((msg, err) => {
    if (err) throw err;
    process.stderr.write(`dzdx: ${msg}\nRun dzdx --help for usage.\n`);
    process.exit(2);
  })
  .parseAsync();
