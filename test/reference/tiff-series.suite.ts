/**
 * Level 0 of our references has tifffile's `series[0].shape` and pixels, for every TIFF of the
 * data folder (generated, or the real-world corpus) that Debian's tifffile reads (pixels where it has the codec: no imagecodecs,
 * so no LZW/JPEG). Plain grayscale TIFFs become `yx`, with no length-1 channel axis.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { withNodeSource } from '../../src/io/open-node.js';
import { tiffReferences } from '../../src/reference/from-tiff.js';
import { equalArrays, readLevel } from '../tiff/helpers.js';
import { python } from '../helpers/paths.js';

function tiffsUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tiffsUnder(p) : /\.tiff?$/i.test(e.name) ? [p] : [];
  });
}


/** tifffile's view of series 0: shape, dtype, and the pixels as raw bytes when it can decode them. */
function tifffileSeries(file: string, out: string): { shape: number[]; axes: string; dtype: string; decoded: boolean } {
  const script = `
import sys, json, tifffile, numpy as np
with tifffile.TiffFile(sys.argv[1]) as t:
    s = t.series[0]
    info = {"shape": list(s.shape), "axes": s.axes, "dtype": s.dtype.str, "decoded": False}
    try:
        a = s.asarray()
        np.ascontiguousarray(a).tofile(sys.argv[2])
        info["decoded"] = True
    except Exception as e:
        info["error"] = str(e)
print(json.dumps(info))`;
  return JSON.parse(execFileSync(python, ['-c', script, file, out]).toString());
}

/** Runs on the generated data (tiff-series.test.ts) and on the real-world corpus (tiff-series.corpus.test.ts). */
export function tiffSeriesSuite(data: string): void {
const files = tiffsUnder(data);
describe('TIFF references match tifffile series 0', () => {
  it('the data folder has TIFFs', () => expect(files.length).toBeGreaterThanOrEqual(4));
  for (const file of files) {
    it(path.relative(data, file), async () => {
      const raw = `${file.replace(/[^\w]/g, '_').slice(-60)}.bin`;
      const out = path.join(fs.mkdtempSync(path.join((await import('node:os')).tmpdir(), 'series-')), raw);
      const series = tifffileSeries(file, out);
      const refs = await withNodeSource(file, (s) => tiffReferences(s, { url: file }));
      const zarray = JSON.parse(refs.refs['0/.zarray'] as string);
      expect(zarray.shape, `tifffile axes ${series.axes}`).toEqual(series.shape);
      if (!series.decoded) return;
      const got = await readLevel(refs, file, 0);
      const want = new Uint8Array(fs.readFileSync(out));
      const bytes = new Uint8Array((got.data as ArrayBufferView).buffer, (got.data as ArrayBufferView).byteOffset, (got.data as ArrayBufferView).byteLength);
      // same byte order as the file (tifffile keeps it in series.dtype)
      expect(equalArrays(bytes, want)).toEqual({ equal: true });
    });
  }
});
}
