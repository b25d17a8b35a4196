import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRange, parseRanges, startStaticServer, type RunningServer } from '../../src/http/static-server.js';
import { startApp } from '../../src/server/app.js';
import { ensureDemoData } from '../../src/demo/index.js';
import { repoRoot } from '../helpers/paths.js';
import { tmpDir } from '../helpers/host.js';

describe('parseRange', () => {
  it('handles closed, open-ended and suffix ranges, and unsatisfiable ones', () => {
    expect(parseRange('bytes=10-19', 100)).toEqual({ start: 10, end: 19 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-5', 100)).toEqual({ start: 95, end: 99 });
    expect(parseRange('bytes=95-200', 100)).toEqual({ start: 95, end: 99 });
    expect(parseRange('bytes=100-101', 100)).toBeNull();
    expect(parseRange(undefined, 100)).toBeUndefined();
    expect(parseRange('bytes=0-1,5-6', 100)).toBeUndefined();
  });
});

describe('static server', () => {
  let dir: string;
  let srv: RunningServer;
  const body = Buffer.from(Array.from({ length: 5000 }, (_, i) => i & 255));
  beforeAll(async () => {
    dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'a.tif'), body);
    fs.writeFileSync(path.join(dir, 'p.wasm'), 'x');
    fs.writeFileSync(path.join(path.dirname(dir), 'secret.txt'), 'no');
    srv = await startStaticServer({ mounts: { '/d/': dir } });
  });
  afterAll(() => srv.close());

  it('serves Range requests with 206 and Content-Range, and CORS for plugin frames', async () => {
    const r = await fetch(`${srv.url}/d/a.tif`, { headers: { Range: 'bytes=100-199', Origin: 'http://127.0.0.1:1' } });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe('bytes 100-199/5000');
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-expose-headers')).toContain('Content-Range');
    // CORS headers only for pages (which send Origin); Vary tells caches so
    const plain = await fetch(`${srv.url}/d/a.tif`, { headers: { Range: 'bytes=100-199' } });
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    expect(plain.headers.get('vary')).toBe('Origin');
    await plain.arrayBuffer();
    expect(Buffer.from(await r.arrayBuffer()).equals(body.subarray(100, 200))).toBe(true);
    const bad = await fetch(`${srv.url}/d/a.tif`, { headers: { Range: 'bytes=6000-6001' } });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe('bytes */5000');
  });

  it('uses correct MIME types', async () => {
    expect((await fetch(`${srv.url}/d/p.wasm`)).headers.get('content-type')).toBe('application/wasm');
    expect((await fetch(`${srv.url}/d/a.tif`)).headers.get('content-type')).toBe('image/tiff');
  });

  it('never serves files outside a mount', async () => {
    for (const p of ['/d/../secret.txt', '/d/%2e%2e/secret.txt', '/d/..%2fsecret.txt']) {
      const r = await fetch(`${srv.url}${p}`);
      expect(r.status, p).toBe(404);
    }
  });

  it('says clearly when the port is taken', async () => {
    await expect(startStaticServer({ mounts: {}, port: srv.port })).rejects.toThrow(`port ${srv.port} on 127.0.0.1 is already in use`);
  });
});

describe('app server', () => {
  it('serves the host, the manifest, slides and a second origin for plugin frames', async () => {
    const app = await startApp({ root: repoRoot, port: 0, demo: false, services: [] });
    try {
      const html = await (await fetch(`${app.url}/`)).text();
      expect(html).toContain('host/host.js');
      const cfg = await (await fetch(`${app.url}/host/config.json`)).json();
      expect(cfg.frame_origin).toBe(app.frameUrl);
      expect(new URL(app.frameUrl).port).not.toBe(new URL(app.url).port);
      expect((await fetch(`${app.frameUrl}/lib/base_frame.html`)).status).toBe(200);
      expect((await fetch(`${app.frameUrl}/lib/imjoy-rpc.min.js`)).status).toBe(200);
      // The host page itself is not served on the frame origin.
      expect((await fetch(`${app.frameUrl}/`)).status).toBe(404);
      expect((await (await fetch(`${app.url}/manifest.imjoy.json`)).json()).name).toBe('imjoy-share');
      expect(await (await fetch(`${app.url}/slides/scalable-data-sharing.md`)).text()).toContain('-----');
    } finally {
      await app.close();
    }
  });

  it('generates demo data once and retries a failed generator', async () => {
    const cache = tmpDir();
    let runs = 0;
    let fail = true;
    const gen = {
      name: 'g',
      async generate(d: string) {
        runs++;
        if (fail) throw new Error('boom');
        fs.writeFileSync(path.join(d, 'x.txt'), 'ok');
      },
    };
    await expect(ensureDemoData(cache, () => {}, [gen])).rejects.toThrow('boom');
    fail = false;
    await ensureDemoData(cache, () => {}, [gen]);
    await ensureDemoData(cache, () => {}, [gen]);
    expect(runs).toBe(2);
    expect(fs.readFileSync(path.join(cache, 'g', 'x.txt'), 'utf8')).toBe('ok');
  });
});

describe('port helper sanity', () => {
  it('a free port really is free after close', async () => {
    const s = await startStaticServer({ mounts: {} });
    const port = s.port;
    await s.close();
    await new Promise<void>((resolve, reject) => {
      const n = net.createServer().once('error', reject).listen(port, '127.0.0.1', () => n.close(() => resolve()));
    });
  });
});

describe('multi-range requests (RFC 9110 §14, answered like nginx)', () => {
  const data = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 131 + 7) & 255));
  let dir: string;
  let srv: RunningServer;
  let s3like: RunningServer;
  beforeAll(async () => {
    dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'a.bin'), data);
    srv = await startStaticServer({ mounts: { '/': dir } });
    s3like = await startStaticServer({ mounts: { '/': dir }, maxRanges: 1 });
  });
  afterAll(async () => {
    await srv.close();
    await s3like.close();
  });

  it('parseRanges: lists, suffixes, unsatisfiable members dropped, overlaps merged, too many ignored', () => {
    expect(parseRanges('bytes=500-509, 0-9,-5', 1000)).toEqual([{ start: 0, end: 9 }, { start: 500, end: 509 }, { start: 995, end: 999 }]);
    expect(parseRanges('bytes=0-9,5-20,21-30,2000-3000', 1000)).toEqual([{ start: 0, end: 30 }]);
    expect(parseRanges('bytes=2000-3000,-0', 1000)).toBeNull();
    expect(parseRanges('bytes=0-1,x', 1000)).toBeUndefined();
    expect(parseRanges('items=0-1', 1000)).toBeUndefined();
    expect(parseRanges('bytes=0-1,3-4,6-7', 1000, 2)).toBeUndefined();
    expect(parseRanges('bytes=0-1,3-4', 1000, 2)).toHaveLength(2);
  });

  it('answers 206 multipart/byteranges that Python (requests + the email package) parses to the same bytes', async () => {
    const ranges = 'bytes=90000-99999,0-2999,-1,40000-45000';
    const py = `
import sys, json, requests, email, email.policy
r = requests.get(sys.argv[1], headers={'Range': sys.argv[2]})
msg = email.message_from_bytes(b'Content-Type: ' + r.headers['Content-Type'].encode() + b'\\r\\n\\r\\n' + r.content, policy=email.policy.HTTP)
print(json.dumps({'status': r.status_code, 'length': int(r.headers['Content-Length']), 'got': len(r.content), 'type': msg.get_content_type(),
  'parts': [[p['Content-Range'], p.get_payload(decode=True).hex()] for p in msg.iter_parts()]}))`;
    // async: the server answers from this process
    const text = await new Promise<string>((resolve, reject) =>
      execFile('/usr/bin/python3', ['-c', py, `${srv.url}/a.bin`, ranges], { maxBuffer: 1 << 26 }, (e, o, se) => (e ? reject(new Error(`${e.message}\n${se}`)) : resolve(o))),
    );
    const out = JSON.parse(text);
    expect(out).toMatchObject({ status: 206, type: 'multipart/byteranges' });
    expect(out.got).toBe(out.length);
    // sorted, each part the file's bytes (which include CR and LF bytes)
    const want = [[0, 2999], [40000, 45000], [90000, 99999]];
    expect(out.parts.map((p: string[]) => p[0])).toEqual(want.map(([s, e]) => `bytes ${s}-${e}/100000`));
    out.parts.forEach((p: string[], i: number) => expect(p[1]).toBe(data.subarray(want[i][0], want[i][1] + 1).toString('hex')));
  });

  it('HEAD, 416 when nothing is satisfiable, and maxRanges 1 answers like S3 (200, the whole file)', async () => {
    const head = await fetch(`${srv.url}/a.bin`, { method: 'HEAD', headers: { Range: 'bytes=0-0,10-10' } });
    expect(head.status).toBe(206);
    expect(head.headers.get('content-type')).toMatch(/^multipart\/byteranges; boundary=\w+$/);
    const none = await fetch(`${srv.url}/a.bin`, { headers: { Range: 'bytes=200000-200001,300000-' } });
    expect(none.status).toBe(416);
    expect(none.headers.get('content-range')).toBe('bytes */100000');
    const whole = await fetch(`${s3like.url}/a.bin`, { headers: { Range: 'bytes=0-0,10-10' } });
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(data)).toBe(true);
    const one = await fetch(`${s3like.url}/a.bin`, { headers: { Range: 'bytes=10-19' } });
    expect(one.status).toBe(206);
    expect(Buffer.from(await one.arrayBuffer()).equals(data.subarray(10, 20))).toBe(true);
  });
});
