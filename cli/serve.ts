/**
 * `dzdx serve`: the built playground (dist/web) over HTTP on localhost.
 * Static files only: the page runs every script itself, so the server
 * never sees or executes anything a user types.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/web, beside both the esbuild bundle (dist/bundle) and tsc's output (dist/cli). */
export const WEB_ROOT = fileURLToPath(new URL('../web/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.py': 'text/plain; charset=utf-8',
  '.json': 'application/json',
};

export interface Running {
  url: string;
  close(): Promise<void>;
}

/** Serve `root` (GET and HEAD only, no directory listings, nothing outside root). */
export function startServer(root: string, port: number, host: string): Promise<Running> {
  const base = normalize(root.endsWith(sep) ? root : root + sep);
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    const file = normalize(join(base, path.endsWith('/') ? path + 'index.html' : path));
    if (!file.startsWith(base) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      const actual = typeof addr === 'object' && addr ? addr.port : port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({ url: `http://${shownHost}:${actual}/`, close: () => new Promise((r) => {
          server.close(() => r());
          // Keep-alive connections of a browser would hold close() open.
          server.closeAllConnections();
        }) });
    });
  });
}

export async function serveCommand(args: { port: number; host: string }): Promise<number> {
  if (!existsSync(join(WEB_ROOT, 'index.html'))) {
    process.stderr.write(`dzdx: the playground is not built (no ${join(WEB_ROOT, 'index.html')}): run npm run build\n`);
    return 2;
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
    process.stderr.write(`dzdx: --port ${args.port}: give a port from 0 to 65535\n`);
    return 2;
  }
  let running: Running;
  try {
    running = await startServer(WEB_ROOT, args.port, args.host);
  } catch (e) {
    process.stderr.write(`dzdx: cannot listen on ${args.host}:${args.port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return 2;
  }
  process.stdout.write(`dzdx playground: ${running.url}  (static files from ${WEB_ROOT}; Ctrl-C stops)\n`);
  await new Promise<void>((resolve) => process.once('SIGINT', resolve));
  await running.close();
  return 0;
}
