import { SourceError, type ByteSource } from '../io/byte-source.js';
import { listZip, readEntry, ZIP_DEFLATED, ZIP_STORED, type ZipEntry } from '../zip/zip.js';
import { createInflater } from './inflate.js';

/**
 * The ZIP seam of the .smlm reader: the archive listing comes from src/zip (central directory over
 * ranges); members are streamed here so that a table is inflated chunk by chunk into its columns
 * instead of being materialised whole first.
 */
export type { ZipEntry };

export async function listArchive(source: ByteSource): Promise<Map<string, ZipEntry>> {
  const { entries } = await listZip(source);
  return new Map(entries.map((e) => [e.name, e]));
}

export { readEntry };

export interface StreamOptions {
  /** Compressed bytes read per request. */
  chunkSize?: number;
  signal?: AbortSignal;
  /** Called with the compressed bytes consumed so far. */
  onRead?: (bytes: number) => void;
  inflater?: 'native' | 'fflate';
}

/** Streams the (decompressed) bytes of one member to `onData`, reading the source in chunks. */
export async function streamEntry(
  source: ByteSource,
  entry: ZipEntry,
  onData: (chunk: Uint8Array) => void,
  opts: StreamOptions = {},
): Promise<void> {
  const where = `ZIP member ${entry.name}`;
  if (entry.encrypted) throw new SourceError(source.name, `${where} is encrypted`);
  if (entry.method !== ZIP_STORED && entry.method !== ZIP_DEFLATED) {
    throw new SourceError(source.name, `${where}: unsupported compression method ${entry.method} (only stored and deflate)`);
  }
  const chunkSize = opts.chunkSize ?? 1 << 22;
  let produced = 0;
  let sinkError: unknown;
  const sink = (c: Uint8Array) => {
    produced += c.byteLength;
    try {
      onData(c);
    } catch (e) {
      throw (sinkError ??= e);
    }
  };
  const inflater = entry.method === ZIP_DEFLATED ? createInflater(sink, opts.inflater) : undefined;
  try {
    // One read ahead: the next chunk is fetched while the current one inflates.
    const readAt = (pos: number) => source.read(entry.dataOffset + pos, Math.min(chunkSize, entry.compressedSize - pos), opts.signal);
    let next = entry.compressedSize > 0 ? readAt(0) : undefined;
    for (let pos = 0; pos < entry.compressedSize; pos += chunkSize) {
      opts.signal?.throwIfAborted();
      const chunk = await next!;
      next = pos + chunkSize < entry.compressedSize ? readAt(pos + chunkSize) : undefined;
      next?.catch(() => {}); // reported when awaited
      if (inflater) await inflater.push(chunk);
      else sink(chunk);
      opts.onRead?.(pos + chunk.byteLength);
    }
    await inflater?.end();
  } catch (e) {
    if (sinkError) throw sinkError;
    if (e instanceof SourceError || (e as Error).name === 'AbortError') throw e;
    throw new SourceError(source.name, `${where}: corrupt or truncated deflate data (${(e as Error).message})`);
  }
  if (produced !== entry.size) {
    throw new SourceError(source.name, `${where}: inflated to ${produced} bytes, the ZIP directory says ${entry.size}`);
  }
}
