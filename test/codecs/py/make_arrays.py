"""Test data (Debian python3: zarr 2.13, numcodecs, numpy) for readRegion: `make_arrays.py OUT_DIR
SPEC_JSON` writes each array of the spec as a Zarr store under OUT_DIR/NAME (v2 through zarr; v3 by
hand: zarr.json + chunks encoded with numcodecs, as zarr-python 3 lays them out), then prints, for
every selection of the spec, numpy's answer: {name: [{shape, sha256}]} (sha256 of the C-order little-endian bytes).

Spec: {name: {dtype, shape, chunks, compressor: null | numcodecs config, fill_value, order,
filters, dimension_separator, format: 2|3, write: "all" | "some", selections: [[int | [a, b] |
null, ...], ...]}}."""
import hashlib, json, os, sys
import numpy as np
import numcodecs
import zarr

out, spec = sys.argv[1], json.loads(sys.argv[2])


def data_for(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    grids = np.meshgrid(*[np.arange(n) for n in shape], indexing='ij')
    smooth = 1000 + 700 * np.sin(grids[-1] / 11.0) * np.cos(grids[-2] / 7.0 if len(shape) > 1 else 1.0)
    noisy = smooth + rng.normal(0, 25, shape)
    dt = np.dtype(dtype)
    if dt.kind == 'f':
        return noisy.astype(dt)
    info = np.iinfo(dt)
    return np.clip(noisy - (0 if info.min == 0 else 1000), info.min, info.max).astype(dt)


def selection(sel, shape):
    return tuple(slice(None) if s is None else (slice(s[0], s[1]) if isinstance(s, list) else s) for s in sel)


answers = {}
for seed, (name, a) in enumerate(spec.items()):
    path = os.path.join(out, name)
    shape, chunks, dtype = tuple(a['shape']), tuple(a['chunks']), a['dtype']
    full = data_for(dtype, shape, seed)
    fill = a.get('fill_value', 0)
    fill = float('nan') if fill == 'NaN' else fill
    if a.get('write', 'all') == 'some':
        # only the first half of the first axis holds data: the other chunks are never written
        expected = np.full(shape, fill, dtype=dtype)
        half = tuple(slice(0, n // 2) if i == 0 else slice(None) for i, n in enumerate(shape))
        expected[half] = full[half]
    else:
        expected, half = full, None
    comp = numcodecs.get_codec(a['compressor']) if a.get('compressor') else None
    if a.get('format', 2) == 2:
        filters = [numcodecs.get_codec(f) for f in a['filters']] if a.get('filters') else None
        store = zarr.DirectoryStore(path, dimension_separator=a.get('dimension_separator', '.'))
        z = zarr.create(shape=shape, chunks=chunks, dtype=dtype, compressor=comp, fill_value=fill, order=a.get('order', 'C'), filters=filters, store=store)
        if half is None:
            z[...] = full
        else:
            z[half] = full[half]
    else:
        # zarr v3 (zarr-python 3 layout): bytes codec (little endian) then the compressor
        os.makedirs(path)
        v3 = {'zarr_format': 3, 'node_type': 'array', 'shape': list(shape), 'data_type': np.dtype(dtype).name,
              'chunk_grid': {'name': 'regular', 'configuration': {'chunk_shape': list(chunks)}},
              'chunk_key_encoding': {'name': 'default', 'configuration': {'separator': '/'}},
              'fill_value': fill, 'codecs': [{'name': 'bytes', 'configuration': {'endian': 'little'}}] + ([a['v3codec']] if a.get('v3codec') else []),
              'attributes': {}}
        with open(os.path.join(path, 'zarr.json'), 'w') as f:
            json.dump(v3, f)
        for idx in np.ndindex(*[-(-n // c) for n, c in zip(shape, chunks)]):
            sl = tuple(slice(i * c, (i + 1) * c) for i, c in zip(idx, chunks))
            block = np.full(chunks, fill, dtype=dtype)
            part = expected[sl]
            block[tuple(slice(0, n) for n in part.shape)] = part
            raw = np.ascontiguousarray(block).astype(np.dtype(dtype).newbyteorder('<')).tobytes()
            enc = comp.encode(raw) if comp else raw
            p = os.path.join(path, 'c', *map(str, idx))
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, 'wb') as f:
                f.write(enc)
    answers[name] = []
    for sel in a['selections']:
        # C order, native (little-endian) bytes: what a JS typed array holds
        r = np.ascontiguousarray(expected[selection(sel, shape)]).astype(np.dtype(dtype).newbyteorder('<'))
        answers[name].append({'shape': list(r.shape), 'sha256': hashlib.sha256(r.tobytes()).hexdigest()})
print(json.dumps(answers))
