import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHost, withTimeout, type Host } from '../helpers/host.js';
import { repoRoot } from '../helpers/paths.js';

// Every slide of the deck `npm start` presents, at 1280×720 after all its buttons ran (in order, as
// a presenter clicks them): nothing runs off the screen, no dialog covers the deck, each button
// succeeded, and each embedded plugin is on screen. Screenshots go to .cache/slides/ for a look.
const W = 1280;
const H = 720;
const shots = path.join(repoRoot, '.cache', 'slides');
let host: Host;

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  host = await openHost({ demo: true, query: '?slides=scalable-data-sharing', viewport: { width: W, height: H } });
  await host.page.evaluate(() => (window as any).Reveal.configure({ transition: 'none' }));
}, 240_000);
afterAll(() => host?.close());

interface Box { what: string; left: number; top: number; right: number; bottom: number }

describe('the deck at 1280×720', { timeout: 300_000 }, () => {
  it('every slide fits, its buttons succeed and its plugin is visible', async () => {
    const count = await host.page.evaluate(() => (window as any).Reveal.getHorizontalSlides().length);
    expect(count).toBeGreaterThanOrEqual(8);
    for (let h = 0; h < count; h++) {
      await host.page.evaluate((h) => (window as any).Reveal.slide(h, 0), h);
      const buttons = await host.page.$$eval('.reveal section.present button', (bs) => bs.map((b) => b.id));
      for (const id of buttons) {
        await host.page.click(`#${id}`);
        await withTimeout(host.page.evaluate(() => Promise.all((window as any).slideRuns)), 120_000, `button #${id}`);
      }
      expect(await host.page.evaluate(() => (window as any).slideErrors), `slide ${h}`).toEqual([]);
      expect(await host.page.$$('.dialog-backdrop'), `slide ${h}: a dialog covers the deck`).toEqual([]);
      const outside = await host.page.evaluate(
        ([W, H]) => {
          const out: Box[] = [];
          for (const el of document.querySelectorAll('.reveal section.present *')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) continue;
            if (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1) {
              out.push({ what: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} ${(el.textContent ?? '').trim().slice(0, 40)}`, left: r.left, top: r.top, right: r.right, bottom: r.bottom });
            }
          }
          return out;
        },
        [W, H],
      );
      expect(outside, `slide ${h}: elements outside the 1280×720 screen`).toEqual([]);
      const windows = await host.page.$$eval('.reveal section.present .slide-window', (ds) => ds.map((d) => d.id));
      for (const id of windows) {
        // a window appears once a button has opened it; every slide with a window has such a button
        const frame = await host.page.$(`#${id} iframe`);
        expect(frame, `slide ${h}: no plugin in #${id}`).not.toBeNull();
        const box = (await frame!.boundingBox())!;
        expect(box.width, `#${id}`).toBeGreaterThan(300);
        expect(box.height, `#${id}`).toBeGreaterThan(200);
        expect(box.y + box.height, `#${id}`).toBeLessThanOrEqual(H + 1);
      }
      await host.page.screenshot({ path: path.join(shots, `slide-${h}.png`) });
    }
  });

  it('the model slide shows its prediction inside the visible part of the runner window', async () => {
    const frame = await (await host.page.$('#live-model iframe'))!.contentFrame();
    const r = await frame!.evaluate(() => {
      const el = document.getElementById('mr-result')!;
      const b = el.getBoundingClientRect();
      return { hidden: el.hidden, top: b.top, height: innerHeight };
    });
    expect(r.hidden).toBe(false);
    expect(r.top).toBeGreaterThanOrEqual(0);
    expect(r.top).toBeLessThan(r.height - 40);
  });

  it('a double click opens one window', async () => {
    await host.page.evaluate(() => (window as any).Reveal.slide(0, 0));
    const before = await host.page.evaluate(() => Object.keys((window as any).imjoy.pm.plugins).length);
    await host.page.evaluate(() => {
      const w = window as any;
      return Promise.all([w.indexDemoZip(), w.indexDemoZip()]);
    });
    expect(await host.page.evaluate(() => Object.keys((window as any).imjoy.pm.plugins).length)).toBe(before);
    expect(await host.page.$$('#live-ngff iframe')).toHaveLength(1);
    expect(host.external()).toEqual([]);
  });
});
