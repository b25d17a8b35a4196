/**
 * `npm run bench -- viewer`: the Reference Viewer on a 20,480 × 20,480 × 2-channel uint16 pyramid
 * (7 levels, 512² zlib chunks) given as kerchunk references over one data file, in Debian chromium
 * through the ImJoy host. Measures requests, bytes and time (a) to the first complete frame at full
 * resolution, (b) for a full-screen pan (one view width right, then back) and (c) for hiding and showing a
 * channel (viv's selections change, so deck.gl drops its tiles), for our fetching layer vs
 * the same viewer with read coalescing and the chunk cache turned off. Interleaved rounds; medians.
 *
 * The data file holds two rows of distinct chunks per (level, channel); references map chunk row y
 * to stored row y mod 2, so the file stays ~40 MB while the image is 20k² (neighbouring chunks of a
 * row are neighbours in the file, as in a real tiled OME-TIFF or stored ZIP).
 */
import fs from 'node:fs';
import path from 'node:path';
import { zlibSync } from 'fflate';
import { launchChromium, withTimeout } from '../test/helpers/host.js';
import { startApp } from '../src/server/app.js';

const root = process.env.IMJOY_SHARE_ROOT ?? process.cwd();
const dir = path.join(root, '.cache', 'bench', 'viewer');
const SIZE = 20480;
const CHUNK = 512;
const LEVELS = 7;
const ROUNDS = Number(process.env.ROUNDS ?? 3);

function makeData() {
  const refsFile = path.join(dir, 'pyramid.refs.json');
  if (fs.existsSync(refsFile)) return;
  fs.mkdirSync(dir, { recursive: true });
  const parts: Uint8Array[] = [];
  let offset = 0;
  const refs: Record<string, unknown> = { '.zgroup': JSON.stringify({ zarr_format: 2 }) };
  const datasets = [];
  for (let l = 0; l < LEVELS; l++) {
    const n = Math.ceil(SIZE / 2 ** l);
    const nx = Math.ceil(n / CHUNK);
    refs[`${l}/.zarray`] = JSON.stringify({ zarr_format: 2, shape: [2, n, n], chunks: [1, CHUNK, CHUNK], dtype: '<u2', compressor: { id: 'zlib', level: 1 }, fill_value: 0, order: 'C', filters: null, dimension_separator: '/' });
    datasets.push({ path: String(l), coordinateTransformations: [{ type: 'scale', scale: [1, 0.1 * 2 ** l, 0.1 * 2 ** l] }] });
    for (let c = 0; c < 2; c++) {
      const stored: [number, number][][] = [[], []];
      for (let row = 0; row < 2; row++) {
        for (let tx = 0; tx < nx; tx++) {
          const px = new Uint16Array(CHUNK * CHUNK);
          for (let y = 0; y < CHUNK; y++) {
            for (let x = 0; x < CHUNK; x++) {
              const gx = (tx * CHUNK + x) * 2 ** l;
              const gy = (row * CHUNK + y) * 2 ** l;
              const v = c === 0 ? Math.sin(gx / 700) * Math.cos(gy / 500) : Math.cos(Math.hypot(gx - 9000, gy - 700) / 300);
              px[y * CHUNK + x] = 20000 + Math.round(15000 * v) + (((x * 7919 + y * 104729) >>> 3) & 15);
            }
          }
          const z = zlibSync(new Uint8Array(px.buffer), { level: 1 });
          stored[row].push([offset, z.length]);
          parts.push(z);
          offset += z.length;
        }
      }
      for (let ty = 0; ty < nx; ty++) for (let tx = 0; tx < nx; tx++) refs[`${l}/${c}/${ty}/${tx}`] = ['{{u}}', ...stored[ty % 2][tx]];
    }
  }
  refs['.zattrs'] = JSON.stringify({
    multiscales: [{ version: '0.4', axes: [{ name: 'c', type: 'channel' }, { name: 'y', type: 'space', unit: 'micrometer' }, { name: 'x', type: 'space', unit: 'micrometer' }], datasets }],
    omero: { channels: [{ label: 'a', color: 'FF00FF', active: true, window: { min: 0, max: 65535, start: 5000, end: 35000 } }, { label: 'b', color: '00FF00', active: true, window: { min: 0, max: 65535, start: 5000, end: 35000 } }] },
  });
  const out = fs.openSync(path.join(dir, 'pyramid.bin'), 'w');
  for (const p of parts) fs.writeSync(out, p);
  fs.closeSync(out);
  fs.writeFileSync(refsFile, JSON.stringify({ version: 1, templates: { u: 'pyramid.bin' }, refs }));
  console.log(`data: ${(offset / 1e6).toFixed(1)} MB in ${parts.length} distinct chunks; ${Object.keys(refs).length} references`);
}

interface Measure {
  ms: number;
  requests: number;
  bytes: number;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function main() {
  const t = Date.now();
  makeData();
  console.log(`data ready in ${Date.now() - t} ms (${dir})`);
  // Object-store latency: every data request waits this long before it is served (S3 first-byte
  // latency is typically 20–100 ms; on localhost it would be ~0 and hide what requests cost).
  const latency = Number(process.env.LATENCY_MS ?? 40);
  const delay = async (_req: unknown, _res: unknown, url: URL) => {
    if (url.pathname.startsWith('/bench/')) await new Promise((r) => setTimeout(r, latency));
    return false;
  };
  const app = await startApp({ root, port: 0, demo: false, services: [], mounts: { '/bench/': dir }, handlers: [delay] });
  const browser = await launchChromium();
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(`${app.url}/`);
  await page.evaluate(() => (window as any).imjoyReady);
  const host = { page, close: async () => (await browser.close(), await app.close()) };
  const src = `${app.url}/dist/plugins/Reference-Viewer.imjoy.html`;
  const refsUrl = `${app.url}/bench/pyramid.refs.json`;
  const modes = { ours: {}, 'no coalescing, no cache': { coalesce: false, cache_bytes: 0 } } as Record<string, Record<string, unknown>>;
  const results: Record<string, { first: Measure[]; pan: Measure[]; toggle: Measure[] }> = {};
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [mode, opts] of Object.entries(modes)) {
        const r = await withTimeout(
          host.page.evaluate(
            async ([src, refsUrl, opts, round, mode]) => {
              const w = await (window as any).imjoy.api.createWindow({ src, name: `bench ${mode} ${round}` });
              const stats = () => w.get_stats();
              const s0 = await stats();
              // the first view: full resolution in the middle of the image (level 0: zoom 0)
              await w.set_view_state({ target: [10240, 10240], zoom: 0 });
              const t0 = performance.now();
              await w.add_image({ source: refsUrl, name: 'pyramid', ...(opts as object) });
              const s1 = await w.wait_for_frame(120000);
              const t1 = performance.now();
              const frames = document.querySelectorAll('iframe');
              const canvas = frames[frames.length - 1].getBoundingClientRect();
              // a full-screen pan: the view moves by its own width (every tile is new), then back
              for (const x of [10240 + canvas.width, 10240]) {
                await w.set_view_state({ target: [x, 10240], zoom: 0 });
                await w.wait_for_frame(120000);
              }
              const s2 = await stats();
              const t2 = performance.now();
              // hiding and showing a channel changes viv's selections, so deck.gl drops its tiles
              await w.set_channel('pyramid', 1, { visible: false });
              await w.wait_for_frame(120000);
              await w.set_channel('pyramid', 1, { visible: true });
              await w.wait_for_frame(120000);
              const s3 = await stats();
              const t3 = performance.now();
              await w.remove_image('pyramid');
              return {
                first: { ms: t1 - t0, requests: s1.requests - s0.requests, bytes: s1.bytes - s0.bytes },
                pan: { ms: t2 - t1, requests: s2.requests - s1.requests, bytes: s2.bytes - s1.bytes },
                toggle: { ms: t3 - t2, requests: s3.requests - s2.requests, bytes: s3.bytes - s2.bytes },
                width: canvas.width,
                errors: s3.errors,
              };
            },
            [src, refsUrl, opts, round, mode] as const,
          ),
          600_000,
          `bench ${mode}`,
        );
        if (r.errors.length) throw new Error(`${mode}: ${r.errors.join('; ')}`);
        (results[mode] ??= { first: [], pan: [], toggle: [] }).first.push(r.first);
        results[mode].pan.push(r.pan);
        results[mode].toggle.push(r.toggle);
        const f = (m: Measure) => `${m.ms.toFixed(0)} ms, ${m.requests} req, ${(m.bytes / 1e6).toFixed(1)} MB`;
        console.log(`round ${round} ${mode} (canvas ${r.width.toFixed(0)} px): first frame ${f(r.first)}; pan ${f(r.pan)}; channel off/on ${f(r.toggle)}`);
      }
    }
  } finally {
    await host.close();
  }
  const row = (m: Measure[]) => ({ ms: median(m.map((x) => x.ms)), requests: median(m.map((x) => x.requests)), bytes: median(m.map((x) => x.bytes)) });
  console.log(`\n20480² × 2 ch uint16, 512² zlib chunks, references over one file, ${latency} ms per request; medians of ${ROUNDS} rounds`);
  console.log('phase        | mode                     |   time ms | requests |     MB');
  const label = { first: 'first frame', pan: 'full pan', toggle: 'chan off/on' };
  for (const phase of ['first', 'pan', 'toggle'] as const) {
    for (const mode of Object.keys(modes)) {
      const m = row(results[mode][phase]);
      console.log(`${label[phase].padEnd(12)} | ${mode.padEnd(24)} | ${m.ms.toFixed(0).padStart(9)} | ${String(m.requests).padStart(8)} | ${(m.bytes / 1e6).toFixed(1).padStart(6)}`);
    }
    const a = row(results.ours[phase]);
    const b = row(results['no coalescing, no cache'][phase]);
    const ratio = (x: number, y: number) => (y > 0 ? `${(x / y).toFixed(2)}×` : x > 0 ? '∞' : '–');
    console.log(`${''.padEnd(12)} | ratio baseline/ours      | ${ratio(b.ms, a.ms).padStart(9)} | ${ratio(b.requests, a.requests).padStart(8)} | ${ratio(b.bytes, a.bytes).padStart(6)}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
