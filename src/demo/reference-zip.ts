/**
 * Demo data for the references slide: a small zipped OME-Zarr v0.5 (`demo.ozx`, zarr v3, blosc
 * chunks, two levels, two channels), written by zarrita and packed STORED by fflate — the layout
 * NGFF RFC-9 recommends — so the Reference Maker can index it in the browser. Node only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import * as zarr from 'zarrita';

export const DEMO_ZIP = 'demo.ozx';

export async function generateReferenceZipDemo(dir: string, log: (msg: string) => void): Promise<void> {
  const files = new Map<string, Uint8Array>();
  const store = { get: async (k: string) => files.get(k), set: async (k: string, v: Uint8Array) => void files.set(k, v) };
  const root = zarr.root(store);
  const sizes = [1024, 512];
  await zarr.create(root, {
    attributes: {
      ome: {
        version: '0.5',
        multiscales: [{
          name: 'demo',
          axes: [{ name: 'c', type: 'channel' }, { name: 'y', type: 'space', unit: 'micrometer' }, { name: 'x', type: 'space', unit: 'micrometer' }],
          datasets: sizes.map((_, i) => ({ path: String(i), coordinateTransformations: [{ type: 'scale', scale: [1, 0.5 * 2 ** i, 0.5 * 2 ** i] }] })),
        }],
        omero: { channels: [{ label: 'nuclei', color: '0000FF', window: { min: 0, max: 65535, start: 0, end: 3000 } }, { label: 'membrane', color: '00FF00', window: { min: 0, max: 65535, start: 0, end: 3000 } }] },
      },
    },
  });
  for (const [level, n] of sizes.entries()) {
    const data = new Uint16Array(2 * n * n);
    const f = 2 ** level;
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const X = x * f, Y = y * f;
        // Blobs (channel 0) and a grid of cell borders (channel 1).
        data[y * n + x] = Math.round(1500 + 1400 * Math.sin(X / 37) * Math.cos(Y / 41));
        data[n * n + y * n + x] = (X % 128 < 6 || Y % 128 < 6) ? 2800 : 200;
      }
    }
    const arr = await zarr.create(root.resolve(String(level)), {
      shape: [2, n, n], chunkShape: [1, 256, 256], dtype: 'uint16', dimensionNames: ['c', 'y', 'x'],
      codecs: [{ name: 'bytes', configuration: { endian: 'little' } }, { name: 'blosc', configuration: { cname: 'lz4', clevel: 5, shuffle: 'shuffle', typesize: 2, blocksize: 0 } }],
    });
    await zarr.set(arr, null, { data, shape: [2, n, n], stride: [n * n, n, 1] });
  }
  // zarr.json entries first, as RFC-9 recommends; level 0 = STORED.
  const names = [...files.keys()].sort((a, b) => Number(!a.endsWith('zarr.json')) - Number(!b.endsWith('zarr.json')) || a.localeCompare(b));
  const zip = zipSync(Object.fromEntries(names.map((k) => [k.replace(/^\//, ''), files.get(k)!])), { level: 0 });
  fs.writeFileSync(path.join(dir, DEMO_ZIP), zip);
  log(`demo: zipped OME-Zarr ${DEMO_ZIP} (${(zip.length / 1e6).toFixed(1)} MB, ${names.length} members)`);
}
