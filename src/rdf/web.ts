/** Browser edge for src/rdf: file access over HTTP (Range reads) and WebCrypto hashing. */
import { openSource } from '../io/open.js';
import type { FileAccess, Hasher } from './files.js';
import { concatBytes } from '../io/bytes.js';

/**
 * WebCrypto has no incremental digest, so chunks are collected and hashed at the end; the cap keeps
 * a browser tab from buffering multi-GB weights (larger files are reported as "not hashed").
 */
const WEB_MAX_HASH_BYTES = 512 * 1024 * 1024;

function webCryptoHasher(): Hasher {
  const chunks: Uint8Array[] = [];
  return {
    update(b) {
      chunks.push(b.slice());
    },
    async digest() {
      const d = new Uint8Array(await crypto.subtle.digest('SHA-256', concatBytes(chunks)));
      return Array.from(d, (x) => x.toString(16).padStart(2, '0')).join('');
    },
  };
}

export function webFileAccess(fetchFn?: typeof fetch): FileAccess {
  return {
    open: (loc) => openSource(loc, fetchFn ? { fetch: fetchFn } : {}),
    sha256: webCryptoHasher,
    maxHashBytes: WEB_MAX_HASH_BYTES,
  };
}
