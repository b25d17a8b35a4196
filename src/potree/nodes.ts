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
  /** The node's Morton code at its level (its parent's is this over 8, its child index this mod 8). */
  morton: Float64Array;
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
  const mortons = new Float64Array(total);
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
      mortons[k] = m;
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
  return { level, points, cell, morton: mortons, mask, offset, index, levelStart };
}

/** Bytes of a hierarchy record: type, child mask, points, byte offset, byte size. */
export const RECORD = 22;
/** Nodes up to which the hierarchy is one chunk: 1.1 MB, read at once. */
const ONE_CHUNK_NODES = 50_000;
/** Levels per hierarchy chunk beyond that, as PotreeConverter writes them. */
const DEFAULT_STEP = 4;

export interface Hierarchy {
  bytes: Uint8Array;
  /** Bytes of the first chunk (the root's), at the start. */
  firstChunkSize: number;
  /** Levels per chunk (the depth + 1 for one chunk). */
  stepSize: number;
}

/**
 * hierarchy.bin: 22-byte records — type (0 inner, 1 leaf, 2 proxy), child mask, points, byte offset
 * and size — in chunks of `step` levels, each breadth-first from its root. A chunk's last level are
 * proxies: their offset and size are those of the chunk they root, whose first record is the node
 * itself with its points' place. So a viewer reads the top of the tree first and each deeper chunk
 * only when it reaches it — at 10⁹ points the hierarchy is megabytes. Without `step`, one chunk up
 * to ONE_CHUNK_NODES nodes, else DEFAULT_STEP levels per chunk.
 */
export function hierarchyOf(nodes: NodeList, stride: number, step?: number): Hierarchy {
  const n = nodes.level.length;
  const depth = nodes.levelStart.length - 2;
  const S = step ?? (n <= ONE_CHUNK_NODES ? depth + 1 : DEFAULT_STEP);
  if (!Number.isSafeInteger(S) || S < 1) throw new Error(`hierarchy step must be a positive integer, not ${S}`);
  // each node's chunk: its ancestor's at the last multiple of S above it; a node at a multiple of
  // S (but the root) is a proxy in the chunk above and the first record of its own
  const chunkOf = new Map<string, number[]>();
  const order: string[] = [];
  const key = (L: number, m: number) => `${L}:${m}`;
  for (let k = 0; k < n; k++) {
    const L = nodes.level[k]!;
    const m = nodes.morton[k]!;
    const top = L > 0 && L % S === 0 ? L - S : L - (L % S);
    const home = key(top, Math.floor(m / 8 ** (L - top)));
    const own = L % S === 0 ? key(L, m) : undefined;
    for (const c of own === undefined || own === home ? [home] : [home, own]) {
      if (!chunkOf.has(c)) {
        chunkOf.set(c, []);
        order.push(c);
      }
      chunkOf.get(c)!.push(k);
    }
  }
  const at = new Map<string, number>();
  let size = 0;
  for (const c of order) {
    at.set(c, size);
    size += chunkOf.get(c)!.length * RECORD;
  }
  const bytes = new Uint8Array(size);
  const dv = new DataView(bytes.buffer);
  for (const c of order) {
    let o = at.get(c)!;
    const rootLevel = Number(c.slice(0, c.indexOf(':')));
    for (const k of chunkOf.get(c)!) {
      const L = nodes.level[k]!;
      const proxy = L === rootLevel + S;
      const own = proxy ? key(L, nodes.morton[k]!) : '';
      dv.setUint8(o, proxy ? 2 : nodes.mask[k] ? 0 : 1);
      dv.setUint8(o + 1, nodes.mask[k]!);
      dv.setUint32(o + 2, nodes.points[k]!, true);
      dv.setBigUint64(o + 6, BigInt(proxy ? at.get(own)! : nodes.offset[k]!), true);
      dv.setBigUint64(o + 14, BigInt(proxy ? chunkOf.get(own)!.length * RECORD : nodes.points[k]! * stride), true);
      o += RECORD;
    }
  }
  return { bytes, firstChunkSize: chunkOf.get(order[0]!)!.length * RECORD, stepSize: S };
}
