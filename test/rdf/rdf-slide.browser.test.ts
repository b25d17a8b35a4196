import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHost, tmpDir, withTimeout, type Host } from '../helpers/host.js';
import { repoRoot } from '../helpers/paths.js';
import { generateDemoRdfs } from '../../src/demo/rdfs.js';

// The deck's RDF slide, with the demo RDFs generated as `npm start` does (served at /demo/rdf/).
let host: Host;
let dir: string;

beforeAll(async () => {
  execFileSync('node', ['build.mjs', '--only', 'rdf-inspector'], { cwd: repoRoot });
  dir = tmpDir('rdf-slide-');
  await generateDemoRdfs(dir);
  host = await openHost({ mounts: { '/demo/rdf/': dir }, query: '?slides=scalable-data-sharing' });
}, 120_000);
afterAll(async () => {
  await host?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function inspectorFrame(): Promise<Frame> {
  // the slide's window promise resolves once the plugin is set up, so its frame is there
  await host.page.evaluate(() => (window as any).slideWindow('live-rdf').then(() => true));
  for (const f of host.page.frames()) if (await f.$('#ri-app').catch(() => null)) return f;
  throw new Error('RDF Inspector frame not found');
}

describe('RDF slide', () => {
  it('inspects the demo model (valid), the broken variant (errors with lines) and the hostile dataset (inert)', async () => {
    await host.page.evaluate(() => {
      const s = document.querySelector('section#rdf') ?? document.getElementById('live-rdf')!.closest('section')!;
      const idx = (window as any).Reveal.getIndices(s);
      (window as any).Reveal.slide(idx.h, idx.v);
    });
    await host.page.click('#btn-rdf-valid');
    await withTimeout(host.page.evaluate(() => (window as any).slideWindow('live-rdf').then(() => true)), 65_000, 'RDF Inspector window');
    await expect.poll(() => host.page.textContent('#snackbar'), { timeout: 60_000 }).toMatch(/demo model: valid, \d+ warning\(s\)/);
    expect(await host.page.evaluate(() => !!document.querySelector('#live-rdf iframe'))).toBe(true);

    await host.page.click('#btn-rdf-invalid');
    await expect.poll(() => host.page.textContent('#snackbar'), { timeout: 60_000 }).toMatch(/broken model: \d+ error\(s\)/);
    const f = await inspectorFrame();
    const n = await f.$$eval('#ri-issues li.error', (l) => l.length);
    expect(n).toBeGreaterThanOrEqual(6);

    await host.page.click('#btn-rdf-hostile');
    await expect.poll(() => host.page.textContent('#snackbar'), { timeout: 60_000 }).toContain('hostile Markdown rendered inert');
    await f.waitForSelector('#ri-doc h1');
    const audit = await f.evaluate(() => {
      const all = [...document.querySelectorAll('#ri-card *')];
      return {
        scripts: document.querySelectorAll('#ri-card script').length,
        handlers: all.filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name))).length,
        js: all.filter((e) => /^\s*javascript:/i.test(e.getAttribute('href') ?? '')).length,
      };
    });
    expect(audit).toEqual({ scripts: 0, handlers: 0, js: 0 });
    expect(host.external()).toEqual([]);
  });
});
