/**
 * HTTP(S) byte source: Range GETs only — no HEAD, ever (S3 pre-signed GET URLs reject it). The
 * size comes from the Content-Range of the first read, so it costs no request of its own.
 *
 * Multi-range requests (RFC 9110 §14: `Range: bytes=a-b,c-d` → `206 multipart/byteranges`) put
 * far-apart ranges into ONE request where the server supports them (nginx, Apache, Go's
 * ServeContent, our static server). S3 does not: it answers 200 with the whole object (MinIO
 * with an error; some servers 206 with the first range only). So support is detected without an
 * extra request: a read near the start of the file (the first 4 MiB, where every format reader
 * starts) asks for one more range, the last byte (`bytes=0-1048575,-1`); a multipart answer
 * means yes; a 200 means no — the bytes asked for are taken from the start of the body and the
 * rest is cancelled; a single-part 206 or a 4xx means no and whatever is missing is fetched with
 * single ranges. The answer is remembered per file (URL without query) for the session.
 * In browsers multi-range requests are off for cross-origin URLs (a multi-range `Range` header
 * is not CORS-safelisted: every request would need a preflight, which S3 CORS rules may refuse).
 *
 * In Node the transport is our HTTP/1.1 client (http-socket-transport.ts: keep-alive, one reused
 * receive buffer per connection); each body is copied from it straight into one buffer of the
 * expected size, or with `readStream` into the caller's destination. A custom `fetch` option
 * (tests, credentialed browser fetch) is always honoured. Browsers use fetch.
 */
import { mapLimit } from './map-limit.js';
import { checkRange, SourceError, type ByteRange, type ByteSource, type OnBytes, type ReadManyOptions } from './byte-source.js';
import { handOver, mergeTouching } from './coalesce.js';
import { defaultTransport, fetchTransport, type Reply, type Transport } from './http-transport.js';
import { ByterangesParser, multipartBoundary, parseContentRange } from './multipart.js';

export interface HttpSourceOptions {
  /** Custom fetch (tests count requests with it; browsers may pass a credentialed fetch). */
  fetch?: typeof fetch;
  /**
   * Called once after a 403 (an expired pre-signed URL) to get a fresh URL; the failed request is
   * then retried with it. Called again only after a later request succeeded.
   */
  refreshUrl?: (oldUrl: string) => Promise<string> | string;
  /** Retries for network errors, 429 and 5xx, with exponential backoff. */
  retries?: number;
  /** Abort any single request (headers and body) after this many ms, so a stalled server cannot hang a reader. */
  timeoutMs?: number;
  headers?: Record<string, string>;
  /**
   * Multi-range requests: 'auto' (default) detects support as described above; `true` assumes it
   * (a server without it still gets the right bytes, at the cost of a wasted answer); `false`
   * never sends them.
   */
  multiRange?: boolean | 'auto';
}

/** Strips the query string (it holds pre-signed credentials) for messages. */
export function displayUrl(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function parseTotal(contentRange: string | null): number | undefined {
  const m = contentRange && /\/(\d+)\s*$/.exec(contentRange);
  return m ? Number(m[1]) : undefined;
}

/** Request limits: servers cap header sizes (8 KB is common) and the number of ranges (Apache: 200). */
const MAX_RANGES = 100;
const MAX_RANGE_HEADER = 8000;
/**
 * One multi-range request carries at most this much: beyond it a second connection in parallel
 * is worth more than a saved round trip.
 */
const MAX_MULTI_BYTES = 16 << 20;
/** Ranges ending within this many bytes of the start may be taken from a 200 (whole file) answer. */
const PREFIX_LIMIT = 4 << 20;
const DEFAULT_CONCURRENCY = 6;

type MultiState = 'unknown' | 'yes' | 'no';
/** What each file's server answered to multi-range requests, for later sources of the same file. */
const learned = new Map<string, MultiState>();
/** Forgets what servers answered to multi-range requests (benchmarks: detect again as a new process would). */
export function forgetMultiRange(): void {
  learned.clear();
}

type NodeBuffer = { allocUnsafeSlow(n: number): Uint8Array };
/**
 * Output buffers: in Node uninitialised memory (every byte is written before a buffer is handed
 * out: `Fill` checks coverage), as a plain Uint8Array so callers' `slice()` copies.
 */
const alloc: (n: number) => Uint8Array = (() => {
  const B = (globalThis as { Buffer?: NodeBuffer }).Buffer;
  if (!B || typeof B.allocUnsafeSlow !== 'function') return (n: number) => new Uint8Array(n);
  return (n: number) => {
    if (n < 64 * 1024) return new Uint8Array(n);
    const b = B.allocUnsafeSlow(n);
    return new Uint8Array(b.buffer, b.byteOffset, n);
  };
})();

function crossOriginInBrowser(url: string): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } }; location?: { href?: string; origin?: string } };
  if (g.process?.versions?.node || !g.location?.origin) return false;
  try {
    return new URL(url, g.location.href).origin !== g.location.origin;
  } catch {
    return true;
  }
}

// ---- placing received bytes ------------------------------------------------------------------

/** Hands the received bytes of span `k` starting `at` bytes into it to a streaming reader. */
type Deliver = (k: number, at: number, bytes: Uint8Array) => void;

/**
 * Copies received bytes (of any part, in any order) into one buffer per asked span — or, for a
 * streaming read (`deliver`), hands them on without keeping them — and records what arrived, so
 * a span is handed out only when every byte of it came.
 */
class Fill {
  readonly outs: (Uint8Array | undefined)[];
  private got: [number, number][] = [];
  total?: number;
  constructor(
    readonly spans: ByteRange[],
    readonly clip: boolean,
    readonly deliver?: Deliver,
  ) {
    this.outs = new Array(spans.length);
  }
  /** End (exclusive) of span i as it can be served: cut at the end of the data when clipping. */
  want(i: number): number {
    const s = this.spans[i];
    const end = s.offset + s.length;
    return this.clip && this.total !== undefined ? Math.max(s.offset, Math.min(end, this.total)) : end;
  }
  write(pos: number, bytes: Uint8Array): void {
    const end = pos + bytes.length;
    const last = this.got[this.got.length - 1];
    if (last && last[1] === pos) last[1] = end;
    else this.got.push([pos, end]);
    const spans = this.spans;
    // first span ending after pos (spans are sorted and disjoint)
    let lo = 0, hi = spans.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (spans[mid].offset + spans[mid].length <= pos) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < spans.length && spans[i].offset < end; i++) {
      const s = spans[i];
      const a = Math.max(pos, s.offset);
      const b = Math.min(end, this.want(i));
      if (b <= a) continue;
      if (this.deliver) {
        this.deliver(i, a - s.offset, bytes.subarray(a - pos, b - pos));
        continue;
      }
      // sized when the first bytes arrive, by then the part headers told the total
      const out = (this.outs[i] ??= alloc(this.want(i) - s.offset));
      out.set(bytes.subarray(a - pos, b - pos), a - s.offset);
    }
  }
  covered(i: number): boolean {
    const s = this.spans[i];
    const want = this.want(i);
    if (want <= s.offset) return true;
    let upTo = s.offset;
    for (const [a, b] of [...this.got].sort((x, y) => x[0] - y[0])) {
      if (a > upTo) break;
      if (b > upTo) upTo = b;
      if (upTo >= want) return true;
    }
    return false;
  }
  result(i: number): Uint8Array {
    const n = this.want(i) - this.spans[i].offset;
    const out = this.outs[i];
    if (!out) return new Uint8Array(0);
    return out.length === n ? out : out.subarray(0, n);
  }
}

// ---- the source ------------------------------------------------------------------------------

/** What a Range answer needs of its source: its name, the size it learnt, multi-range support. */
interface AnswerHost {
  name: string;
  timeoutMs: number;
  total(): number | undefined;
  setTotal(t: number): void;
  learn(state: 'yes' | 'no'): void;
}

/**
 * One reply to a Range request for `spans`, read into `fill` — each kind of answer its own way:
 * several parts (multipart/byteranges), the one range asked, one part for several ranges
 * (merged by the server, or only the first), or the whole file (a server without multi-range).
 */
class RangeAnswer {
  private readonly asked: number;
  private readonly askedText: string;

  constructor(
    private readonly host: AnswerHost,
    private readonly q: { spans: ByteRange[]; probe: boolean; reply: Reply; timeout: AbortSignal; fill: Fill; signal?: AbortSignal },
  ) {
    const { spans } = q;
    this.asked = spans.reduce((n, s) => n + s.length, 0);
    this.askedText = spans.length > 1 ? `${spans.length} ranges (${this.asked} bytes)` : `bytes ${spans[0].offset}..${spans[0].offset + spans[0].length}`;
  }

  private setTotal(t: number | undefined) {
    if (t === undefined) return;
    this.host.setTotal(t);
    this.q.fill.total ??= t;
  }

  /**
   * A conclusive "no": the ranges asked were disjoint, apart and within the data, so a server
   * that supports multi-range requests had to answer with several parts.
   */
  private conclusive(): boolean {
    const t = this.host.total();
    if (t === undefined) return true;
    const last = this.q.spans[this.q.spans.length - 1];
    const end = last.offset + last.length;
    return end <= t && (!this.q.probe || t - 1 > end);
  }

  private async body(onChunk: (b: Uint8Array) => boolean | void): Promise<void> {
    try {
      await this.q.reply.consume(onChunk);
    } catch (e) {
      if (e instanceof SourceError || this.q.signal?.aborted) throw e;
      const why = this.q.timeout.aborted ? `timed out after ${this.host.timeoutMs} ms` : (e as Error).message;
      throw new SourceError(this.host.name, `the response to a request for ${this.askedText} broke off: ${why}`);
    }
  }

  /** Reads one part starting at `start` into the fill, stopping (cancelling) after `stopAt`. */
  private async onePart(start: number, declared: number | undefined, stopAt: number): Promise<number> {
    let pos = start;
    if (stopAt <= start) {
      this.q.reply.cancel();
      return 0;
    }
    await this.body((chunk) => {
      if (declared !== undefined && pos - start + chunk.length > declared) {
        throw new SourceError(this.host.name, `asked for ${this.askedText} but the server sent more than ${declared} bytes; it does not honour the Range request`);
      }
      this.q.fill.write(pos, declared === undefined ? chunk.subarray(0, Math.max(0, stopAt - pos)) : chunk);
      pos += chunk.length;
      return pos < stopAt;
    });
    return pos - start;
  }

  /** 416: nothing asked for lies within the data. True when that is the answer (`clip`: empty spans). */
  outOfRange(clip: boolean, multi: boolean): boolean {
    const { reply, spans } = this.q;
    reply.cancel();
    this.setTotal(parseTotal(reply.header('content-range')));
    const total = this.host.total();
    if (clip && total !== undefined && spans.every((s) => s.offset >= total)) return true;
    if (!multi) throw new SourceError(this.host.name, `byte range ${spans[0].offset}-${spans[0].offset + spans[0].length - 1} is beyond the end of the file (HTTP 416)`, 416);
    this.host.learn('no');
    return false;
  }

  /** 206 multipart/byteranges. */
  async parts(multi: boolean): Promise<void> {
    const parser = new ByterangesParser(multipartBoundary(this.q.reply.header('content-type'))!, {
      part: (_s, _e, total) => this.setTotal(total),
      data: (pos, bytes) => this.q.fill.write(pos, bytes),
    }, this.host.name);
    // servers may merge nearby ranges (RFC 9110 §14.3) but have no reason to send much more
    const cap = 2 * this.asked + (1 << 20);
    let received = 0;
    await this.body((chunk) => {
      received += chunk.length;
      if (received > cap) throw new SourceError(this.host.name, `the server sent more than ${cap} bytes for ${this.askedText}; it does not honour the Range request`);
      parser.push(chunk);
    });
    parser.end();
    if (multi) this.host.learn('yes');
  }

  /**
   * 206 for the one range asked: the answer must start there; more than asked (s3rver answers
   * `bytes=0-0` with the whole file) is cut after the asked bytes, less is an error unless the data
   * ends there.
   */
  async single(): Promise<void> {
    const first = this.q.spans[0];
    const cr = parseContentRange(this.q.reply.header('content-range'));
    this.setTotal(cr?.total);
    const askedEnd = first.offset + first.length;
    if (cr && cr.start !== first.offset) {
      this.q.reply.cancel();
      throw new SourceError(this.host.name, `asked for bytes ${first.offset}..${askedEnd} but the server sent bytes ${cr.start}..${cr.end}; it does not honour the Range request`);
    }
    const declared = cr ? cr.end - cr.start : first.length;
    const want = Math.min(declared, first.length);
    const got = Math.min(await this.onePart(first.offset, declared, first.offset + want), want);
    const total = this.host.total();
    if (got < want || (want < first.length && !(total !== undefined && first.offset + got === total))) {
      throw new SourceError(this.host.name, `asked for bytes ${first.offset}..${askedEnd} but received ${got} bytes; the file is shorter than its header says or the server truncated the response`);
    }
  }

  /** 206 with one part for several ranges: merged by the server (fine) or only the first (no support). */
  async merged(): Promise<void> {
    const { reply, spans, fill, probe } = this.q;
    const cr = parseContentRange(reply.header('content-range'));
    if (!cr) reply.cancel();
    else {
      this.setTotal(cr.total);
      const reach = Math.min(cr.end, cr.start + Math.max(PREFIX_LIMIT, 2 * this.asked));
      const stopAt = spans.reduce((m, s, k) => (s.offset >= cr.start && fill.want(k) <= reach ? Math.max(m, fill.want(k)) : m), cr.start);
      await this.onePart(cr.start, cr.end - cr.start, stopAt);
    }
    if ((probe || !spans.every((_, k) => fill.covered(k))) && this.conclusive()) this.host.learn('no');
  }

  /**
   * 200 to a multi-range request (single-range 200s are refused in `send`): S3 and friends send
   * the whole file; ranges near its start are taken from the body, the rest of it is cancelled.
   */
  async whole(): Promise<void> {
    const { reply, spans, fill } = this.q;
    const len = Number(reply.header('content-length'));
    if (reply.header('content-length') !== null && Number.isSafeInteger(len) && len >= 0 && !reply.header('content-encoding')) this.setTotal(len);
    const stopAt = spans.reduce((m, _s, k) => (fill.want(k) <= PREFIX_LIMIT ? Math.max(m, fill.want(k)) : m), 0);
    const got = await this.onePart(0, undefined, stopAt);
    if (got < stopAt) this.setTotal(got); // the body ended early: it was the whole file
    if (this.conclusive()) this.host.learn('no');
  }
}

export class HttpSource implements ByteSource {
  private total?: number;
  private refreshed = false;
  /** The refresh in progress, shared by concurrent requests that all hit the expiry. */
  private refreshing?: Promise<string>;
  /** A request in flight that will tell the size: `size()` waits for it instead of asking. */
  private pending?: Promise<unknown>;
  private multi: MultiState;
  private readonly transport: Transport;

  constructor(
    public url: string,
    readonly opts: HttpSourceOptions = {},
  ) {
    const custom = opts.fetch;
    this.transport = custom ? fetchTransport(custom) : defaultTransport();
    this.multi =
      opts.multiRange === false ? 'no'
      : opts.multiRange === true ? 'yes'
      : (learned.get(displayUrl(url)) ?? (crossOriginInBrowser(url) ? 'no' : 'unknown'));
  }

  get name(): string {
    return displayUrl(this.url);
  }

  /** Whether this server answers multi-range requests (undefined: not known yet). */
  get multiRange(): boolean | undefined {
    return this.multi === 'unknown' ? undefined : this.multi === 'yes';
  }

  async size(): Promise<number> {
    if (this.total === undefined && this.pending) await this.pending.catch(() => {});
    // a second try only after a probe answered 200 without Content-Length (then a single range)
    for (let i = 0; this.total === undefined && i < 2; i++) await this.fetchSpans([{ offset: 0, length: 1 }], { clip: true });
    if (this.total === undefined) throw new SourceError(this.name, 'the server does not tell the file size (no total in Content-Range)');
    return this.total;
  }

  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.total !== undefined) checkRange(this.name, this.total, offset, length);
    else checkRange(this.name, Infinity, offset, length);
    if (length === 0) return new Uint8Array(0);
    return (await this.fetchSpans([{ offset, length }], { signal }))[0];
  }

  async readMany(ranges: readonly ByteRange[], opts: ReadManyOptions = {}): Promise<Uint8Array[]> {
    const clip = !!opts.clip;
    for (const r of ranges) checkRange(this.name, this.total !== undefined && !clip ? this.total : Infinity, r.offset, r.length);
    // overlapping and touching ranges become one span; each range is a view into its span
    const { spans, members } = mergeTouching(ranges);
    const out: Uint8Array[] = ranges.map(() => new Uint8Array(0));
    const place = (k: number, block: Uint8Array) => {
      for (const i of members[k]) {
        const start = ranges[i].offset - spans[k].offset;
        out[i] = block.subarray(Math.min(start, block.length), Math.min(start + ranges[i].length, block.length));
        opts.onRange?.(i, out[i]);
      }
    };
    if (opts.onRange) for (let i = 0; i < ranges.length; i++) if (ranges[i].length === 0) opts.onRange(i, out[i]);
    if (spans.length) await this.fetchSpans(spans, { clip, signal: opts.signal, concurrency: opts.concurrency, onSpan: place });
    return out;
  }

  /**
   * The ranges' bytes handed to `onBytes` as they arrive (ByteSource.readStream): the same
   * requests as `readMany`, with no buffer per range — in Node the bytes come straight from the
   * connection's receive buffer.
   */
  async readStream(ranges: readonly ByteRange[], onBytes: OnBytes, opts: { signal?: AbortSignal; concurrency?: number } = {}): Promise<void> {
    for (const r of ranges) checkRange(this.name, this.total ?? Infinity, r.offset, r.length);
    // overlapping and touching ranges become one span; its bytes go to every range they fall in
    const { spans, members } = mergeTouching(ranges);
    const deliver: Deliver = (k, at, bytes) => handOver(ranges, members[k], spans[k].offset + at, bytes, onBytes);
    if (spans.length) await this.fetchSpans(spans, { signal: opts.signal, concurrency: opts.concurrency, deliver });
  }

  /**
   * Spans (sorted, disjoint) → their bytes, in as few requests as the server allows; without
   * `clip`, a span beyond the end of the data is an error.
   */
  private async fetchSpans(
    spans: ByteRange[],
    o: { clip?: boolean; signal?: AbortSignal; concurrency?: number; onSpan?: (k: number, b: Uint8Array) => void; deliver?: Deliver },
  ): Promise<Uint8Array[]> {
    const clip = !!o.clip;
    const out = new Array<Uint8Array>(spans.length);
    const wanted = spans.map((_, k) => k).filter((k) => {
      if (!clip || this.total === undefined || spans[k].offset < this.total) return true;
      out[k] = new Uint8Array(0); // wholly beyond the end: nothing to ask for
      o.onSpan?.(k, out[k]);
      return false;
    });
    const batches = this.plan(wanted.map((k) => spans[k])).map((b) => b.map((j) => wanted[j]));
    const all = mapLimit(batches, o.concurrency ?? DEFAULT_CONCURRENCY, async (batch) => {
      const probe = batch.length === 1 && this.shouldProbe(spans[batch[0]]);
      const deliver = o.deliver && ((j: number, at: number, b: Uint8Array) => o.deliver!(batch[j], at, b));
      const got = await this.requestSpans(batch.map((k) => spans[k]), probe, clip, o.signal, deliver);
      batch.forEach((k, j) => {
        out[k] = got[j];
        o.onSpan?.(k, got[j]);
      });
    });
    if (this.total === undefined && !this.pending) {
      const p = (this.pending = all.finally(() => {
        if (this.pending === p) this.pending = undefined;
      }));
      p.catch(() => {});
    }
    await all;
    return out;
  }

  /** Groups span indexes into requests: several per request only while multi-range may work. */
  private plan(spans: ByteRange[]): number[][] {
    if (this.multi === 'no' || spans.length === 1) return spans.map((_, k) => [k]);
    const batches: number[][] = [];
    let cur: number[] = [], bytes = 0, chars = 6;
    for (let k = 0; k < spans.length; k++) {
      const s = spans[k];
      const c = String(s.offset).length + String(s.offset + s.length - 1).length + 2;
      // while support is unknown, only ranges whose answer is usable from a 200 go together
      const safe = this.multi === 'yes' || s.offset + s.length <= PREFIX_LIMIT;
      if (!safe) {
        batches.push([k]);
        continue;
      }
      if (cur.length && (cur.length >= MAX_RANGES || chars + c > MAX_RANGE_HEADER || bytes + s.length > MAX_MULTI_BYTES)) {
        batches.push(cur);
        cur = [];
        bytes = 0;
        chars = 6;
      }
      cur.push(k);
      bytes += s.length;
      chars += c;
    }
    if (cur.length) batches.push(cur);
    return batches;
  }

  /** A lone read near the start of the file while support is unknown asks for the last byte too. */
  private shouldProbe(s: ByteRange): boolean {
    if (this.multi !== 'unknown' || s.offset + s.length > PREFIX_LIMIT) return false;
    // the probe byte must not touch the span, or servers merge the two and the answer tells nothing
    return this.total === undefined || this.total - 1 > s.offset + s.length;
  }

  private learn(state: 'yes' | 'no'): void {
    if (this.multi === state) return;
    if (this.opts.multiRange === true || this.opts.multiRange === false) {
      if (state === 'no') this.multi = 'no';
      return;
    }
    this.multi = state;
    if (learned.size >= 1000) learned.delete(learned.keys().next().value!);
    learned.set(displayUrl(this.url), state);
  }

  /** One request for `spans` (plus the probe byte), then single-range requests for anything missing. */
  private async requestSpans(spans: ByteRange[], probe: boolean, clip: boolean, signal?: AbortSignal, deliver?: Deliver): Promise<Uint8Array[]> {
    const multi = spans.length > 1 || probe;
    const header = `bytes=${spans.map((s) => `${s.offset}-${s.offset + s.length - 1}`).join(',')}${probe ? ',-1' : ''}`;
    const { reply, timeout } = await this.send(header, multi, clip, signal);
    const fill = new Fill(spans, clip, deliver);
    fill.total = this.total;
    const first = spans[0];
    const answer = new RangeAnswer(
      {
        name: this.name,
        timeoutMs: this.opts.timeoutMs ?? 60_000,
        total: () => this.total,
        setTotal: (t) => {
          this.total ??= t;
        },
        learn: (state) => this.learn(state),
      },
      { spans, probe, reply, timeout, fill, signal },
    );
    if (reply.status === 416) {
      if (answer.outOfRange(clip, multi)) return spans.map(() => new Uint8Array(0));
    } else if (reply.status === 206 && multipartBoundary(reply.header('content-type'))) await answer.parts(multi);
    else if (reply.status === 206 && !multi) await answer.single();
    else if (reply.status === 206) await answer.merged();
    else if (reply.status === 200) await answer.whole();
    else {
      reply.cancel();
      this.learn('no'); // a multi-range request refused (400, 501, …)
    }

    if (!clip && this.total !== undefined) for (const s of spans) checkRange(this.name, this.total, s.offset, s.length);
    const missing = spans.map((_, k) => k).filter((k) => !fill.covered(k));
    if (!missing.length) return spans.map((_, k) => fill.result(k));
    if (!multi) {
      throw new SourceError(this.name, `asked for bytes ${first.offset}..${first.offset + first.length} but the answer did not contain them; the server does not honour the Range request`);
    }
    // what the answer lacked: one single-range request per span
    const out = spans.map((_, k) => fill.result(k));
    await mapLimit(missing, DEFAULT_CONCURRENCY, async (k) => {
      out[k] = (await this.requestSpans([spans[k]], false, clip, signal, deliver && ((_j, at, b) => deliver(k, at, b))))[0];
    });
    return out;
  }

  /**
   * Sends one Range request with retries (network errors, 429, 5xx), a fresh URL after a 403
   * (refreshUrl) and a timeout. Returns 206 answers, and for multi-range or clipped requests also
   * the answers the caller interprets (200, 416, other 4xx/501 refusing multi-range).
   */
  private async send(range: string, multi: boolean, clip: boolean, signal?: AbortSignal): Promise<{ reply: Reply; timeout: AbortSignal }> {
    const retries = this.opts.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 60_000);
      const sig = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let reply: Reply;
      const sent = this.url;
      try {
        reply = await this.transport(sent, { ...this.opts.headers, Range: range }, sig);
      } catch (e) {
        if (signal?.aborted) throw e;
        if (attempt < retries) {
          await sleep(100 * 2 ** attempt);
          continue;
        }
        const why = timeout.aborted ? 'timed out' : (e as Error).message;
        throw new SourceError(this.name, `request failed after ${attempt + 1} attempts: ${why}`);
      }
      const status = reply.status;
      if (status === 206 || (status === 200 && multi) || (status === 416 && (multi || clip))) {
        if (status !== 416) this.refreshed = false;
        return { reply, timeout };
      }
      reply.cancel();
      if (status === 200) {
        throw new SourceError(
          this.name,
          'the server ignores HTTP Range requests (it answered 200 with the whole file); serve the file from S3 or a server with Range support',
          200,
        );
      }
      if (status === 416) {
        throw new SourceError(this.name, `byte range ${range.slice(6)} is beyond the end of the file (HTTP 416)`, 416);
      }
      if (status === 403 && this.opts.refreshUrl) {
        // Requests in flight when the URL expired all get 403: only the first refreshes, the
        // others wait for it (or see the new URL) and retry, instead of failing.
        if (this.url !== sent) continue;
        if (this.refreshing) {
          await this.refreshing.catch(() => {});
          continue;
        }
        if (!this.refreshed) {
          this.refreshed = true;
          const refresh = this.opts.refreshUrl;
          this.refreshing = Promise.resolve(refresh(sent)).finally(() => (this.refreshing = undefined));
          this.url = await this.refreshing;
          continue;
        }
      }
      // a server that cannot do multi-range requests may refuse them outright (MinIO, proxies
      // limiting header size): the caller retries with single ranges
      if (multi && ((status >= 400 && status < 500 && ![401, 403, 404, 408, 429].includes(status)) || status === 501)) {
        return { reply, timeout };
      }
      if ((status === 429 || status >= 500) && attempt < retries) {
        await sleep(100 * 2 ** attempt);
        continue;
      }
      throw new SourceError(this.name, httpMessage(status), status);
    }
  }
}

function httpMessage(status: number): string {
  if (status === 403) return 'access denied (HTTP 403): the pre-signed URL may have expired or its signature is wrong';
  if (status === 404) return 'not found (HTTP 404)';
  if (status === 401) return 'authentication required (HTTP 401)';
  return `HTTP ${status}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
