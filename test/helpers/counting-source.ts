import type { ByteSource } from '../../src/io/byte-source.js';

/** Wraps a source and records every read, so tests can assert how lazy or coalesced a reader is. */
export class CountingSource implements ByteSource {
  reads: [number, number][] = [];
  constructor(readonly inner: ByteSource) {}
  get name() {
    return this.inner.name;
  }
  size() {
    return this.inner.size();
  }
  read(o: number, l: number, signal?: AbortSignal) {
    this.reads.push([o, l]);
    return this.inner.read(o, l, signal);
  }
}
