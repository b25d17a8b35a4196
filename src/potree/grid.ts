/**
 * The octree's cells as integer grids, one per level: the cube around the data split 2^L times
 * per axis at level L, restricted to the cells the data's extent touches. A point's cell at every
 * level follows from its cell at the deepest level by shifting, so levels nest exactly.
 */

export type Vec3 = [number, number, number];

export interface Box {
  min: Vec3;
  max: Vec3;
}

export interface Grid {
  /** The cube (Potree's bounding box): the extent's minimum and its largest side. */
  cube: Box;
  extent: Box;
  /** Deepest level. */
  depth: number;
  /** Cells per axis at each level (only those the extent reaches). */
  dims: Vec3[];
  /** Cells of each level (product of dims). */
  cells: number[];
}

export function gridOf(extent: Box, depth: number): Grid {
  const size = Math.max(extent.max[0] - extent.min[0], extent.max[1] - extent.min[1], extent.max[2] - extent.min[2]) || 1;
  const cube: Box = { min: [...extent.min], max: extent.min.map((v) => v + size) as Vec3 };
  const top = deepestCell(extent.max, cube, depth);
  const dims: Vec3[] = [];
  for (let L = 0; L <= depth; L++) dims.push(top.map((g) => (g >> (depth - L)) + 1) as Vec3);
  return { cube, extent, depth, dims, cells: dims.map((d) => d[0] * d[1] * d[2]) };
}

/** The cell at the deepest level holding point p (a point on a cell border belongs to the upper cell). */
function deepestCell(p: ArrayLike<number>, cube: Box, depth: number): Vec3 {
  const n = 2 ** depth;
  const k = n / (cube.max[0] - cube.min[0]);
  return [0, 1, 2].map((a) => Math.min(n - 1, Math.max(0, Math.floor((p[a]! - cube.min[a]) * k)))) as Vec3;
}

/** Morton code of a cell (x the most significant bit of each triple, as Potree's child index). */
export function morton(c: Vec3, level: number): number {
  let m = 0;
  for (let b = level - 1; b >= 0; b--) m = m * 8 + (((c[0] >> b) & 1) << 2) + (((c[1] >> b) & 1) << 1) + ((c[2] >> b) & 1);
  return m;
}

/**
 * A map from a level's cell index to a number: a dense array where the level is small enough, else
 * a Map. Every table gets both fields, in the same order, from the one constructor: the kernels'
 * per-row `get`/`add` then see one hidden class, where tables made two ways had deoptimized them
 * (traced with --trace-deopt: "wrong map", a recompile each time).
 */
export class CellTable {
  readonly dense: Float64Array | undefined;
  readonly map: Map<number, number> | undefined;
  constructor(cells: number, denseLimit: number, held?: { dense?: Float64Array; map?: Map<number, number> }) {
    if (held) {
      this.dense = held.dense;
      this.map = held.dense ? undefined : held.map;
    } else {
      this.dense = cells <= denseLimit ? new Float64Array(cells) : undefined;
      this.map = this.dense ? undefined : new Map();
    }
  }
  /** A table sent to another thread (structured clone keeps its arrays and Map, not its class). */
  static from(x: { dense?: Float64Array; map?: Map<number, number> }): CellTable {
    return new CellTable(0, 0, x);
  }
  add(cell: number, v: number): void {
    if (this.dense) this.dense[cell] += v;
    else this.map!.set(cell, (this.map!.get(cell) ?? 0) + v);
  }
  get(cell: number): number {
    return this.dense ? this.dense[cell]! : (this.map!.get(cell) ?? 0);
  }
  set(cell: number, v: number): void {
    if (this.dense) this.dense[cell] = v;
    else this.map!.set(cell, v);
  }
  /** The cells holding a non-zero value and their values, in typed arrays (what a thread sends back). */
  nonZero(): { cells: Float64Array; values: Float64Array } {
    let n = 0;
    if (this.dense) for (const v of this.dense) n += v !== 0 ? 1 : 0;
    else n = this.map!.size;
    const cells = new Float64Array(n);
    const values = new Float64Array(n);
    let i = 0;
    this.forEach((c, v) => ((cells[i] = c), (values[i++] = v)));
    return { cells: cells.subarray(0, i), values: values.subarray(0, i) };
  }
  /** Calls f for every cell holding a non-zero value. */
  forEach(f: (cell: number, v: number) => void): void {
    if (this.dense) {
      const d = this.dense;
      for (let i = 0; i < d.length; i++) if (d[i] !== 0) f(i, d[i]!);
    } else for (const [k, v] of this.map!) if (v !== 0) f(k, v);
  }
}
