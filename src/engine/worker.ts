/**
 * The engine's services as a client of a Hypha server: the embedded one of `imjoy-share serve`
 * (one process), or an external Hypha server (`imjoy-share engine`), where several workers
 * register the same service ids and callers spread over them.
 */
import { hyphaWebsocketClient } from 'hypha-rpc';
import { WebSocket } from 'ws';

export interface WorkerConfig {
  server_url: string;
  workspace?: string;
  token?: string;
  client_id?: string;
}

export interface RunningWorker {
  /** The full ids the services got (`workspace/client:service`). */
  serviceIds: string[];
  close(): Promise<void>;
}

// hypha-rpc 0.21.x reads the global WebSocket even when WebSocketClass is passed; Node 20 has none.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

/**
 * hypha-rpc's websocket client narrates its connection on console.info/log ("WebSocket connection
 * established", …) with no option to stop it: quiet those while connecting, so `serve` prints its
 * banner alone. Errors and warnings still show.
 */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const { info, log, debug } = console;
  console.info = console.log = console.debug = () => {};
  try {
    return await fn();
  } finally {
    Object.assign(console, { info, log, debug });
  }
}

export async function startWorker(cfg: WorkerConfig, services: Record<string, unknown>[]): Promise<RunningWorker> {
  return quietly(() => connectAndRegister(cfg, services));
}

async function connectAndRegister(cfg: WorkerConfig, services: Record<string, unknown>[]): Promise<RunningWorker> {
  // hypha-rpc's typings describe only part of the client it returns
  const server: any = await hyphaWebsocketClient.connectToServer({
    server_url: cfg.server_url,
    workspace: cfg.workspace || undefined,
    token: cfg.token || undefined,
    client_id: cfg.client_id,
    name: 'imjoy-share engine',
    method_timeout: 60,
    WebSocketClass: WebSocket,
  } as never);
  const serviceIds: string[] = [];
  try {
    for (const s of services) serviceIds.push((await server.registerService(s, { overwrite: true })).id);
  } catch (e) {
    await server.disconnect();
    throw e;
  }
  return { serviceIds, close: () => server.disconnect() };
}
