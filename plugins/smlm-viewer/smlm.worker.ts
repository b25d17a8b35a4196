/**
 * Parses .smlm / CSV off the UI thread: streamed inflate straight into column arrays, which are
 * then transferred (not copied) to the viewer.
 */
import { BlobSource, BytesSource, type ByteSource } from '../../src/io/byte-source.js';
import { HttpSource } from '../../src/io/http-source.js';
import { loadLocalizations } from '../../src/smlm/load.js';

export interface WorkerRequest {
  id: number;
  url?: string;
  blob?: Blob;
  bytes?: Uint8Array;
  name?: string;
}

declare const self: { onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null; postMessage(m: unknown, transfer?: Transferable[]): void };

self.onmessage = async (e) => {
  const { id, url, blob, bytes, name } = e.data;
  try {
    const source: ByteSource = url ? new HttpSource(url, { retries: 2 }) : blob ? new BlobSource(blob, name) : new BytesSource(bytes!, name ?? 'data');
    let last = 0;
    const d = await loadLocalizations(source, {
      // Progressive: table metadata first, then blocks of rows as they are inflated (transferred).
      onTable: (table, index) => self.postMessage({ id, table: { table, index } }),
      onRows: (index, row0, columns, n) =>
        self.postMessage({ id, rows: { index, row0, n, columns } }, columns.map((c) => c.buffer as ArrayBuffer)),
      onProgress: (done, total) => {
        const now = Date.now();
        if (now - last > 100 || done === total) {
          last = now;
          self.postMessage({ id, progress: [done, total] });
        }
      },
    });
    const buffers = new Set<ArrayBuffer>();
    for (const t of d.tables) for (const c of t.columns) buffers.add(c.data.buffer as ArrayBuffer);
    const { thumbnail: _t, ...manifest } = d.manifest;
    self.postMessage({ id, done: { manifest, tables: d.tables, streamed: d.streamed } }, [...buffers]);
  } catch (err) {
    self.postMessage({ id, error: String((err as Error)?.message ?? err) });
  }
};
