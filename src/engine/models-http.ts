/**
 * Models over plain HTTP: `GET /models` lists them; `POST /models/<id>/predict` takes the input
 * image as the body (.npy, TIFF or PNG, as `imjoy-share model predict` reads them; `?block=Y,X`
 * tiles) and answers the first output as .npy (`?format=tif`: TIFF); `POST /models/<id>/test`
 * runs the spec test. A full queue is a 429 with Retry-After, a time-out a 504.
 */
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { encodeImage } from '../model/image-io.js';
import { readInputImageNode } from '../model/node.js';
import { type Handler, sendJson } from '../http/static-server.js';
import { ModelError, type ModelPool, QueueFull, TimedOut } from './models.js';
import { UnknownResource } from './resources.js';

class TooLarge extends Error {}

/** The request body, refused past `max` bytes (before reading it when Content-Length says so). */
async function body(req: http.IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > max) throw new TooLarge(`the body is ${declared} bytes; at most ${max} are taken`);
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of req) {
    n += (chunk as Buffer).length;
    if (n > max) throw new TooLarge(`the body is more than ${max} bytes`);
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts);
}

function kindOf(b: Buffer): string | undefined {
  if (b.subarray(0, 6).toString('latin1') === '\x93NUMPY') return '.npy';
  if (b.subarray(0, 4).equals(Buffer.from([0x49, 0x49, 0x2a, 0])) || b.subarray(0, 4).equals(Buffer.from([0x4d, 0x4d, 0, 0x2a]))) return '.tif';
  if (b.subarray(0, 4).equals(Buffer.from([0x49, 0x49, 0x2b, 0])) || b.subarray(0, 4).equals(Buffer.from([0x4d, 0x4d, 0, 0x2b]))) return '.tif';
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return '.png';
  return undefined;
}

export function modelsHandler(pool: ModelPool, opts: { maxBodyBytes?: number } = {}): Handler {
  const max = opts.maxBodyBytes ?? 512 * 2 ** 20;
  return async (req, res, url) => {
    const p = url.pathname;
    if (p !== '/models' && !p.startsWith('/models/')) return false;
    try {
      if (p === '/models' || p === '/models/') {
        if (req.method !== 'GET' && req.method !== 'HEAD') return res.writeHead(405, { Allow: 'GET' }).end(), true;
        sendJson(res, 200, { models: await pool.list() });
        return true;
      }
      const m = /^\/models\/(.+)\/(predict|test)$/.exec(decodeURIComponent(p));
      if (!m) return sendJson(res, 404, { error: `${p}: POST /models/<id>/predict or /models/<id>/test` }), true;
      if (req.method !== 'POST') return res.writeHead(405, { Allow: 'POST' }).end(), true;
      const [, id, action] = m as unknown as [string, string, string];
      if (action === 'test') {
        sendJson(res, 200, await pool.test(id));
        return true;
      }
      const bytes = await body(req, max);
      const ext = kindOf(bytes);
      if (!ext) return sendJson(res, 415, { error: 'the body is not a .npy, TIFF or PNG image' }), true;
      let block: Record<string, number> | undefined;
      const b = url.searchParams.get('block');
      if (b) {
        const bm = /^(\d+),(\d+)$/.exec(b);
        if (!bm) return sendJson(res, 400, { error: `block=${b}: expected Y,X` }), true;
        block = { y: Number(bm[1]), x: Number(bm[2]) };
      }
      const format = url.searchParams.get('format') === 'tif' ? 'tif' : 'npy';
      // the same reader as `model predict` (a TIFF is read in place, never decoded whole twice)
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imjoy-share-predict-'));
      try {
        const file = path.join(tmp, `input${ext}`);
        fs.writeFileSync(file, bytes);
        const image = await readInputImageNode(file, { maxBytes: max * 8 });
        const r = await pool.predict(id, image, { block, name: 'the request body' });
        const out = r.outputs[r.first]!;
        res.writeHead(200, {
          'Content-Type': format === 'tif' ? 'image/tiff' : 'application/octet-stream',
          'X-Output-Id': r.first,
          'X-Output-Shape': out.shape.join(','),
          'X-Output-Dtype': out.dtype,
          'Access-Control-Expose-Headers': 'X-Output-Id, X-Output-Shape, X-Output-Dtype',
        });
        res.end(encodeImage(out, format, 'output'));
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0]!;
      if (e instanceof QueueFull) sendJson(res, 429, { error: msg }, { 'Retry-After': '1' });
      else if (e instanceof TimedOut) sendJson(res, 504, { error: msg });
      else if (e instanceof UnknownResource) sendJson(res, 404, { error: msg });
      else if (e instanceof ModelError) sendJson(res, 422, { error: msg });
      else if (e instanceof TooLarge) sendJson(res, 413, { error: msg });
      else sendJson(res, /^(the request body|input)\b/.test(msg) ? 422 : 500, { error: msg });
    }
    return true;
  };
}
