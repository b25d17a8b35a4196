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
  // a ring of 60 000 points around (10000, 10000) in two tables (channel 0: the upper half, y ≥ 10000;
  // channel 1: the lower), with frame 0 on the left half (x < 10000) and 1000 on the right
  execFileSync(python, ['-c', `
import json, sys, zipfile, numpy as np
rng = np.random.default_rng(5)
n = 60000
t = rng.uniform(0, 2 * np.pi, n)
x = 10000 + 6000 * np.cos(t) + rng.normal(0, 80, n)
y = 10000 + 6000 * np.sin(t) + rng.normal(0, 80, n)
z = rng.normal(0, 200, n)
frame = np.where(x < 10000, 0, 1000)
dt = [('x', '<f4'), ('y', '<f4'), ('z', '<f4'), ('frame', '<u4')]
fmt = {'name': 't', 'type': 'table', 'mode': 'binary', 'extension': '.bin', 'columns': 4, 'headers': ['x', 'y', 'z', 'frame'], 'dtype': ['float32'] * 3 + ['uint32'], 'shape': [1] * 4}
files = []
with zipfile.ZipFile(sys.argv[1], 'w') as zf:
    for i, sel in enumerate([y >= 10000, y < 10000]):
        d = np.zeros(int(sel.sum()), dtype=dt)
        d['x'], d['y'], d['z'], d['frame'] = x[sel], y[sel], z[sel], frame[sel]
        zf.writestr(f'ring{i}.bin', d.tobytes())
        files.append({'name': f'ring{i}.bin', 'format': 't', 'rows': len(d), 'type': 'table'})
    zf.writestr('manifest.json', json.dumps({'format_version': '0.2', 'formats': {'t': fmt}, 'files': files}))
`, path.join(dir, 'ring.smlm')]);
  execFileSync(process.execPath, [path.join(repoRoot, 'bin/imjoy-share.mjs'), 'potree', 'convert', path.join(dir, 'ring.smlm'), '-o', path.join(dir, 'ring'), '--node-points', '4000']);
  // the same with a hierarchy chunk per level: below the root, every node is reached through a proxy
  execFileSync(process.execPath, [path.join(repoRoot, 'bin/imjoy-share.mjs'), 'potree', 'convert', path.join(dir, 'ring.smlm'), '-o', path.join(dir, 'ring-chunked'), '--node-points', '4000', '--hierarchy-step', '1']);
  host = await openHost({ mounts: { '/pc/': dir } });
}, 180_000);
afterAll(() => host?.close());

/** A GET URL for `key` on the local S3 server, signed at `signedAt` (now by default) for `expires`. */
function signS3(key: string, expires: string | number = '1h', signedAt?: Date): Promise<string> {
  const s3 = host.app.config.s3 as { bucket: string };
  return presignGet(s3Client({ ...(host.app.config.s3 as object), forcePathStyle: true } as never), s3.bucket, key, expires, signedAt);
}

/** Puts `bytes` on the local S3 server and returns a pre-signed GET URL for them. */
async function onS3(key: string, bytes: Uint8Array, type: string): Promise<string> {
  const s3 = host.app.config.s3 as { bucket: string };
  await putObject(s3Client({ ...(host.app.config.s3 as object), forcePathStyle: true } as never), s3.bucket, key, bytes, type);
  return signS3(key);
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

/** `set_view(change)` in the open viewer, its next complete frame, and a screenshot of it. */
async function viewShot(change: Record<string, unknown>): Promise<{ view: any; png: PNG }> {
  const r = await withTimeout(
    host.page.evaluate(async (change) => {
      const w = (window as any).pv;
      const view = await w.set_view(change);
      await w.wait_for_frame(60000);
      return { view, shot: await w.screenshot() };
    }, change),
    90_000,
    `set_view ${JSON.stringify(change)}`,
  );
  return { view: r.view, png: PNG.sync.read(pngBytes(r.shot)) };
}

/**
 * Lit pixels per quadrant of the image (away from the centre lines, where the halves meet) and
 * their mean colour on the left and on the right. With the camera above the ring's centre, left is
 * x < 10000 and top is y ≥ 10000.
 */
function quadrants(png: PNG) {
  const n = { tl: 0, tr: 0, bl: 0, br: 0 };
  const sum = { left: [0, 0, 0], right: [0, 0, 0] };
  const mx = png.width * 0.05;
  const my = png.height * 0.05;
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const i = (y * png.width + x) * 4;
      const rgb = [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
      if (Math.max(...rgb) <= 40 || Math.abs(x - png.width / 2) < mx || Math.abs(y - png.height / 2) < my) continue;
      const left = x < png.width / 2;
      n[`${y < png.height / 2 ? 't' : 'b'}${left ? 'l' : 'r'}` as keyof typeof n]++;
      for (let c = 0; c < 3; c++) sum[left ? 'left' : 'right'][c]! += rgb[c]!;
    }
  }
  const mean = (s: number[], k: number) => s.map((v) => Math.round(v / Math.max(1, k)));
  return { ...n, left: mean(sum.left, n.tl + n.bl), right: mean(sum.right, n.tr + n.br) };
}

/** The Potree Viewer's window frame (the one with its error box). */
async function viewerFrame() {
  for (const f of host.page.frames()) if (await f.$('#pv-error').catch(() => null)) return f;
  throw new Error('no Potree Viewer frame');
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
    expect(r.info.points).toBe(60000);
    expect(r.info.attributes.map((a: { name: string }) => a.name)).toEqual(['position', 'x', 'y', 'z', 'frame', 'channel']);
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

  it('follows proxy nodes into the hierarchy chunks below the root', async () => {
    const before = host.requests.length;
    const { frame } = await viewFromS3({ url: `${host.app.url}/pc/ring-chunked/metadata.json`, name: 'chunked' });
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'ring-chunked', 'metadata.json'), 'utf8'));
    expect(meta.hierarchy.stepSize).toBe(1);
    // the root chunk holds the root's points only; more are drawn, so proxies were followed
    const root = fs.readFileSync(path.join(dir, 'ring-chunked', 'hierarchy.bin')).readUInt32LE(2);
    expect(frame).toMatchObject({ name: 'chunked', points: 60000 });
    expect(frame.visible_nodes).toBeGreaterThan(1);
    expect(frame.drawn_points).toBeGreaterThan(root);
    expect(host.requests.slice(before).filter((u) => u.endsWith('/pc/ring-chunked/hierarchy.bin')).length).toBeGreaterThan(1);
  });

  it('set_view: colour by any attribute through a colormap, channels, frame range, clip box, clear errors', async () => {
    await viewFromS3({ url: `${host.app.url}/pc/ring/metadata.json`, name: 'ring' });
    const info = await host.page.evaluate(() => (window as any).pv.get_info());
    expect(info.attributes).toContainEqual({ name: 'frame', type: 'uint32', min: 0, max: 1000 });
    expect(info.attributes).toContainEqual({ name: 'channel', type: 'uint8', min: 0, max: 1 });
    expect(info).toMatchObject({ channels: 2, channel_names: ['0: default', '1: default'], view: { color_by: 'position z', colormap: 'viridis', channels: null } });

    // from above the centre; by frame through jet, over the attribute's own min..max by default
    const camera = { position: [10000, 9999, 25000], target: [10000, 10000, 0] };
    let { view, png } = await viewShot({ camera, color_by: 'frame', colormap: 'jet', point_size: 3 });
    expect(view).toMatchObject({ color_by: 'frame', colormap: 'jet', range: [0, 1000], point_size: 3, point_size_type: 'fixed', camera });
    let q = quadrants(png);
    for (const k of ['tl', 'tr', 'bl', 'br'] as const) expect(q[k], k).toBeGreaterThan(300);
    // jet's ends: #00007f for frame 0 (left), #7f0000 for frame 1000 (right)
    for (const [got, want] of [[q.left, [0, 0, 127]], [q.right, [127, 0, 0]]]) {
      for (let c = 0; c < 3; c++) expect(Math.abs(got![c]! - want![c]!), `${got} vs ${want}`).toBeLessThan(25);
    }

    // a float attribute (x) through gray over a range of our own: darker on the left
    ({ png } = await viewShot({ color_by: 'x', colormap: 'gray', range: [4000, 16000] }));
    q = quadrants(png);
    expect(q.left[0]! + 60).toBeLessThan(q.right[0]!);

    // channel 1 (the lower half) hidden
    ({ view, png } = await viewShot({ color_by: 'frame', colormap: 'jet', channels: [0] }));
    expect(view.channels).toEqual([0]);
    q = quadrants(png);
    expect(Math.min(q.tl, q.tr)).toBeGreaterThan(300);
    expect(q.bl + q.br).toBe(0);

    // frames 0..500 only: the right half hidden
    ({ png } = await viewShot({ channels: null, frame_range: [0, 500] }));
    q = quadrants(png);
    expect(Math.min(q.tl, q.bl)).toBeGreaterThan(300);
    expect(q.tr + q.br).toBe(0);

    // a clip box around the upper left quarter (in data units)
    ({ view, png } = await viewShot({ frame_range: null, clip_box: { min: [0, 10000, -5000], max: [10000, 20000, 5000] } }));
    expect(view).toMatchObject({ frame_range: null, clip_box: { min: [0, 10000, -5000], max: [10000, 20000, 5000] } });
    q = quadrants(png);
    expect(q.tl).toBeGreaterThan(300);
    expect(q.tr + q.bl + q.br).toBe(0);
    ({ png } = await viewShot({ clip_box: null }));
    q = quadrants(png);
    expect(Math.min(q.tl, q.tr, q.bl, q.br)).toBeGreaterThan(300);

    // bad settings: a one-line error naming the problem, also in the window's error box
    const frame = await viewerFrame();
    const bad: [Record<string, unknown>, string][] = [
      [{ color_by: 'nope' }, 'color_by: no attribute "nope" in this cloud (it has: position z, x, y, z, frame, channel)'],
      [{ colormap: 'rainbowish' }, 'colormap: unknown colormap "rainbowish"'],
      [{ range: [5, 1] }, 'range: lo must be below hi; got [5, 1]'],
      [{ clip_box: { min: [0, 0], max: [1, 1, 1] } }, 'clip_box: expected {min: [x, y, z], max: [x, y, z]} or null'],
      [{ channels: [2] }, 'channels: expected a list of channel numbers 0..1'],
      [{ colour_by: 'x' }, 'set_view: unknown setting "colour_by"'],
    ];
    for (const [change, msg] of bad) {
      const err = await host.page.evaluate(async (change) => {
        try {
          await (window as any).pv.set_view(change);
          return 'no error';
        } catch (e) {
          return String((e as Error)?.message ?? e);
        }
      }, change);
      expect(err).toContain(msg);
      const box = await frame.$eval('#pv-error', (e) => [(e as HTMLElement).hidden, e.textContent]);
      expect(box[0]).toBe(false);
      expect(box[1]).toContain(msg);
      expect(box[1]).not.toContain('\n');
    }
    // a bad setting changes nothing
    expect(await host.page.evaluate(() => (window as any).pv.get_view())).toMatchObject({ color_by: 'frame', colormap: 'jet', range: [0, 1000], channels: null, clip_box: null });

    // the toolbar shows the view and sets it: unticking channel 1
    expect(await frame.$$eval('#pv-color option', (o) => o.map((x) => (x as HTMLOptionElement).value))).toEqual(['position z', 'x', 'y', 'z', 'frame', 'channel']);
    expect(await frame.$eval('#pv-cmap', (e) => (e as HTMLSelectElement).value)).toBe('jet');
    expect(await frame.$eval('#pv-hi', (e) => (e as HTMLInputElement).value)).toBe('1000');
    await frame.click('#pv-channels input[value="1"]');
    await expect.poll(() => host.page.evaluate(() => (window as any).pv.get_view().then((v: any) => v.channels))).toEqual([0]);
    expect(await frame.$eval('#pv-error', (e) => (e as HTMLElement).hidden)).toBe(true);
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
  it('opens a .smlm carrying its octree (`potree convert --into`) through one pre-signed URL: the first node after at most 3 requests', async () => {
    const smlm = path.join(dir, 'ring-into.smlm');
    fs.copyFileSync(path.join(dir, 'ring.smlm'), smlm);
    execFileSync(process.execPath, [path.join(repoRoot, 'bin/imjoy-share.mjs'), 'potree', 'convert', '--into', smlm, '--node-points', '4000']);
    // where octree.bin's bytes lie in the archive, by Python's zipfile and the member's local header
    const [start, end] = JSON.parse(
      execFileSync(python, ['-c', `
import sys, json, zipfile, struct
z = zipfile.ZipFile(sys.argv[1]); i = z.getinfo('potree/octree.bin')
f = open(sys.argv[1], 'rb'); f.seek(i.header_offset); h = f.read(30)
n, m = struct.unpack('<HH', h[26:30]); s = i.header_offset + 30 + n + m
print(json.dumps([s, s + i.file_size]))`, smlm], { encoding: 'utf8' }),
    ) as [number, number];
    const url = await onS3('clouds/ring-into.smlm', fs.readFileSync(smlm), 'application/zip');
    const ranges: string[] = [];
    const onRequest = (r: { url(): string; headers(): Record<string, string> }) => {
      if (r.url() === url) ranges.push(r.headers().range ?? '');
    };
    host.page.on('request', onRequest);
    let seen: { frame: any; toS3: string[] };
    try {
      seen = await viewFromS3({ url, name: 'ring-into.smlm' });
    } finally {
      host.page.off('request', onRequest);
    }
    expect(seen.frame).toMatchObject({ name: 'ring-into.smlm', points: 60000 });
    expect(seen.frame.visible_points).toBeGreaterThan(1000);
    expect(seen.toS3.every((u) => u === url)).toBe(true);
    const node = (r: string) => {
      const m = /^bytes=(\d+)-(\d+)$/.exec(r);
      return m !== null && Number(m[1]) >= start && Number(m[2]) < end;
    };
    const firstNode = ranges.findIndex(node);
    // the head (and the size), then the tail: the directory, metadata.json and hierarchy.bin at once
    expect(ranges.slice(0, 2)).toEqual(['bytes=0-65535', `bytes=${fs.statSync(smlm).size - 262144}-${fs.statSync(smlm).size - 1}`]);
    expect(firstNode, ranges.join(' ')).toBeGreaterThan(0);
    expect(firstNode, ranges.join(' ')).toBeLessThanOrEqual(3);
  });

  it('an expired pre-signed URL is renewed through refresh_url; without one, a clear error', async () => {
    const key = 'clouds/ring-into.smlm';
    const expired = await signS3(key, 60, new Date(Date.now() - 3_600_000));
    const fresh = await signS3(key);
    const r = await withTimeout(
      host.page.evaluate(
        async ({ expired, fresh }) => {
          const w = (window as any).pv;
          const asked: string[] = [];
          await w.load({ url: expired, name: 'renewed', refresh_url: async (old: string) => (asked.push(old), fresh) });
          const frame = await w.wait_for_frame(60000);
          const error = await w.load({ url: expired, name: 'expired' }).then(
            () => '',
            (e: Error) => String(e?.message ?? e),
          );
          return { asked, frame, error };
        },
        { expired, fresh },
      ),
      90_000,
      'potree viewer refresh_url',
    );
    expect(r.asked).toEqual([expired]);
    expect(r.frame).toMatchObject({ name: 'renewed', points: 60000 });
    expect(r.error).toMatch(/ring-into\.smlm.*403.*expired/);
    expect(r.error).not.toMatch(/X-Amz-Signature/); // no secrets in messages
    const shown = await (await viewerFrame()).$eval('#pv-error', (e) => e.textContent ?? '');
    expect(shown).toMatch(/403/);
  });

  it('converts columns given by API (typed arrays and an ImJoy ndarray, as numpy arrives over RPC) in its worker', async () => {
    const r = await withTimeout(
      host.page.evaluate(async () => {
        // a ring of 50 000 points around (0, 0), radius 5000, a frame column as Python's client sends it
        const n = 50_000;
        const x = new Float32Array(n);
        const y = new Float32Array(n);
        const frame = new Uint16Array(n);
        for (let i = 0; i < n; i++) {
          const t = (2 * Math.PI * i) / n;
          x[i] = 5000 * Math.cos(t) + ((i * 7919) % 101) - 50;
          y[i] = 5000 * Math.sin(t) + ((i * 104729) % 97) - 48;
          frame[i] = i % 1000;
        }
        const wire = new Uint8Array(frame.byteLength + 13);
        wire.set(new Uint8Array(frame.buffer), 13);
        const w = (window as any).pv;
        const info = await w.load({ columns: { x, y, frame: { _rtype: 'ndarray', _rvalue: wire.subarray(13), _rshape: [n], _rdtype: 'uint16' } }, name: 'ring columns' });
        await w.set_view({ camera: { position: [0, -1, 25000], target: [0, 0, 0] } });
        const frame1 = await w.wait_for_frame(60000);
        return { info, frame: frame1, shot: await w.screenshot() };
      }),
      120_000,
      'potree viewer columns',
    );
    expect(r.info).toMatchObject({ name: 'ring columns', points: 50000 });
    expect(r.info.attributes.map((a: { name: string }) => a.name)).toEqual(['position', 'x', 'y', 'frame']);
    expect(r.info.attributes.find((a: { name: string }) => a.name === 'frame')).toMatchObject({ type: 'uint16', min: 0, max: 999 });
    expect(r.frame.drawn_points).toBeGreaterThan(1000);
    // a ring: lit pixels in every quadrant
    const q = quadrants(PNG.sync.read(pngBytes(r.shot)));
    for (const k of ['tl', 'tr', 'bl', 'br'] as const) expect(q[k], JSON.stringify(q)).toBeGreaterThan(20);
    expect(host.requests).toContain(`${host.app.url}/dist/plugins/Potree-Viewer/potree.worker.js`);
  });

  it('opens a one-file octree from a File or Blob (a local .smlm carrying one), reading slices of it', async () => {
    const r = await withTimeout(
      host.page.evaluate(async (url) => {
        const blob = new Blob([await (await fetch(url)).arrayBuffer()]);
        const w = (window as any).pv;
        await w.load({ source: blob, name: 'local ring.smlm' }); // source: a URL, or a File/Blob as {file}
        return w.wait_for_frame(60000);
      }, `${host.app.url}/pc/ring-into.smlm`),
      90_000,
      'potree viewer file',
    );
    expect(r).toMatchObject({ name: 'local ring.smlm', points: 60000 });
    expect(r.drawn_points).toBeGreaterThan(1000);
  });

  it('additive blending weighs each point by its level of detail: as bright with the root alone as with every node', async () => {
    await viewFromS3({ url: `${host.app.url}/pc/ring/metadata.json`, name: 'ring' });
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'ring', 'metadata.json'), 'utf8'));
    const root = fs.readFileSync(path.join(dir, 'ring', 'hierarchy.bin')).readUInt32LE(2);
    // every point white (frame ≥ 0 > the range's top), one pixel, a small share of full brightness each
    const base = { blending: 'additive', density_gain: 0.02, color_by: 'frame', colormap: 'gray', range: [-1, 0], point_size: 1, point_size_type: 'fixed', camera: { position: [10000, 9999, 25000], target: [10000, 10000, 0] } };
    const shot = async (budget: number) => {
      const { view, png } = await viewShot({ ...base, point_budget: budget });
      const info = await host.page.evaluate(() => (window as any).pv.get_info());
      let sum = 0;
      for (let i = 0; i < png.width * png.height; i++) sum += png.data[i * 4]!;
      return { view, sum, drawn: info.drawn_points as number };
    };
    const coarse = await shot(root + 10); // the root alone
    const fine = await shot(1_000_000); // every node
    expect(coarse.view).toMatchObject({ blending: 'additive', density_gain: 0.02 });
    expect(coarse.drawn).toBe(root);
    expect(fine.drawn).toBe(60000);
    expect(meta.imjoy_share.level_shares[0]).toBeCloseTo(root / 60000, 1);
    // 15× fewer points, each weighing 15×: the same light within 20 % (unweighted: 1/15 of it)
    expect(coarse.sum / fine.sum, JSON.stringify({ coarse: coarse.sum, fine: fine.sum })).toBeGreaterThan(0.8);
    expect(coarse.sum / fine.sum).toBeLessThan(1.25);
    // back to opaque; a bad value is a clear error
    const err = await host.page.evaluate(() => (window as any).pv.set_view({ density_gain: 2 }).then(() => '', (e: Error) => e.message));
    expect(err).toMatch(/density_gain: expected a number in \(0, 1\)/);
    expect((await viewShot({ blending: 'opaque' })).view.blending).toBe('opaque');
  });

  it('the toolbar: range sliders over the attribute, size mode, frames, blending, wired to the view', async () => {
    await viewFromS3({ url: `${host.app.url}/pc/ring/metadata.json`, name: 'ring' });
    const f = await viewerFrame();
    const view = () => host.page.evaluate(() => (window as any).pv.get_view());
    await host.page.evaluate(() => (window as any).pv.set_view({ color_by: 'frame', range: [0, 1000] }));
    // the sliders span the attribute's extent (frame: 0 … 1000); the low one at a quarter, the high one at three quarters
    await f.$eval('#pv-lo-slider', (e) => {
      (e as HTMLInputElement).value = '250';
      e.dispatchEvent(new Event('input'));
    });
    await f.$eval('#pv-hi-slider', (e) => {
      (e as HTMLInputElement).value = '750';
      e.dispatchEvent(new Event('input'));
    });
    await f.waitForFunction(() => (document.getElementById('pv-lo') as HTMLInputElement).value === '250' && (document.getElementById('pv-hi') as HTMLInputElement).value === '750');
    expect((await view()).range).toEqual([250, 750]);
    await f.selectOption('#pv-size-type', 'attenuated');
    await f.fill('#pv-f0', '1000');
    await f.$eval('#pv-f0', (e) => e.dispatchEvent(new Event('change')));
    await f.selectOption('#pv-blend', 'additive');
    const v = await view();
    expect(v).toMatchObject({ point_size_type: 'attenuated', blending: 'additive' });
    expect(v.frame_range[0]).toBe(1000);
    // and back
    await host.page.evaluate(() => (window as any).pv.set_view({ blending: 'opaque', frame_range: null, point_size_type: 'fixed' }));
    expect(await f.$eval('#pv-f0', (e) => (e as HTMLInputElement).value)).toBe('');
  });
});
