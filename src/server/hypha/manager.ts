import { hyphaWebsocketClient } from 'hypha-rpc';
import type { Peer, RpcServer } from './server.js';
import { userInfo } from './server.js';

/**
 * The workspace manager: a client of our own router, built on hypha-rpc's `RPC` class (as hypha-core's
 * Workspace is), so the `default` service it hands out is encoded exactly as the clients expect.
 * Clients reach it as `*` + `/<manager_id>`; each function gets the caller's context (`ws`, `from`) last.
 */

// hypha-rpc's typings describe the client API only; the RPC class is used as its JS source defines it.
const RPC = (hyphaWebsocketClient as unknown as { RPC: new (connection: unknown, opts: Record<string, unknown>) => HyphaRpc }).RPC;
interface HyphaRpc {
  register_service(api: Record<string, unknown>, config: Record<string, unknown>): Promise<unknown>;
  get_remote_service(id: string, config: Record<string, unknown>): Promise<unknown>;
}

export interface ServiceInfo {
  id: string; // workspace/client_id:service_id
  name?: string;
  type?: string;
  description?: string;
  docs?: unknown;
  app_id?: string;
  config: Record<string, unknown>;
  service_schema?: unknown;
}

export interface Manager {
  removeClient(peer: Peer): void;
  services(): ServiceInfo[];
}

interface Context {
  ws: string;
  from: string;
  with_kwargs?: boolean;
}

/** Positional or keyword arguments (a Python caller's kwargs arrive as a trailing dict) by name. */
function named(args: unknown[], names: string[]): { ctx: Context; a: Record<string, unknown> } {
  const ctx = args.pop() as Context;
  const a: Record<string, unknown> = {};
  if (ctx?.with_kwargs && args.length && args[args.length - 1] && typeof args[args.length - 1] === 'object') {
    Object.assign(a, args.pop() as Record<string, unknown>);
  }
  names.forEach((n, i) => {
    if (i < args.length && args[i] !== undefined) a[n] = args[i];
  });
  return { ctx, a };
}

/** `ws/client:svc@app`, `client:svc` or `svc` → its parts, relative to the caller's workspace. */
function parseId(query: string, ws: string): { ws: string; client?: string; service: string } {
  let q = query.split('@')[0];
  let w = ws;
  if (q.includes('/')) [w, q] = [q.slice(0, q.indexOf('/')), q.slice(q.indexOf('/') + 1)];
  if (q.includes(':')) return { ws: w, client: q.slice(0, q.indexOf(':')), service: q.slice(q.indexOf(':') + 1) };
  return { ws: w, service: q };
}

export async function startManager(server: RpcServer): Promise<{ manager: Manager; peer: Peer }> {
  const registry = new Map<string, ServiceInfo>();
  let deliver: ((data: Uint8Array) => void) | undefined;
  const peer: Peer = {
    key: `*/${server.managerId}`,
    workspace: '*',
    clientId: server.managerId,
    user: userInfo('workspace-manager', false, '*'),
    send: (frame) => deliver?.(frame),
  };
  // An in-process connection: what the RPC emits goes through the router as from the manager.
  const connection = {
    manager_id: null,
    on_message: (h: (d: Uint8Array) => void) => (deliver = h),
    on_connected: () => {},
    on_disconnected: () => {},
    emit_message: async (data: Uint8Array) => server.route(peer, data),
    disconnect: async () => {},
  };
  const rpc = new RPC(connection, {
    client_id: server.managerId,
    workspace: '*',
    default_context: { connection_type: 'websocket' },
    server_base_url: server.serverUrl,
    silent: true,
    method_timeout: 30,
  });

  /**
   * A service by id. Several clients may provide the same service id (engine workers): as Hypha,
   * `mode` picks one — 'random', 'first', 'last', or 'exact' (the default outside the public
   * workspace: more than one is an error naming them).
   */
  const find = (query: string, ws: string, mode?: string): ServiceInfo | undefined => {
    const q = parseId(query, ws);
    if (q.ws !== ws) throw new Error(`Permission denied: service ${query} is in another workspace (${q.ws})`);
    if (q.client && q.client !== '*') return registry.get(`${q.ws}/${q.client}:${q.service}`);
    const all = [...registry.values()].filter((s) => s.id.startsWith(`${ws}/`) && s.id.endsWith(`:${q.service}`));
    if (all.length <= 1) return all[0];
    switch (mode ?? 'exact') {
      case 'random':
        return all[Math.floor(Math.random() * all.length)];
      case 'first':
        return all[0];
      case 'last':
        return all[all.length - 1];
      case 'exact':
        throw new Error(`Multiple services found for ${query}, e.g. ${all.slice(0, 5).map((s) => s.id).join(', ')}. Pass the mode as 'random', 'first' or 'last'`);
      default:
        throw new Error(`Invalid mode: ${mode}. Mode must be 'random', 'first', 'last' or 'exact'`);
    }
  };

  const api = {
    id: 'default',
    name: 'Workspace Manager',
    description: 'The workspace manager of imjoy-share serve',
    config: { require_context: true, visibility: 'public' },
    echo: (...args: unknown[]) => named(args, ['data']).a.data,
    log: (...args: unknown[]) => void named(args, ['msg']),
    register_service: (...args: unknown[]) => {
      const { ctx, a } = named(args, ['service', 'config']);
      const service = a.service as ServiceInfo;
      if (!service || typeof service !== 'object' || typeof service.id !== 'string') throw new Error('register_service needs a service with an id');
      const caller = ctx.from.slice(ctx.from.indexOf('/') + 1);
      const id = service.id.includes('/') ? service.id : `${ctx.ws}/${service.id.includes(':') ? service.id : `${caller}:${service.id}`}`;
      const q = parseId(id, ctx.ws);
      if (q.ws !== ctx.ws) throw new Error(`Permission denied: ${ctx.from} cannot register a service in workspace ${q.ws}`);
      if (q.client !== caller) throw new Error(`Permission denied: ${ctx.from} cannot register a service of client ${q.client}`);
      const info: ServiceInfo = {
        id: `${q.ws}/${q.client}:${q.service}`,
        name: service.name ?? q.service,
        type: service.type ?? 'generic',
        description: service.description ?? '',
        docs: service.docs ?? null,
        app_id: service.app_id ?? '*',
        config: { ...(service.config ?? {}), workspace: ctx.ws, visibility: (service.config?.visibility as string) ?? 'protected' },
        service_schema: service.service_schema ?? {},
      };
      registry.set(info.id, info);
      return info;
    },
    unregister_service: (...args: unknown[]) => {
      const { ctx, a } = named(args, ['service_id']);
      const raw = a.service_id as string | { id: string };
      const caller = ctx.from.slice(ctx.from.indexOf('/') + 1);
      const q = parseId(typeof raw === 'string' ? raw : raw.id, ctx.ws);
      const id = `${q.ws}/${q.client ?? caller}:${q.service}`;
      if (q.ws !== ctx.ws || (q.client ?? caller) !== caller) throw new Error(`Permission denied: ${ctx.from} cannot unregister ${id}`);
      if (!registry.delete(id)) throw new Error(`Service not found: ${id}`);
    },
    get_service_info: (...args: unknown[]) => {
      const { ctx, a } = named(args, ['service_id', 'config']);
      const info = find(String(a.service_id), ctx.ws, (a.config as { mode?: string } | undefined)?.mode);
      if (!info) throw new Error(`Service not found: ${a.service_id}`);
      return info;
    },
    get_service: async (...args: unknown[]) => {
      const { ctx, a } = named(args, ['service_id', 'config']);
      const query = typeof a.service_id === 'object' && a.service_id ? String((a.service_id as { id: string }).id) : String(a.service_id);
      const cfg = (a.config ?? {}) as { timeout?: number; mode?: string };
      const info = find(query, ctx.ws, cfg.mode);
      if (!info) throw new Error(`Service not found: ${query}`);
      // The provider's own encoding (its methods target the provider, so calls go peer to peer).
      return await rpc.get_remote_service(info.id.split('@')[0], { timeout: cfg.timeout ?? 10 });
    },
    list_services: (...args: unknown[]) => {
      const { ctx, a } = named(args, ['query']);
      let q = a.query as string | Record<string, unknown> | undefined;
      if (typeof q === 'string') q = q === 'public' || q === '*' || q === ctx.ws ? {} : { client_id: parseId(q.includes(':') ? q : `${q}:*`, ctx.ws).client };
      const filter = (q ?? {}) as { client_id?: string; type?: string; workspace?: string };
      if (filter.workspace && filter.workspace !== '*' && filter.workspace !== ctx.ws) throw new Error(`Permission denied: workspace ${filter.workspace}`);
      return [...registry.values()].filter((s) => {
        const { client, service } = parseId(s.id, ctx.ws);
        if (!s.id.startsWith(`${ctx.ws}/`) || service === 'built-in') return false;
        if (filter.client_id && filter.client_id !== '*' && filter.client_id !== client) return false;
        if (filter.type && filter.type !== s.type) return false;
        return true;
      });
    },
    list_clients: (...args: unknown[]) => {
      const { ctx } = named(args, []);
      return server.clientsOf(ctx.ws).map((p) => ({ id: p.key, user: p.user }));
    },
    generate_token: (...args: unknown[]) => {
      const { ctx, a } = named(args, ['config']);
      const cfg = (a.config ?? {}) as { expires_in?: number; workspace?: string };
      if (cfg.workspace && cfg.workspace !== ctx.ws) throw new Error(`Permission denied: cannot make a token for workspace ${cfg.workspace}`);
      return server.generateToken(ctx.ws, cfg.expires_in ?? 3600);
    },
    // hypha-rpc clients subscribe to client_disconnected; the server sends it to the whole workspace.
    subscribe: (...args: unknown[]) => void named(args, ['events']),
    unsubscribe: (...args: unknown[]) => void named(args, ['events']),
  };
  await rpc.register_service(api, { notify: false });

  return {
    peer,
    manager: {
      removeClient(p: Peer) {
        for (const id of [...registry.keys()]) if (id.startsWith(`${p.key}:`)) registry.delete(id);
      },
      services: () => [...registry.values()],
    },
  };
}
