/**
 * `dzdx graph`, `dzdx check --graph` and `dzdx serve` through the real CLI
 * (dist/, built by `npm test` first): the formats, -o by extension, --at,
 * and every misuse ending in one `dzdx: …` line or a positioned script
 * error, never a stack trace.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Running } from '../cli/serve.js';

const CLI = 'dist/cli/main.js';

function dzdx(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('node', [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

const noStackTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);

// Each spawns node (about 1 s on a busy 2-core machine): generous timeouts.
describe.concurrent('dzdx graph', { timeout: 60_000 }, () => {
  it('prints DOT by default, at the first backward call', async () => {
    const r = await dzdx(['graph', 'examples/tutorial_no_grad.py']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^digraph autograd \{\n/);
    expect(r.stdout).toContain('label="y2\\n(2, 2) float32\\nconstant: made under no_grad\\non line 8"');
    expect(r.stderr).toBe('');
  });

  it('writes an SVG for -o FILE.svg, a DOT for .dot; text and JSON by --format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dzdx-graph-'));
    const svg = await dzdx(['graph', 'examples/tutorial_data_mutation_pow.py', '-o', join(dir, 'g.svg')]);
    expect(svg).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const picture = readFileSync(join(dir, 'g.svg'), 'utf8');
    expect(picture).toContain('<svg ');
    expect(picture).toMatch(/<g id="n\d+" class="node saved mutated">/);
    expect(picture).toMatch(/<g id="n\d+" class="node mutation">/);
    const dot = await dzdx(['graph', 'examples/tutorial_data_mutation_pow.py', '-o', join(dir, 'g.dot'), '--at', 'end']);
    expect(dot.code).toBe(0);
    expect(readFileSync(join(dir, 'g.dot'), 'utf8')).toContain('autograd graph at the end of the script');
    const text = await dzdx(['graph', 'examples/tutorial_data_mutation.py', '--format', 'text']);
    expect(text.stdout).toContain('mutation: x.data += 100, line 8, autograd does not see it, no grad_fn saved x: gradients unchanged; writes x');
    const json = JSON.parse((await dzdx(['graph', 'examples/tutorial_no_grad.py', '--format', 'json'])).stdout);
    expect(json.moment).toMatchObject({ kind: 'backward', line: 15 });
    expect(json.nodes.find((n: { title: string }) => n.title === 'y2')).toMatchObject({ kind: 'constant', state: 'cut' });
    expect(json.dot).toMatch(/^digraph/);
  });

  it('reads stdin for -', async () => {
    const r = await dzdx(['graph', '-', '--format', 'text'], 'import torch\nx = torch.ones(2, requires_grad=True)\n(x * 3).sum().backward()\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(x * 3).sum(), () float32');
  });

  it('draws the graph at the failing call of a script that stops with an error, and says so', async () => {
    const r = await dzdx(['graph', 'test/conformance/backward_twice_error.py', '--at', '7', '--format', 'text']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('freed by the backward on line 5');
    expect(r.stderr).toBe('dzdx: note: the script stopped with an error: RuntimeError: Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.\n');
  });

  it.each([
    [['--at', '99'], 'dzdx: examples/tutorial_no_grad.py: --at 99: the script has lines 1 to 17\n'],
    [['--at', 'first'], 'dzdx: --at takes a line number or "end", not "first"\n'],
    [['-o', 'g.png'], 'dzdx: -o g.png: name an .svg, .dot, .txt or .json file\n'],
    [['-o', 'g.svg', '--format', 'dot'], 'dzdx: -o g.svg is svg, not --format dot\n'],
    [['-o', '/nonexistent/dir/g.dot'], 'dzdx: cannot write /nonexistent/dir/g.dot: ENOENT\n'],
    [['--at', '1', '--at', '2'], 'dzdx: give -o and --at once each\nRun dzdx --help for usage.\n'],
  ])('misuse %j: exit 2 with one message', async (args, message) => {
    const r = await dzdx(['graph', 'examples/tutorial_no_grad.py', ...args]);
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: message });
  });

  it('a script outside the subset, a missing file, a line never run: exit 2 with the position', async () => {
    const syntax = await dzdx(['graph', '-'], 'import torch\ny = (1 +\n');
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/^<stdin>:2:\d+: .*\n.*\n\s*\^\n$/);
    noStackTrace(syntax.stderr);
    const missing = await dzdx(['graph', 'no/such/file.py']);
    expect(missing).toMatchObject({ code: 2, stderr: 'dzdx: cannot read no/such/file.py: ENOENT\n' });
    const never = await dzdx(['graph', '-', '--at', '3'], 'import torch\nraise ValueError("stop")\nx = 1\n');
    expect(never).toMatchObject({ code: 2, stderr: 'dzdx: <stdin>: line 3 never ran: the script stopped with an error on line 2 first\n' });
  });
});

describe.concurrent('dzdx check --graph', { timeout: 60_000 }, () => {
  it('appends an outline of each call\'s graph to the text report', async () => {
    const r = await dzdx(['check', 'examples/tutorial_no_grad.py', '--graph']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 of 1 backward call agree\n\nautograd graphs\n  autograd graph at line 15, before backward runs');
    expect(r.stdout).toContain('└─ None: y2, (2, 2) float32, constant: made under no_grad, on line 8');
  });

  it('puts nodes, edges and DOT in each call of the JSON report', async () => {
    const r = await dzdx(['check', 'test/conformance/backward_twice_error.py', '--graph', '--json']);
    const report = JSON.parse(r.stdout);
    expect(report.calls).toHaveLength(2);
    expect(report.calls[1].graph.moment.line).toBe(7);
    expect(report.calls[1].graph.nodes.filter((n: { state?: string }) => n.state === 'freed')).toHaveLength(2);
    expect(report.calls[0].graph.dot).toMatch(/^digraph/);
  });
});

describe('dzdx serve', { timeout: 60_000 }, () => {
  let server: Running;
  beforeAll(async () => {
    // The built page (the CLI's WEB_ROOT is dist/web beside dist/cli; from the TS source it would be web/).
    server = await startServer(join(process.cwd(), 'dist/web'), 0, '127.0.0.1');
  });
  afterAll(() => server.close());

  const get = (path: string, method = 'GET') =>
    new Promise<{ status: number; type: string; body: string }>((done, fail) => {
      const req = request(new URL(server.url), { path, method }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => done({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
      });
      req.on('error', fail);
      req.end();
    });

  it('serves the built page and its script', async () => {
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(index.type).toBe('text/html; charset=utf-8');
    const script = /<script defer src="\.\/(assets\/[^"]+\.js)"><\/script>/.exec(index.body);
    expect(script, 'a classic deferred script (not a module: file:// must work too)').not.toBeNull();
    const js = await get(`/${script![1]}`);
    expect(js.status).toBe(200);
    expect(js.type).toBe('text/javascript; charset=utf-8');
  });

  it('refuses paths outside the folder, directories and methods other than GET and HEAD', async () => {
    expect((await get('/%2e%2e/%2e%2e/package.json')).status).toBe(404);
    expect((await get('/../../package.json')).status).toBe(404);
    expect((await get('/assets')).status).toBe(404);
    expect((await get('/%E0%A4%A')).status).toBe(400);
    expect((await get('/', 'POST')).status).toBe(405);
  });

  it('the command prints its address, serves, and stops on Ctrl-C; a bad port is a usage error', async () => {
    const child = spawn('node', [CLI, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await new Promise<string>((done) => {
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /dzdx playground: (http:\/\/\S+)/.exec(out);
        if (m) done(m[1]!);
      });
    });
    expect((await fetch(url)).status).toBe(200);
    const code = new Promise((done) => child.on('close', done));
    child.kill('SIGINT');
    expect(await code).toBe(0);
    expect(await dzdx(['serve', '--port', '70000'])).toMatchObject({ code: 2, stderr: 'dzdx: --port 70000: give a port from 0 to 65535\n' });
  });
});
