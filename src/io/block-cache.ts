import { checkRange, type ByteSource } from './byte-source.js';

/**
 * Wraps a source so that small scattered reads (TIFF IFDs, ZIP headers) are served from aligned
 * blocks: one request per block instead of one per tag. Keeps at most `maxBlocks` blocks (LRU).
 * Consecutive missing blocks are fetched with one request; `warm()` reads ahead a range.
 */
export class BlockCacheSource implements ByteSource {
  private blocks = new Map<number, Promise<Uint8Array>>();
  private total?: Promise<number>;
  constructor(
    readonly inner: ByteSource,
    readonly blockSize = 64 * 1024,
    readonly maxBlocks = 256,
  ) {}
  get name() {
    return this.inner.name;
  }
  size(): Promise<number> {
    return (this.total ??= this.inner.size());
  }
  private remember(index: number, p: Promise<Uint8Array>): void {
    this.blocks.delete(index); // refresh LRU position
    this.blocks.set(index, p);
    while (this.blocks.size > this.maxBlocks) this.blocks.delete(this.blocks.keys().next().value!);
  }
  /**
   * Promises for blocks first..last. Runs of consecutive missing blocks are fetched with ONE
   * inner read each (a request per run, not per block).
   */
  private span(first: number, last: number, size: number, signal?: AbortSignal): Promise<Uint8Array>[] {
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
      const whole = this.inner.read(start, Math.min((j + 1) * this.blockSize, size) - start, signal);
      for (let k = i; k <= j; k++) {
        const s = (k - i) * this.blockSize;
        const p = whole.then((b) => b.subarray(s, s + this.blockSize));
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
    const size = await this.size();
    const end = Math.min(size, offset + length);
    if (offset >= end) return;
    const first = Math.floor(offset / this.blockSize);
    const last = Math.floor((end - 1) / this.blockSize);
    await Promise.all(this.span(first, last, size, signal));
  }
  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    const size = await this.size();
    checkRange(this.name, size, offset, length);
    const first = Math.floor(offset / this.blockSize);
    const last = Math.floor((offset + Math.max(length, 1) - 1) / this.blockSize);
    if (length > this.blockSize * 4) {
      // large reads bypass the cache unless an earlier warm() already holds every block
      for (let i = first; i <= last; i++) if (!this.blocks.has(i)) return this.inner.read(offset, length, signal);
    }
    const parts = await Promise.all(this.span(first, last, size, signal));
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
