/** A collection folder without collection.json: every RDF below it, named by its folder. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskCache } from '../../src/engine/disk-cache.js';
import { guardedFetch, OriginPolicy } from '../../src/engine/origins.js';
import { startStaticServer } from '../../src/http/static-server.js';
import { ResourceCollection } from '../../src/engine/resources.js';
import { generateDemoRdfs } from '../../src/demo/rdfs.js';
import { tmpDir } from '../helpers/host.js';

describe('ResourceCollection of a folder', () => {
  it('finds the RDFs, reads their type, and tells a second RDF of a folder apart', async () => {
    const dir = tmpDir('coll-folder-');
    await generateDemoRdfs(dir);
    fs.rmSync(path.join(dir, 'collection.json'));
    const c = new ResourceCollection({ source: dir, policy: new OriginPolicy([]), cache: new DiskCache(tmpDir('coll-cache-'), 2 ** 20) });
    const entries = await c.publicEntries();
    expect(entries.map((e) => [e.id, e.type, e.rdf_source])).toEqual([
      ['hostile', 'dataset', 'hostile/rdf.yaml'],
      ['model', 'model', 'model/bioimageio.yaml'],
      ['model/invalid', 'model', 'model/invalid.bioimageio.yaml'],
    ]);
    expect((await c.get('model')).verdict.valid).toBe(true);
    expect((await c.get('model/invalid')).verdict.valid).toBe(false);
  });

  it('takes a list of RDF URLs (a text file on a host) and learns each type from its RDF', async () => {
    const dir = tmpDir('coll-urls-');
    await generateDemoRdfs(dir);
    const host = await startStaticServer({ port: 0, mounts: { '/': dir } });
    try {
      fs.writeFileSync(path.join(dir, 'list.txt'), `# two RDFs\n${host.url}/model/bioimageio.yaml\nhostile/rdf.yaml\n`);
      const c = new ResourceCollection({ source: `${host.url}/list.txt`, policy: new OriginPolicy([host.url]), cache: new DiskCache(tmpDir('coll-cache-'), 2 ** 24) });
      const origin = host.url.replace(/^http:\/\//, '');
      const entries = await c.publicEntries();
      expect(entries.map((e) => [e.id, e.type])).toEqual([
        [`${origin}/model`, 'unknown'],
        [`${origin}/hostile`, 'unknown'],
      ]);
      const m = await c.get(`${origin}/model`);
      expect(m).toMatchObject({ type: 'model', verdict: { valid: true, files_ok: true } });
      expect((await c.publicEntries())[0]).toMatchObject({ type: 'model', name: m.name });
      expect(m.files.every((f) => f.cid?.startsWith('bafkrei'))).toBe(true);
    } finally {
      await host.close();
    }
  });

  it('follows a redirect only to an allowed origin', async () => {
    const target = await startStaticServer({ port: 0, mounts: {} , handlers: [(_q, res) => (res.writeHead(200).end('ok'), true)] });
    const hop = await startStaticServer({ port: 0, mounts: {}, handlers: [(req, res) => (res.writeHead(302, { Location: `${target.url}${req.url}` }).end(), true)] });
    try {
      const only = guardedFetch(new OriginPolicy([hop.url]));
      await expect(only(`${hop.url}/rdf.yaml`)).rejects.toThrow(/origin not allowed/);
      const both = guardedFetch(new OriginPolicy([hop.url, target.url]));
      expect(await (await both(`${hop.url}/rdf.yaml`)).text()).toBe('ok');
    } finally {
      await hop.close();
      await target.close();
    }
  });

  it('refuses origins outside the allowlist', () => {
    const p = new OriginPolicy(['zenodo.org', '*.githubusercontent.com', 'http://127.0.0.1:9000']);
    expect(p.allows('https://zenodo.org/records/1/files/rdf.yaml')).toBe(true);
    expect(p.allows('https://raw.githubusercontent.com/a/b/main/rdf.yaml')).toBe(true);
    expect(p.allows('http://zenodo.org/x')).toBe(false); // a host name allows https only
    expect(p.allows('http://127.0.0.1:9000/x')).toBe(true);
    expect(p.allows('http://127.0.0.1:9001/x')).toBe(false);
    expect(p.allows('https://zenodo.org.evil.example/x')).toBe(false);
    expect(p.allows('https://user:pw@zenodo.org/x')).toBe(false);
    expect(p.allows('file:///etc/passwd')).toBe(false);
  });
});
