import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.yaml': 'text/yaml; charset=utf-8',
  '.yml': 'text/yaml; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.zip': 'application/zip',
  '.ozx': 'application/zip',
  '.smlm': 'application/zip',
  '.onnx': 'application/octet-stream',
  '.npy': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

export const mimeOf = (file: string) => MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => boolean | Promise<boolean>;

export interface StaticServerOptions {
  /** URL prefix → folder; the longest matching prefix wins. '/' may map to a folder too. */
  mounts: Record<string, string>;
  /** Tried before the mounts; a handler returns true when it answered. */
  handlers?: Handler[];
  /** Exact paths answered with a file (e.g. '/' → the host page). */
  aliases?: Record<string, string>;
  host?: string;
  port?: number;
  /** Called for each request (tests count and inspect them). */
  onRequest?: (req: http.IncomingMessage) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

/** Parses a single `bytes=` range against a size; undefined = no range, null = unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined; // multi-range or malformed: send it all
  let start: number, end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return null;
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) return null;
  return { start, end };
}

function cors(res: http.ServerResponse) {
  // Plugins run in another origin (the frame port) and read demo data with Range requests.
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Headers', 'Range, Content-Type');
  res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
  res.setHeader('Access-Control-Expose-Headers', 'Content-Range, Content-Length, Accept-Ranges, ETag');
}

export function sendFile(req: http.IncomingMessage, res: http.ServerResponse, file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
    if (stat.isDirectory()) {
      file = path.join(file, 'index.html');
      stat = fs.statSync(file);
    }
  } catch {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    return;
  }
  const size = stat.size;
  const range = parseRange(req.headers.range, size);
  const headers: http.OutgoingHttpHeaders = {
    'Content-Type': mimeOf(file),
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'no-cache',
    ETag: `"${stat.size.toString(16)}-${stat.mtimeMs.toString(16)}"`,
  };
  if (range === null) {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` }).end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = size === 0 ? 0 : end - start + 1;
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  headers['Content-Length'] = length;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  fs.createReadStream(file, { start, end }).pipe(res);
}

/** Resolves a URL path inside a mount, refusing anything that escapes it. */
function resolveMounted(mounts: [string, string][], pathname: string): string | undefined {
  for (const [prefix, dir] of mounts) {
    if (pathname === prefix.replace(/\/$/, '') || pathname.startsWith(prefix)) {
      const rel = decodeURIComponent(pathname.slice(prefix.length));
      const file = path.resolve(dir, '.' + path.posix.normalize('/' + rel));
      if (file === dir || file.startsWith(dir + path.sep)) return file;
      return undefined;
    }
  }
  return undefined;
}

/** A static file server with Range support, CORS and correct MIME types, on 127.0.0.1. */
export function startStaticServer(opts: StaticServerOptions): Promise<RunningServer> {
  const mounts = Object.entries(opts.mounts)
    .map(([p, d]) => [p.endsWith('/') ? p : p + '/', path.resolve(d)] as [string, string])
    .sort((a, b) => b[0].length - a[0].length);
  const server = http.createServer(async (req, res) => {
    opts.onRequest?.(req);
    cors(res);
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (req.method === 'OPTIONS') {
        res.writeHead(204).end();
        return;
      }
      for (const h of opts.handlers ?? []) if (await h(req, res, url)) return;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD, OPTIONS' }).end();
        return;
      }
      const alias = opts.aliases?.[url.pathname];
      const file = alias ?? resolveMounted(mounts, url.pathname);
      if (!file) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        return;
      }
      sendFile(req, res, file);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String((e as Error).message));
    }
  });
  const host = opts.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new Error(`port ${opts.port} on ${host} is already in use; pick another with --port`));
      else reject(e);
    });
    server.listen(opts.port ?? 0, host, () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://${host}:${port}`,
        port,
        server,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
