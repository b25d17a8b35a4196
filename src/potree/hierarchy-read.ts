/**
 * Reads a Potree 2.0 hierarchy.bin as potree's loader does — breadth-first chunks of 22-byte records
 * (type, child mask, points, byte offset, byte size), proxies (type 2) leading to the chunks below —
 * and checks it against the octree it describes: every record inside its chunk, every chunk inside
 * hierarchy.bin and read once, every node's bytes inside octree.bin and equal to its points' records.
 * For `potree info`, which thereby validates an octree, and for the fuzzer behind it.
 */
import { RECORD } from './nodes.js';

/** Potree's node names grow by a digit per level; nothing real is this deep. */
const MAX_DEPTH = 40;

export interface HierarchySummary {
  nodes: number;
  /** Points of all nodes. */
  points: number;
  /** Deepest level (the root is 0). */
  depth: number;
  chunks: number;
}

export interface HierarchyInput {
  /** Bytes [offset, offset + size) of hierarchy.bin. */
  read(offset: number, size: number): Promise<Uint8Array>;
  hierarchySize: number;
  firstChunkSize: number;
  octreeSize: number;
  /** Bytes of one point's record (the attributes' sizes). */
  recordSize: number;
  /** Named in errors. */
  where: string;
}

export async function readHierarchy(h: HierarchyInput): Promise<HierarchySummary> {
  const fail = (why: string): never => {
    throw new Error(`${h.where}: ${why}`);
  };
  if (!(h.recordSize > 0)) fail('its attributes have no size');
  const sum: HierarchySummary = { nodes: 0, points: 0, depth: 0, chunks: 0 };
  const seen = new Set<number>();
  // chunks to read: where, and the level of the node they begin with
  const todo: { offset: number; size: number; level: number; points?: number }[] = [{ offset: 0, size: h.firstChunkSize, level: 0 }];
  while (todo.length) {
    const c = todo.pop()!;
    if (!Number.isSafeInteger(c.offset) || !Number.isSafeInteger(c.size) || c.size < RECORD || c.size % RECORD || c.offset + c.size > h.hierarchySize) {
      fail(`a hierarchy chunk of ${c.size} bytes at ${c.offset} does not fit hierarchy.bin (${h.hierarchySize} bytes in 22-byte records)`);
    }
    if (seen.has(c.offset)) fail(`the hierarchy chunk at ${c.offset} is reached twice (a proxy loop)`);
    seen.add(c.offset);
    sum.chunks++;
    const bytes = await h.read(c.offset, c.size);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = c.size / RECORD;
    // breadth-first: record i is the i-th node reached from the chunk's first through child masks
    const levels = [c.level];
    for (let i = 0; i < n; i++) {
      const o = i * RECORD;
      if (i >= levels.length) fail(`hierarchy chunk at ${c.offset}: record ${i} is no node's child (the child masks account for ${levels.length} records)`);
      const level = levels[i]!;
      const type = dv.getUint8(o);
      const mask = dv.getUint8(o + 1);
      const points = dv.getUint32(o + 2, true);
      const offset = Number(dv.getBigUint64(o + 6, true));
      const size = Number(dv.getBigUint64(o + 14, true));
      if (type > 2) fail(`hierarchy chunk at ${c.offset}: record ${i} has type ${type} (0 inner, 1 leaf, 2 proxy)`);
      if (type === 2) {
        if (i === 0) fail(`hierarchy chunk at ${c.offset} begins with a proxy`);
        todo.push({ offset, size, level, points });
        continue;
      }
      if (i === 0 && c.points !== undefined && c.points !== points) fail(`hierarchy chunk at ${c.offset}: its node has ${points} points, its proxy said ${c.points}`);
      if (level > MAX_DEPTH) fail(`the hierarchy is deeper than ${MAX_DEPTH} levels`);
      if (size !== points * h.recordSize) fail(`a node at level ${level} has ${points} points but ${size} bytes (records of ${h.recordSize} bytes)`);
      if (!Number.isSafeInteger(offset) || offset + size > h.octreeSize) fail(`a node at level ${level} lies at bytes ${offset}..${offset + size}, beyond octree.bin (${h.octreeSize} bytes)`);
      if (type === 1 && mask) fail(`hierarchy chunk at ${c.offset}: record ${i} is a leaf with children`);
      for (let b = 0; b < 8; b++) if (mask & (1 << b)) levels.push(level + 1);
      sum.nodes++;
      sum.points += points;
      sum.depth = Math.max(sum.depth, level);
    }
    if (levels.length !== n) fail(`hierarchy chunk at ${c.offset}: the child masks name ${levels.length} nodes, the chunk holds ${n}`);
  }
  return sum;
}
