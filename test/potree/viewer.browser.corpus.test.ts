/** The Potree Viewer on the real Potree 1.x cloud of the corpus (PotreeConverter 1's cloud.js and node files). */
import { execFileSync } from 'node:child_process';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHost, pngBytes, withTimeout, type Host } from '../helpers/host.js';
import { corpusData, repoRoot } from '../helpers/paths.js';

let host: Host;

beforeAll(async () => {
  execFileSync(process.execPath, ['build.mjs', '--only', 'potree-viewer'], { cwd: repoRoot });
  host = await openHost({ mounts: { '/corpus/': corpusData } });
}, 180_000);
afterAll(() => host?.close());

describe('Potree Viewer, Potree 1.x', () => {
  it('loads lion_takanawa by its cloud.js: nodes fetched file by file, the lion drawn', async () => {
    const url = `${host.app.url}/corpus/potree/lion_takanawa/cloud.js`;
    const r = await withTimeout(
      host.page.evaluate(
        async ([src, url]) => {
          const w = await (window as any).imjoy.api.createWindow({ src, name: 'Potree Viewer' });
          const info = await w.load({ url });
          return { info, frame: await w.wait_for_frame(60000), shot: await w.screenshot() };
        },
        [`${host.app.url}/dist/plugins/Potree-Viewer.imjoy.html`, url] as const,
      ),
      120_000,
      'potree 1.x',
    );
    expect(r.info.name).toBe('lion_takanawa');
    expect(r.frame.drawn_points).toBeGreaterThan(1000);
    const nodes = host.requests.filter((u) => /\/corpus\/potree\/lion_takanawa\/data\/r\/r\d*\.bin$/.test(u));
    expect(nodes.length).toBeGreaterThan(1);
    const png = PNG.sync.read(pngBytes(r.shot));
    let lit = 0;
    for (let i = 0; i < png.width * png.height; i++) if (Math.max(png.data[i * 4]!, png.data[i * 4 + 1]!, png.data[i * 4 + 2]!) > 40) lit++;
    expect(lit).toBeGreaterThan(2000);
    // a cloud.js that is not one: one clear error naming it
    const err = await host.page.evaluate(async (u) => (window as any).imjoy.api.getWindow('Potree Viewer').then((w: any) => w.load({ url: u })).then(() => '', (e: Error) => String(e?.message ?? e)), `${host.app.url}/corpus/potree/none/cloud.js`);
    expect(err).toMatch(/none\/cloud\.js: HTTP 404/);
  });
});
