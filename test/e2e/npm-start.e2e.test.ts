import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { freePortPair, freshCopy, portFree, serve, type Served } from '../helpers/fresh-copy.js';
import { launchChromium, withTimeout } from '../helpers/host.js';

// The README's first command, as a new user runs it: `npm start` in a fresh clone (no dist/, no
// .cache/), then the printed URL in a browser. Tests that call startApp() directly cannot see
// where the bundled CLI looks for its files; this one can (it failed with 404s when it did not).
describe('npm start in a fresh clone', () => {
  let served: Served;
  let browser: Browser | undefined;
  let port: number;
  beforeAll(async () => {
    const dir = freshCopy();
    port = await freePortPair();
    served = await serve('npm', ['start'], { cwd: dir, env: { PORT: String(port) } });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    if (!served) return;
    await served.stop();
    expect(await portFree(port)).toBe(true); // stopped by its pid, the server let go of the port

  });

  it('prints the host, slides and frame URLs on the requested port, with no AWS SDK warning', () => {
    expect(served.url).toBe(`http://127.0.0.1:${port}`);
    expect(served.stdout()).toContain(`slides:           http://127.0.0.1:${port}/?slides=scalable-data-sharing`);
    expect(served.stdout()).toContain(`http://127.0.0.1:${port + 1} (second origin)`);
    expect(served.stderr()).not.toMatch(/NodeVersionSupportWarning|Warning:/);
  });

  it('serves the host page, the slides, the manifest and every plugin in it', async () => {
    const get = async (u: string) => {
      const r = await fetch(`${served.url}${u}`);
      return { status: r.status, text: await r.text() };
    };
    const host = await get('/');
    expect(host.status).toBe(200);
    expect(host.text).toMatch(/<html/i);
    const slides = await get('/?slides=scalable-data-sharing');
    expect(slides.status).toBe(200);
    const deck = await get('/slides/scalable-data-sharing.md');
    expect(deck.status).toBe(200);
    expect(deck.text).toContain('-----');
    const manifest = await get('/manifest.imjoy.json');
    expect(manifest.status).toBe(200);
    const m = JSON.parse(manifest.text) as { uri_root: string; plugins: { name: string; uri: string }[] };
    expect(m.plugins.length).toBeGreaterThanOrEqual(5);
    for (const p of m.plugins) {
      const r = await get(`/${m.uri_root}/${p.uri}`);
      expect(r.status, p.uri).toBe(200);
      expect(r.text, p.uri).toContain(`"name": "${p.name}"`);
    }
    // the demo data the slides use was generated where the server serves it from
    expect((await fetch(`${served.url}/demo/smlm/filaments.smlm`, { headers: { Range: 'bytes=0-3' } })).status).toBe(206);
  });

  it('runs a plugin from the host page in chromium', async () => {
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`${served.url}/`);
    await page.evaluate(() => window.imjoyReady);
    const listed = await page.$$eval('#plugin-list button[data-plugin]', (bs) => bs.map((b) => (b as HTMLElement).dataset.plugin));
    expect(listed).toContain('RDF Inspector');
    const src = `${served.url}/dist/plugins/RDF-Inspector.imjoy.html`;
    const report = await withTimeout(
      page.evaluate(async (src) => {
        const p = await window.imjoy.api.createWindow({ src });
        return p.validate({ source: `${location.origin}/demo/model/bioimageio.yaml` });
      }, src),
      60_000,
      'RDF Inspector validate',
    );
    expect(report).toMatchObject({ valid: true });
  });
});
