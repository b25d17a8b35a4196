import type { SmlmTable } from './types.js';

/**
 * What the viewer needs from tables, computed without three.js: which column is x/y/z/frame/
 * precision, float32 positions relative to a common centre (so ~10⁵ nm coordinates keep sub-nm
 * precision on the GPU), bounds, the fitted 2D view and a scale bar.
 */
const ROLES: Record<'x' | 'y' | 'z' | 'frame' | 'precision', string[]> = {
  x: ['x', 'x_nm', 'position_x'],
  y: ['y', 'y_nm', 'position_y'],
  z: ['z', 'z_nm', 'position_z'],
  frame: ['frame', 'frames', 'first_frame', 't'],
  precision: ['uncertainty_xy', 'uncertainty', 'precision', 'x_precision', 'localization_precision', 'lpx', 'sigma_xy'],
};
export type Role = keyof typeof ROLES;

export function findColumn(table: SmlmTable, role: Role): string | undefined {
  const names = new Map(table.columns.map((c) => [c.name.toLowerCase(), c.name]));
  for (const a of ROLES[role]) if (names.has(a)) return names.get(a);
  return undefined;
}

export interface Bounds {
  min: [number, number, number];
  max: [number, number, number];
}

/** Bounds of x/y/z over all tables, or over rows [row0, row0+n) of each when given. */
export function boundsOf(tables: SmlmTable[], range?: { row0: number; n: number }): Bounds {
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  for (const t of tables) {
    (['x', 'y', 'z'] as const).forEach((role, k) => {
      const name = findColumn(t, role);
      if (!name) {
        if (role === 'z') (min[2] = Math.min(min[2], 0)), (max[2] = Math.max(max[2], 0));
        return;
      }
      const c = t.columns.find((c) => c.name === name)!;
      const off = t.offset[name] ?? 0;
      const r0 = range?.row0 ?? 0;
      const r1 = range ? Math.min(t.rows, r0 + range.n) : t.rows;
      for (let i = r0; i < r1; i++) {
        const v = c.data[i] + off;
        if (v < min[k]) min[k] = v;
        if (v > max[k]) max[k] = v;
      }
    });
  }
  if (!(min[0] <= max[0])) return { min: [0, 0, 0], max: [1, 1, 0] };
  return { min, max };
}

/** Bounds from the manifest's min/max stats (known before any row is read), if it has them. */
export function boundsFromStats(t: SmlmTable): Bounds | undefined {
  const [x, y, z] = (['x', 'y', 'z'] as const).map((r) => findColumn(t, r));
  const ok = (k?: string) => k !== undefined && Number.isFinite(t.min[k]) && Number.isFinite(t.max[k]);
  if (!ok(x) || !ok(y)) return undefined;
  const off = (k?: string) => (k ? t.offset[k] ?? 0 : 0);
  return {
    min: [t.min[x!] + off(x), t.min[y!] + off(y), ok(z) ? t.min[z!] + off(z) : 0],
    max: [t.max[x!] + off(x), t.max[y!] + off(y), ok(z) ? t.max[z!] + off(z) : 0],
  };
}

/** Interleaved xyz float32 positions relative to `center` (one allocation, 3 × rows floats). */
export function positionsOf(table: SmlmTable, center: [number, number, number]): Float32Array {
  return positionsInto(new Float32Array(table.rows * 3), table, center, 0, table.rows);
}

/** Fills rows [row0, row0+n) of interleaved xyz positions (progressive loading fills batch by batch). */
export function positionsInto(out: Float32Array, table: SmlmTable, center: [number, number, number], row0: number, n: number): Float32Array {
  const names = (['x', 'y', 'z'] as const).map((r) => findColumn(table, r));
  if (!names[0] || !names[1]) throw new Error(`${table.name}: no x/y columns (columns: ${table.columns.map((c) => c.name).join(', ')})`);
  names.forEach((name, k) => {
    if (!name) {
      for (let i = row0; i < row0 + n; i++) out[i * 3 + k] = -center[k];
      return;
    }
    const d = table.columns.find((c) => c.name === name)!.data;
    const shift = (table.offset[name] ?? 0) - center[k];
    for (let i = row0; i < row0 + n; i++) out[i * 3 + k] = d[i] + shift;
  });
  return out;
}

/**
 * The float32 array a GPU attribute for `name` uses: the column itself when it already is float32
 * without offset (no copy), else a new array that `float32Into` fills.
 */
export function float32Target(table: SmlmTable, name: string): { data: Float32Array; shared: boolean } {
  const c = table.columns.find((c) => c.name === name);
  if (!c) throw new Error(`${table.name}: no column "${name}" (columns: ${table.columns.map((c) => c.name).join(', ')})`);
  if (c.data.length !== table.rows) throw new Error(`${table.name}: column "${name}" has shape [${c.shape}], not one value per row`);
  if (c.data instanceof Float32Array && !table.offset[name]) return { data: c.data, shared: true };
  return { data: new Float32Array(table.rows), shared: false };
}

export function float32Into(out: Float32Array, table: SmlmTable, name: string, row0: number, n: number): void {
  const d = table.columns.find((c) => c.name === name)!.data;
  const off = table.offset[name] ?? 0;
  for (let i = row0; i < row0 + n; i++) out[i] = d[i] + off;
}

export interface View2D {
  /** Data coordinates (nm) at the canvas centre. */
  center: [number, number];
  /** Nanometres per CSS pixel. */
  nmPerPx: number;
}

/** The 2D view that shows the whole x/y extent with a margin. */
export function fitView(b: Bounds, width: number, height: number, margin = 0.05): View2D {
  const w = Math.max(b.max[0] - b.min[0], 1e-6);
  const h = Math.max(b.max[1] - b.min[1], 1e-6);
  const nmPerPx = Math.max(w / (width * (1 - 2 * margin)), h / (height * (1 - 2 * margin)));
  return { center: [(b.min[0] + b.max[0]) / 2, (b.min[1] + b.max[1]) / 2], nmPerPx };
}

/** A scale bar of a "nice" length (1, 2 or 5 × 10ⁿ nm) close to `targetPx` pixels. */
export function scaleBar(nmPerPx: number, targetPx = 120): { nm: number; px: number; label: string } {
  const raw = nmPerPx * targetPx;
  const p = 10 ** Math.floor(Math.log10(raw));
  const nm = [1, 2, 5, 10].map((m) => m * p).reduce((best, v) => (Math.abs(v - raw) < Math.abs(best - raw) ? v : best));
  const label = nm >= 1000 ? `${+(nm / 1000).toPrecision(3)} µm` : nm >= 1 ? `${+nm.toPrecision(3)} nm` : `${+(nm * 1000).toPrecision(3)} pm`;
  return { nm, px: nm / nmPerPx, label };
}

/**
 * 2nd and 98th percentile of a column (a sample of ≤ 100k values), for a robust colour range.
 * `where`: only rows whose `where.values` lie in `where.range` count — the rows a filter shows, so
 * the colormap spans what is visible (frames 1–1000 of 100 000 would otherwise all get one colour).
 */
export function robustRange(data: ArrayLike<number>, lo = 0.02, hi = 0.98, where?: { values: ArrayLike<number>; range: [number, number] }): [number, number] {
  const n = data.length;
  if (!n) return [0, 1];
  let idx: number[] | undefined;
  if (where) {
    idx = [];
    const [a, b] = where.range;
    for (let i = 0; i < n; i++) if (where.values[i] >= a && where.values[i] <= b) idx.push(i);
  }
  const m = idx ? idx.length : n;
  const step = Math.max(1, Math.floor(m / 100_000));
  const s: number[] = [];
  for (let k = 0; k < m; k += step) {
    const v = data[idx ? idx[k] : k];
    if (v === v) s.push(v);
  }
  if (!s.length) return [0, 1];
  s.sort((a, b) => a - b);
  const a = s[Math.floor(lo * (s.length - 1))];
  const b = s[Math.ceil(hi * (s.length - 1))];
  return a < b ? [a, b] : [s[0], s[s.length - 1] > s[0] ? s[s.length - 1] : s[0] + 1];
}
