/**
 * A tiny ONNX (protobuf) writer for the few messages a small generated graph needs.
 *
 * Hand-written on purpose: the only protobuf library in the tree (protobufjs) is a transitive
 * dependency without ONNX's .proto schema, and the subset needed here (varints, length-delimited
 * fields, fixed32 floats) is ~60 lines. Field numbers are from onnx/onnx.proto (proto2).
 */

type Field = Uint8Array;

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

const key = (field: number, wire: number) => varint((field << 3) | wire);
const concat = (parts: (Uint8Array | number[])[]) => {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

const fInt = (field: number, v: number | bigint): Field => Uint8Array.from([...key(field, 0), ...varint(v)]);
const fBytes = (field: number, b: Uint8Array): Field => concat([key(field, 2), varint(b.length), b]);
const fStr = (field: number, s: string): Field => fBytes(field, new TextEncoder().encode(s));
const fMsg = (field: number, parts: Field[]): Field => fBytes(field, concat(parts));
const fFloat = (field: number, v: number): Field => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  return concat([key(field, 5), b]);
};

type Dim = number | string;

interface OnnxAttribute {
  name: string;
  value: number | number[] | string;
  /** 'int' | 'float' | 'ints' | 'string'; inferred from value when omitted (integers → int). */
  type?: 'int' | 'float' | 'ints' | 'string';
}

interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: OnnxAttribute[];
}

interface OnnxInitializer {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

export interface OnnxGraphSpec {
  name: string;
  inputs: { name: string; dims: Dim[] }[];
  outputs: { name: string; dims: Dim[] }[];
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  opset: number;
}

const ELEM_FLOAT = 1;
const ELEM_INT64 = 7;

function valueInfo(field: number, v: { name: string; dims: Dim[] }): Field {
  const dims = v.dims.map((d) => fMsg(1, [typeof d === 'number' ? fInt(1, d) : fStr(2, d)]));
  const tensorType = fMsg(1, [fInt(1, ELEM_FLOAT), fMsg(2, dims)]);
  return fMsg(field, [fStr(1, v.name), fMsg(2, [tensorType])]);
}

function attribute(a: OnnxAttribute): Field {
  const t = a.type ?? (typeof a.value === 'string' ? 'string' : Array.isArray(a.value) ? 'ints' : Number.isInteger(a.value) ? 'int' : 'float');
  switch (t) {
    case 'float':
      return fMsg(5, [fStr(1, a.name), fFloat(2, a.value as number), fInt(20, 1)]);
    case 'int':
      return fMsg(5, [fStr(1, a.name), fInt(3, a.value as number), fInt(20, 2)]);
    case 'string':
      return fMsg(5, [fStr(1, a.name), fStr(4, a.value as string), fInt(20, 3)]);
    case 'ints':
      return fMsg(5, [fStr(1, a.name), ...(a.value as number[]).map((v) => fInt(8, v)), fInt(20, 7)]);
  }
}

function initializer(t: OnnxInitializer): Field {
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return fMsg(5, [...t.dims.map((d) => fInt(1, d)), fInt(2, t.data instanceof Float32Array ? ELEM_FLOAT : ELEM_INT64), fStr(8, t.name), fBytes(9, raw)]);
}

/** Serialized ModelProto bytes. */
export function writeOnnxModel(g: OnnxGraphSpec): Uint8Array {
  const nodes = g.nodes.map((n, i) =>
    fMsg(1, [
      ...n.inputs.map((s) => fStr(1, s)),
      ...n.outputs.map((s) => fStr(2, s)),
      fStr(3, n.name ?? `${n.op}_${i}`),
      fStr(4, n.op),
      ...(n.attributes ?? []).map(attribute),
    ]),
  );
  const graph = fMsg(7, [
    ...nodes,
    fStr(2, g.name),
    ...g.initializers.map(initializer),
    ...g.inputs.map((v) => valueInfo(11, v)),
    ...g.outputs.map((v) => valueInfo(12, v)),
  ]);
  // ir_version 8 pairs with opsets up to 18
  return concat([fInt(1, 8), fStr(2, 'imjoy-share'), graph, fMsg(8, [fStr(1, ''), fInt(2, g.opset)])]);
}
