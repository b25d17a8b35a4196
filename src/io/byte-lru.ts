/**
 * A least-recently-used byte cache bounded by total bytes, not entries: chunk sizes differ by
 * orders of magnitude between metadata and image chunks, so an entry count would bound nothing.
 * It satisfies zarrita's `ByteCache` (has/get/set), so it plugs into `zarr.withByteCaching`.
 */
export class ByteLru {
  private map = new Map<string, Uint8Array | undefined>();
  private used = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {
    if (!(maxBytes >= 0)) throw new Error(`ByteLru: maxBytes must be ≥ 0, got ${maxBytes}`);
  }

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.map.size;
  }

  has(key: string): boolean {
    const yes = this.map.has(key);
    if (yes) this.hits++;
    else this.misses++;
    return yes;
  }

  get(key: string): Uint8Array | undefined {
    const v = this.map.get(key);
    if (v === undefined && !this.map.has(key)) return undefined;
    // Re-insert so Map iteration order (oldest first) doubles as recency order.
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  set(key: string, value: Uint8Array | undefined): void {
    const size = value?.byteLength ?? 0;
    if (this.map.has(key)) {
      this.used -= this.map.get(key)?.byteLength ?? 0;
      this.map.delete(key);
    }
    // An entry larger than the whole budget would evict everything and then itself.
    if (size > this.maxBytes) return;
    this.map.set(key, value);
    this.used += size;
    for (const [k, v] of this.map) {
      if (this.used <= this.maxBytes) break;
      this.map.delete(k);
      this.used -= v?.byteLength ?? 0;
    }
  }

  clear(): void {
    this.map.clear();
    this.used = 0;
  }
}
