/** The RDF Inspector on the real zoo model RDFs (corpus); everything else: inspector.browser.test.ts. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHost, tmpDir, withTimeout, type Host } from '../helpers/host.js';
import { corpusData as sharedData, repoRoot } from '../helpers/paths.js';
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
  host = await openHost({ mounts: { '/data/': sharedData, '/hostile/': dir } });
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

describe('RDF Inspector on zoo RDFs in the ImJoy host', () => {
  it('a shared model by URL: two levels (format valid; a missing file is a file error), card, click an issue → its YAML line', async () => {
    const url = `${host.app.url}/data/bioimageio/models/unet2d_nuclei_broad/v0_4_9.bioimageio.yaml`;
    const r = await call('inspect', { source: url });
    // The official validator finds the format valid; weights.pt is not in the shared data: a file error, not a format error.
    expect(r).toMatchObject({ valid: true, type: 'model', format_version: '0.4.9', errors: [], files: { checked: true } });
    expect(r.files.errors.map((e: any) => e.path)).toContain('weights.torchscript.source');
    // the ONNX weights' sha256 is verified over HTTP; the remote torch weights could not be checked (offline)
    expect(r.files.errors.filter((e: any) => e.path.startsWith('weights.onnx'))).toEqual([]);
    expect(r.files.skipped.map((x: any) => x.path)).toContain('weights.pytorch_state_dict.source');
    expect(r.card.name).toBe('UNet 2D Nuclei Broad');
    const f = await inspectorFrame();
    expect(await f.textContent('#ri-verdict')).toMatch(/^format: ✓ valid — model 0\.4\.9/);
    const files = await f.textContent('#ri-files');
    expect(files).toMatch(/^files: ✗ \d+ problem\(s\) — checked \d+ of \d+; could not check 1: http:\/\/files\.ilastik\.org/);
    expect(await f.textContent('#ri-card h2')).toBe('UNet 2D Nuclei Broad');
    expect(await f.$$eval('#ri-card table', (t) => t.length)).toBe(3); // inputs, outputs, weights
    expect(await f.textContent('#ri-card details summary')).toBe('How this 0.4 model maps to format 0.5');
    expect(await f.$$eval('#ri-card details li', (l) => l.map((x) => x.textContent))).toContain('test_inputs.0 → inputs.0.test_tensor: test file becomes test_tensor: {source: "test_input.npy", sha256}');
    const first = r.files.errors[0];
    await f.click('#ri-issues li[data-level="files"].error');
    const hl = await f.$eval('#ri-source .ln.hl', (e) => ({ n: (e as HTMLElement).dataset.n, text: e.textContent }));
    expect(Number(hl.n)).toBe(first.line);
    const yamlLine = fs.readFileSync(path.join(sharedData, 'bioimageio/models/unet2d_nuclei_broad/v0_4_9.bioimageio.yaml'), 'utf8').split('\n')[first.line - 1];
    expect(hl.text).toBe(yamlLine);
  });

  it('pasted text: the format is judged, and the file checks are said to be skipped', async () => {
    const text = fs.readFileSync(path.join(sharedData, 'bioimageio/models/unet2d_nuclei_broad/v0_4_9.bioimageio.yaml'), 'utf8');
    const r = await call('inspect', { source: { text, name: 'pasted.yaml' } });
    expect(r).toMatchObject({ valid: true, files: { checked: false, errors: [] } });
    expect(r.files.skipped.length).toBe(r.files.total);
    const f = await inspectorFrame();
    expect(await f.textContent('#ri-verdict')).toMatch(/^format: ✓ valid/);
    expect(await f.textContent('#ri-files')).toMatch(/^files: not checked — no file access here .* \(\d+ referenced file\(s\) skipped\)$/);
  });

  it('validate({source: text}) without rendering', async () => {
    const text = fs.readFileSync(path.join(sharedData, 'bioimageio/models/unet2d_nuclei_broad/invalid_v0_4_0_duplicate_tensor_names.bioimageio.yaml'), 'utf8');
    const r = await call('validate', { source: text });
    expect(r.valid).toBe(false);
    // reported at the root, as the official validator does, with the line of the duplicated name
    expect(r.errors[0]).toMatchObject({ path: '', at: 'outputs.0.name', line: 44, column: 5 });
    expect(r.card).toBeUndefined();
  });

  it('"Test run" opens the Model Runner on the model', async () => {
    await call('inspect', { source: `${host.app.url}/data/bioimageio/models/unet2d_nuclei_broad/bioimageio.yaml` });
    const f = await inspectorFrame();
    await f.waitForSelector('#ri-test-run:not([disabled])', { timeout: 30_000 });
    await f.click('#ri-test-run');
    let mr: Frame | undefined;
    for (let k = 0; k < 600 && !mr; k++) {
      for (const fr of host.page.frames()) if (await fr.$('#mr-app').catch(() => null)) mr = fr;
      if (!mr) await new Promise((r) => setTimeout(r, 100));
    }
    expect(mr).toBeDefined();
    await mr!.waitForFunction(() => /UNet 2D Nuclei Broad/.test(document.getElementById('mr-info')?.textContent ?? ''), undefined, { timeout: 120_000 });
  }, 180_000);

  it('the only requests outside 127.0.0.1 are the file checks of remote weights the RDFs reference', () => {
    // unet2d_nuclei_broad's pytorch_state_dict weights live on files.ilastik.org (offline here: a warning).
    expect(host.external().filter((u) => !u.startsWith('http://files.ilastik.org/bioimageio_test/'))).toEqual([]);
  });
});
