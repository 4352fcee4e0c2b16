/**
 * The command line: commands with positionals and options, `--help`,
 * `--version` and usage errors, on Node's own `util.parseArgs`. It takes
 * the part of yargs's API that cli/main.ts uses (command, positional,
 * option, demandCommand, strict, version, help, fail), because loading and
 * running yargs cost about 60 ms at every start of `dzdx`, a third of
 * `dzdx run`'s time. As with yargs, a repeated option arrives as an array
 * (handlers that care check with Array.isArray), a lone `-` is a
 * positional, and what follows `--` is left in `argv._`.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type OptionType = 'string' | 'number' | 'boolean';

export interface OptionSpec {
  type?: OptionType;
  /** A one-letter short form (`-e`). */
  alias?: string;
  default?: string | number | boolean;
  describe?: string;
  choices?: readonly string[];
  demandOption?: boolean;
  /** A positional that takes every remaining word (`[answers..]`): a list. */
  array?: boolean;
}

type ValueOf<O extends OptionSpec> = O extends { choices: readonly (infer C)[] }
  ? C
  : O extends { type: 'number' }
    ? number
    : O extends { type: 'boolean' }
      ? boolean
      : string;

/** Present for sure when it has a default or is demanded; possibly undefined otherwise. */
type Resolved<O extends OptionSpec> = O extends { array: true } ? ValueOf<O>[] | undefined : O extends { default: string | number | boolean } | { demandOption: true } ? ValueOf<O> : ValueOf<O> | undefined;

export interface Argv {
  /** The command's name, then positionals given after `--`. */
  _: (string | number)[];
  $0: string;
}

export interface Builder<T> {
  positional<K extends string, O extends OptionSpec>(name: K, spec: O): Builder<T & { [P in K]: Resolved<O> }>;
  option<K extends string, O extends OptionSpec>(name: K, spec: O): Builder<T & { [P in K]: Resolved<O> }>;
}

interface Declared {
  name: string;
  spec: OptionSpec;
}

interface Command {
  name: string;
  usage: string;
  describe: string;
  positionals: (Declared & { required: boolean })[];
  options: Declared[];
  handler: (argv: Record<string, unknown> & Argv) => void | Promise<void>;
}

class UsageError extends Error {}

const HELP: Declared = { name: 'help', spec: { type: 'boolean', describe: 'Show help' } };
const VERSION: Declared = { name: 'version', spec: { type: 'boolean', describe: 'Show version number' } };

export class CommandLine {
  private name = '';
  private usageLine = '';
  private readonly commands: Command[] = [];
  private demand = 'Name a command';
  private versionText = '';
  private onFail: (message: string | null, error: Error | undefined) => void = (message) => {
    process.stderr.write(`${message}\n`);
    process.exit(2);
  };

  constructor(private readonly args: readonly string[]) {}

  scriptName(name: string): this {
    this.name = name;
    return this;
  }

  usage(line: string): this {
    this.usageLine = line;
    return this;
  }

  /** `spec` is `name <required> [optional]`; the builder declares positionals and options. */
  command<T>(spec: string, describe: string, build: (b: Builder<object>) => Builder<T>, handler: (argv: T & Argv) => void | Promise<void>): this;
  command(spec: string, describe: string, build: ((b: Builder<object>) => unknown) | null, handler: (argv: never) => void | Promise<void>): this {
    const [name, ...words] = spec.split(' ');
    const command: Command = { name: name!, usage: spec, describe, positionals: [], options: [], handler: handler as Command['handler'] };
    const builder: Builder<object> = {
      positional: (n, s) => {
        command.positionals.push({ name: n, spec: s, required: words.includes(`<${n}>`) });
        return builder as never;
      },
      option: (n, s) => {
        command.options.push({ name: n, spec: s });
        return builder as never;
      },
    };
    build?.(builder);
    this.commands.push(command);
    return this;
  }

  demandCommand(_min: number, message: string): this {
    this.demand = message;
    return this;
  }

  /** Unknown options and extra positionals are errors (always so here). */
  strict(): this {
    return this;
  }

  version(text: string): this {
    this.versionText = text;
    return this;
  }

  /** `--help` is always there. */
  help(): this {
    return this;
  }

  fail(onFail: (message: string | null, error: Error | undefined) => void): this {
    this.onFail = onFail;
    return this;
  }

  async parseAsync(): Promise<void> {
    const beforeTerminator = this.args.slice(0, this.args.includes('--') ? this.args.indexOf('--') : undefined);
    const command = this.commands.find((c) => c.name === this.args[0]);
    if (beforeTerminator.includes('--version')) return void process.stdout.write(`${this.versionText}\n`);
    if (beforeTerminator.includes('--help')) return void process.stdout.write(this.helpText(command));
    let argv: Record<string, unknown> & Argv;
    try {
      if (this.args[0] === undefined) throw new UsageError(this.demand);
      if (!command) throw new UsageError(`Unknown argument: ${this.args[0]}`);
      argv = this.parseCommand(command, this.args.slice(1));
    } catch (e) {
      if (e instanceof UsageError) return this.onFail(e.message, undefined);
      throw e;
    }
    try {
      await command.handler(argv);
    } catch (e) {
      this.onFail(null, e instanceof Error ? e : new Error(String(e)));
    }
  }

  private parseCommand(command: Command, args: readonly string[]): Record<string, unknown> & Argv {
    const declared = [...command.options, HELP, VERSION];
    const options: NonNullable<ParseArgsConfig['options']> = {};
    for (const { name, spec } of declared) {
      options[name] = { type: spec.type === 'boolean' ? 'boolean' : 'string', multiple: true, ...(spec.alias ? { short: spec.alias } : {}) };
    }
    // An option's value as `--name=value`: `-e=-x^2` (parseArgs would read `=-x^2`), and a value that
    // starts with `-` after an option that takes one (`-e -x^2`, which parseArgs calls ambiguous).
    const named = (arg: string) => declared.find((d) => arg === `--${d.name}` || (d.spec.alias !== undefined && arg === `-${d.spec.alias}`));
    const normalized: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (arg === '--') {
        normalized.push(...args.slice(i));
        break;
      }
      const short = /^-([A-Za-z])=/.exec(arg) && declared.find((d) => d.spec.alias === arg[1]);
      const option = named(arg);
      const next = args[i + 1];
      if (short) normalized.push(`--${short.name}${arg.slice(2)}`);
      else if (option && option.spec.type !== 'boolean' && next !== undefined && next.startsWith('-') && next !== '--' && !named(next)) {
        normalized.push(`--${option.name}=${next}`);
        i++;
      } else normalized.push(arg);
    }
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: normalized, options, allowPositionals: true, strict: true, tokens: true });
    } catch (e) {
      const message = (e as Error).message;
      const unknown = /^Unknown option '([^']+)'/.exec(message);
      throw new UsageError(unknown ? `Unknown argument: ${unknown[1]}` : message.split('\n').join(' '));
    }
    const terminator = parsed.tokens!.findIndex((t) => t.kind === 'option-terminator');
    const positionals = parsed.tokens!.filter((t, i) => t.kind === 'positional' && (terminator < 0 || i < terminator)).map((t) => (t as { value: string }).value);
    const afterTerminator = terminator < 0 ? [] : parsed.tokens!.slice(terminator + 1).map((t) => (t as { value: string }).value);
    const argv: Record<string, unknown> & Argv = { _: [command.name, ...afterTerminator], $0: this.name };
    command.positionals.forEach((p, i) => {
      const value = positionals[i];
      if (value === undefined && p.required) throw new UsageError(`Not enough non-option arguments: got ${positionals.length}, need at least ${i + 1}`);
      if (p.spec.array) argv[p.name] = positionals.slice(i);
      else if (value !== undefined) argv[p.name] = value;
    });
    const variadic = command.positionals.some((p) => p.spec.array);
    if (!variadic && positionals.length > command.positionals.length) throw new UsageError(`Unknown argument: ${positionals[command.positionals.length]}`);
    for (const { name, spec } of command.options) {
      const given = parsed.values[name] as (string | boolean)[] | undefined;
      if (given === undefined) {
        if (spec.demandOption) throw new UsageError(`Missing required argument: ${name}`);
        if (spec.default !== undefined) argv[name] = spec.default;
        continue;
      }
      const values = given.map((v) => typedValue(name, spec, v));
      argv[name] = values.length === 1 ? values[0] : values;
    }
    return argv;
  }

  private helpText(command: Command | undefined): string {
    const table = (rows: [string, string][]) => {
      const width = Math.max(...rows.map(([left]) => left.length));
      return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd()).join('\n');
    };
    const describeOption = ({ spec }: Declared, required = false) =>
      [
        spec.describe ?? '',
        `[${spec.type ?? 'string'}]`,
        spec.choices ? `[choices: ${spec.choices.map((c) => JSON.stringify(c)).join(', ')}]` : '',
        spec.default !== undefined ? `[default: ${JSON.stringify(spec.default)}]` : '',
        required || spec.demandOption ? '[required]' : '',
      ]
        .filter(Boolean)
        .join('  ');
    const optionRows = (options: Declared[]) =>
      table(options.map((o) => [`${o.spec.alias ? `-${o.spec.alias}, ` : ''}--${o.name}`, describeOption(o)]));
    if (!command) {
      return [
        this.usageLine.replace('$0', this.name),
        '',
        'Commands:',
        table(this.commands.map((c) => [`${this.name} ${c.usage}`, c.describe])),
        '',
        'Options:',
        optionRows([VERSION, HELP]),
        '',
      ].join('\n');
    }
    const parts = [`${this.name} ${command.usage}`, '', command.describe, ''];
    if (command.positionals.length) parts.push('Positionals:', table(command.positionals.map((p) => [p.name, describeOption(p, p.required)])), '');
    parts.push('Options:', optionRows([VERSION, HELP, ...command.options]), '');
    return parts.join('\n');
  }
}

function typedValue(name: string, spec: OptionSpec, value: string | boolean): string | number | boolean {
  if (spec.type === 'boolean' || typeof value === 'boolean') return value;
  if (spec.choices && !spec.choices.includes(value)) {
    throw new UsageError(`--${name} takes one of ${spec.choices.map((c) => JSON.stringify(c)).join(', ')}, not ${JSON.stringify(value)}`);
  }
  if (spec.type !== 'number') return value;
  const number = Number(value);
  if (value.trim() === '' || Number.isNaN(number)) throw new UsageError(`--${name} takes a number, not ${JSON.stringify(value)}`);
  return number;
}

export function commandLine(args: readonly string[]): CommandLine {
  return new CommandLine(args);
}
