/**
 * Parses .smlm / CSV off the UI thread: streamed inflate straight into column arrays, which are
 * then transferred (not copied) to the viewer.
 */
import { BlobSource, BytesSource, type ByteSource } from '../../src/io/byte-source.js';
import { HttpSource } from '../../src/io/http-source.js';
import { loadLocalizations } from '../../src/smlm/load.js';
import { serveWorker, transferred } from '../_shared/worker-rpc.js';

interface ParseRequest {
  url?: string;
  blob?: Blob;
  bytes?: Uint8Array;
  name?: string;
}

serveWorker({
  parse: async ({ url, blob, bytes, name }: ParseRequest, { emit }) => {
    const source: ByteSource = url ? new HttpSource(url, { retries: 2 }) : blob ? new BlobSource(blob, name) : new BytesSource(bytes!, name ?? 'data');
    let last = 0;
    const d = await loadLocalizations(source, {
      // Progressive: table metadata first, then blocks of rows as they are inflated (transferred).
      onTable: (table, index) => emit({ table: { table, index } }),
      onRows: (index, row0, columns, n) => emit({ rows: { index, row0, n, columns } }, columns.map((c) => c.buffer as ArrayBuffer)),
      onProgress: (done, total) => {
        const now = Date.now();
        if (now - last > 100 || done === total) {
          last = now;
          emit({ progress: [done, total] });
        }
      },
    });
    const buffers = new Set<ArrayBuffer>();
    for (const t of d.tables) for (const c of t.columns) buffers.add(c.data.buffer as ArrayBuffer);
    const { thumbnail: _t, ...manifest } = d.manifest;
    return transferred({ manifest, tables: d.tables, streamed: d.streamed }, [...buffers]);
  },
});
