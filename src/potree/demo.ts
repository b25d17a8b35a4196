import path from 'node:path';
import { simulateFilaments } from '../smlm/demo.js';
import { writePotree } from './convert-node.js';
import type { Column } from './format.js';

/**
 * The deck's octree: 3D filaments with more localizations than the SMLM slide's (two channels,
 * ~700 k), written as a Potree 2.0 folder `filaments/` — what `potree convert` makes of a big file.
 */
export async function generatePotreeDemo(dir: string, log: (m: string) => void = () => {}): Promise<void> {
  const tables = [
    simulateFilaments({ seed: 21, filaments: 40, perFilament: 12000, fieldNm: 40000 }, 'microtubules', true),
    simulateFilaments({ seed: 23, filaments: 60, perFilament: 4000, fieldNm: 40000 }, 'actin', true),
  ];
  const names = tables[0].columns.map((c) => c.name);
  const rows = tables.reduce((a, t) => a + t.columns[0].data.length, 0);
  const columns: Column[] = names.map((name) => {
    const first = tables[0].columns.find((c) => c.name === name)!.data as Column['data'];
    const out = new (first.constructor as new (n: number) => Column['data'])(rows);
    let at = 0;
    for (const t of tables) {
      const d = t.columns.find((c) => c.name === name)!.data as Column['data'];
      (out as Float32Array).set(d as Float32Array, at);
      at += d.length;
    }
    return { name, data: out };
  });
  const channel = new Uint8Array(rows);
  channel.fill(1, tables[0].columns[0].data.length);
  columns.push({ name: 'channel', data: channel });
  const r = writePotree(path.join(dir, 'filaments'), columns, rows, { name: 'filaments', description: 'channels: microtubules, actin' });
  log(`demo: potree filaments/ ${r.points} points in ${r.nodes} nodes (depth ${r.depth}), ${(r.bytes / 1e6).toFixed(1)} MB`);
}
