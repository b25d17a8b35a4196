/**
 * `GET /ipfs/<cid>`: exactly the bytes a content id names — a resource's file or a document the
 * engine made — checked against the id before they go out (409 when a file changed since).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { type Handler, sendFile, sendJson } from '../http/static-server.js';
import { sha256OfCid } from './cid.js';
import type { ContentIndex } from './content.js';

/** Files whose bytes were checked against their content id, by identity (size, mtime, inode). */
const verified = new Map<string, string>();

async function fileMatches(file: string, sha256: Uint8Array): Promise<boolean> {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st?.isFile()) return false;
  const want = Buffer.from(sha256).toString('hex');
  const stamp = `${st.size}:${st.mtimeMs}:${st.ino}:${want}`;
  if (verified.get(file) === stamp) return true;
  const h = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  if (h.digest('hex') !== want) return false;
  verified.set(file, stamp);
  return true;
}

export function ipfsHandler(content: ContentIndex): Handler {
  return async (req, res, url) => {
    if (!url.pathname.startsWith('/ipfs/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') return res.writeHead(405, { Allow: 'GET, HEAD, OPTIONS' }).end(), true;
    const cid = decodeURIComponent(url.pathname.slice('/ipfs/'.length));
    const digest = sha256OfCid(cid);
    const places = digest ? content.lookup(cid) : [];
    if (!digest || !places.length) return sendJson(res, 404, { error: `${cid}: no file with this content id here` }), true;
    const immutable = { ETag: `"${cid}"`, 'Cache-Control': 'public, max-age=31536000, immutable' };
    for (const p of places) {
      if ('bytes' in p) {
        const ok = Buffer.compare(crypto.createHash('sha256').update(p.bytes).digest(), Buffer.from(digest)) === 0;
        if (!ok) continue;
        res.writeHead(200, { ...immutable, 'Content-Type': 'application/octet-stream', 'Content-Length': p.bytes.length });
        res.end(req.method === 'HEAD' ? undefined : p.bytes);
        return true;
      }
      if (!(await fileMatches(p.file, digest))) continue;
      for (const [k, v] of Object.entries(immutable)) res.setHeader(k, v);
      sendFile(req, res, p.file);
      return true;
    }
    sendJson(res, 409, { error: `${cid}: the file changed since it was described; describe the resource again` });
    return true;
  };
}
