/**
 * TIFF LZW decoder (Compression 5; the `imagecodecs_lzw` codec id): `decodeLzw(src, size?)`.
 *
 * Hand-written, on purpose (measured; the numbers are in docs/codecs.md, `npm run bench -- lzw`
 * repeats them). The npm decoders we could use are not fit for large strips: the `lzw-tiff-decoder`
 * package (WASM, weezl) zero-fills the whole undecoded rest of its output before each call into
 * weezl, which returns once per table reset, so its time grows with the square of the strip size (a
 * real single-strip camera image took minutes); its maintained fork `@developmentseed/lzw-tiff-decoder`
 * is still superlinear; both loop forever on corrupt or truncated input (the wrapper calls again a
 * decoder that makes no progress); geotiff's JS LZW overruns its dictionary on long streams
 * (geotiff.js#546).
 *
 * The TIFF flavour, as libtiff reads it: codes MSB-first, 9 → 12 bits, ClearCode 256,
 * EndOfInformation 257, first free code 258, the width growing one code early (when the next free
 * code reaches 2^width − 1). Linear time, and no allocation but the output (of the known `size`,
 * from the TIFF geometry, plus 264 bytes): it is written once, left to right. A table entry is where
 * its string already sits in the output (offset, length): an entry is the previous code's string
 * plus the next string's first byte, adjacent there. The 256 literals sit after the `size` bytes, so
 * every code is one forward copy (8 bytes at a time for the short strings most codes are).
 *
 * Ends: at EndOfInformation (the result may be shorter than `size`: a short last strip), or as soon
 * as `size` bytes are decoded (the rest of the stream is not read, as libtiff does). Errors (plain
 * `Error`, "LZW data is corrupt: …"): a code not yet in the table, a code other than a literal right
 * after a ClearCode, a stream that runs out before its EndOfInformation with fewer than `size` bytes
 * decoded (truncated; libtiff refuses it too), old-style (pre-1991, LSB-first) LZW. Without `size`
 * the output is guessed and doubled (decoding again) up to 256 MiB.
 *
 * The result is a view of the first bytes of a slightly larger buffer (respect `byteOffset`/`length`).
 */

const CLEAR = 256;
const EOI = 257;
const FIRST = 258;
const TABLE = 4096;
/** After the output: the 256 literal bytes, and slack for an 8-byte copy from the last of them. */
const LITERALS = 264;
/** Without a known size: the most we decode. */
export const LZW_UNKNOWN_SIZE_CAP = 1 << 28;
const MAX_SIZE = 2 ** 32 - LITERALS - 1;

// The string table, shared by every call (decoding is synchronous): code c's string is
// buf[tab[2c] .. tab[2c] + tab[2c + 1]).
const tab = new Uint32Array(2 * TABLE);

function corrupt(what: string, ip: number, n: number): Error {
  return new Error(`LZW data is corrupt: ${what} (at byte ${ip} of ${n})`);
}

/**
 * Decode one TIFF LZW stream. `size`: the decoded size when known (rows × row bytes of the strip
 * or tile); the result is at most that long.
 */
export function decodeLzw(src: Uint8Array, size?: number): Uint8Array {
  if (src.length >= 2 && src[0] === 0 && (src[1] & 1) === 1) {
    // libtiff's own test: new-style streams begin with a ClearCode (0x80 …)
    throw new Error('LZW data is old-style (LSB-first, written by libtiff before 1991): not supported');
  }
  if (size !== undefined) {
    if (!Number.isSafeInteger(size) || size < 0 || size > MAX_SIZE) throw new Error(`LZW: unsupported decoded size ${size}`);
    const out = decodeInto(src, size);
    if (state.end === INPUT && state.pos < size) {
      throw corrupt(`the stream ends without its EndOfInformation code after ${state.pos} of ${size} decoded bytes (truncated?)`, state.ip, src.length);
    }
    return out;
  }
  // Unknown size: decode into a guess; when it fills up, again into twice as much.
  for (let guess = Math.min(Math.max(src.length * 4, 4096), LZW_UNKNOWN_SIZE_CAP); ; guess = Math.min(guess * 2, LZW_UNKNOWN_SIZE_CAP)) {
    const out = decodeInto(src, guess);
    if (state.end === EOI_SEEN) return out;
    if (state.end === INPUT) {
      throw corrupt(`the stream ends without its EndOfInformation code after ${state.pos} decoded bytes (truncated?)`, state.ip, src.length);
    }
    if (guess === LZW_UNKNOWN_SIZE_CAP) throw new Error(`LZW: decoded size over ${LZW_UNKNOWN_SIZE_CAP} bytes with no size given`);
  }
}

const INPUT = 0; // the input ran out
const EOI_SEEN = 1;
const FULL = 2; // `size` bytes decoded
/** How the last decodeInto ended: why, bytes decoded, bytes read. */
const state = { end: INPUT, pos: 0, ip: 0 };

function decodeInto(src: Uint8Array, size: number): Uint8Array {
  const buf = new Uint8Array(size + LITERALS);
  if (size === 0) {
    state.end = FULL; state.pos = 0; state.ip = 0;
    return buf.subarray(0, 0);
  }
  const dv = new DataView(buf.buffer);
  const t = tab;
  for (let c = 0; c < 256; c++) {
    buf[size + c] = c;
    t[2 * c] = size + c;
    t[2 * c + 1] = 1;
  }
  const n = src.length;
  const fast = size - 8; // below this, an 8-byte copy stays inside the output
  let ip = 0;
  let bits = 0; // bit buffer: the low `count` bits are unread (higher bits are stale)
  let count = 0;
  let width = 9;
  let mask = 511;
  let next = FIRST;
  let grow = 511; // the next free code at which the width grows (2^width − 1: TIFF's early change)
  let prevAt = -1; // the previous code's string in buf; -1 right after a ClearCode
  let prevLen = 0;
  let pos = 0;
  let end = INPUT;

  decoding: for (;;) {
    while (count < width) {
      if (ip >= n) break decoding;
      bits = (bits << 8) | src[ip++];
      count += 8;
    }
    count -= width;
    const code = (bits >>> count) & mask;

    let s: number;
    let l: number;
    let kwkwk = false;
    if (code < next) {
      if ((code & ~1) === CLEAR) {
        if (code === EOI) { end = EOI_SEEN; break; }
        width = 9; mask = 511; grow = 511; next = FIRST; prevAt = -1;
        continue;
      }
      s = t[2 * code];
      l = t[2 * code + 1];
    } else if (code === next && prevAt >= 0 && next < TABLE) {
      // KwKwK: the previous string plus its own first byte (the entry being added right now)
      s = prevAt;
      l = prevLen + 1;
      kwkwk = true;
    } else if (prevAt < 0) {
      throw corrupt(`code ${code} right after a ClearCode (a literal must come first)`, ip, n);
    } else {
      throw corrupt(`code ${code} is not in the table (next free code ${next})`, ip, n);
    }
    if (prevAt >= 0 && next < TABLE) {
      t[2 * next] = prevAt;
      t[2 * next + 1] = prevLen + 1;
      if (++next === grow && width < 12) { width++; mask = (mask << 1) | 1; grow = mask; }
    }

    if (l <= 8 && pos < fast && !kwkwk) {
      // most codes: copy 8 bytes (the ones past `l` are overwritten by the next strings)
      dv.setUint32(pos, dv.getUint32(s, true), true);
      dv.setUint32(pos + 4, dv.getUint32(s + 4, true), true);
    } else if (pos + l >= size) {
      // the last bytes of the output: copy what fits and stop
      const k = size - pos;
      for (let i = 0; i < k; i++) buf[pos + i] = buf[s + i];
      pos = size;
      end = FULL;
      break;
    } else if (l <= 24) {
      // forward, byte by byte: a KwKwK source ends one byte into its destination
      for (let i = 0; i < l; i++) buf[pos + i] = buf[s + i];
    } else if (!kwkwk) {
      buf.copyWithin(pos, s, s + l);
    } else {
      buf.copyWithin(pos, s, s + l - 1);
      buf[pos + l - 1] = buf[s];
    }
    prevAt = pos;
    prevLen = l;
    pos += l;
  }
  state.end = end;
  state.pos = pos;
  state.ip = ip;
  return buf.subarray(0, pos);
}
