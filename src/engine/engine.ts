/**
 * The engine's parts assembled once from its options: the image folder (zarr stores), the
 * resource collection with its disk cache and origin allowlist — and what `serve` mounts
 * (HTTP handlers) and registers (RPC services) from them. `imjoy-share engine` registers the same
 * services on an external Hypha server.
 */
import path from 'node:path';
import type { Handler } from '../http/static-server.js';
import { DataDir, type RemoteImage } from './data-dir.js';
import { ContentIndex } from './content.js';
import { DiskCache } from './disk-cache.js';
import { ipfsHandler } from './ipfs-http.js';
import { guardedFetch, OriginPolicy } from './origins.js';
import { ResourceCollection } from './resources.js';
import { resourcesHandler } from './resources-http.js';
import { ModelPool } from './models.js';
import { modelsHandler } from './models-http.js';
import { engineServices } from './services.js';
import { zarrHandler } from './zarr-http.js';

export interface EngineOptions {
  /** Images served as zarr stores. */
  dataDir: string;
  /** Images elsewhere (URLs, pre-signed URLs, `<zip URL>#<member>`), served under a name. */
  images?: RemoteImage[];
  /** A collection folder, collection JSON file or URL (none: no resources service). */
  collection?: string;
  /** Where remote files are cached. */
  cacheDir: string;
  /** Most bytes the cache keeps (default 1 GiB). */
  cacheMaxBytes?: number;
  /** Origins allowed beyond the defaults (Zenodo, GitHub, $AWS_ENDPOINT_URL). */
  allowOrigins?: string[];
  /** Model calls: at once, waiting behind them, time limit (see ModelPool). */
  models?: { concurrency?: number; queueLimit?: number; timeoutMs?: number };
}

export interface Engine {
  data: DataDir;
  collection?: ResourceCollection;
  models?: ModelPool;
  cache: DiskCache;
  handlers: Handler[];
  services(): Record<string, unknown>[];
  close(): Promise<void>;
}

export function createEngine(opts: EngineOptions): Engine {
  const policy = OriginPolicy.fromEnv(process.env, opts.allowOrigins);
  const data = new DataDir(path.resolve(opts.dataDir), undefined, { images: opts.images, fetch: guardedFetch(policy) });
  const cache = new DiskCache(path.resolve(opts.cacheDir), opts.cacheMaxBytes ?? 2 ** 30);
  const content = new ContentIndex();
  const collection = opts.collection ? new ResourceCollection({ source: opts.collection, policy, cache, content }) : undefined;
  const models = collection ? new ModelPool(collection, opts.models) : undefined;
  return {
    data,
    collection,
    models,
    cache,
    handlers: [zarrHandler(data, content), ipfsHandler(content), ...(collection ? [resourcesHandler(collection)] : []), ...(models ? [modelsHandler(models)] : [])],
    services: () => engineServices({ data, collection, models }),
    close: async () => {
      await models?.close();
      await data.close();
    },
  };
}
