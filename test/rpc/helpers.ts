import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { hyphaWebsocketClient } from 'hypha-rpc';
import { RpcServer, type RpcServerOptions } from '../../src/server/hypha/server.js';

// hypha-rpc 0.21.x reads the global WebSocket even when WebSocketClass is passed; Node 20 has none.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

export interface TestServer {
  rpc: RpcServer;
  url: string;
  close(): Promise<void>;
}

/** The RPC server alone on an HTTP server of its own (what `imjoy-share serve` mounts at /ws). */
export async function startRpcServer(opts: RpcServerOptions = {}): Promise<TestServer> {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const rpc = new RpcServer(opts);
  await rpc.attach(server, url);
  return {
    rpc,
    url,
    close: async () => {
      await rpc.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Api = any;

/** The official npm hypha-rpc client, as a Python or browser caller uses it. */
export function connect(cfg: { server_url: string; workspace?: string; token?: string; client_id?: string; method_timeout?: number }): Promise<Api> {
  return hyphaWebsocketClient.connectToServer({ method_timeout: 10, ...cfg, WebSocketClass: WebSocket } as never) as Promise<Api>;
}
