/**
 * The records of a ZIP archive of *stored* members, ZIP64 where a size, an offset or the member count
 * needs it (APPNOTE 6.3.10 §4.3, §4.5.3). Pure byte layout: the Node writer (write-stored-node.ts)
 * puts them in files. Written by hand because fflate, the zip writer used elsewhere, writes no ZIP64
 * records, and a Potree octree of 10⁹ points is tens of GB.
 */

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const END64 = 0x06064b50;
const LOCATOR64 = 0x07064b50;
/** A 32-bit field that says "see the ZIP64 record". */
const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
const UTF8_NAMES = 0x0800;
const VERSION_ZIP64 = 45;
const VERSION_STORED = 20;
/** MS-DOS date and time of 1980-01-01 00:00: members carry no time, so output is reproducible. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

export interface StoredMember {
  name: string;
  size: number;
  crc32: number;
  /** Offset of the member's local header in the archive. */
  offset: number;
}

export interface RecordLimits {
  /** Sizes and offsets at or above this need ZIP64 fields (tests lower it to exercise them). */
  max32: number;
  /** Member counts at or above this need the ZIP64 end record. */
  max16: number;
}
export const ZIP_LIMITS: RecordLimits = { max32: MAX32, max16: MAX16 };

function writer(n: number) {
  const bytes = new Uint8Array(n);
  const view = new DataView(bytes.buffer);
  let at = 0;
  const w = {
    u16: (v: number) => (view.setUint16(at, v, true), (at += 2), w),
    u32: (v: number) => (view.setUint32(at, v >>> 0, true), (at += 4), w),
    u64: (v: number) => (view.setBigUint64(at, BigInt(v), true), (at += 8), w),
    raw: (b: Uint8Array) => (bytes.set(b, at), (at += b.length), w),
    done: () => {
      if (at !== n) throw new Error(`internal: ZIP record of ${at} bytes, ${n} planned`);
      return bytes;
    },
  };
  return w;
}

const utf8 = (s: string) => new TextEncoder().encode(s);

/** The local header of a stored member; `crc32` may be patched later at byte 14 (see CRC_AT). */
export function localHeader(m: Omit<StoredMember, 'offset'>, limits: RecordLimits = ZIP_LIMITS): Uint8Array {
  const name = utf8(m.name);
  const big = m.size >= limits.max32;
  const w = writer(30 + name.length + (big ? 20 : 0));
  w.u32(LOCAL).u16(big ? VERSION_ZIP64 : VERSION_STORED).u16(UTF8_NAMES).u16(0).u16(0).u16(DOS_DATE).u32(m.crc32);
  w.u32(big ? MAX32 : m.size).u32(big ? MAX32 : m.size).u16(name.length).u16(big ? 20 : 0).raw(name);
  if (big) w.u16(1).u16(16).u64(m.size).u64(m.size);
  return w.done();
}
/** Where a local header's CRC-32 sits. */
export const CRC_AT = 14;

/** A central-directory header for a stored member. */
export function centralHeader(m: StoredMember, limits: RecordLimits = ZIP_LIMITS): Uint8Array {
  const name = utf8(m.name);
  const bigSize = m.size >= limits.max32;
  const bigOffset = m.offset >= limits.max32;
  // the ZIP64 extra holds, in this order, only the fields whose 32-bit slot says MAX32
  const extra = (bigSize ? 16 : 0) + (bigOffset ? 8 : 0);
  const w = writer(46 + name.length + (extra ? 4 + extra : 0));
  const version = extra ? VERSION_ZIP64 : VERSION_STORED;
  w.u32(CENTRAL).u16((3 << 8) | version).u16(version).u16(UTF8_NAMES).u16(0).u16(0).u16(DOS_DATE).u32(m.crc32);
  w.u32(bigSize ? MAX32 : m.size).u32(bigSize ? MAX32 : m.size).u16(name.length).u16(extra ? 4 + extra : 0).u16(0);
  w.u16(0).u16(0).u32((0o100644 << 16) >>> 0).u32(bigOffset ? MAX32 : m.offset).raw(name);
  if (extra) {
    w.u16(1).u16(extra);
    if (bigSize) w.u64(m.size).u64(m.size);
    if (bigOffset) w.u64(m.offset);
  }
  return w.done();
}

/** The end records for a central directory of `count` entries, `size` bytes at `offset`. */
export function endRecords(count: number, offset: number, size: number, limits: RecordLimits = ZIP_LIMITS): Uint8Array {
  const zip64 = count >= limits.max16 || offset >= limits.max32 || size >= limits.max32;
  const w = writer((zip64 ? 56 + 20 : 0) + 22);
  if (zip64) {
    w.u32(END64).u64(44).u16((3 << 8) | VERSION_ZIP64).u16(VERSION_ZIP64).u32(0).u32(0).u64(count).u64(count).u64(size).u64(offset);
    w.u32(LOCATOR64).u32(0).u64(offset + size).u32(1);
  }
  const c16 = zip64 ? MAX16 : count;
  w.u32(END).u16(0).u16(0).u16(c16).u16(c16).u32(zip64 ? MAX32 : size).u32(zip64 ? MAX32 : offset).u16(0);
  return w.done();
}

export interface CentralDirectory {
  offset: number;
  size: number;
  /** Each entry's raw header bytes (kept as written: extra fields, times, attributes). */
  entries: { name: string; headerOffset: number; bytes: Uint8Array }[];
}

/** Where the central directory is, from the archive's tail (its last 64 KiB + 98 bytes or all of it). */
export function locateDirectory(tail: Uint8Array, fileSize: number, where: string): { offset: number; size: number } {
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const base = fileSize - tail.length;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (view.getUint32(i, true) !== END) continue;
    let offset = view.getUint32(i + 16, true);
    let size = view.getUint32(i + 12, true);
    if ((offset === MAX32 || size === MAX32 || view.getUint16(i + 10, true) === MAX16) && i >= 20 && view.getUint32(i - 20, true) === LOCATOR64) {
      const at = Number(view.getBigUint64(i - 12, true)) - base;
      if (at < 0 || at + 56 > tail.length || view.getUint32(at, true) !== END64) throw new Error(`${where}: its ZIP64 end record lies outside the end of the file`);
      size = Number(view.getBigUint64(at + 40, true));
      offset = Number(view.getBigUint64(at + 48, true));
    }
    if (offset + size > fileSize) throw new Error(`${where}: its central directory (${size} bytes at ${offset}) lies beyond the end of the file`);
    return { offset, size };
  }
  throw new Error(`${where}: not a ZIP archive (no end-of-central-directory record)`);
}

/** Splits a central directory into its entries, with their names and local-header offsets. */
export function splitDirectory(dir: Uint8Array, offset: number, where: string): CentralDirectory {
  const view = new DataView(dir.buffer, dir.byteOffset, dir.byteLength);
  const entries: CentralDirectory['entries'] = [];
  const decoder = new TextDecoder();
  for (let at = 0; at < dir.length; ) {
    if (at + 46 > dir.length || view.getUint32(at, true) !== CENTRAL) throw new Error(`${where}: corrupt central directory at byte ${offset + at}`);
    const n = view.getUint16(at + 28, true);
    const m = view.getUint16(at + 30, true);
    const k = view.getUint16(at + 32, true);
    const end = at + 46 + n + m + k;
    if (end > dir.length) throw new Error(`${where}: corrupt central directory at byte ${offset + at}`);
    let headerOffset = view.getUint32(at + 42, true);
    if (headerOffset === MAX32) {
      // in the ZIP64 extra, after the sizes whose 32-bit slots say MAX32
      for (let e = at + 46 + n; e + 4 <= at + 46 + n + m; ) {
        const id = view.getUint16(e, true);
        const len = view.getUint16(e + 2, true);
        if (id === 1) {
          const skip = (view.getUint32(at + 24, true) === MAX32 ? 8 : 0) + (view.getUint32(at + 20, true) === MAX32 ? 8 : 0);
          if (skip + 8 <= len) headerOffset = Number(view.getBigUint64(e + 4 + skip, true));
          break;
        }
        e += 4 + len;
      }
    }
    entries.push({ name: decoder.decode(dir.subarray(at + 46, at + 46 + n)), headerOffset, bytes: dir.subarray(at, end) });
    at = end;
  }
  return { offset, size: dir.length, entries };
}
