import { DTYPE_CTORS, isDType, isRpcNdArray, type DType, type RpcNdArray } from '../ndarray/ndarray.js';

/**
 * numpy arrays between hypha-rpc and ImJoy plugins. The Python client sends
 * `{_rtype: "ndarray", _rvalue: <bytes>, _rshape, _rdtype: str(dtype)}` with C-order bytes; the JS
 * client hands `_rvalue` over as a Uint8Array *view into the whole received message* (any byteOffset).
 * Plugins get an array with its own little-endian buffer and a dtype they know; Python gets `_rvalue`
 * as bytes (a Uint8Array), the only form its decoder takes.
 */

const KINDS: Record<string, DType> = {
  b1: 'bool', i1: 'int8', u1: 'uint8', i2: 'int16', u2: 'uint16', i4: 'int32', u4: 'uint32',
  i8: 'int64', u8: 'uint64', f4: 'float32', f8: 'float64',
};

/** numpy's dtype string → our dtype and whether its bytes are big-endian. */
export function parseNumpyDType(s: string): { dtype: DType; bigEndian: boolean } {
  if (isDType(s)) return { dtype: s, bigEndian: false };
  if (s === '?' || s === '|b1') return { dtype: 'bool', bigEndian: false };
  const m = /^([<>|=]?)([biuf]\d)$/.exec(s);
  const dtype = m && KINDS[m[2]];
  if (!m || !dtype) {
    throw new Error(`ndarray dtype "${s}" has no JavaScript typed array; send bool, (u)int8–64, float32 or float64 (e.g. arr.astype("float32"))`);
  }
  return { dtype, bigEndian: m[1] === '>' && DTYPE_CTORS[dtype].BYTES_PER_ELEMENT > 1 };
}

const bytesOf = (v: ArrayBuffer | ArrayBufferView): Uint8Array =>
  v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

/** A received numpy array → an ImJoy ndarray with its own (little-endian) ArrayBuffer. */
export function toPluginNdarray(x: RpcNdArray): RpcNdArray & { _rvalue: ArrayBuffer } {
  const { dtype, bigEndian } = parseNumpyDType(String(x._rdtype));
  const shape = Array.from(x._rshape ?? [], Number);
  const size = DTYPE_CTORS[dtype].BYTES_PER_ELEMENT;
  const src = bytesOf(x._rvalue);
  const n = shape.reduce((a, b) => a * b, 1);
  if (src.byteLength !== n * size) throw new Error(`ndarray: shape [${shape}] of ${x._rdtype} needs ${n * size} bytes but _rvalue has ${src.byteLength}`);
  const out = new Uint8Array(src.byteLength);
  if (!bigEndian) out.set(src);
  else for (let i = 0; i < src.byteLength; i += size) for (let j = 0; j < size; j++) out[i + j] = src[i + size - 1 - j];
  return { _rtype: 'ndarray', _rvalue: out.buffer, _rshape: shape, _rdtype: dtype };
}

/** An ndarray from a plugin → the form hypha-rpc's Python decoder takes (bytes in `_rvalue`). */
export function toWireNdarray(x: RpcNdArray): RpcNdArray & { _rvalue: Uint8Array } {
  const v = x._rvalue;
  const bytes = v instanceof Uint8Array && v.constructor === Uint8Array ? v : bytesOf(v);
  return { _rtype: 'ndarray', _rvalue: bytes, _rshape: Array.from(x._rshape, Number), _rdtype: x._rdtype };
}

const plain = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;

/** Applies `f` to every ndarray in arguments or results (plain objects and arrays, a few levels deep). */
export function mapNdarrays(value: unknown, f: (a: RpcNdArray) => unknown, depth = 0): unknown {
  if (depth > 8) return value;
  if (isRpcNdArray(value)) return f(value);
  if (Array.isArray(value)) return value.map((v) => mapNdarrays(v, f, depth + 1));
  if (plain(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapNdarrays(v, f, depth + 1);
    return out;
  }
  return value;
}
