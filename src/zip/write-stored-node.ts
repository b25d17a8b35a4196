/**
 * Stored (uncompressed) ZIP members written from files, so that each member is a plain byte range
 * of the archive: a new archive, or members appended to an existing one (a `.smlm` that then also
 * carries its octree). Both go through a temporary file renamed into place when complete, so an
 * interrupted write never leaves a broken or valid-looking half archive. ZIP64 where needed.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { MAX_DIRECTORY_BYTES } from './zip.js';
import { centralHeader, CRC_AT, endRecords, localHeader, locateDirectory, splitDirectory, ZIP_LIMITS, type RecordLimits, type StoredMember } from './stored-records.js';

export interface MemberFile {
  /** Name inside the archive. */
  name: string;
  /** The file whose bytes the member holds. */
  path: string;
}

const COPY_BLOCK = 8 << 20;

function writeAll(fd: number, bytes: Uint8Array, at: number) {
  for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done, bytes.length - done, at + done);
}

/** Writes each file as a stored member from byte `at` on; returns the members and where they end. */
function writeMembers(fd: number, at: number, files: MemberFile[], limits: RecordLimits): { members: StoredMember[]; end: number } {
  const members: StoredMember[] = [];
  const buf = Buffer.allocUnsafe(COPY_BLOCK);
  for (const f of files) {
    const size = fs.statSync(f.path).size;
    const header = localHeader({ name: f.name, size, crc32: 0 }, limits);
    writeAll(fd, header, at);
    const src = fs.openSync(f.path, 'r');
    let crc = 0;
    let pos = at + header.length;
    try {
      for (let done = 0; done < size; ) {
        const n = fs.readSync(src, buf, 0, Math.min(buf.length, size - done), done);
        if (n === 0) throw new Error(`${f.path} shrank while it was being written into the archive`);
        crc = zlib.crc32(buf.subarray(0, n), crc);
        writeAll(fd, buf.subarray(0, n), pos);
        pos += n;
        done += n;
      }
    } finally {
      fs.closeSync(src);
    }
    const c = Buffer.alloc(4);
    c.writeUInt32LE(crc >>> 0);
    writeAll(fd, c, at + CRC_AT);
    members.push({ name: f.name, size, crc32: crc >>> 0, offset: at });
    at = pos;
  }
  return { members, end: at };
}

function writeDirectory(fd: number, at: number, kept: Uint8Array[], members: StoredMember[], limits: RecordLimits): number {
  const headers = [...kept, ...members.map((m) => centralHeader(m, limits))];
  let pos = at;
  for (const h of headers) {
    writeAll(fd, h, pos);
    pos += h.length;
  }
  const end = endRecords(headers.length, at, pos - at, limits);
  writeAll(fd, end, pos);
  return pos + end.length;
}

/** Runs `write` on a temporary file beside `target`, renamed over it when complete. */
function atomically(target: string, prepare: (tmp: string) => void, write: (fd: number) => number): number {
  const tmp = `${target}.${process.pid}.partial`;
  let fd: number | undefined;
  try {
    prepare(tmp);
    fd = fs.openSync(tmp, 'r+');
    const size = write(fd);
    fs.ftruncateSync(fd, size);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
    return size;
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** A new archive of stored members, in the order given; returns its size. */
export function writeStoredZip(zipFile: string, files: MemberFile[], limits: RecordLimits = ZIP_LIMITS): number {
  return atomically(
    zipFile,
    (tmp) => fs.writeFileSync(tmp, new Uint8Array(0)),
    (fd) => {
      const { members, end } = writeMembers(fd, 0, files, limits);
      return writeDirectory(fd, end, [], members, limits);
    },
  );
}

/**
 * Appends stored members to an existing archive: its members stay where they are (readers of them see
 * the same bytes), the new ones follow, then a central directory listing both. Members for which
 * `replaces(name)` is true — an earlier append — are dropped first; they must be the archive's last.
 * Returns the archive's new size.
 */
export function appendStoredMembers(archive: string, files: MemberFile[], replaces: (name: string) => boolean, limits: RecordLimits = ZIP_LIMITS): number {
  return atomically(
    archive,
    // a copy-on-write clone where the file system has them (instant), else a copy
    (tmp) => fs.copyFileSync(archive, tmp, fs.constants.COPYFILE_FICLONE),
    (fd) => {
      const size = fs.fstatSync(fd).size;
      const tailLength = Math.min(size, 65_535 + 22 + 76);
      const tail = Buffer.alloc(tailLength);
      fs.readSync(fd, tail, 0, tailLength, size - tailLength);
      const at = locateDirectory(tail, size, archive);
      // the directory's size comes from the archive: bounded before it is allocated (as listZip does)
      if (at.size > MAX_DIRECTORY_BYTES) throw new Error(`${archive}: its central directory claims ${at.size} bytes (more than ${MAX_DIRECTORY_BYTES})`);
      const dir = Buffer.alloc(at.size);
      fs.readSync(fd, dir, 0, at.size, at.offset);
      const { entries } = splitDirectory(dir, at.offset, archive);
      const dropped = entries.filter((e) => replaces(e.name));
      const kept = entries.filter((e) => !replaces(e.name));
      const cut = Math.min(at.offset, ...dropped.map((e) => e.headerOffset));
      const after = kept.find((e) => e.headerOffset >= cut);
      if (after) throw new Error(`${archive}: ${after.name} follows the members being replaced (${dropped.map((e) => e.name).join(', ')}); rewrite the archive first`);
      const { members, end } = writeMembers(fd, cut, files, limits);
      return writeDirectory(fd, end, kept.map((e) => e.bytes), members, limits);
    },
  );
}
