import http from 'node:http';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

/**
 * File reads of 1 MiB instead of the stream default 64 KiB: big Range responses (image chunks,
 * zips) go out in fewer, larger socket writes.
 */
const READ_CHUNK = 1 << 20;

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

const mimeOf = (file: string) => MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';

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
  onRequest?: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  /**
   * Most ranges one request may ask for (like nginx `max_ranges`, Apache `MaxRanges`; default
   * 200); a request asking for more gets the whole file with 200. `1` answers multi-range
   * requests as S3 does.
   */
  maxRanges?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

export interface ByteSpan {
  start: number;
  /** Inclusive, as in Content-Range. */
  end: number;
}

/**
 * Parses a `Range: bytes=…` header (one or several ranges) against a size, as nginx/Apache do:
 * undefined = no usable header (serve the whole file: absent, malformed, another unit, more than
 * `maxRanges` ranges), null = nothing satisfiable (416). Unsatisfiable ranges of a list are
 * dropped; the rest are sorted and overlapping or touching ones merged (so a part is never sent
 * twice and the answer is never larger than the file).
 */
export function parseRanges(header: string | undefined, size: number, maxRanges = 200): ByteSpan[] | null | undefined {
  if (!header) return undefined;
  const m = /^\s*bytes\s*=(.*)$/i.exec(header);
  if (!m) return undefined;
  const specs = m[1].split(',').map((x) => x.trim()).filter(Boolean);
  if (specs.length === 0 || specs.length > maxRanges) return undefined;
  const out: ByteSpan[] = [];
  for (const spec of specs) {
    const r = /^(\d*)-(\d*)$/.exec(spec);
    if (!r || (r[1] === '' && r[2] === '')) return undefined;
    let start: number, end: number;
    if (r[1] === '') {
      const n = Number(r[2]);
      if (n === 0) continue;
      start = Math.max(0, size - n);
      end = size - 1;
    } else {
      start = Number(r[1]);
      end = r[2] === '' ? size - 1 : Math.min(Number(r[2]), size - 1);
      if (r[2] !== '' && Number(r[2]) < start) return null;
    }
    if (start >= size || start > end) continue;
    out.push({ start, end });
  }
  if (out.length === 0) return null;
  out.sort((a, b) => a.start - b.start);
  const merged: ByteSpan[] = [out[0]];
  for (const r of out.slice(1)) {
    const last = merged[merged.length - 1];
    if (r.start <= last.end + 1) last.end = Math.max(last.end, r.end);
    else merged.push(r);
  }
  return merged;
}

/** A single `bytes=` range against a size; undefined = no range (or several), null = unsatisfiable. */
export function parseRange(header: string | undefined, size: number): ByteSpan | null | undefined {
  const r = parseRanges(header, size, 1);
  return r ? r[0] : r; // null (unsatisfiable) and undefined (no range) pass through as they are
}

function cors(req: http.IncomingMessage, res: http.ServerResponse) {
  // Only for a request from a page (browsers send Origin with every cross-origin request): these
  // 190 bytes cost 15 % of the throughput of a chunk server whose clients are mostly not browsers
  // (wrk, 78 KiB responses). Vary keeps a shared cache from giving a browser an answer without them.
  res.setHeader('Vary', 'Origin');
  if (req.headers.origin === undefined) return;
  // Plugins run in another origin (the frame port) and read demo data with Range requests.
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Headers', 'Range, Content-Type');
  // POST: the engine's /models/<id>/predict, called from pages of other origins too
  res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, POST, OPTIONS');
  res.setHeader('Access-Control-Expose-Headers', 'Content-Range, Content-Length, Accept-Ranges, ETag');
}

/** A JSON answer (not cached unless `headers` say otherwise). */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers }).end(JSON.stringify(body, null, 2));
}

export function sendFile(req: http.IncomingMessage, res: http.ServerResponse, file: string, opts: { maxRanges?: number } = {}): void {
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
  const ranges = parseRanges(req.headers.range, size, opts.maxRanges ?? 200);
  const headers: http.OutgoingHttpHeaders = {
    'Content-Type': mimeOf(file),
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'no-cache',
    ETag: `"${stat.size.toString(16)}-${stat.mtimeMs.toString(16)}"`,
  };
  if (ranges === null) {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` }).end();
    return;
  }
  if (ranges && ranges.length > 1) {
    sendMultipart(req, res, file, size, ranges, headers);
    return;
  }
  const range = ranges?.[0];
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = size === 0 ? 0 : end - start + 1;
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  headers['Content-Length'] = length;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return;
  }
  fs.createReadStream(file, { start, end, highWaterMark: READ_CHUNK }).pipe(res);
}

/**
 * 206 `multipart/byteranges` (RFC 9110 §14.6), laid out as nginx does: each part is CRLF,
 * `--boundary`, its Content-Type and Content-Range, a blank line and the bytes; a closing
 * `--boundary--`. Content-Length is exact; parts stream from the file one after the other.
 */
function sendMultipart(req: http.IncomingMessage, res: http.ServerResponse, file: string, size: number, ranges: ByteSpan[], headers: http.OutgoingHttpHeaders): void {
  const boundary = randomBytes(12).toString('hex');
  const type = headers['Content-Type'];
  const heads = ranges.map((r) => Buffer.from(`\r\n--${boundary}\r\nContent-Type: ${type}\r\nContent-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`));
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const length = heads.reduce((n, h, i) => n + h.length + ranges[i].end - ranges[i].start + 1, tail.length);
  res.writeHead(206, { ...headers, 'Content-Type': `multipart/byteranges; boundary=${boundary}`, 'Content-Length': length });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // waits for 'drain', or 'close' when the client went away (then the loop stops)
  const write = (b: Uint8Array) =>
    res.write(b)
      ? undefined
      : new Promise<void>((r) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            r();
          };
          res.on('drain', done);
          res.on('close', done);
        });
  void (async () => {
    for (let i = 0; i < ranges.length; i++) {
      if (res.destroyed) return;
      await write(heads[i]);
      for await (const chunk of fs.createReadStream(file, { start: ranges[i].start, end: ranges[i].end, highWaterMark: READ_CHUNK })) {
        if (res.destroyed) return;
        await write(chunk as Buffer);
      }
    }
    res.end(tail);
  })().catch(() => res.destroy());
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
    opts.onRequest?.(req, res);
    cors(req, res);
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
      sendFile(req, res, file, { maxRanges: opts.maxRanges });
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
