import { describe, expect, it } from 'vitest';
import { fortranStridesOf, fromRpc, ndarray, stridesOf, toCOrder, toRpc } from '../../src/ndarray/ndarray.js';

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

describe('toCOrder', () => {
  it('turns a Fortran-order buffer into C order (numpy: np.asfortranarray(a).ravel(order="K"))', () => {
    // a = [[0,1,2],[3,4,5]] stored column-major is 0,3,1,4,2,5
    const f = new Int16Array([0, 3, 1, 4, 2, 5]);
    expect(Array.from(toCOrder(f, [2, 3], fortranStridesOf([2, 3])))).toEqual([0, 1, 2, 3, 4, 5]);
    // a 3-D case against a hand-built index formula
    const shape = [2, 3, 4];
    const fs = fortranStridesOf(shape);
    expect(fs).toEqual([1, 2, 6]);
    const src = new Float32Array(24);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) src[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
    const c = toCOrder(src, shape, fs);
    expect(c[1 * 12 + 2 * 4 + 3]).toBe(123);
    expect(c[0 * 12 + 1 * 4 + 2]).toBe(12);
  });
});
