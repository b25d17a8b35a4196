/**
 * The viewer's fetching layer, as a zarrita store wrapper: an LRU chunk cache bounded by bytes
 * (zarrita's `withByteCaching` with our `ByteLru`), de-duplication of identical in-flight
 * requests (channels of one chunk, or a tile asked for again), and a concurrency limit whose
 * queued requests are dropped when their tile leaves the view (AbortSignal).
 */
import * as zarr from 'zarrita';
import type { AbsolutePath, AsyncReadable, RangeQuery } from '@zarrita/storage';
import { ByteLru } from '../io/byte-lru.js';
import { Limiter } from './limiter.js';

export interface FetchingOptions {
  /** Requests in flight at once (default 8). */
  concurrency?: number;
  /** Chunk cache budget in bytes (default 256 MiB); 0 turns caching off. */
  cacheBytes?: number;
}

export interface FetchingStore extends AsyncReadable {
  readonly cache?: ByteLru;
  readonly limiter: Limiter;
}

type Getter = (key: AbsolutePath, opts?: { signal?: AbortSignal }) => Promise<Uint8Array | undefined>;

/**
 * Shares one request among callers asking for the same key at the same time. The shared request is
 * aborted only when every caller has aborted, so one tile leaving the view cannot starve another.
 */
function dedupe(get: Getter): Getter {
  const inflight = new Map<string, { promise: Promise<Uint8Array | undefined>; ctrl: AbortController; waiting: number }>();
  return (key, opts) => {
    let entry = inflight.get(key);
    if (!entry) {
      const ctrl = new AbortController();
      const promise = get(key, { signal: ctrl.signal }).finally(() => inflight.delete(key));
      entry = { promise, ctrl, waiting: 0 };
      inflight.set(key, entry);
    }
    const e = entry;
    e.waiting++;
    const signal = opts?.signal;
    if (!signal) return e.promise;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        reject(signal.reason ?? new DOMException('aborted', 'AbortError'));
        if (--e.waiting === 0) e.ctrl.abort(signal.reason);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      e.promise.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  };
}

export function withFetching(inner: AsyncReadable, opts: FetchingOptions = {}): FetchingStore {
  const limiter = new Limiter(opts.concurrency ?? 8);
  const cacheBytes = opts.cacheBytes ?? 256 * 1024 * 1024;
  const limited: AsyncReadable = {
    get: dedupe((key, o) => limiter.run(() => inner.get(key, o), o?.signal)),
    ...(inner.getRange && {
      getRange: (key: AbsolutePath, range: RangeQuery, o?: { signal?: AbortSignal }) =>
        limiter.run(() => inner.getRange!(key, range, o), o?.signal),
    }),
  };
  if (cacheBytes <= 0) return Object.assign(limited, { limiter });
  const cache = new ByteLru(cacheBytes);
  const cached = zarr.withByteCaching(limited, { cache }) as AsyncReadable;
  return {
    get: (key, o) => cached.get(key, o),
    ...(cached.getRange && { getRange: (key: AbsolutePath, range: RangeQuery, o?: { signal?: AbortSignal }) => cached.getRange!(key, range, o) }),
    cache,
    limiter,
  };
}
