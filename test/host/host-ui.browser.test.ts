import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHost, withTimeout, type Host } from '../helpers/host.js';

// What a user of the host page meets beyond the plugin API: errors shown, docs reachable, tiles
// that use the screen.
describe('host page UI', () => {
  let host: Host;
  beforeAll(async () => {
    host = await openHost({ viewport: { width: 1400, height: 900 } });
  });
  afterAll(async () => host?.close());

  it('a plugin URL that cannot load shows an error naming it (not only a console message)', async () => {
    const bad = `${host.app.url}/dist/plugins/No-Such-Plugin.imjoy.html`;
    await host.page.fill('#load-url', bad);
    await host.page.click('#load-form button[type=submit]');
    await expect.poll(() => host.page.isVisible('#load-error'), { timeout: 30_000 }).toBe(true);
    expect(await host.page.textContent('#load-error')).toContain(`Could not load ${bad}`);
  });

  it('"?" shows the plugin documentation (its docs.md) in a dialog', async () => {
    await host.page.click('#plugin-list li:has(button[data-plugin="Reference Viewer"]) button.docs');
    await host.page.waitForSelector('.dialog .plugin-docs');
    expect(await host.page.textContent('.dialog .plugin-docs h1')).toBe('Reference Viewer');
    expect(await host.page.textContent('.dialog .plugin-docs')).toContain('add_image');
    await host.page.click('.dialog .title button');
    expect(await host.page.$$('.dialog-backdrop')).toEqual([]);
  });

  it('tiled windows share the whole workspace', async () => {
    const src = `${host.app.url}/dist/test-plugins/Echo-Window-Fixture.imjoy.html`;
    await withTimeout(
      host.page.evaluate(async (src) => {
        for (const text of ['one', 'two']) await window.imjoy.api.createWindow({ src, name: text, data: { text } });
      }, src),
      60_000,
      'two windows',
    );
    await host.page.click('#layout-toggle');
    const area = await host.page.evaluate(() => {
      const ws = document.getElementById('windows')!.getBoundingClientRect();
      const tiles = [...document.querySelectorAll('#windows .imjoy-window')].map((w) => w.getBoundingClientRect());
      return { ws: ws.width * ws.height, tiles: tiles.reduce((a, r) => a + r.width * r.height, 0), n: tiles.length };
    });
    expect(area.n).toBe(2);
    expect(area.tiles / area.ws).toBeGreaterThan(0.85);
  });
});
