/**
 * Engines in a child process, with the machine's python3 (no PyTorch):
 * the Python adapter client (clients/python/dzdx_adapter.py) and the
 * example engine (examples/python) pass every property; an adapter that
 * crashes, hangs, lies or talks too much gets a clear error within the
 * time limit. Skipped with a message where there is no python3, failing in
 * CI.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { propsCommand } from '../cli/props.js';
import { ENGINE_PROPERTIES, EngineFailure, runEngineProperty } from '../properties/engine.js';
import { startEngineProcess, type ProcessEngine } from '../properties/engine-process.js';
import { formatFailure } from '../properties/suite.js';
import { PYTHON, pythonEngineCommand } from './helpers/python.js';

const SEED = 20261128;
const CLIENT = resolve('clients/python');
const dir = mkdtempSync(join(tmpdir(), 'dzdx-engines-'));

/** A Python adapter file in the temp dir: the client imported, `body` defining `Adapter`, served. */
function adapterFile(name: string, body: string): string {
  const file = join(dir, `${name}.py`);
  writeFileSync(file, `import sys, os, time\nsys.path.insert(0, ${JSON.stringify(CLIENT)})\nfrom dzdx_adapter import serve, EngineError\n${body}\nserve(Adapter())\n`);
  return file;
}

/** A minimal adapter: elementwise add and sum over doubles in lists; `extra` adds or overrides methods. */
const TINY = `
class T:
    def __init__(self, values, shape, parents=()):
        self.values, self.shape, self.parents, self.grad = values, shape, parents, None

class Adapter:
    name = "tiny"
    ops = ["add", "sum"]
    dtypes = ["float64"]
    capabilities = []
    calls = 0
    def leaf(self, values, shape, dtype, requires_grad):
        return T(list(values), shape)
    def op(self, name, inputs, attrs):
        Adapter.calls += 1
        self.hook(name)
        a, b = (inputs + [None])[:2]
        if not isinstance(a, T):
            a, b = b, a
        if name == "sum":
            return T([sum(a.values)], [], [(a, "sum")])
        bv = b.values if isinstance(b, T) else [b] * len(a.values)
        return T([x + y for x, y in zip(a.values, bv)], a.shape, [(a, "id"), (b, "id")])
    def hook(self, name):
        pass
    def backward(self, root, gradient, retain_graph, create_graph):
        def walk(t, g):
            if not t.parents:
                t.grad = g if t.grad is None else [x + y for x, y in zip(t.grad, g)]
            for p, how in t.parents:
                if isinstance(p, T):
                    walk(p, [g[0]] * len(p.values) if how == "sum" else g)
        walk(root, gradient or [1.0])
    def grad(self, leaf):
        return leaf.grad
`;

const engines: ProcessEngine[] = [];
async function start(file: string, options: Parameters<typeof startEngineProcess>[1] = {}): Promise<ProcessEngine> {
  const e = await startEngineProcess(`${JSON.stringify(PYTHON.python!)} ${JSON.stringify(file)}`, options);
  engines.push(e);
  return e;
}
afterAll(async () => {
  for (const e of engines) await e.close();
});

/** How start-up fails, as text. */
async function startError(file: string, options: Parameters<typeof startEngineProcess>[1] = {}): Promise<string> {
  try {
    await start(file, options);
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

if (!PYTHON.python) {
  if (process.env.CI) test('has a python3 to test the Python adapter client with', () => expect.fail(PYTHON.why));
  else {
    console.warn(`\n*** ${PYTHON.why} ***\n`);
    test.skip(PYTHON.why, () => {});
  }
} else {
  describe('the example Python engine through the client', () => {
    test('passes every property (all capabilities declared)', async () => {
      const engine = await startEngineProcess(pythonEngineCommand(PYTHON.python!));
      engines.push(engine);
      expect(engine.name).toBe('tensor_engine.py');
      expect(engine.capabilities).toContain('createGraph');
      for (const def of ENGINE_PROPERTIES) {
        const o = await runEngineProperty(def, engine, { seed: SEED, runs: 25 });
        expect(o.notChecked, def.name).toBeUndefined();
        if (!o.passed) throw new Error(formatFailure(o));
      }
    }, 240_000);

    test('dzdx props --engine-cmd: the table, then JUnit XML with a failure and what was not checked', async () => {
      const out: string[] = [];
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((t: string | Uint8Array) => (out.push(String(t)), true));
      const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const tiny = adapterFile('tiny_props', TINY);
      try {
        expect(await propsCommand({ engineCmd: pythonEngineCommand(PYTHON.python!), property: 'engineCuts', runs: 10, seed: 1 })).toBe(0);
        expect(out.join('')).toMatch(/engineCuts\s+10\s+passed/);
        out.length = 0;
        process.env.TENSOR_ENGINE_BUG = 'ties';
        try {
          expect(await propsCommand({ engineCmd: pythonEngineCommand(PYTHON.python!), property: 'engineGradientsEqualExpected', seed: 1, reporter: 'junit' })).toBe(1);
        } finally {
          delete process.env.TENSOR_ENGINE_BUG;
        }
        const xml = out.join('');
        expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="dzdx props" tests="1" failures="1" errors="0" skipped="0"/);
        expect(xml).toContain('<failure message="engine tensor_engine.py (bug: ties): after `');
        expect(xml).toContain('--engine-cmd');
        out.length = 0;
        expect(await propsCommand({ engineCmd: `${JSON.stringify(PYTHON.python!)} ${JSON.stringify(tiny)}`, runs: 5, seed: 1, reporter: 'junit' })).toBe(0);
        expect(out.join('')).toContain('<skipped message="not checked: the engine does not declare createGraph"/>');
        expect(out.join('')).toMatch(/tests="9" failures="0" errors="0" skipped="7"/);
      } finally {
        spy.mockRestore();
        err.mockRestore();
      }
    }, 120_000);
  });

  describe('the client', () => {
    test("an adapter's prints go to stderr; NaN and infinities travel as strings", async () => {
      const file = adapterFile(
        'chatty',
        `${TINY}
def hook(self, name):
    print("debug: op", name)
Adapter.hook = hook
Adapter.values = lambda self, t: [float("nan"), float("inf"), -float("inf")] if t.values[0] == 9 else t.values
`,
      );
      const e = await start(file);
      await e.reset!();
      const x = await e.leaf([1, 2], [2], 'float64', true);
      const y = await e.op('add', [x, 1]);
      expect(await e.values!(y)).toEqual([2, 3]);
      expect(await e.values!(await e.leaf([9, 0, 0], [3], 'float64', false))).toEqual([NaN, Infinity, -Infinity]);
      await e.backward(await e.op('sum', [y], { dim: -1 }));
      expect(await e.grad(x)).toEqual([1, 1]);
    });
    test("an engine's own errors are answers, with their kind; the engine goes on", async () => {
      const file = adapterFile(
        'raises',
        `${TINY}
def hook(self, name):
    if name == "sum":
        raise EngineError("version", "one of the variables needed for gradient computation has been modified by an inplace operation")
    if name == "add" and Adapter.calls > 5:
        raise ZeroDivisionError("float division by zero")
Adapter.hook = hook
`,
      );
      const e = await start(file);
      const x = await e.leaf([1], [1], 'float64', true);
      await expect(e.op('sum', [x], { dim: -1 })).rejects.toMatchObject({ kind: 'version', message: /^EngineError: one of the variables/ });
      for (let i = 0; i < 5; i++) await e.op('add', [x, 1]).catch(() => {});
      await expect(e.op('add', [x, 1])).rejects.toThrow('ZeroDivisionError: float division by zero');
      expect(e.failed).toBe(false);
      expect(await e.grad(x)).toBeNull();
    });
    test('a capability declared without its methods is refused at start-up, by name', async () => {
      const file = adapterFile('undeclared', `${TINY}\nAdapter.capabilities = ["inPlace"]\n`);
      expect(await startError(file)).toBe('ProtocolError: the adapter declares inPlace but has no in_place()');
      const unknown = adapterFile('unknown_capability', `${TINY}\nAdapter.capabilities = ["teleport"]\n`);
      expect(await startError(unknown)).toMatch(/^ProtocolError: unknown capability 'teleport'/);
    });
  });

  describe('a child that crashes, hangs or lies gets a clear error within the time limit', () => {
    const within = async <T,>(limitMs: number, f: () => Promise<T>): Promise<T> => {
      const t = Date.now();
      const r = await f();
      expect(Date.now() - t).toBeLessThan(limitMs);
      return r;
    };

    test('crashes mid-run: the property fails at once, naming the request and the last stderr lines', async () => {
      const file = adapterFile('crashes', `${TINY}\ndef hook(self, name):\n    if Adapter.calls > 12:\n        sys.stderr.write("about to crash\\n"); sys.stderr.flush(); os._exit(3)\nAdapter.hook = hook\n`);
      const e = await start(file);
      const o = await within(20_000, () => runEngineProperty(ENGINE_PROPERTIES[0]!, e, { seed: SEED, runs: 100 }));
      expect(o.passed).toBe(false);
      expect(o.error).toMatch(/^the engine failed: the engine process `.*crashes\.py"?` exited with code 3 while answering `op`\nits last lines on stderr:\n {2}about to crash/);
      expect(o.counterexample).toContain('import torch');
      expect(e.failed).toBe(true);
      await expect(e.grad(1 as never)).rejects.toBeInstanceOf(EngineFailure);
    }, 30_000);

    test('hangs: killed after the time limit', async () => {
      const file = adapterFile('hangs', `${TINY}\ndef hook(self, name):\n    if name == "sum":\n        time.sleep(3600)\nAdapter.hook = hook\n`);
      const e = await start(file, { timeoutMs: 1000 });
      const x = await e.leaf([1], [1], 'float64', true);
      const err = await within(5_000, () => e.op('sum', [x], { dim: -1 }).then(() => null, (er: Error) => er));
      expect(err).toBeInstanceOf(EngineFailure);
      expect(err!.message).toMatch(/did not answer `op` within 1\.0 s \(the time limit; --engine-timeout\)/);
    }, 30_000);

    test('never answers hello: the start-up time limit', async () => {
      const file = join(dir, 'silent.py');
      writeFileSync(file, 'import time\ntime.sleep(3600)\n');
      expect(await within(5_000, () => startError(file, { startTimeoutMs: 1000 }))).toMatch(/did not answer `hello` within 1\.0 s/);
    }, 30_000);

    test('writes something that is not JSON on stdout', async () => {
      const file = join(dir, 'garbage.py');
      writeFileSync(file, 'import sys\nsys.stdin.readline()\nprint("Hello from my engine!", flush=True)\nsys.stdin.readline()\n');
      expect(await startError(file)).toMatch(/wrote a line that is not JSON on stdout: "Hello from my engine!" \(stdout is for protocol answers only; print to stderr\)/);
    });

    test('answers another request, or with the wrong shape of result', async () => {
      const wrongId = join(dir, 'wrong_id.py');
      writeFileSync(wrongId, 'import sys, json\nfor line in sys.stdin:\n    print(json.dumps({"id": 99, "ok": True, "result": {}}), flush=True)\n');
      expect(await startError(wrongId)).toMatch(/answered request 1 \(`hello`\) with \{"id": 99, "ok": true, "result": \{\}\}: expected \{"id": 1, "ok": …\}/);
      const lying = adapterFile('lying', `${TINY}\nimport dzdx_adapter\ndzdx_adapter._Server.new = lambda self, t: {"t": "not a handle"}\n`);
      const e = await start(lying);
      await expect(e.leaf([1], [1], 'float64', true)).rejects.toThrow(/answered `leaf` with the result \{"t":"not a handle"\}: expected \{"t": <an integer handle>\}/);
      expect(e.failed).toBe(true);
    });

    test('a line longer than the limit', async () => {
      const file = adapterFile('long', `${TINY}\nAdapter.grad = lambda self, leaf: [1.0] * 100000\n`);
      const e = await start(file, { maxMessageBytes: 10_000 });
      const x = await e.leaf([1], [1], 'float64', true);
      await expect(e.grad(x)).rejects.toThrow(/wrote a line of more than 10000 bytes on stdout \(the protocol's limit\)/);
    });

    test('a command that does not exist', async () => {
      const err = await within(10_000, async () => {
        try {
          await startEngineProcess('dzdx-no-such-engine-command --serve');
        } catch (e) {
          return (e as Error).message;
        }
        return 'no error';
      });
      expect(err).toMatch(/^the engine process `dzdx-no-such-engine-command --serve` exited with code 127 while answering `hello`\nits last lines on stderr:\n.*not found/);
    });
  });
}
