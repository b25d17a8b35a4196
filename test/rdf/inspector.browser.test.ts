import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHost, tmpDir, withTimeout, type Host } from '../helpers/host.js';
import { repoRoot } from '../helpers/paths.js';
import { generateDemoModel } from '../../src/demo/model.js';

let host: Host;
let dir: string;
const SRC = () => `${host.app.url}/dist/plugins/RDF-Inspector.imjoy.html`;

// Every payload sets a flag if it ever runs; none may.
const HOSTILE_DOC = `# Hostile documentation

<script>window.__pwned = 'script'; parent.__pwned = 'script'</script>
<img src="x.png" onerror="window.__pwned = 'onerror'">
<div onclick="window.__pwned = 'onclick'" onmouseover="window.__pwned = 'onmouseover'">hover me</div>
<svg onload="window.__pwned = 'svg'"><circle r="3"/></svg>
<iframe src="javascript:parent.__pwned = 'iframe'"></iframe>
<a href="javascript:window.__pwned = 'href'">a javascript: link</a>
<a href="JaVaScRiPt:window.__pwned = 'href2'">mixed case</a>
[markdown javascript link](javascript:window.__pwned='md')
<form action="javascript:window.__pwned='form'"><input type="submit"></form>
<style>body { display: none }</style>

A [relative link](other.md) and a [DOI](https://doi.org/10.1000/1).
`;

const HOSTILE_RDF = `type: dataset
format_version: 0.2.4
name: "<script>window.__pwned = 'name'</script>Hostile"
description: "<img src=x onerror=\\"window.__pwned='description'\\">"
documentation: doc.md
license: MIT
authors:
  - name: "<b onmouseover=\\"window.__pwned='author'\\">Mallory</b>"
cite:
  - text: "<i>cite</i>"
    url: "javascript:window.__pwned='cite'"
badges:
  - label: badge
    url: "javascript:window.__pwned='badge'"
tags: ["<script>window.__pwned='tag'</script>"]
source: https://example.org/data
`;

async function inspectorFrame(): Promise<Frame> {
  for (let k = 0; k < 100; k++) {
    for (const f of host.page.frames()) if (await f.$('#ri-app').catch(() => null)) return f;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('RDF Inspector frame not found');
}

const call = <T = any>(method: string, arg: unknown) =>
  withTimeout(host.page.evaluate(async ([m, a]) => (window as any).ri[m as string](a), [method, arg] as const), 60_000, `RDF Inspector ${method}`) as Promise<T>;

beforeAll(async () => {
  execFileSync('node', ['build.mjs', '--only', 'rdf-inspector'], { cwd: repoRoot });
  execFileSync('node', ['build.mjs', '--only', 'model-runner'], { cwd: repoRoot });
  dir = tmpDir('rdf-inspector-');
  fs.writeFileSync(path.join(dir, 'rdf.yaml'), HOSTILE_RDF);
  fs.writeFileSync(path.join(dir, 'doc.md'), HOSTILE_DOC);
  fs.writeFileSync(path.join(dir, 'collection.json'), JSON.stringify({ collection: [
    { id: 'a', type: 'model', name: 'Nuclei UNet', tags: ['nuclei'], rdf_source: 'a/rdf.yaml' },
    { id: 'b', type: 'dataset', name: 'Covid IF', tags: ['covid'], rdf_source: 'b/rdf.yaml' },
  ] }));
  fs.mkdirSync(path.join(dir, 'm'));
  await generateDemoModel(path.join(dir, 'm'));
  host = await openHost({ mounts: { '/hostile/': dir } });
  await withTimeout(
    host.page.evaluate(async (src) => {
      (window as any).ri = await (window as any).imjoy.api.createWindow({ src, name: 'RDF Inspector' });
    }, SRC()),
    60_000,
    'creating the RDF Inspector window',
  );
}, 180_000);

afterAll(async () => {
  await host?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('RDF Inspector in the ImJoy host', () => {
  it('hostile RDF and documentation render inert', async () => {
    const r = await call('inspect', { source: `${host.app.url}/hostile/rdf.yaml` });
    expect(r.readable).toBe(true);
    const f = await inspectorFrame();
    await f.waitForFunction(() => !document.getElementById('ri-doc')?.textContent?.startsWith('loading'), undefined, { timeout: 30_000 });
    const audit = await f.evaluate(async () => {
      const card = document.getElementById('ri-card')!;
      const all = [...card.querySelectorAll('*')];
      // Try to trigger whatever handlers might have survived (not on links: no navigation).
      for (const e of all) {
        if (e.closest('a')) continue;
        for (const t of ['mouseover', 'click', 'load', 'error']) e.dispatchEvent(new Event(t));
      }
      // Handlers run synchronously inside dispatchEvent; what runs later is a resource's load or
      // error: wait until every image in the card and the documentation has settled.
      await Promise.all([...document.querySelectorAll('#ri-card img, #ri-doc img')].map((i) => (i as HTMLImageElement).decode().catch(() => {})));
      return {
        pwned: (window as any).__pwned ?? null,
        scripts: card.querySelectorAll('script, iframe, form, style, svg, object, embed').length,
        handlers: all.flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName}.${a.name}`)),
        badUrls: all.flatMap((e) => ['href', 'src', 'action'].map((k) => e.getAttribute(k)).filter((v): v is string => !!v && !/^https?:/i.test(v))),
        title: card.querySelector('h2')?.textContent,
        heading: document.querySelector('#ri-doc h1')?.textContent,
        relative: [...document.querySelectorAll('#ri-doc a')].map((a) => a.getAttribute('href')),
        bodyVisible: getComputedStyle(document.body).display !== 'none',
      };
    });
    expect(audit.pwned).toBeNull();
    expect(await host.page.evaluate(() => (window as any).__pwned ?? null)).toBeNull();
    expect(audit.scripts).toBe(0);
    expect(audit.handlers).toEqual([]);
    expect(audit.badUrls).toEqual([]);
    expect(audit.bodyVisible).toBe(true);
    // Text from the RDF is shown as text, and the markdown is rendered, not dropped.
    expect(audit.title).toBe("<script>window.__pwned = 'name'</script>Hostile");
    expect(audit.heading).toBe('Hostile documentation');
    expect(audit.relative).toContain(`${host.app.url}/hostile/other.md`);
    expect(audit.relative).toContain('https://doi.org/10.1000/1');
  });

  it('a model package .zip by URL: members read by Range, sha256 checked with WebCrypto', async () => {
    const r = await call('inspect', { source: `${host.app.url}/hostile/m/model.zip` });
    expect(r.errors).toEqual([]);
    expect(r).toMatchObject({ valid: true, type: 'model', location: `${host.app.url}/hostile/m/model.zip` });
    expect(r.card.name).toBe('imjoy-share demo blob detector');
  });

  it('search_collection lists and searches a collection by URL', async () => {
    const all = await call('search_collection', { source: `${host.app.url}/hostile/collection.json` });
    expect(all.map((e: any) => e.id)).toEqual(['a', 'b']);
    const hit = await call('search_collection', { source: `${host.app.url}/hostile/collection.json`, query: 'type:dataset covid' });
    expect(hit).toHaveLength(1);
    expect(hit[0].rdf_source).toBe(`${host.app.url}/hostile/b/rdf.yaml`);
  });

  it('unreadable text reports the YAML line', async () => {
    const r = await call('validate', { source: 'name: x\ntags: [a, b\n' });
    expect(r.readable).toBe(false);
    expect(r.errors[0].message).toMatch(/YAML syntax error/);
    expect(r.errors[0].line).toBeGreaterThan(0);
  });

  it('"Test run" opens the Model Runner on the model', async () => {
    await call('inspect', { source: `${host.app.url}/hostile/m/bioimageio.yaml` }); // the demo model (the zoo model: corpus test)
    const f = await inspectorFrame();
    await f.waitForSelector('#ri-test-run:not([disabled])', { timeout: 30_000 });
    await f.click('#ri-test-run');
    let mr: Frame | undefined;
    for (let k = 0; k < 600 && !mr; k++) {
      for (const fr of host.page.frames()) if (await fr.$('#mr-app').catch(() => null)) mr = fr;
      if (!mr) await new Promise((r) => setTimeout(r, 100));
    }
    expect(mr).toBeDefined();
    await mr!.waitForFunction(() => /imjoy-share demo blob detector/.test(document.getElementById('mr-info')?.textContent ?? ''), undefined, { timeout: 120_000 });
  }, 180_000);

  it('no request leaves 127.0.0.1', () => {
    expect(host.external()).toEqual([]);
  });
});
