/**
 * Potree 2.0, DEFAULT encoding (PotreeConverter 2's `metadata.json` + `hierarchy.bin` +
 * `octree.bin`; no written spec exists — the layout follows PotreeConverter's writer and potree's
 * loader, see docs/potree.md): per node a block of array-of-structs records, int32 positions with
 * scale/offset, then every column in its own type; the hierarchy as one breadth-first chunk of
 * 22-byte records.
 */
import type { SmlmDType } from '../smlm/types.js';
import type { Box } from './grid.js';

const POTREE_TYPE: Record<SmlmDType, string> = { float32: 'float', float64: 'double', uint8: 'uint8', uint16: 'uint16', uint32: 'uint32' };
const SIZE: Record<SmlmDType, number> = { float32: 4, float64: 8, uint8: 1, uint16: 2, uint32: 4 };

/** A column of the output, with its range over the data (NaN skipped). */
export interface AttributeStats {
  name: string;
  dtype: SmlmDType;
  min: number;
  max: number;
  /** One-byte attributes: rows per value, 256 bins (PotreeConverter writes them for these). */
  histogram?: number[];
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
/**
 * int32 positions: the power-of-ten scale of the data's own precision (`resolution`: a float32
 * coordinate near 40 000 nm holds about 0.004 nm, one in µm about 4 pm), coarser only when the
 * extent would overflow int32.
 */
export function quantization(cube: Box, resolution: number): Quantization {
  const size = cube.max[0] - cube.min[0];
  let s = 10 ** Math.floor(Math.log10(resolution > 0 && Number.isFinite(resolution) ? resolution : 0.01));
  while (size / s > 2 ** 30) s *= 10;
  // 10 ** -3 is 0.0010000000000000002: the decimal itself, so metadata.json reads as written
  s = Number(s.toPrecision(1));
  return { scale: [s, s, s], offset: [...cube.min] };
}

export function metadata(grid: { cube: Box; extent: Box; depth: number }, q: Quantization, columns: AttributeStats[], opts: { name: string; points: number; hierarchy: { firstChunkSize: number; stepSize: number }; description?: string; levelShares?: number[] }) {
  const box = grid.cube;
  const ext = grid.extent;
  const attributes: PotreeAttribute[] = [
    {
      name: 'position', description: '', size: 12, numElements: 3, elementSize: 4, type: 'int32',
      // the data's extent, in world units (the bounding box below is the cube around it)
      min: [...ext.min], max: [...ext.max], scale: [1, 1, 1], offset: [0, 0, 0],
    },
    ...columns.map((c): PotreeAttribute => {
      const size = SIZE[c.dtype];
      return { name: c.name, description: '', size, numElements: 1, elementSize: size, type: POTREE_TYPE[c.dtype], min: [c.min], max: [c.max], scale: [1], offset: [0], ...(c.histogram ? { histogram: c.histogram } : {}) };
    }),
  ];
  return {
    version: '2.0',
    name: opts.name,
    description: opts.description ?? '',
    points: opts.points,
    projection: '',
    hierarchy: { firstChunkSize: opts.hierarchy.firstChunkSize, stepSize: opts.hierarchy.stepSize, depth: grid.depth },
    offset: q.offset,
    scale: q.scale,
    // PotreeConverter's base spacing: the cube's size over 128
    spacing: (box.max[0] - box.min[0]) / 128,
    boundingBox: { min: box.min, max: box.max },
    encoding: 'DEFAULT',
    attributes,
    // not Potree's: how the levels were sampled (lod.ts), so a viewer can weight additive blending
    // by the share of the points each level of detail shows; potree-core ignores it
    imjoy_share: opts.levelShares ? { sampling: 'uniform', level_shares: opts.levelShares } : { sampling: 'poisson' },
  };
}
