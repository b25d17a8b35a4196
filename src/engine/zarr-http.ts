/**
 * The engine's zarr stores over plain HTTP (the contract `serve --data DIR` keeps):
 * `GET /zarr/<file name>/<key>` — chunks as stored, codecs as in the references — and
 * `GET /zarr-decoded/<file name>/<key>` — the same store with decoded, uncompressed chunks.
 * `GET /zarr/` lists the files. A missing file or key is a 404; a file that is there but cannot be
 * read as an image a 422 naming the problem.
 */
import type http from 'node:http';
import { parseRange, sendFile, type Handler } from '../http/static-server.js';
import type { ContentIndex } from './content.js';
import { type DataDir, UnservableFile } from './data-dir.js';
import { OriginRefused } from './origins.js';
import type { ZarrMode } from './zarr-view.js';

const PREFIXES: [string, ZarrMode][] = [
  ['/zarr-decoded/', 'decoded'],
  ['/zarr/', 'stored'],
];

const METADATA = /(^|\/)\.z(group|attrs|array|metadata)$/;
const typeOf = (key: string) => (METADATA.test(key) ? 'application/json' : 'application/octet-stream');

function text(res: http.ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' }).end(body + '\n');
}

function sendBytes(req: http.IncomingMessage, res: http.ServerResponse, bytes: Uint8Array, type: string) {
  const headers: http.OutgoingHttpHeaders = { 'Content-Type': type, 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-cache' };
  const range = parseRange(req.headers.range, bytes.length);
  if (range === null) {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${bytes.length}` }).end();
    return;
  }
  const body = range ? bytes.subarray(range.start, range.end + 1) : bytes;
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${bytes.length}`;
  headers['Content-Length'] = body.length;
  res.writeHead(range ? 206 : 200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * `GET /raw/<file>`: the file itself (Range), and `GET /refs/<file>`: its kerchunk references
 * reading from there, registered by content id (`X-Content-CID`, `GET /ipfs/<cid>`).
 */
async function rawOrRefs(data: DataDir, content: ContentIndex | undefined, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<boolean> {
  const m = /^\/(raw|refs)\/(.+)$/.exec(url.pathname);
  if (!m) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') return res.writeHead(405, { Allow: 'GET, HEAD, OPTIONS' }).end(), true;
  let name: string;
  try {
    name = decodeURIComponent(m[2]!);
  } catch {
    return text(res, 404, 'not found'), true;
  }
  try {
    if (m[1] === 'raw') {
      const file = await data.file(name);
      if (!file) return text(res, 404, `${name}: no such image in the served folder`), true;
      sendFile(req, res, file);
      return true;
    }
    // the origin the client used: the references must point where it can reach
    const origin = `http://${req.headers.host ?? '127.0.0.1'}`;
    const json = await data.references(name, `${origin}/raw/${name.split('/').map(encodeURIComponent).join('/')}`);
    if (!json) return text(res, 404, `${name}: no such image in the served folder`), true;
    const cid = content?.addBytes(json);
    if (cid) res.setHeader('X-Content-CID', cid);
    res.setHeader('Access-Control-Expose-Headers', 'Content-Range, Content-Length, Accept-Ranges, ETag, X-Content-CID');
    sendBytes(req, res, json, 'application/json');
  } catch (e) {
    if (e instanceof UnservableFile) text(res, 422, e.message.startsWith(name) ? e.message : `${name}: ${e.message}`);
    else text(res, 500, `${name}: ${(e as Error).message}`);
  }
  return true;
}

/** The request handler for `/zarr/`, `/zarr-decoded/`, `/raw/` and `/refs/` over the files of `data`. */
export function zarrHandler(data: DataDir, content?: ContentIndex): Handler {
  return async (req, res, url) => {
    if (url.pathname.startsWith('/r') && (await rawOrRefs(data, content, req, res, url))) return true;
    // a key under a prefix, else the prefix's own listing (the prefix without its slash)
    const match = PREFIXES.find(([p]) => url.pathname.startsWith(p)) ?? PREFIXES.find(([p]) => url.pathname === p.slice(0, -1));
    if (!match) return false;
    const [prefix, mode] = match;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD, OPTIONS' }).end();
      return true;
    }
    const rest = url.pathname.slice(prefix.length);
    if (!rest) {
      const enc = (n: string) => n.split('/').map(encodeURIComponent).join('/');
      const files = data.list().map((f) => ({ ...f, url: `${prefix}${enc(f.name)}/`, refs: `/refs/${enc(f.name)}`, raw: `/raw/${enc(f.name)}` }));
      sendBytes(req, res, new TextEncoder().encode(JSON.stringify({ files }, null, 2)), 'application/json');
      return true;
    }
    let split: ReturnType<DataDir["split"]>;
    try {
      split = data.split(decodeURIComponent(rest));
    } catch {
      split = undefined; // a malformed %-escape names no file
    }
    if (!split) {
      text(res, 404, `${rest}: no such image in the served folder`);
      return true;
    }
    const { name, key } = split;
    try {
      // a chunk served a moment ago: answered without a promise (most of a viewer's requests)
      const hot = key ? data.recentView(name, mode)?.recent(key) : undefined;
      if (hot) {
        sendBytes(req, res, hot, typeOf(key));
        return true;
      }
      const view = await data.view(name, mode);
      if (!view) {
        text(res, 404, `${name}: no such image in the served folder`);
        return true;
      }
      if (!key) {
        // the store's root, as a browser shows it: what to open it with
        const keys = view.keys().filter((k) => METADATA.test(k));
        sendBytes(req, res, new TextEncoder().encode(JSON.stringify({ name, zarr_format: 2, metadata: keys }, null, 2)), 'application/json');
        return true;
      }
      const bytes = await view.get(key);
      if (bytes === undefined) {
        text(res, 404, `${name}: no key ${key}`);
        return true;
      }
      sendBytes(req, res, bytes, typeOf(key));
    } catch (e) {
      if (e instanceof UnservableFile) text(res, 422, e.message.startsWith(name) ? e.message : `${name}: ${e.message}`);
      else if (e instanceof OriginRefused) text(res, 403, `${name}: ${e.message}`);
      else text(res, 502, `${name}: cannot read ${key || 'the store'}: ${(e as Error).message}`);
    }
    return true;
  };
}
