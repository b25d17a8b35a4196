/**
 * Our TIFF LZW decoder (src/codecs/lzw.ts) against strips written by an independent encoder,
 * Debian's libtiff (ctypes; test/codecs/py/make_lzw.py, which also checks that libtiff reads each
 * file back to the array): every strip decodes to the bytes numpy wrote — small and odd sizes,
 * multi-strip with a short last strip, uint8/uint16 (both byte orders)/float32, RGB, horizontal and
 * floating-point predictors (through decodeZarrChunk and the registry's zarrita codec, as the
 * reference maker, viewer and model runner decode), and one 64 MiB single strip (the size class
 * that took the old WASM decoder minutes; its timing is `npm run bench -- lzw`). Corrupt streams
 * (truncated, random bytes, flipped bytes, codes beyond the table) are a clear error or a result of
 * the right length, never a hang or a JavaScript TypeError/RangeError.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { registry } from 'zarrita';
import { decodeChunk, decodeZarrChunk, registerCodecs, tiffCodecs } from '../../src/codecs/index.js';
import { decodeLzw, LZW_UNKNOWN_SIZE_CAP } from '../../src/codecs/lzw.js';
import { python, repoRoot } from '../helpers/paths.js';

interface Case { name: string; dtype: string; shape: number[]; rowsperstrip: number; predictor: number; strips: [number, number][] }

const script = path.join(repoRoot, 'test/codecs/py/make_lzw.py');
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;

/** Data written by make_lzw.py into .cache/lzw-<args>-<script hash>/ (kept while the script is unchanged). */
function generate(args: string[]): { dir: string; cases: Case[] } {
  const hash = crypto.createHash('sha256').update(fs.readFileSync(script)).update(fs.readFileSync(path.join(repoRoot, 'test/tiff/py/libtiff_write.py'))).digest('hex').slice(0, 12);
  const dir = path.join(repoRoot, '.cache', `lzw-${args.join('-')}-${hash}`);
  const done = path.join(dir, 'cases.json');
  if (!fs.existsSync(done)) {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const tmp = fs.mkdtempSync(`${dir}.partial-`);
    const out = execFileSync(python, [script, tmp, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
    fs.writeFileSync(path.join(tmp, 'cases.json'), out);
    try {
      fs.renameSync(tmp, dir);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true }); // another run made it first
    }
  }
  return { dir, cases: JSON.parse(fs.readFileSync(done, 'utf8')) as Case[] };
}

/** Each strip's compressed bytes, the bytes numpy wrote for its rows, and its full (rowsperstrip) size. */
function strips(dir: string, c: Case) {
  const tif = fs.readFileSync(path.join(dir, `${c.name}.tif`));
  const raw = new Uint8Array(fs.readFileSync(path.join(dir, `${c.name}.raw`)));
  const rowBytes = raw.length / c.shape[0];
  return c.strips.map(([off, n], i) => {
    const start = i * c.rowsperstrip * rowBytes;
    return {
      lzw: new Uint8Array(tif.subarray(off, off + n)),
      want: raw.subarray(start, Math.min(raw.length, start + c.rowsperstrip * rowBytes)),
      size: c.rowsperstrip * rowBytes,
    };
  });
}

/** TIFF-flavoured LZW code packer for hand-made streams (MSB-first, widths as libtiff's decoder). */
function pack(codes: number[]): Uint8Array {
  const bytes: number[] = [];
  let acc = 0, nacc = 0, width = 9, next = 258, first = true;
  for (const code of codes) {
    for (let b = width - 1; b >= 0; b--) {
      acc = (acc << 1) | ((code >> b) & 1);
      if (++nacc === 8) { bytes.push(acc); acc = 0; nacc = 0; }
    }
    if (code === 256) { width = 9; next = 258; first = true; continue; }
    if (code === 257) continue;
    if (!first && next < 4096 && ++next === (1 << width) - 1 && width < 12) width++;
    first = false;
  }
  if (nacc) bytes.push(acc << (8 - nacc));
  return new Uint8Array(bytes);
}

/** A corrupt stream's outcome: our clear error, or a result no longer than asked for. */
function decodeOrError(src: Uint8Array, size?: number): Uint8Array | Error {
  try {
    const out = decodeLzw(src, size);
    if (size !== undefined) expect(out.length).toBeLessThanOrEqual(size);
    return out;
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(TypeError);
    expect(e).not.toBeInstanceOf(RangeError);
    expect((e as Error).message).toMatch(/^LZW/);
    return e as Error;
  }
}

function rng(seed: number) {
  return () => ((seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0) >>> 0) / 2 ** 32;
}

let small: { dir: string; cases: Case[] };
const byName = (n: string) => small.cases.find((c) => c.name === n)!;

beforeAll(() => {
  small = generate(['cases']);
});

describe('decodeLzw on libtiff-written strips', () => {
  it('decodes every strip of every case to the bytes numpy wrote (short last strips end at their EndOfInformation)', () => {
    expect(small.cases.length).toBeGreaterThanOrEqual(13);
    let n = 0;
    for (const c of small.cases.filter((x) => x.predictor === 1)) {
      for (const [i, s] of strips(small.dir, c).entries()) {
        const out = decodeLzw(s.lzw, s.size);
        expect(same(out, s.want), `${c.name} strip ${i}`).toBe(true);
        n++;
      }
    }
    expect(n).toBeGreaterThanOrEqual(20);
  });

  it('undoes the horizontal and floating-point predictors through decodeZarrChunk (uint8, uint16 both byte orders, RGB, float32)', async () => {
    for (const c of small.cases.filter((x) => x.predictor !== 1)) {
      const samples = c.shape.length === 3 ? c.shape[2] : 1;
      const chunks = [c.rowsperstrip, ...c.shape.slice(1)];
      const { compressor, filters } = tiffCodecs({
        compression: 5, predictor: c.predictor, samplesPerPixel: samples, planar: 1, photometric: samples === 3 ? 2 : 1,
        extraSamples: [], bitsPerSample: Number(c.dtype.slice(2)) * 8, chunks, dtype: c.dtype,
      });
      expect(compressor).toEqual({ id: 'imagecodecs_lzw' });
      for (const [i, s] of strips(small.dir, c).entries()) {
        const out = await decodeZarrChunk({ compressor, filters, chunks, dtype: c.dtype }, s.lzw);
        expect(out.length).toBe(s.size);
        expect(same(out.subarray(0, s.want.length), s.want), `${c.name} strip ${i}`).toBe(true);
      }
    }
  });

  it('the registry: decodeChunk and zarrita\'s imagecodecs_lzw codec (bare and numcodecs. ids) give the same bytes; a short last strip is padded', async () => {
    registerCodecs();
    const c = byName('u16-odd-strips');
    const all = strips(small.dir, c);
    for (const id of ['imagecodecs_lzw', 'numcodecs.imagecodecs_lzw']) {
      const Codec = (await registry.get(id)!()) as unknown as { fromConfig(c: unknown, m: unknown): { decode(b: Uint8Array): Promise<Uint8Array> } };
      const codec = Codec.fromConfig({}, { dataType: 'uint16', shape: [c.rowsperstrip, c.shape[1]] });
      for (const s of all) {
        const out = await codec.decode(s.lzw);
        expect(out.length).toBe(s.size);
        expect(same(out.subarray(0, s.want.length), s.want)).toBe(true);
        expect(out.subarray(s.want.length).every((b) => b === 0)).toBe(true);
      }
    }
    for (const s of all) expect(same(await decodeChunk({ id: 'imagecodecs_lzw' }, s.lzw, s.size), s.want)).toBe(true);
  });

  it('without a size: grows its output (high ratios too) and gives the same bytes', async () => {
    for (const name of ['u8-zeros', 'u8-runs', 'u8-random', 'u16-noisy-512', 'u8-1x1']) {
      const [s] = strips(small.dir, byName(name));
      expect(same(decodeLzw(s.lzw), s.want), name).toBe(true);
      expect(same(await decodeChunk({ id: 'imagecodecs_lzw' }, s.lzw), s.want), name).toBe(true);
    }
    expect(LZW_UNKNOWN_SIZE_CAP).toBe(1 << 28);
  });

  it('stops at the size asked for (a prefix of the data), and ignores bytes after EndOfInformation', () => {
    const [s] = strips(small.dir, byName('u16-noisy-512'));
    for (const k of [0, 1, 7, 8, 9, 4095, 100_003, s.want.length - 1]) {
      expect(same(decodeLzw(s.lzw, k), s.want.subarray(0, k)), `size ${k}`).toBe(true);
    }
    const padded = new Uint8Array(s.lzw.length + 100).fill(0xff);
    padded.set(s.lzw);
    expect(same(decodeLzw(padded, s.size), s.want)).toBe(true);
    expect(same(decodeLzw(padded, s.size + 1000), s.want)).toBe(true); // EOI first: the result is short
  });

  it('decodes a 64 MiB single strip (uint16 camera frame) in one pass into one output buffer', () => {
    const big = generate(['camera', 'cam64', '4096', '8192']);
    const [s] = strips(big.dir, big.cases[0]);
    expect(s.size).toBe(64 << 20);
    const out = decodeLzw(s.lzw, s.size);
    expect(out.length).toBe(s.size);
    // the output is the only big allocation: its buffer is the size asked for plus the 264 literal/slack bytes
    expect(out.buffer.byteLength).toBe(s.size + 264);
    expect(out.byteOffset).toBe(0);
    expect(same(out, s.want)).toBe(true);
  });
});

describe('decodeLzw on hand-made streams', () => {
  const A = 65, B = 66;
  it('literals, table codes, KwKwK, ClearCode mid-stream, no leading ClearCode, width changes at 511/1023/2047', () => {
    expect([...decodeLzw(pack([256, A, B, 258, 260, 257]), 100)]).toEqual([A, B, A, B, A, B, A]);
    // KwKwK: code 259 is the previous string "B" + "B", the entry being added
    expect([...decodeLzw(pack([256, A, B, 259, 257]), 100)]).toEqual([A, B, B, B]);
    expect([...decodeLzw(pack([256, A, 258, 259, 257]))]).toEqual([A, A, A, A, A, A]);
    expect([...decodeLzw(pack([A, B, 256, B, A, 258, 257]))]).toEqual([A, B, B, A, B, A]);
    expect(decodeLzw(pack([256, 257]), 10).length).toBe(0);
    expect(decodeLzw(pack([256, 257])).length).toBe(0);
    expect(decodeLzw(new Uint8Array(0), 0).length).toBe(0);
    // 3000 codes: each literal adds an entry, the width grows to 10, 11, 12 bits on the way
    const codes = [256];
    const want: number[] = [];
    for (let i = 0; i < 3000; i++) { codes.push(i % 256); want.push(i % 256); }
    codes.push(300); // entry 300 = [42, 43]
    want.push(42, 43);
    codes.push(257);
    expect([...decodeLzw(pack(codes), want.length)]).toEqual(want);
  });

  it('a full table (4096 entries, no ClearCode) keeps decoding 12-bit codes without adding entries', () => {
    const codes = [256];
    const want: number[] = [];
    for (let i = 0; i < 4000; i++) { codes.push(i % 7); want.push(i % 7); }
    codes.push(4095, 1000, 257); // entry 4095: literals 3837, 3838 → [1, 2]; entry 1000: 742, 743 → [0, 1]
    want.push(3837 % 7, 3838 % 7, 742 % 7, 743 % 7);
    expect([...decodeLzw(pack(codes), want.length + 5)]).toEqual(want);
  });

  it('codes beyond the table, a table code right after a ClearCode, old-style LZW: clear errors', () => {
    expect(() => decodeLzw(pack([256, A, 300, 257]), 100)).toThrow(/LZW data is corrupt: code 300 is not in the table \(next free code 258\)/);
    expect(() => decodeLzw(pack([256, A, B, 260, 257]), 100)).toThrow(/code 260 is not in the table/);
    expect(() => decodeLzw(pack([256, 258, 257]), 100)).toThrow(/code 258 right after a ClearCode/);
    expect(() => decodeLzw(pack([256, A, 256, 259, 257]), 100)).toThrow(/code 259 right after a ClearCode/);
    expect(() => decodeLzw(new Uint8Array([0x00, 0x01, 0x02, 0x03]), 100)).toThrow(/old-style/);
    expect(() => decodeLzw(pack([256, A]), 100)).toThrow(/ends without its EndOfInformation code after 1 of 100 decoded bytes/);
    expect(() => decodeLzw(new Uint8Array(0), 1)).toThrow(/truncated/);
    expect(() => decodeLzw(pack([256, A]))).toThrow(/truncated/);
    expect(() => decodeLzw(pack([256, 257]), -1)).toThrow(/unsupported decoded size/);
    expect(() => decodeLzw(pack([256, 257]), 2 ** 33)).toThrow(/unsupported decoded size/);
  });
});

describe('decodeLzw on corrupt libtiff strips: an error or the right length, never a hang', () => {
  it('truncated strips: a clear error, unless everything was decoded before the cut', () => {
    for (const name of ['u16-noisy-512', 'u8-zeros', 'f32-one-strip', 'u8-random']) {
      const [s] = strips(small.dir, byName(name));
      for (const keep of [0, 1, 2, 3, Math.floor(s.lzw.length / 3), Math.floor(s.lzw.length / 2), s.lzw.length - 3, s.lzw.length - 2, s.lzw.length - 1]) {
        const r = decodeOrError(s.lzw.subarray(0, keep), s.size);
        if (r instanceof Error) expect(r.message, `${name} cut at ${keep}`).toMatch(/truncated|corrupt/);
        else expect(same(r, s.want), `${name} cut at ${keep}`).toBe(true); // only the EndOfInformation was cut
      }
    }
  });

  it('random bytes and flipped bytes: an error or a result no longer than the size, quickly', () => {
    const rand = rng(1234);
    const [s] = strips(small.dir, byName('u16-odd-strips'));
    let errors = 0, results = 0;
    for (let k = 0; k < 300; k++) {
      const junk = new Uint8Array(1 + Math.floor(rand() * 3000));
      for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(rand() * 256);
      if (k % 2) junk[0] = 0x80; // starts with a ClearCode, like a real stream
      const r = decodeOrError(junk, k % 3 ? s.size : undefined);
      if (r instanceof Error) errors++; else results++;
    }
    for (let k = 0; k < 300; k++) {
      const m = s.lzw.slice();
      for (let f = 0; f < 1 + (k % 4); f++) m[Math.floor(rand() * m.length)] ^= 1 << Math.floor(rand() * 8);
      const r = decodeOrError(m, s.size);
      if (r instanceof Error) errors++; else results++;
    }
    expect(errors).toBeGreaterThan(100);
    expect(errors + results).toBe(600);
  });

  it('a corrupt stream claiming a huge decoded size fails without decoding past its input', () => {
    const [s] = strips(small.dir, byName('u8-odd-strips'));
    const r = decodeOrError(s.lzw.subarray(0, s.lzw.length >> 1), 64 << 20);
    expect(r).toBeInstanceOf(Error);
  });
});
