import { describe, expect, it } from 'vitest';
import { Deinterleaver, tableLayout } from '../../src/smlm/layout.js';

/** Records built here with DataView (little-endian), independent of the code under test. */
function records(rows: number) {
  // frame u32, x f64, flag u8, y f32, patch u16[3] → stride 4 + 8 + 1 + 4 + 6 = 23 (odd: unaligned columns)
  const stride = 23;
  const buf = new Uint8Array(rows * stride);
  const dv = new DataView(buf.buffer);
  const want = { frame: [] as number[], x: [] as number[], flag: [] as number[], y: [] as number[], patch: [] as number[] };
  for (let r = 0; r < rows; r++) {
    const o = r * stride;
    const frame = (r * 2654435761) >>> 0;
    const x = r * Math.PI - 1e6;
    const flag = r % 256;
    const y = Math.fround(r / 7);
    dv.setUint32(o, frame, true);
    dv.setFloat64(o + 4, x, true);
    dv.setUint8(o + 12, flag);
    dv.setFloat32(o + 13, y, true);
    for (let k = 0; k < 3; k++) {
      dv.setUint16(o + 17 + 2 * k, (r * 3 + k) % 65536, true);
      want.patch.push((r * 3 + k) % 65536);
    }
    want.frame.push(frame);
    want.x.push(x);
    want.flag.push(flag);
    want.y.push(y);
  }
  return { buf, want };
}

const layout = () => tableLayout(['frame', 'x', 'flag', 'y', 'patch'], ['uint32', 'float64', 'uint8', 'float32', 'uint16'], [1, 1, 1, 1, [3]], 'test');

/** Splits bytes into random chunks, each copied to a random (mis)aligned offset of its own buffer. */
function* chunks(buf: Uint8Array, seed: number, maxLen: number) {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let pos = 0; pos < buf.length; ) {
    const len = Math.min(buf.length - pos, 1 + Math.floor(rnd() * maxLen));
    const shift = Math.floor(rnd() * 8);
    const host = new Uint8Array(len + 8);
    host.set(buf.subarray(pos, pos + len), shift);
    yield host.subarray(shift, shift + len);
    pos += len;
  }
}

describe('Deinterleaver', () => {
  it('gives the same columns for any chunking and alignment, whole-table and progressive', () => {
    const rows = 5000;
    const { buf, want } = records(rows);
    expect(layout().stride).toBe(23);
    for (const [seed, maxLen] of [[1, 7], [2, 100], [3, 4096], [4, 200_000]]) {
      const d = new Deinterleaver(layout(), rows, 'test', 23 * 64);
      for (const c of chunks(buf, seed, maxLen)) d.push(c);
      const cols = d.finish();
      expect(Array.from(cols[0])).toEqual(want.frame);
      expect(Array.from(cols[1])).toEqual(want.x);
      expect(Array.from(cols[2])).toEqual(want.flag);
      expect(Array.from(cols[3])).toEqual(want.y);
      expect(Array.from(cols[4])).toEqual(want.patch);

      const got = [new Uint32Array(rows), new Float64Array(rows), new Uint8Array(rows), new Float32Array(rows), new Uint16Array(rows * 3)];
      let blocks = 0;
      const p = new Deinterleaver(layout(), rows, 'test', 23 * 64, (row0, batch, n) => {
        blocks++;
        expect(n).toBeLessThanOrEqual(64);
        batch.forEach((b, k) => got[k].set(b, row0 * (k === 4 ? 3 : 1)));
      });
      for (const c of chunks(buf, seed, maxLen)) p.push(c);
      p.finish();
      expect(blocks).toBe(Math.ceil(rows / 64));
      expect(Array.from(got[1])).toEqual(want.x);
      expect(Array.from(got[4])).toEqual(want.patch);
    }
  });

  it('float32 records at aligned offsets (the common case) are read in place, across chunk carries', () => {
    const rows = 3000;
    const buf = new Uint8Array(rows * 12);
    const dv = new DataView(buf.buffer);
    for (let r = 0; r < rows; r++) for (let k = 0; k < 3; k++) dv.setFloat32(r * 12 + 4 * k, r * 10 + k + 0.25, true);
    const d = new Deinterleaver(tableLayout(['frame', 'x', 'y'], 'float32', 1, 't'), rows, 't');
    for (const c of chunks(buf, 9, 1000)) d.push(c);
    const [f, x, y] = d.finish();
    expect([f[2999], x[1234], y[0]]).toEqual([29990.25, 12341.25, 2.25]);
  });

  it('too many or too few bytes are errors naming rows × stride', () => {
    const d = new Deinterleaver(layout(), 2, 'tbl');
    expect(() => d.push(new Uint8Array(47))).toThrow('tbl: the table holds more than rows × stride = 2 × 23 = 46 bytes');
    const e = new Deinterleaver(layout(), 2, 'tbl');
    e.push(new Uint8Array(40));
    expect(() => e.finish()).toThrow('tbl: rows × stride = 2 × 23 = 46 bytes, but the table has 40 bytes');
  });
});
