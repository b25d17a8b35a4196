import { execFileSync } from 'node:child_process';
import { CountingSource } from '../helpers/counting-source.js';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as zarr from 'zarrita';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCodecs } from '../../src/codecs/index.js';
import { BytesSource, } from '../../src/io/byte-source.js';
import { HttpSource } from '../../src/io/http-source.js';
import { zipReferences } from '../../src/reference/from-zip.js';
import { openReferences, type ReferenceStore } from '../../src/reference/open.js';
import type { References } from '../../src/reference/types.js';
import { sendFile, startStaticServer, type RunningServer } from '../../src/http/static-server.js';
import { python } from '../helpers/paths.js';
import { testData } from '../helpers/fixtures.js';

const data = testData();

const zipName = 'omezarr-v04-blosc-stored.zip';
const zipPath = path.join(data, 'zip', zipName);
const sha = (b: ArrayBufferView) => createHash('sha256').update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).digest('hex');

interface Seen { method: string; url: string; range?: string }
let server: RunningServer;
let seen: Seen[] = [];
let level0Sha: string;

beforeAll(async () => {
  registerCodecs();
  // zarr-python's own reading of the original ZIP: the pixels every path below must reproduce.
  level0Sha = execFileSync(python, ['-c', `
import zarr, hashlib, sys
a = zarr.open_group(zarr.storage.ZipStore(sys.argv[1], mode='r'), mode='r')['0'][...]
print(hashlib.sha256(a.tobytes()).hexdigest())`, zipPath]).toString().trim();
  server = await startStaticServer({
    port: 0,
    mounts: { '/data/': data },
    onRequest: (req) => seen.push({ method: req.method!, url: req.url!, range: req.headers.range }),
    handlers: [
      (req, res, url) => {
        const m = /^\/status\/(\d+)\//.exec(url.pathname);
        if (m) {
          res.writeHead(Number(m[1])).end('no');
          return true;
        }
        if (url.pathname.startsWith('/norange/')) {
          // A server that ignores Range and always sends the whole file.
          const body = fs.readFileSync(path.join(data, url.pathname.slice('/norange/'.length)));
          res.writeHead(200, { 'Content-Length': body.length }).end(body);
          return true;
        }
        if (url.pathname.startsWith('/expiring/')) {
          // Like an expired pre-signed URL: 403 unless the query carries the fresh signature.
          if (url.searchParams.get('sig') !== 'fresh') {
            res.writeHead(403).end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
            return true;
          }
          sendFile(req, res, path.join(data, url.pathname.slice('/expiring/'.length)));
          return true;
        }
        return false;
      },
    ],
  });
});
afterAll(() => server?.close());

async function readLevel0(store: ReferenceStore) {
  const arr = await zarr.open(zarr.root(store).resolve('0'), { kind: 'array' });
  return zarr.get(arr);
}

describe('references over HTTP', () => {
  it('indexes a ZIP and reads a full level with Range GETs only, coalescing neighbouring chunks', async () => {
    const url = `${server.url}/data/zip/${zipName}`;
    seen = [];
    const refs = await zipReferences(new HttpSource(url), { url });
    const indexRequests = seen.length;
    // size, end record, directory, the local headers (merged), metadata members (3 places): not 39.
    expect(indexRequests).toBeLessThanOrEqual(8);

    seen = [];
    const store = await openReferences(refs);
    const chunk = await readLevel0(store);
    expect(sha(chunk.data as Uint16Array)).toBe(level0Sha);
    const chunks = Object.keys(refs.refs).filter((k) => /^0\/\d+\.\d+\.\d+$/.test(k)).length;
    expect(chunks).toBe(24);
    // 24 chunks (stored back to back in the ZIP) arrive in a handful of Range requests.
    expect(seen.length).toBeLessThanOrEqual(3);
    expect(seen.every((r) => r.method === 'GET' && /^bytes=\d+-\d+$/.test(r.range ?? ''))).toBe(true);
  });

  it('an expired URL (403) calls refreshUrl once and retries with the fresh URL', async () => {
    const refs = await zipReferences(new BytesSource(new Uint8Array(fs.readFileSync(zipPath)), zipName), { url: `${server.url}/expiring/zip/${zipName}?sig=old` });
    const calls: string[] = [];
    const store = await openReferences(refs, {
      refreshUrl: (old) => {
        calls.push(old);
        return old.replace('sig=old', 'sig=fresh');
      },
    });
    const chunk = await readLevel0(store);
    expect(sha(chunk.data as Uint16Array)).toBe(level0Sha);
    expect(calls.length).toBe(1);
  });

  it('template override rotates the URL without touching the refs', async () => {
    const refs = await zipReferences(new BytesSource(new Uint8Array(fs.readFileSync(zipPath)), zipName), { url: 'http://127.0.0.1:9/gone' });
    const store = await openReferences(refs, { templates: { u: `${server.url}/data/zip/${zipName}` } });
    expect(sha((await readLevel0(store)).data as Uint16Array)).toBe(level0Sha);
    expect(refs.templates.u).toBe('http://127.0.0.1:9/gone');
  });

  const bad: [string, string, RegExp][] = [
    ['404', '/status/404/', /not found \(HTTP 404\)/],
    ['403 without refresh', '/status/403/', /access denied \(HTTP 403\)/],
    ['500 after retries', '/status/500/', /HTTP 500/],
    ['a server that ignores Range', '/norange/', /ignores HTTP Range/],
  ];
  for (const [what, prefix, msg] of bad) {
    it(`${what}: a clear error naming the file, quickly`, async () => {
      const url = `${server.url}${prefix}zip/${zipName}`;
      const t = Date.now();
      await expect(zipReferences(new HttpSource(url, { retries: 2 }), { url })).rejects.toThrow(new RegExp(`${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*${msg.source}`));
      // Reading chunks through references fails the same way.
      const refs = await zipReferences(new BytesSource(new Uint8Array(fs.readFileSync(zipPath)), zipName), { url });
      const store = await openReferences(refs, { retries: 2 });
      await expect(store.get('0/0.0.0')).rejects.toThrow(msg);
      expect(Date.now() - t).toBeLessThan(5000);
    });
  }

  it('a references URL that does not exist', async () => {
    await expect(openReferences(`${server.url}/status/404/refs.json`)).rejects.toThrow(/refs\.json: cannot fetch the references \(HTTP 404\)/);
  });
});

describe('store behaviour', () => {
  const data = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 255);
  const refs: References = { version: 1, templates: { u: 'mem://data' }, refs: { '.zgroup': '{"zarr_format":2}', 'b64': 'base64:AAEC' } };
  for (let i = 0; i < 100; i++) refs.refs[`k/${i}`] = ['{{u}}', i * 1000 + 10, 990];
  refs.refs.far = ['{{u}}', 900_000, 10];

  it('100 adjacent gets in one tick → one read; a far one → its own read', async () => {
    const src = new CountingSource(new BytesSource(data, 'mem'));
    const store = await openReferences(refs, { openSource: () => src });
    const keys = [...Array(100).keys()].map((i) => `/k/${i}`);
    const got = await Promise.all([...keys, '/far'].map((k) => store.get(k)));
    expect(src.reads.length).toBe(2);
    for (let i = 0; i < 100; i++) expect(Array.from(got[i]!)).toEqual(Array.from(data.subarray(i * 1000 + 10, i * 1000 + 1000)));
    expect(Array.from(got[100]!)).toEqual(Array.from(data.subarray(900_000, 900_010)));
  });

  it('a reference beyond the end of the file fails alone, not its coalesced neighbours', async () => {
    const src = new CountingSource(new BytesSource(data, 'mem'));
    const bad: References = { version: 1, templates: { u: 'mem://data' }, refs: { a: ['{{u}}', 0, 100], b: ['{{u}}', 100, 100], c: ['{{u}}', (1 << 20) - 50, 100] } };
    const store = await openReferences(bad, { openSource: () => src });
    const [a, b, c] = await Promise.allSettled(['/a', '/b', '/c'].map((k) => store.get(k)));
    expect(a.status === 'fulfilled' && Array.from(a.value!)).toEqual(Array.from(data.subarray(0, 100)));
    expect(b.status === 'fulfilled' && Array.from(b.value!)).toEqual(Array.from(data.subarray(100, 200)));
    expect(c.status === 'rejected' && String(c.reason)).toMatch(/mem: byte range 1048526\.\.1048626 lies beyond the end of the data/);
  });

  it('inline, base64 and missing keys; the zarr.js-style interface', async () => {
    const store = await openReferences(refs, { openSource: () => new BytesSource(data, 'mem') });
    expect(new TextDecoder().decode(await store.get('/.zgroup'))).toBe('{"zarr_format":2}');
    expect(Array.from((await store.get('/b64'))!)).toEqual([0, 1, 2]);
    expect(await store.get('/nope')).toBeUndefined();
    const zjs = store.zarrJs();
    expect(zjs._rintf).toBe(true);
    expect(new TextDecoder().decode(await zjs.getItem('.zgroup'))).toBe('{"zarr_format":2}');
    expect(new Uint8Array(await zjs.getItem('k/1'))).toEqual(data.slice(1010, 2000));
    expect(await zjs.containsItem('k/5')).toBe(true);
    expect(await zjs.containsItem('k/500')).toBe(false);
    expect((await zjs.keys()).length).toBe(103);
    await expect(zjs.getItem('nope')).rejects.toMatchObject({ __zarr__: 'KeyError' });
  });

  it('rejects unknown spec versions and templates', async () => {
    await expect(openReferences({ version: 2 } as unknown as References)).rejects.toThrow(/version 2/);
    const store = await openReferences({ version: 1, templates: {}, refs: { a: ['{{v}}', 0, 1] } });
    await expect(store.get('/a')).rejects.toThrow(/unknown template \{\{v\}\}/);
  });
});
