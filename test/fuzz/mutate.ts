/**
 * Seeded mutations of valid files, the kinds that break readers of binary and text formats: byte
 * flips, truncation, size and offset fields set to huge or out-of-range values, inserted or
 * deleted runs, looping TIFF IFD chains, and for text: lines dropped, doubled or salted with
 * the syntax of the format. Everything is a pure function of (seed, input): a failing mutant is
 * reproduced from its seed alone.
 */

/** mulberry32: small, fast, good enough to spread mutations; the point is repeatability. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];

/** Values that size and offset fields should never be trusted with. */
const HOSTILE_U32 = [0xffffffff, 0x7fffffff, 0x80000000, 0x10000000, 0xfffffffe, 0, 1, 0xffff, 0x10000];

function setU32(b: Uint8Array, at: number, v: number, little: boolean) {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, v >>> 0, little);
}

function flipBytes(b: Uint8Array, r: Rand): Uint8Array {
  const out = b.slice();
  for (let k = 1 + int(r, 8); k > 0; k--) out[int(r, out.length)] = int(r, 256);
  return out;
}

function truncate(b: Uint8Array, r: Rand): Uint8Array {
  // near the start (headers), or anywhere
  const at = r() < 0.5 ? int(r, Math.min(b.length, 512)) : int(r, b.length);
  return b.slice(0, at);
}

function hugeField(b: Uint8Array, r: Rand): Uint8Array {
  const out = b.slice();
  if (out.length < 8) return flipBytes(b, r);
  const at = int(r, out.length - 8) & ~1;
  const little = out[0] !== 0x4d; // TIFF 'MM' is big-endian; every other format here is little
  if (r() < 0.3) {
    // a 64-bit field (BigTIFF, ZIP64): beyond 2^53 or just past the file
    const dv = new DataView(out.buffer);
    dv.setBigUint64(at, r() < 0.5 ? 0xffffffffffffffffn : BigInt(b.length + int(r, 1 << 20)), little);
  } else setU32(out, at, r() < 0.7 ? pick(r, HOSTILE_U32) : b.length + int(r, 4096), little);
  return out;
}

function spliceRun(b: Uint8Array, r: Rand): Uint8Array {
  const at = int(r, b.length + 1);
  if (r() < 0.5 && b.length) {
    const n = 1 + int(r, Math.min(256, b.length - Math.min(at, b.length - 1)));
    const out = new Uint8Array(b.length - Math.min(n, b.length - at));
    out.set(b.subarray(0, at));
    out.set(b.subarray(at + n), at);
    return out;
  }
  const ins = Uint8Array.from({ length: 1 + int(r, 64) }, () => int(r, 256));
  const out = new Uint8Array(b.length + ins.length);
  out.set(b.subarray(0, at));
  out.set(ins, at);
  out.set(b.subarray(at), at + ins.length);
  return out;
}

/** A classic TIFF whose first IFD's next pointer leads back to itself or to the header. */
function loopIfds(b: Uint8Array, r: Rand): Uint8Array {
  const little = b[0] === 0x49;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 16 || dv.getUint16(2, little) !== 42) return hugeField(b, r);
  const first = dv.getUint32(4, little);
  if (first + 2 > b.length) return hugeField(b, r);
  const n = dv.getUint16(first, little);
  const next = first + 2 + n * 12;
  if (next + 4 > b.length) return hugeField(b, r);
  const out = b.slice();
  setU32(out, next, r() < 0.5 ? first : 8, little);
  return out;
}

const TEXT_SALT = ['"', "'", ':', ',', '\t', '[', ']', '{', '}', '&a', '*a', '<<: *a', '!!binary', '- ', '#', '\\', '1e308', '-1', '9007199254740993', 'NaN', 'null', '~', '\u0000', '\uFEFF', '\r'];

function mutateText(b: Uint8Array, r: Rand): Uint8Array {
  const text = new TextDecoder().decode(b);
  const lines = text.split('\n');
  const i = int(r, lines.length);
  switch (int(r, 5)) {
    case 0:
      lines.splice(i, 1);
      break;
    case 1:
      lines.splice(i, 0, lines[i] ?? '');
      break;
    case 2: {
      const l = lines[i] ?? '';
      const at = int(r, l.length + 1);
      lines[i] = l.slice(0, at) + pick(r, TEXT_SALT) + l.slice(at);
      break;
    }
    case 3:
      // numbers become hostile ones (row counts, sizes, shapes)
      lines[i] = (lines[i] ?? '').replace(/\d+(\.\d+)?/, () => pick(r, ['0', '-1', '1e308', '4294967296', '9007199254740993', '1e-320', 'NaN']));
      break;
    default:
      lines[i] = ' '.repeat(int(r, 6)) + (lines[i] ?? '').trimStart();
  }
  return new TextEncoder().encode(lines.join('\n'));
}

export type Kind = 'binary' | 'tiff' | 'text';

/** One mutant of `input` for `seed`; TIFFs also get looping IFD chains, text gets text mutations. */
export function mutate(input: Uint8Array, seed: number, kind: Kind): { bytes: Uint8Array; how: string } {
  const r = rng(seed);
  const ops: [string, (b: Uint8Array, r: Rand) => Uint8Array][] = [
    ['flip', flipBytes],
    ['truncate', truncate],
    ['huge-field', hugeField],
    ['splice', spliceRun],
  ];
  if (kind === 'tiff') ops.push(['loop-ifd', loopIfds], ['huge-field', hugeField]);
  if (kind === 'text') ops.push(['text', mutateText], ['text', mutateText], ['text', mutateText]);
  // one to three mutations stacked
  let bytes = input;
  const how: string[] = [];
  for (let k = 1 + int(r, 3); k > 0; k--) {
    const [name, op] = pick(r, ops);
    bytes = op(bytes, r);
    how.push(name);
  }
  return { bytes, how: how.join('+') };
}
