/**
 * A Blosc 1 frame decoder for the common case — LZ4 (and LZ4HC, same stream format) blocks with
 * byte shuffle or no shuffle, or a memcpyed frame — in plain JS.
 *
 * Exports: `decodeBloscFast(bytes)` → the decoded bytes, or `null` when the frame uses a feature
 * we leave to numcodecs' wasm c-blosc (bitshuffle, blosclz/zstd/zlib/snappy blocks).
 *
 * Why hand-written: numcodecs.js (the maintained JS Blosc) goes through emscripten's embind,
 * which copies every chunk into and out of wasm memory via a JS `std::string` conversion; a
 * profile of a 4096² uint16 read spent more time there than in c-blosc itself. The LZ4 block
 * format is a few lines (lz4/doc/lz4_Block_format.md) and the Blosc frame layout is fixed
 * (c-blosc README_CHUNK_FORMAT.rst), and no maintained npm package decodes raw LZ4 blocks into a
 * caller's buffer. Structural errors (sizes that disagree with the frame, offsets outside it) are
 * thrown, never read past: the caller names the chunk.
 */

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
export function lz4DecodeBlock(src: Uint8Array, s: number, send: number, dst: Uint8Array, d: number, dend: number): number {
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

const hostLittle = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Undo Blosc's byte shuffle of `n` bytes from `src` into `out` at `o` (a trailing remainder is copied). */
function unshuffle(src: Uint8Array, n: number, typesize: number, out: Uint8Array, o: number) {
  const count = Math.floor(n / typesize);
  if (typesize === 2 && hostLittle && o % 2 === 0 && out.byteOffset % 2 === 0) {
    const o16 = new Uint16Array(out.buffer, out.byteOffset + o, count);
    for (let i = 0; i < count; i++) o16[i] = src[i] | (src[count + i] << 8);
  } else if (typesize === 4 && hostLittle && o % 4 === 0 && out.byteOffset % 4 === 0) {
    const o32 = new Uint32Array(out.buffer, out.byteOffset + o, count);
    const c2 = 2 * count, c3 = 3 * count;
    for (let i = 0; i < count; i++) o32[i] = (src[i] | (src[count + i] << 8) | (src[c2 + i] << 16) | (src[c3 + i] << 24)) >>> 0;
  } else {
    for (let k = 0; k < typesize; k++) {
      const base = k * count;
      for (let i = 0; i < count; i++) out[o + i * typesize + k] = src[base + i];
    }
  }
  const rem = n - count * typesize;
  if (rem) out.set(src.subarray(count * typesize, n), o + count * typesize);
}

// One shuffle buffer for all chunks (decoding is synchronous): fresh allocations of this size cost
// page faults that measured as much as the decoding on the benchmark machine.
let shared = new Uint8Array(0);
function scratch(n: number): Uint8Array {
  if (shared.length < n) shared = new Uint8Array(n);
  return shared;
}

/** Decodes a Blosc 1 frame, or returns null for features left to c-blosc (see the module doc). */
export function decodeBloscFast(bytes: Uint8Array): Uint8Array | null {
  if (bytes.length < HEADER) throw new BloscError(`frame of ${bytes.length} bytes is shorter than the 16-byte header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = bytes[0];
  const flags = bytes[2];
  const typesize = bytes[3];
  const nbytes = dv.getUint32(4, true);
  const blocksize = dv.getUint32(8, true);
  const cbytes = dv.getUint32(12, true);
  if (version === 0 || version > 2) return null; // Blosc 2 frames and unknown versions: c-blosc decides
  if (cbytes > bytes.length) throw new BloscError(`header says ${cbytes} compressed bytes, the chunk has ${bytes.length}`);
  if (flags & BLOSC_MEMCPYED) {
    if (HEADER + nbytes > bytes.length) throw new BloscError(`memcpyed frame of ${nbytes} bytes is truncated (${bytes.length - HEADER} present)`);
    return bytes.slice(HEADER, HEADER + nbytes);
  }
  if (flags >> 5 !== LZ4_FORMAT || flags & BLOSC_DOBITSHUFFLE) return null;
  if (typesize === 0) throw new BloscError('typesize 0 in the header');
  if (nbytes === 0) return new Uint8Array(0);
  if (blocksize === 0) throw new BloscError('blocksize 0 in the header');
  const nblocks = Math.ceil(nbytes / blocksize);
  const shuffle = (flags & BLOSC_DOSHUFFLE) !== 0 && typesize > 1;
  const split = (flags & BLOSC_DONT_SPLIT) === 0;
  if (HEADER + 4 * nblocks > cbytes) throw new BloscError(`${nblocks} block offsets do not fit in ${cbytes} bytes`);
  // never trust the header's size: LZ4 expands at most ~255×, so a larger claim is a broken frame
  if (nbytes > cbytes * 255 + blocksize) throw new BloscError(`header claims ${nbytes} decoded bytes from a ${cbytes}-byte frame`);
  const out = new Uint8Array(nbytes);
  const tmp = shuffle ? scratch(Math.min(blocksize, nbytes)) : undefined;
  for (let b = 0; b < nblocks; b++) {
    const start = b * blocksize;
    const bsize = Math.min(blocksize, nbytes - start);
    const leftover = bsize < blocksize;
    const nstreams = split && !leftover ? typesize : 1;
    if (bsize % nstreams) throw new BloscError(`block ${b} of ${bsize} bytes does not split into ${nstreams} streams`);
    const ssize = bsize / nstreams;
    const target = tmp ?? out;
    const t0 = tmp ? 0 : start;
    let s = dv.getUint32(HEADER + 4 * b, true);
    for (let j = 0; j < nstreams; j++) {
      if (s + 4 > cbytes) throw new BloscError(`block ${b} starts beyond the frame`);
      const cs = dv.getUint32(s, true);
      s += 4;
      if (s + cs > cbytes) throw new BloscError(`block ${b} stream ${j} (${cs} bytes) runs past the frame`);
      const d = t0 + j * ssize;
      if (cs === ssize) target.set(bytes.subarray(s, s + cs), d);
      else {
        const end = lz4DecodeBlock(bytes, s, s + cs, target, d, d + ssize);
        if (end !== d + ssize) throw new BloscError(`block ${b} stream ${j} decoded to ${end - d} bytes, expected ${ssize}`);
      }
      s += cs;
    }
    if (tmp) unshuffle(tmp, bsize, typesize, out, start);
  }
  return out;
}
