import { checkRange, type ByteSource } from './byte-source.js';

/**
 * Wraps a source so that small scattered reads (TIFF IFDs, ZIP headers) are served from aligned
 * blocks: one request per block instead of one per tag. Keeps at most `maxBlocks` blocks (LRU).
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
  private block(index: number, size: number, signal?: AbortSignal): Promise<Uint8Array> {
    let p = this.blocks.get(index);
    if (p) {
      this.blocks.delete(index); // refresh LRU position
    } else {
      const start = index * this.blockSize;
      p = this.inner.read(start, Math.min(this.blockSize, size - start), signal);
      p.catch(() => this.blocks.delete(index));
    }
    this.blocks.set(index, p);
    while (this.blocks.size > this.maxBlocks) this.blocks.delete(this.blocks.keys().next().value!);
    return p;
  }
  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    const size = await this.size();
    checkRange(this.name, size, offset, length);
    if (length > this.blockSize * 4) return this.inner.read(offset, length, signal);
    const first = Math.floor(offset / this.blockSize);
    const last = Math.floor((offset + Math.max(length, 1) - 1) / this.blockSize);
    const parts = await Promise.all(
      Array.from({ length: last - first + 1 }, (_, k) => this.block(first + k, size, signal)),
    );
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
