// lzw-tiff-decoder ships index.d.ts but its package.json `exports` has no `types` condition.
declare module 'lzw-tiff-decoder' {
  /** Decode a TIFF LZW stream; the output is truncated at `max_uncompressed_size` bytes. */
  export function decompress(arr: Uint8Array, max_uncompressed_size: number): Promise<Uint8Array>;
}
