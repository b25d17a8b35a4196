import path from 'node:path';
import { simulateFilaments } from './smlm.js';
import type { SmlmTable } from '../smlm/types.js';
import { convertTables } from '../potree/convert-node.js';

/**
 * The deck's octree: 3D filaments with more localizations than the SMLM slide's (two channels,
 * 720 k), written as a Potree 2.0 folder `filaments/` — what `potree convert` makes of a big file.
 */
export async function generatePotreeDemo(dir: string, log: (m: string) => void = () => {}): Promise<void> {
  const inputs = [
    simulateFilaments({ seed: 21, filaments: 40, perFilament: 12000, fieldNm: 40000 }, 'microtubules', true),
    simulateFilaments({ seed: 23, filaments: 60, perFilament: 4000, fieldNm: 40000 }, 'actin', true),
  ];
  const tables = inputs.map((t) => ({ name: t.name, channel: t.channel, rows: t.columns[0].data.length, columns: t.columns.map((c) => ({ name: c.name, shape: [1], data: c.data })) }) as unknown as SmlmTable);
  const r = await convertTables(tables, path.join(dir, 'filaments'), { name: 'filaments', threads: 1 });
  log(`demo: potree filaments/ ${r.points} points in ${r.nodes} nodes (depth ${r.depth}), ${(r.bytes / 1e6).toFixed(1)} MB`);
}
