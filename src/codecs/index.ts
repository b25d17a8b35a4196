/**
 * The one codec registry shared by the reference store and the viewer.
 * - `registerCodecs()`: make zarrita decode every id the reference maker emits.
 * - `decodeChunk(config, bytes)` / `decodeZarrChunk(zarray, bytes)`: the same decoders without zarrita.
 * - `tiffCodecs(...)`: TIFF Compression/Predictor → zarr v2 compressor + filters.
 */
export { registerCodecs } from './registry.js';
export { decodeChunk, decodeZarrChunk, CODEC_IDS } from './decode.js';
export { tiffCodecs } from './tiff-map.js';
