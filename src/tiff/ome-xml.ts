/**
 * OME-XML (the ImageDescription of an OME-TIFF) → the facts a reference maker needs.
 *
 * Exports: `parseOmeXml(xml, name?)` → `OmeImage[]`, `omeColorToRgba(int)`, `planeIfd(image, t, c, z)`,
 * types `OmeImage`, `OmeChannel`, `DimensionOrder`.
 *
 * Parsed with fast-xml-parser (no DOMParser, so it runs in Node, workers and browsers alike; it
 * decodes entities and drops namespace prefixes, which hand-written attribute extraction gets
 * wrong). Only the first `Pixels` of each `Image` is used; multi-file OME (TiffData with a
 * UUID FileName other than this file) is reported as planes this file does not hold.
 */
import { XMLParser } from 'fast-xml-parser';
import { SourceError } from '../io/byte-source.js';

type DimensionOrder = 'XYZCT' | 'XYZTC' | 'XYCTZ' | 'XYCZT' | 'XYTCZ' | 'XYTZC';
/** Upper bound on Z×C×T accepted from OME-XML (a plane table is allocated for them). */
const MAX_PLANES = 10_000_000;
const ORDERS = new Set(['XYZCT', 'XYZTC', 'XYCTZ', 'XYCZT', 'XYTCZ', 'XYTZC']);

interface OmeChannel {
  name?: string;
  /** RGBA bytes from OME's signed 32-bit RGBA integer. */
  color?: [number, number, number, number];
  samplesPerPixel: number;
}

export interface OmeImage {
  name?: string;
  dimensionOrder: DimensionOrder;
  sizeX: number;
  sizeY: number;
  sizeZ: number;
  sizeC: number;
  sizeT: number;
  type?: string;
  physicalSizeX?: number;
  physicalSizeY?: number;
  physicalSizeZ?: number;
  physicalSizeXUnit?: string;
  physicalSizeYUnit?: string;
  physicalSizeZUnit?: string;
  timeIncrement?: number;
  timeIncrementUnit?: string;
  channels: OmeChannel[];
  /**
   * IFD index of each plane in plane order (index = the plane's position in DimensionOrder),
   * `-1` where the plane lives in another file or is not mapped.
   */
  planeIfds: number[];
}

/** OME stores Color as a signed 32-bit integer of RGBA bytes (R in the high byte). */
export function omeColorToRgba(value: number): [number, number, number, number] {
  const u = value >>> 0;
  return [(u >>> 24) & 255, (u >>> 16) & 255, (u >>> 8) & 255, u & 255];
}

const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

function num(v: unknown): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Index of plane (z, c, t) in the order planes are stored, per DimensionOrder. */
function planeIndex(img: OmeImage, t: number, c: number, z: number): number {
  const sizes: Record<string, number> = { Z: img.sizeZ, C: effectiveSizeC(img), T: img.sizeT };
  const pos: Record<string, number> = { Z: z, C: c, T: t };
  const order = img.dimensionOrder.slice(2); // e.g. "ZCT": Z varies fastest
  let idx = 0;
  let stride = 1;
  for (const d of order) {
    idx += pos[d] * stride;
    stride *= sizes[d];
  }
  return idx;
}

/** IFD holding plane (t, c, z), or -1 when it is not in this file. */
export function planeIfd(img: OmeImage, t: number, c: number, z: number): number {
  return img.planeIfds[planeIndex(img, t, c, z)] ?? -1;
}

/** Number of IFD planes along C: SizeC counts samples, so RGB channels (3 samples) count once. */
export function effectiveSizeC(img: OmeImage): number {
  const spp = img.channels[0]?.samplesPerPixel ?? 1;
  return spp > 1 && img.sizeC % spp === 0 ? img.sizeC / spp : img.sizeC;
}

export function parseOmeXml(xml: string, name = 'OME-XML', fileUuid?: string): OmeImage[] {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    removeNSPrefix: true,
    parseAttributeValue: false,
    isArray: (tag) => ['Image', 'Channel', 'TiffData'].includes(tag),
  });
  let doc: any;
  try {
    doc = parser.parse(xml);
  } catch (e) {
    throw new SourceError(name, `invalid OME-XML: ${(e as Error).message}`);
  }
  const ome = doc?.OME;
  if (!ome) throw new SourceError(name, 'ImageDescription is not OME-XML (no <OME> root)');
  const uuid = fileUuid ?? ome.UUID;
  const images: OmeImage[] = [];
  let nextIfd = 0; // TiffData without IFD continues where the previous image left off
  for (const im of asArray<any>(ome.Image)) {
    const px = Array.isArray(im.Pixels) ? im.Pixels[0] : im.Pixels;
    if (!px) throw new SourceError(name, `OME Image ${im.ID ?? ''} has no Pixels`);
    const order = String(px.DimensionOrder ?? '');
    if (!ORDERS.has(order)) throw new SourceError(name, `OME Pixels has invalid DimensionOrder "${order}"`);
    const size = (k: string) => {
      const v = num(px[k]);
      if (v === undefined || !Number.isInteger(v) || v < 1) throw new SourceError(name, `OME Pixels has invalid ${k}="${px[k]}"`);
      return v;
    };
    const channels: OmeChannel[] = asArray<any>(px.Channel).map((ch) => ({
      name: ch.Name,
      color: ch.Color !== undefined && num(ch.Color) !== undefined ? omeColorToRgba(num(ch.Color)!) : undefined,
      samplesPerPixel: num(ch.SamplesPerPixel) ?? 1,
    }));
    const img: OmeImage = {
      name: im.Name,
      dimensionOrder: order as DimensionOrder,
      sizeX: size('SizeX'),
      sizeY: size('SizeY'),
      sizeZ: size('SizeZ'),
      sizeC: size('SizeC'),
      sizeT: size('SizeT'),
      type: px.Type,
      physicalSizeX: num(px.PhysicalSizeX),
      physicalSizeY: num(px.PhysicalSizeY),
      physicalSizeZ: num(px.PhysicalSizeZ),
      physicalSizeXUnit: px.PhysicalSizeXUnit ?? (px.PhysicalSizeX !== undefined ? 'µm' : undefined),
      physicalSizeYUnit: px.PhysicalSizeYUnit ?? (px.PhysicalSizeY !== undefined ? 'µm' : undefined),
      physicalSizeZUnit: px.PhysicalSizeZUnit ?? (px.PhysicalSizeZ !== undefined ? 'µm' : undefined),
      timeIncrement: num(px.TimeIncrement),
      timeIncrementUnit: px.TimeIncrementUnit ?? (px.TimeIncrement !== undefined ? 's' : undefined),
      channels,
      planeIfds: [],
    };
    const nPlanes = img.sizeZ * effectiveSizeC(img) * img.sizeT;
    // sizes come from text: bound them before allocating a plane table
    if (nPlanes > MAX_PLANES) {
      throw new SourceError(name, `OME-XML declares ${nPlanes} planes (SizeZ ${img.sizeZ} × SizeC ${img.sizeC} × SizeT ${img.sizeT}); more than ${MAX_PLANES} is not plausible`);
    }
    const planeIfds = new Array<number>(nPlanes).fill(-1);
    const tds = asArray<any>(px.TiffData);
    if (tds.length === 0) {
      // No TiffData: planes are the IFDs in order (OME-TIFF spec default)
      for (let i = 0; i < nPlanes; i++) planeIfds[i] = nextIfd + i;
      nextIfd += nPlanes;
    }
    for (const td of tds) {
      const u = td.UUID;
      const tdUuid = typeof u === 'object' ? u['#text'] : u;
      if (tdUuid && uuid && String(tdUuid).trim() !== uuid) continue; // plane in another file
      const ifd = num(td.IFD) ?? nextIfd;
      const fz = num(td.FirstZ) ?? 0;
      const fc = num(td.FirstC) ?? 0;
      const ft = num(td.FirstT) ?? 0;
      // PlaneCount defaults to 1 when any attribute is given, else to all planes
      const hasAttrs = ['IFD', 'FirstZ', 'FirstC', 'FirstT', 'PlaneCount'].some((k) => td[k] !== undefined);
      const count = num(td.PlaneCount) ?? (hasAttrs ? 1 : nPlanes);
      const start = planeIndex({ ...img }, ft, fc, fz);
      if (start >= nPlanes || start + count > nPlanes) {
        throw new SourceError(name, `OME TiffData maps planes ${start}..${start + count - 1} but the image has ${nPlanes} planes`);
      }
      for (let k = 0; k < count; k++) planeIfds[start + k] = ifd + k;
      nextIfd = ifd + count;
    }
    img.planeIfds = planeIfds;
    images.push(img);
  }
  if (images.length === 0) throw new SourceError(name, 'OME-XML has no Image');
  return images;
}
