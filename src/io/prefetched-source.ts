import { checkRange, type ByteRange, type ByteSource, type ReadManyOptions } from './byte-source.js';

/** Bytes of a source already at hand, and where they start in it. */
export interface Window {
  offset: number;
  bytes: Uint8Array;
}

/**
 * A source some windows of whose bytes are already here — e.g. the head and the tail of an archive,
 * read before anything else: reads inside a window are answered from it, the rest go to the inner
 * source. Opening a single-file octree this way reads its directory, metadata, top of hierarchy and
 * (when the octree comes first) its root node with two requests.
 */
export class PrefetchedSource implements ByteSource {
  constructor(
    readonly inner: ByteSource,
    private readonly windows: Window[],
    private readonly total: number,
  ) {}

  get name() {
    return this.inner.name;
  }

  async size(): Promise<number> {
    return this.total;
  }

  private inside(offset: number, length: number): Uint8Array | undefined {
    for (const w of this.windows) {
      const at = offset - w.offset;
      if (at >= 0 && at + length <= w.bytes.length) return w.bytes.subarray(at, at + length);
    }
    return undefined;
  }

  async read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    checkRange(this.name, this.total, offset, length);
    return this.inside(offset, length) ?? this.inner.read(offset, length, signal);
  }

  async readMany(ranges: readonly ByteRange[], opts: ReadManyOptions = {}): Promise<Uint8Array[]> {
    const out: Uint8Array[] = new Array(ranges.length);
    const rest: number[] = [];
    const lengthOf = (r: ByteRange) => (opts.clip ? Math.max(0, Math.min(r.length, this.total - r.offset)) : r.length);
    ranges.forEach((r, i) => {
      if (!opts.clip) checkRange(this.name, this.total, r.offset, r.length);
      const here = this.inside(r.offset, lengthOf(r));
      if (here) {
        out[i] = here;
        opts.onRange?.(i, here);
      } else rest.push(i);
    });
    if (rest.length) {
      const rs = rest.map((i) => ranges[i]!);
      const got = this.inner.readMany
        ? await this.inner.readMany(rs, { ...opts, onRange: opts.onRange && ((k, b) => opts.onRange!(rest[k]!, b)) })
        : await Promise.all(rs.map((r) => this.inner.read(r.offset, lengthOf(r), opts.signal)));
      rest.forEach((i, k) => {
        out[i] = got[k]!;
        if (!this.inner.readMany) opts.onRange?.(i, got[k]!);
      });
    }
    return out;
  }
}
