import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSource } from '../../src/io/file-source.js';
import { listZip, readEntry } from '../../src/zip/zip.js';
import { CountingSource } from '../helpers/counting-source.js';

const zips = ['omezarr-v04-blosc-stored.zip', 'omezarr-v04-deflated-members.zip', 'omezarr-v04-zlib-nested-zip64.zip'];
const py = (code: string, ...args: string[]) => execFileSync('/usr/bin/python3', ['-c', code, ...args], { maxBuffer: 1 << 28 }).toString();
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Python's zipfile: the independent reader whose listing and member bytes we must match. */
export const PY_LIST = `
import zipfile, sys, json, hashlib
z = zipfile.ZipFile(sys.argv[1])
last = {}
for i in z.infolist(): last[i.filename] = i
print(json.dumps([{"name": i.filename, "method": i.compress_type, "compressedSize": i.compress_size, "size": i.file_size,
  "crc32": i.CRC, "headerOffset": i.header_offset, "sha": hashlib.sha256(z.read(i)).hexdigest()} for i in last.values()]))
`;


/** Runs on the generated archives (zip.test.ts) and on the real-world corpus (zip.corpus.test.ts). */
export function listZipSuite(data: string): void {
describe(`listZip / readEntry on ${data}/zip`, () => {
  for (const f of zips) {
    it(`${f}: same members, offsets and bytes as Python zipfile`, async () => {
      const file = path.join(data, 'zip', f);
      const expected = JSON.parse(py(PY_LIST, file)) as Record<string, unknown>[];
      const src = new FileSource(file);
      const { entries } = await listZip(src);
      expect(entries.map((e) => e.name)).toEqual(expected.map((e) => e.name));
      for (const [i, e] of entries.entries()) {
        const x = expected[i];
        expect([e.method, e.compressedSize, e.size, e.crc32, e.headerOffset]).toEqual([x.method, x.compressedSize, x.size, x.crc32, x.headerOffset]);
        expect(sha(await readEntry(src, e))).toBe(x.sha);
      }
      await src.close();
    });
  }

  it('reads only the end records, the directory and coalesced local headers', async () => {
    const file = path.join(data, 'zip', 'omezarr-v04-zlib-nested-zip64.zip');
    const src = new CountingSource(new FileSource(file));
    const { entries } = await listZip(src);
    expect(entries.length).toBe(89);
    // EOCD + directory + local headers merged across the ~26 KB chunks: far fewer reads than members.
    expect(src.reads.length).toBeLessThan(10);
    await (src.inner as FileSource).close();
  });
});
}
