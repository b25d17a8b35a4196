/**
 * The engine's resource collection through `imjoy-share serve --collection …` as a user runs it:
 * HTTP /resources, files with Range, /ipfs/<cid> (ids checked by Python's hashlib + the CID spec's
 * byte layout, not by multiformats), a remote RDF fetched through the origin allowlist into the
 * disk cache, and the same over RPC with the npm hypha-rpc client.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoRdfs } from '../../src/demo/rdfs.js';
import { startStaticServer, type RunningServer } from '../../src/http/static-server.js';
import { connectionOf, serveData, type Served } from '../helpers/fresh-copy.js';
import { tmpDir } from '../helpers/host.js';
import { python, } from '../helpers/paths.js';
import { type Api, connect } from '../rpc/helpers.js';

let dir: string;
let served: Served;
let origin: RunningServer;
let refused: RunningServer;
const originHits: string[] = [];

beforeAll(async () => {
  dir = tmpDir('resources-');
  const coll = path.join(dir, 'collection');
  await generateDemoRdfs(coll);
  // the same model published on an allowed origin, and on one that is not allowed
  const remote = path.join(dir, 'remote');
  fs.cpSync(path.join(coll, 'model'), remote, { recursive: true });
  origin = await startStaticServer({ port: 0, mounts: { '/pub/': remote }, onRequest: (r) => originHits.push(r.url!) });
  refused = await startStaticServer({ port: 0, mounts: { '/pub/': remote } });
  fs.writeFileSync(
    path.join(coll, 'collection.json'),
    JSON.stringify({
      collection: [
        { id: 'demo/blob-detector', type: 'model', name: 'local model', rdf_source: 'model/bioimageio.yaml' },
        { id: 'demo/broken', type: 'model', name: 'broken', rdf_source: 'model/invalid.bioimageio.yaml' },
        { id: 'remote-model', type: 'model', name: 'remote model', rdf_source: `${origin.url}/pub/bioimageio.yaml` },
        { id: 'elsewhere', type: 'model', name: 'not allowed', rdf_source: `${refused.url}/pub/bioimageio.yaml` },
        { id: 'escape', type: 'model', name: 'outside', rdf_source: '../remote/bioimageio.yaml' },
      ],
    }),
  );
  const empty = path.join(dir, 'images');
  fs.mkdirSync(empty);
  served = await serveData(empty, ['--collection', coll, '--allow-origin', origin.url]);
});
afterAll(async () => {
  await served?.stop();
  await origin?.close();
  await refused?.close();
});

const get = (p: string, init?: RequestInit) => fetch(served.url + p, init);
type Res = { id: string; verdict: { valid: boolean; files_ok: boolean; errors: string[] }; rdf_source: string; files: { ref: string; kind: string; cid?: string; size?: number; url?: string; ipfs?: string; error?: string }[] };

/** CIDv1 (raw, sha2-256) of a file as the CID spec lays it out, computed by Python's hashlib. */
function pythonCid(file: string): string {
  const code = `import hashlib,base64,sys
d=hashlib.sha256(open(sys.argv[1],'rb').read()).digest()
print('b'+base64.b32encode(bytes([1,0x55,0x12,0x20])+d).decode().lower().rstrip('='))`;
  return execFileSync(python, ['-c', code, file], { encoding: 'utf8' }).trim();
}

describe('serve --collection', () => {
  it('lists the entries without the server\'s own folders', async () => {
    const r = (await (await get('/resources')).json()) as { resources: { id: string; rdf_source: string; url: string }[] };
    expect(r.resources.map((e) => e.id)).toEqual(['demo/blob-detector', 'demo/broken', 'remote-model', 'elsewhere', 'escape']);
    expect(r.resources[0]).toMatchObject({ rdf_source: 'model/bioimageio.yaml', url: '/resources/demo/blob-detector' });
    expect(JSON.stringify(r)).not.toContain(dir);
    expect(served.stdout()).toMatch(/resources: +http:\/\/127\.0\.0\.1:\d+\/resources/);
  });

  it('describes a resource: verdict, and every file with a content id that names its bytes', async () => {
    const r = (await (await get('/resources/demo/blob-detector')).json()) as Res;
    expect(r.verdict).toMatchObject({ valid: true, files_ok: true, errors: [] });
    expect(r.files.map((f) => f.kind)).toEqual(expect.arrayContaining(['rdf', 'weights', 'test_input', 'test_output', 'documentation']));
    for (const f of r.files) {
      const local = path.join(dir, 'collection', 'model', f.ref);
      expect(f.cid, f.ref).toBe(pythonCid(local));
      const bytes = new Uint8Array(await (await get(f.ipfs!)).arrayBuffer());
      expect(Buffer.compare(bytes, fs.readFileSync(local)), f.ref).toBe(0);
      expect(new Uint8Array(await (await get(f.url!)).arrayBuffer())).toEqual(new Uint8Array(fs.readFileSync(local)));
    }
    const w = r.files.find((f) => f.kind === 'weights')!;
    const part = await get(w.url!, { headers: { Range: 'bytes=0-15' } });
    expect(part.status).toBe(206);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(new Uint8Array(fs.readFileSync(path.join(dir, 'collection', 'model', w.ref))).subarray(0, 16));
  });

  it('gives the validator\'s verdict for a broken RDF', async () => {
    const r = (await (await get('/resources/demo/broken')).json()) as Res;
    expect(r.verdict.valid).toBe(false);
    expect(r.verdict.errors.join('\n')).toMatch(/zero_mean_unit_varianse/);
  });

  it('fetches a remote RDF and its files from an allowed origin once, into the disk cache', async () => {
    const r = (await (await get('/resources/remote-model')).json()) as Res;
    expect(r.verdict).toMatchObject({ valid: true, files_ok: true });
    const weights = r.files.find((f) => f.kind === 'weights')!;
    expect(weights.cid).toBe(pythonCid(path.join(dir, 'remote', 'weights.onnx')));
    const before = originHits.filter((u) => u.endsWith('/weights.onnx')).length;
    for (let i = 0; i < 3; i++) expect((await get(weights.url!)).status).toBe(200);
    expect(originHits.filter((u) => u.endsWith('/weights.onnx')).length).toBe(before); // served from the cache
    const metrics = await (await get('/metrics')).text();
    expect(Number(/^imjoy_share_cache_misses_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(Number(/^imjoy_share_http_requests_total\{route="resources",status="200"\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(3);
  });

  it('refuses an origin outside the allowlist and a path outside the collection', async () => {
    const r = await get('/resources/elsewhere');
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: string }).error).toMatch(/origin not allowed/);
    const e = await get('/resources/escape');
    expect(e.status).toBe(502);
    expect(((await e.json()) as { error: string }).error).toMatch(/outside the collection folder/);
    expect((await get('/resources/no-such-id')).status).toBe(404);
    expect((await get('/resources/demo/blob-detector/files/../../remote/weights.onnx')).status).toBe(404);
    expect((await get('/ipfs/bafkreih2ylwuflt7qxxahh6ldlfefyfce2tk7m52pey7bu6rv4lnalg7cf')).status).toBe(404);
  });

  it('serves the same over RPC', async () => {
    const conn = connectionOf(served);
    const client: Api = await connect(conn);
    try {
      const svc = await client.getService('imjoy-share-resources');
      expect((await svc.list_resources('broken')).map((e: { id: string }) => e.id)).toEqual(['demo/broken']);
      const viaRpc = await svc.get_resource({ id: 'demo/blob-detector', _rkwargs: true });
      const viaHttp = (await (await get('/resources/demo/blob-detector')).json()) as Res;
      expect(viaRpc.files.map((f: { cid: string }) => f.cid)).toEqual(viaHttp.files.map((f) => f.cid));
      await expect(svc.get_resource('nope')).rejects.toThrow(/no resource nope/);
    } finally {
      await client.disconnect();
    }
  });

  it('refuses to serve bytes that no longer match their content id', async () => {
    // the broken RDF's own file: no other copy of these bytes exists (the README has one on the origin)
    const r = (await (await get('/resources/demo/broken')).json()) as Res;
    const rdf = r.files.find((f) => f.kind === 'rdf')!;
    expect((await get(rdf.ipfs!)).status).toBe(200);
    fs.appendFileSync(path.join(dir, 'collection', 'model', rdf.ref), '\n# edited after it was described\n');
    const res = await get(rdf.ipfs!);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toMatch(/changed since it was described/);
  });
});
