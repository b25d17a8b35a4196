import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHost, withTimeout, type Host } from '../helpers/host.js';
import { repoRoot } from '../helpers/paths.js';

const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'manifest.imjoy.json'), 'utf8'));

describe('every plugin of the manifest loads in the real imjoy-core host', () => {
  let host: Host;
  beforeAll(async () => {
    host = await openHost();
  });
  afterAll(async () => host?.close());

  it('the manifest lists the product plugins and the host shows them', async () => {
    expect(manifest.plugins.length).toBeGreaterThanOrEqual(1);
    const listed = await host.page.$$eval('#plugin-list button[data-plugin]', (bs) => bs.map((b) => (b as HTMLElement).dataset.plugin));
    expect(listed).toEqual(manifest.plugins.map((p: { name: string }) => p.name));
  });

  for (const p of manifest.plugins as { name: string; type: string; uri: string }[]) {
    it(`${p.name}: loads (setup runs) and exposes its API`, async () => {
      const src = `${host.app.url}/${manifest.uri_root}/${p.uri}`;
      const r = await withTimeout(
        host.page.evaluate(
          async ({ src, type }) => {
            const api = type === 'window' ? await window.imjoy.api.createWindow({ src }) : await window.imjoy.api.getPlugin({ src });
            const loaded = Object.values(window.imjoy.pm.plugins).find((x: any) => x.config?.origin === src) as any;
            return { fns: Object.keys(api).filter((k) => typeof api[k] === 'function'), name: loaded?.name };
          },
          { src, type: p.type },
        ),
        60_000,
        `loading ${p.name}`,
      );
      expect(r.name).toBe(p.name);
      expect(r.fns.length).toBeGreaterThan(1);
    });
  }

  it('stayed offline', () => {
    expect(host.external()).toEqual([]);
  });
});
