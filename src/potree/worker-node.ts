/**
 * A worker thread of `potree convert --threads N` (convert-node.ts): for each pass it is sent what
 * the pass's tasks share and each task's own part, and runs the tasks it takes from the shared
 * counter (tasks-node.ts).
 */
import { parentPort } from 'node:worker_threads';
import { runTask, type Task } from './tasks-node.js';

interface PassMessage {
  shared: Partial<Task>;
  own: Partial<Task>[];
  counter: Int32Array;
}

parentPort!.on('message', ({ shared, own, counter }: PassMessage) => {
  try {
    for (let k: number; (k = Atomics.add(counter, 0, 1)) < own.length; ) {
      // progress a million rows at a time: a message per block would be thousands a pass
      let rows = 0;
      const result = runTask({ ...shared, ...own[k] } as Task, (n) => {
        if ((rows += n) >= 1 << 20) parentPort!.postMessage({ progress: rows }), (rows = 0);
      });
      parentPort!.postMessage({ progress: rows, k, result });
    }
    parentPort!.postMessage({ done: true });
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).message });
  }
});
