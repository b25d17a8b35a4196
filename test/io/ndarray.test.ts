import { describe, expect, it } from 'vitest';
import { fromRpc, ndarray, stridesOf, toRpc } from '../../src/ndarray/ndarray.js';

describe('ndarray ↔ ImJoy RPC encoding', () => {
  it('decodes numpy-style bytes with dtype names and shapes', () => {
    const bytes = new Uint8Array(new Float32Array([1.5, -2, 3, 4, 5, 6]).buffer);
    const a = fromRpc({ _rtype: 'ndarray', _rvalue: bytes.buffer, _rshape: [2, 3], _rdtype: 'float32' });
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data as Float32Array)).toEqual([1.5, -2, 3, 4, 5, 6]);
    const b = fromRpc({ _rtype: 'ndarray', _rvalue: new Uint8Array([0, 1, 1]), _rshape: [3], _rdtype: 'bool' });
    expect(b.dtype).toBe('bool');
  });

  it('copies unaligned views instead of failing', () => {
    const raw = new Uint8Array(9);
    new DataView(raw.buffer).setUint16(1, 513, true);
    const a = fromRpc({ _rtype: 'ndarray', _rvalue: raw.subarray(1, 9), _rshape: [4], _rdtype: 'uint16' });
    expect(a.data[0]).toBe(513);
  });

  it('rejects byte counts that do not match the shape, and unknown dtypes', () => {
    expect(() => fromRpc({ _rtype: 'ndarray', _rvalue: new Uint8Array(5), _rshape: [2, 2], _rdtype: 'uint16' })).toThrow(/needs 8 bytes/);
    expect(() => fromRpc({ _rtype: 'ndarray', _rvalue: new Uint8Array(4), _rshape: [4], _rdtype: 'complex64' })).toThrow(/unsupported dtype/);
    expect(() => ndarray(new Uint8Array(3), [2, 2])).toThrow(/holds 4 elements/);
  });

  it('round-trips through toRpc', () => {
    const a = ndarray(new Int16Array([1, -2, 3, -4, 5, -6]), [3, 2]);
    const back = fromRpc(toRpc(a));
    expect(back).toEqual(a);
    expect(stridesOf([3, 4, 5])).toEqual([20, 5, 1]);
  });
});
