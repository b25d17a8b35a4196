/**
 * The octree's nodes from the points counted per level and cell: every cell holding points and
 * every ancestor of one, in Potree's breadth-first order (level by level, each level in Morton
 * order, which is its parents' order then child index), with child masks and byte ranges of
 * octree.bin.
 */
import { CellTable, type Grid, morton, type Vec3 } from './grid.js';

export interface NodeList {
  /** Per node, in breadth-first order. */
  level: Uint8Array;
  points: Float64Array;
  /** The node's cell at its level. */
  cell: Float64Array;
  mask: Uint8Array;
  /** Byte offset of the node's records in octree.bin. */
  offset: Float64Array;
  /** Each level's cells → node number. */
  index: CellTable[];
  /** The first node of each level, and one past the last. */
  levelStart: number[];
}

const cellOf = (cell: number, d: Vec3): Vec3 => [Math.floor(cell / (d[1] * d[2])), Math.floor(cell / d[2]) % d[1], cell % d[2]];

export function listNodes(grid: Grid, counts: CellTable[], stride: number, denseLimit: number): NodeList {
  const D = grid.depth;
  // cells of each level: those with points and the parents of the level below
  const perLevel: Map<number, number>[] = [];
  for (let L = D; L >= 0; L--) {
    const m = new Map<number, number>();
    counts[L]!.forEach((c, n) => m.set(c, n));
    if (L < D) {
      const d = grid.dims[L + 1]!;
      const p = grid.dims[L]!;
      for (const c of perLevel[L + 1]!.keys()) {
        const [x, y, z] = cellOf(c, d);
        const parent = ((x >> 1) * p[1] + (y >> 1)) * p[2] + (z >> 1);
        if (!m.has(parent)) m.set(parent, 0);
      }
    }
    perLevel[L] = m;
  }
  const total = perLevel.reduce((a, m) => a + m.size, 0);
  const level = new Uint8Array(total);
  const points = new Float64Array(total);
  const cell = new Float64Array(total);
  const mask = new Uint8Array(total);
  const offset = new Float64Array(total);
  const index: CellTable[] = [];
  const levelStart: number[] = [];
  let k = 0;
  let byte = 0;
  let parents: Map<number, number> | undefined; // Morton code → node, of the level above
  for (let L = 0; L <= D; L++) {
    const d = grid.dims[L]!;
    const cells = [...perLevel[L]!.keys()].map((c) => ({ c, m: morton(cellOf(c, d), L) })).sort((a, b) => a.m - b.m);
    const table = new CellTable(grid.cells[L]!, denseLimit);
    const mine = new Map<number, number>();
    levelStart.push(k);
    for (const { c, m } of cells) {
      level[k] = L;
      points[k] = perLevel[L]!.get(c)!;
      cell[k] = c;
      offset[k] = byte;
      byte += points[k]! * stride;
      table.set(c, k);
      mine.set(m, k);
      if (parents) mask[parents.get(Math.floor(m / 8))!] |= 1 << m % 8;
      k++;
    }
    index.push(table);
    parents = mine;
  }
  levelStart.push(k);
  return { level, points, cell, mask, offset, index, levelStart };
}

const RECORD = 22;

/** hierarchy.bin as one chunk: type (0 inner, 1 leaf), child mask, points, byte offset and size. */
export function hierarchyOf(nodes: NodeList, stride: number): Uint8Array {
  const n = nodes.level.length;
  const bytes = new Uint8Array(n * RECORD);
  const dv = new DataView(bytes.buffer);
  for (let k = 0; k < n; k++) {
    const o = k * RECORD;
    dv.setUint8(o, nodes.mask[k] ? 0 : 1);
    dv.setUint8(o + 1, nodes.mask[k]!);
    dv.setUint32(o + 2, nodes.points[k]!, true);
    dv.setBigUint64(o + 6, BigInt(nodes.offset[k]!), true);
    dv.setBigUint64(o + 14, BigInt(nodes.points[k]! * stride), true);
  }
  return bytes;
}
