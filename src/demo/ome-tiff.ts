/**
 * A small tiled, pyramidal, multichannel OME-TIFF writer for the viewer's demo data (generated at
 * `npm start`, offline, without Python). Hand-written because no maintained JS library writes tiled
 * pyramids: geotiff.js writes stripped single images only. Layout follows Bio-Formats ≥ 6: one
 * page per channel (DimensionOrder XYCZT) with the reduced levels as SubIFDs; tiles are
 * zlib-compressed (Compression 8) with fflate. Classic little-endian TIFF, so it stays < 4 GiB.
 */
import { zlibSync } from 'fflate';

export interface DemoChannel {
  name: string;
  /** OME colour as 0xRRGGBBAA. */
  rgba: number;
  /** Level-0 pixels, row-major, height × width. */
  data: Uint16Array;
}

export interface PyramidTiffOptions {
  width: number;
  height: number;
  channels: DemoChannel[];
  levels: number;
  tile: number;
  /** Physical pixel size of level 0 in micrometres. */
  pixelSize: number;
}

/** 2×2 mean downsampling (edge rows/columns are averaged with what exists). */
export function downsample(data: Uint16Array, w: number, h: number): { data: Uint16Array; w: number; h: number } {
  const w2 = Math.ceil(w / 2);
  const h2 = Math.ceil(h / 2);
  const out = new Uint16Array(w2 * h2);
  for (let y = 0; y < h2; y++) {
    for (let x = 0; x < w2; x++) {
      let s = 0;
      let n = 0;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const yy = 2 * y + dy;
          const xx = 2 * x + dx;
          if (yy < h && xx < w) {
            s += data[yy * w + xx];
            n++;
          }
        }
      }
      out[y * w2 + x] = Math.round(s / n);
    }
  }
  return { data: out, w: w2, h: h2 };
}

class Writer {
  buf = new Uint8Array(1 << 20);
  len = 0;
  private view = new DataView(this.buf.buffer);
  private grow(n: number) {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
    this.view = new DataView(b.buffer);
  }
  u16(v: number) {
    this.grow(2);
    this.view.setUint16(this.len, v, true);
    this.len += 2;
  }
  u32(v: number) {
    this.grow(4);
    this.view.setUint32(this.len, v, true);
    this.len += 4;
  }
  bytes(b: Uint8Array) {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  align() {
    if (this.len % 2) this.bytes(new Uint8Array(1));
  }
  patch32(pos: number, v: number) {
    this.view.setUint32(pos, v, true);
  }
}

const SHORT = 3;
const LONG = 4;
const ASCII = 2;
const IFD = 13;

type Entry = [tag: number, type: number, values: number[] | string];

/** Writes one IFD at the current position; returns its offset and the position of its next-IFD pointer. */
function writeIfd(w: Writer, entries: Entry[]): { offset: number; nextPos: number } {
  entries.sort((a, b) => a[0] - b[0]);
  w.align();
  const offset = w.len;
  const size = 2 + entries.length * 12 + 4;
  let extra = offset + size;
  const blobs: Uint8Array[] = [];
  const enc = entries.map(([tag, type, values]) => {
    const bytes =
      typeof values === 'string'
        ? new TextEncoder().encode(values + '\0')
        : (() => {
            const unit = type === SHORT ? 2 : 4;
            const b = new Uint8Array(values.length * unit);
            const dv = new DataView(b.buffer);
            values.forEach((v, i) => (unit === 2 ? dv.setUint16(i * 2, v, true) : dv.setUint32(i * 4, v, true)));
            return b;
          })();
    const count = typeof values === 'string' ? bytes.length : values.length;
    if (bytes.length <= 4) {
      const inline = new Uint8Array(4);
      inline.set(bytes);
      return { tag, type, count, inline };
    }
    const at = extra;
    blobs.push(bytes);
    extra += bytes.length + (bytes.length % 2);
    return { tag, type, count, at };
  });
  w.u16(entries.length);
  for (const e of enc) {
    w.u16(e.tag);
    w.u16(e.type);
    w.u32(e.count);
    if (e.inline) w.bytes(e.inline);
    else w.u32(e.at!);
  }
  const nextPos = w.len;
  w.u32(0);
  for (const b of blobs) {
    w.bytes(b);
    w.align();
  }
  return { offset, nextPos };
}

function omeXml(o: PyramidTiffOptions): string {
  const signed = (v: number) => (v | 0).toString();
  const ch = o.channels.map((c, i) => `<Channel ID="Channel:0:${i}" Name="${c.name}" SamplesPerPixel="1" Color="${signed(c.rgba)}"/>`).join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" UUID="urn:uuid:00000000-0000-4000-8000-000000000000">` +
    `<Image ID="Image:0" Name="demo"><Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="uint16" BigEndian="false" Interleaved="false" ` +
    `SizeX="${o.width}" SizeY="${o.height}" SizeC="${o.channels.length}" SizeZ="1" SizeT="1" ` +
    `PhysicalSizeX="${o.pixelSize}" PhysicalSizeXUnit="µm" PhysicalSizeY="${o.pixelSize}" PhysicalSizeYUnit="µm">` +
    `${ch}<TiffData IFD="0" PlaneCount="${o.channels.length}"/></Pixels></Image></OME>`
  );
}

export function writePyramidOmeTiff(o: PyramidTiffOptions): Uint8Array {
  const w = new Writer();
  w.bytes(new Uint8Array([0x49, 0x49]));
  w.u16(42);
  const firstPos = w.len;
  w.u32(0);
  let prevNext = firstPos;
  o.channels.forEach((channel, ci) => {
    // tiles of every level first, then the level IFDs (SubIFDs before their parent)
    const levels: { w: number; h: number; offsets: number[]; counts: number[] }[] = [];
    let cur = { data: channel.data, w: o.width, h: o.height };
    for (let l = 0; l < o.levels; l++) {
      if (l > 0) cur = downsample(cur.data, cur.w, cur.h);
      const offsets: number[] = [];
      const counts: number[] = [];
      const t = o.tile;
      const tile = new Uint16Array(t * t);
      for (let ty = 0; ty < Math.ceil(cur.h / t); ty++) {
        for (let tx = 0; tx < Math.ceil(cur.w / t); tx++) {
          tile.fill(0);
          for (let y = 0; y < t && ty * t + y < cur.h; y++) {
            const row = (ty * t + y) * cur.w + tx * t;
            tile.set(cur.data.subarray(row, row + Math.min(t, cur.w - tx * t)), y * t);
          }
          const z = zlibSync(new Uint8Array(tile.buffer.slice(0)), { level: 6 });
          w.align();
          offsets.push(w.len);
          counts.push(z.length);
          w.bytes(z);
        }
      }
      levels.push({ w: cur.w, h: cur.h, offsets, counts });
    }
    const base = (lv: (typeof levels)[number], subfile: number): Entry[] => [
      [254, LONG, [subfile]],
      [256, LONG, [lv.w]],
      [257, LONG, [lv.h]],
      [258, SHORT, [16]],
      [259, SHORT, [8]],
      [262, SHORT, [1]],
      [277, SHORT, [1]],
      [284, SHORT, [1]],
      [322, SHORT, [o.tile]],
      [323, SHORT, [o.tile]],
      [324, LONG, lv.offsets],
      [325, LONG, lv.counts],
      [339, SHORT, [1]],
    ];
    const subs = levels.slice(1).map((lv) => writeIfd(w, base(lv, 1)).offset);
    const main = base(levels[0], 0);
    if (ci === 0) main.push([270, ASCII, omeXml(o)]);
    if (subs.length) main.push([330, IFD, subs]);
    const { offset, nextPos } = writeIfd(w, main);
    w.patch32(prevNext, offset);
    prevNext = nextPos;
  });
  return w.buf.slice(0, w.len);
}

/** Synthetic "cells": nuclei (blobs), membranes (rings around them) and speckles; deterministic. */
export function demoCells(width: number, height: number): DemoChannel[] {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const cells = Array.from({ length: Math.round((width * height) / 9000) }, () => ({ x: rand() * width, y: rand() * height, r: 18 + rand() * 22 }));
  const nuclei = new Uint16Array(width * height);
  const membrane = new Uint16Array(width * height);
  const specks = new Uint16Array(width * height);
  for (let i = 0; i < nuclei.length; i++) {
    nuclei[i] = 300 + ((i * 2654435761) >>> 24);
    membrane[i] = 200 + ((i * 40503) & 127);
  }
  for (const c of cells) {
    const R = Math.ceil(c.r * 1.6);
    for (let y = Math.max(0, Math.floor(c.y - R)); y < Math.min(height, c.y + R); y++) {
      for (let x = Math.max(0, Math.floor(c.x - R)); x < Math.min(width, c.x + R); x++) {
        const d = Math.hypot(x - c.x, y - c.y) / c.r;
        const i = y * width + x;
        if (d < 0.6) nuclei[i] = Math.min(65535, nuclei[i] + Math.round(30000 * (1 - (d / 0.6) ** 2)));
        const ring = Math.exp(-(((d - 1.3) / 0.12) ** 2));
        membrane[i] = Math.min(65535, membrane[i] + Math.round(20000 * ring));
      }
    }
    for (let k = 0; k < 6; k++) {
      const sx = Math.round(c.x + (rand() - 0.5) * c.r * 2);
      const sy = Math.round(c.y + (rand() - 0.5) * c.r * 2);
      for (let y = sy - 2; y <= sy + 2; y++) for (let x = sx - 2; x <= sx + 2; x++) if (x >= 0 && y >= 0 && x < width && y < height) specks[y * width + x] = 25000;
    }
  }
  return [
    { name: 'nuclei', rgba: 0x0000ffff, data: nuclei },
    { name: 'membrane', rgba: 0x00ff00ff, data: membrane },
    { name: 'speckles', rgba: 0xff00ffff, data: specks },
  ];
}

/** The demo file: 3 channels, 2048 × 1536 uint16, 4 levels of 256-px tiles. */
export function demoOmeTiff(): Uint8Array {
  const width = 2048;
  const height = 1536;
  return writePyramidOmeTiff({ width, height, channels: demoCells(width, height), levels: 4, tile: 256, pixelSize: 0.325 });
}
