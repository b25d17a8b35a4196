/**
 * Native decompressors of the host, when it has them: src/node.ts registers Node's zlib
 * (codecs/native-node.ts) at start-up; browsers have none and keep DecompressionStream / fflate.
 * Registration rather than detection keeps `node:` modules out of the browser bundles.
 *
 * Exports: `NativeDecoders`, `nativeDecoders()`, `registerNativeDecoders(d)` (the runtime's),
 * `setNativeDecoders(d)` (tests inject or disable them; `undefined` restores the registered ones).
 */
export interface NativeDecoders {
  /** zlib stream → bytes; `size` (the decoded size, when known) sizes the output buffer. */
  inflate(bytes: Uint8Array, size?: number): Promise<Uint8Array>;
  /** gzip stream → bytes. */
  gunzip(bytes: Uint8Array, size?: number): Promise<Uint8Array>;
}

let registered: NativeDecoders | null = null;
let override: NativeDecoders | null | undefined;

export function registerNativeDecoders(d: NativeDecoders | null): void {
  registered = d;
}

export function setNativeDecoders(d: NativeDecoders | null | undefined): void {
  override = d;
}

export function nativeDecoders(): NativeDecoders | null {
  return override !== undefined ? override : registered;
}
