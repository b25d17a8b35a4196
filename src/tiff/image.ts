/**
 * One TIFF image (IFD) described for chunk referencing: geometry, sample layout, compression
 * and the tile/strip byte ranges.
 *
 * Exports: `describeImage(source, header, ifd)` → `TiffImageInfo`, `loadChunkTable`,
 * `imageDtype`, `isReduced`.
 */
import { SourceError, type ByteSource } from '../io/byte-source.js';
import { readRanges } from '../io/coalesce.js';
import { decodeNumbers, Tag, tagBytes, tagNumber, tagNumbers, tagRange, tagString, type Ifd, type TiffHeader } from './ifd.js';

export interface TiffImageInfo {
  ifdOffset: number;
  width: number;
  height: number;
  samplesPerPixel: number;
  bitsPerSample: number;
  /** 1 uint, 2 int, 3 float. */
  sampleFormat: number;
  /** 1 chunky (interleaved), 2 planar. */
  planar: 1 | 2;
  compression: number;
  predictor: number;
  photometric: number;
  newSubfileType: number;
  fillOrder: number;
  tiled: boolean;
  /** Chunk geometry: tile size, or (image width × RowsPerStrip) for strips. */
  chunkWidth: number;
  chunkHeight: number;
  subIfds: number[];
  extraSamples: number[];
  ycbcrSubsampling: [number, number];
  jpegTables?: Uint8Array;
  description?: string;
  /** Tag entries for TileOffsets/StripOffsets and ByteCounts, loaded on demand by `loadChunkTable`. */
  ifd: Ifd;
}

export function isReduced(img: TiffImageInfo): boolean {
  return (img.newSubfileType & 1) === 1;
}

/** numpy-style dtype string in the file's byte order, e.g. `<u2`, `>f4`, `|u1`. */
export function imageDtype(img: TiffImageInfo, littleEndian: boolean, name: string): string {
  const bytes = img.bitsPerSample / 8;
  const kind = img.sampleFormat === 2 ? 'i' : img.sampleFormat === 3 ? 'f' : 'u';
  const ok = (kind === 'f' && (bytes === 4 || bytes === 8)) || (kind !== 'f' && [1, 2, 4, 8].includes(bytes));
  if (!ok) {
    throw new SourceError(name, `unsupported sample type: ${img.bitsPerSample}-bit ${['', 'unsigned', 'signed', 'float'][img.sampleFormat] ?? `format ${img.sampleFormat}`} (IFD at ${img.ifdOffset})`);
  }
  return (bytes === 1 ? '|' : littleEndian ? '<' : '>') + kind + bytes;
}

export async function describeImage(source: ByteSource, h: TiffHeader, ifd: Ifd): Promise<TiffImageInfo> {
  const num = (tag: number) => tagNumber(source, h, ifd, tag);
  const width = await num(Tag.ImageWidth);
  const height = await num(Tag.ImageLength);
  if (!width || !height) {
    throw new SourceError(source.name, `IFD at ${ifd.offset} has no ImageWidth/ImageLength`);
  }
  const spp = (await num(Tag.SamplesPerPixel)) ?? 1;
  const bpsAll = (await tagNumbers(source, h, ifd, Tag.BitsPerSample)) ?? [1];
  const sfAll = (await tagNumbers(source, h, ifd, Tag.SampleFormat)) ?? [1];
  if (new Set(bpsAll).size > 1 || new Set(sfAll).size > 1) {
    throw new SourceError(source.name, `IFD at ${ifd.offset}: samples with different bit depths or formats are not supported`);
  }
  const tiled = ifd.entries.has(Tag.TileOffsets);
  if (!tiled && !ifd.entries.has(Tag.StripOffsets)) {
    throw new SourceError(source.name, `IFD at ${ifd.offset} has neither TileOffsets nor StripOffsets`);
  }
  let chunkWidth = width;
  let chunkHeight: number;
  if (tiled) {
    chunkWidth = (await num(Tag.TileWidth)) ?? 0;
    chunkHeight = (await num(Tag.TileLength)) ?? 0;
    if (!chunkWidth || !chunkHeight) throw new SourceError(source.name, `IFD at ${ifd.offset}: tiled image without TileWidth/TileLength`);
  } else {
    chunkHeight = Math.min((await num(Tag.RowsPerStrip)) ?? height, height);
    if (!chunkHeight) chunkHeight = height;
  }
  const planar = ((await num(Tag.PlanarConfiguration)) ?? 1) === 2 && spp > 1 ? 2 : 1;
  const sub = (await tagNumbers(source, h, ifd, Tag.SubIFDs)) ?? [];
  const ycc = (await tagNumbers(source, h, ifd, Tag.YCbCrSubsampling)) ?? [2, 2];
  const compression = (await num(Tag.Compression)) ?? 1;
  return {
    ifdOffset: ifd.offset,
    width,
    height,
    samplesPerPixel: spp,
    bitsPerSample: bpsAll[0],
    sampleFormat: sfAll[0],
    planar,
    compression,
    predictor: (await num(Tag.Predictor)) ?? 1,
    photometric: (await num(Tag.Photometric)) ?? 1,
    newSubfileType: (await num(Tag.NewSubfileType)) ?? 0,
    fillOrder: (await num(Tag.FillOrder)) ?? 1,
    tiled,
    chunkWidth,
    chunkHeight,
    subIfds: sub,
    extraSamples: (await tagNumbers(source, h, ifd, Tag.ExtraSamples)) ?? [],
    ycbcrSubsampling: [ycc[0] ?? 2, ycc[1] ?? 2],
    jpegTables: compression === 7 ? await tagBytes(source, ifd, Tag.JPEGTables) : undefined,
    description: await tagString(source, ifd, Tag.ImageDescription),
    ifd,
  };
}

export interface ChunkTable {
  offsets: number[];
  byteCounts: number[];
  /** Chunks per row and column of one sample plane. */
  across: number;
  down: number;
}

/**
 * Tile or strip offsets and byte counts of many images with as few reads as possible: the
 * arrays of all images are read together, neighbours (writers put them next to each other and
 * next to the IFD) merged into one request. Checks each count against the geometry and every
 * non-empty range against the file size.
 */
export async function loadChunkTables(source: ByteSource, h: TiffHeader, imgs: TiffImageInfo[]): Promise<ChunkTable[]> {
  const entries = imgs.flatMap((img) => {
    const [offTag, cntTag] = img.tiled ? [Tag.TileOffsets, Tag.TileByteCounts] : [Tag.StripOffsets, Tag.StripByteCounts];
    const o = img.ifd.entries.get(offTag);
    const c = img.ifd.entries.get(cntTag);
    if (!o || !c) throw new SourceError(source.name, `IFD at ${img.ifdOffset}: missing ${img.tiled ? 'tile' : 'strip'} offsets or byte counts`);
    return [o, c];
  });
  const outOfLine = entries.filter((e) => !e.inline);
  const bytes = await readRanges(source, outOfLine.map((e) => tagRange(e)), { maxGap: 64 * 1024, maxRead: 64 * 1024 * 1024 });
  const got = new Map(outOfLine.map((e, i) => [e, bytes[i]]));
  return imgs.map((img, i) => {
    const [o, c] = [entries[2 * i], entries[2 * i + 1]];
    return checkTable(source, h, img, decodeNumbers(h, o, got.get(o) ?? o.inline!), decodeNumbers(h, c, got.get(c) ?? c.inline!));
  });
}

function checkTable(source: ByteSource, h: TiffHeader, img: TiffImageInfo, offsets: number[], byteCounts: number[]): ChunkTable {
  const what = img.tiled ? 'tile' : 'strip';
  const across = Math.ceil(img.width / img.chunkWidth);
  const down = Math.ceil(img.height / img.chunkHeight);
  const expected = across * down * (img.planar === 2 ? img.samplesPerPixel : 1);
  if (offsets.length !== expected || byteCounts.length !== expected) {
    throw new SourceError(source.name, `IFD at ${img.ifdOffset}: ${offsets.length} ${what} offsets and ${byteCounts.length} byte counts, expected ${expected} for a ${img.width}×${img.height} image`);
  }
  for (let i = 0; i < expected; i++) {
    const o = offsets[i];
    const n = byteCounts[i];
    if (o !== 0 && n !== 0 && o + n > h.fileSize) {
      throw new SourceError(source.name, `IFD at ${img.ifdOffset}: ${what} ${i} spans bytes ${o}..${o + n}, beyond the end of the file (${h.fileSize} bytes); the file is truncated`);
    }
  }
  return { offsets, byteCounts, across, down };
}
