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

/**
 * A pass, with the files it reads and (pass 3) writes: all a worker thread needs. `writeLock`
 * (several threads): an Int32Array on shared memory, 0 when free, held by a thread while it writes
 * a task's runs (one per node). ext4 locks a file for each write(), so two threads writing their blocks run by
 * run took turns at every run, each spinning in the kernel while the other copied — and, done at
 * the same moment, computed their next blocks in step and met again (seen: 60–290 ms of
 * rwsem_spin_on_owner per two-thread conversion of 20 M points). Writing whole blocks in turn
 * puts them out of step; they still meet a few times a run (seen: 50–130 ms of waiting in all,
 * ~16 ms a write), which costs little wall time: doing other work instead of waiting made two
 * threads no faster (docs/potree.md, session 11).
 */
export type Task = Pass & { tables: RecordFile[]; out?: string; writeLock?: Int32Array };

/**
 * Takes the write lock, waiting at most `ms`; whether it holds it. The threads write disjoint byte
 * ranges, so the lock only orders their writes: a holder that died (a worker stopped mid-write)
 * or a disk that stalls its writes must not stop the others.
 */
export function takeWriteLock(lock: Int32Array, ms = 1000): boolean {
  const until = performance.now() + ms;
  while (Atomics.compareExchange(lock, 0, 0, 1) !== 0) {
    const left = until - performance.now();
    if (left <= 0) return false;
    Atomics.wait(lock, 0, 1, left);
  }
  return true;
}

export function releaseWriteLock(lock: Int32Array): void {
  Atomics.store(lock, 0, 0);
  Atomics.notify(lock, 0, 1);
}

/**
 * `parts[i]` at byte `at[i]` of the file. A function of its own, not a loop in the task's `write`:
 * that is a new closure per task, and V8 compiled its loop anew and then deoptimized it in each
 * task ("insufficient type feedback", 11 times a two-thread run).
 */
function writeRuns(fd: number, parts: Uint8Array[], at: number[]): void {
  for (let i = 0; i < parts.length; i++) {
    const bytes = parts[i]!;
    for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done, bytes.length - done, at[i]! + done);
  }
}

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
        write(parts, at) {
          const fd = fdOf(task.out!, 'r+');
          const held = task.writeLock && takeWriteLock(task.writeLock);
          try {
            writeRuns(fd, parts, at);
          } finally {
            if (held) releaseWriteLock(task.writeLock!);
          }
        },
      },
      progress,
    );
  } finally {
    for (const fd of fds.values()) fs.closeSync(fd);
  }
}
