/**
 * Converts localization tables to a Potree octree off the UI thread (src/potree/convert-memory.ts,
 * the same passes and bytes as `imjoy-share potree convert`); the three files are transferred back.
 */
import { convertInMemory } from '../../src/potree/convert-memory.js';
import type { SmlmTable } from '../../src/smlm/types.js';
import { serveWorker, transferred } from '../_shared/worker-rpc.js';

serveWorker({
  convert: async ({ tables, name }: { tables: SmlmTable[]; name: string }) => {
    const { files, summary } = await convertInMemory(tables, { name });
    return transferred({ files, summary }, Object.values(files).map((b) => b.buffer as ArrayBuffer));
  },
});
