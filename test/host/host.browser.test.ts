import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHost, withTimeout, type Host } from '../helpers/host.js';

describe('local ImJoy host (real imjoy-core, offline)', () => {
  let host: Host;
  beforeAll(async () => {
    host = await openHost();
  });
  afterAll(async () => host?.close());

  it('loads a built web-worker plugin and calls its API, with ndarrays crossing the RPC', async () => {
    const src = `${host.app.url}/dist/test-plugins/Echo-Fixture.imjoy.html`;
    const result = await withTimeout(
      host.page.evaluate(async (src) => {
        const p = await window.imjoy.api.getPlugin({ src });
        const echoed = await p.echo({ a: [1, 2, 3], s: 'x' });
        const doubled = await p.double({ _rtype: 'ndarray', _rvalue: new Float32Array([1, 2.5, -3, 4]), _rshape: [2, 2], _rdtype: 'float32' });
        return { echoed, doubled: { shape: doubled._rshape, dtype: doubled._rdtype, values: Array.from(doubled._rvalue as Float64Array) }, uri: await p.pluginUri() };
      }, src),
      30_000,
      'plugin load',
    );
    expect(result.echoed).toEqual({ a: [1, 2, 3], s: 'x' });
    expect(result.doubled).toEqual({ shape: [2, 2], dtype: 'float64', values: [2, 5, -6, 8] });
    // Plugins find their runtime assets relative to their own URL through this.
    expect(result.uri).toEqual({ url: src, asset: src.replace('.imjoy.html', '/x.wasm') });
  });

  it('runs plugins in frames of a second origin', async () => {
    const frameOrigins = host.page.frames().map((f) => new URL(f.url() || 'about:blank').origin);
    expect(frameOrigins).toContain(host.app.frameUrl);
    expect(host.app.frameUrl).not.toBe(host.app.url);
  });

  it('shows a window plugin with its window HTML and style in the window manager', async () => {
    const src = `${host.app.url}/dist/test-plugins/Echo-Window-Fixture.imjoy.html`;
    const r = await withTimeout(
      host.page.evaluate(async (src) => {
        const w = await window.imjoy.api.createWindow({ src, name: 'echo-win', data: { text: 'hello' } });
        await w.setText('from test');
        return { text: await w.getText(), color: await w.titleColor(), tabs: document.querySelectorAll('#tabs .tab').length };
      }, src),
      30_000,
      'window plugin',
    );
    expect(r).toEqual({ text: 'from test', color: 'rgb(200, 0, 0)', tabs: 1 });
  });

  it('implements showMessage, alert and showProgress', async () => {
    await host.page.evaluate(() => window.imjoy.api.showMessage('hello snackbar', 5));
    await expect.poll(() => host.page.textContent('#snackbar')).toContain('hello snackbar');
    await host.page.evaluate(() => window.imjoy.api.showProgress(42));
    expect(await host.page.evaluate(() => document.getElementById('progress-bar')!.style.width)).toBe('42%');
    const alerted = host.page.evaluate(() => window.imjoy.api.alert('careful').then(() => 'closed'));
    await host.page.click('.dialog .actions button');
    expect(await alerted).toBe('closed');
  });

  it('showDialog opens a window plugin in a modal dialog', async () => {
    const src = `${host.app.url}/dist/test-plugins/Echo-Window-Fixture.imjoy.html`;
    const text = await withTimeout(
      host.page.evaluate(async (src) => {
        const w = await window.imjoy.api.showDialog({ src, name: 'dialog-win', data: { text: 'in a dialog' } });
        return w.getText();
      }, src),
      30_000,
      'showDialog',
    );
    expect(text).toBe('in a dialog');
    expect(await host.page.locator('.dialog.window-dialog iframe').count()).toBe(1);
  });

  it('made no request outside 127.0.0.1', () => {
    expect(host.requests.length).toBeGreaterThan(3);
    expect(host.external()).toEqual([]);
  });
});
