/**
 * Our codec registry + zarrita in Debian chromium: WebP (decodable only where createImageBitmap
 * exists), LZW (WASM), JPEG with JPEGTables/YCbCr and Deflate+predictor tiles referenced from TIFFs
 * written by libtiff/tifffile decode to the pixels libtiff/tifffile read.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withNodeSource } from '../../src/io/open-node.js';
import { tiffReferences } from '../../src/reference/from-tiff.js';
import type { References } from '../../src/reference/types.js';
import { launchChromium } from '../helpers/host.js';
import { python, repoRoot } from '../helpers/paths.js';
import { equalArrays, expectedPixels, run, runOracle } from './helpers.js';

let dir = '';
let browser: Browser;
let page: Page;
let current: { refs: References; bytes: Buffer } | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tiffgen-browser-'));
  await run(python, [path.join(repoRoot, 'test/tiff/py/make_tiffs.py'), dir], { cwd: path.join(repoRoot, 'test/tiff/py') });
  const bundle = await esbuild.build({ entryPoints: [path.join(repoRoot, 'test/tiff/browser-entry.ts')], bundle: true, format: 'iife', platform: 'browser', write: false, logLevel: 'warning' });
  browser = await launchChromium();
  page = await browser.newPage();
  await page.exposeFunction('getKey', (key: string) => {
    const v = current!.refs.refs[key];
    if (v === undefined) return null;
    if (typeof v === 'string') return Buffer.from(v).toString('base64');
    return current!.bytes.subarray(v[1]!, v[1]! + v[2]!).toString('base64');
  });
  await page.setContent('<!doctype html><html><body></body></html>');
  await page.addScriptTag({ content: bundle.outputFiles[0].text });
});
afterAll(async () => {
  await browser?.close();
});

const cases: Record<string, { mean: number; max: number } | null> = {
  'webp-rgb.tif': null, // lossless WebP: exact
  'lzw-pred-u16.tif': null,
  'planar-rgb-zlib-pred.tif': null,
  'jpeg-ycbcr-multipage.tif': { mean: 1, max: 8 },
};

describe('codecs in the browser (chromium)', () => {
  for (const [f, tol] of Object.entries(cases)) {
    it(f, async () => {
      const file = path.join(dir, f);
      const refs = await withNodeSource(file, (src) => tiffReferences(src, { url: file })); // closed, not left to the GC
      current = { refs, bytes: readFileSync(file) };
      const oracle = await runOracle(file, refs);
      const exp = expectedPixels(oracle.dir, 0);
      const got = await page.evaluate((level) => (window as any).readLevel(level), 0);
      expect(got.shape).toEqual(exp.shape);
      const bytes = new Uint8Array(Buffer.from(got.b64, 'base64'));
      const expBytes = new Uint8Array(exp.data.buffer, exp.data.byteOffset, exp.data.byteLength);
      if (!tol) {
        expect(equalArrays(bytes, expBytes)).toEqual({ equal: true });
      } else {
        let sum = 0, max = 0;
        for (let i = 0; i < bytes.length; i++) { const d = Math.abs(bytes[i] - expBytes[i]); sum += d; max = Math.max(max, d); }
        expect(sum / bytes.length).toBeLessThan(tol.mean);
        expect(max).toBeLessThanOrEqual(tol.max);
      }
    });
  }
});
