/**
 * ZIP / ZIP64 archives read lazily over a ByteSource: only the end records, the central directory
 * and the local headers are read, never the member data, so a multi-GB archive on S3 is indexed
 * with a handful of Range requests.
 *
 * The end-of-central-directory search, ZIP64 locator/record and ZIP64 extra fields are parsed by
 * unzipit (maintained, used by zarrita's ZipFileStore, reads through a ranged Reader). unzipit does
 * not expose where a member's data starts, and finds that out with one read per member; so this
 * module reads every member's *local* header itself (its name/extra lengths can differ from the
 * central directory's — e.g. Python's zipfile adds a ZIP64 extra field only locally), coalescing
 * neighbouring header reads into few requests, and checks every offset and size against the file.
 */
import { inflateSync } from 'fflate';
import { unzipRaw, type Reader, type ZipEntry as UnzipitEntry } from 'unzipit';
import { SourceError, type ByteSource } from '../io/byte-source.js';
import { readRanges, type CoalesceOptions } from '../io/coalesce.js';

export const ZIP_STORED = 0;
export const ZIP_DEFLATED = 8;
/** Largest central directory read by default: 512 MiB, about 5 million members. */
export const MAX_DIRECTORY_BYTES = 512 * 1024 * 1024;

export interface ZipEntry {
  /** Path inside the archive ('/' separated, as written). */
  name: string;
  /** Compression method: 0 stored, 8 deflate, others unsupported for reading. */
  method: number;
  compressedSize: number;
  /** Uncompressed size. */
  size: number;
  crc32: number;
  /** Offset of the local file header. */
  headerOffset: number;
  /** Offset of the member's (possibly compressed) bytes, from its local header. */
  dataOffset: number;
  encrypted: boolean;
  isDirectory: boolean;
}

export interface ZipListing {
  entries: ZipEntry[];
  comment: string;
}

export interface ListZipOptions {
  /** Coalescing of local-header reads (defaults: 256 KiB gaps merged, 8 reads in flight). */
  coalesce?: CoalesceOptions;
  /** Largest central directory accepted (default MAX_DIRECTORY_BYTES). */
  maxDirectoryBytes?: number;
  /** Only the members for which this is true are listed (and only their local headers read). */
  members?: (name: string) => boolean;
}

/** The private entry record unzipit keeps; read through a runtime-checked accessor. */
interface RawEntry {
  generalPurposeBitFlag: number;
  compressionMethod: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  relativeOffsetOfLocalHeader: number;
}

function rawEntry(source: ByteSource, e: UnzipitEntry): RawEntry {
  const raw = (e as unknown as { _rawEntry?: RawEntry })._rawEntry;
  if (!raw || typeof raw.relativeOffsetOfLocalHeader !== 'number') {
    throw new SourceError(source.name, 'internal: unzipit no longer exposes entry offsets (check the pinned version)');
  }
  return raw;
}

/**
 * unzipit reads the end records and then the whole central directory in one read; cap that read so
 * a corrupt directory size cannot make us download (or allocate) most of a huge remote file.
 */
function readerFor(source: ByteSource, maxRead: number): Reader {
  return {
    getLength: () => source.size(),
    read: async (offset, length) => {
      if (length > Math.max(maxRead, 22 + 65535)) { // the end-record search always fits
        throw new SourceError(source.name, `corrupt ZIP archive: its central directory claims ${length} bytes (more than the ${maxRead}-byte limit)`);
      }
      return (await source.read(offset, length)) as Uint8Array<ArrayBuffer>;
    },
  };
}

const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;

/**
 * Lists the members of a ZIP or ZIP64 archive. A name written twice (zarr's ZipStore appends
 * rewritten keys) resolves to its last entry, as zipfile and zarr-python do.
 */
export async function listZip(source: ByteSource, opts: ListZipOptions = {}): Promise<ZipListing> {
  const size = await source.size();
  if (size < 22) throw new SourceError(source.name, `not a ZIP archive: only ${size} bytes, smaller than an end-of-central-directory record`);
  let raw: Awaited<ReturnType<typeof unzipRaw>>;
  try {
    raw = await unzipRaw(readerFor(source, opts.maxDirectoryBytes ?? MAX_DIRECTORY_BYTES));
  } catch (e) {
    if (e instanceof SourceError) throw e;
    const msg = (e as Error).message;
    throw new SourceError(source.name, /end of central directory/.test(msg) ? 'not a ZIP archive (no end-of-central-directory record found)' : `corrupt ZIP archive: ${msg}`);
  }
  const last = new Map<string, UnzipitEntry>();
  for (const e of raw.entries) {
    last.delete(e.name); // re-insert so the order is that of the surviving entries
    last.set(e.name, e);
  }
  const kept = [...last.values()].filter((e) => !opts.members || opts.members(e.name));
  const raws = kept.map((e) => rawEntry(source, e));
  for (const [i, r] of raws.entries()) {
    if (r.relativeOffsetOfLocalHeader + 30 > size) {
      throw new SourceError(source.name, `ZIP member ${kept[i].name}: local header offset ${r.relativeOffsetOfLocalHeader} lies beyond the end of the file (${size} bytes); the archive is truncated or corrupt`);
    }
  }
  const headers = await readRanges(
    source,
    raws.map((r) => ({ offset: r.relativeOffsetOfLocalHeader, length: 30 })),
    { maxGap: 256 * 1024, concurrency: 8, ...opts.coalesce },
  );
  const entries = kept.map((e, i): ZipEntry => {
    const r = raws[i];
    const h = headers[i];
    if (u32(h, 0) !== LOCAL_HEADER_SIGNATURE) {
      throw new SourceError(source.name, `ZIP member ${e.name}: no local file header at offset ${r.relativeOffsetOfLocalHeader}; the archive is corrupt`);
    }
    const dataOffset = r.relativeOffsetOfLocalHeader + 30 + u16(h, 26) + u16(h, 28);
    if (dataOffset + r.compressedSize > size) {
      throw new SourceError(source.name, `ZIP member ${e.name}: data ${dataOffset}..${dataOffset + r.compressedSize} lies beyond the end of the file (${size} bytes); the archive is truncated or corrupt`);
    }
    return {
      name: e.name,
      method: r.compressionMethod,
      compressedSize: r.compressedSize,
      size: r.uncompressedSize,
      crc32: r.crc32 >>> 0,
      headerOffset: r.relativeOffsetOfLocalHeader,
      dataOffset,
      encrypted: (r.generalPurposeBitFlag & 1) !== 0,
      isDirectory: e.name.endsWith('/'),
    };
  });
  return { entries, comment: raw.zip.comment };
}

/** A member's raw (possibly compressed) bytes → its content; `raw` is exactly its data range. */
export function decodeEntry(source: ByteSource, entry: ZipEntry, raw: Uint8Array): Uint8Array {
  if (entry.encrypted) throw new SourceError(source.name, `ZIP member ${entry.name} is encrypted`);
  if (entry.method === ZIP_STORED) return raw;
  if (entry.method !== ZIP_DEFLATED) {
    throw new SourceError(source.name, `ZIP member ${entry.name}: unsupported compression method ${entry.method} (only stored and deflate)`);
  }
  let out: Uint8Array;
  try {
    out = inflateSync(raw, { out: new Uint8Array(entry.size) });
  } catch (e) {
    throw new SourceError(source.name, `ZIP member ${entry.name}: corrupt deflate data (${(e as Error).message})`);
  }
  if (out.byteLength !== entry.size) {
    throw new SourceError(source.name, `ZIP member ${entry.name}: inflated to ${out.byteLength} bytes, the directory says ${entry.size}`);
  }
  return out;
}

/** The bytes of one member, inflated when it is DEFLATE-compressed. */
export async function readEntry(source: ByteSource, entry: ZipEntry, signal?: AbortSignal): Promise<Uint8Array> {
  if (entry.encrypted) throw new SourceError(source.name, `ZIP member ${entry.name} is encrypted`);
  return decodeEntry(source, entry, await source.read(entry.dataOffset, entry.compressedSize, signal));
}

/** Several members at once: neighbouring ones are read together (few requests over HTTP). */
export async function readEntries(source: ByteSource, entries: ZipEntry[], coalesce?: CoalesceOptions): Promise<Uint8Array[]> {
  const raw = await readRanges(source, entries.map((e) => ({ offset: e.dataOffset, length: e.compressedSize })), coalesce);
  return raw.map((bytes, i) => decodeEntry(source, entries[i], bytes));
}
