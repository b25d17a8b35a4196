import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { HttpSource } from '../../src/io/http-source.js';
import { FileSource } from '../../src/io/file-source.js';
import { makeReferences } from '../../src/reference/make.js';
import { openHost, withTimeout, type Host } from '../helpers/host.js';
import { repoRoot, sharedData } from '../helpers/paths.js';

let host: Host;
let src: string;
const files = ['zip/omezarr-v04-blosc-stored.zip', 'zip/omezarr-v04-zlib-nested-zip64.zip', 'tiff/tczyx-u8-lzw.ome.tif'];

beforeAll(async () => {
  execFileSync(process.execPath, ['build.mjs', '--only', 'reference-maker'], { cwd: repoRoot });
  host = await openHost({ mounts: { '/data/': sharedData } });
  src = `${host.app.url}/dist/plugins/Reference-Maker.imjoy.html`;
  // A window plugin: its API comes from createWindow (getPlugin gives no instance).
  await withTimeout(
    host.page.evaluate(async (src) => {
      (window as any).rm = await (window as any).imjoy.api.createWindow({ src, name: 'Reference Maker' });
    }, src),
    60_000,
    'creating the Reference Maker window',
  );
}, 180_000);
afterAll(() => host?.close());

const call = (fn: string, arg: unknown) =>
  withTimeout(
    host.page.evaluate(
      async ([fn, arg]) => {
        const p = (window as any).rm;
        try {
          return { ok: await p[fn](arg) };
        } catch (e) {
          return { error: String((e as Error)?.message ?? e) };
        }
      },
      [fn, arg] as const,
    ),
    60_000,
    fn,
  );

describe('Reference Maker plugin in the ImJoy host', () => {
  for (const f of files) {
    it(`make_references({url}) for ${f} equals Node's references`, async () => {
      const url = `${host.app.url}/data/${f}`;
      const r = await call('make_references', { url });
      expect(r.error).toBeUndefined();
      expect(r.ok).toEqual(await makeReferences(new HttpSource(url), { url }));
    });
  }

  it('make_references({file, template_url}) from a browser File', async () => {
    const f = files[0];
    const template = 'https://bucket.example/image.zip';
    const r = await withTimeout(
      host.page.evaluate(
        async ([url, template]) => {
          const blob = await (await fetch(url)).blob();
          const file = new File([blob], 'local.zip');
          return (window as any).rm.make_references({ file, template_url: template });
        },
        [`${host.app.url}/data/${f}`, template] as const,
      ),
      60_000,
      'file',
    );
    const local = new FileSource(`${sharedData}/${f}`);
    expect(r).toEqual(await makeReferences(local, { url: template }));
    await local.close();
  });

  it('bad input: a clear error naming the file', async () => {
    const url = `${host.app.url}/dist/plugins/Reference-Maker.imjoy.html`;
    const r = await call('make_references', { url });
    expect(r.error).toMatch(/Reference-Maker\.imjoy\.html: not a TIFF or ZIP file/);
    const deflated = await call('make_references', { url: `${host.app.url}/data/zip/omezarr-v04-deflated-members.zip` });
    expect(deflated.error).toMatch(/omezarr-v04-deflated-members\.zip: ZIP member 0\/0\/0\/0 is compressed/);
  });

  it('the window: run with a URL shows a summary; open_in_viewer adds the image to the Reference Viewer', async () => {
    const url = `${host.app.url}/data/zip/omezarr-v04-blosc-stored.zip`;
    const added = await withTimeout(
      host.page.evaluate(
        async ([src, url]) => {
          const w = await (window as any).imjoy.api.createWindow({ src, name: 'Reference Maker', data: { url } });
          await w.run({ data: { url } });
          (window as any).rmUrl = w;
          return w.open_in_viewer();
        },
        [src, url] as const,
      ),
      90_000,
      'window',
    );
    expect(added).toMatchObject({ shape: [2, 700, 900], levels: 3 });
    const texts = await Promise.all(host.page.frames().map((fr) => fr.evaluate(() => document.getElementById('rm-summary')?.textContent ?? '').catch(() => '')));
    const summary = texts.find((t) => t.includes('level'));
    expect(summary).toMatch(/level 0: 2×700×900 <u2, chunks 1×256×256, blosc, 24 chunk refs/);
    // a second "open in viewer" (and two at once) adds to the open viewer instead of opening more
    const viewers = () => host.page.evaluate(() => Object.values((window as any).imjoy.pm.plugins).filter((p: any) => p.name === 'Reference Viewer').length);
    expect(await viewers()).toBe(1);
    await withTimeout(host.page.evaluate(() => Promise.all([(window as any).rmUrl.open_in_viewer(), (window as any).rmUrl.open_in_viewer()])), 60_000, 'open twice');
    expect(await viewers()).toBe(1);
  });

  it('get_store: a zarr.js-style store object crosses RPC (_rintf) and the Reference Viewer reads it', async () => {
    const r = await withTimeout(
      host.page.evaluate(async ([url, file, viewerSrc]) => {
        const store = await (window as any).rm.get_store({ url });
        const keys: string[] = await store.keys();
        const zattrs = new TextDecoder().decode(await store.getItem('.zattrs'));
        const viewer = await (window as any).imjoy.api.createWindow({ src: viewerSrc, name: 'Reference Viewer' });
        const added = await viewer.add_image({ source: store, name: 'rpc store' });
        // a local File: chunks come from the File, not from a URL
        const blob = await (await fetch(file)).blob();
        const fileStore = await (window as any).rm.get_store({ file: new File([blob], 'local.zip') });
        const chunk = new Uint8Array(await fileStore.getItem('0/0.0.0'));
        return { keys: keys.length, zattrs, added, has: await store.containsItem('0/.zarray'), chunkBytes: chunk.length };
      }, [`${host.app.url}/data/zip/omezarr-v04-blosc-stored.zip`, `${host.app.url}/data/zip/omezarr-v04-blosc-stored.zip`, `${host.app.url}/dist/plugins/Reference-Viewer.imjoy.html`] as const),
      90_000,
      'rpc store',
    );
    expect(r.keys).toBe(42);
    expect(JSON.parse(r.zattrs).multiscales[0].version).toBe('0.4');
    expect(r.has).toBe(true);
    expect(r.added).toMatchObject({ shape: [2, 700, 900], levels: 3 });
    expect(r.chunkBytes).toBe(89787); // the stored member's size (Python zipfile's compress_size)
  });

  it('refresh_url: an expired URL (403) is swapped for a fresh one, in make_references and get_store', async () => {
    // "expired" URLs answer 403 at the network level, for the plugin's frame too
    await host.page.route('**/expired/**', (route) => route.fulfill({ status: 403, body: 'Request has expired' }));
    const fresh = `${host.app.url}/data/zip/omezarr-v04-blosc-stored.zip`;
    const expired = `${host.app.url}/expired/data/zip/omezarr-v04-blosc-stored.zip?X-Amz-Expires=1`;
    try {
      const r = await withTimeout(
        host.page.evaluate(async ([expired, fresh]) => {
          const seen: string[] = [];
          const refresh_url = (old: string) => (seen.push(old), fresh);
          const rm = (window as any).rm;
          const without = await rm.make_references({ url: expired }).then(() => 'no error', (e: Error) => String(e?.message ?? e));
          const refs = await rm.make_references({ url: expired, refresh_url });
          const made = seen.length;
          const store = await rm.get_store({ refs, refresh_url }); // chunks still point at the expired URL
          const chunk = new Uint8Array(await store.getItem('0/0.0.0'));
          return { without, refs, made, seen, chunkBytes: chunk.length };
        }, [expired, fresh] as const),
        60_000,
        'refresh_url',
      );
      expect(r.without).toMatch(/omezarr-v04-blosc-stored\.zip: .*403/);
      expect(r.made).toBe(1);
      expect(r.seen).toEqual([expired, expired]); // once while indexing, once while reading
      expect(r.refs).toEqual(await makeReferences(new HttpSource(fresh), { url: expired }));
      expect(r.chunkBytes).toBe(89787); // the stored member's size (Python zipfile's compress_size)
    } finally {
      await host.page.unroute('**/expired/**');
    }
  });

  it('the window with a local file: make, then open in the viewer through a live store', async () => {
    // The frame of window.rm: the maker window whose form was never filled (the other one was run with a URL).
    let frame: import('playwright-core').Frame | undefined;
    for (const f of host.page.frames()) {
      const v = await f.evaluate(() => (document.getElementById('rm-url') as HTMLInputElement | null)?.value ?? null).catch(() => null);
      if (v === '') frame = f;
    }
    expect(frame).toBeDefined();
    await frame!.setInputFiles('#rm-file', `${sharedData}/zip/omezarr-v04-zlib-nested-zip64.zip`);
    await frame!.evaluate(() => document.getElementById('rm-make')!.click());
    await expect.poll(() => frame!.textContent('#rm-summary'), { timeout: 30_000 }).toMatch(/level 0: 3×500×600 <u2, chunks 1×128×128, zlib, 60 chunk refs/);
    const added = await withTimeout(host.page.evaluate(() => (window as any).rm.open_in_viewer()), 60_000, 'open_in_viewer');
    expect(added).toMatchObject({ shape: [3, 500, 600], levels: 3 });

    // Download JSON: the file the user gets is Node's references for the file (template = its name).
    const [download] = await Promise.all([host.page.waitForEvent('download', { timeout: 30_000 }), frame!.evaluate(() => document.getElementById('rm-download')!.click())]);
    expect(download.suggestedFilename()).toBe('omezarr-v04-zlib-nested-zip64.refs.json');
    const saved = JSON.parse(fs.readFileSync((await download.path())!, 'utf8'));
    const local = new FileSource(`${sharedData}/zip/omezarr-v04-zlib-nested-zip64.zip`);
    expect(saved).toEqual(await makeReferences(local, { url: 'omezarr-v04-zlib-nested-zip64.zip' }));
    await local.close();
  });
});
