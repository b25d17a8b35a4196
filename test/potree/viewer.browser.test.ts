import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHost, pngBytes, tmpDir, withTimeout, type Host } from '../helpers/host.js';
import { python, repoRoot } from '../helpers/paths.js';
import { presignGet, putObject, s3Client } from '../../src/s3/client.js';

// The Potree Viewer plugin in the real host, on an octree the CLI made from a .smlm Python wrote.
let host: Host;
let dir: string;

beforeAll(async () => {
  execFileSync(process.execPath, ['build.mjs', '--only', 'potree-viewer'], { cwd: repoRoot });
  execFileSync(process.execPath, ['build.mjs', '--cli-only'], { cwd: repoRoot });
  dir = tmpDir('potree-view-');
  execFileSync(python, ['-c', `
import json, sys, zipfile, numpy as np
rng = np.random.default_rng(5)
n = 60000
d = np.zeros(n, dtype=[('x', '<f4'), ('y', '<f4'), ('z', '<f4')])
t = rng.uniform(0, 2 * np.pi, n)
d['x'], d['y'] = 10000 + 6000 * np.cos(t) + rng.normal(0, 80, n), 10000 + 6000 * np.sin(t) + rng.normal(0, 80, n)
d['z'] = rng.normal(0, 200, n)
fmt = {'name': 't', 'type': 'table', 'mode': 'binary', 'extension': '.bin', 'columns': 3, 'headers': ['x', 'y', 'z'], 'dtype': ['float32'] * 3, 'shape': [1] * 3}
with zipfile.ZipFile(sys.argv[1], 'w') as z:
    z.writestr('manifest.json', json.dumps({'format_version': '0.2', 'formats': {'t': fmt}, 'files': [{'name': 'ring.bin', 'format': 't', 'rows': n, 'type': 'table'}]}))
    z.writestr('ring.bin', d.tobytes())
`, path.join(dir, 'ring.smlm')]);
  execFileSync(process.execPath, [path.join(repoRoot, 'bin/imjoy-share.mjs'), 'potree', 'convert', path.join(dir, 'ring.smlm'), '-o', path.join(dir, 'ring'), '--node-points', '4000']);
  host = await openHost({ mounts: { '/pc/': dir } });
}, 180_000);
afterAll(() => host?.close());

/** Puts `bytes` on the local S3 server and returns a pre-signed GET URL for them. */
async function onS3(key: string, bytes: Uint8Array, type: string): Promise<string> {
  const s3 = host.app.config.s3 as { bucket: string };
  const client = s3Client({ ...(host.app.config.s3 as object), forcePathStyle: true } as never);
  await putObject(client, s3.bucket, key, bytes, type);
  return presignGet(client, s3.bucket, key, '1h');
}

/** `load(config)` in the open viewer, then its first complete frame; and the requests to S3 meanwhile. */
async function viewFromS3(config: Record<string, unknown>): Promise<{ frame: any; toS3: string[] }> {
  const endpoint = (host.app.config.s3 as { endpoint: string }).endpoint;
  const before = host.requests.length;
  const frame = await withTimeout(
    host.page.evaluate(async (config) => {
      const w = (window as any).pv;
      await w.load(config);
      return w.wait_for_frame(60000);
    }, config),
    90_000,
    `potree viewer ${String(config.name)}`,
  );
  return { frame, toS3: host.requests.slice(before).filter((u) => u.startsWith(endpoint)) };
}

describe('Potree Viewer', () => {
  it('loads an octree by URL, streams its nodes with Range requests and draws the points', async () => {
    const url = `${host.app.url}/pc/ring/metadata.json`;
    const r = await withTimeout(
      host.page.evaluate(async ([src, url]) => {
        const w = await (window as any).imjoy.api.createWindow({ src, name: 'Potree Viewer' });
        (window as any).pv = w;
        const info = await w.load({ url });
        return { info, frame: await w.wait_for_frame(60000) };
      }, [`${host.app.url}/dist/plugins/Potree-Viewer.imjoy.html`, url] as const),
      90_000,
      'potree viewer',
    );
    expect(r.info).toMatchObject({ points: 60000, attributes: ['position', 'x', 'y', 'z'] });
    expect(r.frame.visible_nodes).toBeGreaterThan(0);
    expect(r.frame.visible_points).toBeGreaterThan(1000);
    const shot = pngBytes(await host.page.evaluate(() => (window as any).pv.screenshot()));
    if (process.env.POTREE_SHOT) (await import('node:fs')).writeFileSync(process.env.POTREE_SHOT, shot);
    const png = PNG.sync.read(shot);
    let lit = 0;
    for (let i = 0; i < png.width * png.height; i++) if (Math.max(png.data[i * 4], png.data[i * 4 + 1], png.data[i * 4 + 2]) > 40) lit++;
    expect(lit).toBeGreaterThan(500);
    // the octree is read by ranges, not as a whole
    expect(host.requests.filter((u) => u.endsWith('/pc/ring/octree.bin')).length).toBeGreaterThan(0);
    expect(host.external()).toEqual([]);
  });

  it('loads an octree from three pre-signed S3 URLs: every request signed for its own file, no 403', async () => {
    const urls: Record<string, string> = {};
    for (const f of ['metadata.json', 'hierarchy.bin', 'octree.bin']) {
      urls[f] = await onS3(`clouds/ring/${f}`, fs.readFileSync(path.join(dir, 'ring', f)), f.endsWith('.json') ? 'application/json' : 'application/octet-stream');
    }
    const { frame, toS3 } = await viewFromS3({ urls, name: 'ring from S3' });
    expect(frame).toMatchObject({ name: 'ring from S3', points: 60000 });
    expect(frame.visible_points).toBeGreaterThan(1000);
    expect(toS3.filter((u) => u.includes('/octree.bin')).length).toBeGreaterThan(0);
    // each request carries the signature of its own file (none reuses metadata.json's)
    for (const u of toS3) {
      const file = new URL(u).pathname.split('/').pop()!;
      expect(u, file).toBe(urls[file]);
    }
  });

  it('loads one stored zip of the octree (`potree convert -o x.zip`) through a single pre-signed URL', async () => {
    const zip = path.join(dir, 'ring.zip');
    execFileSync(process.execPath, [path.join(repoRoot, 'bin/imjoy-share.mjs'), 'potree', 'convert', path.join(dir, 'ring.smlm'), '-o', zip, '--node-points', '4000']);
    // Python's zipfile: the three members in this order, stored, with the folder's bytes
    const check = execFileSync(python, ['-c', `
import sys, zipfile, json
z = zipfile.ZipFile(sys.argv[1])
names = [i.filename for i in z.infolist()]
stored = all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
same = all(z.read(n) == open(sys.argv[2] + '/' + n, 'rb').read() for n in names)
print(json.dumps([names, stored, same, json.loads(z.read('metadata.json'))['points']]))`, zip, path.join(dir, 'ring')], { encoding: 'utf8' });
    // the conversion is deterministic: the zip holds exactly the folder's files
    expect(JSON.parse(check)).toEqual([['octree.bin', 'hierarchy.bin', 'metadata.json'], true, true, 60000]);
    const url = await onS3('clouds/ring.zip', fs.readFileSync(zip), 'application/zip');
    const { frame, toS3 } = await viewFromS3({ url, name: 'ring.zip' });
    expect(frame).toMatchObject({ name: 'ring.zip', points: 60000 });
    expect(frame.visible_points).toBeGreaterThan(1000);
    expect(toS3.length).toBeGreaterThan(2);
    expect(toS3.every((u) => u === url)).toBe(true); // one URL for everything, signature and all
  });
});
