/**
 * The one ndarray type shared by readers, models and plugins. It maps 1:1 to ImJoy's RPC encoding
 * ({_rtype: "ndarray", _rvalue, _rshape, _rdtype}) so numpy arrays from Python arrive unchanged.
 * Data is C-order (row-major).
 */
export type DType =
  | 'bool'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float32'
  | 'float64';

export type TypedArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

export interface NdArray<T extends TypedArray = TypedArray> {
  data: T;
  shape: number[];
  dtype: DType;
}

export interface RpcNdArray {
  _rtype: 'ndarray';
  _rvalue: ArrayBuffer | ArrayBufferView;
  _rshape: number[];
  _rdtype: string;
}

type Ctor = { new (n: number): TypedArray; new (b: ArrayBuffer, o: number, n: number): TypedArray; BYTES_PER_ELEMENT: number };

export const DTYPE_CTORS: Record<DType, Ctor> = {
  bool: Uint8Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
} as unknown as Record<DType, Ctor>;

export function isDType(s: string): s is DType {
  return Object.hasOwn(DTYPE_CTORS, s);
}

export function dtypeOf(data: TypedArray): DType {
  const name = data.constructor.name;
  const map: Record<string, DType> = {
    Int8Array: 'int8',
    Uint8Array: 'uint8',
    Uint8ClampedArray: 'uint8',
    Int16Array: 'int16',
    Uint16Array: 'uint16',
    Int32Array: 'int32',
    Uint32Array: 'uint32',
    BigInt64Array: 'int64',
    BigUint64Array: 'uint64',
    Float32Array: 'float32',
    Float64Array: 'float64',
  };
  const d = map[name];
  if (!d) throw new Error(`unsupported typed array ${name}`);
  return d;
}

export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function ndarray<T extends TypedArray>(data: T, shape: number[], dtype: DType = dtypeOf(data)): NdArray<T> {
  if (sizeOf(shape) !== data.length) {
    throw new Error(`ndarray: shape [${shape}] holds ${sizeOf(shape)} elements but the data has ${data.length}`);
  }
  return { data, shape, dtype };
}

/** C-order strides in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Copies a strided view (e.g. a Fortran-order array: strides in elements) into a new C-order array. */
export function toCOrder<T extends TypedArray>(src: T, shape: readonly number[], strides: readonly number[]): T {
  const n = sizeOf(shape);
  const out = new (src.constructor as { new (n: number): T })(n);
  const idx = new Array(shape.length).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    (out as unknown as number[])[i] = (src as unknown as number[])[off];
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      off += strides[d];
      if (idx[d] < shape[d]) break;
      off -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Fortran-order (column-major) strides in elements. */
export function fortranStridesOf(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (const d of shape) {
    s.push(acc);
    acc *= d;
  }
  return s;
}

export function isRpcNdArray(x: unknown): x is RpcNdArray {
  return !!x && typeof x === 'object' && (x as RpcNdArray)._rtype === 'ndarray';
}

/** numpy dtype names as sent by imjoy-rpc from Python ('float32', '<f4', 'bool', …). */
function normalizeDType(s: string): DType {
  const short: Record<string, DType> = {
    '|b1': 'bool', '?': 'bool', '|i1': 'int8', '|u1': 'uint8', i1: 'int8', u1: 'uint8',
    '<i2': 'int16', '<u2': 'uint16', '<i4': 'int32', '<u4': 'uint32', '<i8': 'int64', '<u8': 'uint64',
    '<f4': 'float32', '<f8': 'float64', uint8clamped: 'uint8',
  };
  const d = isDType(s) ? s : short[s];
  if (!d) throw new Error(`ndarray: unsupported dtype "${s}"`);
  return d;
}

/** From ImJoy's RPC encoding; copies only when the bytes are not aligned for the dtype. */
export function fromRpc(x: RpcNdArray): NdArray {
  const dtype = normalizeDType(x._rdtype);
  const Ctor = DTYPE_CTORS[dtype];
  const v = x._rvalue;
  let bytes: Uint8Array;
  if (v instanceof ArrayBuffer) bytes = new Uint8Array(v);
  else if (ArrayBuffer.isView(v)) bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  else throw new Error('ndarray: _rvalue must be bytes or a typed array');
  const n = sizeOf(x._rshape);
  if (bytes.byteLength !== n * Ctor.BYTES_PER_ELEMENT) {
    throw new Error(
      `ndarray: shape [${x._rshape}] of ${dtype} needs ${n * Ctor.BYTES_PER_ELEMENT} bytes but _rvalue has ${bytes.byteLength}`,
    );
  }
  if (bytes.byteOffset % Ctor.BYTES_PER_ELEMENT !== 0) bytes = bytes.slice();
  return { data: new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, n), shape: [...x._rshape], dtype };
}

/** To ImJoy's RPC encoding (the typed array travels as-is; imjoy-rpc transfers it). */
export function toRpc(a: NdArray): RpcNdArray {
  return { _rtype: 'ndarray', _rvalue: a.data, _rshape: [...a.shape], _rdtype: a.dtype };
}
