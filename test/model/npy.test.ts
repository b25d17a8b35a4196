import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/ndarray/npy.js';
import type { DType, NdArray } from '../../src/ndarray/ndarray.js';
import { testData } from '../helpers/fixtures.js';

const PY = '/usr/bin/python3';
let dir: string;

// numpy writes every dtype × byte order × memory order × format version; it also records the
// C-order values (as strings, so int64 stays exact) that we must read back.
const WRITER = String.raw`
import json, sys, numpy as np
out = sys.argv[1]
cases = []
base = np.arange(24).reshape(2, 3, 4) * 7 - 50
for descr in ['|b1','|i1','|u1','<i2','>i2','<u2','>u2','<i4','>i4','<u4','>u4','<i8','>i8','<u8','>u8','<f2','>f2','<f4','>f4','<f8','>f8']:
    for order in ['C', 'F']:
        for version in [(1,0), (2,0), (3,0)]:
            if descr[1] == 'b': a = (base % 3) == 0
            elif descr[1] == 'u': a = np.abs(base)
            elif descr[1] == 'f': a = base / 8.0
            else: a = base
            if descr in ('<i8', '>i8'): a = a * 10**15
            if descr in ('<u8', '>u8'): a = a.astype(np.uint64) * np.uint64(2**58)
            a = np.asarray(a).astype(np.dtype(descr))
            a = np.asfortranarray(a) if order == 'F' else np.ascontiguousarray(a)
            name = f"{descr.replace('<','le').replace('>','be').replace('|','na')}_{order}_v{version[0]}.npy"
            with open(f"{out}/{name}", 'wb') as f:
                np.lib.format.write_array(f, a, version=version)
            vals = [str(v).lower() if isinstance(v, bool) else repr(v) for v in a.ravel(order='C').tolist()]
            cases.append(dict(file=name, shape=list(a.shape), kind=descr[1], size=int(descr[2:]), values=vals))
np.save(f"{out}/scalar.npy", np.float64(2.5))
np.save(f"{out}/vec.npy", np.array([1, 2, 3], dtype=np.int16))
json.dump(cases, open(f"{out}/cases.json", 'w'))
`;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npy-'));
  execFileSync(PY, ['-c', WRITER, dir]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const expectedDType = (kind: string, size: number): DType =>
  kind === 'b' ? 'bool' : kind === 'f' ? (size === 8 ? 'float64' : 'float32') : (`${kind === 'u' ? 'uint' : 'int'}${size * 8}` as DType);

describe('readNpy: files written by numpy', () => {
  it('reads every dtype, byte order, memory order and version 1–3', () => {
    const cases = JSON.parse(fs.readFileSync(path.join(dir, 'cases.json'), 'utf8')) as {
      file: string; shape: number[]; kind: string; size: number; values: string[];
    }[];
    expect(cases.length).toBe(21 * 2 * 3);
    for (const c of cases) {
      const a = readNpy(fs.readFileSync(path.join(dir, c.file)), c.file);
      expect(a.shape, c.file).toEqual(c.shape);
      expect(a.dtype, c.file).toBe(expectedDType(c.kind, c.size));
      const got = Array.from(a.data as ArrayLike<number | bigint>, (v) =>
        c.kind === 'b' ? String(v === 1) : c.kind === 'f' ? String(v) : String(v),
      );
      const want = c.values.map((v) => (c.kind === 'f' ? String(Number(v)) : v));
      expect(got, c.file).toEqual(want);
    }
  });
  it('reads a 0-d scalar and a 1-d vector', () => {
    const s = readNpy(fs.readFileSync(path.join(dir, 'scalar.npy')));
    expect(s.shape).toEqual([]);
    expect(Array.from(s.data as Float64Array)).toEqual([2.5]);
    const v = readNpy(fs.readFileSync(path.join(dir, 'vec.npy')));
    expect(v.shape).toEqual([3]);
    expect(Array.from(v.data as Int16Array)).toEqual([1, 2, 3]);
  });
  it('reads a test tensor of the zoo\'s shape (f4 1×1×512×512, numpy-written)', () => {
    const f = path.join(testData(), 'npy', 'test_input.npy');
    const a = readNpy(fs.readFileSync(f), f);
    expect(a.shape).toEqual([1, 1, 512, 512]);
    expect(a.dtype).toBe('float32');
  });
});

describe('writeNpy: numpy reads what we write', () => {
  it('round-trips every dtype through numpy', () => {
    const arrays: NdArray[] = [
      { data: new Float32Array([1.5, -2, 3e-8, 4, 5, 6]), shape: [2, 3], dtype: 'float32' },
      { data: new Float64Array([Math.PI, -1e300]), shape: [2], dtype: 'float64' },
      { data: new Uint8Array([0, 1, 1, 0]), shape: [2, 2], dtype: 'bool' },
      { data: new Int8Array([-128, 127]), shape: [1, 2], dtype: 'int8' },
      { data: new Uint16Array([65535, 1, 2]), shape: [3, 1], dtype: 'uint16' },
      { data: new Int32Array([-7, 8]), shape: [2], dtype: 'int32' },
      { data: new BigInt64Array([-(2n ** 62n), 5n]), shape: [2], dtype: 'int64' },
      { data: new BigUint64Array([2n ** 63n + 1n]), shape: [1], dtype: 'uint64' },
    ];
    const files = arrays.map((a, i) => {
      const f = path.join(dir, `ours_${i}.npy`);
      fs.writeFileSync(f, writeNpy(a));
      return f;
    });
    const out = execFileSync(PY, ['-c', `import sys, json, numpy as np
res = []
for f in sys.argv[1:]:
    a = np.load(f)
    assert a.flags['C_CONTIGUOUS']
    res.append(dict(dtype=str(a.dtype), shape=list(a.shape), values=[repr(v) if not isinstance(v, bool) else str(v).lower() for v in a.ravel().tolist()], off=open(f,'rb').read().index(b'\\n')+1))
print(json.dumps(res))`, ...files]).toString();
    const res = JSON.parse(out) as { dtype: string; shape: number[]; values: string[]; off: number }[];
    res.forEach((r, i) => {
      const a = arrays[i];
      expect(r.dtype).toBe(a.dtype);
      expect(r.shape).toEqual(a.shape);
      expect(r.off % 64).toBe(0);
      const want = Array.from(a.data as ArrayLike<number | bigint>, (v) =>
        a.dtype === 'bool' ? String(v === 1) : a.dtype.startsWith('float') ? String(Number(v)) : String(v),
      );
      const got = r.values.map((v) => (a.dtype.startsWith('float') ? String(Number(v)) : v));
      expect(got).toEqual(want);
    });
  });
});

describe('readNpy: corrupt files', () => {
  const good = () => writeNpy({ data: new Float32Array(16), shape: [4, 4], dtype: 'float32' });
  it('rejects a file without the magic', () => {
    expect(() => readNpy(new TextEncoder().encode('hello world, not npy'), 'x.npy')).toThrow(/x\.npy: not a \.npy file/);
  });
  it('rejects truncated data', () => {
    expect(() => readNpy(good().subarray(0, 150), 't.npy')).toThrow(/t\.npy: shape \(4, 4\) of '<f4' needs 64 data bytes but the file holds only 22/);
  });
  it('rejects a header length beyond the file', () => {
    const b = good().slice(0, 40);
    expect(() => readNpy(b, 'h.npy')).toThrow(/h\.npy: header length \d+ runs past the end/);
  });
  it('rejects an unsupported dtype and a broken header', () => {
    const b = good();
    const s = new TextDecoder('latin1').decode(b.subarray(10, 74)).replace('<f4', '<c8');
    const c = b.slice();
    for (let i = 0; i < s.length; i++) c[10 + i] = s.charCodeAt(i);
    expect(() => readNpy(c, 'c.npy')).toThrow(/c\.npy: unsupported dtype '<c8'/);
    const d = b.slice();
    const s2 = new TextDecoder('latin1').decode(b.subarray(10, 74)).replace("'shape'", "'shaep'");
    for (let i = 0; i < s2.length; i++) d[10 + i] = s2.charCodeAt(i);
    expect(() => readNpy(d, 'd.npy')).toThrow(/d\.npy: header has no valid 'shape'/);
  });
  it('rejects an unknown format version', () => {
    const b = good().slice();
    b[6] = 9;
    expect(() => readNpy(b, 'v.npy')).toThrow(/v\.npy: unsupported \.npy format version 9\.0/);
  });
});
