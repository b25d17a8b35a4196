import { BlobSource, BytesSource, type ByteSource } from './byte-source.js';
import { HttpSource, type HttpSourceOptions } from './http-source.js';

export type SourceInput = ByteSource | Blob | Uint8Array | ArrayBuffer | string;

function isByteSource(x: unknown): x is ByteSource {
  return !!x && typeof (x as ByteSource).read === 'function' && typeof (x as ByteSource).size === 'function';
}

/** Browser-safe: URL, Blob/File, bytes, or an existing source. Node callers use open-node.ts for paths. */
export function openSource(input: SourceInput, opts: HttpSourceOptions & { name?: string } = {}): ByteSource {
  if (isByteSource(input)) return input;
  if (typeof input === 'string') {
    if (/^https?:\/\//i.test(input)) return new HttpSource(input, opts);
    if (typeof location !== 'undefined') return new HttpSource(new URL(input, location.href).href, opts);
    throw new Error(`${input}: not an http(s) URL; local paths need openNodeSource from src/io/open-node`);
  }
  if (input instanceof ArrayBuffer) return new BytesSource(new Uint8Array(input), opts.name);
  if (input instanceof Uint8Array) return new BytesSource(input, opts.name);
  return new BlobSource(input, opts.name);
}
