/**
 * One file for a whole octree: a stored (uncompressed) ZIP whose members are, in this order,
 * octree.bin, hierarchy.bin and metadata.json, then the central directory — so one suffix read of
 * the archive returns its directory, the metadata and the top of the hierarchy, and nodes are
 * byte ranges of the archive: one pre-signed URL serves the whole cloud.
 * Written with fflate's streaming Zip (ZipPassThrough = stored), to a temporary file renamed when
 * complete. fflate writes no ZIP64 records, so members and offsets must stay under 4 GiB.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Zip, ZipPassThrough } from 'fflate';

const OCTREE_MEMBERS = ['octree.bin', 'hierarchy.bin', 'metadata.json'] as const;
const LIMIT = 2 ** 32 - 1;

export function zipOctree(dir: string, zipFile: string): number {
  const sizes = OCTREE_MEMBERS.map((m) => fs.statSync(path.join(dir, m)).size);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total >= LIMIT - 64 * 1024) throw new Error(`${zipFile}: the octree is ${total} bytes; a single-file octree holds less than 4 GiB (no ZIP64): write a folder instead`);
  const tmp = `${zipFile}.${process.pid}.partial`;
  const fd = fs.openSync(tmp, 'w');
  let written = 0;
  try {
    let failed: Error | undefined;
    const zip = new Zip((err, chunk) => {
      if (err) failed = err;
      else {
        fs.writeSync(fd, chunk);
        written += chunk.length;
      }
    });
    const buf = Buffer.allocUnsafe(8 << 20);
    for (const m of OCTREE_MEMBERS) {
      const member = new ZipPassThrough(m);
      zip.add(member);
      const src = fs.openSync(path.join(dir, m), 'r');
      try {
        for (;;) {
          const n = fs.readSync(src, buf, 0, buf.length, null);
          if (n === 0) break;
          member.push(buf.subarray(0, n));
        }
        member.push(new Uint8Array(0), true);
      } finally {
        fs.closeSync(src);
      }
      if (failed) throw failed;
    }
    zip.end();
    if (failed) throw failed;
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, zipFile);
  return written;
}
