import { checkRange, type ByteSource } from './byte-source.js';

interface QueuedRun {
  offset: number;
  length: number;
  resolve(b: Uint8Array): void;
  reject(e: unknown): void;
}

/** After the current turn of the event loop (Node: setImmediate; browsers: a zero timeout). */
const nextTurn: (fn: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'
    ? (fn) => (globalThis as unknown as { setImmediate(f: () => void): void }).setImmediate(fn)
    : (fn) => setTimeout(fn, 0);

/** Rejects when `signal` aborts, without cancelling `p` (which other callers may share). */
function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Wraps a source so that small scattered reads (TIFF IFDs, ZIP headers) are served from aligned
 * blocks: one request per block instead of one per tag. Keeps at most `maxBlocks` blocks (LRU).
 * Consecutive missing blocks are fetched with one request; `warm()` reads ahead a range.
 *
 * Over a source with `readMany` (HTTP) the missing runs of all reads and warms issued in the same
 * turn of the event loop go out in ONE `readMany` call — one multi-range request where the server
 * supports them — and no `size()` is asked before the first read: the reads are clipped at the
 * end of the data, and the first answer tells the size.
 */
export class BlockCacheSource implements ByteSource {
  private blocks = new Map<number, Promise<Uint8Array>>();
  private total?: Promise<number>;
  private known?: number;
  private queued: QueuedRun[] = [];
  constructor(
    readonly inner: ByteSource,
    readonly blockSize = 64 * 1024,
    readonly maxBlocks = 256,
  ) {}
  get name() {
    return this.inner.name;
  }
  size(): Promise<number> {
    return (this.total ??= this.inner.size().then((n) => (this.known = n)));
  }
  /** The size if known, else (for a source that cannot clip reads) asks for it. */
  private async sizeForRead(): Promise<number | undefined> {
    if (this.known !== undefined) return this.known;
    if (this.inner.readMany) return undefined;
    return this.size();
  }
  private remember(index: number, p: Promise<Uint8Array>): void {
    this.blocks.delete(index); // refresh LRU position
    this.blocks.set(index, p);
    while (this.blocks.size > this.maxBlocks) this.blocks.delete(this.blocks.keys().next().value!);
  }
  /** Bytes [offset, offset+length) of the inner source, cut at its end. */
  private fetchRun(offset: number, length: number, size: number | undefined, signal?: AbortSignal): Promise<Uint8Array> {
    if (size !== undefined) length = Math.min(length, size - offset);
    if (!this.inner.readMany) return this.inner.read(offset, length, signal);
    return new Promise<Uint8Array>((resolve, reject) => {
      if (this.queued.length === 0) nextTurn(() => this.flush());
      this.queued.push({ offset, length, resolve, reject });
    });
  }
  /** The runs queued during one turn: one `readMany`, results handed out as they land. */
  private flush(): void {
    const runs = this.queued;
    this.queued = [];
    this.inner
      // as parallel as separate reads were, for servers that need one request per run
      .readMany!(runs.map((r) => ({ offset: r.offset, length: r.length })), { clip: true, concurrency: 16, onRange: (i, b) => runs[i].resolve(b) })
      .catch((e) => runs.forEach((r) => r.reject(e)));
  }
  /**
   * Promises for blocks first..last. Runs of consecutive missing blocks are fetched with ONE
   * inner read each (a request per run, not per block).
   */
  private span(first: number, last: number, size: number | undefined, signal?: AbortSignal): Promise<Uint8Array>[] {
    const out: Promise<Uint8Array>[] = [];
    let i = first;
    while (i <= last) {
      const cached = this.blocks.get(i);
      if (cached) {
        this.remember(i, cached);
        out.push(cached);
        i++;
        continue;
      }
      let j = i;
      while (j < last && !this.blocks.has(j + 1)) j++;
      const start = i * this.blockSize;
      const whole = this.fetchRun(start, (j + 1 - i) * this.blockSize, size, signal);
      for (let k = i; k <= j; k++) {
        const s = (k - i) * this.blockSize;
        const p = whole.then((b) => b.subarray(Math.min(s, b.length), Math.min(s + this.blockSize, b.length)));
        p.catch(() => {
          if (this.blocks.get(k) === p) this.blocks.delete(k);
        });
        this.remember(k, p);
        out.push(p);
      }
      i = j + 1;
    }
    return out;
  }
  /**
   * Fetch the blocks covering a range into the cache (missing runs with one read each), e.g. to
   * read ahead over closely spaced TIFF IFDs. Rejects if the read fails.
   */
  async warm(offset: number, length: number, signal?: AbortSignal): Promise<void> {
    const size = this.known ?? (await this.sizeForRead());
    const end = size === undefined ? offset + length : Math.min(size, offset + length);
    if (offset >= end) return;
    const first = Math.floor(offset / this.blockSize);
    const last = Math.floor((end - 1) / this.blockSize);
    await abortable(Promise.all(this.span(first, last, size, signal)), signal);
  }
  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    let size = this.known ?? (await this.sizeForRead());
    checkRange(this.name, size ?? Infinity, offset, length);
    const first = Math.floor(offset / this.blockSize);
    const last = Math.floor((offset + Math.max(length, 1) - 1) / this.blockSize);
    if (length > this.blockSize * 4) {
      // large reads bypass the cache unless an earlier warm() already holds every block
      for (let i = first; i <= last; i++) if (!this.blocks.has(i)) return this.inner.read(offset, length, signal);
    }
    const parts = await abortable(Promise.all(this.span(first, last, size, signal)), signal);
    if (size === undefined) {
      size = await this.size(); // free now: the read told the inner source
      checkRange(this.name, size, offset, length);
    }
    if (parts.length === 1) {
      const s = offset - first * this.blockSize;
      return parts[0].subarray(s, s + length);
    }
    const out = new Uint8Array(length);
    let pos = 0;
    for (let k = 0; k < parts.length; k++) {
      const blockStart = (first + k) * this.blockSize;
      const s = Math.max(offset, blockStart) - blockStart;
      const e = Math.min(offset + length, blockStart + parts[k].length) - blockStart;
      out.set(parts[k].subarray(s, e), pos);
      pos += e - s;
    }
    return out;
  }
}
