/** A worker thread of `potree convert --threads N`: runs the tasks it is sent (tasks-node.ts). */
import { parentPort } from 'node:worker_threads';
import { runTask, type Task } from './tasks-node.js';

parentPort!.on('message', (task: Task) => {
  try {
    const result = runTask(task, (rows) => parentPort!.postMessage({ progress: rows }));
    parentPort!.postMessage({ result });
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).message });
  }
});
