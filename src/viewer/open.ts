/**
 * One call from "what the user passed" to "an image viv can draw": resolve the source, put the
 * fetching layer (LRU cache, concurrency limit, cancellation) in front of it, read the metadata.
 */
import { resolveSource, type ResolveOptions, type ResolvedSource } from './resolve.js';
import { withFetching, type FetchingStore } from './fetching.js';
import { openImage, type OpenImageOptions, type ViewerImage } from './image.js';
import { registerCodecs } from '../codecs/index.js';

export interface OpenViewerOptions extends ResolveOptions, OpenImageOptions {
  /** Chunk cache budget in bytes (default 256 MiB); 0 disables the cache. */
  cacheBytes?: number;
  /**
   * Store requests in flight (default 8 for OME-Zarr; 24 for references, whose chunk reads are
   * coalesced per file, so more may wait together; queued ones are dropped when their tile leaves the view).
   */
  concurrency?: number;
}

export interface OpenedImage {
  image: ViewerImage;
  source: ResolvedSource;
  store: FetchingStore;
}

export async function openViewerImage(source: unknown, opts: OpenViewerOptions = {}): Promise<OpenedImage> {
  // TIFF references use imagecodecs ids (LZW, predictors, …) that zarrita does not know by itself.
  registerCodecs();
  const resolved = await resolveSource(source, opts);
  const store = withFetching(resolved.store, {
    cacheBytes: opts.cacheBytes,
    concurrency: opts.concurrency ?? (resolved.references ? 24 : 8),
  });
  const image = await openImage(store, resolved.name, opts);
  return { image, source: resolved, store };
}

/** A fetch that counts requests and response bytes (the viewer's loading indicator and the benchmark). */
export interface FetchStats {
  requests: number;
  bytes: number;
  inflight: number;
}

export function countingFetch(base: typeof fetch, stats: FetchStats): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    stats.requests++;
    stats.inflight++;
    try {
      const res = await base(input, init);
      stats.bytes += Number(res.headers.get('content-length') ?? 0);
      return res;
    } finally {
      stats.inflight--;
    }
  }) as typeof fetch;
}
