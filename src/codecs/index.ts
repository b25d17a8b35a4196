/**
 * The one codec registry shared by the reference store and the viewer.
 * - `registerCodecs()`: make zarrita decode every id the reference maker emits.
 * - `decodeChunk(config, bytes)` / `decodeZarrChunk(zarray, bytes)`: the same decoders without zarrita.
 * - `tiffCodecs(...)`: TIFF Compression/Predictor → zarr v2 compressor + filters.
 */
export { registerCodecs } from './registry.js';
export { decodeChunk, decodeZarrChunk, CODEC_IDS, undoDelta, undoFloatPred } from './decode.js';
export { tiffCodecs, TIFF_COMPRESSION_IDS, type CodecConfig, type TiffCodecInput } from './tiff-map.js';
