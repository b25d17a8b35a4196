/**
 * In-memory model of a `.smlm` file (ShareLoc / smlm-file-format, manifest format_version "0.2").
 * Tables keep the dtype they were stored with; a column with shape [a, b] holds rows × a × b
 * elements in row-major order.
 */
export type SmlmDType = 'uint8' | 'uint16' | 'uint32' | 'float32' | 'float64';
export type SmlmColumnArray = Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;

interface SmlmColumn {
  name: string;
  dtype: SmlmDType;
  /** Per-row element shape; [1] for a scalar column. */
  shape: number[];
  data: SmlmColumnArray;
}

export type Stats = Record<string, number>;

export interface SmlmTable {
  /** The entry name inside the archive (e.g. "eiffel_tower-df.bin"). */
  name: string;
  channel: string;
  rows: number;
  columns: SmlmColumn[];
  /** Per-column value offsets (the format's way of storing signed values in unsigned types). */
  offset: Record<string, number>;
  min: Stats;
  max: Stats;
  avg: Stats;
  pixelSize?: number;
  units: Record<string, string>;
  metadata: Record<string, unknown>;
  /** The manifest's `files[]` entry as written, for fields this model does not name. */
  info: Record<string, unknown>;
}

export interface SmlmImage {
  name: string;
  channel?: string;
  /** MIME type, e.g. image/png. */
  mime: string;
  bytes: Uint8Array;
}

export interface SmlmDataset {
  /** The manifest.json as parsed (top-level fields such as name, tags, license stay here). */
  manifest: SmlmManifest;
  tables: SmlmTable[];
  images: SmlmImage[];
  /** The manifest's thumbnail, decoded from its data-URL or read from the named entry. */
  thumbnail?: SmlmImage;
}

export interface SmlmFormat {
  name?: string;
  type: string;
  mode?: string;
  extension?: string;
  columns?: number;
  headers?: string[];
  dtype?: string | string[];
  shape?: number | (number | null)[] | (number | number[])[];
  units?: Record<string, string> | string[];
  description?: string;
  [k: string]: unknown;
}

export interface SmlmFileEntry {
  name: string;
  format: string;
  type?: string;
  channel?: string;
  rows?: number;
  [k: string]: unknown;
}

export interface SmlmManifest {
  format_version: string;
  formats: Record<string, SmlmFormat>;
  files: SmlmFileEntry[];
  [k: string]: unknown;
}
