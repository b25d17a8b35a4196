/**
 * An HTTP/1.1 client for Node that receives into ONE reused buffer per connection, for the big
 * Range bodies of image chunks. Written by hand because no library does it: node:http and
 * undici allocate a fresh buffer per socket read and hand out slices of it (allocation, GC and
 * page faults for every read). First measured here: a 33.5 MB range over loopback took 55–100 ms
 * with node:http, ~35 ms with a `net.connect({ onread: { buffer, callback } })` socket reading
 * into one reused 1 MiB buffer and copying into the destination, ~30 ms with curl.
 * With this module (static server in another process, copied into a fresh Uint8Array, medians of
 * 9): ~125 ms against node:http's ~155–175 ms; with GLIBC_TUNABLES=glibc.malloc.hugetlb=1
 * ~38–43 ms against ~42–57 ms. Receiving alone takes ~37 ms with either: the rest is first-touch
 * page faults of freshly allocated memory (the destination, and node:http's per-read buffers).
 * In the pipeline it is made for (readRegion streaming a 4096² uint16 region of uncompressed
 * chunks into its output, bench/refs-read; medians of 15 reads, huge pages): 40–43 ms against
 * 81–86 ms over node:http; blosc 58 vs 78 ms, zlib 100 vs 117 ms (less GC).
 *
 * Contract beyond `Reply`'s: the bytes passed to `consume`'s `onChunk` are views into the
 * connection's receive buffer, valid only during that call — callers copy what they keep.
 *
 * What it does: GET only, no request body; http via `net.connect`, https via `tls.connect`
 * (default certificate checks, SNI for host names); a keep-alive pool of at most 16 connections
 * per origin (idle ones are unref'd and dropped when the server closes them; a request that
 * meets a connection the server had just closed is retried once on a new one); response
 * framing per RFC 9112 §6.3 (no body for 204/304, chunked, Content-Length, or until close);
 * redirects followed as fetch follows them (≤ 20 hops; Authorization and Cookie are not sent to
 * another origin).
 *
 * Exports: `socketTransport(options?)`, `SocketTransportOptions`. Node only: it is reached through
 * src/node.ts, which makes it the default transport of HttpSource there; browser bundles never
 * import it.
 */
import net from 'node:net';
import tls from 'node:tls';
import { fetchTransport, type Reply, type Transport } from './http-transport.js';
import { concatBytes } from './bytes.js';

/**
 * Receive buffer of each connection, allocated once. Measured on loopback (33.5 MB range, copied
 * into a fresh array, medians): 256 KiB / 512 KiB / 1 MiB took ~131 / ~126 / ~121 ms, and the
 * same within noise (~37–41 ms) with glibc's huge pages.
 */
const RECV_BUFFER = 1 << 20;
const MAX_CONNECTIONS = 16;
const MAX_HEAD = 64 * 1024;
/** cancel() reads the rest of a body this small so the connection stays usable; a bigger one is cut. */
const DRAIN_LIMIT = 64 * 1024;
/** Chunk-size lines (with extensions) and the trailer section are small; anything longer is an attack or garbage. */
const MAX_LINE = 8 * 1024;
const MAX_TRAILERS = 64 * 1024;
const MAX_HOPS = 20;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export interface SocketTransportOptions {
  /** Trusted CA certificates (PEM) for https, replacing the default set (tests with a self-signed server). */
  ca?: string | Uint8Array;
  /** Called each time a connection goes back to its pool, ready for another request (metrics, tests). */
  onIdle?: (origin: string) => void;
}

// ---- the few node:net / node:tls shapes used, so this module needs no `node:` import ----------

interface OnRead {
  buffer: Uint8Array;
  callback(n: number, buf: Uint8Array): boolean;
}
interface Sock {
  destroyed: boolean;
  write(s: string, encoding: 'latin1'): boolean;
  destroy(): void;
  resume(): void;
  ref(): void;
  unref(): void;
  setNoDelay(on: boolean): void;
  on(event: 'end' | 'close', fn: () => void): void;
  on(event: 'error', fn: (e: Error) => void): void;
}
interface NetModule {
  connect(o: { host: string; port: number; onread: OnRead }): Sock;
  isIP(host: string): number;
}
interface TlsModule {
  connect(o: { host: string; port: number; onread: OnRead; servername?: string; ca?: string | Uint8Array; ALPNProtocols: string[] }): Sock;
}

// ---- body framing ----------------------------------------------------------------------------

/** Splits the bytes of a connection into body slices; `feed` returns how many bytes belonged to the body. */
interface Framing {
  done: boolean;
  received: number;
  feed(b: Uint8Array, sink: (part: Uint8Array) => void): number;
  /** Body bytes still to come, undefined when unknown. */
  left(): number | undefined;
  describe(): string;
}

class LengthBody implements Framing {
  received = 0;
  done: boolean;
  constructor(readonly total: number) {
    this.done = total === 0;
  }
  feed(b: Uint8Array, sink: (part: Uint8Array) => void): number {
    const n = Math.min(b.length, this.total - this.received);
    if (n <= 0) return 0;
    this.received += n;
    this.done = this.received === this.total;
    sink(n === b.length ? b : b.subarray(0, n));
    return n;
  }
  left() {
    return this.total - this.received;
  }
  describe() {
    return `${this.received} of ${this.total} bytes`;
  }
}

/** Read until the server closes: complete only on a clean end of the stream. */
class UntilCloseBody implements Framing {
  received = 0;
  done = false;
  feed(b: Uint8Array, sink: (part: Uint8Array) => void): number {
    this.received += b.length;
    if (b.length) sink(b);
    return b.length;
  }
  left() {
    return undefined;
  }
  describe() {
    return `${this.received} bytes of a body delimited by the connection's close`;
  }
}

const SIZE = 0, DATA = 1, DATA_END = 2, TRAILER = 3;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,13})[ \t]*(;.*)?$/;

/** `Transfer-Encoding: chunked` (RFC 9112 §7.1): sizes, extensions (ignored) and trailers (ignored). */
class ChunkedBody implements Framing {
  received = 0;
  done = false;
  private st = SIZE;
  private line = '';
  private rest = 0;
  private trailerBytes = 0;
  feed(b: Uint8Array, sink: (part: Uint8Array) => void): number {
    let i = 0;
    while (i < b.length && !this.done) {
      if (this.st === DATA) {
        const k = Math.min(this.rest, b.length - i);
        this.rest -= k;
        this.received += k;
        if (this.rest === 0) this.st = DATA_END;
        sink(b.subarray(i, (i += k)));
        continue;
      }
      const lf = b.indexOf(10, i);
      const end = lf < 0 ? b.length : lf;
      if (this.line.length + end - i > MAX_LINE) throw new Error('malformed chunked body: line too long');
      this.line += latin1(b.subarray(i, end));
      if (lf < 0) return b.length;
      i = lf + 1;
      const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
      this.line = '';
      this.onLine(line);
    }
    return i;
  }
  private onLine(line: string) {
    if (this.st === DATA_END) {
      if (line !== '') throw new Error('malformed chunked body: no line end after chunk data');
      this.st = SIZE;
    } else if (this.st === SIZE) {
      const m = CHUNK_SIZE.exec(line);
      if (!m) throw new Error(`malformed chunked body: bad chunk size line ${JSON.stringify(line.slice(0, 40))}`);
      this.rest = parseInt(m[1], 16);
      this.st = this.rest === 0 ? TRAILER : DATA;
    } else {
      if (line === '') {
        this.done = true;
        return;
      }
      this.trailerBytes += line.length + 2;
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:/.test(line) || this.trailerBytes > MAX_TRAILERS) throw new Error('malformed chunked body: bad trailer section');
    }
  }
  left() {
    return undefined;
  }
  describe() {
    return `${this.received} bytes of a chunked body`;
  }
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

/** End (exclusive) of the head: the first empty line (CRLF or a bare LF, RFC 9112 §2.2), or -1. */
function headEnd(b: Uint8Array, from: number): number {
  for (let i = b.indexOf(10, from); i >= 0; i = b.indexOf(10, i + 1)) {
    if (b[i + 1] === 10) return i + 2;
    if (b[i + 1] === 13 && b[i + 2] === 10) return i + 3;
  }
  return -1;
}

interface Head {
  minor: number;
  status: number;
  headers: Map<string, string>;
}

function parseHead(bytes: Uint8Array): Head {
  const lines = latin1(bytes).split(/\r?\n/);
  const m = /^HTTP\/1\.([01]) (\d{3})(?:[ \t].*)?$/.exec(lines[0]);
  if (!m) throw new Error(`malformed HTTP response status line ${JSON.stringify(lines[0].slice(0, 80))}`);
  const headers = new Map<string, string>();
  let last = '';
  for (const line of lines.slice(1)) {
    if (line === '') break;
    if ((line[0] === ' ' || line[0] === '\t') && last) {
      // obsolete line folding: RFC 9112 §5.2 has user agents replace it with a space
      headers.set(last, `${headers.get(last)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    if (colon <= 0 || !TOKEN.test(name)) throw new Error(`malformed HTTP response header line ${JSON.stringify(line.slice(0, 80))}`);
    const value = line.slice(colon + 1).trim();
    const prev = headers.get(name);
    headers.set(name, prev === undefined ? value : `${prev}, ${value}`);
    last = name;
  }
  return { minor: Number(m[1]), status: Number(m[2]), headers };
}

/** The body framing of a final response (RFC 9112 §6.3) and whether the connection can be reused after it. */
function framingOf(head: Head): { framing: Framing; reusable: boolean } {
  const { status, headers, minor } = head;
  const tokens = (headers.get('connection') ?? '').toLowerCase().split(',').map((t) => t.trim());
  let reusable = !tokens.includes('close') && (minor === 1 || tokens.includes('keep-alive'));
  if (status === 204 || status === 304) return { framing: new LengthBody(0), reusable };
  const te = headers.get('transfer-encoding');
  const cl = headers.get('content-length');
  if (te !== undefined) {
    // no other coding is asked for (no TE request header), so only `chunked` can be decoded
    if (te.trim().toLowerCase() !== 'chunked' || minor === 0) throw new Error(`unsupported Transfer-Encoding ${JSON.stringify(te)} in an HTTP/1.${minor} response`);
    // both framings present: Transfer-Encoding wins and the connection is not trusted afterwards (smuggling)
    if (cl !== undefined) reusable = false;
    return { framing: new ChunkedBody(), reusable };
  }
  if (cl !== undefined) {
    const values = cl.split(',').map((v) => v.trim());
    if (!values.every((v) => /^\d{1,15}$/.test(v)) || values.some((v) => v !== values[0])) throw new Error(`invalid Content-Length ${JSON.stringify(cl)}`);
    return { framing: new LengthBody(Number(values[0])), reusable };
  }
  return { framing: new UntilCloseBody(), reusable: false };
}

// ---- connections and their pool ---------------------------------------------------------------

class StaleConnection extends Error {}

class Conn {
  readonly buf = new Uint8Array(RECV_BUFFER);
  readonly socket: Sock;
  ex: Exchange | null = null;
  used = 0;
  dead = false;
  private ended = false;
  private error: Error | undefined;
  constructor(readonly pool: Pool) {
    this.socket = pool.connect({ buffer: this.buf, callback: (n) => this.onRead(n) });
    this.socket.setNoDelay(true);
    this.socket.on('end', () => (this.ended = true));
    this.socket.on('error', (e) => (this.error ??= e));
    this.socket.on('close', () => {
      this.markDead();
      const ex = this.ex;
      this.ex = null;
      ex?.onClose(this.ended && !this.error, this.error);
    });
  }
  private onRead(n: number): boolean {
    if (this.ex) return this.ex.onData(this.buf.subarray(0, n));
    // bytes while idle: the server broke the protocol, nothing on this connection can be trusted
    this.destroy();
    return false;
  }
  private markDead() {
    if (this.dead) return;
    this.dead = true;
    this.pool.gone(this);
  }
  destroy() {
    this.ex = null;
    this.markDead();
    this.socket.destroy();
  }
}

interface Waiter {
  take(c: Conn): void;
  fail(e: unknown): void;
}

class Pool {
  private idle: Conn[] = [];
  private waiters: Waiter[] = [];
  private count = 0;
  constructor(
    readonly connect: (onread: OnRead) => Sock,
    readonly onIdle?: () => void,
  ) {}

  /** Calls `take` with a connection — at once when one is free, else when one is released or gone. */
  acquire(signal: AbortSignal, fresh: boolean, take: (c: Conn) => void, fail: (e: unknown) => void): void {
    while (!fresh && this.idle.length) {
      // the most recently used is the least likely to have been closed by the server
      const c = this.idle.pop()!;
      if (c.dead || c.socket.destroyed) {
        c.destroy();
        continue;
      }
      c.socket.ref();
      return take(c);
    }
    if (fresh && this.count >= MAX_CONNECTIONS && this.idle.length) this.idle.shift()!.destroy();
    if (this.count < MAX_CONNECTIONS) return this.open({ take, fail });
    const onAbort = () => {
      this.waiters = this.waiters.filter((x) => x !== w);
      fail(signal.reason);
    };
    const w: Waiter = {
      take: (c) => {
        signal.removeEventListener('abort', onAbort);
        take(c);
      },
      fail: (e) => {
        signal.removeEventListener('abort', onAbort);
        fail(e);
      },
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.waiters.push(w);
  }
  private open(w: Waiter) {
    this.count++;
    let c: Conn;
    try {
      c = new Conn(this);
    } catch (e) {
      this.count--;
      return w.fail(e);
    }
    w.take(c);
  }
  release(c: Conn) {
    c.used++;
    if (c.dead) return;
    const w = this.waiters.shift();
    if (w) {
      c.socket.ref();
      return w.take(c);
    }
    c.socket.unref();
    this.idle.push(c);
    this.onIdle?.();
  }
  gone(c: Conn) {
    this.count--;
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
    const w = this.waiters.shift();
    if (w) this.open(w);
  }
}

// ---- one request/response on one connection ---------------------------------------------------

type Mode = 'head' | 'held' | 'streaming' | 'draining' | 'over';

class Exchange {
  readonly head: Promise<Reply>;
  private resolveHead!: (r: Reply) => void;
  private rejectHead!: (e: unknown) => void;
  private mode: Mode = 'head';
  private conn: Conn | null;
  private readonly wasReused: boolean;
  private gotByte = false;
  private partial: Uint8Array | null = null;
  private framing: Framing = new LengthBody(0);
  private reusable = false;
  /** Body slices that came with the head, in a copy of their own, until `consume`. */
  private held: Uint8Array[] = [];
  private failure: { e: unknown } | null = null;
  private taken = false;
  private onChunk: ((b: Uint8Array) => boolean | void) | null = null;
  private stopped: { e: unknown } | null | undefined;
  private settle: ((f: { e: unknown } | null) => void) | null = null;
  private readonly onAbort = () => this.abort();

  constructor(
    conn: Conn,
    request: string,
    private readonly signal: AbortSignal,
  ) {
    this.head = new Promise((res, rej) => {
      this.resolveHead = res;
      this.rejectHead = rej;
    });
    this.conn = conn;
    this.wasReused = conn.used > 0;
    conn.ex = this;
    signal.addEventListener('abort', this.onAbort);
    conn.socket.write(request, 'latin1');
  }

  /** Bytes from the connection; the result is the onread callback's (false pauses the socket). */
  onData(b: Uint8Array): boolean {
    this.gotByte = true;
    if (this.mode === 'head') return this.onHead(b);
    if (this.mode === 'held') {
      this.hold(b);
      return this.conn === null;
    }
    this.receive(b, this.deliver);
    if (this.stopped !== undefined && this.mode === 'streaming') {
      this.detach(false);
      this.over(this.stopped);
    }
    return true;
  }

  private onHead(b: Uint8Array): boolean {
    while (b.length) {
      const prior = this.partial?.length ?? 0;
      const buf = this.partial ? concatBytes([this.partial, b.subarray(0, MAX_HEAD - prior)]) : b;
      const end = headEnd(buf.length > MAX_HEAD ? buf.subarray(0, MAX_HEAD) : buf, Math.max(0, prior - 2));
      if (end < 0) {
        if (buf.length >= MAX_HEAD) return this.fail(new Error(`the response head is larger than ${MAX_HEAD} bytes`));
        this.partial = buf === b ? b.slice() : buf;
        return true;
      }
      this.partial = null;
      let head: Head;
      try {
        head = parseHead(buf.subarray(0, end));
      } catch (e) {
        return this.fail(e);
      }
      b = b.subarray(end - prior);
      if (head.status === 101) return this.fail(new Error('unexpected 101 Switching Protocols'));
      // interim responses (100 Continue, 103 Early Hints): the final one follows
      if (head.status < 200) continue;
      return this.onFinalHead(head, b);
    }
    return true;
  }

  private onFinalHead(head: Head, rest: Uint8Array): boolean {
    try {
      ({ framing: this.framing, reusable: this.reusable } = framingOf(head));
    } catch (e) {
      return this.fail(e);
    }
    this.mode = 'held';
    const { headers } = head;
    this.resolveHead({
      status: head.status,
      header: (n) => headers.get(n.toLowerCase()) ?? null,
      consume: (f) => this.consume(f),
      cancel: () => this.cancel(),
    });
    this.hold(rest);
    // paused until `consume` unless the whole body came with the head
    return this.conn === null;
  }

  /**
   * Keeps body bytes (a copy: `b` is the reused receive buffer) for `consume`. A TLS socket may
   * still hand over what it had already decrypted after being paused; that is kept too.
   */
  private hold(b: Uint8Array) {
    this.receive(b.slice(), (part) => void this.held.push(part));
  }

  private receive(b: Uint8Array, sink: (part: Uint8Array) => void) {
    let used: number;
    try {
      used = this.framing.feed(b, sink);
    } catch (e) {
      this.fail(e);
      return;
    }
    if (!this.framing.done) return;
    // bytes after the body were never asked for (no pipelining): the connection is out of step
    this.detach(this.reusable && used === b.length);
    if (this.mode === 'streaming' || this.mode === 'draining') this.over(this.stopped ?? null);
  }

  private readonly deliver = (part: Uint8Array) => {
    const f = this.onChunk;
    if (!f) return;
    try {
      if (f(part) !== false) return;
      this.stopped = null;
    } catch (e) {
      this.stopped = { e };
    }
    // the rest of this read is still parsed, to learn whether the body was complete anyway
    this.onChunk = null;
  };

  private consume(onChunk: (b: Uint8Array) => boolean | void): Promise<void> {
    if (this.taken) return Promise.reject(new Error('the body was already consumed or cancelled'));
    this.taken = true;
    return new Promise<void>((resolve, reject) => {
      this.settle = (f) => (f ? reject(f.e) : resolve());
      if (this.failure) return this.over(this.failure);
      this.mode = 'streaming';
      this.onChunk = onChunk;
      const held = this.held;
      this.held = [];
      for (const part of held) {
        this.deliver(part);
        if (this.stopped !== undefined) {
          if (!this.framing.done) this.detach(false);
          return this.over(this.stopped);
        }
      }
      if (this.framing.done) return this.over(null);
      this.conn!.socket.resume();
    });
  }

  private cancel() {
    if (this.mode === 'streaming') {
      this.detach(false);
      return this.over(null);
    }
    if (this.taken) return;
    this.taken = true;
    this.held = [];
    if (!this.conn) return this.over(null);
    const left = this.framing.left();
    if (left !== undefined && left <= DRAIN_LIMIT) {
      // a stalled server must not keep the process alive for a body nobody wants
      this.mode = 'draining';
      this.conn.socket.unref();
      this.conn.socket.resume();
      return;
    }
    this.detach(false);
    this.over(null);
  }

  private abort() {
    const reason = this.signal.reason ?? new Error('aborted');
    if (this.mode === 'over') return;
    if (this.mode === 'head') {
      this.detach(false);
      this.mode = 'over';
      this.signal.removeEventListener('abort', this.onAbort);
      return this.rejectHead(reason);
    }
    this.detach(false);
    if (this.mode === 'held') {
      this.held = [];
      this.failure = { e: reason };
      return;
    }
    this.over(this.mode === 'streaming' ? { e: reason } : null);
  }

  /** The connection closed under this exchange. */
  onClose(clean: boolean, err: Error | undefined) {
    this.conn = null;
    if (this.mode === 'head') {
      this.mode = 'over';
      this.signal.removeEventListener('abort', this.onAbort);
      // the keep-alive race: the server closed the connection as the request was sent
      if (this.wasReused && !this.gotByte) return this.rejectHead(new StaleConnection('the server closed the kept-alive connection before answering', { cause: err }));
      return this.rejectHead(err ?? new Error('the connection closed before the response headers were complete'));
    }
    if (this.framing instanceof UntilCloseBody && clean) this.framing.done = true;
    const failure = this.framing.done ? null : { e: new Error(`the connection closed before the body was complete (received ${this.framing.describe()})`, { cause: err }) };
    if (this.mode === 'held') this.failure = failure;
    else this.over(this.mode === 'streaming' ? (this.stopped ?? failure) : null);
  }

  private fail(e: unknown): false {
    this.detach(false);
    if (this.mode === 'head') {
      this.mode = 'over';
      this.signal.removeEventListener('abort', this.onAbort);
      this.rejectHead(e);
    } else if (this.mode === 'held') this.failure = { e };
    else this.over(this.mode === 'streaming' ? { e } : null);
    return false;
  }

  private detach(reuse: boolean) {
    const c = this.conn;
    if (!c) return;
    this.conn = null;
    c.ex = null;
    if (reuse) c.pool.release(c);
    else c.destroy();
  }

  private over(f: { e: unknown } | null) {
    if (this.mode === 'over') return;
    this.mode = 'over';
    this.onChunk = null;
    this.signal.removeEventListener('abort', this.onAbort);
    const settle = this.settle;
    this.settle = null;
    settle?.(f);
  }
}

function requestText(u: URL, headers: Record<string, string>): string {
  let s = `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name)) throw new Error(`invalid HTTP header name ${JSON.stringify(name)}`);
    // CR/LF would let a value start a header (or a request) of its own
    if (/[\0\r\n]|[^\0-\xff]/.test(value)) throw new Error(`invalid character in the value of HTTP header ${name}`);
    if (name.toLowerCase() !== 'host') s += `${name}: ${value}\r\n`;
  }
  return s + '\r\n';
}

// ---- the transport ----------------------------------------------------------------------------

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
let shared: Transport | undefined;

/** The transport; without options one shared instance with one pool per origin. */
export function socketTransport(options: SocketTransportOptions = {}): Transport {
  if (options.ca !== undefined || options.onIdle) return makeTransport(net as unknown as NetModule, tls as unknown as TlsModule, options);
  return (shared ??= makeTransport(net as unknown as NetModule, tls as unknown as TlsModule, options));
}

function makeTransport(net: NetModule, tls: TlsModule, options: SocketTransportOptions): Transport {
  const pools = new Map<string, Pool>();
  const fallback = fetchTransport((u, i) => globalThis.fetch(u, i));
  const poolOf = (u: URL) => {
    let pool = pools.get(u.origin);
    if (!pool) {
      const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
      const secure = u.protocol === 'https:';
      const port = Number(u.port) || (secure ? 443 : 80);
      const ca = options.ca;
      const connect = secure
        ? (onread: OnRead) => tls.connect({ host, port, onread, ALPNProtocols: ['http/1.1'], ...(net.isIP(host) ? {} : { servername: host }), ...(ca === undefined ? {} : { ca }) })
        : (onread: OnRead) => net.connect({ host, port, onread });
      const origin = u.origin;
      pools.set(origin, (pool = new Pool(connect, options.onIdle && (() => options.onIdle!(origin)))));
    }
    return pool;
  };
  const send = (pool: Pool, request: string, signal: AbortSignal, fresh: boolean) =>
    new Promise<Reply>((resolve, reject) => pool.acquire(signal, fresh, (c) => new Exchange(c, request, signal).head.then(resolve, reject), reject));
  const once = async (u: URL, headers: Record<string, string>, signal: AbortSignal) => {
    const request = requestText(u, headers);
    signal.throwIfAborted();
    const pool = poolOf(u);
    try {
      return await send(pool, request, signal, false);
    } catch (e) {
      if (!(e instanceof StaleConnection)) throw e;
      return send(pool, request, signal, true);
    }
  };
  const isHttp = (u: URL) => u.protocol === 'http:' || u.protocol === 'https:';
  return async (url, headers, signal) => {
    let u = new URL(url);
    if (!isHttp(u)) return fallback(url, headers, signal);
    // redirects as fetch follows them; credentials are not sent to another origin
    for (let hop = 0; ; hop++) {
      const reply = await once(u, headers, signal);
      const location = reply.header('location');
      if (!REDIRECTS.has(reply.status) || location === null || hop >= MAX_HOPS) return reply;
      reply.cancel();
      const next = new URL(location, u);
      if (!isHttp(next)) return fallback(next.href, headers, signal);
      if (next.origin !== u.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^(authorization|cookie)$/i.test(k)));
      u = next;
    }
  };
}
