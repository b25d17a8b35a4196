/**
 * The naive builder `npm run bench -- potree` compares with: the whole table in memory as columns,
 * the octree built by recursive partitioning of row lists (what imjoy-share did before its
 * out-of-core converter, src/potree/convert-node.ts), same sampling; every point goes to exactly one node.
 *
 * Level of detail preserves density: level L is a uniform random sample of ALL the points — row
 * `i` sits at the first level whose threshold `t_L = min(1, nodePoints · growth^L / N)` exceeds
 * `hash(i) / 2³²`, in the node of that level that contains it. The sample ignores position and every
 * attribute, so each channel's share of every level equals its share of the data, and a dense
 * cluster stays as dense at coarse levels as it is in the data — in SMLM the density is the
 * signal, and PotreeConverter's Poisson sampling thins dense clusters at coarse levels (a class
 * that is 30 % of the points is 6 % of its root). The price: nodes over dense regions hold more
 * points than nodes over sparse ones, and the tree has the same depth everywhere.
 */

import { hashRow, levelThresholds } from '../src/potree/lod.js';

export type Coord = Float32Array | Float64Array;

export interface OctreeInput {
  x: Coord;
  y: Coord;
  /** Missing for 2D data: every point gets z = 0. */
  z?: Coord;
}

export interface BuildOptions {
  /** Points of the root level (default 20 000); level L holds about nodePoints · growth^L. */
  nodePoints?: number;
  /** How fast levels grow (default 4: a plane of localizations fills 4 of a node's 8 children). */
  growth?: number;
  /** Seed of the sampling hash (default 0): the same seed gives the same octree. */
  seed?: number;
}

interface Box {
  min: [number, number, number];
  max: [number, number, number];
}

export interface OctreeNode {
  /** Potree's name: "r", then one digit 0–7 per level. */
  name: string;
  level: number;
  box: Box;
  /** Children in Potree's child order (bit 2: x ≥ centre, bit 1: y, bit 0: z). */
  children: (OctreeNode | undefined)[];
  /** Rows of the input this node holds, ascending. */
  rows: Uint32Array;
  /** Points in the subtree (this node included). */
  subtreePoints: number;
  /** The share of the data its level holds (the viewer weights blending by it). */
  fraction: number;
}

export interface Octree {
  root: OctreeNode;
  /** The cube around the data (Potree's boundingBox is cubic). */
  cube: Box;
  /** Min and max of the data. */
  extent: Box;
  /** Nodes breadth-first (the order of hierarchy.bin), each level in child order. */
  nodes: OctreeNode[];
  depth: number;
}

/** The data's extent: min and max of x, y, z (z is 0 when missing). */
function extentOf(input: OctreeInput, rows: number): Box {
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  const axes = [input.x, input.y, input.z];
  for (let a = 0; a < 3; a++) {
    const c = axes[a];
    if (!c) {
      min[a] = max[a] = 0;
      continue;
    }
    for (let i = 0; i < rows; i++) {
      const v = c[i];
      // a point without a place cannot go in a box
      if (!Number.isFinite(v)) throw new Error(`row ${i}: ${'xyz'[a]} is ${v}, not a finite coordinate`);
      if (v < min[a]) min[a] = v;
      if (v > max[a]) max[a] = v;
    }
  }
  if (!(min[0] <= max[0]) || !(min[1] <= max[1]) || !(min[2] <= max[2])) throw new Error('no finite x/y/z coordinates');
  return { min, max };
}

/** The cube Potree wants: the extent's minimum and its largest side. */
function cubeOf(extent: Box): Box {
  const { min, max } = extent;
  const size = Math.max(max[0] - min[0], max[1] - min[1], max[2] - min[2]) || 1;
  return { min: [...min], max: [min[0] + size, min[1] + size, min[2] + size] };
}

const childBox = (b: Box, k: number): Box => {
  const c = b.min.map((v, a) => (v + b.max[a]) / 2) as [number, number, number];
  const bit = [4, 2, 1];
  return {
    min: b.min.map((v, a) => (k & bit[a] ? c[a] : v)) as [number, number, number],
    max: b.max.map((v, a) => (k & bit[a] ? v : c[a])) as [number, number, number],
  };
};

export function buildOctree(input: OctreeInput, rows: number, opts: BuildOptions = {}): Octree {
  const seed = opts.seed ?? 0;
  for (const [k, c] of Object.entries(input)) {
    if (c && c.length < rows) throw new Error(`column ${k} has ${c.length} values, fewer than the ${rows} rows`);
  }
  const extent = extentOf(input, rows);
  const cube = cubeOf(extent);
  const t = levelThresholds(rows, opts.nodePoints ?? 20_000, opts.growth ?? 4);
  const limits = t.map((v) => v * 4294967296);
  const depth = t.length - 1;
  const { x, y } = input;
  const z = input.z;
  const all = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) all[i] = i;

  // each node keeps the rows of its level, its children share the rest by position
  const make = (name: string, level: number, box: Box, members: Uint32Array): OctreeNode => {
    const node: OctreeNode = { name, level, box, children: new Array(8).fill(undefined), rows: members, subtreePoints: members.length, fraction: t[level] - (level ? t[level - 1] : 0) };
    if (level === depth) return node;
    const cx = (box.min[0] + box.max[0]) / 2;
    const cy = (box.min[1] + box.max[1]) / 2;
    const cz = (box.min[2] + box.max[2]) / 2;
    const which = new Uint8Array(members.length);
    const counts = new Uint32Array(9); // 8 = stays here
    for (let k = 0; k < members.length; k++) {
      const i = members[k];
      const w = hashRow(i, seed) < limits[level] ? 8 : (x[i] >= cx ? 4 : 0) | (y[i] >= cy ? 2 : 0) | ((z ? z[i] : 0) >= cz ? 1 : 0);
      which[k] = w;
      counts[w]++;
    }
    const parts = Array.from(counts, (n) => new Uint32Array(n));
    const fill = new Uint32Array(9);
    for (let k = 0; k < members.length; k++) parts[which[k]][fill[which[k]]++] = members[k];
    node.rows = parts[8];
    for (let c = 0; c < 8; c++) if (counts[c]) node.children[c] = make(name + c, level + 1, childBox(box, c), parts[c]);
    return node;
  };
  const root = make('r', 0, cube, all);

  // breadth-first order, each level in child order (nodes a level left empty keep their children)
  const nodes: OctreeNode[] = [];
  let deepest = 0;
  for (let q = [root]; q.length; ) {
    nodes.push(...q);
    deepest = Math.max(deepest, q[0].level);
    q = q.flatMap((n) => n.children.filter((c): c is OctreeNode => !!c));
  }
  return { root, cube, extent, nodes, depth: deepest };
}
