/**
 * `--sampling poisson`: each level of detail keeps at most one point per sampling cell — the root's
 * cell of the cube split SAMPLING_CELLS times per axis (Potree's spacing, the cube over 128), halved
 * at every level — so coarse levels cover space evenly, as PotreeConverter's Poisson sampling does,
 * instead of keeping density (lod.ts). The point kept is the one with the smallest row hash in the
 * cell: independent of the order rows come in (so of threads), and nested — the point kept in a cell
 * is also kept in the cell inside it — so a row's level is the coarsest level whose cell it wins.
 *
 * Only the finest sampled level's cells are counted over the rows (one table update per row; the
 * coarser cells' winners follow from theirs), stored in an open-addressing table of typed arrays that
 * worker threads can be sent. The table grows with the occupied cells, up to about the number of rows
 * for very sparse data: it is checked against the memory limit.
 */

const SAMPLING_CELLS = 128;
const EMPTY = -1;

/** Sampling cell (key) → smallest row hash in it, and the coarsest level that row is kept at. */
export interface MinTable {
  keys: Float64Array;
  mins: Uint32Array;
  levels: Uint8Array;
  size: number;
}

/** Sampling cells per axis at the finest sampled level (depth − 1). */
export const samplingResolution = (depth: number) => SAMPLING_CELLS * 2 ** Math.max(0, depth - 1);

/** The deepest octree Poisson keys can describe exactly (cell keys below 2^53). */
export const MAX_POISSON_DEPTH = 11;

export function newMinTable(capacity = 1 << 16): MinTable {
  let cap = 1 << 4;
  while (cap < capacity) cap *= 2;
  return { keys: new Float64Array(cap).fill(EMPTY), mins: new Uint32Array(cap), levels: new Uint8Array(cap), size: 0 };
}

/** Bytes a table with `entries` cells takes at the load it keeps (≤ 0.5). */
export const tableBytes = (entries: number) => 2 * entries * (8 + 4 + 1);

function home(keys: Float64Array, key: number): number {
  // keys are integers below 2^53, with structure in every bit range (x, y, z cells): murmur3's
  // finalizer over the high and low 32 bits spreads them over the slots
  let h = (key >>> 0) ^ Math.imul(Math.floor(key / 4294967296) >>> 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) & (keys.length - 1);
}

/** The slot of `key`, or of the empty slot where it would go. */
function slot(t: MinTable, key: number): number {
  const mask = t.keys.length - 1;
  let i = home(t.keys, key);
  while (t.keys[i] !== EMPTY && t.keys[i] !== key) i = (i + 1) & mask;
  return i;
}

function grow(t: MinTable): void {
  const old = { keys: t.keys, mins: t.mins, levels: t.levels };
  const next = newMinTable(t.keys.length * 2);
  t.keys = next.keys;
  t.mins = next.mins;
  t.levels = next.levels;
  for (let i = 0; i < old.keys.length; i++) {
    if (old.keys[i] === EMPTY) continue;
    const j = slot(t, old.keys[i]!);
    t.keys[j] = old.keys[i]!;
    t.mins[j] = old.mins[i]!;
    t.levels[j] = old.levels[i]!;
  }
}

/** Keeps the smaller of `hash` and what the cell holds; `limit`: most cells the memory allows. */
export function putMin(t: MinTable, key: number, hash: number, limit: number, where: string): void {
  let i = slot(t, key);
  if (t.keys[i] === EMPTY) {
    if ((t.size + 1) * 2 > t.keys.length) {
      if (t.size + 1 > limit) throw new Error(`${where}: Poisson sampling needs more sampling cells than the memory limit allows (${limit.toLocaleString('en')} per thread; about 60 bytes per point): raise --max-memory, use fewer --threads, or the default sampling`);
      grow(t);
      i = slot(t, key);
    }
    t.keys[i] = key;
    t.mins[i] = hash;
    t.size++;
  } else if (hash < t.mins[i]!) t.mins[i] = hash;
}

/** The slot holding `key`, or −1. */
export function find(t: MinTable, key: number): number {
  const i = slot(t, key);
  return t.keys[i] === EMPTY ? -1 : i;
}

/** Merges `from` (another thread's rows) into `into`. */
export function mergeMin(into: MinTable, from: MinTable, limit: number, where: string): void {
  for (let i = 0; i < from.keys.length; i++) if (from.keys[i] !== EMPTY) putMin(into, from.keys[i]!, from.mins[i]!, limit, where);
}

/**
 * For each finest cell, the coarsest level whose cell has the same winner: its winner's level. The
 * coarser cells' minimums are folded up from the finest ones, level by level, into tables like it;
 * then each finest winner climbs while its parent cell's minimum is its own — most stop at the
 * first step (the minimum only falls going up), so this costs about one lookup per cell.
 */
export function resolveLevels(t: MinTable, depth: number): void {
  const top = depth - 1;
  const res = (L: number) => SAMPLING_CELLS * 2 ** L;
  const parentKey = (key: number, L: number) => {
    // a cell of level L (resolution res(L)) → its cell at level L − 1
    const r = res(L);
    const z = key % r;
    const y = Math.floor(key / r) % r;
    const x = Math.floor(key / (r * r));
    const p = r / 2;
    return ((x >> 1) * p + (y >> 1)) * p + (z >> 1);
  };
  const levels: MinTable[] = [];
  levels[top] = t;
  for (let L = top - 1; L >= 0; L--) {
    const below = levels[L + 1]!;
    const m = newMinTable(Math.min(below.size, res(L) ** 3));
    for (let i = 0; i < below.keys.length; i++) if (below.keys[i] !== EMPTY) putMin(m, parentKey(below.keys[i]!, L + 1), below.mins[i]!, Infinity, '');
    levels[L] = m;
  }
  for (let i = 0; i < t.keys.length; i++) {
    if (t.keys[i] === EMPTY) continue;
    const min = t.mins[i]!;
    let level = top;
    let key = t.keys[i]!;
    for (let L = top - 1; L >= 0; L--) {
      key = parentKey(key, L + 1);
      const m = levels[L]!;
      if (m.mins[find(m, key)] !== min) break;
      level = L;
    }
    t.levels[i] = level;
  }
}
