/**
 * The command line (cli/args.ts, on node:util's parseArgs): positionals,
 * typed options with defaults, aliases and choices, repeated options as
 * arrays, values that start with `-`, `--`, help, version and usage errors.
 */
import { describe, expect, it, vi } from 'vitest';
import { commandLine } from '../cli/args.js';

/** Parses `args` against a small command set; what the handler got, or the usage error. */
async function parse(args: string[]) {
  const got: { argv?: Record<string, unknown>; error?: string; out: string } = { out: '' };
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((t: string | Uint8Array) => ((got.out += String(t)), true));
  try {
    await commandLine(args)
      .scriptName('dzdx')
      .usage('$0 <command> [options]')
      .command(
        'check [file]',
        'Check a script',
        (y) =>
          y
            .positional('file', { type: 'string', describe: 'the script' })
            .option('expr', { alias: 'e', type: 'string', describe: 'an expression' })
            .option('at', { type: 'string' })
            .option('dtype', { choices: ['float32', 'float64'] as const })
            .option('rtol', { type: 'number' })
            .option('json', { type: 'boolean', default: false }),
        (argv) => {
          got.argv = argv;
        },
      )
      .command('run <file>', 'Run a script', (y) => y.positional('file', { type: 'string', demandOption: true }).option('time-limit', { type: 'number', default: 10 }), (argv) => {
        got.argv = argv;
      })
      .demandCommand(1, 'Name a command')
      .strict()
      .version('1.2.3')
      .help()
      .fail((msg, err) => {
        got.error = msg ?? `handler: ${err?.message}`;
      })
      .parseAsync();
  } finally {
    write.mockRestore();
  }
  return got;
}

describe('the command line', () => {
  it('positionals, typed options, defaults and aliases', async () => {
    expect((await parse(['run', 'a.py'])).argv).toMatchObject({ _: ['run'], file: 'a.py', 'time-limit': 10 });
    expect((await parse(['run', '-', '--time-limit', '0.5'])).argv).toMatchObject({ file: '-', 'time-limit': 0.5 });
    expect((await parse(['check', '-e', 'x^2', '--at', 'x=1', '--json', '--rtol', '1e-3'])).argv).toMatchObject({ expr: 'x^2', at: 'x=1', json: true, rtol: 0.001 });
    expect((await parse(['check', 'f.py'])).argv).toEqual({ _: ['check'], $0: 'dzdx', file: 'f.py', json: false });
  });

  it('a repeated option is an array (the handler decides), a value may start with -, and what follows -- is left in _', async () => {
    expect((await parse(['check', '-e', 'x', '--at', 'x=1', '--at', 'x=2'])).argv).toMatchObject({ at: ['x=1', 'x=2'] });
    expect((await parse(['check', '-e=-x^2', '--at', 'x=3'])).argv).toMatchObject({ expr: '-x^2' });
    expect((await parse(['check', '-e', '-x^2', '--at', 'x=-1'])).argv).toMatchObject({ expr: '-x^2', at: 'x=-1' });
    expect((await parse(['check', '--', '-x^2'])).argv).toMatchObject({ _: ['check', '-x^2'] });
    expect((await parse(['check', '--', '-x^2'])).argv).not.toHaveProperty('file');
  });

  it('usage errors: one line each, through fail()', async () => {
    expect((await parse([])).error).toBe('Name a command');
    expect((await parse(['bogus'])).error).toBe('Unknown argument: bogus');
    expect((await parse(['run'])).error).toBe('Not enough non-option arguments: got 0, need at least 1');
    expect((await parse(['run', 'a.py', 'b.py'])).error).toBe('Unknown argument: b.py');
    expect((await parse(['run', 'a.py', '--foo'])).error).toBe('Unknown argument: --foo');
    expect((await parse(['run', 'a.py', '--time-limit', 'soon'])).error).toBe('--time-limit takes a number, not "soon"');
    expect((await parse(['check', '--dtype', 'float16'])).error).toBe('--dtype takes one of "float32", "float64", not "float16"');
    for (const args of [[], ['bogus'], ['check', '--at']]) expect((await parse(args)).error).not.toContain('\n');
  });

  it('--help and --version print and run nothing', async () => {
    const help = await parse(['--help']);
    expect(help.argv).toBeUndefined();
    expect(help.out).toMatch(/^dzdx <command> \[options\]\n\nCommands:\n {2}dzdx check \[file\] +Check a script\n {2}dzdx run <file> +Run a script\n/);
    const runHelp = await parse(['run', '--help']);
    expect(runHelp.out).toMatch(/^dzdx run <file>\n\nRun a script\n\nPositionals:\n {2}file +\[string\] +\[required\]\n/);
    expect(runHelp.out).toMatch(/--time-limit +\[number\] +\[default: 10\]/);
    expect((await parse(['--version'])).out).toBe('1.2.3\n');
  });
});
