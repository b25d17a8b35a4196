/**
 * NumPy .npy read/write (format versions 1.0, 2.0, 3.0), returning our NdArray.
 *
 * Hand-written rather than npyjs: npyjs throws on big-endian data, leaves Fortran-order data
 * untransposed and returns bool as a JS Array (docs/bioimageio-facts.md),
 * and big-endian test tensors exist in the model zoo. The format is small and fully specified
 * (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
 */
import { DTYPE_CTORS, fortranStridesOf, sizeOf, toCOrder, type DType, type NdArray, type TypedArray } from './ndarray.js';
/** Thrown with the file or tensor it is about first (as the model runner's errors are). */
class NpyError extends Error {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`${where}: ${message}`);
    this.name = 'NpyError';
  }
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** descr kind+size → our dtype. float16 has no typed array in Node 20, so it widens to float32. */
const KINDS: Record<string, DType> = {
  b1: 'bool', i1: 'int8', u1: 'uint8', i2: 'int16', u2: 'uint16', i4: 'int32', u4: 'uint32',
  i8: 'int64', u8: 'uint64', f2: 'float32', f4: 'float32', f8: 'float64',
};

export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the data. */
  dataOffset: number;
  version: [number, number];
}

/** Parses the header; `bytes` needs at least the first header bytes (10 + header length). */
export function parseNpyHeader(bytes: Uint8Array, file = 'npy'): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new NpyError(file, 'not a .npy file (missing the \\x93NUMPY magic)');
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3) throw new NpyError(file, `unsupported .npy format version ${major}.${minor}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new NpyError(file, 'truncated .npy header');
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = 8 + lenBytes;
  if (start + headerLen > bytes.length) {
    throw new NpyError(file, `header length ${headerLen} runs past the end of the file (${bytes.length} bytes)`);
  }
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]+)['"]/.exec(text)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined) {
    if (/['"]descr['"]\s*:\s*\[/.test(text)) throw new NpyError(file, 'structured (record) dtypes are not supported');
    throw new NpyError(file, `header has no valid 'descr': ${JSON.stringify(text.trim())}`);
  }
  if (fortran === undefined) throw new NpyError(file, `header has no valid 'fortran_order': ${JSON.stringify(text.trim())}`);
  if (shapeText === undefined) throw new NpyError(file, `header has no valid 'shape': ${JSON.stringify(text.trim())}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim().replace(/L$/, ''))
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s);
      if (!Number.isSafeInteger(n) || n < 0) throw new NpyError(file, `invalid shape entry "${s}"`);
      return n;
    });
  return { descr, fortranOrder: fortran === 'True', shape, dataOffset: start + headerLen, version: [major, minor] };
}

function dtypeOfDescr(descr: string, file: string): { dtype: DType; itemsize: number; bigEndian: boolean; half: boolean } {
  const m = /^([<>|=]?)([biuf])(\d+)$/.exec(descr);
  const dtype = m ? KINDS[m[2] + m[3]] : undefined;
  if (!m || !dtype) throw new NpyError(file, `unsupported dtype '${descr}' (supported: bool, int8..int64, uint8..uint64, float16/32/64)`);
  return { dtype, itemsize: Number(m[3]), bigEndian: m[1] === '>', half: m[2] === 'f' && m[3] === '2' };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Reads a whole .npy file from memory. */
export function readNpy(bytes: Uint8Array, file = 'npy'): NdArray {
  const h = parseNpyHeader(bytes, file);
  const { dtype, itemsize, bigEndian, half } = dtypeOfDescr(h.descr, file);
  const n = sizeOf(h.shape);
  const need = n * itemsize;
  const have = bytes.length - h.dataOffset;
  if (have < need) {
    throw new NpyError(file, `shape (${h.shape.join(', ')}) of '${h.descr}' needs ${need} data bytes but the file holds only ${have}; it is truncated or the header is wrong`);
  }
  const raw = bytes.subarray(h.dataOffset, h.dataOffset + need);
  let data: TypedArray;
  if (half) {
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(2 * i, !bigEndian));
    data = out;
  } else {
    const copy = new Uint8Array(raw); // owned and aligned (Buffer.slice would be a view)
    if (bigEndian && itemsize > 1) {
      for (let i = 0; i < copy.length; i += itemsize) copy.subarray(i, i + itemsize).reverse();
    }
    data = new DTYPE_CTORS[dtype](copy.buffer, 0, n);
    if (dtype === 'bool') for (let i = 0; i < n; i++) (data as Uint8Array)[i] = data[i] ? 1 : 0;
  }
  if (h.fortranOrder && h.shape.length > 1) data = toCOrder(data, h.shape, fortranStridesOf(h.shape));
  return { data, shape: h.shape, dtype };
}

const DESCR: Record<DType, string> = {
  bool: '|b1', int8: '|i1', uint8: '|u1', int16: '<i2', uint16: '<u2', int32: '<i4', uint32: '<u4',
  int64: '<i8', uint64: '<u8', float32: '<f4', float64: '<f8',
};

/** Writes a version 1.0 .npy (little-endian, C order, header padded to 64 bytes as numpy does). */
export function writeNpy(a: NdArray): Uint8Array {
  if (sizeOf(a.shape) !== a.data.length) throw new Error(`writeNpy: shape [${a.shape}] does not match ${a.data.length} elements`);
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '${DESCR[a.dtype]}', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  if (header.length > 0xffff) throw new Error('writeNpy: header too long for format 1.0');
  const data = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(data, 10 + header.length);
  if (a.dtype === 'bool') for (let i = 10 + header.length; i < out.length; i++) out[i] = out[i] ? 1 : 0;
  return out;
}

