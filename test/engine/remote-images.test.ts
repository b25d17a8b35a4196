/**
 * Images from elsewhere as zarr stores: `serve --image name=<URL>` for a TIFF on a file host
 * (a pre-signed-style URL with a query string) and `name=<zip URL>#<member>` for a TIFF stored in
 * a ZIP there. Chunks come from the origin by Range; Debian's Python zarr reads the engine's
 * stores pixel-exact against tifffile; an origin outside the allowlist is refused.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type RunningServer } from '../../src/http/static-server.js';
import { testData } from '../helpers/fixtures.js';
import { serveData, type Served } from '../helpers/fresh-copy.js';
import { tmpDir } from '../helpers/host.js';
import { python, repoRoot } from '../helpers/paths.js';

const run = promisify(execFile);
const TIF = 'pyramid-2ch-u16-deflate-pred.ome.tif';
let dir: string;
let served: Served;
let origin: RunningServer;
let other: RunningServer;
const seen: { url: string; range?: string }[] = [];

beforeAll(async () => {
  dir = tmpDir('remote-images-');
  const pub = path.join(dir, 'pub');
  fs.mkdirSync(pub);
  fs.copyFileSync(path.join(testData(), 'tiff', TIF), path.join(pub, 'x.tif'));
  // a TIFF stored (uncompressed) in a ZIP, written by Python's zipfile
  await run(python, ['-c', `import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_STORED); z.writestr('readme.txt','hi'); z.write(sys.argv[2],'sub/x.tif'); z.close()`, path.join(pub, 'archive.zip'), path.join(pub, 'x.tif')]);
  origin = await startStaticServer({ port: 0, mounts: { '/pub/': pub }, onRequest: (r) => seen.push({ url: r.url!, range: r.headers.range }) });
  other = await startStaticServer({ port: 0, mounts: { '/pub/': pub } });
  fs.mkdirSync(path.join(dir, 'empty'));
  served = await serveData(path.join(dir, 'empty'), [
      '--image', `cells.tif=${origin.url}/pub/x.tif?X-Amz-Signature=abc123`,
      '--image', `inner.tif=${origin.url}/pub/archive.zip#sub/x.tif`,
      '--image', `refused.tif=${other.url}/pub/x.tif`,
      '--allow-origin', origin.url]);
});
afterAll(async () => {
  await served?.stop();
  await origin?.close();
  await other?.close();
});

describe('remote images', () => {
  it('lists them and serves them as zarr, read pixel-exact by Python zarr, chunks by Range from the origin', async () => {
    const { files } = (await (await fetch(`${served.url}/zarr/`)).json()) as { files: { name: string }[] };
    expect(files.map((f) => f.name)).toEqual(['cells.tif', 'inner.tif', 'refused.tif']);
    const code = `import sys, zarr, numpy as np, tifffile
from zarr.storage import FSStore
want = tifffile.imread(sys.argv[1])
for url in sys.argv[2:]:
    got = zarr.open_consolidated(FSStore(url), mode='r')['0'][:]
    print(got.shape, bool(np.array_equal(got, want)))`;
    const { stdout } = await run(python, ['-c', code, path.join(dir, 'pub', 'x.tif'), `${served.url}/zarr-decoded/cells.tif`, `${served.url}/zarr-decoded/inner.tif`]);
    expect(stdout.trim().split('\n')).toEqual(['(2, 1000, 1500) True', '(2, 1000, 1500) True']);
    // the origin was read in pieces, never whole; the signature went along
    const reads = seen.filter((s) => s.url.startsWith('/pub/'));
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((s) => s.range)).toBe(true);
    expect(reads.filter((s) => s.url.startsWith('/pub/x.tif')).every((s) => s.url.includes('X-Amz-Signature=abc123'))).toBe(true);
  });

  it('gives references that read from the origin itself', async () => {
    const refs = (await (await fetch(`${served.url}/refs/cells.tif`)).json()) as { templates: { u: string } };
    expect(refs.templates.u).toBe(`${origin.url}/pub/x.tif?X-Amz-Signature=abc123`);
    expect((await fetch(`${served.url}/refs/inner.tif`)).status).toBe(422); // inside a ZIP: no references for others
  });

  it('refuses an origin outside the allowlist, and a bad member', async () => {
    const r = await fetch(`${served.url}/zarr/refused.tif/.zattrs`);
    expect(r.status).toBe(403);
    expect(await r.text()).toMatch(/origin not allowed/);
    const bad = spawnServe([`--image`, `x.tif=${origin.url}/pub/archive.zip#nope.tif`, '--allow-origin', origin.url]);
    const s = await bad;
    try {
      const b = await fetch(`${s.url}/zarr/x.tif/.zattrs`);
      expect(b.status).toBe(422);
      expect(await b.text()).toMatch(/^x\.tif \(.*archive\.zip#nope\.tif\): no member nope\.tif in the ZIP/);
    } finally {
      await s.stop();
    }
  });

  it('refuses a malformed --image at once, exit 2', async () => {
    const r = await run(process.execPath, ['bin/imjoy-share.mjs', 'serve', '--port', '0', '--no-demo', '--image', 'nourl'], { cwd: repoRoot }).catch((e) => e);
    expect(r.code).toBe(2);
    expect(String(r.stderr).trim()).toMatch(/--image nourl: expected name=https/);
  });
});

function spawnServe(extra: string[]): Promise<Served> {
  return serveData(path.join(dir, 'empty'), extra);
}
