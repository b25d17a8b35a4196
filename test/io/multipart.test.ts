/**
 * The multipart/byteranges parser: parts in any order, any chunking of the body, binary data that
 * contains the boundary string, tolerated variants (preamble, quoted boundary, transport padding,
 * bare LF line ends), and clear errors naming the URL for malformed or truncated bodies.
 */
import { describe, expect, it } from 'vitest';
import { ByterangesParser, multipartBoundary, parseContentRange } from '../../src/io/multipart.js';

const enc = (s: string) => new TextEncoder().encode(s);
const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), (o += p.length);
  return out;
};

const FILE = Uint8Array.from({ length: 4000 }, (_, i) => (i * 131 + 7) & 255);
const BOUNDARY = 'THIS_SEPARATES';
// data that contains the boundary, a CRLF and the closing delimiter: only lengths may split parts
FILE.set(enc(`\r\n--${BOUNDARY}--\r\n--${BOUNDARY}\r\n`), 1500);

/** A body as nginx writes it: a leading CRLF before each delimiter. */
function body(ranges: [number, number][], opts: { nl?: string; preamble?: string; total?: string; padding?: string } = {}): Uint8Array {
  const nl = opts.nl ?? '\r\n';
  const parts: Uint8Array[] = [enc(opts.preamble ?? '')];
  for (const [s, e] of ranges) {
    parts.push(enc(`${nl}--${BOUNDARY}${opts.padding ?? ''}${nl}Content-Type: image/tiff${nl}Content-Range: bytes ${s}-${e - 1}/${opts.total ?? FILE.length}${nl}${nl}`));
    parts.push(FILE.subarray(s, e));
  }
  parts.push(enc(`${nl}--${BOUNDARY}--${nl}`));
  return concat(parts);
}

/** Parses `bytes` fed in pieces of `piece` bytes; returns each part's bytes as reassembled. */
function parse(bytes: Uint8Array, piece: number, boundary = BOUNDARY) {
  const parts: { start: number; end: number; total?: number; data: number[] }[] = [];
  const p = new ByterangesParser(boundary, {
    part: (start, end, total) => parts.push({ start, end, total, data: [] }),
    data: (pos, b) => {
      const cur = parts[parts.length - 1];
      expect(pos).toBe(cur.start + cur.data.length);
      cur.data.push(...b);
    },
  }, 'http://host/file.tif');
  for (let o = 0; o < bytes.length; o += piece) p.push(bytes.slice(o, o + piece));
  p.end();
  return parts;
}

describe('multipart/byteranges parser', () => {
  const ranges: [number, number][] = [[3000, 3100], [0, 10], [1490, 1560], [3999, 4000]];
  for (const piece of [1, 2, 7, 64, 1 << 20]) {
    it(`parts in any order, binary data containing the boundary, pieces of ${piece} bytes`, () => {
      const parts = parse(body(ranges), piece);
      expect(parts.map((x) => [x.start, x.end, x.total])).toEqual(ranges.map(([s, e]) => [s, e, FILE.length]));
      parts.forEach((x) => expect(x.data).toEqual(Array.from(FILE.subarray(x.start, x.end))));
    });
  }

  it('tolerates a preamble, transport padding, bare LF line ends and an unknown total', () => {
    for (const b of [
      body(ranges, { preamble: 'This is a preamble.\r\nIgnored.' }),
      body(ranges, { preamble: `a long one, ${'--THIS_SEPARATES'.repeat(3000)} not at a line start` }),
      body(ranges, { padding: ' \t ' }),
      body(ranges, { nl: '\n' }),
    ]) {
      for (const piece of [1, 3, 1 << 20]) expect(parse(b, piece).map((x) => x.data.length)).toEqual([100, 10, 70, 1]);
    }
    expect(parse(body([[5, 9]], { total: '*' }), 1)[0]).toMatchObject({ start: 5, end: 9, total: undefined });
  });

  it('fails clearly, naming the URL, on malformed bodies', () => {
    const good = body([[0, 10], [20, 30]]);
    const text = new TextDecoder('latin1').decode(good);
    const bad = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
    const cases: [Uint8Array, RegExp][] = [
      [bad(text.replace('Content-Range: bytes 20-29/4000', 'X-Other: 1')), /part 2 has no Content-Range header/],
      [bad(text.replace('bytes 20-29/4000', 'bytes 29-20/4000')), /part 2 has an invalid Content-Range "bytes 29-20\/4000"/],
      [bad(text.replace('bytes 0-9/4000', 'bytes 0-5/4000')), /a part holds more bytes than its Content-Range says/],
      [good.subarray(0, text.indexOf('bytes 20-29/4000') + 20 + 5), /ends 5 bytes into part 2 \(truncated\)/],
      [good.subarray(0, good.length - 6), /ends before the closing boundary/],
      [enc('no multipart here at all'), /no boundary in the body/],
      [new Uint8Array(70_000), /no boundary "THIS_SEPARATES" in the first 65536 bytes/],
      [bad(text.replace('Content-Type: image/tiff', 'X: ' + 'y'.repeat(9000))), /part headers longer than 8192 bytes/],
      [bad(text.replace(`--${BOUNDARY}\r\nContent-Type`, `--${BOUNDARY}junk\r\nContent-Type`)), /no line break after a boundary/],
    ];
    for (const [b, re] of cases) {
      for (const piece of [1, 1 << 20]) {
        expect(() => parse(b, piece), `${re} in pieces of ${piece}`).toThrow(/^http:\/\/host\/file\.tif: malformed multipart\/byteranges response: /);
        expect(() => parse(b, piece), `${re} in pieces of ${piece}`).toThrow(re);
      }
    }
  });

  it('finds the boundary in Content-Type (quoted or not) and parses Content-Range', () => {
    expect(multipartBoundary('multipart/byteranges; boundary=abc123')).toBe('abc123');
    expect(multipartBoundary('Multipart/ByteRanges;boundary="a b:c"')).toBe('a b:c');
    expect(multipartBoundary('multipart/byteranges; charset=x; boundary=00000000000000000002')).toBe('00000000000000000002');
    expect(multipartBoundary('multipart/mixed; boundary=abc')).toBeUndefined();
    expect(multipartBoundary('multipart/byteranges')).toBeUndefined();
    expect(multipartBoundary('image/tiff')).toBeUndefined();
    expect(multipartBoundary(null)).toBeUndefined();
    expect(parseContentRange('bytes 0-9/100')).toEqual({ start: 0, end: 10, total: 100 });
    expect(parseContentRange('bytes 4480237568-4486004735/4486012124')).toEqual({ start: 4480237568, end: 4486004736, total: 4486012124 });
    expect(parseContentRange('bytes 5-9/*')).toEqual({ start: 5, end: 10, total: undefined });
    expect(parseContentRange('bytes 9-5/100')).toBeUndefined();
    expect(parseContentRange('bytes 0-100/100')).toBeUndefined();
    expect(parseContentRange('bytes */100')).toBeUndefined();
    expect(parseContentRange('bytes 0-NaN/100')).toBeUndefined();
  });
});
