/**
 * Zarr v3 array metadata (`zarr.json`) → the zarr v2 `.zarray` a kerchunk reference needs, so
 * Python's fsspec + zarr 2 and zarrita read one layout. Pure functions; no I/O.
 */

export interface V3ArrayMeta {
  zarr_format: 3;
  node_type: 'array';
  shape: number[];
  data_type: string;
  chunk_grid: { name: string; configuration: { chunk_shape: number[] } };
  chunk_key_encoding?: { name: string; configuration?: { separator?: string } };
  codecs: { name: string; configuration?: Record<string, unknown> }[];
  fill_value: unknown;
  attributes?: Record<string, unknown>;
  dimension_names?: (string | null)[];
}

export interface V2ArrayMeta {
  zarr_format: 2;
  shape: number[];
  chunks: number[];
  dtype: string;
  compressor: Record<string, unknown> | null;
  fill_value: unknown;
  order: 'C' | 'F';
  filters: null;
  dimension_separator: '.' | '/';
}

/** How the chunks of one v3 array are found: plain chunk keys, or inner chunks inside shards. */
export interface V3Layout {
  v2: V2ArrayMeta;
  /** Present for `sharding_indexed` arrays. */
  shard?: { shardShape: number[]; innerShape: number[]; indexLocation: 'start' | 'end'; indexBytes: number };
  /** Parses a v3 chunk key (relative to the array) into grid coordinates, or undefined if it is not a chunk key. */
  parseKey(key: string): number[] | undefined;
}

const DTYPES: Record<string, [string, number]> = {
  bool: ['b1', 1], int8: ['i1', 1], uint8: ['u1', 1], int16: ['i2', 2], uint16: ['u2', 2],
  int32: ['i4', 4], uint32: ['u4', 4], int64: ['i8', 8], uint64: ['u8', 8],
  float16: ['f2', 2], float32: ['f4', 4], float64: ['f8', 8],
};

/** A v3 bytes→bytes codec as the numcodecs compressor zarr v2 readers know. */
function compressorOf(c: { name: string; configuration?: Record<string, unknown> }, where: string) {
  const cfg = c.configuration ?? {};
  switch (c.name) {
    case 'blosc': {
      const shuffle = { noshuffle: 0, shuffle: 1, bitshuffle: 2 }[String(cfg.shuffle ?? 'noshuffle')] ?? 0;
      return { id: 'blosc', cname: cfg.cname ?? 'lz4', clevel: cfg.clevel ?? 5, shuffle, blocksize: cfg.blocksize ?? 0 };
    }
    case 'gzip':
      return { id: 'gzip', level: cfg.level ?? 5 };
    case 'zstd':
      return { id: 'zstd', level: cfg.level ?? 0 };
    case 'zlib':
      return { id: 'zlib', level: cfg.level ?? 1 };
    default:
      throw new Error(`${where}: codec "${c.name}" has no zarr v2 equivalent; references cannot describe it`);
  }
}

/** Splits a v3 codec chain into (order, endian, compressor), rejecting what v2 cannot express. */
function chain(codecs: V3ArrayMeta['codecs'], ndim: number, where: string) {
  let order: 'C' | 'F' = 'C';
  let endian = 'little';
  let compressor: Record<string, unknown> | null = null;
  let seenBytes = false;
  for (const c of codecs) {
    if (c.name === 'transpose') {
      const o = (c.configuration?.order ?? []) as number[];
      const reversed = o.every((v, i) => v === ndim - 1 - i);
      if (!reversed || seenBytes) throw new Error(`${where}: transpose order [${o}] has no zarr v2 equivalent (only full reversal, order "F")`);
      order = 'F';
    } else if (c.name === 'bytes') {
      endian = String(c.configuration?.endian ?? 'little');
      seenBytes = true;
    } else if (!seenBytes) {
      throw new Error(`${where}: unsupported array codec "${c.name}"`);
    } else {
      if (compressor) throw new Error(`${where}: more than one compression codec; zarr v2 references allow one`);
      compressor = compressorOf(c, where);
    }
  }
  if (!seenBytes) throw new Error(`${where}: codec chain has no "bytes" codec`);
  return { order, endian, compressor };
}

export function v3ToV2(meta: V3ArrayMeta, where: string): V3Layout {
  if (meta.chunk_grid?.name !== 'regular') throw new Error(`${where}: chunk grid "${meta.chunk_grid?.name}" is not supported (only regular)`);
  const dt = DTYPES[meta.data_type];
  if (!dt) throw new Error(`${where}: data type "${meta.data_type}" is not supported`);
  const ndim = meta.shape.length;
  const outerShape = meta.chunk_grid.configuration.chunk_shape;
  let shard: V3Layout['shard'];
  const sharded = meta.codecs.length === 1 && meta.codecs[0].name === 'sharding_indexed';
  let inner = sharded ? undefined : chain(meta.codecs, ndim, where);
  let chunks = outerShape;
  if (sharded) {
    const cfg = meta.codecs[0].configuration as {
      chunk_shape: number[];
      codecs: V3ArrayMeta['codecs'];
      index_codecs?: V3ArrayMeta['codecs'];
      index_location?: 'start' | 'end';
    };
    inner = chain(cfg.codecs, ndim, `${where} (inner chunks)`);
    chunks = cfg.chunk_shape;
    if (outerShape.some((s, i) => s % chunks[i] !== 0)) throw new Error(`${where}: shard shape [${outerShape}] is not a multiple of the inner chunk shape [${chunks}]`);
    const idx = cfg.index_codecs ?? [{ name: 'bytes', configuration: { endian: 'little' } }];
    for (const c of idx) {
      if (c.name === 'bytes' && (c.configuration?.endian ?? 'little') !== 'little') throw new Error(`${where}: big-endian shard index is not supported`);
      if (c.name !== 'bytes' && c.name !== 'crc32c') throw new Error(`${where}: shard index codec "${c.name}" is not supported`);
    }
    const n = outerShape.reduce((a, s, i) => a * (s / chunks[i]), 1);
    shard = {
      shardShape: outerShape,
      innerShape: chunks,
      indexLocation: cfg.index_location ?? 'end',
      indexBytes: n * 16 + (idx.some((c) => c.name === 'crc32c') ? 4 : 0),
    };
  } else if (meta.codecs.some((c) => c.name === 'sharding_indexed')) {
    throw new Error(`${where}: sharding combined with other array codecs is not supported`);
  }
  if (!inner) throw new Error(`${where}: no codec chain`);
  const dtype = (dt[1] === 1 ? '|' : inner.endian === 'big' ? '>' : '<') + dt[0];
  const enc = meta.chunk_key_encoding ?? { name: 'default' };
  const sep = enc.configuration?.separator ?? (enc.name === 'v2' ? '.' : '/');
  const parseKey = (key: string): number[] | undefined => {
    let rest = key;
    if (enc.name === 'default') {
      if (ndim === 0) return rest === 'c' ? [] : undefined;
      if (!rest.startsWith('c' + sep)) return undefined;
      rest = rest.slice(2);
    } else if (ndim === 0) {
      return rest === '0' ? [] : undefined;
    }
    const parts = rest.split(sep);
    if (parts.length !== ndim || !parts.every((p) => /^\d+$/.test(p))) return undefined;
    return parts.map(Number);
  };
  return {
    v2: {
      zarr_format: 2,
      shape: meta.shape,
      chunks,
      dtype,
      compressor: inner.compressor,
      fill_value: meta.fill_value,
      order: inner.order,
      filters: null,
      dimension_separator: '.',
    },
    shard,
    parseKey,
  };
}
