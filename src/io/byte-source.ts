/**
 * The one byte-source seam: every reader (TIFF, ZIP, SMLM, Potree, npy) reads through this, so a
 * local file, a Blob, an in-memory buffer and an HTTP(S)/pre-signed URL are interchangeable.
 */
export interface ByteSource {
  /** What to name in error messages: a path, a file name, or a URL without its query string. */
  readonly name: string;
  /** Total size in bytes. */
  size(): Promise<number>;
  /**
   * Exactly `length` bytes starting at `offset`. Reading past the end is an error (never a short
   * read), so a size taken from a file header that does not fit the file surfaces at once.
   */
  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
  /**
   * Optional: many ranges at once, in as few requests as the transport allows (one HTTP
   * multi-range request where the server supports them, else one request per range). Results
   * come in the order of `ranges`. Callers with many far-apart ranges use it instead of parallel
   * `read`s (see `readRanges`, `BlockCacheSource`).
   */
  readMany?(ranges: readonly ByteRange[], opts?: ReadManyOptions): Promise<Uint8Array[]>;
  /**
   * Optional: the bytes of `ranges` handed over as they arrive, never gathered into buffers of
   * their own — for callers that scatter them straight into their destination (`streamRanges`,
   * `readRegion` of uncompressed chunks). `onBytes(i, at, bytes)`: `bytes` of range `i`, starting
   * `at` bytes into it. `bytes` is valid only during the call (transports reuse their receive
   * buffers): copy what you keep. Every byte of every range is handed over, in any order; a byte
   * may be handed over twice (a part re-requested), always with the same value. Ranges must lie
   * within the data. Resolves when all bytes were handed over.
   */
  readStream?(ranges: readonly ByteRange[], onBytes: OnBytes, opts?: { signal?: AbortSignal; concurrency?: number }): Promise<void>;
}

/** Receives bytes of range `index` starting `at` bytes into it; `bytes` is valid only during the call. */
export type OnBytes = (index: number, at: number, bytes: Uint8Array) => void;

export interface ByteRange {
  offset: number;
  length: number;
}

export interface ReadManyOptions {
  signal?: AbortSignal;
  /**
   * Ranges may run past the end of the data and are then cut there (a range wholly beyond it
   * gives no bytes), so a caller can read before it knows the size — and learn it for free.
   */
  clip?: boolean;
  /** At most this many requests in flight (default 6). */
  concurrency?: number;
  /** Each range as soon as its bytes arrived, so callers can decode while the rest is in flight. */
  onRange?: (index: number, bytes: Uint8Array) => void;
}

/** An error that names the source and the problem; readers wrap their format errors in it too. */
export class SourceError extends Error {
  constructor(
    readonly source: string,
    message: string,
    readonly status?: number,
  ) {
    super(`${source}: ${message}`);
    this.name = 'SourceError';
  }
}

export function checkRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new SourceError(name, `invalid byte range offset=${offset} length=${length}`);
  }
  if (offset + length > size) {
    throw new SourceError(
      name,
      `byte range ${offset}..${offset + length} lies beyond the end of the data (${size} bytes); the file is truncated or a header value is wrong`,
    );
  }
}

/** In-memory bytes (tests, data passed over RPC, small files already loaded). */
export class BytesSource implements ByteSource {
  constructor(
    readonly bytes: Uint8Array,
    readonly name = 'bytes',
  ) {}
  async size(): Promise<number> {
    return this.bytes.byteLength;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.name, this.bytes.byteLength, offset, length);
    return this.bytes.subarray(offset, offset + length);
  }
}

/**
 * A window of another source: one member of a ZIP read in place (a TIFF stored in an archive on a
 * file host), offsets relative to the window's start.
 */
export class SliceSource implements ByteSource {
  /** The inner source's many-range read (one multi-range request over HTTP), when it has one. */
  readonly readMany?: (ranges: readonly ByteRange[], opts?: ReadManyOptions) => Promise<Uint8Array[]>;

  constructor(
    readonly inner: ByteSource,
    readonly offset: number,
    readonly length: number,
    readonly name = inner.name,
  ) {
    if (inner.readMany) {
      this.readMany = (ranges, opts) => {
        const within = ranges.map((r) => {
          if (!opts?.clip) checkRange(this.name, this.length, r.offset, r.length);
          const length = opts?.clip ? Math.max(0, Math.min(r.length, this.length - r.offset)) : r.length;
          return { offset: this.offset + r.offset, length };
        });
        return inner.readMany!(within, { ...opts, clip: false });
      };
    }
  }
  async size(): Promise<number> {
    return this.length;
  }
  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    checkRange(this.name, this.length, offset, length);
    return this.inner.read(this.offset + offset, length, signal);
  }
}

/** A browser File or Blob (also works in Node 20, which has Blob). */
export class BlobSource implements ByteSource {
  readonly name: string;
  constructor(
    readonly blob: Blob,
    name?: string,
  ) {
    this.name = name ?? (blob as { name?: string }).name ?? 'blob';
  }
  async size(): Promise<number> {
    return this.blob.size;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this.name, this.blob.size, offset, length);
    return new Uint8Array(await this.blob.slice(offset, offset + length).arrayBuffer());
  }
}
