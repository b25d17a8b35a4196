/**
 * The collection over HTTP: `GET /resources` (the entries), `GET /resources/<id>` (RDF, verdict,
 * files with content ids), `GET /resources/<id>/files/<ref>` (a referenced file, with Range). The
 * files are also served by content id (ipfs-http.ts).
 */
import type http from 'node:http';
import { type Handler, sendFile, sendJson } from '../http/static-server.js';
import { OriginRefused } from './origins.js';
import { type ResourceCollection, UnknownResource } from './resources.js';

function fail(res: http.ServerResponse, e: unknown) {
  const status = e instanceof UnknownResource ? 404 : e instanceof OriginRefused ? 403 : 502;
  sendJson(res, status, { error: (e as Error).message });
}

export function resourcesHandler(collection: ResourceCollection): Handler {
  return async (req, res, url) => {
    const p = url.pathname;
    if (p !== '/resources' && !p.startsWith('/resources/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD, OPTIONS' }).end();
      return true;
    }
    try {
      const entries = await collection.publicEntries();
      if (p === '/resources' || p === '/resources/') {
        const q = url.searchParams.get('type');
        sendJson(res, 200, { resources: entries.filter((e) => !q || e.type === q).map((e) => ({ ...e, url: `/resources/${e.id}` })) });
        return true;
      }
      const rest = decodeURIComponent(p.slice('/resources/'.length));
      // ids may hold slashes (zenodo ids do not, bioimage.io's "org/name" do): the longest that fits
      const entry = entries
        .filter((e) => rest === e.id || rest.startsWith(`${e.id}/files/`))
        .sort((a, b) => b.id.length - a.id.length)[0];
      if (!entry) return sendJson(res, 404, { error: `${rest}: no such resource` }), true;
      if (rest === entry.id) {
        const r = await collection.get(entry.id);
        sendJson(res, 200, {
          ...r,
          files: r.files.map((f) => ({ ...f, ...(f.cid ? { url: `/resources/${r.id}/files/${f.ref}`, ipfs: `/ipfs/${f.cid}` } : {}) })),
        });
        return true;
      }
      const ref = rest.slice(entry.id.length + '/files/'.length);
      const file = await collection.file(entry.id, ref);
      if (!file) return sendJson(res, 404, { error: `${entry.id}: the RDF references no file ${ref}` }), true;
      sendFile(req, res, file);
    } catch (e) {
      fail(res, e);
    }
    return true;
  };
}
