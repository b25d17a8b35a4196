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
