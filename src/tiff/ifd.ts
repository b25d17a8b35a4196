/**
 * Minimal typed TIFF / BigTIFF directory parser over a `ByteSource`.
 *
 * Exports: `readHeader`, `readIfd`, `walkIfdChain`, `ifdExtent`, `tagNumbers`, `tagString`, `tagBytes`, types
 * `TiffHeader`, `Ifd`, `IfdEntry`, constant `Tag`.
 *
 * Why hand-written instead of geotiff.js's parser: geotiff 3.x reads deferred tag arrays
 * little-endian regardless of the file's byte order (geotiff.js#536, breaks big-endian files),
 * walks only the main IFD chain, reads through its own source/cache layer rather than our
 * `ByteSource`, and does not check tag counts against the file size. This parser does exactly
 * what the reference maker needs: entries are decoded lazily, large arrays (TileOffsets,
 * TileByteCounts) are fetched with ONE read each, and every header value is checked against the
 * file size before it is used, so a broken file fails fast with a `SourceError`.
 * geotiff.js is still used for pixel decoders (src/codecs).
 */
import { SourceError, type ByteSource } from '../io/byte-source.js';

export const Tag = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  FillOrder: 266,
  ImageDescription: 270,
  StripOffsets: 273,
  XResolution: 282,
  YResolution: 283,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  PlanarConfiguration: 284,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SubIFDs: 330,
  ExtraSamples: 338,
  SampleFormat: 339,
  JPEGTables: 347,
  YCbCrSubsampling: 530,
  ImageDepth: 32997,
} as const;

/** Byte size of each TIFF field type. */
const TYPE_SIZE: Record<number, number> = {
  1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8,
};

export interface TiffHeader {
  littleEndian: boolean;
  bigTiff: boolean;
  /** Offset of the first IFD. */
  firstIfd: number;
  /** File size, used to guard every offset and count. */
  fileSize: number;
}

export interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  /** Absolute file offset of the value bytes (inside the entry when they fit). */
  valueOffset: number;
  /** Value bytes when they are stored inside the entry itself. */
  inline?: Uint8Array;
}

export interface Ifd {
  offset: number;
  /** Offset of the next IFD in the chain, 0 at the end. */
  next: number;
  entries: Map<number, IfdEntry>;
  /** Offset just past the entry table and its next-IFD pointer. */
  tableEnd: number;
}

function fail(source: ByteSource, msg: string): never {
  throw new SourceError(source.name, msg);
}

export async function readHeader(source: ByteSource): Promise<TiffHeader> {
  const fileSize = await source.size();
  if (fileSize < 8) fail(source, `not a TIFF file: only ${fileSize} bytes`);
  const head = await source.read(0, Math.min(16, fileSize));
  const bo = String.fromCharCode(head[0], head[1]);
  if (bo !== 'II' && bo !== 'MM') fail(source, 'not a TIFF file: no II/MM byte-order mark');
  const littleEndian = bo === 'II';
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const magic = dv.getUint16(2, littleEndian);
  let firstIfd: number;
  let bigTiff = false;
  if (magic === 42) {
    firstIfd = dv.getUint32(4, littleEndian);
  } else if (magic === 43) {
    if (head.length < 16) fail(source, 'truncated BigTIFF header');
    bigTiff = true;
    if (dv.getUint16(4, littleEndian) !== 8) fail(source, 'BigTIFF header: offset size is not 8');
    firstIfd = Number(dv.getBigUint64(8, littleEndian));
  } else {
    fail(source, `not a TIFF file: magic number ${magic} (expected 42 or 43)`);
  }
  if (firstIfd < 8 || firstIfd >= fileSize) {
    fail(source, `first IFD offset ${firstIfd} lies outside the file (${fileSize} bytes); the file is truncated or not a TIFF`);
  }
  return { littleEndian, bigTiff, firstIfd, fileSize };
}

/** Parse the directory at `offset` (entry table only; values are read on demand). */
export async function readIfd(source: ByteSource, h: TiffHeader, offset: number): Promise<Ifd> {
  const countSize = h.bigTiff ? 8 : 2;
  const entrySize = h.bigTiff ? 20 : 12;
  const ptrSize = h.bigTiff ? 8 : 4;
  if (!Number.isSafeInteger(offset) || offset < 8 || offset + countSize > h.fileSize) {
    fail(source, `IFD offset ${offset} lies outside the file (${h.fileSize} bytes); the file is truncated`);
  }
  const cb = await source.read(offset, countSize);
  const cdv = new DataView(cb.buffer, cb.byteOffset, cb.byteLength);
  const n = h.bigTiff ? Number(cdv.getBigUint64(0, h.littleEndian)) : cdv.getUint16(0, h.littleEndian);
  const tableLen = n * entrySize + ptrSize;
  if (n === 0) fail(source, `IFD at ${offset} has no entries`);
  if (offset + countSize + tableLen > h.fileSize) {
    fail(source, `IFD at ${offset} claims ${n} entries (${tableLen} bytes), more than the file holds (${h.fileSize} bytes); the file is truncated or corrupt`);
  }
  const table = await source.read(offset + countSize, tableLen);
  const dv = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const entries = new Map<number, IfdEntry>();
  for (let i = 0; i < n; i++) {
    const p = i * entrySize;
    const tag = dv.getUint16(p, h.littleEndian);
    const type = dv.getUint16(p + 2, h.littleEndian);
    const count = h.bigTiff ? Number(dv.getBigUint64(p + 4, h.littleEndian)) : dv.getUint32(p + 4, h.littleEndian);
    const size = TYPE_SIZE[type];
    if (!size) continue; // unknown field type: TIFF readers must skip such entries
    const bytes = count * size;
    const valPos = p + (h.bigTiff ? 12 : 8);
    if (bytes <= ptrSize) {
      entries.set(tag, {
        tag, type, count,
        valueOffset: offset + countSize + valPos,
        inline: table.subarray(valPos, valPos + bytes),
      });
    } else {
      const valueOffset = h.bigTiff ? Number(dv.getBigUint64(valPos, h.littleEndian)) : dv.getUint32(valPos, h.littleEndian);
      if (!Number.isSafeInteger(bytes) || valueOffset + bytes > h.fileSize) {
        fail(source, `tag ${tag} in IFD at ${offset} claims ${count} values (${bytes} bytes at offset ${valueOffset}), beyond the end of the file (${h.fileSize} bytes)`);
      }
      entries.set(tag, { tag, type, count, valueOffset });
    }
  }
  const next = h.bigTiff ? Number(dv.getBigUint64(n * entrySize, h.littleEndian)) : dv.getUint32(n * entrySize, h.littleEndian);
  return { offset, next, entries, tableEnd: offset + countSize + tableLen };
}

/** Reads a byte range ahead into a cache (e.g. `BlockCacheSource.warm`). */
export type ReadAhead = (offset: number, length: number) => Promise<void>;

/**
 * Bytes from the IFD's offset to the end of its entry table and of those out-of-line values that
 * lie right after it (within 4 MiB): what a writer such as tifffile or Bio-Formats puts together
 * (IFD, tag values, tile tables). Values elsewhere (an OME-XML rewritten at the end) don't count.
 */
export function ifdExtent(ifd: Ifd): number {
  const near = ifd.offset + (4 << 20);
  let end = ifd.tableEnd;
  for (const e of ifd.entries.values()) {
    if (e.inline) continue;
    const stop = e.valueOffset + e.count * TYPE_SIZE[e.type];
    if (e.valueOffset >= ifd.offset && stop <= near && stop > end) end = stop;
  }
  return end - ifd.offset;
}

/**
 * Every IFD of the main chain, in order. A chain that revisits an offset (a loop) or points
 * outside the file is an error naming the file, not an endless walk.
 *
 * The chain can only be walked one IFD at a time, so over HTTP each IFD costs a round trip; with
 * `readAhead` it costs no more than that:
 * - IFDs that follow each other closely (stride ≤ 1 MiB, as in multi-page files): the next ~16
 *   strides (≤ 4 MiB) are fetched in one request;
 * - far-apart IFDs (each followed by its image data, as in tiled OME-TIFFs): the next IFD is read
 *   together with as many bytes as this IFD and its adjacent values took (≤ 4 MiB), since pages
 *   of one file tend to share a layout — so its tile tables arrive with it, not one trip later.
 */
export async function walkIfdChain(source: ByteSource, h: TiffHeader, first = h.firstIfd, readAhead?: ReadAhead): Promise<Ifd[]> {
  const seen = new Set<number>();
  const out: Ifd[] = [];
  let off = first;
  let coveredFrom = 0;
  let coveredTo = 0;
  while (off !== 0) {
    if (seen.has(off)) fail(source, `IFD chain loops back to offset ${off} after ${out.length} IFDs; the file is corrupt`);
    seen.add(off);
    const ifd = await readIfd(source, h, off);
    out.push(ifd);
    const next = ifd.next;
    if (readAhead && next > 0 && next < h.fileSize && (next < coveredFrom || next + 4096 > coveredTo)) {
      const stride = next - off;
      const length = stride > 0 && stride <= 1 << 20 ? Math.min(stride * 16, 4 << 20) : Math.max(4096, ifdExtent(ifd));
      coveredFrom = next;
      coveredTo = next + length;
      await readAhead(next, length);
    }
    off = next;
  }
  return out;
}

async function entryBytes(source: ByteSource, e: IfdEntry): Promise<Uint8Array> {
  if (e.inline) return e.inline;
  return source.read(e.valueOffset, e.count * TYPE_SIZE[e.type]);
}

/** Byte range of an entry's values in the file. */
export function tagRange(e: IfdEntry): { offset: number; length: number } {
  return { offset: e.valueOffset, length: e.count * TYPE_SIZE[e.type] };
}

/** Numeric tag values (one read for the whole array; RATIONALs as quotients). */
export async function tagNumbers(source: ByteSource, h: TiffHeader, ifd: Ifd, tag: number): Promise<number[] | undefined> {
  const e = ifd.entries.get(tag);
  if (!e) return undefined;
  return decodeNumbers(h, e, await entryBytes(source, e));
}

/** Decode an entry's value bytes (as read from the file) to numbers. */
export function decodeNumbers(h: TiffHeader, e: IfdEntry, b: Uint8Array): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = h.littleEndian;
  const n = e.count;
  const out = new Array<number>(n);
  switch (e.type) {
    case 1: case 7: case 2: for (let i = 0; i < n; i++) out[i] = b[i]; break;
    case 6: for (let i = 0; i < n; i++) out[i] = dv.getInt8(i); break;
    case 3: for (let i = 0; i < n; i++) out[i] = dv.getUint16(i * 2, le); break;
    case 8: for (let i = 0; i < n; i++) out[i] = dv.getInt16(i * 2, le); break;
    case 4: case 13: for (let i = 0; i < n; i++) out[i] = dv.getUint32(i * 4, le); break;
    case 9: for (let i = 0; i < n; i++) out[i] = dv.getInt32(i * 4, le); break;
    case 11: for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, le); break;
    case 12: for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, le); break;
    case 5: for (let i = 0; i < n; i++) out[i] = dv.getUint32(i * 8, le) / dv.getUint32(i * 8 + 4, le); break;
    case 10: for (let i = 0; i < n; i++) out[i] = dv.getInt32(i * 8, le) / dv.getInt32(i * 8 + 4, le); break;
    case 16: case 18: {
      // two 32-bit halves instead of getBigUint64: a BigInt per value made BigTIFF tile tables
      // (100k+ offsets) the costliest part of indexing; exact below 2^53, like Number(BigInt)
      const [lo, hi] = le ? [0, 4] : [4, 0];
      for (let i = 0; i < n; i++) out[i] = dv.getUint32(i * 8 + hi, le) * 4294967296 + dv.getUint32(i * 8 + lo, le);
      break;
    }
    case 17: for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(i * 8, le)); break;
  }
  return out;
}

export async function tagNumber(source: ByteSource, h: TiffHeader, ifd: Ifd, tag: number): Promise<number | undefined> {
  const e = ifd.entries.get(tag);
  if (!e) return undefined;
  if (e.count < 1) return undefined;
  return (await tagNumbers(source, h, ifd, tag))![0];
}

/** ASCII tag as a string (UTF-8 tolerated: OME-XML is UTF-8), up to the first NUL. */
export async function tagString(source: ByteSource, ifd: Ifd, tag: number): Promise<string | undefined> {
  const e = ifd.entries.get(tag);
  if (!e) return undefined;
  const b = await entryBytes(source, e);
  const end = b.indexOf(0);
  return new TextDecoder().decode(end >= 0 ? b.subarray(0, end) : b);
}

/** Raw tag bytes (JPEGTables). */
export async function tagBytes(source: ByteSource, ifd: Ifd, tag: number): Promise<Uint8Array | undefined> {
  const e = ifd.entries.get(tag);
  return e ? entryBytes(source, e) : undefined;
}
