import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FileSource } from '../../src/io/file-source.js';
import { listZip } from '../../src/zip/zip.js';
import { appendStoredMembers, writeStoredZip } from '../../src/zip/write-stored-node.js';
import { tmpDir } from '../helpers/host.js';
import { python } from '../helpers/paths.js';

// Stored archives judged by Python's zipfile (CRC of every member checked on read). ZIP64 records
// are exercised by lowering the limits at which they are needed: a real 4 GiB member would take
// minutes, and zipfile reads the ZIP64 fields whenever a 32-bit slot says 0xFFFFFFFF.
let dir: string;
const files: { name: string; path: string; bytes: Buffer }[] = [];

/** What zipfile sees: names in order, whether all CRCs hold, each member's bytes as hex, compression. */
function zipfileView(zip: string) {
  const out = execFileSync(python, [
    '-c',
    `import sys, json, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps({'names': z.namelist(), 'bad': z.testzip(), 'stored': [i.compress_type == zipfile.ZIP_STORED for i in z.infolist()],
  'data': {i.filename: z.read(i).hex() for i in z.infolist()}, 'offsets': {i.filename: i.header_offset for i in z.infolist()}, 'start_dir': z.start_dir}))`,
    zip,
  ]);
  return JSON.parse(out.toString()) as { names: string[]; bad: string | null; stored: boolean[]; data: Record<string, string>; offsets: Record<string, number>; start_dir: number };
}

async function ourListing(zip: string) {
  const src = new FileSource(zip);
  try {
    const { entries } = await listZip(src);
    return entries.map((e) => ({ name: e.name, bytes: fs.readFileSync(zip).subarray(e.dataOffset, e.dataOffset + e.size).toString('hex') }));
  } finally {
    await src.close();
  }
}

beforeAll(() => {
  dir = tmpDir('zip-write-');
  for (const [name, size] of [['a.bin', 50], ['dir/b.bin', 150], ['c.json', 10]] as const) {
    const bytes = Buffer.from(Array.from({ length: size }, (_, i) => (i * 37 + size) & 255));
    fs.writeFileSync(path.join(dir, name.replace('/', '_')), bytes);
    files.push({ name, path: path.join(dir, name.replace('/', '_')), bytes });
  }
});

describe('stored ZIP writer', () => {
  for (const [label, limits] of [
    ['plain records', undefined],
    ['ZIP64 sizes, offsets and end record', { max32: 100, max16: 2 }],
  ] as const) {
    it(`new archive, ${label}: zipfile reads every member with its CRC; so does our reader`, async () => {
      const zip = path.join(dir, `new-${limits ? 64 : 32}.zip`);
      const size = writeStoredZip(zip, files, limits);
      expect(fs.statSync(zip).size).toBe(size);
      // the ZIP64 end record is there exactly when the limits ask for it
      expect(fs.readFileSync(zip).includes(Buffer.from([0x50, 0x4b, 6, 6]))).toBe(Boolean(limits));
      const z = zipfileView(zip);
      expect(z.names).toEqual(files.map((f) => f.name));
      expect(z.bad).toBeNull();
      expect(z.stored).toEqual([true, true, true]);
      for (const f of files) expect(z.data[f.name]).toBe(f.bytes.toString('hex'));
      expect(await ourListing(zip)).toEqual(files.map((f) => ({ name: f.name, bytes: f.bytes.toString('hex') })));
      expect(fs.readdirSync(dir).filter((f) => f.includes('.partial'))).toEqual([]);
    });

    it(`appending to a zipfile-written archive, ${label}: its members untouched, ours after them, replaced on a second append`, () => {
      const zip = path.join(dir, `app-${limits ? 64 : 32}.zip`);
      execFileSync(python, ['-c', 'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:\n    z.writestr("manifest.json", "{}" * 40)\n    z.writestr("t.bin", bytes(range(256)) * 3)', zip]);
      const before = zipfileView(zip);
      const original = fs.readFileSync(zip);
      const added = files.map((f) => ({ ...f, name: `potree/${f.name}` }));
      appendStoredMembers(zip, added, (n) => n.startsWith('potree/'), limits);
      const once = zipfileView(zip);
      expect(once.names).toEqual([...before.names, ...added.map((f) => f.name)]);
      expect(once.bad).toBeNull();
      for (const n of before.names) expect(once.data[n]).toBe(before.data[n]);
      for (const f of added) expect(once.data[f.name]).toBe(f.bytes.toString('hex'));
      // the original members' bytes are where they were; ours start where its directory was
      expect(Buffer.compare(fs.readFileSync(zip).subarray(0, before.start_dir), original.subarray(0, before.start_dir))).toBe(0);
      expect(once.offsets[added[0]!.name]).toBe(before.start_dir);
      const first = fs.readFileSync(zip);
      // again, with one member changed: replaced in place, not added twice
      fs.writeFileSync(files[2]!.path, '{"v": 2}');
      try {
        appendStoredMembers(zip, added, (n) => n.startsWith('potree/'), limits);
        const twice = zipfileView(zip);
        expect(twice.names).toEqual(once.names);
        expect(twice.bad).toBeNull();
        expect(Buffer.from(twice.data['potree/c.json']!, 'hex').toString()).toBe('{"v": 2}');
        expect(fs.statSync(zip).size).toBe(first.length - 10 + 8);
      } finally {
        fs.writeFileSync(files[2]!.path, files[2]!.bytes);
      }
    });
  }

  it('refuses to replace members that are not the last ones, and leaves the archive as it was', () => {
    const zip = path.join(dir, 'middle.zip');
    execFileSync(python, ['-c', 'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z:\n    z.writestr("potree/old.bin", "x")\n    z.writestr("t.bin", "y")', zip]);
    const original = fs.readFileSync(zip);
    expect(() => appendStoredMembers(zip, files, (n) => n.startsWith('potree/'))).toThrow(/middle\.zip: t\.bin follows the members being replaced/);
    expect(Buffer.compare(fs.readFileSync(zip), original)).toBe(0);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.partial'))).toEqual([]);
    fs.writeFileSync(path.join(dir, 'not.zip'), 'hello');
    expect(() => appendStoredMembers(path.join(dir, 'not.zip'), files, () => false)).toThrow(/not\.zip: not a ZIP archive/);
  });
});
