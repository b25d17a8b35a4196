/**
 * A Blosc 1 frame decoder for the common case — LZ4 (and LZ4HC, same stream format) blocks with
 * byte shuffle or no shuffle, or a memcpyed frame. LZ4 blocks go through a 610-byte hand-written
 * wasm module (lz4.wat → lz4-wasm.ts), or the JS `lz4DecodeBlock` where WebAssembly is refused;
 * 2- and 4-byte elements are unshuffled by a SIMD wasm module (unshuffle.wat) sharing its memory,
 * or in JS (`unshuffleInto`, straight into the sink's rows) without SIMD or for other sizes.
 * On the refs-read benchmark's 4096² uint16 region the SIMD unshuffle and a copy per row measured
 * 46–66 ms for the whole Blosc decode vs ~100 ms with the JS unshuffle (memory already mapped).
 *
 * Exports: `decodeBloscFast(bytes)` → the decoded bytes, or `null` when the frame uses a feature
 * we leave to numcodecs' wasm c-blosc (bitshuffle, blosclz/zstd/zlib/snappy blocks);
 * `decodeBloscInto(bytes, sink)` → the same decoding block by block into a `BloscSink`, so a
 * region reader (reference/read-region.ts) unshuffles straight into its output rows;
 * `bloscHeader`, `unshuffleInto`, `outViews`, `bufferSink`, `lz4DecodeBlock`.
 *
 * Why hand-written: numcodecs.js (the maintained JS Blosc) goes through emscripten's embind,
 * which copies every chunk into and out of wasm memory via a JS `std::string` conversion; a
 * profile of a 4096² uint16 read spent more time there than in c-blosc itself. The LZ4 block
 * format is a few lines (lz4/doc/lz4_Block_format.md) and the Blosc frame layout is fixed
 * (c-blosc README_CHUNK_FORMAT.rst), and no maintained npm package decodes raw LZ4 blocks into a
 * caller's buffer. Measured on the refs-read benchmark's 128 LZ4 streams (16.8 MB decoded):
 * lz4.wat 1215 MB/s including the copy into its memory, lz4-napi (native lz4_flex, prebuilt per
 * platform) 743–972 MB/s (a size-prefixed copy of each stream and a fresh output buffer per call),
 * lz4-wasm-nodejs 761–804 MB/s, this file's JS 382–427 MB/s: so no native dependency, and one
 * decoder for Node and browsers. Structural errors (sizes that disagree with the frame, offsets
 * outside it) are thrown, never read past: the caller names the chunk.
 */

import { LZ4_WASM, UNSHUFFLE_WASM } from './lz4-wasm.js';

const BLOSC_DOSHUFFLE = 0x1;
const BLOSC_MEMCPYED = 0x2;
const BLOSC_DOBITSHUFFLE = 0x4;
const BLOSC_DONT_SPLIT = 0x10;
const LZ4_FORMAT = 1;
const HEADER = 16;

class BloscError extends Error {
  constructor(message: string) {
    super(`blosc: ${message}`);
  }
}

/**
 * Decodes one LZ4 block `src[s, send)` into `dst[d, dend)`; returns the end of the output.
 * Matches may not reach before `d` (each Blosc stream is an independent block).
 */
function lz4DecodeBlock(src: Uint8Array, s: number, send: number, dst: Uint8Array, d: number, dend: number): number {
  const dstart = d;
  while (s < send) {
    const token = src[s++];
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (s >= send) throw new BloscError('truncated LZ4 literal length');
        b = src[s++];
        lit += b;
      } while (b === 255);
    }
    if (lit) {
      if (s + lit > send || d + lit > dend) throw new BloscError('LZ4 literal run beyond the block');
      // typed-array copies pay off only for longer runs
      if (lit > 16) dst.set(src.subarray(s, s + lit), d);
      else for (let i = 0; i < lit; i++) dst[d + i] = src[s + i];
      s += lit;
      d += lit;
    }
    if (s >= send) break; // the last sequence has literals only
    if (s + 2 > send) throw new BloscError('truncated LZ4 match offset');
    const off = src[s] | (src[s + 1] << 8);
    s += 2;
    let ml = token & 15;
    if (ml === 15) {
      let b: number;
      do {
        if (s >= send) throw new BloscError('truncated LZ4 match length');
        b = src[s++];
        ml += b;
      } while (b === 255);
    }
    ml += 4;
    if (off === 0 || off > d - dstart) throw new BloscError(`LZ4 match offset ${off} outside the block`);
    if (d + ml > dend) throw new BloscError('LZ4 match beyond the block');
    let m = d - off;
    if (off >= ml && ml > 16) {
      dst.copyWithin(d, m, m + ml);
      d += ml;
    } else {
      // overlapping matches repeat the last `off` bytes: copy forward byte by byte
      for (let i = 0; i < ml; i++) dst[d++] = dst[m++];
    }
  }
  return d;
}

/**
 * lz4.wat compiled (lz4-wasm.ts): the same decoding ~3× faster than `lz4DecodeBlock` on the
 * benchmark's streams (8-byte copies). Streams are copied into its memory and decoded there;
 * where WebAssembly is missing or refused (a page's CSP), the JS decoder runs instead.
 */
interface Lz4Wasm {
  lz4(s: number, send: number, d: number, dend: number): number;
  /** unshuffle.wat (SIMD; absent where SIMD is not supported): streams at src, n bytes each. */
  unshuffle?: Record<number, (src: number, n: number, dst: number) => void>;
  memory: WebAssembly.Memory;
  /** A view of `memory`, renewed when it grows. */
  view: Uint8Array;
}
let wasm: Lz4Wasm | null | undefined;
let wasmAllowed = true;
let unshuffleAllowed = true;

/**
 * Tests and benchmarks: `false` forces the JS decoder, `true` (default) uses the wasm one when it
 * loads; `unshuffle: false` keeps the wasm LZ4 with the JS unshuffle.
 */
export function setLz4Wasm(on: boolean, opts: { unshuffle?: boolean } = {}): void {
  wasmAllowed = on;
  if ((opts.unshuffle ?? true) !== unshuffleAllowed) wasm = undefined; // reload with the new choice
  unshuffleAllowed = opts.unshuffle ?? true;
}

/** Which LZ4 decoder and unshuffle Blosc frames go through. */
export function lz4Backend(): 'wasm+simd' | 'wasm' | 'js' {
  const w = lz4Wasm();
  return w ? (w.unshuffle ? 'wasm+simd' : 'wasm') : 'js';
}

function lz4Wasm(): Lz4Wasm | null {
  if (!wasmAllowed) return null;
  if (wasm !== undefined) return wasm;
  wasm = null;
  try {
    const load = (b64: string, imports?: WebAssembly.Imports) => {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports;
    };
    const { lz4, memory } = load(LZ4_WASM) as unknown as { lz4: Lz4Wasm['lz4']; memory: WebAssembly.Memory };
    wasm = { lz4, memory, view: new Uint8Array(memory.buffer) };
    try {
      const u = load(UNSHUFFLE_WASM, { env: { memory } }) as unknown as Record<string, (src: number, n: number, dst: number) => void>;
      if (unshuffleAllowed) wasm.unshuffle = { 2: u.unshuffle2, 4: u.unshuffle4 };
    } catch {
      // no SIMD: the JS unshuffle
    }
  } catch {
    wasm = null;
  }
  return wasm;
}

const LZ4_ERRORS: Record<number, string> = {
  [-1]: 'truncated LZ4 literal length',
  [-2]: 'LZ4 literal run beyond the block',
  [-3]: 'truncated LZ4 match offset',
  [-4]: 'truncated LZ4 match length',
  [-5]: 'LZ4 match offset outside the block',
  [-6]: 'LZ4 match beyond the block',
};

/**
 * Room for a block's streams at 0, one compressed stream (+16 bytes read ahead) at `blocksize`,
 * and the unshuffled block at `unshuffledAt(blocksize)`.
 */
const unshuffledAt = (blocksize: number) => (2 * blocksize + 16 + 15) & ~15;
function wasmRoom(w: Lz4Wasm, blocksize: number): Uint8Array {
  const need = unshuffledAt(blocksize) + blocksize;
  const have = w.memory.buffer.byteLength;
  if (have < need) w.memory.grow(Math.ceil((need - have) / 65536));
  if (w.view.buffer !== w.memory.buffer) w.view = new Uint8Array(w.memory.buffer);
  return w.view;
}

const hostLittle = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Where a Blosc frame's decoded bytes go. Blosc decodes block by block (each a contiguous byte
 * range of the chunk), so a sink can write straight into a strided destination (a region of a
 * larger array) instead of into a chunk buffer that is then copied. The arrays a sink is handed
 * are valid during the call only (scratch memory, reused for the next block).
 */
export interface BloscSink {
  /** Decoded bytes `src[off, off + n)` are bytes `[at, at + n)` of the chunk. */
  bytes(at: number, src: Uint8Array, off: number, n: number): void;
  /**
   * `count` elements of `typesize` bytes starting at element `at` of the chunk, byte-shuffled:
   * byte k of element i is `streams[k][offs[k] + i]`.
   */
  shuffled(at: number, count: number, typesize: number, streams: Uint8Array[], offs: number[]): void;
}

/** Views of one output buffer; `u16`/`u32` when it is aligned for them. */
export interface OutViews {
  u8: Uint8Array;
  u16?: Uint16Array;
  u32?: Uint32Array;
}

export function outViews(u8: Uint8Array): OutViews {
  const { buffer, byteOffset, byteLength } = u8;
  return {
    u8,
    u16: byteOffset % 2 === 0 ? new Uint16Array(buffer, byteOffset, byteLength >> 1) : undefined,
    u32: byteOffset % 4 === 0 ? new Uint32Array(buffer, byteOffset, byteLength >> 2) : undefined,
  };
}

/**
 * Undo the byte shuffle of `count` elements into `out` at element `o`; element i's byte k is
 * `streams[k][offs[k] + skip + i]`.
 */
export function unshuffleInto(out: OutViews, o: number, count: number, typesize: number, streams: Uint8Array[], offs: number[], skip = 0): void {
  if (typesize === 2 && hostLittle && out.u16) {
    const o16 = out.u16, lo = streams[0], hi = streams[1], a = offs[0] + skip - o, b = offs[1] + skip - o;
    for (let i = o, e = o + count; i < e; i++) o16[i] = lo[a + i] | (hi[b + i] << 8);
  } else if (typesize === 4 && hostLittle && out.u32) {
    const o32 = out.u32, [s0, s1, s2, s3] = streams;
    const a = offs[0] + skip - o, b = offs[1] + skip - o, c = offs[2] + skip - o, d = offs[3] + skip - o;
    for (let i = o, e = o + count; i < e; i++) o32[i] = s0[a + i] | (s1[b + i] << 8) | (s2[c + i] << 16) | (s3[d + i] << 24);
  } else {
    const u8 = out.u8;
    for (let k = 0; k < typesize; k++) {
      const s = streams[k], a = offs[k] + skip;
      for (let i = 0, j = o * typesize + k; i < count; i++, j += typesize) u8[j] = s[a + i];
    }
  }
}

/** A sink that fills one contiguous buffer (the whole chunk). */
function bufferSink(out: Uint8Array): BloscSink {
  const views = outViews(out);
  return {
    bytes: (at, src, off, n) => out.set(src.subarray(off, off + n), at),
    shuffled: (at, count, typesize, streams, offs) => unshuffleInto(views, at, count, typesize, streams, offs),
  };
}

// One LZ4 scratch buffer for all chunks (decoding is synchronous): fresh allocations of this size
// cost page faults that measured as much as the decoding on the benchmark machine.
let shared = new Uint8Array(0);
function scratch(n: number): Uint8Array {
  if (shared.length < n) shared = new Uint8Array(n);
  return shared;
}

export interface BloscHeader {
  /** Decoded size in bytes. */
  nbytes: number;
  typesize: number;
  /** False when the frame uses a feature left to c-blosc (see the module doc). */
  supported: boolean;
}

/** Reads and checks a frame's header (sizes that cannot be right are errors, before anything is allocated). */
export function bloscHeader(bytes: Uint8Array): BloscHeader {
  if (bytes.length < HEADER) throw new BloscError(`frame of ${bytes.length} bytes is shorter than the 16-byte header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = bytes[0], flags = bytes[2], typesize = bytes[3];
  const nbytes = dv.getUint32(4, true), blocksize = dv.getUint32(8, true), cbytes = dv.getUint32(12, true);
  if (version === 0 || version > 2) return { nbytes, typesize, supported: false }; // Blosc 2 frames and unknown versions: c-blosc decides
  if (cbytes > bytes.length) throw new BloscError(`header says ${cbytes} compressed bytes, the chunk has ${bytes.length}`);
  if (flags & BLOSC_MEMCPYED) {
    if (HEADER + nbytes > bytes.length) throw new BloscError(`memcpyed frame of ${nbytes} bytes is truncated (${bytes.length - HEADER} present)`);
    return { nbytes, typesize, supported: true };
  }
  if (flags >> 5 !== LZ4_FORMAT || flags & BLOSC_DOBITSHUFFLE) return { nbytes, typesize, supported: false };
  if (typesize === 0) throw new BloscError('typesize 0 in the header');
  // never trust the header's size: LZ4 expands at most ~255×, so a larger claim is a broken frame
  if (nbytes > cbytes * 255 + blocksize) throw new BloscError(`header claims ${nbytes} decoded bytes from a ${cbytes}-byte frame`);
  if (nbytes && blocksize === 0) throw new BloscError('blocksize 0 in the header');
  // c-blosc makes shuffled blocks whole elements; anything else is left to it
  const shuffle = (flags & BLOSC_DOSHUFFLE) !== 0 && typesize > 1;
  return { nbytes, typesize, supported: !shuffle || blocksize % typesize === 0 };
}

/**
 * Decodes a Blosc 1 frame into `sink`; returns false (having written nothing) for features left
 * to c-blosc (see the module doc).
 */
export function decodeBloscInto(bytes: Uint8Array, sink: BloscSink): boolean {
  if (!bloscHeader(bytes).supported) return false;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const flags = bytes[2];
  const typesize = bytes[3];
  const nbytes = dv.getUint32(4, true);
  const blocksize = dv.getUint32(8, true);
  const cbytes = dv.getUint32(12, true);
  if (flags & BLOSC_MEMCPYED) {
    sink.bytes(0, bytes, HEADER, nbytes);
    return true;
  }
  if (nbytes === 0) return true;
  const nblocks = Math.ceil(nbytes / blocksize);
  const shuffle = (flags & BLOSC_DOSHUFFLE) !== 0 && typesize > 1;
  const split = (flags & BLOSC_DONT_SPLIT) === 0;
  if (HEADER + 4 * nblocks > cbytes) throw new BloscError(`${nblocks} block offsets do not fit in ${cbytes} bytes`);
  const w = lz4Wasm();
  const bmax = Math.min(blocksize, nbytes);
  // decoded streams go to the wasm memory's first `bmax` bytes, or to the JS scratch buffer
  const tmp = w ? wasmRoom(w, bmax) : scratch(bmax);
  const streams: Uint8Array[] = new Array(typesize);
  const offs: number[] = new Array(typesize);
  for (let b = 0; b < nblocks; b++) {
    const start = b * blocksize;
    const bsize = Math.min(blocksize, nbytes - start);
    const leftover = bsize < blocksize;
    const nstreams = split && !leftover ? typesize : 1;
    if (bsize % nstreams) throw new BloscError(`block ${b} of ${bsize} bytes does not split into ${nstreams} streams`);
    const ssize = bsize / nstreams;
    let s = dv.getUint32(HEADER + 4 * b, true);
    // each stream stays where it is when stored (incompressible bytes: often half of a shuffled
    // uint16 image) or is decoded into the scratch buffer; then goes to the sink from there
    // with the SIMD unshuffle every stream is put in the wasm memory (stored ones copied) and
    // the block is unshuffled there, then handed over as plain bytes
    const simd = shuffle && w?.unshuffle?.[typesize];
    let srcs: Uint8Array[] | undefined, soffs: number[] | undefined;
    if (nstreams > 1) (srcs = []), (soffs = []);
    let one: Uint8Array = tmp, oneOff = 0;
    for (let j = 0; j < nstreams; j++) {
      if (s + 4 > cbytes) throw new BloscError(`block ${b} starts beyond the frame`);
      const cs = dv.getUint32(s, true);
      s += 4;
      if (s + cs > cbytes) throw new BloscError(`block ${b} stream ${j} (${cs} bytes) runs past the frame`);
      let src: Uint8Array, off: number;
      const d = j * ssize;
      if (cs === ssize) {
        if (simd) tmp.set(bytes.subarray(s, s + cs), d), (src = tmp), (off = d);
        else (src = bytes), (off = s);
      } else if (w) {
        if (cs > bmax) throw new BloscError(`block ${b} stream ${j} (${cs} bytes) is longer than the block`);
        tmp.set(bytes.subarray(s, s + cs), bmax);
        const end = w.lz4(bmax, bmax + cs, d, d + ssize);
        if (end < 0) throw new BloscError(LZ4_ERRORS[end] ?? `LZ4 error ${end}`);
        if (end !== d + ssize) throw new BloscError(`block ${b} stream ${j} decoded to ${end - d} bytes, expected ${ssize}`);
        (src = tmp), (off = d);
      } else {
        const end = lz4DecodeBlock(bytes, s, s + cs, tmp, d, d + ssize);
        if (end !== d + ssize) throw new BloscError(`block ${b} stream ${j} decoded to ${end - d} bytes, expected ${ssize}`);
        (src = tmp), (off = d);
      }
      if (srcs) srcs.push(src), soffs!.push(off);
      else (one = src), (oneOff = off);
      s += cs;
    }
    if (simd) {
      // split or not, byte k of the block's elements lies at k * count from 0 here
      const count = Math.floor(bsize / typesize), u = unshuffledAt(bmax);
      simd(0, count, u);
      const rem = bsize - count * typesize;
      if (rem) tmp.copyWithin(u + count * typesize, count * typesize, bsize);
      sink.bytes(start, tmp, u, bsize);
      continue;
    }
    if (!shuffle) {
      if (srcs) for (let j = 0; j < nstreams; j++) sink.bytes(start + j * ssize, srcs[j], soffs![j], ssize);
      else sink.bytes(start, one, oneOff, bsize);
      continue;
    }
    const count = Math.floor(bsize / typesize);
    for (let k = 0; k < typesize; k++) {
      // split: one stream per byte of the element; not split: the block's bytes in shuffled order
      streams[k] = srcs ? srcs[k] : one;
      offs[k] = srcs ? soffs![k] : oneOff + k * count;
    }
    sink.shuffled(start / typesize, count, typesize, streams, offs);
    const rem = bsize - count * typesize;
    if (rem) sink.bytes(start + count * typesize, srcs ? srcs[0] : one, (srcs ? soffs![0] : oneOff) + count * typesize, rem);
  }
  return true;
}

/** Decodes a Blosc 1 frame, or returns null for features left to c-blosc (see the module doc). */
export function decodeBloscFast(bytes: Uint8Array): Uint8Array | null {
  const h = bloscHeader(bytes);
  if (!h.supported) return null;
  const out = new Uint8Array(h.nbytes);
  decodeBloscInto(bytes, bufferSink(out));
  return out;
}
