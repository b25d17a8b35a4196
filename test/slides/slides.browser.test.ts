import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHost, withTimeout, type Host } from '../helpers/host.js';
import { repoRoot } from '../helpers/paths.js';

describe('slides runtime in the host', () => {
  let host: Host;
  beforeAll(async () => {
    // Served under a nested path so relative plugin URLs in the deck must be resolved against it.
    host = await openHost({ mounts: { '/fixtures/decks/': `${repoRoot}/test/fixtures/slides` }, query: '?slides=fixtures/decks/test-deck.md' });
  });
  afterAll(async () => host?.close());

  it('presents the deck with reveal.js, split on ----- and ---', async () => {
    const shape = await host.page.evaluate(() =>
      [...document.querySelectorAll('.reveal .slides > section')].map((s) => s.querySelectorAll(':scope > section').length),
    );
    expect(shape).toEqual([0, 2, 0]);
    expect(await host.page.evaluate(() => (window as any).executedAtLoad)).toBe(1);
    expect(await host.page.evaluate(() => (window as any).slidesAtLoad)).toBe(4);
  });

  it('a slide button calls api.getPlugin with a deck-relative URL', async () => {
    await host.page.click('#btn-echo');
    await withTimeout(host.page.waitForFunction(() => (window as any).slideResult === 'from slide', null, { timeout: 30_000 }), 35_000, 'slide button');
    await expect.poll(() => host.page.textContent('#snackbar')).toContain('slide says from slide');
  });

  it('embeds a window plugin inside a slide by window_id', async () => {
    await host.page.evaluate(() => (window as any).Reveal.slide(1, 1));
    await host.page.click('#btn-window');
    await host.page.waitForFunction(() => (window as any).slideWindow, null, { timeout: 30_000 });
    const inside = await host.page.evaluate(() => !!document.querySelector('#window-echo iframe'));
    expect(inside).toBe(true);
    expect(await host.page.evaluate(() => (window as any).slideWindow.getText())).toBe('embedded');
  });

  it('stayed offline', () => {
    expect(host.external()).toEqual([]);
  });
});
