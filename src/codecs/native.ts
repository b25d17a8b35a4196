/**
 * Native decompressors of the host, when there is one (Node's zlib), found without importing a
 * `node:` module so the codec registry stays browser-safe: Node ≥ 20.16 exposes its built-ins
 * through `process.getBuiltinModule`. Browsers get `null` and keep DecompressionStream / fflate.
 *
 * Exports: `NativeDecoders`, `nativeDecoders()`, `setNativeDecoders(d)` (tests and other runtimes
 * inject or disable them; `undefined` restores detection).
 *
 * Why the async zlib calls with a large `chunkSize`: they run on libuv's thread pool, so the chunks
 * of one region inflate in parallel; with the default 16 KiB output chunks every chunk bounces
 * between the pool and the main thread ~30 times, which measured slower than inflateSync.
 */
export interface NativeDecoders {
  /** zlib stream → bytes; `size` (the decoded size, when known) sizes the output buffer. */
  inflate(bytes: Uint8Array, size?: number): Promise<Uint8Array>;
  /** gzip stream → bytes. */
  gunzip(bytes: Uint8Array, size?: number): Promise<Uint8Array>;
}

type ZlibCallback = (err: Error | null, out: Uint8Array) => void;
interface NodeZlib {
  inflate(b: Uint8Array, o: { chunkSize: number }, cb: ZlibCallback): void;
  gunzip(b: Uint8Array, o: { chunkSize: number }, cb: ZlibCallback): void;
}

let override: NativeDecoders | null | undefined;
let detected: NativeDecoders | null | undefined;

export function setNativeDecoders(d: NativeDecoders | null | undefined): void {
  override = d;
}

export function nativeDecoders(): NativeDecoders | null {
  if (override !== undefined) return override;
  return (detected ??= detect());
}

// zarrita views the bytes as the chunk's typed array: keep them 8-byte aligned; and hand out a
// plain Uint8Array, not a Buffer (whose slice() shares memory)
const aligned = (b: Uint8Array) => (b.byteOffset % 8 === 0 ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b));

function detect(): NativeDecoders | null {
  const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
  if (!proc?.versions?.node || typeof proc.getBuiltinModule !== 'function') return null;
  const zlib = proc.getBuiltinModule('node:zlib') as NodeZlib | undefined;
  if (!zlib) return null;
  const run = (fn: 'inflate' | 'gunzip') => (bytes: Uint8Array, size?: number) =>
    new Promise<Uint8Array>((resolve, reject) => {
      // one output buffer of the expected size (+ slack, so the end of stream fits in the same
      // call), capped so a wrong size cannot allocate much; unknown sizes use 64 KiB steps
      const chunkSize = size && size > 0 ? Math.min(size + 1024, 64 << 20) : 64 << 10;
      zlib[fn](bytes, { chunkSize }, (err, out) => (err ? reject(err) : resolve(aligned(out))));
    });
  return { inflate: run('inflate'), gunzip: run('gunzip') };
}
