/**
 * TIFF Compression + Predictor → zarr v2 `compressor` / `filters` configs, with the ids tifffile's
 * `write_fsspec` uses (so Python readers with imagecodecs understand our references, and the
 * plain `zlib`/`null` ids work with stock numcodecs).
 *
 * Exports: `tiffCodecs(opts)` → `{compressor, filters}`, `CodecConfig`, `TIFF_COMPRESSION_IDS`.
 */
export interface CodecConfig {
  id: string;
  [key: string]: unknown;
}

/** TIFF Compression tag value → codec id (`null` = uncompressed). Only ids we can decode in JS. */
const TIFF_COMPRESSION_IDS: Record<number, string | null> = {
  1: null,
  5: 'imagecodecs_lzw',
  7: 'imagecodecs_jpeg',
  8: 'zlib',
  32946: 'zlib',
  50013: 'zlib',
  32773: 'imagecodecs_packbits',
  50000: 'imagecodecs_zstd',
  50001: 'imagecodecs_webp',
};

export interface TiffCodecInput {
  compression: number;
  predictor: number;
  samplesPerPixel: number;
  planar: 1 | 2;
  photometric: number;
  extraSamples: number[];
  bitsPerSample: number;
  jpegTables?: Uint8Array;
  /** Zarr chunk shape and dtype string (predictor filters need both). */
  chunks: number[];
  dtype: string;
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Throws a plain Error (the caller names the file) for codecs we cannot decode in JS. */
export function tiffCodecs(t: TiffCodecInput): { compressor: CodecConfig | null; filters: CodecConfig[] | null } {
  if (!(t.compression in TIFF_COMPRESSION_IDS)) {
    throw new Error(`TIFF compression ${t.compression} is not supported (supported: none, LZW, JPEG, Deflate, PackBits, Zstd, WebP)`);
  }
  const id = TIFF_COMPRESSION_IDS[t.compression];
  let compressor: CodecConfig | null = null;
  if (id === 'imagecodecs_jpeg') {
    // Same fields as tifffile's write_fsspec; colorspace numbers follow its jpeg_decode_colorspace
    let colorspaceJpeg: number | null = null;
    let colorspaceData: number | string | null = null;
    if (t.extraSamples.length) {
      // as tifffile: leave colour handling to the decoder
    } else if (t.photometric === 6) colorspaceData = 2;
    else if (t.photometric === 2) { colorspaceJpeg = 2; colorspaceData = 2; }
    if (t.planar !== 1) colorspaceData = 1;
    compressor = {
      id,
      tables: t.jpegTables ? base64(t.jpegTables) : null,
      header: null,
      bitspersample: t.bitsPerSample,
      colorspace_jpeg: colorspaceJpeg,
      colorspace_data: colorspaceData,
    };
  } else if (id === 'imagecodecs_webp') {
    compressor = t.samplesPerPixel === 4 ? { id, hasalpha: true } : { id };
  } else if (id) {
    compressor = { id };
  }
  let filters: CodecConfig[] | null = null;
  if (t.predictor > 1) {
    if (![2, 3, 34892, 34893, 34894, 34895].includes(t.predictor)) throw new Error(`TIFF predictor ${t.predictor} is not supported`);
    const fid = [2, 34892, 34893].includes(t.predictor) ? 'imagecodecs_delta' : 'imagecodecs_floatpred';
    const dist = t.predictor <= 3 ? 1 : [34892, 34894].includes(t.predictor) ? 2 : 4;
    const axis = t.planar === 1 && t.samplesPerPixel > 1 ? -2 : -1;
    filters = [{ id: fid, axis, dist, shape: t.chunks, dtype: t.dtype }];
  }
  return { compressor, filters };
}
