/**
 * TIFF / BigTIFF / OME-TIFF → kerchunk v1 references (zarr v2 group with NGFF 0.4 metadata).
 *
 * Exports: `tiffReferences(source, {url, onProgress})` (the object) and `tiffReferenceBuilder`
 * (the same set as tables, for writing the JSON text fast: see builder.ts).
 *
 * Output: `.zgroup`, `.zattrs` (`multiscales` + `omero`), and per level `N/.zarray`,
 * `N/.zattrs` (`_ARRAY_DIMENSIONS`), chunks `N/i.j.k…` (tifffile's key style, `.` separator) →
 * `["{{u}}", offset, length]`. One chunk = one TIFF tile or strip; sparse tiles (offset or byte
 * count 0) get no key (fill value 0). See ngff.ts for the axis layout (incl. interleaved RGB).
 *
 * Series: OME-TIFF → the first OME Image, planes mapped to IFDs through TiffData/DimensionOrder;
 * a Fiji/ImageJ hyperstack → t, c, z from its `images/channels/slices/frames` (CZT order), sizes
 * from X/YResolution, `spacing`, `finterval`; otherwise all full-resolution pages of the main IFD
 * chain with the first page's geometry form a `z` stack. Pyramid levels come from SubIFDs (Bio-Formats ≥6, libvips) or, for a single image,
 * from the reduced-resolution pages (NewSubfileType bit 0) of the chain (GDAL/COG).
 *
 * Strips: a last strip shorter than RowsPerStrip is split for uncompressed data into chunks of
 * gcd(RowsPerStrip, ImageLength) rows (every reader can use them); compressed short last strips
 * stay one chunk whose decoded bytes are short — our codecs (src/codecs) zero-pad them, Python
 * zarr cannot read those files (as with tifffile, which refuses them).
 *
 * Requests (over HTTP): the first read takes 1 MiB (header, first IFD, its tables, usually the
 * OME-XML); the IFD chain is walked with read-ahead (closely spaced IFDs: many per request;
 * far-apart IFDs: each read together with its tile tables, sized from the previous IFD); then the
 * chain's remaining values and the SubIFD windows of every page (IFD + expected tables) go out
 * as ONE parallel batch, neighbours up to 1 MiB apart merged; over HTTP the batch is one
 * multi-range request where the server takes them (BlockCacheSource → HttpSource.readMany). So a
 * pyramid costs one request per main-chain IFD plus one (multi-range server), or about one per
 * IFD lying more than 1 MiB from the others (one range per request, S3) — on a 4.5 GB 3-channel
 * 9-level OME-TIFF 4 or 16 requests, ~9 MB (`npm run bench -- refs-index`) — never one per tile.
 *
 * Not supported (clear `SourceError`): compressions other than none/LZW/JPEG/Deflate/PackBits/
 * Zstd/WebP, bit depths other than 8/16/32/64, FillOrder 2, subsampled YCbCr without JPEG,
 * planes of one level that differ in geometry/encoding/JPEGTables, interleaved RGB with several
 * channel planes (would need a 6th axis). Only the first OME Image is referenced; planes that
 * OME-XML puts in other files get no keys (fill value). WebP decodes only in browsers.
 */
import { mapLimit } from '../io/map-limit.js';
import { BlockCacheSource } from '../io/block-cache.js';
import { SourceError, type ByteSource } from '../io/byte-source.js';
import type { ProgressCallback } from '../progress.js';
import { tiffCodecs } from '../codecs/tiff-map.js';
import { readHeader, readIfd, Tag, tagNumber, tagNumbers, tagRange, walkIfdChain, type Ifd, type ReadAhead, type TiffHeader } from '../tiff/ifd.js';
import { planReads } from '../io/coalesce.js';
import { describeImage as describeUncached, imageDtype, isReduced, loadChunkTables, type TiffImageInfo } from '../tiff/image.js';
import { effectiveSizeC, parseOmeXml, planeIfd, type OmeImage } from '../tiff/ome-xml.js';
import { imagejPlane, parseImageJ } from '../tiff/imagej.js';
import { multiscalesAttrs, ngffUnit, omeroAttrs, type NgffAxisOut, type ChannelInfo } from '../ngff/write.js';
import { ReferenceBuilder } from './builder.js';
import type { References } from './types.js';

export interface TiffReferenceOptions {
  /** URL written to `templates.u` (the data file as readers will fetch it). */
  url: string;
  onProgress?: ProgressCallback;
}

/** Physical pixel sizes and units (from OME-XML or ImageJ metadata). */
interface Physical {
  x?: number; y?: number; z?: number; t?: number;
  unitX?: string; unitY?: string; unitZ?: string; unitT?: string;
}

interface Series {
  name?: string;
  sizeT: number;
  sizeC: number; // planes along C (IFDs), not samples
  sizeZ: number;
  /** IFD per (t, c, z) in t-major order, undefined where missing. */
  planes: (Ifd | undefined)[][];
  ome?: OmeImage;
  physical: Physical;
}

/** Request planning (see `tiffReferences`). */
const FIRST_READ = 1 << 20;
const MERGE_GAP = 1 << 20;
const MAX_READ = 8 << 20;
const CACHE_BLOCKS = 512; // 32 MiB of 64 KiB blocks
const BATCH_BUDGET = 24 << 20;

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
const sameBytes = (a: Uint8Array | undefined, b: Uint8Array) => !!a && a.length === b.length && a.every((v, i) => v === b[i]);


/** What sizing a page's SubIFD windows needs. */
interface PageGeometry {
  width: number; height: number; chunkWidth: number; chunkHeight: number;
  planar: number; samplesPerPixel: number; subIfds: number[];
}

/** Geometry straight from the tags, without `describeImage`'s checks (used only to plan reads). */
async function pageGeometry(src: ByteSource, h: TiffHeader, ifd: Ifd): Promise<PageGeometry | undefined> {
  const num = (tag: number) => tagNumber(src, h, ifd, tag);
  const width = await num(Tag.ImageWidth);
  const height = await num(Tag.ImageLength);
  if (!width || !height) return undefined;
  const tw = await num(Tag.TileWidth);
  return {
    width, height,
    chunkWidth: tw ?? width,
    chunkHeight: (tw ? await num(Tag.TileLength) : await num(Tag.RowsPerStrip)) || height,
    planar: (await num(Tag.PlanarConfiguration)) ?? 1,
    samplesPerPixel: (await num(Tag.SamplesPerPixel)) ?? 1,
    subIfds: (await tagNumbers(src, h, ifd, Tag.SubIFDs)) ?? [],
  };
}

/**
 * Byte windows to read for a page's SubIFDs (level k+1 halves the size): the IFD plus, since
 * writers put a level's tile tables right after its IFD, the expected table size (tiles × 2
 * arrays × offset size), at most 1 MiB.
 */
function subIfdWindows(h: TiffHeader, g: PageGeometry): { offset: number; length: number }[] {
  const ptr = h.bigTiff ? 8 : 4;
  return g.subIfds.filter((o) => o > 0 && o < h.fileSize).map((offset, k) => {
    const f = 2 ** (k + 1);
    const tables = 2 * ptr * Math.ceil(g.width / f / g.chunkWidth) * Math.ceil(g.height / f / g.chunkHeight) * (g.planar === 2 ? g.samplesPerPixel : 1);
    return { offset, length: Math.min(4096 + tables, 1 << 20, h.fileSize - offset) };
  });
}

export async function tiffReferences(source: ByteSource, opts: TiffReferenceOptions): Promise<References> {
  return (await tiffReferenceBuilder(source, opts)).toReferences();
}

/** The open file: its header, the IFDs read so far, and reads planned in batches. */
interface TiffReader {
  src: BlockCacheSource;
  h: TiffHeader;
  name: string;
  /** Each IFD described once (its out-of-line values fetched together first). */
  describe(ifd: Ifd): Promise<TiffImageInfo>;
  /**
   * Ranges (IFD values, SubIFD windows) fetched in one parallel batch with neighbours up to 1 MiB
   * apart merged: a round trip costs more than reading 1 MiB more. Skipped when the batch would
   * not fit the block cache (it would evict what it just read); lazy reads take over.
   */
  warmBatch(ranges: { offset: number; length: number }[]): Promise<void>;
  /** IFD offsets already read (a SubIFD pointing back is a loop). */
  visited: Set<number>;
}

/** Reads the header and walks the main IFD chain, warming what describing it will read. */
async function openTiff(source: ByteSource): Promise<{ r: TiffReader; chain: Ifd[]; first: TiffImageInfo }> {
  const src = source instanceof BlockCacheSource ? source : new BlockCacheSource(source, 64 * 1024, CACHE_BLOCKS);
  // The first request reads 1 MiB, not one 64 KiB block: writers put the first IFD, its tile
  // tables and the OME-XML near the start, and over HTTP a round trip costs more than 1 MiB.
  await src.warm(0, FIRST_READ);
  const h = await readHeader(src);
  const warm: ReadAhead = (o, l) => src.warm(o, Math.min(l, h.fileSize - o));
  const warmBatch = async (ranges: { offset: number; length: number }[]) => {
    const groups = planReads(ranges.filter((x) => x.length > 0), MERGE_GAP, MAX_READ);
    if (groups.reduce((n, g) => n + g.end - g.offset, 0) > BATCH_BUDGET) return;
    await Promise.all(groups.map((g) => warm(g.offset, g.end - g.offset)));
  };
  // An IFD's out-of-line values (tile tables, OME-XML, SubIFD lists…) are fetched together up
  // front, so describing it and loading its tables costs no further request.
  const valueRanges = (ifds: Ifd[]) => ifds.flatMap((ifd) => [...ifd.entries.values()].filter((e) => !e.inline).map(tagRange).filter((x) => x.length <= 2 << 20));
  const described = new Map<number, Promise<TiffImageInfo>>();
  const describe = (ifd: Ifd) => {
    let d = described.get(ifd.offset);
    if (!d) described.set(ifd.offset, (d = warmBatch(valueRanges([ifd])).then(() => describeUncached(src, h, ifd))));
    return d;
  };
  const chain = await walkIfdChain(src, h, h.firstIfd, warm);
  // The chain's values and the SubIFDs of its pages in ONE batch: the SubIFD offsets and the
  // geometry (to size each window) are normally in bytes the walk already read, whereas the
  // values may include an OME-XML at the far end of the file that would cost its own round trip.
  const early = await mapLimit(chain, 8, async (ifd) => (ifd.entries.has(Tag.SubIFDs) ? pageGeometry(src, h, ifd) : undefined));
  await warmBatch([...valueRanges(chain), ...early.flatMap((g) => (g ? subIfdWindows(h, g) : []))]);
  const r: TiffReader = { src, h, name: src.name, describe, warmBatch, visited: new Set(chain.map((i) => i.offset)) };
  return { r, chain, first: await describe(chain[0]) };
}

/** The image the references describe: OME-XML's first Image, a Fiji hyperstack, or the chain's full-size pages. */
async function seriesOf(r: TiffReader, chain: Ifd[], first: TiffImageInfo): Promise<Series> {
  const { name } = r;
  if (first.description?.includes('<OME')) {
    const ome = parseOmeXml(first.description, name)[0];
    const cp = effectiveSizeC(ome);
    const planes: (Ifd | undefined)[][] = [];
    for (let t = 0; t < ome.sizeT; t++) {
      for (let c = 0; c < cp; c++) {
        const row: (Ifd | undefined)[] = [];
        for (let z = 0; z < ome.sizeZ; z++) {
          const k = planeIfd(ome, t, c, z);
          if (k >= chain.length) {
            throw new SourceError(name, `OME-XML maps plane t=${t} c=${c} z=${z} to IFD ${k}, but the file has ${chain.length} IFDs`);
          }
          row.push(k >= 0 ? chain[k] : undefined);
        }
        planes.push(row);
      }
    }
    return {
      name: ome.name, sizeT: ome.sizeT, sizeC: cp, sizeZ: ome.sizeZ, planes, ome,
      physical: {
        x: ome.physicalSizeX, y: ome.physicalSizeY, z: ome.physicalSizeZ, t: ome.timeIncrement,
        unitX: ome.physicalSizeXUnit, unitY: ome.physicalSizeYUnit, unitZ: ome.physicalSizeZUnit, unitT: ome.timeIncrementUnit,
      },
    };
  }
  const full: Ifd[] = [];
  for (const ifd of chain) {
    const d = ifd === chain[0] ? first : await r.describe(ifd);
    if ((d.newSubfileType & 5) === 0 && d.width === first.width && d.height === first.height) full.push(ifd);
  }
  const ij = parseImageJ(first.description);
  if (ij && ij.images > 1 && ij.images === full.length && ij.channels * ij.slices * ij.frames === ij.images) {
    // Fiji hyperstack: planes in CZT order
    const planes: (Ifd | undefined)[][] = [];
    for (let t = 0; t < ij.frames; t++) {
      for (let c = 0; c < ij.channels; c++) planes.push(Array.from({ length: ij.slices }, (_, z) => full[imagejPlane(ij, t, c, z)]));
    }
    // XResolution/YResolution are pixels per unit
    const xres = await tagNumber(r.src, r.h, chain[0], Tag.XResolution);
    const yres = await tagNumber(r.src, r.h, chain[0], Tag.YResolution);
    const unit = ij.unit && ij.unit !== 'pixel' ? ij.unit : undefined;
    return {
      sizeT: ij.frames, sizeC: ij.channels, sizeZ: ij.slices, planes,
      physical: {
        x: unit && xres ? 1 / xres : undefined, y: unit && yres ? 1 / yres : undefined, z: unit ? ij.spacing : undefined, t: ij.finterval,
        unitX: unit, unitY: unit, unitZ: unit, unitT: ij.tunit,
      },
    };
  }
  if (ij && ij.images > full.length) {
    throw new SourceError(name, `ImageJ metadata announces ${ij.images} images but the file has ${full.length} IFDs (contiguous ImageJ data > 4 GB is not supported)`);
  }
  return { sizeT: 1, sizeC: 1, sizeZ: full.length, planes: [full], physical: {} };
}

/** The pyramid: how many levels, and the IFD of a plane at a level (from SubIFDs or COG pages). */
async function levelsOf(r: TiffReader, series: Series, chain: Ifd[]): Promise<{ nLevels: number; levelIfd: (level: number, ifd: Ifd) => Promise<Ifd> }> {
  const { src, h, name } = r;
  const anyPlane = series.planes.flat().find((p): p is Ifd => !!p);
  if (!anyPlane) throw new SourceError(name, 'the OME-XML maps no plane to an IFD of this file');
  const anyDesc = await r.describe(anyPlane);
  if (anyDesc.subIfds.length > 0) {
    const nLevels = 1 + anyDesc.subIfds.length;
    // All SubIFD offsets are known now: fetch the IFDs that lie close together in few requests
    // (merging gaps up to 256 KiB) instead of one round trip per IFD per level.
    // Writers put a level's tile tables right after its IFD, so each window also covers the
    // expected table size (tiles of that level × 2 arrays × offset size).
    // (Usually already done together with the chain's values, see above; then this reads nothing.)
    const planes = series.planes.flat().filter((p): p is Ifd => !!p);
    await r.warmBatch((await mapLimit(planes, 8, (p) => r.describe(p))).flatMap((d) => subIfdWindows(h, d)));
    const levelIfd = async (l: number, ifd: Ifd) => {
      if (l === 0) return ifd;
      const d = await r.describe(ifd);
      if (d.subIfds.length < l) throw new SourceError(name, `IFD at ${ifd.offset} has ${d.subIfds.length} SubIFDs, expected ${nLevels - 1} like the first plane`);
      const off = d.subIfds[l - 1];
      if (r.visited.has(off)) throw new SourceError(name, `SubIFD offset ${off} points back to an IFD already read (loop)`);
      if (off <= 0 || off >= h.fileSize) throw new SourceError(name, `SubIFD offset ${off} lies outside the file (${h.fileSize} bytes)`);
      return readIfd(src, h, off);
    };
    return { nLevels, levelIfd };
  }
  // COG / GDAL: reduced-resolution pages following a single full-resolution image
  const reduced: Ifd[] = [];
  if (series.planes.flat().length === 1) {
    for (const ifd of chain.slice(1)) {
      const d = await r.describe(ifd);
      if (isReduced(d) && (d.newSubfileType & 4) === 0) reduced.push(ifd);
    }
  }
  return { nLevels: 1 + reduced.length, levelIfd: async (l, ifd) => (l === 0 ? ifd : reduced[l - 1]) };
}

/** Every plane of a level must share geometry and encoding: one array, one codec config. */
function checkSamePlanes(name: string, level: number, descs: (TiffImageInfo | undefined)[]): TiffImageInfo {
  const key = descs.find((d): d is TiffImageInfo => !!d)!;
  for (const d of descs) {
    if (d && (d.width !== key.width || d.height !== key.height || d.chunkWidth !== key.chunkWidth || d.chunkHeight !== key.chunkHeight ||
      d.samplesPerPixel !== key.samplesPerPixel || d.bitsPerSample !== key.bitsPerSample || d.compression !== key.compression ||
      d.predictor !== key.predictor || d.planar !== key.planar || d.tiled !== key.tiled ||
      d.sampleFormat !== key.sampleFormat || d.photometric !== key.photometric)) {
      throw new SourceError(name, `level ${level}: IFD at ${d.ifdOffset} differs in geometry or encoding from IFD at ${key.ifdOffset}; mixed planes are not supported`);
    }
    // one codec config per array: every plane must share the JPEG tables written into it
    if (d && key.jpegTables && !sameBytes(d.jpegTables, key.jpegTables)) {
      throw new SourceError(name, `level ${level}: JPEGTables of IFD at ${d.ifdOffset} differ from those of IFD at ${key.ifdOffset}; not supported`);
    }
  }
  if (key.fillOrder !== 1) throw new SourceError(name, `FillOrder ${key.fillOrder} (bit-reversed data) is not supported`);
  if (key.photometric === 6 && key.compression !== 7 && (key.ycbcrSubsampling[0] !== 1 || key.ycbcrSubsampling[1] !== 1)) {
    throw new SourceError(name, 'subsampled YCbCr without JPEG compression is not supported');
  }
  return key;
}

/** A level's zarr array: dims [t?, c, z?, y, x, (c if interleaved)], chunking, strip splitting. */
interface Layout {
  dims: string[];
  shape: number[];
  chunks: number[];
  hasT: boolean;
  hasC: boolean;
  hasZ: boolean;
  /** Interleaved samples (RGB): the channel axis is last. */
  contig: boolean;
  rowsPerChunk: number;
  /** Chunks per strip (uncompressed strips whose last one is short are split). */
  split: number;
}

function layoutOf(series: Series, key: TiffImageInfo): Layout {
  const spp = key.samplesPerPixel;
  const contig = spp > 1 && key.planar === 1;
  // rows per chunk: split uncompressed strips whose last strip is short
  let rowsPerChunk = key.chunkHeight;
  let split = 1;
  if (!key.tiled && key.height % key.chunkHeight !== 0 && key.compression === 1) {
    rowsPerChunk = gcd(key.chunkHeight, key.height);
    split = key.chunkHeight / rowsPerChunk;
  }
  const hasT = series.sizeT > 1;
  const hasZ = series.sizeZ > 1;
  const cLen = contig ? spp : series.sizeC * (key.planar === 2 ? spp : 1);
  // one channel is no axis: a plain grayscale TIFF is yx, as tifffile's series and kerchunk's
  // tiff_to_zarr give it (both drop length-1 dimensions)
  const hasC = contig || cLen > 1;
  const shape: number[] = [];
  const chunks: number[] = [];
  const dims: string[] = [];
  if (hasT) { shape.push(series.sizeT); chunks.push(1); dims.push('t'); }
  if (hasC && !contig) { shape.push(cLen); chunks.push(1); dims.push('c'); }
  if (hasZ) { shape.push(series.sizeZ); chunks.push(1); dims.push('z'); }
  shape.push(key.height, key.width); chunks.push(rowsPerChunk, key.chunkWidth); dims.push('y', 'x');
  if (contig) { shape.push(spp); chunks.push(spp); dims.push('c'); }
  return { dims, shape, chunks, hasT, hasC, hasZ, contig, rowsPerChunk, split };
}

interface PlaneAt {
  ifd: Ifd | undefined;
  t: number;
  c: number;
  z: number;
}

/** The chunk keys of one plane (one IFD, or one sample of a planar-separate IFD) → byte ranges. */
function addPlaneChunks(refs: ReferenceBuilder, name: string, level: number, p: PlaneAt, d: TiffImageInfo, key: TiffImageInfo, L: Layout, table: Awaited<ReturnType<typeof loadChunkTables>>[number], itemsize: number) {
  const spp = key.samplesPerPixel;
  const rowBytes = key.width * itemsize * (L.contig ? spp : 1);
  const planesPerIfd = key.planar === 2 ? spp : 1;
  const perPlane = table.across * table.down;
  for (let s = 0; s < planesPerIfd; s++) {
    const cIdx = p.c * planesPerIfd + s;
    let prefix = `${level}/`;
    if (L.hasT) prefix += `${p.t}.`;
    if (L.hasC && !L.contig) prefix += `${cIdx}.`;
    if (L.hasZ) prefix += `${p.z}.`;
    const suffix = L.contig ? '.0' : '';
    const { offsets, byteCounts, across } = table;
    if (L.split === 1) {
      refs.addGrid({ prefix, suffix, offsets, byteCounts, first: s * perPlane, across, down: table.down });
      continue;
    }
    for (let ty = 0; ty < table.down; ty++) {
      const base = s * perPlane + ty * across;
      for (let tx = 0; tx < across; tx++) {
        const k = base + tx;
        const off = offsets[k];
        const len = byteCounts[k];
        if (off === 0 || len === 0) continue; // sparse
        const rows = Math.min(key.chunkHeight, key.height - ty * key.chunkHeight);
        for (let r = 0; r * L.rowsPerChunk < rows; r++) {
          const sub = r * L.rowsPerChunk * rowBytes;
          const n = L.rowsPerChunk * rowBytes;
          if (sub + n > len) throw new SourceError(name, `strip ${k} of IFD at ${d.ifdOffset} holds ${len} bytes, fewer than its ${rows} rows need`);
          refs.addRange(`${prefix}${ty * L.split + r}.${tx}${suffix}`, off + sub, n);
        }
      }
    }
  }
}

/** A level's scale: physical size × downsampling from level 0. */
function scaleOf(L: Layout, ph: Physical, level0: TiffImageInfo, key: TiffImageInfo): number[] {
  const scale: number[] = [];
  if (L.hasT) scale.push(ph.t ?? 1);
  if (L.hasC && !L.contig) scale.push(1);
  if (L.hasZ) scale.push(ph.z ?? 1);
  scale.push((ph.y ?? 1) * (level0.height / key.height), (ph.x ?? 1) * (level0.width / key.width));
  if (L.contig) scale.push(1);
  return scale;
}

/** NGFF axes of level 0, a unit only where the size is known (without it the scale is in pixels). */
function axesOf(dims: string[], ph: Physical): NgffAxisOut[] {
  const unit = (size: number | undefined, u: string | undefined) => (size !== undefined ? ngffUnit(u) : undefined);
  return dims.map((d): NgffAxisOut => {
    if (d === 't') return { name: 't', type: 'time', unit: unit(ph.t, ph.unitT) };
    if (d === 'c') return { name: 'c', type: 'channel' };
    if (d === 'z') return { name: 'z', type: 'space', unit: unit(ph.z, ph.unitZ) };
    if (d === 'y') return { name: 'y', type: 'space', unit: unit(ph.y, ph.unitY) };
    return { name: 'x', type: 'space', unit: unit(ph.x, ph.unitX) };
  });
}

/** The references of a TIFF, still as tables: `.toJsonBytes()` writes 100k+ refs fastest. */
export async function tiffReferenceBuilder(source: ByteSource, opts: TiffReferenceOptions): Promise<ReferenceBuilder> {
  const { r, chain, first } = await openTiff(source);
  const { src, h, name } = r;
  opts.onProgress?.(0, 1, 'directories');
  const series = await seriesOf(r, chain, first);
  const { nLevels, levelIfd } = await levelsOf(r, series, chain);

  const refs = new ReferenceBuilder(opts.url);
  refs.setJson('.zgroup', { zarr_format: 2 });
  const planeList: PlaneAt[] = series.planes.flatMap((row, tc) => row.map((ifd, z) => ({ ifd, t: Math.floor(tc / series.sizeC), c: tc % series.sizeC, z })));
  const totalSteps = nLevels * planeList.length;
  let doneSteps = 0;
  let axes: NgffAxisOut[] = [];
  const scales: number[][] = [];
  let level0: TiffImageInfo | undefined;
  let dtype0 = '';

  for (let level = 0; level < nLevels; level++) {
    const ifds = await mapLimit(planeList, 8, async (p) => (p.ifd ? levelIfd(level, p.ifd) : undefined));
    for (const ifd of ifds) if (ifd) r.visited.add(ifd.offset);
    const descs = await mapLimit(ifds, 8, async (ifd) => (ifd ? r.describe(ifd) : undefined));
    const key = checkSamePlanes(name, level, descs);
    const dtype = imageDtype(key, h.littleEndian, name);
    const L = layoutOf(series, key);
    if (level === 0) {
      level0 = key;
      dtype0 = dtype;
      if (L.contig && series.sizeC > 1) throw new SourceError(name, `interleaved ${key.samplesPerPixel}-sample images with ${series.sizeC} channel planes need a 6th axis; not supported`);
      axes = axesOf(L.dims, series.physical);
    }
    let codecs;
    try {
      codecs = tiffCodecs({ ...key, chunks: L.chunks, dtype });
    } catch (e) {
      throw new SourceError(name, (e as Error).message);
    }
    refs.setJson(`${level}/.zarray`, {
      chunks: L.chunks, compressor: codecs.compressor, dtype, fill_value: 0, filters: codecs.filters, order: 'C', shape: L.shape, zarr_format: 2,
    });
    refs.setJson(`${level}/.zattrs`, { _ARRAY_DIMENSIONS: L.dims });
    const present = descs.filter((d): d is TiffImageInfo => !!d);
    const tables = new Map((await loadChunkTables(src, h, present)).map((t, i) => [present[i], t]));
    planeList.forEach((p, i) => {
      const d = descs[i];
      if (!d) return;
      addPlaneChunks(refs, name, level, p, d, key, L, tables.get(d)!, Number(dtype.slice(2)));
      opts.onProgress?.(++doneSteps, totalSteps, 'directories');
    });
    scales.push(scaleOf(L, series.physical, level0!, key));
  }

  // ---- root metadata ---------------------------------------------------------------------------
  const ome = series.ome;
  const spp0 = level0!.samplesPerPixel;
  const rgbInterleaved = spp0 > 1 && level0!.planar === 1;
  const nChannels = rgbInterleaved ? spp0 : series.sizeC * (level0!.planar === 2 ? spp0 : 1);
  const channels: ChannelInfo[] = [];
  for (let i = 0; i < nChannels; i++) {
    const och = ome && !rgbInterleaved && level0!.planar !== 2 ? ome.channels[i] : undefined;
    channels.push({ label: och?.name, color: och?.color });
  }
  const imgName = series.name ?? name.split(/[\\/]/).pop() ?? 'image';
  refs.setJson('.zattrs', {
    multiscales: multiscalesAttrs({ name: imgName, axes, scales }),
    omero: omeroAttrs({ name: imgName, channels, dtype: dtype0, rgb: spp0 >= 3, sizeZ: series.sizeZ }),
  });
  opts.onProgress?.(totalSteps, totalSteps, 'directories');
  return refs;
}
