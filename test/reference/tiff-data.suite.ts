/**
 * Every TIFF of a data folder (written by tifffile, libtiff and libvips): our references, read by
 * Debian Python (fsspec ReferenceFileSystem + zarr 2.13) where numcodecs can decode the codec,
 * and by zarrita + our codecs always, give exactly the pixels tifffile reads; chunk byte ranges
 * equal tifffile write_fsspec's where it supports the file.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withNodeSource } from '../../src/io/open-node.js';
import { tiffReferenceBuilder } from '../../src/reference/from-tiff.js';
import { equalArrays, expectedPixels, ourPairs, readLevel, sameCodecs, runOracle } from '../tiff/helpers.js';

/** Runs on the generated data (tiff-data.test.ts) and on the real-world corpus (tiff-data.corpus.test.ts). */
export function tiffDataSuite(data: string): void {
const dir = path.join(data, 'tiff');
const files = readdirSync(dir).filter((f) => /\.tiff?$/.test(f)).sort();

describe(`references for ${dir}`, () => {
  it('finds the TIFF files', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });
  for (const f of files) {
    it(f, async () => {
      const file = path.join(dir, f);
      const built = await withNodeSource(file, (s) => tiffReferenceBuilder(s, { url: file }));
      const refs = built.toReferences();
      expect(refs.version).toBe(1);
      expect(refs.templates.u).toBe(file);
      // the JSON text is written straight from the tile tables: it must be what V8 writes for the object
      const text = built.toJsonBytes();
      expect(new TextDecoder().decode(text)).toBe(JSON.stringify(refs));
      expect(built.chunkCount).toBe(Object.values(refs.refs).filter(Array.isArray).length);
      const oracle = await runOracle(file, text); // Python reads the text as written
      expect(oracle.levels.length).toBeGreaterThan(0);
      for (const lvl of oracle.levels) {
        if (lvl.python_readable) expect(lvl.python_equal, `python level ${lvl.level}`).toBe(true);
        const exp = expectedPixels(oracle.dir, lvl.level);
        const got = await readLevel(refs, file, lvl.level);
        expect(got.shape).toEqual(exp.shape);
        const cmp = equalArrays(got.data as any, exp.data as any);
        expect(cmp, `zarrita level ${lvl.level}`).toEqual({ equal: true });
      }
      if (oracle.tifffile_refs) {
        const ours = ourPairs(refs);
        for (const [lev, pairs] of Object.entries(oracle.tifffile_refs)) expect(ours[lev], `level ${lev} offsets`).toEqual(pairs);
        for (const [lev, c] of Object.entries(sameCodecs(refs, oracle.tifffile_codecs!))) expect(c.ours, `level ${lev} codecs`).toEqual(c.tifffile);
      } else {
        console.log(`${f}: tifffile write_fsspec refused: ${oracle.tifffile_error}`);
      }
      console.log(f, JSON.stringify(oracle.levels.map((l) => [l.level, l.shape.join('x'), l.python_readable ? 'python' : 'js-only', (l as any).decoder])));
    });
  }
});
}
