/**
 * Broken TIFFs fail fast with a SourceError that names the file and the problem: truncated
 * files, IFD offset loops (main chain and SubIFDs), tag counts larger than the file, not a TIFF.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BytesSource, SourceError } from '../../src/io/byte-source.js';
import { FileSource } from '../../src/io/file-source.js';
import { tiffReferences } from '../../src/reference/from-tiff.js';
import { python, repoRoot } from '../helpers/paths.js';
import { testData } from '../helpers/fixtures.js';

import { run } from './helpers.js';

const good = path.join(testData(), 'tiff/pyramid-2ch-u16-deflate-pred.ome.tif');
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tiffbad-'));
});

/** A hand-built classic little-endian TIFF: one 4×4 uint8 strip image, IFD at 8. */
function tinyTiff(patch?: (dv: DataView) => void): Uint8Array {
  const entries: [number, number, number, number][] = [
    [256, 3, 1, 4], [257, 3, 1, 4], [258, 3, 1, 8], [259, 3, 1, 1], [262, 3, 1, 1],
    [273, 4, 1, 8 + 2 + 9 * 12 + 4], [277, 3, 1, 1], [278, 3, 1, 4], [279, 4, 1, 16],
  ];
  const b = new Uint8Array(8 + 2 + entries.length * 12 + 4 + 16);
  const dv = new DataView(b.buffer);
  b.set([0x49, 0x49, 42, 0]);
  dv.setUint32(4, 8, true);
  dv.setUint16(8, entries.length, true);
  entries.forEach(([tag, type, count, value], i) => {
    const p = 10 + i * 12;
    dv.setUint16(p, tag, true); dv.setUint16(p + 2, type, true); dv.setUint32(p + 4, count, true);
    if (type === 3) dv.setUint16(p + 8, value, true); else dv.setUint32(p + 8, value, true);
  });
  dv.setUint32(10 + entries.length * 12, 0, true);
  patch?.(dv);
  return b;
}
const nextPtr = 10 + 9 * 12;

async function expectError(src: BytesSource | FileSource, pattern: RegExp) {
  const t0 = performance.now();
  const err = await tiffReferences(src, { url: 'x' }).then(() => undefined, (e) => e);
  await (src as { close?: () => Promise<void> }).close?.(); // a FileSource's handle: closed here, not by the GC
  expect(err).toBeInstanceOf(SourceError);
  expect(err.message).toContain(src.name);
  expect(err.message).toMatch(pattern);
  expect(performance.now() - t0).toBeLessThan(5000);
}

describe('bad TIFF input', () => {
  it('the hand-built tiny TIFF itself is valid', async () => {
    const refs = await tiffReferences(new BytesSource(tinyTiff(), 'tiny.tif'), { url: 'x' });
    expect(refs.refs['0/0.0']).toEqual(['{{u}}', 8 + 2 + 9 * 12 + 4, 16]);
  });
  it('not a TIFF', async () => {
    await expectError(new BytesSource(new TextEncoder().encode('hello, this is not an image at all'), 'notes.txt'), /not a TIFF file/);
  });
  it('empty / tiny file', async () => {
    await expectError(new BytesSource(new Uint8Array(3), 'empty.tif'), /not a TIFF file/);
  });
  it('truncated real file (cut in the middle of the tile data)', async () => {
    const bytes = readFileSync(good);
    const file = path.join(dir, 'truncated.ome.tif');
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await expectError(new FileSource(file), /beyond the end of the file|outside the file|truncated/);
  });
  it('truncated real file (cut inside the header)', async () => {
    const file = path.join(dir, 'head.tif');
    await writeFile(file, readFileSync(good).subarray(0, 12));
    await expectError(new FileSource(file), /outside the file|truncated/);
  });
  it('IFD chain that loops back to itself', async () => {
    await expectError(new BytesSource(tinyTiff((dv) => dv.setUint32(nextPtr, 8, true)), 'loop.tif'), /loops back to offset 8/);
  });
  it('IFD chain pointing past the end of the file', async () => {
    await expectError(new BytesSource(tinyTiff((dv) => dv.setUint32(nextPtr, 1_000_000, true)), 'dangling.tif'), /outside the file/);
  });
  it('tag count larger than the file', async () => {
    // StripOffsets (entry 5) claims 2^30 LONG values stored at offset 200
    const bytes = tinyTiff((dv) => { dv.setUint32(10 + 5 * 12 + 4, 1 << 30, true); dv.setUint32(10 + 5 * 12 + 8, 200, true); });
    await expectError(new BytesSource(bytes, 'bigcount.tif'), /tag 273 .*claims 1073741824 values.*beyond the end of the file/);
  });
  it('IFD entry count larger than the file', async () => {
    await expectError(new BytesSource(tinyTiff((dv) => dv.setUint16(8, 60000, true)), 'entries.tif'), /claims 60000 entries/);
  });
  it('strip byte range beyond the end of the file', async () => {
    await expectError(new BytesSource(tinyTiff((dv) => dv.setUint32(10 + 8 * 12 + 8, 5000, true)), 'strip.tif'), /strip 0 spans bytes .*beyond the end of the file/);
  });
  it('unsupported sample type (1-bit) is named', async () => {
    await expectError(new BytesSource(tinyTiff((dv) => dv.setUint16(10 + 2 * 12 + 8, 1, true)), 'bilevel.tif'), /unsupported sample type: 1-bit unsigned/);
  });
  it('unsupported compression is named', async () => {
    await expectError(new BytesSource(tinyTiff((dv) => dv.setUint16(10 + 3 * 12 + 8, 4, true)), 'fax.tif'), /compression 4 is not supported/);
  });
  it('JPEG pages whose JPEGTables differ (quality 90 and 40) are refused, not mis-decoded', async () => {
    const file = path.join(dir, 'jpeg-mixed-tables.tif');
    const script = `import numpy as np; from libtiff_write import write; a=(np.arange(64*64*3)%251).astype('u1').reshape(64,64,3); ` +
      `write(${JSON.stringify(file)}, [a], compression=7, tile=(32,32), photometric=6, jpegquality=90); ` +
      `write(${JSON.stringify(file)}, [a], compression=7, tile=(32,32), photometric=6, jpegquality=40, mode='a')`;
    await run(python, ['-c', script], { cwd: path.join(repoRoot, 'test/tiff/py') });
    await expectError(new FileSource(file), /JPEGTables of IFD at \d+ differ/);
  });
  it('SubIFD pointing back at the main IFD (loop)', async () => {
    // add a SubIFDs entry by replacing the RowsPerStrip entry (tag 278 → 330, LONG, 1, 8)
    const bytes = tinyTiff((dv) => { const p = 10 + 7 * 12; dv.setUint16(p, 330, true); dv.setUint16(p + 2, 4, true); dv.setUint32(p + 8, 8, true); });
    await expectError(new BytesSource(bytes, 'subloop.tif'), /loop/);
  });
});
