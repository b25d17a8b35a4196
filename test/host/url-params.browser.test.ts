import { describe, expect, it } from 'vitest';
import { openHost } from '../helpers/host.js';
import { repoRoot } from '../helpers/paths.js';

const mounts = { '/fixtures/repo/': `${repoRoot}/test/fixtures/repo` };

describe('ImJoy-style URL parameters', () => {
  it('repo= lists another manifest, start= runs a plugin with the URL parameters as ctx.config', async () => {
    const host = await openHost({ mounts, query: '?repo=/fixtures/repo/manifest.imjoy.json&start=Echo%20Window%20Fixture&text=hi' });
    try {
      const names = await host.page.$$eval('#plugin-list button[data-plugin]', (bs) => bs.map((b) => (b as HTMLElement).dataset.plugin));
      expect(names).toEqual(['Echo Window Fixture']);
      await host.page.waitForSelector('#windows iframe', { timeout: 20_000 });
      expect(await host.page.locator('#tabs .tab').count()).toBe(1);
      const text = await host.page.evaluate(() => (window as any).started.getText());
      expect(text).toBe('hi');
      expect(host.external()).toEqual([]);
    } finally {
      await host.close();
    }
  });

  it('plugin= loads a plugin URL and lists it; clicking it runs it', async () => {
    const host = await openHost({ query: '?plugin=/dist/test-plugins/Echo-Window-Fixture.imjoy.html' });
    try {
      const btn = host.page.locator('#plugin-list button[data-plugin="Echo Window Fixture"]');
      await btn.waitFor({ timeout: 20_000 });
      await btn.click();
      await host.page.waitForSelector('#windows iframe', { timeout: 20_000 });
      const loaded = await host.page.evaluate(() => Object.values(window.imjoy.pm.plugins).map((p: any) => p.name));
      expect(loaded).toContain('Echo Window Fixture');
    } finally {
      await host.close();
    }
  });
});
