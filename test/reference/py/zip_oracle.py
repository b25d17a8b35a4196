"""Independent oracle for zip references: zarr-python reads the original ZIP (zarr.storage.ZipStore)
and fsspec's ReferenceFileSystem reads our references; prints per-level shape, dtype, equality and
SHA-256 of the C-order little-endian bytes as JSON."""
import hashlib, json, sys
import fsspec, zarr
import numpy as np

zip_path, refs_path = sys.argv[1], sys.argv[2]  # zip_path '-' : refs only (e.g. zarr v3, which zarr 2 cannot read)
zip_level_paths = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
refs = json.load(open(refs_path))
fs = fsspec.filesystem('reference', fo=refs, remote_protocol='file')
# KVStore reads key by key: Debian's fsspec 2022.11 ReferenceFileSystem.cat() raises KeyError for
# an omitted (empty, fill-value) chunk in a multi-key read instead of leaving it out.
ref_group = zarr.open_group(zarr.storage.KVStore(fs.get_mapper('')), mode='r')
zip_group = zarr.open_group(zarr.storage.ZipStore(zip_path, mode='r'), mode='r') if zip_path != '-' else None
attrs = ref_group.attrs.asdict()
out = {'attrs': attrs, 'levels': []}
for i, ds in enumerate(attrs['multiscales'][0]['datasets']):
    a = ref_group[ds['path']][...]
    src_path = zip_level_paths[i] if zip_level_paths else ds['path']
    b = zip_group[src_path][...] if zip_group is not None else a
    le = lambda x: np.ascontiguousarray(x.astype(x.dtype.newbyteorder('<'))).tobytes()
    out['levels'].append({
        'path': ds['path'], 'shape': list(a.shape), 'dtype': a.dtype.str,
        'equal': bool(a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)),
        'sha256_refs': hashlib.sha256(le(a)).hexdigest(), 'sha256_zip': hashlib.sha256(le(b)).hexdigest(),
        'nonzero': int(np.count_nonzero(b)),
    })
print(json.dumps(out))
