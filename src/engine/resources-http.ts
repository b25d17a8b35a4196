/**
 * The collection over HTTP: `GET /resources` (the entries), `GET /resources/<id>` (RDF, verdict,
 * files with content ids), `GET /resources/<id>/files/<ref>` (a referenced file, with Range), and
 * `GET /ipfs/<cid>` (exactly the bytes a content id names, checked against it before they go out).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import { type Handler, sendFile } from '../server/static-server.js';
import { sha256OfCid } from './cid.js';
import { OriginRefused } from './origins.js';
import { type ResourceCollection, UnknownResource } from './resources.js';

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-cache' }).end(JSON.stringify(body, null, 2));
}

function fail(res: http.ServerResponse, e: unknown) {
  const status = e instanceof UnknownResource ? 404 : e instanceof OriginRefused ? 403 : 502;
  json(res, status, { error: (e as Error).message });
}

/** Files whose bytes were checked against their content id, by identity (size, mtime, inode). */
const verified = new Map<string, string>();

async function verifiedAgainst(file: string, sha256: Uint8Array): Promise<boolean> {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st?.isFile()) return false;
  const stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
  const want = Buffer.from(sha256).toString('hex');
  if (verified.get(file) === `${stamp}:${want}`) return true;
  const h = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  if (h.digest('hex') !== want) return false;
  verified.set(file, `${stamp}:${want}`);
  return true;
}

export function resourcesHandler(collection: ResourceCollection): Handler {
  return async (req, res, url) => {
    const p = url.pathname;
    if (p !== '/resources' && !p.startsWith('/resources/') && !p.startsWith('/ipfs/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD, OPTIONS' }).end();
      return true;
    }
    try {
      if (p.startsWith('/ipfs/')) {
        const cid = decodeURIComponent(p.slice('/ipfs/'.length));
        const digest = sha256OfCid(cid);
        const candidates = digest ? collection.filesByCid(cid) : [];
        if (!digest || !candidates.length) return json(res, 404, { error: `${cid}: no file with this content id here` }), true;
        for (const file of candidates) {
          if (!(await verifiedAgainst(file, digest))) continue;
          res.setHeader('ETag', `"${cid}"`);
          res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
          sendFile(req, res, file);
          return true;
        }
        return json(res, 409, { error: `${cid}: the file changed since it was described; describe the resource again` }), true;
      }
      const entries = await collection.publicEntries();
      if (p === '/resources' || p === '/resources/') {
        const q = url.searchParams.get('type');
        json(res, 200, { resources: entries.filter((e) => !q || e.type === q).map((e) => ({ ...e, url: `/resources/${e.id}` })) });
        return true;
      }
      const rest = decodeURIComponent(p.slice('/resources/'.length));
      // ids may hold slashes (zenodo ids do not, bioimage.io's "org/name" do): the longest that fits
      const entry = entries
        .filter((e) => rest === e.id || rest.startsWith(`${e.id}/files/`))
        .sort((a, b) => b.id.length - a.id.length)[0];
      if (!entry) return json(res, 404, { error: `${rest}: no such resource` }), true;
      if (rest === entry.id) {
        const r = await collection.get(entry.id);
        json(res, 200, {
          ...r,
          files: r.files.map((f) => ({ ...f, ...(f.cid ? { url: `/resources/${r.id}/files/${f.ref}`, ipfs: `/ipfs/${f.cid}` } : {}) })),
        });
        return true;
      }
      const ref = rest.slice(entry.id.length + '/files/'.length);
      const file = await collection.file(entry.id, ref);
      if (!file) return json(res, 404, { error: `${entry.id}: the RDF references no file ${ref}` }), true;
      sendFile(req, res, file);
    } catch (e) {
      fail(res, e);
    }
    return true;
  };
}
