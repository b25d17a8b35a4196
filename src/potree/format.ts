/**
 * Potree 2.0, DEFAULT encoding (PotreeConverter 2's `metadata.json` + `hierarchy.bin` +
 * `octree.bin`; no written spec exists — the layout follows PotreeConverter's writer and potree's
 * loader, see docs/potree.md): per node a block of array-of-structs records, int32 positions with
 * scale/offset, then every column in its own type; the hierarchy as one breadth-first chunk of
 * 22-byte records.
 */
import type { Octree, OctreeNode } from './octree.js';

export type ColumnArray = Float32Array | Float64Array | Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Int32Array;

export interface Column {
  name: string;
  data: ColumnArray;
}

const TYPES: [new (n: number) => ColumnArray, string, number][] = [
  [Float32Array, 'float', 4], [Float64Array, 'double', 8], [Uint8Array, 'uint8', 1], [Uint16Array, 'uint16', 2],
  [Uint32Array, 'uint32', 4], [Int8Array, 'int8', 1], [Int16Array, 'int16', 2], [Int32Array, 'int32', 4],
];

export function potreeType(a: ColumnArray): { type: string; size: number } {
  for (const [C, type, size] of TYPES) if (a instanceof C) return { type, size };
  throw new Error('unsupported column type');
}

export interface PotreeAttribute {
  name: string;
  description: string;
  size: number;
  numElements: number;
  elementSize: number;
  type: string;
  min: number[];
  max: number[];
  scale: number[];
  offset: number[];
}

export interface Quantization {
  scale: [number, number, number];
  offset: [number, number, number];
}

/**
 * Scale and offset of the int32 positions: a power of ten no coarser than `resolution` (a hundredth
 * of a nanometre by default — far below any localization precision) unless the extent needs more
 * range, with the cube's minimum as offset.
 */
export function quantization(tree: Octree, resolution = 0.01): Quantization {
  const size = tree.cube.max[0] - tree.cube.min[0];
  let s = resolution;
  while (size / s > 2 ** 30) s *= 10;
  return { scale: [s, s, s], offset: [...tree.cube.min] };
}

const RECORD = 22;

/** hierarchy.bin as one chunk: type (0 inner, 1 leaf), child mask, points, byte offset and size. */
export function hierarchyBytes(tree: Octree, bytesPerPoint: number): { bytes: Uint8Array; offsets: Map<OctreeNode, number> } {
  const bytes = new Uint8Array(tree.nodes.length * RECORD);
  const dv = new DataView(bytes.buffer);
  const offsets = new Map<OctreeNode, number>();
  let at = 0;
  tree.nodes.forEach((n, k) => {
    const mask = n.children.reduce((m, c, i) => (c ? m | (1 << i) : m), 0);
    const o = k * RECORD;
    dv.setUint8(o, mask ? 0 : 1);
    dv.setUint8(o + 1, mask);
    dv.setUint32(o + 2, n.rows.length, true);
    dv.setBigUint64(o + 6, BigInt(at), true);
    dv.setBigUint64(o + 14, BigInt(n.rows.length * bytesPerPoint), true);
    offsets.set(n, at);
    at += n.rows.length * bytesPerPoint;
  });
  return { bytes, offsets };
}

/** The records of one node: position (int32 × 3), then each column in its type, little-endian. */
export function nodeBytes(node: OctreeNode, xyz: [ArrayLike<number>, ArrayLike<number>, ArrayLike<number> | undefined], q: Quantization, columns: Column[]): Uint8Array {
  const sizes = columns.map((c) => potreeType(c.data).size);
  const stride = 12 + sizes.reduce((a, b) => a + b, 0);
  const out = new Uint8Array(node.rows.length * stride);
  const dv = new DataView(out.buffer);
  const view = new Uint8Array(out.buffer);
  node.rows.forEach((i, k) => {
    let o = k * stride;
    for (let a = 0; a < 3; a++) {
      const v = xyz[a] ? xyz[a]![i] : 0;
      dv.setInt32(o, Math.round((v - q.offset[a]) / q.scale[a]), true);
      o += 4;
    }
    columns.forEach((c, j) => {
      // the column's own bytes: every value exactly as given (typed arrays are little-endian here)
      const s = sizes[j];
      view.set(new Uint8Array(c.data.buffer, c.data.byteOffset + i * s, s), o);
      o += s;
    });
  });
  return out;
}

function range(a: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 0];
}

export function metadata(tree: Octree, q: Quantization, columns: Column[], opts: { name: string; points: number; hierarchyBytes: number; description?: string }) {
  const box = tree.cube;
  const ext = tree.extent;
  const attributes: PotreeAttribute[] = [
    {
      name: 'position', description: '', size: 12, numElements: 3, elementSize: 4, type: 'int32',
      // the data's extent, in world units (the bounding box below is the cube around it)
      min: [...ext.min], max: [...ext.max], scale: [1, 1, 1], offset: [0, 0, 0],
    },
    ...columns.map((c): PotreeAttribute => {
      const { type, size } = potreeType(c.data);
      const [lo, hi] = range(c.data);
      return { name: c.name, description: '', size, numElements: 1, elementSize: size, type, min: [lo], max: [hi], scale: [1], offset: [0] };
    }),
  ];
  return {
    version: '2.0',
    name: opts.name,
    description: opts.description ?? '',
    points: opts.points,
    projection: '',
    hierarchy: { firstChunkSize: opts.hierarchyBytes, stepSize: tree.depth + 1, depth: tree.depth },
    offset: q.offset,
    scale: q.scale,
    // PotreeConverter's base spacing: the cube's size over 128
    spacing: (box.max[0] - box.min[0]) / 128,
    boundingBox: { min: box.min, max: box.max },
    encoding: 'DEFAULT',
    attributes,
  };
}
