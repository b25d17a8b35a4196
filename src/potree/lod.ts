/**
 * The density-preserving level of detail: row `i` belongs to the first level L whose threshold
 * `t_L = min(1, nodePoints · growth^L / N)` exceeds `hash(i) / 2³²`. The sample ignores position
 * and every attribute, so each level is a uniform random sample of all the points: each channel's
 * share of every level equals its share of the data, and a dense cluster stays as dense at coarse
 * levels as in the data (in SMLM the density is the signal; PotreeConverter's Poisson sampling
 * thins dense clusters at coarse levels — a class that is 30 % of the points is 6 % of its root).
 */

/** murmur3's finalizer: spreads consecutive row numbers uniformly over 32 bits. */
export const hashRow = (i: number, seed = 0): number => (hashRowSigned(i, seed) ^ -2147483648) >>> 0;

/** hashRow(i, seed) − 2³¹, an int32: the level loop compares it with hashLimits in 32-bit integers. */
export function hashRowSigned(i: number, seed = 0): number {
  let h = i ^ seed;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16) ^ -2147483648;
}

/** Thresholds t_0 … t_D of the levels (t_D = 1). */
export function levelThresholds(rows: number, nodePoints = 20_000, growth = 4): number[] {
  if (!(growth > 1)) throw new Error(`growth must be > 1, not ${growth}`);
  const t: number[] = [];
  for (let L = 0; ; L++) {
    const v = Math.min(1, (nodePoints * growth ** L) / Math.max(rows, 1));
    t.push(v);
    if (v >= 1) return t;
  }
}

/**
 * The hash limits of the levels, in hashRowSigned's terms: row i's level is the first L with
 * hashRowSigned(i) < limit[L], i.e. hash(i) < t_L · 2³². For an integer hash, h < v ⟺ h < ⌈v⌉,
 * and ⌈v⌉ − 2³¹ is exact in a double.
 */
export const hashLimits = (t: number[]): number[] => t.map((v) => Math.ceil(v * 4294967296) - 2147483648);
