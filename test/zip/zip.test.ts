import { execFileSync } from 'node:child_process';
import { CountingSource } from '../helpers/counting-source.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BytesSource, } from '../../src/io/byte-source.js';
import { FileSource } from '../../src/io/file-source.js';
import { withNodeSource } from '../../src/io/open-node.js';
import { listZip, readEntry } from '../../src/zip/zip.js';
import { testData } from '../helpers/fixtures.js';
import { listZipSuite, PY_LIST } from './listing.suite.js';


const shared = testData();
const py = (code: string, ...args: string[]) => execFileSync('/usr/bin/python3', ['-c', code, ...args], { maxBuffer: 1 << 28 }).toString();

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zip-test-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

listZipSuite(shared);

describe('ZIP64 written by independent tools', () => {
  it('Python zipfile with 70,000 members (ZIP64 end records, 0xFFFF count in the classic EOCD)', async () => {
    const file = path.join(tmp, 'many.zip');
    py(`
import zipfile, sys
with zipfile.ZipFile(sys.argv[1], 'w', compression=zipfile.ZIP_STORED) as z:
    for i in range(70000): z.writestr(f"d/{i}", f"member {i}".encode())
`, file);
    const bytes = fs.readFileSync(file);
    expect(bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 6, 6]))).toBeGreaterThan(0); // ZIP64 EOCD present
    const src = new BytesSource(new Uint8Array(bytes), file);
    const { entries } = await listZip(src);
    expect(entries.length).toBe(70000);
    for (const i of [0, 1, 65535, 65536, 69999]) {
      const e = entries[i];
      expect(e.name).toBe(`d/${i}`);
      expect(new TextDecoder().decode(await readEntry(src, e))).toBe(`member ${i}`);
    }
  });

  it('members beyond 4 GiB (ZIP64 offsets; a sparse file written by Python zipfile)', async () => {
    const file = path.join(tmp, 'sparse.zip');
    py(`
import zipfile, sys
with open(sys.argv[1], 'wb') as f:
    f.seek(4_400_000_000)  # a hole: takes no disk space
    with zipfile.ZipFile(f, 'w', compression=zipfile.ZIP_STORED) as z:
        z.writestr('.zgroup', b'{"zarr_format": 2}')
        z.writestr('a/x', b'hello beyond 4 GiB')
`, file);
    const expected = JSON.parse(py(PY_LIST, file)) as { name: string; headerOffset: number }[];
    const src = new FileSource(file);
    const { entries } = await listZip(src);
    expect(entries.map((e) => [e.name, e.headerOffset])).toEqual(expected.map((e) => [e.name, e.headerOffset]));
    expect(entries[1].headerOffset).toBeGreaterThan(2 ** 32);
    expect(new TextDecoder().decode(await readEntry(src, entries[1]))).toBe('hello beyond 4 GiB');
    await src.close();
    fs.rmSync(file);
  });

  it('Info-ZIP zip -0 -fz (ZIP64 extra fields in local headers only)', async () => {
    const dir = path.join(tmp, 'store');
    fs.mkdirSync(path.join(dir, 'a'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'a', 'x'), 'hello zip64');
    fs.writeFileSync(path.join(dir, '.zgroup'), '{"zarr_format": 2}');
    const file = path.join(tmp, 'fz.zip');
    execFileSync('zip', ['-q', '-0', '-r', '-fz', file, '.'], { cwd: dir });
    const expected = JSON.parse(py(PY_LIST, file)) as { name: string; headerOffset: number }[];
    // every FileSource here is closed explicitly, not by the garbage collector
    const { entries } = await withNodeSource(file, (s) => listZip(s));
    const x = entries.find((e) => e.name === 'a/x')!;
    expect(x.headerOffset).toBe(expected.find((e) => e.name === 'a/x')!.headerOffset);
    // The local header's extra field is longer than the central one's: data starts after it.
    const local = fs.readFileSync(file).subarray(x.headerOffset);
    expect(x.dataOffset).toBe(x.headerOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28));
    expect(new TextDecoder().decode(await withNodeSource(file, (s) => readEntry(s, x)))).toBe('hello zip64');
  });
});

describe('bad input', () => {
  it('members: only the chosen members are listed, and only their local headers read', async () => {
    const file = path.join(tmp, 'some.zip');
    py(`
import zipfile, sys
with zipfile.ZipFile(sys.argv[1], 'w', compression=zipfile.ZIP_STORED) as z:
    for i in range(5): z.writestr(f"t{i}.bin", bytes(300000))
    z.writestr("potree/metadata.json", b"{}")
`, file);
    const all = new CountingSource(new BytesSource(new Uint8Array(fs.readFileSync(file)), file));
    await listZip(all, { coalesce: { maxGap: 0 } });
    const some = new CountingSource(new BytesSource(new Uint8Array(fs.readFileSync(file)), file));
    const { entries } = await listZip(some, { coalesce: { maxGap: 0 }, members: (n) => n.startsWith('potree/') });
    expect(entries.map((e) => e.name)).toEqual(['potree/metadata.json']);
    expect(new TextDecoder().decode(await readEntry(some, entries[0]!))).toBe('{}');
    // five local headers fewer
    expect(all.reads.length - (some.reads.length - 1)).toBe(5);
  });

  it('not a ZIP: names the file', async () => {
    const tif = path.join(shared, 'tiff', fs.readdirSync(path.join(shared, 'tiff'))[0]);
    await expect(withNodeSource(tif, (s) => listZip(s))).rejects.toThrow(new RegExp(`${tif.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a ZIP archive`));
  });
  it('tiny input', async () => {
    await expect(listZip(new BytesSource(new Uint8Array(10), 'tiny.zip'))).rejects.toThrow(/tiny\.zip: not a ZIP archive/);
  });
  it('a ZIP whose middle is missing: offsets beyond the data are caught', async () => {
    const b = fs.readFileSync(path.join(shared, 'zip', 'omezarr-v04-blosc-stored.zip'));
    const cut = new Uint8Array(Buffer.concat([b.subarray(0, 100_000), b.subarray(b.length - 5000)]));
    await expect(listZip(new BytesSource(cut, 'cut.zip'))).rejects.toThrow(/cut\.zip: .*(beyond the end|corrupt)/);
  });
  it('a corrupt central directory size beyond the limit is refused before it is read', async () => {
    const b = new Uint8Array(fs.readFileSync(path.join(shared, 'zip', 'omezarr-v04-blosc-stored.zip')));
    const eocd = Buffer.from(b.buffer).lastIndexOf(Buffer.from([0x50, 0x4b, 5, 6]));
    const dv = new DataView(b.buffer, b.byteOffset);
    dv.setUint32(eocd + 12, 1_000_000, true); // directory size
    dv.setUint32(eocd + 16, 1_000_000, true); // directory offset
    const src = new CountingSource(new BytesSource(b, 'big-dir.zip'));
    await expect(listZip(src, { maxDirectoryBytes: 100_000 })).rejects.toThrow(/big-dir\.zip: corrupt ZIP archive: its central directory claims 1000000 bytes/);
    expect(src.reads.map(([, l]) => l)).toEqual([65557]); // only the end-record search was read
  });

  it('a DEFLATE member with corrupt data names the member', async () => {
    const file = path.join(shared, 'zip', 'omezarr-v04-deflated-members.zip');
    const b = new Uint8Array(fs.readFileSync(file));
    const src = new BytesSource(b, 'deflated.zip');
    const { entries } = await listZip(src);
    const e = entries.find((x) => x.name === '0/0/0/0')!;
    b.fill(0xff, e.dataOffset, e.dataOffset + 64);
    await expect(readEntry(src, e)).rejects.toThrow(/deflated\.zip: ZIP member 0\/0\/0\/0/);
  });
});
