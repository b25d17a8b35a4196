import { checkRange, SourceError, type ByteSource } from './byte-source.js';

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
  /** Abort any single request after this many ms, so a stalled server cannot hang a reader. */
  timeoutMs?: number;
  headers?: Record<string, string>;
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

/**
 * HTTP(S) with Range requests only: no HEAD (S3 pre-signed GET URLs reject it); the size comes
 * from the Content-Range of a ranged GET.
 */
export class HttpSource implements ByteSource {
  private total?: number;
  private refreshed = false;
  /** The refresh in progress, shared by concurrent requests that all hit the expiry. */
  private refreshing?: Promise<string>;
  constructor(
    public url: string,
    readonly opts: HttpSourceOptions = {},
  ) {}

  get name(): string {
    return displayUrl(this.url);
  }

  async size(): Promise<number> {
    if (this.total === undefined) {
      const res = await this.request(0, 0);
      this.total ??= parseTotal(res.headers.get('content-range')) ?? 0;
      await res.body?.cancel().catch(() => {});
    }
    return this.total;
  }

  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.total !== undefined) checkRange(this.name, this.total, offset, length);
    if (length === 0) return new Uint8Array(0);
    const res = await this.request(offset, offset + length - 1, signal);
    const short = (got: number) =>
      new SourceError(
        this.name,
        `asked for bytes ${offset}..${offset + length} but received ${got} bytes; the file is shorter than its header says or the server truncated the response`,
      );
    if (!res.body) {
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.byteLength !== length) throw short(bytes.byteLength);
      return bytes;
    }
    // Stream into one buffer of the asked size: in Node, Response.arrayBuffer() costs about twice
    // the CPU of the transfer (measured, bench/refs-read), and a server sending more than asked
    // is stopped at `length` instead of filling memory.
    const out = new Uint8Array(length);
    const reader = res.body.getReader();
    let got = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (got + value.byteLength > length) {
          throw new SourceError(this.name, `asked for bytes ${offset}..${offset + length} but the server sent more than ${length} bytes; it does not honour the Range request`);
        }
        out.set(value, got);
        got += value.byteLength;
      }
    } catch (e) {
      await reader.cancel().catch(() => {});
      throw e;
    }
    if (got !== length) throw short(got);
    return out;
  }

  private async request(first: number, last: number, signal?: AbortSignal): Promise<Response> {
    const doFetch = this.opts.fetch ?? globalThis.fetch;
    const retries = this.opts.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 60_000);
      const sig = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let res: Response;
      const sent = this.url;
      try {
        res = await doFetch(sent, {
          headers: { ...this.opts.headers, Range: `bytes=${first}-${last}` },
          signal: sig,
        });
      } catch (e) {
        if (signal?.aborted) throw e;
        if (attempt < retries) {
          await sleep(100 * 2 ** attempt);
          continue;
        }
        const why = timeout.aborted ? 'timed out' : (e as Error).message;
        throw new SourceError(this.name, `request failed after ${attempt + 1} attempts: ${why}`);
      }
      if (res.status === 206) {
        this.total ??= parseTotal(res.headers.get('content-range'));
        this.refreshed = false;
        return res;
      }
      await res.body?.cancel().catch(() => {});
      if (res.status === 200) {
        throw new SourceError(
          this.name,
          'the server ignores HTTP Range requests (it answered 200 with the whole file); serve the file from S3 or a server with Range support',
          200,
        );
      }
      if (res.status === 416) {
        const total = parseTotal(res.headers.get('content-range'));
        if (first === 0 && last === 0 && total === 0) {
          this.total = 0;
          return new Response(new Uint8Array(0), { status: 206 });
        }
        throw new SourceError(this.name, `byte range ${first}-${last} is beyond the end of the file (HTTP 416)`, 416);
      }
      if (res.status === 403 && this.opts.refreshUrl) {
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
      if ((res.status === 429 || res.status >= 500) && attempt < retries) {
        await sleep(100 * 2 ** attempt);
        continue;
      }
      throw new SourceError(this.name, httpMessage(res.status), res.status);
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
