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
type Fn = (...args: unknown[]) => unknown;

/** Deep conversion of plain objects and arrays (a few levels), with functions wrapped both ways. */
function convert(value: unknown, leaf: (v: unknown) => unknown | undefined, back: (v: unknown) => unknown, depth: number): unknown {
  if (depth > 8) return value;
  const r = leaf(value);
  if (r !== undefined) return r;
  if (typeof value === 'function') {
    // a callback crossing over: its arguments come from the other side, its result goes back there
    const f = value as Fn;
    return async (...args: unknown[]) => convert(await f(...args.map((a) => back(a))), leaf, back, 0);
  }
  if (Array.isArray(value)) return value.map((v) => convert(v, leaf, back, depth + 1));
  if (plain(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = convert(v, leaf, back, depth + 1);
    return out;
  }
  return value;
}

/**
 * What a hypha-rpc caller (Python) sends → what an ImJoy plugin takes: ndarrays with their own
 * buffer, and bytes copied out of the received message (imjoy-rpc would otherwise send the whole
 * message buffer the view points into, and lose the offset).
 */
export function toPlugin(value: unknown): unknown {
  return convert(value, pluginLeaf, toCaller, 0);
}

/** What an ImJoy plugin returns (or passes to a callback) → what the hypha-rpc caller decodes. */
export function toCaller(value: unknown): unknown {
  return convert(value, callerLeaf, toPlugin, 0);
}

function pluginLeaf(v: unknown): unknown | undefined {
  if (isRpcNdArray(v)) return toPluginNdarray(v);
  if (v instanceof Uint8Array && (v.byteOffset !== 0 || v.byteLength !== v.buffer.byteLength)) return v.slice();
  return undefined;
}

function callerLeaf(v: unknown): unknown | undefined {
  if (isRpcNdArray(v)) return toWireNdarray(v);
  return undefined;
}
