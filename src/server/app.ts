import '../node.js';
import path from 'node:path';
import type http from 'node:http';
import { startStaticServer, type Handler, type RunningServer } from '../http/static-server.js';
import { ensureDemoData } from '../demo/index.js';
import type { RunningService, Service } from '../service.js';
import { services as defaultServices } from './services.js';
import { RpcServer, type RpcConnectionInfo } from './hypha/server.js';
import { createEngine, type EngineOptions } from '../engine/engine.js';
import { createMetrics } from '../engine/metrics.js';
import { startWorker, type RunningWorker } from '../engine/worker.js';

export interface AppOptions {
  /** Repository root (where dist/, slides/ and manifest.imjoy.json are). */
  root: string;
  port?: number;
  /**
   * Address to listen on (default 127.0.0.1). Anything but loopback lets other machines in: pages
   * then get URLs with the name they used to reach the server, and the websocket accepts any Host.
   */
  host?: string;
  /** Images served as zarr stores at /zarr/<file>/ and /zarr-decoded/<file>/ (default: the demo data). */
  dataDir?: string;
  /** RDF collection served at /resources (folder, collection JSON or URL; default: the demo collection). */
  collection?: string;
  /** Origins the engine may fetch from beyond Zenodo, GitHub and $AWS_ENDPOINT_URL. */
  allowOrigins?: string[];
  /** Images elsewhere served under a name (see RemoteImage). */
  images?: EngineOptions['images'];
  /** Receives one JSON line per request (structured access log). */
  accessLog?: (line: string) => void;
  /** Model calls: at once, waiting, time limit. */
  models?: EngineOptions['models'];
  /** Port of the second origin that hosts plugin frames (default: port + 1, or any free port when port is 0). */
  framePort?: number;
  cacheDir?: string;
  /** Extra URL prefix → folder mounts (tests serve their generated data and the corpus this way). */
  mounts?: Record<string, string>;
  handlers?: Handler[];
  demo?: boolean;
  services?: Service[];
  log?: (msg: string) => void;
  onRequest?: (req: http.IncomingMessage) => void;
  /** The Hypha-protocol RPC server at /ws (default on; false turns it off). */
  rpc?: boolean;
}

export interface RunningApp {
  url: string;
  frameUrl: string;
  /** What /host/config.json serves: frame origin and the services' configs. */
  config: Record<string, unknown>;
  /** How clients join the serve's RPC workspace (ws://…/ws), when the RPC server is on. */
  rpc?: RpcConnectionInfo;
  /** The folder served at /zarr/ and /zarr-decoded/. */
  dataDir: string;
  /** The address it listens on. */
  host: string;
  /** The collection served at /resources, if any. */
  collection?: string;
  close(): Promise<void>;
}

/**
 * The local ImJoy host: one server for the host page, slides, plugins and demo data, and a second
 * origin (another port) that serves the base frame plugins run in, as ImJoy isolates plugins.
 */
export async function startApp(opts: AppOptions): Promise<RunningApp> {
  const root = path.resolve(opts.root);
  const dist = path.join(root, 'dist');
  const cacheDir = path.resolve(opts.cacheDir ?? path.join(root, '.cache'));
  const demoDir = path.join(cacheDir, 'demo');
  const log = opts.log ?? (() => {});
  if (opts.demo !== false) await ensureDemoData(demoDir, log);

  const host = opts.host ?? '127.0.0.1';
  const exposed = !isLoopback(host);
  const config: Record<string, unknown> = {};
  const hostConfig: Handler = (req, res, url) => {
    if (url.pathname !== '/host/config.json') return false;
    // Reached from another machine: its URLs carry the name that machine used for this one.
    const seen = exposed && req.headers.host ? new URL(`http://${req.headers.host}`).hostname : undefined;
    const rename = (u: unknown) => (seen && typeof u === 'string' ? u.replace(/^(https?:\/\/)[^/:]+/, `$1${seen}`) : u);
    const out = { ...config, frame_origin: rename(config.frame_origin), base_url: rename(config.base_url) };
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(out));
    return true;
  };
  const metrics = createMetrics(opts.accessLog);
  const engineParts = createEngine({
    dataDir: opts.dataDir ?? demoDir,
    collection: opts.collection ?? (opts.demo !== false ? path.join(demoDir, 'rdf') : undefined),
    cacheDir: path.join(cacheDir, 'engine'),
    allowOrigins: opts.allowOrigins,
    images: opts.images,
    models: opts.models,
  });
  const data = engineParts.data;
  metrics.gauge('imjoy_share_cache_hits_total', 'Remote files served from the disk cache', () => engineParts.cache.hits);
  metrics.gauge('imjoy_share_cache_misses_total', 'Remote files fetched into the disk cache', () => engineParts.cache.misses);
  metrics.gauge('imjoy_share_cache_bytes', 'Bytes in the disk cache', () => engineParts.cache.totalBytes);
  metrics.gauge('imjoy_share_model_queue_depth', 'Model calls running or waiting', () => engineParts.models?.depth ?? 0);
  metrics.gauge('imjoy_share_model_refused_total', 'Model calls refused because the queue was full', () => engineParts.models?.refused ?? 0);
  const rpc = opts.rpc === false ? undefined : new RpcServer({ log, anyHost: exposed });
  const main = await startStaticServer({
    host,
    port: opts.port ?? 8080,
    onRequest: (req, res) => {
      metrics.observe(req, res);
      opts.onRequest?.(req);
    },
    // the engine's first: chunk requests are most of the traffic (the others answer a few paths)
    handlers: [...engineParts.handlers, hostConfig, metrics.handler, ...(rpc ? [rpc.tokenHandler] : []), ...(opts.handlers ?? [])],
    aliases: { '/': path.join(dist, 'host', 'index.html'), '/manifest.imjoy.json': path.join(root, 'manifest.imjoy.json') },
    mounts: {
      '/host/': path.join(dist, 'host'),
      '/dist/': dist,
      '/slides/': path.join(root, 'slides'),
      '/slides-runtime/': path.join(dist, 'slides'),
      '/demo/': demoDir,
      ...opts.mounts,
    },
  });
  let frame: RunningServer;
  try {
    frame = await startStaticServer({
      host,
      port: opts.framePort ?? (main.port && opts.port ? main.port + 1 : 0),
      onRequest: opts.onRequest,
      mounts: { '/lib/': path.join(dist, 'host', 'lib') },
    });
  } catch (e) {
    await main.close();
    throw e;
  }
  // Bound to every interface: this machine names itself 127.0.0.1 (pages elsewhere get their own name).
  const local = (u: string) => u.replace(/^http:\/\/(0\.0\.0\.0|\[::\]|::)(?=:)/, 'http://127.0.0.1');
  const mainUrl = local(main.url);
  const frameUrl = local(frame.url);
  await rpc?.attach(main.server, mainUrl);
  // the engine's services join the embedded server as a client, as workers join a Hypha cluster
  let engine: RunningWorker | undefined;
  if (rpc) {
    try {
      engine = await startWorker({ ...rpc.info, client_id: 'imjoy-share-engine' }, engineParts.services());
    } catch (e) {
      await Promise.all([rpc.close(), main.close(), frame.close(), engineParts.close()]);
      throw e;
    }
  }
  config.frame_origin = frameUrl;
  config.base_url = mainUrl;
  const running: RunningService[] = [];
  try {
    for (const s of opts.services ?? defaultServices) {
      const r = await s.start({ baseUrl: mainUrl, cacheDir, demoDir, config: { ...config }, log });
      running.push(r);
      config[s.name] = r.config;
    }
  } catch (e) {
    await engine?.close();
    await Promise.all([...running.map((r) => r.stop()), rpc?.close(), main.close(), frame.close(), engineParts.close()]);
    throw e;
  }
  return {
    url: mainUrl,
    frameUrl,
    host,
    config,
    rpc: rpc?.info,
    dataDir: data.dir,
    collection: engineParts.collection?.opts.source,
    close: async () => {
      await Promise.all(running.map((r) => r.stop()));
      await engine?.close();
      await rpc?.close();
      await Promise.all([main.close(), frame.close(), engineParts.close()]);
    },
  };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
