/**
 * Request planning of the TIFF reader: 64-bit values decoded without BigInt, an IFD's extent
 * (checked against tifffile's view of the same files), and the number of reads the reference
 * maker makes on files whose IFDs lie far apart (each followed by its image data), where every
 * IFD must come with its tile tables in ONE read.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSource } from '../../src/io/file-source.js';
import { decodeNumbers, ifdExtent, readHeader, walkIfdChain, type IfdEntry, type TiffHeader } from '../../src/tiff/ifd.js';
import { tiffReferences } from '../../src/reference/from-tiff.js';
import { python, repoRoot } from '../helpers/paths.js';
import { testData } from '../helpers/fixtures.js';

import { run } from './helpers.js';
import { CountingSource } from '../helpers/counting-source.js';

const script = path.join(repoRoot, 'test/tiff/py/request_plan.py');


describe('decodeNumbers LONG8 / IFD8', () => {
  // values chosen around the 32-bit boundary and the largest exact double
  const values = [0n, 1n, 4294967295n, 4294967296n, 4294967301n, 1099511627899n, 9007199254740991n];
  const expected = [0, 1, 4294967295, 4294967296, 4294967301, 1099511627899, 9007199254740991];
  for (const le of [true, false]) {
    for (const type of [16, 18]) {
      it(`type ${type}, ${le ? 'little' : 'big'}-endian`, () => {
        const b = new Uint8Array(values.length * 8);
        const dv = new DataView(b.buffer);
        values.forEach((v, i) => dv.setBigUint64(i * 8, v, le));
        const h: TiffHeader = { littleEndian: le, bigTiff: true, firstIfd: 16, fileSize: 1e12 };
        const e: IfdEntry = { tag: 324, type, count: values.length, valueOffset: 0 };
        expect(decodeNumbers(h, e, b)).toEqual(expected);
      });
    }
  }
});

describe('IFD extent and far-apart IFDs', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tiff-plan-'));
  const [stack, pyramid] = JSON.parse((await run(python, [script, 'make', dir])).stdout) as string[];
  const generated = ['bigendian-bigtiff-u16.ome.tif', 'pyramid-2ch-u16-deflate-pred.ome.tif', 'tczyx-u8-lzw.ome.tif', 'vips-rgb-subifd-pyramid-deflate.tif']
    .map((f) => path.join(testData(), 'tiff', f));
  const files = [...generated, stack, pyramid];
  const tifffileView = JSON.parse((await run(python, [script, 'extents', ...files], { maxBuffer: 1 << 24 })).stdout) as Record<string, { offset: number; extent: number }[]>;

  it('ifdExtent equals the IFD table plus adjacent values as tifffile reads them', async () => {
    for (const f of files) {
      const src = new FileSource(f);
      const h = await readHeader(src);
      const chain = await walkIfdChain(src, h);
      expect(chain.map((ifd) => ({ offset: ifd.offset, extent: ifdExtent(ifd) })), f).toEqual(tifffileView[path.basename(f)]);
      await src.close();
    }
  });

  it('read-ahead fetches each far-apart IFD with its extent in one read', async () => {
    const src = new FileSource(stack);
    const h = await readHeader(src);
    const ahead: [number, number][] = [];
    const chain = await walkIfdChain(src, h, h.firstIfd, async (o, l) => void ahead.push([o, l]));
    await src.close();
    expect(chain.length).toBe(3);
    expect(chain[1].offset - chain[0].offset).toBeGreaterThan(1 << 20); // the far path, not the multi-page stride path
    expect(ahead).toEqual(chain.slice(1).map((ifd, i) => [ifd.offset, Math.max(4096, ifdExtent(chain[i]))]));
    // pages of one file share a layout: the window sized from the previous page covers this one
    for (const ifd of chain.slice(1)) expect(ifdExtent(ifd)).toBeLessThanOrEqual(ifdExtent(chain[0]));
  });

  it('a 3-page stack with pages 2 MiB apart is indexed in 3 reads (one per IFD, tile tables included)', async () => {
    const file = new FileSource(stack);
    const src = new CountingSource(file);
    const refs = await tiffReferences(src, { url: 'x' });
    await file.close();
    expect(Object.values(refs.refs).filter(Array.isArray).length).toBe(3 * 64);
    expect(src.reads.length).toBe(3);
    expect(src.reads.every(([, l]) => l <= 1 << 20)).toBe(true); // never pixel data
  });

  it('a 2-channel pyramid with SubIFD levels far apart: one read per far-apart IFD, close ones merged', async () => {
    const file = new FileSource(pyramid);
    const src = new CountingSource(file);
    const refs = await tiffReferences(src, { url: 'x' });
    await file.close();
    expect(Object.values(refs.refs).filter(Array.isArray).length).toBe(2 * (256 + 64 + 16));
    // the file as tifffile lays it out: IFD c0 + tables, 8 MiB data, IFD c1, 8 MiB data, level 1
    // c0, 2 MiB data, level 1 c1, 2 MiB data, level 2 c0, 0.5 MiB data, level 2 c1. Reads: the
    // first 1 MiB (IFD c0), IFD c1, level 1 c0, level 1 c1, and level 2 c0 + c1 merged (within
    // the 1 MiB gap) → 5; every IFD's tile tables come in the same read as the IFD.
    expect(src.reads.length).toBe(5);
    const total = src.reads.reduce((n, [, l]) => n + l, 0);
    expect(total).toBeLessThan(3 << 20); // never the 22 MB of pixels
  });
});
