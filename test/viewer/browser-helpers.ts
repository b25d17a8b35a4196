import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { python } from '../helpers/paths.js';
import { tmpDir } from '../helpers/host.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface Rgba {
  width: number;
  height: number;
  data: Buffer;
}

export function decodePng(b64: string): Rgba {
  const png = PNG.sync.read(Buffer.from(b64.replace(/^data:image\/png;base64,/, ''), 'base64'));
  return { width: png.width, height: png.height, data: png.data };
}

export interface RenderSpec {
  index?: Record<string, number>;
  channels: { c: number; color: [number, number, number]; limits: [number, number] }[];
  /** Interleaved RGB: the expected picture is the level's pixels. */
  rgb?: boolean;
}

export interface Expected {
  h: number;
  w: number;
  rgb: Buffer;
}

/** The composite Python computes from the source pixels (tifffile / zarr-python), not from our code. */
export function expectedRender(kind: 'tiff' | 'zip' | 'zarr', file: string, level: number, spec: RenderSpec): Expected {
  const out = path.join(tmpDir('viewer-exp-'), 'exp.rgb');
  const shape = JSON.parse(execFileSync(python, [path.join(here, 'fixtures', 'expected_render.py'), kind, file, String(level), JSON.stringify(spec), out]).toString());
  const rgb = fs.readFileSync(out);
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  return { h: shape[0], w: shape[1], rgb };
}

/**
 * Compares a screenshot taken at zoom = -level, aligned so that screen pixel (sx, sy) shows level
 * pixel (ox + sx, oy + sy), with the expected composite over their overlap. Returns per-colour
 * Pearson correlation, mean absolute difference and the number of pixels compared.
 */
export function compare(shot: Rgba, exp: Expected, ox: number, oy: number) {
  const sums = [0, 1, 2].map(() => ({ a: 0, b: 0, aa: 0, bb: 0, ab: 0, abs: 0 }));
  let n = 0;
  for (let sy = 0; sy < shot.height; sy++) {
    const y = oy + sy;
    if (y < 0 || y >= exp.h) continue;
    for (let sx = 0; sx < shot.width; sx++) {
      const x = ox + sx;
      if (x < 0 || x >= exp.w) continue;
      n++;
      for (let k = 0; k < 3; k++) {
        const a = shot.data[(sy * shot.width + sx) * 4 + k];
        const b = exp.rgb[(y * exp.w + x) * 3 + k];
        const s = sums[k];
        s.a += a;
        s.b += b;
        s.aa += a * a;
        s.bb += b * b;
        s.ab += a * b;
        s.abs += Math.abs(a - b);
      }
    }
  }
  return sums.map((s) => {
    const cov = s.ab / n - (s.a / n) * (s.b / n);
    const va = s.aa / n - (s.a / n) ** 2;
    const vb = s.bb / n - (s.b / n) ** 2;
    return { corr: va > 1 && vb > 1 ? cov / Math.sqrt(va * vb) : NaN, mad: s.abs / n, meanShot: s.a / n, meanExp: s.b / n, n };
  });
}

/** Calls a method of the viewer window kept in `window.rv` by the test. */
export async function rv<T = any>(page: Page, method: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(([m, a]) => (window as any).rv[m as string](...(a as unknown[])), [method, args] as const) as Promise<T>;
}

/** The view that puts level pixel (ox, oy) at screen pixel (0, 0) at zoom = -level (1 screen px = 1 level px). */
export function alignedView(level: number, canvas: { width: number; height: number }, ox: number, oy: number) {
  const s = 2 ** level;
  return { target: [s * (ox + canvas.width / 2), s * (oy + canvas.height / 2)] as [number, number], zoom: -level };
}
