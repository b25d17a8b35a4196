/**
 * The converter's passes (passes.ts) over records in files, as tasks a worker thread
 * (worker-node.ts) or the main thread runs: records read block by block with positioned reads,
 * pass 3's records written into octree.bin with positioned writes.
 */
import fs from 'node:fs';
import type { TableLayout } from '../smlm/layout.js';
import { runPass, type Pass, type PassResult } from './passes.js';

/** A table's records: `rows` records of `layout.stride` bytes at `offset` of `file`. */
export interface RecordFile {
  name: string;
  file: string;
  offset: number;
  rows: number;
  layout: TableLayout;
}

/** A pass, with the files it reads and (pass 3) writes: all a worker thread needs. */
export type Task = Pass & { tables: RecordFile[]; out?: string };

export function runTask(task: Task, progress?: (rows: number) => void): PassResult {
  const fds = new Map<string, number>();
  const fdOf = (file: string, flags: string) => {
    let fd = fds.get(file);
    if (fd === undefined) fds.set(file, (fd = fs.openSync(file, flags)));
    return fd;
  };
  try {
    return runPass(
      task,
      {
        tables: task.tables,
        block(t, row, n, buf) {
          const tbl = task.tables[t]!;
          const want = n * tbl.layout.stride;
          const fd = fdOf(tbl.file, 'r');
          for (let got = 0; got < want; ) {
            const k = fs.readSync(fd, buf, got, want - got, tbl.offset + row * tbl.layout.stride + got);
            if (k === 0) throw new Error(`${tbl.name}: the records end early (at row ${row + Math.floor(got / tbl.layout.stride)} of ${tbl.rows})`);
            got += k;
          }
          return buf;
        },
        write(bytes, at) {
          const fd = fdOf(task.out!, 'r+');
          for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done, bytes.length - done, at + done);
        },
      },
      progress,
    );
  } finally {
    for (const fd of fds.values()) fs.closeSync(fd);
  }
}
