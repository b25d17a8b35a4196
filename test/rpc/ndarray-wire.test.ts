import { describe, expect, it } from 'vitest';
import { parseNumpyDType, toCaller, toPlugin, toPluginNdarray, toWireNdarray } from '../../src/rpc/ndarray-wire.js';
import { ndarrayStore } from '../../src/viewer/ndarray-store.js';
import { fromRpc, type RpcNdArray } from '../../src/ndarray/ndarray.js';

/** `_rvalue` as the JS client hands it over: a view into the whole received message. */
function inMessage(bytes: Uint8Array, offset = 279): Uint8Array {
  const msg = new Uint8Array(offset + bytes.byteLength + 13);
  msg.set(bytes, offset);
  return msg.subarray(offset, offset + bytes.byteLength);
}

describe('numpy arrays across the bridge', () => {
  it('reads numpy dtype strings, refusing those without a typed array', () => {
    expect(parseNumpyDType('float32')).toEqual({ dtype: 'float32', bigEndian: false });
    expect(parseNumpyDType('>i4')).toEqual({ dtype: 'int32', bigEndian: true });
    expect(parseNumpyDType('<u2')).toEqual({ dtype: 'uint16', bigEndian: false });
    expect(parseNumpyDType('|b1')).toEqual({ dtype: 'bool', bigEndian: false });
    expect(parseNumpyDType('>u1')).toEqual({ dtype: 'uint8', bigEndian: false });
    for (const d of ['complex64', 'float16', '<U5', 'object']) expect(() => parseNumpyDType(d)).toThrow(/no JavaScript typed array/);
  });

  it('gives plugins an own little-endian buffer, whatever the view and byte order', () => {
    const be = new Uint8Array([0, 0, 0, 1, 0, 0, 1, 0, 0xff, 0xff, 0xff, 0xfe]); // >i4: 1, 256, -2
    const a = toPluginNdarray({ _rtype: 'ndarray', _rvalue: inMessage(be, 175), _rshape: [3], _rdtype: '>i4' });
    expect(a._rdtype).toBe('int32');
    expect(a._rvalue.byteLength).toBe(12);
    expect([...new Int32Array(a._rvalue)]).toEqual([1, 256, -2]);
    const f = toPluginNdarray({ _rtype: 'ndarray', _rvalue: inMessage(new Uint8Array(new Float32Array([1.5, -2, 3, 4]).buffer), 582), _rshape: [2, 2], _rdtype: 'float32' });
    expect(fromRpc(f).data).toEqual(new Float32Array([1.5, -2, 3, 4]));
    const b = toPluginNdarray({ _rtype: 'ndarray', _rvalue: inMessage(new Uint8Array([1, 0, 1])), _rshape: [3], _rdtype: 'bool' });
    expect(b).toMatchObject({ _rdtype: 'bool', _rshape: [3] });
    expect(() => toPluginNdarray({ _rtype: 'ndarray', _rvalue: new Uint8Array(5), _rshape: [2], _rdtype: 'float32' })).toThrow(/needs 8 bytes/);
  });

  it('converts nested arguments and results, bytes and callbacks included', async () => {
    const arr: RpcNdArray = { _rtype: 'ndarray', _rvalue: inMessage(new Uint8Array([1, 2, 3, 4])), _rshape: [4], _rdtype: 'uint8' };
    const out = toPlugin({ inputs: [arr], bytes: inMessage(new Uint8Array([9, 8])), n: 3 }) as any;
    expect(out.inputs[0]._rvalue).toBeInstanceOf(ArrayBuffer);
    expect(out.bytes.byteOffset).toBe(0);
    expect(out.bytes.buffer.byteLength).toBe(2);
    expect(out.n).toBe(3);
    // a plugin result: typed-array ndarray → bytes for Python's decoder
    const res = toCaller({ blobs: { _rtype: 'ndarray', _rvalue: new Float32Array([1, 2]), _rshape: [2], _rdtype: 'float32' } }) as any;
    expect(res.blobs._rvalue).toBeInstanceOf(Uint8Array);
    expect(toWireNdarray({ _rtype: 'ndarray', _rvalue: new ArrayBuffer(8), _rshape: [2], _rdtype: 'float32' })._rvalue.byteLength).toBe(8);
    // a Python callback the plugin calls: its bytes result is compacted for the plugin
    const getItem = toPlugin(async () => inMessage(new Uint8Array([7, 7, 7]), 11)) as () => Promise<Uint8Array>;
    const got = await getItem();
    expect([got.byteOffset, got.buffer.byteLength]).toEqual([0, 3]);
  });
});

describe('an ndarray as a Zarr store for the viewer', () => {
  it('serves .zarray and C-order chunks, padded at the edges', async () => {
    const data = new Uint16Array(3 * 5).map((_, i) => i);
    const store = ndarrayStore({ data, shape: [3, 5], dtype: 'uint16' });
    const meta = JSON.parse(new TextDecoder().decode((await store.get('/.zarray'))!));
    expect(meta).toMatchObject({ zarr_format: 2, shape: [3, 5], chunks: [3, 5], dtype: '<u2', compressor: null });
    expect([...new Uint16Array((await store.get('/0.0'))!.slice().buffer)]).toEqual([...data]);
    expect(await store.get('/1.0')).toBeUndefined();
    expect(await store.get('/.zgroup')).toBeUndefined();

    const big = ndarrayStore({ data: new Uint8Array(1100 * 3).fill(5), shape: [3, 1100], dtype: 'uint8' });
    const edge = (await big.get('/0.1'))!;
    expect(edge.byteLength).toBe(3 * 1024); // full chunk size
    expect(edge[0]).toBe(5);
    expect(edge[76]).toBe(0); // past the array's edge: fill value
  });
});
