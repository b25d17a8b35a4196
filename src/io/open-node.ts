import { FileSource } from './file-source.js';
import { openSource, type SourceInput } from './open.js';
import type { ByteSource } from './byte-source.js';
import type { HttpSourceOptions } from './http-source.js';

/** Node: everything openSource takes, plus local paths and file:// URLs. */
export function openNodeSource(input: SourceInput, opts: HttpSourceOptions = {}): ByteSource {
  if (typeof input === 'string' && !/^https?:\/\//i.test(input)) {
    return new FileSource(input.startsWith('file://') ? new URL(input).pathname : input);
  }
  return openSource(input, opts);
}

/** Opens a source, runs `fn` on it and closes it (a FileSource holds a file handle) whatever happens. */
export async function withNodeSource<T>(input: SourceInput, fn: (source: ByteSource) => Promise<T>, opts: HttpSourceOptions = {}): Promise<T> {
  const source = openNodeSource(input, opts);
  try {
    return await fn(source);
  } finally {
    await (source as { close?: () => Promise<void> }).close?.();
  }
}
