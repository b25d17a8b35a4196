/**
 * Streaming parser for `multipart/byteranges` (RFC 9110 §14.6, RFC 2046 §5.1): the body of a 206
 * answer to a multi-range request. Part data is handed on as it arrives (never buffered whole),
 * sized by each part's Content-Range rather than by searching for the boundary, so binary data
 * that happens to contain the boundary string cannot split a part.
 *
 * Exports: `multipartBoundary(contentType)`, `ByterangesParser`, `parseContentRange(value)`.
 */
import { SourceError } from './byte-source.js';

/** The boundary of a `multipart/byteranges` Content-Type, undefined for any other type. */
export function multipartBoundary(contentType: string | null | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\/byteranges\s*(;|$)/i.test(contentType)) return undefined;
  const m = /;\s*boundary\s*=\s*(?:"((?:[^"\\]|\\.){1,200})"|([^\s;,"]{1,200}))/i.exec(contentType);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

/** `bytes first-last/total` (total may be `*`) → end-exclusive range; undefined when malformed. */
export function parseContentRange(value: string | null | undefined): { start: number; end: number; total?: number } | undefined {
  const m = value && /^\s*bytes\s+(\d{1,16})-(\d{1,16})\s*\/\s*(\d{1,16}|\*)\s*$/i.exec(value);
  if (!m) return undefined;
  const start = Number(m[1]);
  const last = Number(m[2]);
  const total = m[3] === '*' ? undefined : Number(m[3]);
  if (last < start || (total !== undefined && last >= total)) return undefined;
  return { start, end: last + 1, total };
}

export interface ByterangesHandler {
  /** A part begins: its bytes are [start, end) of a resource of `total` bytes (if the server said). */
  part(start: number, end: number, total: number | undefined): void;
  /** Bytes of the current part, in order; `pos` is the resource offset of `bytes[0]`. */
  data(pos: number, bytes: Uint8Array): void;
}

const MAX_PREAMBLE = 64 * 1024;
const MAX_HEADERS = 8 * 1024;
const CR = 13, LF = 10, DASH = 45;

type State = 'preamble' | 'afterDelimiter' | 'headers' | 'data' | 'delimiter' | 'epilogue';

/**
 * Feed it the body with `push(chunk)` and call `end()` when the body is complete. Errors are
 * `SourceError`s naming `source` (the URL) and what is wrong: no boundary where one must be, a
 * part without a valid Content-Range, data longer than its Content-Range, a truncated body.
 */
export class ByterangesParser {
  private state: State = 'preamble';
  /** Bytes of an unfinished delimiter or header block, carried to the next chunk. */
  private carry: Uint8Array = new Uint8Array(0);
  private readonly delimiter: Uint8Array;
  private pos = 0;
  private remaining = 0;
  /** Preamble bytes dropped so far (not carried). */
  private skipped = 0;
  parts = 0;

  constructor(
    boundary: string,
    private readonly handler: ByterangesHandler,
    readonly source: string,
  ) {
    this.delimiter = new TextEncoder().encode('--' + boundary);
  }

  private fail(what: string): never {
    throw new SourceError(this.source, `malformed multipart/byteranges response: ${what}`);
  }

  push(chunk: Uint8Array): void {
    let buf = chunk;
    if (this.carry.length) {
      buf = new Uint8Array(this.carry.length + chunk.length);
      buf.set(this.carry);
      buf.set(chunk, this.carry.length);
      this.carry = new Uint8Array(0);
    }
    let p = 0;
    while (p < buf.length) {
      if (this.state === 'data') {
        const n = Math.min(this.remaining, buf.length - p);
        this.handler.data(this.pos, buf.subarray(p, p + n));
        this.pos += n;
        this.remaining -= n;
        p += n;
        if (this.remaining === 0) this.state = 'delimiter';
        continue;
      }
      if (this.state === 'epilogue') return;
      const used = this.step(buf, p);
      if (used < 0) {
        // needs more bytes: keep the unparsed element (bounded: preamble and headers are capped);
        // -2 - k: keep from k on (the rest of the preamble was skipped)
        this.carry = buf.slice(used === -1 ? p : -2 - used);
        return;
      }
      p = used;
    }
  }

  /** Parses one non-data element at `p`; returns where the next one starts, or -1 for "need more". */
  private step(b: Uint8Array, p: number): number {
    const d = this.delimiter;
    switch (this.state) {
      case 'preamble': {
        // the first delimiter starts the body or a line (RFC 2046); anything before it is ignored
        for (let i = p; i + d.length <= b.length; i++) {
          if ((i === 0 ? this.skipped === 0 : b[i - 1] === LF) && startsWith(b, i, d)) {
            this.state = 'afterDelimiter';
            return i + d.length;
          }
        }
        // keep only what a delimiter split by the chunk boundary needs, and the byte before it
        const keep = Math.max(p, b.length - d.length - 1);
        this.skipped += keep - p;
        if (this.skipped > MAX_PREAMBLE) this.fail(`no boundary "${new TextDecoder().decode(d.subarray(2))}" in the first ${MAX_PREAMBLE} bytes`);
        return keep > p ? -2 - keep : -1;
      }
      case 'delimiter': {
        // CRLF (or a bare LF, tolerated) then the delimiter, right after the part's last byte
        let i = p;
        if (b[i] === CR) i++;
        if (i >= b.length) return -1;
        if (b[i] !== LF) this.fail('a part holds more bytes than its Content-Range says');
        i++;
        const have = Math.min(d.length, b.length - i);
        for (let k = 0; k < have; k++) if (b[i + k] !== d[k]) this.fail('a part holds more bytes than its Content-Range says');
        if (have < d.length) return -1;
        this.state = 'afterDelimiter';
        return i + d.length;
      }
      case 'afterDelimiter': {
        if (b.length - p < 2) return -1;
        if (b[p] === DASH && b[p + 1] === DASH) {
          this.state = 'epilogue';
          return b.length;
        }
        // transport padding (spaces, tabs) may follow a delimiter before its CRLF
        let i = p;
        while (i < b.length && (b[i] === 32 || b[i] === 9)) i++;
        if (i >= b.length) return -1;
        if (b[i] === CR) i++;
        if (i >= b.length) return -1;
        if (b[i] !== LF) this.fail('no line break after a boundary');
        this.state = 'headers';
        return i + 1;
      }
      case 'headers': {
        let end = -1, next = -1;
        for (let i = p; i < b.length; i++) {
          if (b[i] !== LF) continue;
          if (b[i + 1] === LF) { end = i; next = i + 2; break; }
          if (b[i + 1] === CR && b[i + 2] === LF) { end = i; next = i + 3; break; }
          if (i === p || (i === p + 1 && b[p] === CR)) { end = p; next = i + 1; break; } // no headers at all
        }
        if (end - p > MAX_HEADERS || (end < 0 && b.length - p > MAX_HEADERS)) this.fail(`part headers longer than ${MAX_HEADERS} bytes`);
        if (end < 0) return -1;
        const text = new TextDecoder('latin1').decode(b.subarray(p, end));
        let range: ReturnType<typeof parseContentRange>;
        let found = false;
        for (const line of text.split('\n').map((l) => l.replace(/\r$/, ''))) {
          const m = /^content-range\s*:(.*)$/i.exec(line);
          if (!m) continue;
          found = true;
          range = parseContentRange(m[1]);
        }
        if (!found) this.fail(`part ${this.parts + 1} has no Content-Range header`);
        if (!range) this.fail(`part ${this.parts + 1} has an invalid Content-Range "${/content-range\s*:(.*)/i.exec(text)?.[1].trim()}"`);
        this.parts++;
        this.handler.part(range.start, range.end, range.total);
        this.pos = range.start;
        this.remaining = range.end - range.start;
        this.state = this.remaining > 0 ? 'data' : 'delimiter';
        return next;
      }
    }
    return -1;
  }

  /** The body ended: anything but a complete final boundary is an error. */
  end(): void {
    if (this.state === 'epilogue') return;
    if (this.state === 'preamble') this.fail('no boundary in the body');
    if (this.state === 'data') this.fail(`the body ends ${this.remaining} bytes into part ${this.parts} (truncated)`);
    this.fail('the body ends before the closing boundary (truncated)');
  }
}

function startsWith(b: Uint8Array, at: number, d: Uint8Array): boolean {
  for (let k = 0; k < d.length; k++) if (b[at + k] !== d[k]) return false;
  return true;
}
