/**
 * Node's zlib as the codec registry's native inflate/gunzip (registered by src/node.ts).
 *
 * Why the async zlib calls with a large `chunkSize`: they run on libuv's thread pool, so the chunks
 * of one region inflate in parallel; with the default 16 KiB output chunks every chunk bounces
 * between the pool and the main thread ~30 times, which measured slower than inflateSync.
 */
import zlib from 'node:zlib';
import type { NativeDecoders } from './native.js';

// zarrita views the bytes as the chunk's typed array: keep them 8-byte aligned; and hand out a
// plain Uint8Array, not a Buffer (whose slice() shares memory)
const aligned = (b: Uint8Array) => (b.byteOffset % 8 === 0 ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : new Uint8Array(b));

export function zlibDecoders(): NativeDecoders {
  const run = (fn: 'inflate' | 'gunzip') => (bytes: Uint8Array, size?: number) =>
    new Promise<Uint8Array>((resolve, reject) => {
      // one output buffer of the expected size (+ slack, so the end of stream fits in the same
      // call), capped so a wrong size cannot allocate much; unknown sizes use 64 KiB steps
      const chunkSize = size && size > 0 ? Math.min(size + 1024, 64 << 20) : 64 << 10;
      zlib[fn](bytes, { chunkSize }, (err, out) => (err ? reject(err) : resolve(aligned(out))));
    });
  return { inflate: run('inflate'), gunzip: run('gunzip') };
}
