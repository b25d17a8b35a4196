/**
 * How HttpSource talks HTTP: one GET with headers → a `Reply` whose body is streamed to the
 * caller (or cancelled). Two transports: fetch (browsers, and any custom fetch), and in Node
 * node:http/node:https with keep-alive Agents, found through `process.getBuiltinModule` so this
 * module stays browser-safe. Why node:http in Node: Node 20's fetch (undici) took ~20% longer and
 * more CPU on large bodies here (docs/sharing.md).
 *
 * Exports: `Reply`, `Transport`, `fetchTransport(fetch)`, `nodeTransport()` (null outside Node).
 */

/** A response whose body is read once through `consume`, or discarded with `cancel`. */
export interface Reply {
  status: number;
  header(name: string): string | null;
  /**
   * Feeds the body to `onChunk` in order; stops (discarding the rest) when it returns false. The
   * bytes are valid only during the call (a transport may reuse its receive buffer): copy them.
   */
  consume(onChunk: (bytes: Uint8Array) => boolean | void): Promise<void>;
  cancel(): void;
}
export type Transport = (url: string, headers: Record<string, string>, signal: AbortSignal) => Promise<Reply>;

export function fetchTransport(doFetch: typeof fetch): Transport {
  return async (url, headers, signal) => {
    const res = await doFetch(url, { headers, signal });
    return {
      status: res.status,
      header: (n) => res.headers.get(n),
      cancel: () => void res.body?.cancel().catch(() => {}),
      async consume(onChunk) {
        if (!res.body) {
          const b = new Uint8Array(await res.arrayBuffer());
          if (b.length) onChunk(b);
          return;
        }
        const reader = res.body.getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            if (onChunk(value) === false) {
              await reader.cancel().catch(() => {});
              return;
            }
          }
        } catch (e) {
          await reader.cancel().catch(() => {});
          throw e;
        }
      },
    };
  };
}

interface NodeIncoming {
  statusCode?: number;
  headers: Record<string, string | string[] | undefined>;
  complete: boolean;
  on(event: string, fn: (...a: never[]) => void): void;
  resume(): void;
  destroy(): void;
}
interface NodeHttpModule {
  Agent: new (o: { keepAlive: boolean; maxSockets: number }) => unknown;
  get(url: URL, o: { agent: unknown; headers: Record<string, string>; signal: AbortSignal }, cb: (res: NodeIncoming) => void): { on(e: 'error', fn: (e: Error) => void): void };
}

let nodeDetected: Transport | null | undefined;
/** node:http(s) with keep-alive Agents, found without a top-level `node:` import (browser-safe bundle). */
export function nodeTransport(): Transport | null {
  if (nodeDetected !== undefined) return nodeDetected;
  const proc = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
  if (!proc?.versions?.node || typeof proc.getBuiltinModule !== 'function') return (nodeDetected = null);
  const mods: Record<string, NodeHttpModule | undefined> = {
    'http:': proc.getBuiltinModule('node:http') as NodeHttpModule | undefined,
    'https:': proc.getBuiltinModule('node:https') as NodeHttpModule | undefined,
  };
  if (!mods['http:'] || !mods['https:']) return (nodeDetected = null);
  const agents = new Map<string, unknown>();
  const fallback = fetchTransport((u, i) => globalThis.fetch(u, i));
  const once = (u: URL, headers: Record<string, string>, signal: AbortSignal) => {
    const mod = mods[u.protocol]!;
    let agent = agents.get(u.protocol);
    // keep-alive: a reader's requests reuse warm connections; idle sockets do not keep Node alive
    if (!agent) agents.set(u.protocol, (agent = new mod.Agent({ keepAlive: true, maxSockets: 16 })));
    return new Promise<NodeIncoming>((resolve, reject) => {
      const req = mod.get(u, { agent, headers, signal }, resolve);
      req.on('error', reject); // later errors (an abort mid-body) reach the body's consumer too
    });
  };
  const transport: Transport = async (url, headers, signal) => {
    let u = new URL(url);
    if (!mods[u.protocol]) return fallback(url, headers, signal);
    // redirects are followed as fetch does (CDNs and repositories redirect to storage URLs);
    // credentials are not sent to another origin
    for (let hop = 0; ; hop++) {
      const res = await once(u, headers, signal);
      const location = res.headers.location;
      if (![301, 302, 303, 307, 308].includes(res.statusCode ?? 0) || typeof location !== 'string' || hop >= 20) return nodeReply(res);
      res.resume();
      const next = new URL(location, u);
      if (!mods[next.protocol]) return fallback(next.href, headers, signal);
      if (next.origin !== u.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^(authorization|cookie)$/i.test(k)));
      u = next;
    }
  };
  return (nodeDetected = transport);
}

function nodeReply(res: NodeIncoming): Reply {
  return {
    status: res.statusCode ?? 0,
    header(n) {
      const v = res.headers[n.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
    cancel() {
      // a small body is drained so the keep-alive connection stays usable; a big one is cut
      const len = Number(res.headers['content-length']);
      if (len >= 0 && len <= 64 * 1024) res.resume();
      else res.destroy();
    },
    consume(onChunk) {
      return new Promise<void>((resolve, reject) => {
        let done = false;
        const finish = (e?: unknown) => {
          if (done) return;
          done = true;
          if (e) reject(e);
          else resolve();
        };
        res.on('data', (c: Uint8Array) => {
          if (done) return;
          let more: boolean | void;
          try {
            more = onChunk(c);
          } catch (e) {
            res.destroy();
            return finish(e);
          }
          if (more === false) {
            res.destroy();
            finish();
          }
        });
        res.on('end', () => finish());
        res.on('error', (e: Error) => finish(e));
        res.on('close', () => finish(res.complete ? undefined : new Error('the connection closed before the body was complete')));
      });
    },
  };
}
