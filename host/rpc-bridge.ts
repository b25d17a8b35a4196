// The host page as a Hypha client: it connects to the serve's embedded server (or to any Hypha server
// given by ?server_url=&workspace=&token=), registers `imjoy-host`, and registers every window it
// creates as a service of its own, so Python (hypha_rpc) drives the plugins through the same
// imjoy-rpc proxies a slide uses.
import { hyphaWebsocketClient } from 'hypha-rpc';
import { isZarrServiceSource, type ZarrServiceSource } from '../src/engine/zarr-service.js';
import { toCaller, toPlugin } from '../src/rpc/ndarray-wire.js';

interface PluginEntry {
  name: string;
  type?: string;
  description?: string;
  uri: string;
}

export interface BridgeOptions {
  imjoy: any;
  plugins: () => PluginEntry[];
  /** Closes a window as the × of its tab does. */
  closeWindow: (w: any) => void;
  params: URLSearchParams;
}

export interface BridgeInfo {
  server_url: string;
  workspace: string;
  client_id: string;
  service_id: string;
}

interface OpenWindow {
  window_id: string;
  service_id: string;
  name: string;
  src: string;
  /** The imjoy-core window object (from add_window), for closing. */
  w?: any;
  /** Rejects of forwarded calls still running: a closed window never answers them. */
  running: Set<(e: Error) => void>;
  closed?: boolean;
}

const windows = new Map<string, OpenWindow>();
let server: any;

/**
 * Called when a window goes away (its tab's ×, close_window, or the plugin closing itself).
 * Resolves when the server has unregistered the window's service (close_window waits for it).
 */
export function windowClosed(windowId: string): Promise<void> {
  const ow = windows.get(windowId);
  if (!ow) return Promise.resolve();
  windows.delete(windowId);
  ow.closed = true;
  const err = new Error(`window ${ow.name} (${windowId}) was closed`);
  for (const reject of ow.running) reject(err);
  // The service goes with the window: a later get_service or call fails at once, naming it.
  return Promise.resolve(server?.unregisterService(ow.service_id)).catch((e: unknown) => console.warn(`imjoy-share: unregistering ${ow.service_id}:`, e));
}

/** An engine image (`store(image)` of a zarr service) → a store object reading through this page's connection. */
function serviceStore(src: ZarrServiceSource) {
  let svc: Promise<any> | undefined;
  // several engine workers may provide it: any one will do
  const service = () => (svc ??= server.getService(src.zarr_service, { mode: 'random' }));
  return {
    _rintf: true,
    getItem: async (key: string) => (await service()).get_item(src.image, key, src.decoded),
    containsItem: async (key: string) => (await service()).contains_item(src.image, key, src.decoded),
  };
}

/** Engine images anywhere in a call's arguments (`add_image({source})`) become store objects. */
function withServiceStores(arg: unknown, depth = 0): unknown {
  if (isZarrServiceSource(arg)) return serviceStore(arg);
  if (depth > 2 || !arg || typeof arg !== 'object' || Object.getPrototypeOf(arg) !== Object.prototype) return arg;
  return Object.fromEntries(Object.entries(arg).map(([k, v]) => [k, withServiceStores(v, depth + 1)]));
}

async function connectionConfig(params: URLSearchParams): Promise<Record<string, string> | undefined> {
  const url = params.get('server_url');
  if (url) return { server_url: url, workspace: params.get('workspace') ?? '', token: params.get('token') ?? '' };
  // The embedded server hands its workspace token to same-origin pages only (src/server/hypha/server.ts).
  const r = await fetch(new URL('host/rpc.json', location.href)).catch(() => undefined);
  if (!r?.ok) return undefined; // static hosting without `imjoy-share serve`: no RPC
  return await r.json();
}


export async function startRpcBridge(opts: BridgeOptions): Promise<BridgeInfo | undefined> {
  const cfg = await connectionConfig(opts.params);
  if (!cfg) return undefined;
  const imjoy = opts.imjoy;
  const objects = new Map<string, any>(); // window_id → imjoy-core window object
  imjoy.event_bus.on('add_window', (w: any) => {
    if (!String(w.window_id).startsWith('rpc-window-')) return; // a window of the page's own
    if (windows.has(w.window_id)) {
      windows.get(w.window_id)!.w = w;
      objects.delete(w.window_id);
    } else objects.set(w.window_id, w);
  });
  imjoy.event_bus.on('close_window', (w: any) => void windowClosed(w.window_id));

  server = await hyphaWebsocketClient.connectToServer({
    server_url: cfg.server_url,
    workspace: cfg.workspace || undefined,
    token: cfg.token || undefined,
    client_id: `imjoy-host-${Math.random().toString(36).slice(2, 10)}`,
    name: 'imjoy-share host',
    method_timeout: 60,
  } as any);

  const resolveSrc = (src: string): { uri: string; name?: string } => {
    const known = opts.plugins().find((p) => p.name === src || p.name.toLowerCase() === src.toLowerCase());
    if (known) return { uri: known.uri, name: known.name };
    return { uri: new URL(src, location.href).href };
  };

  const createWindow = async (config: Record<string, unknown> | string) => {
    const c: Record<string, unknown> = typeof config === 'string' ? { src: config } : { ...(config ?? {}) };
    if (typeof c.src !== 'string' || !c.src) throw new Error('create_window needs src: a plugin name from list_plugins() or a plugin URL');
    const { uri, name } = resolveSrc(c.src);
    const window_id = `rpc-window-${Math.random().toString(36).slice(2, 10)}`;
    const proxy = await imjoy.api.createWindow({
      src: uri,
      name: (c.name as string) ?? name,
      window_id,
      data: c.data === undefined ? {} : toPlugin(c.data),
      config: c.config ?? {},
    });
    const ow: OpenWindow = { window_id, service_id: '', name: String(c.name ?? name ?? proxy?.name ?? uri), src: uri, w: objects.get(window_id), running: new Set() };
    objects.delete(window_id);
    const service: Record<string, unknown> = {
      id: window_id,
      name: ow.name,
      description: `ImJoy window ${ow.name} (${uri})`,
      config: { visibility: 'protected' },
    };
    for (const k of Object.keys(proxy ?? {})) {
      if (typeof proxy[k] !== 'function' || k.startsWith('_') || k === 'setup') continue;
      // Python keyword calls arrive as one trailing dict (hypha-rpc 0.21.19 keeps it as an argument),
      // which is the ImJoy convention (`add_image({source, name})`), so arguments pass through as they come.
      service[k] = (...args: unknown[]) =>
        new Promise((resolve, reject) => {
          // a closed window's frame is gone: its proxy would never answer
          if (ow.closed) return reject(new Error(`window ${ow.name} (${window_id}) was closed`));
          ow.running.add(reject);
          Promise.resolve()
            .then(() => proxy[k](...args.map((a) => toPlugin(withServiceStores(a)))))
            .then((r) => resolve(toCaller(r)), reject)
            .finally(() => ow.running.delete(reject));
        });
    }
    windows.set(window_id, ow);
    const info = await server.registerService(service, { overwrite: true });
    ow.service_id = info.id;
    return { service_id: ow.service_id, window_id, name: ow.name };
  };

  const host = await server.registerService({
    id: 'imjoy-host',
    name: 'imjoy-share host',
    description: 'Creates ImJoy windows in the host page; each window is a service of its own',
    config: { visibility: 'protected' },
    list_plugins: () => opts.plugins().map((p) => ({ name: p.name, type: p.type ?? null, description: p.description ?? '', uri: p.uri })),
    create_window: createWindow,
    list_windows: () => [...windows.values()].map((w) => ({ window_id: w.window_id, service_id: w.service_id, name: w.name, src: w.src })),
    close_window: async (id: string | { window_id: string }) => {
      const window_id = typeof id === 'string' ? id : id?.window_id;
      const ow = windows.get(window_id);
      if (!ow) throw new Error(`no window ${window_id}; list_windows() names the open ones`);
      const w = ow.w ?? objects.get(window_id);
      const unregistered = windowClosed(window_id);
      if (w) opts.closeWindow(w);
      // returns once the service is gone from the server: get_service after close_window fails
      // (hypha-rpc removes it locally only when the server has confirmed)
      await unregistered;
    },
  });
  return { server_url: cfg.server_url, workspace: server.config.workspace, client_id: server.config.client_id, service_id: host.id };
}
