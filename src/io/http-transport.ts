/**
 * How HttpSource talks HTTP: one GET with headers → a `Reply` whose body is streamed to the
 * caller (or cancelled). Two transports: fetch (browsers, and any custom fetch), here; and in
 * Node an HTTP/1.1 client that receives into one reused buffer per connection
 * (http-socket-transport.ts). Why not fetch in Node: Node 20's fetch (undici) took ~20% longer
 * and more CPU on large bodies than node:http, which in turn took twice as long as the socket
 * transport in the refs-read benchmark (docs/sharing.md).
 *
 * Exports: `Reply`, `Transport`, `fetchTransport(fetch)`.
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

let nodeDefault: (() => Transport) | undefined;

/**
 * The transport HttpSource uses when given no `fetch`: fetch, unless the runtime registered a
 * better one (src/node.ts registers the socket transport in Node) — so browser bundles carry no
 * Node-only code.
 */
export function defaultTransport(): Transport {
  return nodeDefault?.() ?? fetchTransport((u, i) => globalThis.fetch(u, i));
}

export function setDefaultTransport(make: (() => Transport) | undefined): void {
  nodeDefault = make;
}
