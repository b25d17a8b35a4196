import { Inflate } from 'fflate';

/**
 * A push-style raw-DEFLATE stream: `push` compressed chunks, decompressed chunks come out through
 * `onData`. Uses the platform's DecompressionStream('deflate-raw') (native zlib in Node and in
 * browsers, off the JS thread) when it exists, fflate's streaming Inflate otherwise.
 */
export interface RawInflater {
  push(chunk: Uint8Array): Promise<void>;
  /** Ends the stream; rejects when the compressed data stopped before its final block. */
  end(): Promise<void>;
}

export type InflaterFactory = (onData: (chunk: Uint8Array) => void) => RawInflater;
let platformInflater: InflaterFactory | undefined;

/**
 * Lets a platform entry point supply a faster native inflater (src/smlm/node.ts registers Node's
 * zlib with 1 MiB output chunks, ~3× faster than DecompressionStream's 16 KiB round trips).
 */
export function registerInflater(f: InflaterFactory | undefined): void {
  platformInflater = f;
}

export function createInflater(onData: (chunk: Uint8Array) => void, prefer: 'native' | 'fflate' = 'native'): RawInflater {
  if (prefer === 'native' && platformInflater) return platformInflater(onData);
  if (prefer === 'native' && typeof DecompressionStream !== 'undefined' && supportsDeflateRaw()) return nativeInflater(onData);
  return fflateInflater(onData);
}

let deflateRawOk: boolean | undefined;
function supportsDeflateRaw(): boolean {
  if (deflateRawOk === undefined) {
    try {
      new DecompressionStream('deflate-raw' as CompressionFormat);
      deflateRawOk = true;
    } catch {
      deflateRawOk = false;
    }
  }
  return deflateRawOk;
}

function nativeInflater(onData: (chunk: Uint8Array) => void): RawInflater {
  const ds = new DecompressionStream('deflate-raw' as CompressionFormat);
  const writer = ds.writable.getWriter();
  const reader = ds.readable.getReader();
  let failure: unknown;
  const pump = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onData(value as Uint8Array);
    }
  })().catch((e) => {
    failure = e;
    throw e;
  });
  pump.catch(() => {}); // surfaced through push()/end()
  return {
    async push(chunk) {
      if (failure) throw failure;
      // Waiting for the writer keeps at most one chunk queued: memory stays bounded.
      await Promise.race([writer.write(chunk as Uint8Array<ArrayBuffer>), pump]);
      if (failure) throw failure;
    },
    async end() {
      if (failure) throw failure;
      await Promise.all([writer.close(), pump]);
    },
  };
}

function fflateInflater(onData: (chunk: Uint8Array) => void): RawInflater {
  let error: unknown;
  const inf = new Inflate((data) => onData(data));
  let ended = false;
  const orig = inf.ondata;
  inf.ondata = (data, final) => {
    if (final) ended = true;
    orig.call(inf, data, final);
  };
  return {
    async push(chunk) {
      if (error) throw error;
      try {
        inf.push(chunk, false);
      } catch (e) {
        throw (error = e);
      }
    },
    async end() {
      if (error) throw error;
      inf.push(new Uint8Array(0), true);
      if (!ended) throw new Error('unexpected end of deflate data');
    },
  };
}
