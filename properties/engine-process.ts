/**
 * An engine in a child process, in any language: `dzdx props --engine-cmd
 * "python3 my_adapter.py"`. The child reads one JSON request per line on
 * its standard input and writes one JSON answer per line on its standard
 * output (docs/engine-protocol.md; clients/python/dzdx_adapter.py is the
 * client for Python).
 *
 * The child is untrusted in the sense that it may crash, hang or answer
 * nonsense: every request has a time limit, every line a size limit, every
 * answer is checked against what the request asks for, and any of these
 * ends the engine with an `EngineFailure` that says what happened, with
 * the last lines the child wrote to stderr.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { CAPABILITY_NAMES, EngineFailure, type AutogradEngine, type BackwardOptions, type Capability, type EngineDType, type EngineErrorKind, type MutationOp } from './engine-api.js';

export const PROTOCOL_VERSION = 1;

export interface EngineProcessOptions {
  /** Time limit of each request, in ms (default 10 s). */
  timeoutMs?: number;
  /** Time limit of the start-up (the `hello` answer), in ms (default 30 s: imports can be slow). */
  startTimeoutMs?: number;
  /** Longest line either way, in bytes (default 1 MiB). */
  maxMessageBytes?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** A tensor in the child: its handle (an object, so that it never passes for a Python number). */
export class Handle {
  constructor(readonly t: number) {}
}

export interface ProcessEngine extends AutogradEngine<Handle> {
  readonly command: string;
  /** Whether it failed (crashed, hung, broke the protocol) and cannot answer any more. */
  readonly failed: boolean;
  /** Ends the child (EOF on its stdin, then a kill if it lingers). */
  close(): Promise<void>;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Answer = { ok: true; result: Record<string, Json> } | { ok: false; error: { kind?: Json; type?: Json; message?: Json } };

const STDERR_KEEP = 4000;

/** An error the engine reported for a request (not a failure of the engine itself). */
class ReportedError extends Error {
  constructor(
    message: string,
    readonly kind: EngineErrorKind | undefined,
  ) {
    super(message); // the child's own error type leads the message
  }
}

/** NaN and infinities travel as the strings "NaN", "Infinity", "-Infinity" (JSON has no such numbers). */
const decodeNumber = (v: Json): number | null => {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return null;
};
const encodeNumber = (v: number): Json => (Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');

/** Start the child, exchange `hello`, and return the engine it declares. */
export async function startEngineProcess(command: string, options: EngineProcessOptions = {}): Promise<ProcessEngine> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxMessageBytes ?? 1 << 20;
  // detached: the child leads its own process group, so a kill reaches whatever it started too.
  const child: ChildProcessWithoutNullStreams = spawn(command, { shell: true, stdio: ['pipe', 'pipe', 'pipe'], detached: true, cwd: options.cwd, env: options.env ?? process.env });
  let stderr = '';
  let buffer = '';
  let dead: EngineFailure | null = null;
  let exited = false;
  let nextId = 1;
  let pending: { id: number; cmd: string; resolve: (a: Answer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;

  const stderrTail = () => {
    const lines = stderr.trimEnd().split('\n').slice(-12).join('\n  ');
    return lines ? `\nits last lines on stderr:\n  ${lines}` : ' (it wrote nothing on stderr)';
  };
  const kill = () => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  };
  const fail = (message: string) => {
    if (!dead) dead = new EngineFailure(`the engine process \`${command}\` ${message}`);
    kill();
    if (pending) {
      clearTimeout(pending.timer);
      const p = pending;
      pending = null;
      p.reject(dead);
    }
  };

  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    if (dead) return;
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      if (line.trim() === '') continue;
      onLine(line);
      if (dead) return;
    }
    if (Buffer.byteLength(buffer) > maxBytes) fail(`wrote a line of more than ${maxBytes} bytes on stdout (the protocol's limit)${stderrTail()}`);
  });
  child.stdin.on('error', () => {}); // EPIPE when the child is gone: its exit says why
  child.on('error', (e) => fail(`could not be started: ${e.message}`));
  child.on('exit', (code, signal) => {
    exited = true;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    // Its last lines may still be in the pipes: read them first.
    setTimeout(() => fail(pending ? `${how} while answering \`${pending.cmd}\`${stderrTail()}` : `${how}${stderrTail()}`), 50);
  });

  function onLine(line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      return fail(`wrote a line that is not JSON on stdout: ${JSON.stringify(line.slice(0, 200))} (stdout is for protocol answers only; print to stderr)${stderrTail()}`);
    }
    const m = msg as { id?: unknown; ok?: unknown; result?: unknown; error?: unknown };
    if (!pending) return fail(`wrote an answer nobody asked for: ${line.slice(0, 200)}`);
    if (typeof m !== 'object' || m === null || m.id !== pending.id) return fail(`answered request ${pending.id} (\`${pending.cmd}\`) with ${line.slice(0, 200)}: expected {"id": ${pending.id}, "ok": …}`);
    if (m.ok === true && typeof m.result === 'object' && m.result !== null && !Array.isArray(m.result)) {
      settle({ ok: true, result: m.result as Record<string, Json> });
    } else if (m.ok === false && typeof m.error === 'object' && m.error !== null) {
      settle({ ok: false, error: m.error as Answer extends { ok: false; error: infer E } ? E : never });
    } else {
      fail(`answered \`${pending.cmd}\` with ${line.slice(0, 200)}: expected "ok": true with a "result" object, or "ok": false with an "error" object`);
    }
  }
  function settle(a: Answer): void {
    const p = pending!;
    pending = null;
    clearTimeout(p.timer);
    p.resolve(a);
  }

  function request(cmd: string, args: Record<string, Json>, limit = timeoutMs): Promise<Record<string, Json>> {
    if (dead) return Promise.reject(dead);
    fresh = null;
    const id = nextId++;
    const line = JSON.stringify({ id, cmd, ...args }) + '\n';
    if (Buffer.byteLength(line) > maxBytes) return Promise.reject(new EngineFailure(`a \`${cmd}\` request would be longer than ${maxBytes} bytes`));
    return new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(() => fail(`did not answer \`${cmd}\` within ${(limit / 1000).toFixed(1)} s (the time limit; --engine-timeout)${stderrTail()}`), limit);
      pending = { id, cmd, resolve, reject, timer };
      child.stdin.write(line);
    }).then((a) => {
      if (a.ok) return a.result;
      const kind = a.error.kind === 'version' || a.error.kind === 'freed' || a.error.kind === 'noGrad' ? a.error.kind : undefined;
      const type = typeof a.error.type === 'string' ? `${a.error.type}: ` : '';
      throw new ReportedError(`${type}${typeof a.error.message === 'string' ? a.error.message : JSON.stringify(a.error)}`, kind);
    });
  }

  const bad = (cmd: string, result: unknown, wanted: string): never => {
    fail(`answered \`${cmd}\` with the result ${JSON.stringify(result).slice(0, 200)}: expected ${wanted}`);
    throw dead!;
  };
  // A new tensor's answer may carry its values and requires_grad (saving two round trips): kept
  // for that tensor until the next request, which may change them.
  let fresh: { t: number; values?: number[]; requiresGrad?: boolean } | null = null;
  const handle = async (cmd: string, args: Record<string, Json>): Promise<Handle> => {
    const r = await request(cmd, args);
    if (!Number.isInteger(r.t)) bad(cmd, r, '{"t": <an integer handle>}');
    if (r.requires_grad !== undefined && typeof r.requires_grad !== 'boolean') bad(cmd, r, '"requires_grad": true or false');
    fresh = { t: r.t as number, ...(r.values !== undefined ? { values: numbers(cmd, r, false)! } : {}), ...(r.requires_grad !== undefined ? { requiresGrad: r.requires_grad as boolean } : {}) };
    return new Handle(r.t as number);
  };
  const numbers = (cmd: string, r: Record<string, Json>, nullable: boolean): number[] | null => {
    if (r.values === null && nullable) return null;
    const values = Array.isArray(r.values) ? r.values.map(decodeNumber) : null;
    if (!values || values.some((v) => v === null)) bad(cmd, r, `{"values": [numbers…]${nullable ? ' or null' : ''}} (NaN and infinities as "NaN", "Infinity", "-Infinity")`);
    return values as number[];
  };

  // hello: who the engine is.
  const hello = await request('hello', { protocol: PROTOCOL_VERSION }, options.startTimeoutMs ?? 30_000);
  const strings = (v: Json | undefined) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (typeof hello.name !== 'string' || !strings(hello.ops) || (hello.capabilities !== undefined && !strings(hello.capabilities)) || (hello.dtypes !== undefined && !strings(hello.dtypes))) {
    bad('hello', hello, '{"name": "...", "ops": [...], "capabilities": [...], "dtypes": [...]}');
  }
  if (hello.protocol !== PROTOCOL_VERSION) bad('hello', hello, `"protocol": ${PROTOCOL_VERSION}`);
  const capabilities = (hello.capabilities ?? []) as string[];
  const unknown = capabilities.filter((c) => !(CAPABILITY_NAMES as string[]).includes(c));
  if (unknown.length) bad('hello', hello, `capabilities among ${CAPABILITY_NAMES.join(', ')} (not ${unknown.join(', ')})`);

  if (hello.methods !== undefined && !strings(hello.methods)) bad('hello', hello, '"methods": [the optional commands it answers]');
  if (hello.max_rank !== undefined && !(Number.isInteger(hello.max_rank) && (hello.max_rank as number) >= 0)) bad('hello', hello, '"max_rank": 0, 1 or 2');

  const optional = {
    values: async ({ t }: Handle) => (fresh?.t === t && fresh.values ? fresh.values : numbers('values', await request('values', { t }), false)!),
    zero_grad: async ({ t }: Handle) => void (await request('zero_grad', { t })),
    clear_grad: async ({ t }: Handle) => void (await request('clear_grad', { t })),
    requires_grad: async ({ t }: Handle) => {
      if (fresh?.t === t && fresh.requiresGrad !== undefined) return fresh.requiresGrad;
      const r = await request('requires_grad', { t });
      if (typeof r.requires_grad !== 'boolean') bad('requires_grad', r, '{"requires_grad": true or false}');
      return r.requires_grad as boolean;
    },
    set_grad_enabled: async (enabled: boolean) => void (await request('set_grad_enabled', { enabled })),
    detach: ({ t }: Handle) => handle('detach', { t }),
    data: ({ t }: Handle) => handle('data', { t }),
    mutate_data: async ({ t }: Handle, op: MutationOp, value: number) => void (await request('mutate_data', { t, op, value: encodeNumber(value) })),
    in_place: async ({ t }: Handle, op: MutationOp, value: number) => void (await request('in_place', { t, op, value: encodeNumber(value) })),
    grad_tensor: async ({ t }: Handle) => {
      const r = await request('grad_tensor', { t });
      if (r.t !== null && !Number.isInteger(r.t)) bad('grad_tensor', r, '{"t": <an integer handle> or null}');
      return r.t === null ? null : new Handle(r.t as number);
    },
  };
  // The optional commands the child answers become the engine's optional methods.
  const methods = new Set((hello.methods ?? []) as string[]);
  const has = <K extends keyof typeof optional>(k: K) => (methods.has(k) ? optional[k] : undefined);

  const engine: ProcessEngine = {
    command,
    get failed() {
      return dead !== null;
    },
    name: hello.name as string,
    ops: hello.ops as string[],
    capabilities: capabilities as Capability[],
    ...(hello.dtypes ? { dtypes: hello.dtypes as EngineDType[] } : {}),
    ...(hello.max_rank !== undefined ? { maxRank: hello.max_rank as number } : {}),
    values: has('values'),
    zeroGrad: has('zero_grad'),
    clearGrad: has('clear_grad'),
    requiresGrad: has('requires_grad'),
    setGradEnabled: has('set_grad_enabled'),
    detach: has('detach'),
    data: has('data'),
    mutateData: has('mutate_data'),
    inPlace: has('in_place'),
    gradTensor: has('grad_tensor'),
    reset: async () => void (await request('reset', {})),
    leaf: (values, shape, dtype, requiresGrad) => handle('leaf', { values: values.map(encodeNumber), shape, dtype, requires_grad: requiresGrad }),
    op: (name, inputs, attrs = {}) => handle('op', { op: name, inputs: inputs.map((x) => (x instanceof Handle ? { t: x.t } : encodeNumber(x))), attrs }),
    backward: async (root, gradient, o: BackwardOptions = {}) =>
      void (await request('backward', { t: root.t, gradient: gradient ? gradient.map(encodeNumber) : null, retain_graph: o.retainGraph ?? false, create_graph: o.createGraph ?? false })),
    grad: async (leaf) => numbers('grad', await request('grad', { t: leaf.t }), true),
    close: async () => {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin.end();
      const timer = setTimeout(kill, 2000);
      await gone;
      clearTimeout(timer);
    },
  };
  return engine;
}
